"""Benchmark of hostile inputs: time and peak memory of refusing each class through the command line.

For each class (size, node cap as flow and block lists, an alias bomb through the importer, deep
nesting, fan-out and mapping caps, task instances, copied text, a 5,000-digit integer, non-finite
numbers, non-string keys, JSON NaN, an endless pipe) it writes a file, runs `python -m designer
validate` (or `import`) in a fresh child of a fresh wrapper, and prints wall time and the child's
peak RSS beside the targets: refused (exit 2) within 3 s and under 300 MB. Two accepted designs (5,000
and 10,000 tasks) are shown for scale. Timings include interpreter start-up (about 0.4 s here).

    .venv/bin/python bench/inputs.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.designs import layered_design  # noqa: E402
from designer.limits import MAX_FILE_BYTES, MAX_NODES  # noqa: E402
from designer.model import MAX_COPIES  # noqa: E402
from designer.storage import dump_design  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
TARGET_SECONDS, TARGET_MB = 3.0, 300
HEAD = "dag: {dag_id: d}\ntasks:\n"

_WRAPPER = textwrap.dedent("""
    import json, resource, subprocess, sys
    proc = subprocess.run([sys.argv[1], "-m", "designer", *sys.argv[2:]], capture_output=True, text=True,
                          stdin=sys.stdin)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps([proc.returncode, proc.stderr.strip(), peak]))
""")


def _bomb(width: int, levels: int) -> str:
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, levels)]
    return "\n".join(lines) + "\n"


def cases() -> list[tuple[str, str, str | None]]:
    """(name, command, file text or None for a device)."""
    def task(body: str) -> str:
        return HEAD + "  - id: a\n" + textwrap.indent(body, "    ")

    return [
        ("size (5 MB + 1 of comments)", "validate", HEAD + "#" * MAX_FILE_BYTES),
        ("node cap: flow list", "validate", "[" + ",".join(["1"] * (2 * MAX_NODES)) + "]"),
        ("node cap: block list", "validate", HEAD + "  - {}\n" * (MAX_NODES + 1)),
        ("node cap: accepted then refused", "validate", HEAD + "  - {}\n" * (MAX_NODES - 10)),
        ("alias bomb (import)", "import", _bomb(9, 10)),
        ("deep nesting", "validate", "dag: " + "[" * 10_000),
        ("fan-out count 10^7", "validate", task("fan_out: {count: 10000000}\n")),
        ("literal mapping 1000 x 1000", "validate", task(
            f"mapping: {{expand: {{x: [{', '.join(['1'] * 1000)}], y: [{', '.join(['1'] * 1000)}]}}}}\n")),
        ("task instances 11 x 10,000", "validate", HEAD + "".join(
            f"  - {{id: t{i}, fan_out: {{count: {MAX_COPIES}}}}}\n" for i in range(11))),
        ("copied text 4 MB x 10,000", "validate", task(f"args: {{x: {'y' * 4_000_000}}}\nfan_out: {{count: 10000}}\n")),
        ("integer of 5,000 digits", "validate", task(f"args: {{n: {'9' * 5000}}}\n")),
        ("non-finite float", "validate", task("args: {x: .inf}\n")),
        ("non-string key", "validate", task("args:\n  yes: 1\n")),
        ("JSON NaN", "validate-json", '{"dag": {"dag_id": "d"}, "tasks": [{"id": "a", "args": {"x": NaN}}]}'),
        ("endless pipe (/dev/zero as stdin)", "validate-stdin", None),
    ]


def run(command: str, path: Path | None) -> tuple[int, str, float, float]:
    if command == "import":
        args = ["import", str(path), "-o", str(path.with_suffix(".design.yaml"))]
    elif command == "validate-stdin":
        args = ["validate", "/dev/stdin"]
    else:
        args = ["validate", str(path)]
    stdin = open("/dev/zero", "rb") if command == "validate-stdin" else None  # noqa: SIM115
    start = time.perf_counter()
    try:
        proc = subprocess.run([str(PYTHON), "-c", _WRAPPER, str(PYTHON), *args], capture_output=True, text=True,
                              cwd=ROOT, stdin=stdin, timeout=300)
    finally:
        if stdin:
            stdin.close()
    seconds = time.perf_counter() - start
    code, stderr, peak = json.loads(proc.stdout)
    return code, stderr, seconds, peak


def main() -> None:
    print(f"{'input':<36} {'exit':>4} {'time':>7} {'peak RSS':>9}  within {TARGET_SECONDS:g} s and {TARGET_MB} MB")
    with tempfile.TemporaryDirectory() as tmp:
        rows = cases()
        for n in (5000, 10_000):
            rows.append((f"accepted: {n:,}-task design", "validate", dump_design(layered_design(n))))
        for i, (name, command, text) in enumerate(rows):
            path = None
            if text is not None:
                path = Path(tmp) / (f"case{i}.json" if command == "validate-json" else f"case{i}.yaml")
                path.write_text(text)
            code, stderr, seconds, peak = run(command, path)
            ok = seconds <= TARGET_SECONDS and peak <= TARGET_MB
            print(f"{name:<36} {code:>4} {seconds:>6.2f}s {peak:>6.0f} MB  {'yes' if ok else 'NO'}"
                  f"  {stderr.splitlines()[0][:70] if stderr else ''}")


if __name__ == "__main__":
    main()
