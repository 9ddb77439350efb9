"""Review figures. Import part: how long importing Airflow DAG Python files takes (issue 9, item 1).

For random layered designs of 1k and 5k EmptyOperator tasks in TaskGroups of 50 (bench/designs.py),
exported to Python modules, it prints the wall time of `import_airflow_python` (median of --repeat
runs): the isolated child's start, Airflow's import, DagBag's parse, the walk, the JSON and the
designs built from it, and that the import gave back the same tasks, groups and edges.

Target: importing a 5,000-task file takes under 10 s.

    .venv/bin/python bench/review.py [--sizes 1000 5000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from designer.importers.airflow_python import import_airflow_python  # noqa: E402
from exporters import export  # noqa: E402


def import_figures(sizes: list[int], repeat: int) -> None:
    print(f"{'tasks':>6}  {'import (s)':>10}  same structure")
    for size in sizes:
        design = layered_design(size)
        with tempfile.TemporaryDirectory() as tmp:
            (rel, text), = export(design, "python").items()
            path = Path(tmp) / Path(rel).name
            path.write_text(text, encoding="utf-8")
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                result = import_airflow_python(path)
                times.append(time.perf_counter() - start)
        (back,) = result.designs
        same = ({(t.id, t.group) for t in back.tasks} == {(t.id, t.group) for t in design.tasks}
                and {g.id for g in back.groups} == {g.id for g in design.groups}
                and len(back.edges) >= len(design.edges))
        print(f"{size:>6}  {statistics.median(times):>10.2f}  {'yes' if same else 'NO'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import_figures(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
