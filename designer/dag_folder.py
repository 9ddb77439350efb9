"""Uploaded Airflow DAG code (a .py file or a .zip of a dags/ folder) into designs, for the app.

Importing Python runs the user's code (in designer.importers.airflow_python's isolated child process),
so the app offers it only when the operator sets DAG_DESIGNER_ALLOW_PYTHON_IMPORT=1; the command line
always can. An upload is written into a fresh temporary folder, which is removed afterwards whatever
happens. A zip is extracted only when every member is a plain file under a safe relative name (no
absolute path, no `..`, no symlink), with at most MAX_ZIP_MEMBERS members and MAX_ZIP_BYTES in all,
counted while extracting, so a zip bomb is refused rather than unpacked. Errors are `DesignError`s
naming the upload, never the temporary folder.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from designer.importers.airflow_python import AirflowImport, DagFileError, Limits, import_airflow_python
from designer.storage import DesignError, Problem

ALLOW_ENV = "DAG_DESIGNER_ALLOW_PYTHON_IMPORT"
SECONDS_ENV = "DAG_DESIGNER_IMPORT_SECONDS"
PYTHON_UPLOADS = ("py", "zip")
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024
_SKIPPED_PREFIXES = ("__MACOSX/",)  # macOS' resource-fork copies (`._name.py`), not DAG code


def python_import_allowed(environ: Mapping[str, str] = os.environ) -> bool:
    """True when the operator turned on importing Python in the app (`DAG_DESIGNER_ALLOW_PYTHON_IMPORT=1`)."""
    return environ.get(ALLOW_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def import_limits(environ: Mapping[str, str] = os.environ) -> Limits:
    """The child's limits: the defaults, or `DAG_DESIGNER_IMPORT_SECONDS` as the wall-clock limit, with Airflow's
    per-file timeout at most half of it (Airflow's own start-up comes first, and a file that overruns is best
    reported by Airflow). ValueError (one line) when the setting is not a number of seconds in range."""
    text = environ.get(SECONDS_ENV, "").strip()
    if not text:
        return Limits()
    try:
        seconds = float(text)
    except ValueError:
        seconds = float("nan")
    if not 0 < seconds < 24 * 3600:
        raise ValueError(f"{SECONDS_ENV} must be a number of seconds between 0 and 86400, not {text!r}")
    return Limits(wall_seconds=seconds, file_seconds=max(1, min(Limits().file_seconds, int(seconds / 2))))


def is_python_upload(name: str) -> bool:
    return name.lower().rsplit(".", 1)[-1] in PYTHON_UPLOADS


def extract_zip(data: bytes, dest: Path, name: str) -> list[str]:
    """Extract zip bytes into the existing, empty folder `dest`; the member files' names, in archive order.

    DesignError (naming `name`) for anything but a readable zip of plain files under safe relative names,
    within MAX_ZIP_MEMBERS and MAX_ZIP_BYTES; what was extracted before the refusal is left for the caller's
    temporary folder to remove."""
    from exporters import ExportError
    from exporters.bundle import check_archive_names

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise DesignError(name, [Problem(f"is not a readable zip archive ({exc})")]) from None
    with archive:
        members = [m for m in archive.infolist() if not m.filename.startswith(_SKIPPED_PREFIXES)]
        if len(members) > MAX_ZIP_MEMBERS:
            raise _refused(name, f"it holds {len(members)} members, more than the {MAX_ZIP_MEMBERS} allowed")
        declared = sum(m.file_size for m in members)
        if declared > MAX_ZIP_BYTES:
            raise _refused(name, f"it unpacks to {declared / 2**20:.0f} MiB, more than the "
                                 f"{MAX_ZIP_BYTES // 2**20} MiB allowed")
        for member in members:
            if stat.S_ISLNK(member.external_attr >> 16):
                raise _refused(name, f"{member.filename!r} is a symbolic link")
        files = [m for m in members if not m.is_dir()]
        try:
            check_archive_names([m.filename.rstrip("/") for m in members], "the zip")
        except ExportError as exc:
            raise _refused(name, str(exc)) from None
        written = 0
        for member in files:
            target = dest.joinpath(*PurePosixPath(member.filename).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(member) as src, open(target, "xb") as out:
                    while chunk := src.read(_CHUNK):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:  # sizes in the archive can lie
                            raise _refused(name, f"it unpacks to more than the {MAX_ZIP_BYTES // 2**20} MiB allowed")
                        out.write(chunk)
            except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
                raise DesignError(name, [Problem(f"{member.filename}: cannot be extracted ({exc})")]) from None
        return [m.filename for m in files]


def _refused(name: str, reason: str) -> DesignError:
    return DesignError(name, [Problem(f"refused: {reason}")])


def import_upload(data: bytes, name: str, limits: Limits | None = None) -> AirflowImport:
    """Import an uploaded .py file or .zip of a DAG folder with real Airflow in its child process.

    The upload lives in a fresh temporary folder for the import only. Import errors keep Airflow's
    text with the temporary folder's path replaced by `name`. DesignError (naming `name`) when nothing
    can be imported; DagFileError (with `details`) when a single file does not load."""
    kind = name.lower().rsplit(".", 1)[-1]
    if kind not in PYTHON_UPLOADS:
        raise DesignError(name, [Problem("is neither a Python file (.py) nor a zip of a DAG folder (.zip)")])
    with tempfile.TemporaryDirectory(prefix="designer-upload-") as tmp:
        root = Path(tmp) / "upload"
        root.mkdir()
        if kind == "py":
            target = root / (PurePosixPath(name.replace("\\", "/")).name or "dag.py")
            target.write_bytes(data)
        else:
            target = root
            if not any(f.lower().endswith(".py") for f in extract_zip(data, root, name)):
                raise DesignError(name, [Problem("holds no Python file (.py)")])
        try:
            result = import_airflow_python(target, limits or Limits())
        except DagFileError as exc:
            raise DagFileError(name, _named(exc.details, root, name)) from None
        except DesignError as exc:
            raise DesignError(name, exc.problems) from None
    errors = {file: _named(text, root, name) for file, text in result.import_errors.items()}
    return AirflowImport(result.designs, result.notes, errors, result.files)


def _named(text: str, root: Path, name: str) -> str:
    """Airflow's text with the temporary folder's path shown as the upload's name."""
    for path in {str(root), str(root.resolve())}:
        text = text.replace(path + os.sep, f"{name}{os.sep}" if name.lower().endswith(".zip") else "")
        text = text.replace(path, name)
    return text
