"""Helpers for the dag-factory, bundle and CLI-export tests: loading a DAG folder with Airflow, random designs.

`load_folder` is tests.support.airflow_runner.load_dag_folder: the structure script puts the DAG folder on
sys.path the way Airflow does, so `sample_callables` next to the DAGs imports.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from designer.model import (
    AssetAlias,
    AssetOrTimeSchedule,
    AssetSchedule,
    DagSettings,
    Design,
    DynamicMapping,
    Edge,
    Group,
    IntervalSchedule,
    NamedAsset,
    Param,
    StaticFanOut,
    Task,
    TaskArgs,
    TimetableSchedule,
    UpstreamOutput,
)
from exporters import export
from tests.conftest import SAMPLES
from tests.support.airflow_runner import load_dag_folder


def load_folder(folder: Path, home: Path) -> dict:
    """DagBag of `folder` as load_dag_folder returns it (import_errors, dags)."""
    return load_dag_folder(folder, home)


def write_export(design: Design, target: str, folder: Path, flat: bool = True) -> list[Path]:
    """Write `export(design, target)` into `folder` (flat: file names only); returns the paths."""
    written = []
    for rel, text in export(design, target).items():
        path = folder / (Path(rel).name if flat else rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def copy_callables(folder: Path) -> None:
    shutil.copy(SAMPLES / "sample_callables.py", folder / "sample_callables.py")


def random_design(seed: int, dense: bool = False) -> Design:
    """A random design with nested groups, group and task edges, fan-outs and mapping over upstream outputs.

    Many are not exportable (cycles through groups, group-to-member edges); callers filter with
    require_exportable.
    """
    rnd = random.Random(seed)
    n_groups = rnd.randint(1, 6) if dense else rnd.randint(0, 4)
    groups = [Group(id=f"g{i}", parent=f"g{rnd.randrange(i)}" if i and rnd.random() < 0.6 else None)
              for i in range(n_groups)]
    tasks = []
    for i in range(rnd.randint(4, 14) if dense else rnd.randint(3, 10)):
        group = f"g{rnd.randrange(n_groups)}" if n_groups and rnd.random() < 0.7 else None
        if i and rnd.random() < (0.3 if dense else 0.15):
            mapping = DynamicMapping(expand={"bash_command": UpstreamOutput(task=f"t{rnd.randrange(i)}")})
            tasks.append(Task(id=f"t{i}", operator="bash", group=group, mapping=mapping, overrides=TaskArgs(retries=1)))
        else:
            fan_out = StaticFanOut(count=2) if rnd.random() < 0.1 else None
            tasks.append(Task(id=f"t{i}", group=group, fan_out=fan_out, overrides=TaskArgs(retries=1)))
    refs = [t.id for t in tasks] + [g.id for g in groups]
    pairs = sorted({tuple(rnd.sample(refs, 2)) for _ in range(rnd.randint(4, 20) if dense else rnd.randint(2, 12))})
    return Design(dag=DagSettings(dag_id=f"rand_{'d' if dense else 's'}{seed}"), tasks=tuple(tasks),
                  groups=tuple(groups), edges=tuple(Edge(upstream=a, downstream=b) for a, b in pairs))

def edge_features() -> Design:
    """What the samples do not cover: params without defaults, interval schedule, an aware start date,
    trigger rules, a count fan-out, mapping inside a group, and a group edge dag-factory resolves early."""
    bash = {"operator": "bash", "args": {"bash_command": "echo"}, "overrides": TaskArgs(retries=1)}
    return Design(
        dag=DagSettings(dag_id="edge_features", schedule=IntervalSchedule(interval="PT90M"),
                        start_date="2024-03-01T12:00:00+02:00", max_active_tasks=3, tags=["x"],
                        params={"free": Param(), "nullable": Param(type="null"), "n": Param(default=2, type="integer"),
                                "obj": Param(default={"a": [1, 2]}, type="object", description="d")},
                        default_args=TaskArgs(retries=2, retry_delay="PT1M", execution_timeout="PT1H")),
        groups=(Group(id="outer", tooltip="o", default_args=TaskArgs(pool_slots=2)), Group(id="inner", parent="outer")),
        tasks=(
            Task(id="start", overrides=TaskArgs(retries=1)),
            Task(id="src", group="outer", operator="python", args={"python_callable": "sample_callables.list_files"},
                 overrides=TaskArgs(retries=1)),
            Task(id="mapped", group="outer", operator="python", overrides=TaskArgs(retries=1),
                 args={"python_callable": "sample_callables.process_file"},
                 mapping=DynamicMapping(expand={"op_args": UpstreamOutput(task="src")})),
            Task(id="copies", group="inner", fan_out=StaticFanOut(count=3), trigger_rule="all_done", **bash),
            Task(id="end", trigger_rule="none_failed_min_one_success", **bash),
        ),
        edges=(Edge(upstream="start", downstream="outer"), Edge(upstream="mapped", downstream="inner"),
               Edge(upstream="outer", downstream="end")),
    )


def asset_any() -> Design:
    """Runs when either of two assets is updated (dag-factory: `__or__` of `airflow.sdk.Asset` mappings)."""
    return Design(dag=DagSettings(dag_id="asset_any", schedule=AssetSchedule(assets=["s3://b/x", "s3://b/y"],
                                                                             mode="any")),
                  tasks=(Task(id="only", overrides=TaskArgs(retries=1)),))


def dotted_ids() -> Design:
    """Task ids with dots, as Airflow allows them (`load.v2`), at the top level, in nested groups, as a branch,
    its choices, a mapping's upstream and a fan-out; group ids have none (Airflow refuses them)."""
    retry = TaskArgs(retries=1)
    return Design(
        dag=DagSettings(dag_id="dotted_ids", default_args=retry),
        groups=(Group(id="load"), Group(id="inner", parent="load")),
        tasks=(
            Task(id="extract.v1", operator="python", args={"python_callable": "sample_callables.list_files"}),
            Task(id="load.v2", group="load"),
            Task(id="x.y", group="inner"),
            Task(id="pick.mode", operator="branch_python", branches=["each.file", "full.v3"],
                 args={"python_callable": "sample_callables.choose_load_mode"}),
            Task(id="each.file", operator="python", args={"python_callable": "sample_callables.process_file"},
                 mapping=DynamicMapping(expand={"op_args": UpstreamOutput(task="extract.v1")})),
            Task(id="full.v3", group="load"),
            Task(id="copy.n", fan_out=StaticFanOut(count=2), trigger_rule="none_failed_min_one_success"),
        ),
        edges=(Edge(upstream="extract.v1", downstream="inner"), Edge(upstream="inner", downstream="pick.mode"),
               Edge(upstream="pick.mode", downstream="each.file"), Edge(upstream="pick.mode", downstream="full.v3"),
               Edge(upstream="each.file", downstream="copy.n"), Edge(upstream="full.v3", downstream="copy.n"),
               Edge(upstream="load.v2", downstream="x.y")),
    )


