"""Benchmark: `diff_designs` of two versions of a random layered design with operator arguments.

    .venv/bin/python bench/diff.py [--sizes 1000,5000,10000] [--repeat 5]

The new version has every box moved (layout, ignored by the diff), 1% of the tasks removed, 1% added
with an edge each, 5% with a changed argument and 1% with another trigger rule. The changes found
are counted, so a diff that skips work shows up. Target: under 1 s for 5,000 tasks.

The two versions are built first and then frozen out of the garbage collector (`gc.freeze`): a full
collection that happens to fall inside a timed run scans every object of both designs (about 0.15 s
at 10k tasks), which is a cost of holding the designs, not of diffing them. `--no-freeze` keeps it.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from designer.diff import diff_designs  # noqa: E402
from designer.model import Design, Edge, Position, Task, TriggerRule  # noqa: E402

TARGET_SECONDS = {5000: 1.0}


def two_versions(n_tasks: int) -> tuple[Design, Design]:
    base = layered_design(n_tasks)
    old_tasks = tuple(
        t.model_copy(update={"operator": "bash", "position": Position(x=i, y=0),
                             "args": {"bash_command": f"echo {i}", "env": {"RUN": str(i), "MODE": "full"}}})
        for i, t in enumerate(base.tasks))
    old = base.model_copy(update={"tasks": old_tasks})
    removed = {t.id for t in old_tasks[::100]}
    new_tasks = []
    for i, t in enumerate(old_tasks):
        if t.id in removed:
            continue
        update: dict = {"position": Position(x=i, y=50)}
        if i % 20 == 1:
            update["args"] = {**t.args, "env": {**t.args["env"], "MODE": "delta"}}
        if i % 100 == 7:
            update["trigger_rule"] = TriggerRule.ALL_DONE
        new_tasks.append(t.model_copy(update=update))
    added = [Task(id=f"extra_{i}", operator="bash", args={"bash_command": "true"}) for i in range(n_tasks // 100)]
    edges = [e for e in old.edges if e.upstream not in removed and e.downstream not in removed]
    edges += [Edge(upstream=new_tasks[i].id, downstream=t.id) for i, t in enumerate(added)]
    new = old.model_copy(update={"tasks": (*new_tasks, *added), "edges": tuple(edges)})
    return old, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-freeze", action="store_true", help="leave the designs to the garbage collector")
    args = parser.parse_args()
    diff_designs(*two_versions(10))  # warm-up, untimed
    print(f"{'tasks':>7}  {'changes':>8}  {'diff (s)':>9}  target")
    for n in map(int, args.sizes.split(",")):
        old, new = two_versions(n)
        gc.collect()
        if not args.no_freeze:
            gc.freeze()
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            result = diff_designs(old, new)
            times.append(time.perf_counter() - start)
        target = TARGET_SECONDS.get(n)
        verdict = f"< {target:g} s {'met' if statistics.median(times) < target else 'MISSED'}" if target else "-"
        print(f"{n:>7}  {len(result.changes):>8}  {statistics.median(times):>9.3f}  {verdict}")
        gc.unfreeze()


if __name__ == "__main__":
    main()
