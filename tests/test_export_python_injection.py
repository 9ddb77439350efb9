"""Injection: hostile text in every free-text field stays data. The generated module has the same
statement structure as with plain text, every payload comes back as exactly one string constant per
field, and real Airflow imports the module without running any payload."""

from __future__ import annotations

import ast

import pytest

from designer.model import DagSettings, Design, Edge, Group, Param, Task, TaskArgs
from exporters import ExportError
from exporters.python_module import render_python
from tests.support.python_export import CALLABLES, load, ruff_problems

PAYLOADS = [
    "quote \" and ' both",
    "'''",
    '"""',
    "'''\"\"\"'",
    "line1\nline2\r\nline3\n",
    "back\\slash\\",
    "ends in a backslash \\",
    "{{ ds }} {{ }} {% raw %}{{ x }}{% endraw %}",
    "$VAR ${HOME} $$HOME",
    "__import__('os').system('echo pwned')",
    "\"); __import__('os').system('echo pwned'); (\"",
    "'''); __import__('os').system('echo pwned'); ('''",
    "\u2028 line separator \u2029 paragraph separator",
    "nul \x00 byte",
    "\\N{EM DASH} \\x41 \\u0041 \\",
    "# noqa: E501 not a comment",
    "tab\there and \x1b[31m escape",
    "é ü 中文 🙂 \u200b zero width",
    "x" * 100,
    "{{ ti.xcom_pull(task_ids='shell') }}",
]
FIELDS = 15  # free-text fields the design below fills with the payload


def _design(text: str, dag_id: str = "injection") -> Design:
    return Design(
        dag=DagSettings(dag_id=dag_id, description=text, doc_md=text, tags=[text[:100]], schedule="@daily",
                        params={text: Param(default=text, description=text)}, default_args=TaskArgs(retries=1)),
        groups=(Group(id="g", tooltip=text, ui_color=text),),
        tasks=(
            Task(id="shell", group="g", operator="bash", args={"bash_command": text, "env": {text: text}}),
            Task(id="query", operator="sql", args={"conn_id": "warehouse", "sql": text}, doc_md=text),
            Task(id="done", operator="empty"),
        ),
        edges=(Edge(upstream="shell", downstream="query", label=text),
               Edge(upstream="g", downstream="done", label=text),
               Edge(upstream="query", downstream="done")),
    )


def _shape(source: str) -> str:
    """The module's AST with every constant blanked: the code skeleton, without the data."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            node.value = None
    return ast.dump(tree)


def _strings(source: str) -> list[str]:
    return [n.value for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


@pytest.mark.parametrize("text", PAYLOADS)
@pytest.mark.parametrize("target", ["airflow3", "airflow2"])
def test_payload_is_data_in_the_same_code_skeleton(text, target):
    source = render_python(_design(text), target)
    assert _shape(source) == _shape(render_python(_design("plain"), target))
    assert _strings(source).count(text) == FIELDS


def test_payloads_do_not_run_when_airflow_imports_the_modules(tmp_path):
    marker = tmp_path / "PWNED"
    run = f"__import__('os').system('touch {marker}')"
    payloads = [*PAYLOADS, run, f'"); {run}; ("', f"'''\n{run}\n'''", f'"""\n{run}\n"""', f"{{{{ {run} }}}}"]
    folder = tmp_path / "dags"
    folder.mkdir()
    (folder / CALLABLES.name).write_text(CALLABLES.read_text())
    files = []
    for i, text in enumerate(payloads):
        files.append(folder / f"dag_injection_{i}.py")
        files[-1].write_text(render_python(_design(text, f"injection_{i}")))
    assert ruff_problems(files, tmp_path) == ""
    loaded = load(folder, tmp_path / "home")
    assert loaded["import_errors"] == {}
    assert not marker.exists()
    for i, text in enumerate(payloads):
        dag = loaded["dags"][f"injection_{i}"]
        assert dag["params"] == {text: text}
        assert dag["tags"] == [text[:100]]


@pytest.mark.parametrize("path", ["os.system('x')", "os.system", "a.b; import os", "a.class.b", "x"])
def test_callables_must_be_plain_dotted_paths(path):
    design = Design(dag=DagSettings(dag_id="d"), tasks=(Task(id="t", operator="python", args={"python_callable": path},
                                                             overrides=TaskArgs(retries=1)),))
    if path == "os.system":
        assert "from os import system\n" in render_python(design)  # a real (if unwise) callable: still only data
        return
    with pytest.raises(ExportError):
        render_python(design)