def own_airflow_ids() -> Design:
    """Tasks and groups whose Airflow ids (task_id, group_id) are not their design ids, in every role: in
    groups, as an edge end, a fan-out, a branch and its choices, a mapping's upstream; each name still
    unique in the DAG, as dag-factory needs."""
    retry = TaskArgs(retries=1)
    return Design(
        dag=DagSettings(dag_id="own_airflow_ids", default_args=retry),
        groups=(Group(id="g_sales", group_id="sales"), Group(id="g_inner", group_id="inner", parent="g_sales")),
        tasks=(
            Task(id="src_1", task_id="list_files", operator="python",
                 args={"python_callable": "sample_callables.list_files"}),
            Task(id="x_1", task_id="extract", group="g_sales"),
            Task(id="x_2", task_id="load", group="g_inner", fan_out=StaticFanOut(count=2)),
            Task(id="pick_1", task_id="pick", operator="branch_python", branches=["each_1", "full_1"],
                 args={"python_callable": "sample_callables.choose_load_mode"}),
            Task(id="each_1", task_id="each_file", operator="python",
                 args={"python_callable": "sample_callables.process_file"},
                 mapping=DynamicMapping(expand={"op_args": UpstreamOutput(task="src_1")})),
            Task(id="full_1", task_id="full"),
        ),
        edges=(Edge(upstream="src_1", downstream="g_inner"), Edge(upstream="x_1", downstream="g_inner"),
               Edge(upstream="g_sales", downstream="pick_1"), Edge(upstream="pick_1", downstream="each_1"),
               Edge(upstream="pick_1", downstream="full_1")),
    )


