"""`python -m designer import FILE.py|DAGS_FOLDER -o OUT_DIR`: Airflow DAG code into design files.

Airflow parses the code in a separate process with time and memory limits (designer.importers.airflow_python).
One `<module stem>.design.yaml` per DAG is written into OUT_DIR; import notes are printed as
`SOURCE[:LINE]: dag_id.key.path: message`, Airflow's import errors as Airflow wrote them, and for a
folder one line per DAG with its tasks, depth, width, complexity grade and finding counts.
Exit codes as for dag-factory import (designer/cli_export.py): 0 done, 1 an output would be
overwritten or two DAGs share a file name, 2 nothing could be imported.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from designer.importers.airflow_python import AirflowImport, DagFileError, import_airflow_python, summarize
from designer.storage import DesignError, Problem, dump_design
from exporters.naming import module_stem

EXIT_OK, EXIT_REFUSED = 0, 1


def is_python_source(path: str) -> bool:
    """True for what this importer reads: a .py file or a directory (a DAG folder)."""
    return Path(path).is_dir() or path.lower().endswith(".py")


def run_python_import(args: argparse.Namespace) -> int:
    from designer.cli_export import _write  # one writer for every command (no overwrite without --force)

    source = args.file
    try:
        result = import_airflow_python(source)
    except DagFileError as exc:
        print(f"{source}: Airflow's import error:\n{exc.details.rstrip()}", file=sys.stderr)
        raise
    for note in result.notes:
        print(note.format(source))
    folder = Path(source) if Path(source).is_dir() else Path(source).parent
    for file, text in result.import_errors.items():
        print(f"{folder / file}: Airflow's import error:\n{text.rstrip()}", file=sys.stderr)
    if not result.designs:
        raise DesignError(source, [Problem(f"holds no DAG that Airflow could load "
                                           f"({len(result.import_errors)} import errors)")])
    if Path(source).is_dir():
        _print_listing(result)
    out = Path(args.output)
    targets = {out / f"{module_stem(d)}.design.yaml": d for d in result.designs}
    if len(targets) < len(result.designs):
        print("error: several DAG ids give the same file name; import them one by one", file=sys.stderr)
        return EXIT_REFUSED
    code = _write({path: dump_design(d).encode("utf-8") for path, d in targets.items()}, args.force)
    if code == EXIT_OK:
        print(f"imported {len(result.designs)} DAG(s) with {len(result.notes)} note(s)")
    return code


def _print_listing(result: AirflowImport) -> None:
    rows = [("dag_id", "tasks", "depth", "width", "grade", "errors", "warnings", "notes")]
    rows += [(r.dag_id, r.tasks, r.depth, r.width, r.grade, r.errors, r.warnings, r.notes) for r in summarize(result)]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [str(v).rjust(w) for v, w in zip(row, widths, strict=True)]
        print("  ".join([str(row[0]).ljust(widths[0]), *cells[1:]]))
