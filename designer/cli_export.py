"""`python -m designer export|import`: write exports of a design, read dag-factory YAML into designs.

    export FILE --to python|python-airflow2|dag-factory|design|tests|bundle -o OUT [--force]
        OUT is a directory (files are written at their relative paths) or, for bundle, a .zip path.
    import FILE.yaml -o DESIGN [--force]
        DESIGN is a design file, or a directory (one <stem>.design.yaml per DAG) when the file holds
        several DAGs. Import notes are printed as `FILE:LINE: key.path: message`.
    import FILE.py|DAGS_FOLDER -o OUT_DIR [--force]
        Airflow parses the code in a separate, limited process; see designer/cli_import.py.

An existing file with different content is never overwritten without --force; files are replaced
by renaming a finished temporary file over them (a symlink is replaced, never written through).
Exit codes: 0 done (import notes are warnings), 1 the export was refused or an output would be
overwritten, 2 the input could not be read or an output path cannot be written (raised as
DesignError and reported by designer.cli.main as one line).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import stat
import sys
from pathlib import Path

from designer.atomic import stage
from designer.cli_import import is_python_source, run_python_import
from designer.importers.dag_factory import import_dag_factory
from designer.model import Design
from designer.storage import DesignError, Problem, dump_design, load_design, read_source
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
    if len(designs) == 1 and not _is_dir(out) and not args.output.endswith(("/", "\\")):
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
    return read_source(path, what="files")


def _write(outputs: dict[Path, bytes], force: bool) -> int:
    """Write every output, or none when one would replace a different existing file (without --force).

    Each file is written to a temporary file in its directory, flushed to disk and renamed over the
    target, so a reader never sees half a file and a symlink at the target is replaced as a link,
    never written through (nor read: a link, FIFO or device counts as different). All temporary files
    are written before any is renamed; a path that cannot be written (below a file, unwritable, a
    name too long) raises DesignError naming it, which the command line reports with exit code 2."""
    states = {path: _existing(path, data) for path, data in outputs.items()}
    blocked = [p for p, state in states.items() if state == "directory" or (state == "differs" and not force)]
    if blocked:
        for path in blocked:
            print(f"error: {path} exists and differs"
                  f"{'' if states[path] == 'directory' else '; use --force to overwrite'}", file=sys.stderr)
        return EXIT_REFUSED
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in sorted(outputs.items()):
            if states[path] != "same":
                staged.append((_stage(path, data), path))
        for temp, path in staged:
            _attempt(path, os.replace, temp, path)
    finally:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    for path in sorted(outputs):
        print(f"{'unchanged' if states[path] == 'same' else 'wrote'} {path}")
    return EXIT_OK


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(_attempt(path, os.stat, path).st_mode)
    except DesignError as exc:
        if isinstance(exc.__cause__, FileNotFoundError | NotADirectoryError):
            return False
        raise


def _existing(path: Path, data: bytes) -> str:
    """What is at `path` now: "missing", "same" (a regular file holding `data`), "differs" or "directory"."""
    try:
        info = _attempt(path, os.lstat, path)
    except DesignError as exc:
        if isinstance(exc.__cause__, FileNotFoundError | NotADirectoryError):
            return "missing"  # (below a file: creating its folder reports that)
        raise
    if stat.S_ISDIR(info.st_mode):
        return "directory"
    if not stat.S_ISREG(info.st_mode) or info.st_size != len(data):
        return "differs"
    return "same" if _attempt(path, path.read_bytes) == data else "differs"


def _stage(path: Path, data: bytes) -> str:
    """A temporary file next to `path` holding `data`, flushed to disk (designer.atomic.stage)."""
    _attempt(path.parent, path.parent.mkdir, parents=True, exist_ok=True)
    try:
        return stage(path, data)
    except OSError as exc:
        raise DesignError(str(path), [Problem(f"cannot write: {exc.strerror or exc}")]) from exc


def _attempt(path: Path, action, *args, **kwargs):
    """`action(*args, **kwargs)`, an OSError becoming a one-line DesignError naming `path`."""
    try:
        return action(*args, **kwargs)
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) and not exc.filename.endswith(".tmp") else path
        # Only mkdir raises FileExistsError here: a file stands where a folder must be.
        reason = os.strerror(errno.ENOTDIR) if isinstance(exc, FileExistsError) else exc.strerror or exc
        raise DesignError(str(where), [Problem(f"cannot write: {reason}")]) from exc

