"""Benchmark of the Python exporter and of how fast Airflow parses what it writes.

For random layered designs of 100, 1k and 5k EmptyOperator tasks in TaskGroups of 50 it prints:
- the export time of `render_python` (median of 3, in process; the analysis that gates every export
  is shown separately),
- Airflow's DagBag parse time, each in a fresh subprocess (median of 3), of
  (a) our Python module, (b) the same design through dag-factory (YAML + loader), and
  (c) a plain hand-style module: the same tasks and groups, one `a >> b` per task edge.
Modules each variant imports (operators, dagfactory) are imported before timing, as Airflow's
`parsing_pre_import_modules` does, so the figures compare building the DAG, not importing libraries.

Targets: ours parses >= 4x faster than dag-factory at 1k tasks and within 1.2x of hand-style;
exporting 5k tasks takes < 1 s.

    .venv/bin/python bench/export.py [--sizes 100 1000 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designer.analysis.graph import build_task_graph  # noqa: E402
from designer.model import DagSettings, Design, Edge, Group, Task, TaskArgs  # noqa: E402
from exporters import export  # noqa: E402
from exporters.checks import require_exportable  # noqa: E402
from exporters.python_module import render_python  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GROUP_SIZE = 50
LAYER_WIDTH = 5

PARSE_SCRIPT = """
import json, sys, time
from airflow.models import DagBag
import airflow.providers.standard.operators.empty
if sys.argv[2] == "dag-factory":
    import dagfactory
start = time.perf_counter()
bag = DagBag(sys.argv[1], safe_mode=True)
seconds = time.perf_counter() - start
assert not bag.import_errors, bag.import_errors
(dag,) = bag.dags.values()
print("@@" + json.dumps({"seconds": seconds, "tasks": len(dag.tasks)}))
"""


def layered_design(n_tasks: int, seed: int = 0) -> Design:
    """`n_tasks` tasks in groups of 50; inside a group, layers of 5 with 1-2 edges from the previous
    layer; each group follows the previous one and sometimes an older one too."""
    rng = random.Random(seed)
    n_groups = -(-n_tasks // GROUP_SIZE)
    tasks, edges = [], []
    for i in range(n_tasks):
        tasks.append(Task(id=f"t{i}", group=f"g{i // GROUP_SIZE}"))
        offset = i % GROUP_SIZE
        if offset >= LAYER_WIDTH:
            layer_start = i - offset % LAYER_WIDTH - LAYER_WIDTH
            for up in rng.sample(range(layer_start, layer_start + LAYER_WIDTH), rng.randint(1, 2)):
                edges.append(Edge(upstream=f"t{up}", downstream=f"t{i}"))
    for g in range(1, n_groups):
        edges.append(Edge(upstream=f"g{g - 1}", downstream=f"g{g}"))
        if g > 1 and rng.random() < 0.3:
            edges.append(Edge(upstream=f"g{rng.randrange(g - 1)}", downstream=f"g{g}"))
    return Design(dag=DagSettings(dag_id=f"bench_{n_tasks}", default_args=TaskArgs(retries=1)),
                  tasks=tuple(tasks), groups=tuple(Group(id=f"g{g}") for g in range(n_groups)), edges=tuple(edges))


def hand_style_module(design: Design) -> str:
    """The same DAG as a person might write it without a generator: every task edge spelled out."""
    tg = build_task_graph(design)
    lines = ["# airflow dag written by hand", "import datetime as dt", "",
             "from airflow.providers.standard.operators.empty import EmptyOperator",
             "from airflow.sdk import DAG, TaskGroup", "",
             f'with DAG(dag_id="{design.dag.dag_id}", schedule=None, start_date=dt.datetime(2024, 1, 1),'
             ' catchup=False, default_args={"retries": 1}) as dag:']
    by_group: dict[str | None, list[Task]] = {}
    for task in design.tasks:
        by_group.setdefault(task.group, []).append(task)
    for group in design.groups:
        lines.append(f'    with TaskGroup("{group.id}"):')
        lines += [f'        {t.id} = EmptyOperator(task_id="{t.id}")' for t in by_group.get(group.id, [])]
    local = {node: tg.graph.nodes[node]["task"] for node in tg.graph}
    lines += [f"    {local[u]} >> {local[v]}" for u, v in tg.graph.edges]
    return "\n".join(lines) + "\n"


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def parse_time(path: Path, variant: str, n_tasks: int, repeat: int, home: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW__")}
    env.update(AIRFLOW_HOME=str(home), AIRFLOW__CORE__LOAD_EXAMPLES="False",
               AIRFLOW__CORE__DAGS_FOLDER=str(path.parent), DO_NOT_TRACK="1", SCARF_NO_ANALYTICS="1",
               AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY="False", PYTHONWARNINGS="ignore", PYTHONSAFEPATH="1")
    times = []
    for _ in range(repeat):
        proc = subprocess.run([str(PYTHON), "-c", PARSE_SCRIPT, str(path), variant], env=env, cwd=path.parent,
                              capture_output=True, text=True, timeout=1800)
        line = next((x for x in proc.stdout.splitlines() if x.startswith("@@")), None)
        if line is None:
            raise RuntimeError(f"{variant} parse failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        result = json.loads(line[2:])
        if result["tasks"] != n_tasks:
            raise RuntimeError(f"{variant} built {result['tasks']} tasks, expected {n_tasks}")
        times.append(result["seconds"])
    return statistics.median(times)


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for rel, text in files.items():
        (folder / Path(rel).name).write_text(text, encoding="utf-8")
    return next(folder / Path(rel).name for rel in files if rel.endswith(".py"))


def dag_factory_files(design: Design) -> dict[str, str]:
    try:
        return export(design, "dag-factory")
    except Exception as exc:  # the exporter is optional here; say why it was not used
        raise SystemExit(f"dag-factory exporter unavailable: {exc}") from exc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        tmp_path = Path(tmp)
        for n in args.sizes:
            design = layered_design(n)
            render_python(design)  # warm up imports and caches before timing
            analysis = median_time(lambda d=design: require_exportable(d), args.repeat)
            export_s = median_time(lambda d=design: render_python(d), args.repeat)
            ours = write(tmp_path / f"ours_{n}", export(design, "python"))
            factory = write(tmp_path / f"factory_{n}", dag_factory_files(design))
            hand = write(tmp_path / f"hand_{n}", {f"hand_{n}.py": hand_style_module(design)})
            parse = {variant: parse_time(path, variant, n, args.repeat, tmp_path / "home")
                     for variant, path in (("ours", ours), ("dag-factory", factory), ("hand", hand))}
            rows.append((n, export_s, analysis, parse))
            print(f"... {n} tasks done", file=sys.stderr)
    header = (f"{'tasks':>6} | {'export s':>8} | {'of which analysis':>17} | {'parse ours':>10} | "
              f"{'dag-factory':>11} | {'hand':>8} | {'dag-factory/ours':>16} | {'ours/hand':>9}")
    print(header)
    print("-" * len(header))
    for n, export_s, analysis, p in rows:
        print(f"{n:>6} | {export_s:>8.3f} | {analysis:>17.3f} | {p['ours']:>10.3f} | {p['dag-factory']:>11.3f} | "
              f"{p['hand']:>8.3f} | {p['dag-factory'] / p['ours']:>15.1f}x | {p['ours'] / p['hand']:>8.2f}x")
    print("targets: dag-factory/ours >= 4x at 1000 tasks; ours/hand <= 1.2x; export of 5000 tasks < 1 s")


if __name__ == "__main__":
    main()
