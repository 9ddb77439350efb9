"""Benchmark: a full `analyze` of random layered designs beside Airflow building the same DAG and
checking it for cycles, measured in the same run.

    .venv/bin/python bench/analysis.py [--sizes 1000,10000,50000] [--repeat 3]

Airflow runs in a subprocess per size (its import and global state stay out of our timing); the
figure for Airflow is DAG construction (tasks in TaskGroups plus every edge) plus `dag.check_cycle()`,
which is what DagBag does with a parsed file. Targets: analyze 10k tasks < 0.5 s, >= 10x faster.

Both sides are warmed up once, untimed, and then garbage-collected before the timed repeats, so the
medians are steady state: the first `analyze` in a process reads the operator catalog (YAML) and
fills caches (compiled regexes, pydantic validators), and Airflow's first DAG pays its own one-off
costs (a two-task DAG is enough for those). The warm-up only ever lowers Airflow's figure.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from designer.analysis import analyze  # noqa: E402
from designer.ids import Namespace  # noqa: E402

AIRFLOW_SCRIPT = r"""
import gc, json, statistics, sys, time, datetime as dt
from airflow.sdk import DAG, TaskGroup
from airflow.providers.standard.operators.empty import EmptyOperator


def build(dag_id, group_parents, task_groups, edges):
    with DAG(dag_id, schedule=None, start_date=dt.datetime(2024, 1, 1)) as dag:
        groups = {}
        for gid, parent in group_parents:
            groups[gid] = TaskGroup(gid, parent_group=groups.get(parent), dag=dag)
        tasks = {tid: EmptyOperator(task_id=tid, task_group=groups[g], dag=dag) for tid, g in task_groups}
        for up, down in edges:
            tasks[up] >> tasks[down]
    dag.check_cycle()
    return dag


spec = json.load(sys.stdin)
build("warm_up", [("g", None)], [("a", "g"), ("b", "g")], [("a", "b")])  # one-off costs, untimed
gc.collect()
times = []
for _ in range(spec["repeat"]):
    start = time.perf_counter()
    dag = build(f"bench_{len(spec['tasks'])}_{_}", spec["groups"], spec["tasks"], spec["edges"])
    times.append(time.perf_counter() - start)
print(json.dumps({"median": statistics.median(times), "tasks": len(dag.task_dict)}))
"""


def airflow_time(design, repeat: int) -> dict:
    ns = Namespace(design)
    groups = sorted(design.groups, key=lambda g: len(ns.chain(g.id)))  # parents before children
    spec = {
        "repeat": repeat,
        "groups": [(g.id, g.parent) for g in groups],
        "tasks": [(t.id, t.group) for t in design.tasks],
        "edges": [(e.upstream, e.downstream) for e in design.edges],
    }
    proc = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", AIRFLOW_SCRIPT], input=json.dumps(spec),
                          capture_output=True, text=True, check=True,
                          env={"AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin"})
    return json.loads(proc.stdout.strip().splitlines()[-1])


def our_time(design, repeat: int) -> tuple[float, object]:
    analyze(design)  # warm-up, untimed (see the module docstring)
    gc.collect()
    times, report = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        report = analyze(design)
        times.append(time.perf_counter() - start)
    return statistics.median(times), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'tasks':>7} {'edges':>7} {'analyze (s)':>12} {'airflow build+cycle (s)':>24} {'ratio':>7}")
    for size in (int(s) for s in args.sizes.split(",")):
        design = layered_design(size)
        ours, report = our_time(design, args.repeat)
        theirs = airflow_time(design, args.repeat)
        assert theirs["tasks"] == report.metrics.tasks, "both sides must build the same DAG"
        print(f"{size:>7} {report.metrics.edges:>7} {ours:>12.3f} {theirs['median']:>24.3f} "
              f"{theirs['median'] / ours:>6.1f}x")
    print("targets: analyze of 10k tasks < 0.5 s; at least 10x faster than Airflow's build plus cycle check")


if __name__ == "__main__":
    main()
