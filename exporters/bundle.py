"""The export bundle: one zip holding every export of a design under a single root folder `<stem>/`.

    <stem>/dags/<stem>.py                 the Python DAG module (target "python")
    <stem>/tests/test_<stem>.py           its tests (target "tests", when that exporter is installed)
    <stem>/dag_factory/dags/<stem>.yaml   the same DAG for dag-factory, with its loader <stem>.py:
    <stem>/dag_factory/dags/<stem>.py       kept apart because both variants define the same dag_id
    <stem>/designs/<stem>.design.yaml     the design itself
    <stem>/README.md

Archive names come only from validated slugs and are checked again before writing (normalised, relative,
no `..` or backslash, unique after case folding). Entries are sorted and stamped 1980-01-01, so the same
design always gives the same bytes.
"""

from __future__ import annotations

import io
import posixpath
import zipfile

from designer.model import Design
from designer.operators import operator_spec
from exporters import ExportError, ExportFiles, export, exporters
from exporters.checks import guard_dag_factory_yaml, guard_python_module, guard_tests_module, require_exportable
from exporters.dag_factory import LOADER, schedule_types
from exporters.design_file import guard_design_file
from exporters.naming import module_stem
from exporters.python_imports import allowed_modules

MAX_ENTRIES = 64
MAX_TOTAL_BYTES = 64 * 1024 * 1024
_STAMP = (1980, 1, 1, 0, 0, 0)
# target -> folder inside the bundle root its files go under
_PARTS = (("python", ""), ("tests", ""), ("dag-factory", "dag_factory/"), ("design", ""))
# Variants a bundle can do without: when they refuse the design, the README says why.
_OPTIONAL = frozenset({"dag-factory"})
# Operator module prefix -> the package that provides it on Airflow 3.
_PROVIDERS = {
    "airflow.providers.standard.": "apache-airflow-providers-standard",
    "airflow.providers.common.sql.": "apache-airflow-providers-common-sql",
    "airflow.providers.smtp.": "apache-airflow-providers-smtp",
}


def bundle_files(design: Design) -> dict[str, str]:
    """Archive name -> text of every bundle entry; ExportError when the design cannot be exported."""
    require_exportable(design)
    stem = module_stem(design)
    available = exporters()
    files: dict[str, str] = {}
    included: dict[str, list[str]] = {}  # target -> its paths inside the root folder
    left_out: dict[str, str] = {}
    for target, folder in _PARTS:
        if target not in available:
            continue  # e.g. the tests exporter is optional
        try:
            part: ExportFiles = export(design, target)
        except ExportError as exc:
            if target not in _OPTIONAL:
                raise
            left_out[target] = str(exc)
            continue
        included[target] = [f"{folder}{path}" for path in sorted(part)]
        for path, text in part.items():
            files[f"{stem}/{folder}{path}"] = text
    files[f"{stem}/README.md"] = _readme(design, stem, included, left_out)
    check_archive_names(list(files))
    for name, text in files.items():
        _guard_member(design, name.partition("/")[2], text)
    return files


def _guard_member(design: Design, path: str, text: str) -> None:
    """Each member passes the last guard of the exporter that wrote it, checked again in the bundle; a member
    the bundle does not know is refused."""
    stem = module_stem(design)
    if path == f"dags/{stem}.py":
        guard_python_module(text, allowed_modules(design))
    elif path == f"tests/test_{stem}.py":
        guard_tests_module(text)
    elif path == f"dag_factory/dags/{stem}.yaml":
        guard_dag_factory_yaml(text, design.dag.dag_id, schedule_types(design))
    elif path == f"dag_factory/dags/{stem}.py":
        if text != LOADER:
            raise ExportError("internal error: the dag-factory loader in the bundle is not the one DAG Designer writes")
    elif path == f"designs/{stem}.design.yaml":
        guard_design_file(text)
    elif path != "README.md":
        raise ExportError(f"internal error: the bundle would hold the unexpected file {path!r}")


def build_bundle(design: Design) -> bytes:
    """The bundle as zip bytes, byte-for-byte identical for the same design."""
    files = bundle_files(design)
    total = sum(len(text.encode("utf-8")) for text in files.values())
    if len(files) > MAX_ENTRIES or total > MAX_TOTAL_BYTES:
        raise ExportError(f"the bundle would hold {len(files)} files and {total / 1e6:.1f} MB, over the limits")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permission bits below mean the same everywhere
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name].encode("utf-8"))
    return buffer.getvalue()


