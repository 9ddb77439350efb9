"""The export bundle: layout under one root folder, safe names, identical bytes, and it loads in Airflow."""

from __future__ import annotations

import io
import zipfile

import pytest

from designer.model import DagSettings, Design, Group, Task, TaskArgs
from designer.storage import load_design, parse_design
from exporters import ExportError, export, exporters
from exporters.bundle import build_bundle, bundle_files, check_archive_names
from tests.conftest import SAMPLES
from tests.dag_factory_support import copy_callables, load_folder

DESIGN = load_design(SAMPLES / "nested_taskgroups.yaml")
STEM = "dag_nested_taskgroups"


def entries(data: bytes) -> dict[str, zipfile.ZipInfo]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: info for info in archive.infolist()}


def test_bundle_holds_every_export_under_one_root_folder():
    names = set(entries(build_bundle(DESIGN)))
    expected = {
        f"{STEM}/README.md",
        f"{STEM}/dags/{STEM}.py",
        f"{STEM}/dag_factory/dags/{STEM}.yaml",
        f"{STEM}/dag_factory/dags/{STEM}.py",
        f"{STEM}/designs/{STEM}.design.yaml",
    }
    if "tests" in exporters():
        expected |= {f"{STEM}/{path}" for path in export(DESIGN, "tests")}
    assert names == expected
    files = bundle_files(DESIGN)
    assert files[f"{STEM}/dags/{STEM}.py"] == export(DESIGN, "python")[f"dags/{STEM}.py"]
    assert files[f"{STEM}/dag_factory/dags/{STEM}.yaml"] == export(DESIGN, "dag-factory")[f"dags/{STEM}.yaml"]
    assert parse_design(files[f"{STEM}/designs/{STEM}.design.yaml"])[0] == DESIGN
    readme = files[f"{STEM}/README.md"]
    assert "apache-airflow-providers-standard" in readme and "not both" in readme


def test_bundle_bytes_are_identical_for_the_same_design_with_fixed_stamps_and_sorted_entries():
    first, second = build_bundle(DESIGN), build_bundle(DESIGN)
    assert first == second
    infos = entries(first)
    assert list(infos) == sorted(infos)
    assert {info.date_time for info in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert {info.external_attr >> 16 for info in infos.values()} == {0o644}


@pytest.mark.parametrize("name", ["../evil.py", "/abs/evil.py", "a\\b.py", "a//b.py", "./a.py", "a/./b.py", "a/",
                                  "", "c:/x.py", "a/../b.py"])
def test_unsafe_archive_names_are_refused(name):
    with pytest.raises(ExportError):
        check_archive_names(["root/ok.py", name])


def test_archive_names_differing_only_in_case_are_refused():
    check_archive_names(["root/dags/a.py", "root/dags/b.py"])
    with pytest.raises(ExportError, match="differ only in case"):
        check_archive_names(["root/dags/A.py", "root/dags/a.py"])


def test_a_design_dag_factory_refuses_still_bundles_and_the_readme_says_why():
    design = Design(dag=DagSettings(dag_id="no_prefix"), groups=(Group(id="g", prefix_group_id=False),),
                    tasks=(Task(id="a", group="g", overrides=TaskArgs(retries=1)),))
    files = bundle_files(design)
    assert not [name for name in files if "/dag_factory/" in name]
    assert "No dag-factory variant: group 'g' has prefix_group_id: false" in files["dag_no_prefix/README.md"]


def test_a_design_with_errors_is_not_bundled():
    with pytest.raises(ExportError, match="error"):
        build_bundle(load_design(SAMPLES / "INVALID_cycle_through_group.yaml"))


def test_extracted_bundle_loads_in_airflow_from_both_dag_folders(tmp_path):
    with zipfile.ZipFile(io.BytesIO(build_bundle(DESIGN))) as archive:
        archive.extractall(tmp_path)
    for folder in (tmp_path / STEM / "dags", tmp_path / STEM / "dag_factory" / "dags"):
        copy_callables(folder)
        bag = load_folder(folder, tmp_path / f"home_{folder.parent.name}")
        assert bag["import_errors"] == {}, folder
        assert list(bag["dags"]) == [DESIGN.dag.dag_id]
