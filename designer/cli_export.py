"""`python -m designer export|import`: write exports of a design, read dag-factory YAML into designs.

    export FILE --to python|python-airflow2|dag-factory|design|tests|bundle -o OUT [--force]
        OUT is a directory (files are written at their relative paths) or, for bundle, a .zip path.
    import FILE.yaml -o DESIGN [--force]
        DESIGN is a design file, or a directory (one <stem>.design.yaml per DAG) when the file holds
        several DAGs. Import notes are printed as `FILE:LINE: key.path: message`.
    import FILE.py|DAGS_FOLDER -o OUT_DIR [--force]
        Airflow parses the code in a separate, limited process; see designer/cli_import.py.

An existing file with different content is never overwritten without --force. Exit codes: 0 done
(import notes are warnings), 1 the export was refused or an output would be overwritten,
2 the input could not be read (raised as DesignError and reported by designer.cli.main).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from designer.cli_import import is_python_source, run_python_import
from designer.importers.dag_factory import import_dag_factory
from designer.model import Design
from designer.storage import MAX_FILE_BYTES, DesignError, Problem, dump_design, load_design
from exporters import ExportError, export
from exporters.bundle import build_bundle, check_archive_names
from exporters.naming import module_stem

EXPORT_TARGETS = ("python", "python-airflow2", "dag-factory", "design", "tests", "bundle")
EXIT_OK, EXIT_REFUSED = 0, 1


def add_export_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add the `export` and `import` commands to designer.cli's sub-command parsers."""
    cmd = subparsers.add_parser("export", help="write an export of a design (Python, dag-factory, bundle, ...)")
    cmd.add_argument("file", metavar="FILE", help="design file (.yaml or .json)")
    cmd.add_argument("--to", required=True, choices=EXPORT_TARGETS, help="what to export")
    cmd.add_argument("-o", "--output", required=True, metavar="OUT", help="output directory, or a .zip for bundle")
    cmd.add_argument("--force", action="store_true", help="overwrite existing files whose content differs")
    cmd.set_defaults(run=run_export)

    cmd = subparsers.add_parser("import", help="read dag-factory YAML or Airflow DAG code into design files")
    cmd.add_argument("file", metavar="FILE", help="dag-factory YAML file, Airflow DAG .py file or DAG folder")
    cmd.add_argument("-o", "--output", required=True, metavar="DESIGN",
                     help="design file, or a directory (always for .py files and folders)")
    cmd.add_argument("--force", action="store_true", help="overwrite existing files whose content differs")
    cmd.set_defaults(run=run_import)


def run_export(args: argparse.Namespace) -> int:
    design = load_design(args.file)
    out = Path(args.output)
    try:
        if args.to == "bundle":
            if out.suffix.lower() != ".zip":
                raise ExportError(f"bundle output must be a .zip file path, not {args.output!r}")
            outputs: dict[Path, bytes] = {out: build_bundle(design)}
        else:
            files = export(design, args.to)
            check_archive_names(list(files))  # relative, normalised paths only: nothing lands outside OUT
            outputs = {out / rel: text.encode("utf-8") for rel, text in files.items()}
    except ExportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    return _write(outputs, args.force)


def run_import(args: argparse.Namespace) -> int:
    if is_python_source(args.file):
        return run_python_import(args)
    designs, notes = import_dag_factory(_read_input(args.file), args.file)
    for note in notes:
        print(note.format(args.file))
    if not designs:
        raise DesignError(args.file, [Problem("holds no DAG to import")])
    out = Path(args.output)
    if len(designs) == 1 and not out.is_dir() and not args.output.endswith(("/", "\\")):
        targets: dict[Path, Design] = {out: designs[0]}
    else:
        targets = {out / f"{module_stem(d)}.design.yaml": d for d in designs}
        if len(targets) < len(designs):
            print("error: several DAG ids give the same file name; import them one by one", file=sys.stderr)
            return EXIT_REFUSED
    code = _write({path: dump_design(d).encode("utf-8") for path, d in targets.items()}, args.force)
    if code == EXIT_OK:
        print(f"imported {len(designs)} DAG(s) with {len(notes)} note(s)")
    return code


def _read_input(path: str) -> bytes:
    try:
        size = Path(path).stat().st_size
        if size > MAX_FILE_BYTES:
            raise DesignError(path, [Problem(f"is {size / 1e6:.1f} MB; files are limited to "
                                             f"{MAX_FILE_BYTES / 1e6:.0f} MB")])
        return Path(path).read_bytes()
    except OSError as exc:
        raise DesignError(path, [Problem(f"cannot read the file: {exc.strerror or exc}")]) from None


def _write(outputs: dict[Path, bytes], force: bool) -> int:
    """Write every output, or none when one would replace a different existing file (without --force)."""
    conflicts = [p for p, data in outputs.items() if p.exists() and (p.is_dir() or p.read_bytes() != data)]
    blocked = [p for p in conflicts if p.is_dir() or not force]
    if blocked:
        for path in blocked:
            print(f"error: {path} exists and differs{'' if path.is_dir() else '; use --force to overwrite'}",
                  file=sys.stderr)
        return EXIT_REFUSED
    for path, data in sorted(outputs.items()):
        unchanged = path.exists() and path.read_bytes() == data
        if not unchanged:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        print(f"{'unchanged' if unchanged else 'wrote'} {path}")
    return EXIT_OK