def check_archive_names(names: list[str], where: str = "the bundle") -> None:
    """Raise ExportError unless every name is a safe relative POSIX path and names differ after casefold.
    `where` names the archive in the message (an uploaded zip is checked with the same rule)."""
    seen: dict[str, str] = {}
    for name in names:
        parts = name.split("/")
        if (not name or name.startswith("/") or "\\" in name or posixpath.normpath(name) != name
                or any(p in ("", ".", "..") for p in parts) or ":" in name or "\x00" in name):
            raise ExportError(f"unsafe file name in {where}: {name!r}")
        folded = name.casefold()
        if folded in seen:
            raise ExportError(f"file names {seen[folded]!r} and {name!r} in {where} differ only in case")
        seen[folded] = name


def _requirements(design: Design) -> list[str]:
    """The packages the DAG's operators come from, besides Airflow itself."""
    needed = set()
    for task in design.tasks:
        spec = operator_spec(task.operator)
        module = f"{spec.airflow3_module}." if spec else ""
        package = next((pkg for prefix, pkg in _PROVIDERS.items() if module.startswith(prefix)), None)
        needed.add(f"`{package}`" if package else f"whatever provides `{module.rstrip('.')}`")
    return sorted(needed)


def _readme(design: Design, stem: str, included: dict[str, list[str]], left_out: dict[str, str]) -> str:
    dag_id = design.dag.dag_id
    listed = {target: ", ".join(f"`{path}`" for path in paths) for target, paths in included.items()}
    lines = [
        f"# {dag_id}",
        "",
        f"Generated by DAG Designer from the design `designs/{stem}.design.yaml`. Edit the design (in the",
        "designer) and export again rather than editing the generated files.",
        "",
        "## Contents",
        "",
    ]
    if "python" in listed:
        lines.append(f"- {listed['python']}: the DAG as a Python module for Airflow 3.")
    if "tests" in listed:
        lines.append(f"- {listed['tests']}: pytest checks that Airflow loads the DAG as designed.")
    if "dag-factory" in listed:
        lines += [
            f"- {listed['dag-factory']}: the same DAG for dag-factory 1.1 (YAML plus its loader module).",
            "  **Use either these or the Python module, not both**: they define the same dag_id.",
        ]
    lines += [f"- No {target} variant: {reason}" for target, reason in sorted(left_out.items())]
    lines += [
        f"- `designs/{stem}.design.yaml`: the design, to open in DAG Designer again.",
        "",
        "## Using it in an Airflow repository",
        "",
        "1. Copy `dags/` (or `dag_factory/dags/`) into your DAG folder (or DAG bundle).",
        "2. Make sure every Python callable the design names by dotted path (for example `my_pkg.tasks.load`)",
        "   is importable by the scheduler, DAG processor and workers. The DAG module imports every module the",
        "   design names (callables, callbacks, custom operators) each time Airflow parses it, so their top-level",
        "   code runs on the DAG processor: name only code you trust.",
        "3. Install, next to Airflow 3: " + ", ".join(_requirements(design) or ["nothing else"]) + ".",
    ]
    if "dag-factory" in listed:
        lines.append("   For the dag-factory variant also `dag-factory==1.1.*`; it sends usage statistics to "
                     "Astronomer unless `AIRFLOW__DAG_FACTORY__ENABLE_TELEMETRY=False` or `DO_NOT_TRACK=1` is set.")
    lines.append(f"4. Check that it loads: `airflow dags list-import-errors -l`, then `airflow dags test {dag_id} "
                 "2024-01-01`.")
    if "tests" in listed:
        lines.append(f"5. Run the generated tests: `pytest {included['tests'][0]}`.")
    if "dag-factory" in listed:
        lines += [
            "",
            "The dag-factory YAML writes every `$` as `\\x24`, because dag-factory replaces `$NAME` with",
            "environment variables when it reads the file. A `defaults.yml` between the YAML and your DAG folder",
            "would add its `default_args` to this DAG, and dag-factory adds the tag `dagfactory`.",
        ]
    return "\n".join(lines) + "\n"
