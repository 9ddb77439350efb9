"""Benchmark of dynamic DAG generation, measured in one run.

Prints:
- the time to render (template -> validated designs) 500 DAGs of 50 tasks (median of --repeat runs),
  and to render and export them (factory module);
- Airflow's DagBag parse time, each in a fresh subprocess (median of --repeat), of 10, 100 and 500 generated
  DAGs of 50 tasks as (a) the factory module + JSON, (b) one static module per DAG, (c) one dag-factory
  document with a default block. Operator modules and dagfactory are imported before timing, as Airflow's
  `parsing_pre_import_modules` does, so the figures compare building the DAGs.

Targets: rendering 500 DAGs of 50 tasks under 5 s; the factory module within 1.5x of the static modules.

    .venv/bin/python bench/generate.py [--counts 10 100 500] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designer.generation import generate, parse_template, require_designs  # noqa: E402
from designer.generation_config import parse_config  # noqa: E402
from exporters.generation import export_generation  # noqa: E402
from tests.support.airflow_runner import airflow_env  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
TASKS = 50
GROUP = 10

PARSE_SCRIPT = """
import json, sys, time
from airflow.dag_processing.dagbag import DagBag
import airflow.providers.standard.operators.bash, airflow.providers.standard.operators.empty
import dagfactory
sys.path.insert(0, sys.argv[1])
start = time.perf_counter()
bag = DagBag(sys.argv[1], safe_mode=True)
seconds = time.perf_counter() - start
assert not bag.import_errors, bag.import_errors
tasks = sum(len(d.tasks) for d in bag.dags.values())
print("@@" + json.dumps({"seconds": seconds, "dags": len(bag.dags), "tasks": tasks}))
"""


def template(tasks: int = TASKS) -> str:
    """A template of `tasks` tasks in groups of GROUP, a chain of groups, values from the config."""
    lines = ['dag: {dag_id: "${{ tenant }}_${{ environment }}_load", schedule: "${{ env.schedule }}",',
             '      default_args: {owner: "${{ env.owner }}", retries: "${{ env.retries }}"}}', "tasks:"]
    groups = tasks // GROUP
    for g in range(groups):
        for i in range(GROUP):
            command = f"run --part {i} --batch ${{{{ env.batch }}}} --day {{{{ ds }}}} --conn ${{{{ env.conn }}}}"
            lines.append(f'  - {{id: t{g}_{i}, operator: bash, group: g{g}, args: {{bash_command: "{command}"}}}}')
    lines.append("groups:")
    lines += [f"  - {{id: g{g}}}" for g in range(groups)]
    lines.append("edges:")
    for g in range(groups):
        lines += [f"  - {{upstream: t{g}_0, downstream: t{g}_{i}}}" for i in range(1, GROUP)]
        if g:
            lines.append(f"  - {{upstream: g{g - 1}, downstream: g{g}}}")
    return "\n".join(lines) + "\n"


def config(dags: int) -> str:
    envs = 2 if dags % 2 == 0 else 1
    tenants = dags // envs
    env_block = {"dev": {"conn": "wh_dev", "retries": 1}, "prod": {"conn": "wh_prod", "retries": 3}}
    document = {"defaults": {"schedule": "@daily", "owner": "data", "batch": 100},
                "environments": dict(list(env_block.items())[:envs]),
                "tenants": [f"client_{i:04d}" for i in range(tenants)]}
    return json.dumps(document)


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def parse_seconds(files: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            dags = Path(tmp) / "dags"
            for rel, text in files.items():
                path = Path(tmp) / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
            # Airflow's own 30 s dagbag_import_timeout is lifted so a slow layout is measured, not cut off;
            # the table marks times past it.
            env = {**airflow_env(Path(tmp) / "home", dags), "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "1200"}
            proc = subprocess.run([str(PYTHON), "-c", PARSE_SCRIPT, str(dags)], capture_output=True, text=True,
                                  env=env, timeout=1800)
            line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("@@")), None)
            if line is None:
                raise SystemExit(f"parse failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
            times.append(json.loads(line[2:])["seconds"])
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmpl = parse_template(template(), "bench.yaml")

    cfg = parse_config(config(500), "bench.json")
    seconds, generation = timed(lambda: require_designs(generate(tmpl, cfg)), args.repeat)
    print(f"render 500 DAGs x {TASKS} tasks: {seconds:.2f} s (target < 5 s)")
    gen500 = generate(tmpl, cfg)
    seconds, _ = timed(lambda: export_generation(gen500, "factory"), 1)
    print(f"export them as a factory module (includes every design's lint gate): {seconds:.2f} s")

    print(f"\n{'DAGs':>5} {'factory':>9} {'static':>9} {'dag-factory':>12}  factory/static")
    for count in args.counts:
        gen = generate(tmpl, parse_config(config(count), "bench.json"))
        row = {target: parse_seconds(export_generation(gen, target), args.repeat)
               for target in ("factory", "python", "dag-factory")}
        ratio = row["factory"] / row["python"]
        late = [t for t, s in row.items() if s > 30 and t != "python"]
        note = f"; {', '.join(late)} past Airflow's 30 s dagbag_import_timeout" if late else ""
        print(f"{count:>5} {row['factory']:>8.2f}s {row['python']:>8.2f}s {row['dag-factory']:>11.2f}s  "
              f"{ratio:.2f}x (target <= 1.5x){note}", flush=True)


if __name__ == "__main__":
    main()
