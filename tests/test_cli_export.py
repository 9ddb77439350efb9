"""`export` and `import` on the command line, run in a subprocess as a user would."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from designer.storage import load_design
from exporters import export
from exporters.bundle import build_bundle
from tests.conftest import ROOT, SAMPLES

# Until designer/cli.py calls add_export_commands, the same commands run through this stand-in for
# designer.cli.main (same parser wiring, same DesignError -> exit 2 handling).
_HARNESS = textwrap.dedent("""
    import argparse, sys
    from designer.cli_export import add_export_commands
    from designer.storage import DesignError
    parser = argparse.ArgumentParser(prog="python -m designer")
    add_export_commands(parser.add_subparsers(required=True))
    args = parser.parse_args(sys.argv[1:])
    try:
        sys.exit(args.run(args))
    except DesignError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
""")
WIRED = "add_export_commands" in (ROOT / "designer" / "cli.py").read_text()
NESTED = SAMPLES / "nested_taskgroups.yaml"


def run(*args) -> subprocess.CompletedProcess:
    command = ["-m", "designer"] if WIRED else ["-c", _HARNESS]
    return subprocess.run([sys.executable, *command, *map(str, args)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)


def test_export_writes_the_files_under_the_output_folder_and_is_idempotent(tmp_path):
    proc = run("export", NESTED, "--to", "dag-factory", "-o", tmp_path)
    assert proc.returncode == 0, proc.stderr
    for rel, text in export(load_design(NESTED), "dag-factory").items():
        assert (tmp_path / rel).read_text() == text
    again = run("export", NESTED, "--to", "dag-factory", "-o", tmp_path)
    assert again.returncode == 0 and "unchanged" in again.stdout


def test_export_refuses_to_overwrite_a_changed_file_unless_forced(tmp_path):
    assert run("export", NESTED, "--to", "design", "-o", tmp_path).returncode == 0
    target = tmp_path / "designs" / "dag_nested_taskgroups.design.yaml"
    target.write_text("# my edits\n")
    proc = run("export", NESTED, "--to", "design", "-o", tmp_path)
    assert proc.returncode == 1 and "exists and differs; use --force" in proc.stderr
    assert target.read_text() == "# my edits\n"
    assert run("export", NESTED, "--to", "design", "-o", tmp_path, "--force").returncode == 0
    assert load_design(target) == load_design(NESTED)


def test_python_and_dag_factory_exports_clash_in_one_folder_and_the_second_is_refused(tmp_path):
    assert run("export", NESTED, "--to", "python", "-o", tmp_path).returncode == 0
    proc = run("export", NESTED, "--to", "dag-factory", "-o", tmp_path)
    assert proc.returncode == 1
    assert not (tmp_path / "dags" / "dag_nested_taskgroups.yaml").exists()  # nothing written when one is refused


def test_export_of_a_design_with_errors_exits_one_and_unreadable_input_exits_two(tmp_path):
    proc = run("export", SAMPLES / "INVALID_cycle_through_group.yaml", "--to", "dag-factory", "-o", tmp_path)
    assert proc.returncode == 1 and "DD005" in proc.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("dag: [unclosed")
    proc = run("export", broken, "--to", "python", "-o", tmp_path / "out")
    assert proc.returncode == 2 and "broken.yaml:2: is not valid YAML" in proc.stderr


def test_bundle_goes_to_a_zip_file(tmp_path):
    out = tmp_path / "bundle.zip"
    proc = run("export", NESTED, "--to", "bundle", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == build_bundle(load_design(NESTED))
    assert run("export", NESTED, "--to", "bundle", "-o", tmp_path / "bundle.tar").returncode == 1


def test_import_one_dag_writes_a_design_file_and_prints_notes(tmp_path):
    source = tmp_path / "etl.yaml"
    source.write_text(textwrap.dedent("""\
        etl:
          schedule: "@daily"
          tasks:
            extract: {operator: airflow.providers.standard.operators.bash.BashOperator, bash_command: "echo"}
            load:
              operator: airflow.providers.standard.operators.empty.EmptyOperator
              dependencies: [extract]
              on_retry_callback: pkg.cb
        """))
    out = tmp_path / "etl.design.yaml"
    proc = run("import", source, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert f"{source}:8: etl.tasks.load.on_retry_callback: on_retry_callback is not supported" in proc.stdout
    design = load_design(out)
    assert [(e.upstream, e.downstream) for e in design.edges] == [("extract", "load")]


def test_import_several_dags_writes_one_design_per_dag_into_a_folder(tmp_path):
    text = export(load_design(NESTED), "dag-factory")["dags/dag_nested_taskgroups.yaml"]
    second = export(load_design(SAMPLES / "linear_etl.yaml"), "dag-factory")["dags/dag_linear_etl.yaml"]
    source = tmp_path / "two.yaml"
    source.write_text(text + second)
    proc = run("import", source, "-o", tmp_path / "designs")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / "designs").iterdir()) == [
        "dag_linear_etl.design.yaml", "dag_nested_taskgroups.design.yaml"]
    assert load_design(tmp_path / "designs" / "dag_linear_etl.design.yaml").dag.dag_id == "linear_etl"


@pytest.mark.parametrize("content", [b"a0: &a0 [x]\na1: [*a0, *a0]\n", b"\xff\xfe bad", b"default: {catchup: true}\n"],
                         ids=["aliases", "not utf-8", "no dag"])
def test_import_of_unreadable_input_exits_two(tmp_path, content):
    source = tmp_path / "bad.yaml"
    source.write_bytes(content)
    proc = run("import", source, "-o", tmp_path / "out.design.yaml")
    assert proc.returncode == 2 and proc.stderr.startswith("error:")
    assert not (tmp_path / "out.design.yaml").exists()