def same_airflow_ids_in_two_groups() -> Design:
    """A task `extract` and a group `inner` (holding a task `load`) in each of two groups, as Airflow allows and
    the Airflow importer brings them (design ids made unique, Airflow ids kept); dag-factory cannot name them."""
    retry = TaskArgs(retries=1)
    return Design(
        dag=DagSettings(dag_id="same_airflow_ids", default_args=retry),
        groups=(Group(id="s1"), Group(id="s2"), Group(id="inner", parent="s1"),
                Group(id="inner_2", group_id="inner", parent="s2")),
        tasks=(Task(id="extract", group="s1"), Task(id="extract_2", task_id="extract", group="s2"),
               Task(id="load", group="inner"), Task(id="load_2", task_id="load", group="inner_2"), Task(id="end")),
        edges=(Edge(upstream="s1", downstream="s2"), Edge(upstream="extract", downstream="inner"),
               Edge(upstream="extract_2", downstream="inner_2"), Edge(upstream="s2", downstream="end")),
    )


# Schedules beyond cron and intervals: nested asset conditions with aliases and named assets, timetable objects
# (with and without arguments) and asset-or-time schedules (cron text or a timetable object as the time part).
NESTED_ASSETS = AssetSchedule(mode="any", assets=[
    "s3://b/x", AssetSchedule(assets=[NamedAsset(uri="s3://b/y", name="y", group="reports", extra={"hi": "bye"}),
                                      AssetAlias(alias="late-files")])])
SCHEDULES = {
    "nested_assets": NESTED_ASSETS,
    "alias_only": AssetSchedule(assets=[AssetAlias(alias="any-file")]),
    "long_condition": AssetSchedule(mode="all", assets=[
        AssetSchedule(mode="any", assets=[f"s3://a-rather-long-bucket-name/{p}/part-0000.parquet" for p in "xyz"]),
        AssetSchedule(mode="any", assets=["s3://b/1", AssetSchedule(assets=["s3://b/2", "s3://b/3"])])]),
    "partition_timetable": TimetableSchedule(timetable="airflow.sdk.CronPartitionTimetable",
                                             kwargs={"cron": "15 * * * *", "timezone": "Europe/Amsterdam"}),
    "runtime_timetable": TimetableSchedule(timetable="airflow.sdk.PartitionedAtRuntime"),
    "asset_or_cron": AssetOrTimeSchedule(timetable="0 1 * * 3", assets=NESTED_ASSETS),
    "asset_or_timetable": AssetOrTimeSchedule(
        timetable=TimetableSchedule(timetable="airflow.sdk.CronTriggerTimetable",
                                    kwargs={"expression": "0 6 * * *", "timezone": "Asia/Tokyo"}),
        assets=AssetSchedule(assets=[NamedAsset(uri="s3://b/z", name="z")])),
}


def schedule_designs() -> dict[str, Design]:
    """One small design per entry of SCHEDULES."""
    return {f"schedule_{name}": Design(dag=DagSettings(dag_id=f"schedule_{name}", schedule=schedule),
                                       tasks=(Task(id="only", overrides=TaskArgs(retries=1)),))
            for name, schedule in SCHEDULES.items()}


def extra_designs() -> dict[str, Design]:
    """Designs next to the samples in the export, import and cross-exporter tests."""
    return {"edge_features": edge_features(), "asset_any": asset_any(), "dotted_ids": dotted_ids(),
            "own_airflow_ids": own_airflow_ids(), **schedule_designs()}
