"""Injection: hostile text in every free-text field stays data. The generated module has the same
statement structure as with plain text, every payload comes back as exactly one string constant per
field, and real Airflow imports the module without running any payload. Control characters other than
tabs and line breaks (and those too in one-line fields) are refused before export (lint rule DD024)."""

from __future__ import annotations

import ast
import re

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
    "\\N{EM DASH} \\x41 \\u0041 \\",
    "# noqa: E501 not a comment",
    "tab\there and \\x1b[31m a written escape",
    "é ü 中文 🙂 \u200b zero width",
    "x" * 100,
    "{{ ti.xcom_pull(task_ids='shell') }}",
]
# Refused control characters: NUL, ESC, BEL, DEL, NEL (tabs and line breaks only in one-line fields).
REFUSED = ["nul \x00 byte", "red \x1b[31m escape", "bell \x07", "del \x7f", "next line \x85", "\x00"]
MULTILINE_FIELDS, ONE_LINE_FIELDS = 10, 5  # free-text fields the design below fills with the payload


def _one_line(text: str) -> str:
    """The payload as one-line fields (tags, param names, colours, labels) may hold it."""
    return re.sub(r"[\t\n\r]+", " ", text)


def _design(text: str, dag_id: str = "injection", line: str | None = None) -> Design:
    line = _one_line(text) if line is None else line
    return Design(
        dag=DagSettings(dag_id=dag_id, description=text, doc_md=text, tags=[line[:100]], schedule="@daily",
                        params={line: Param(default=text, description=text)}, default_args=TaskArgs(retries=1)),
        groups=(Group(id="g", tooltip=text, ui_color=line),),
        tasks=(
            Task(id="shell", group="g", operator="bash", args={"bash_command": text, "env": {text: text}}),
            Task(id="query", operator="sql", args={"conn_id": "warehouse", "sql": text}, doc_md=text),
            Task(id="done", operator="empty"),
        ),
        edges=(Edge(upstream="shell", downstream="query", label=line),
               Edge(upstream="g", downstream="done", label=line),
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
    strings, line = _strings(source), _one_line(text)
    if line == text:
        assert strings.count(text) == MULTILINE_FIELDS + ONE_LINE_FIELDS
    else:
        assert (strings.count(text), strings.count(line)) == (MULTILINE_FIELDS, ONE_LINE_FIELDS)


@pytest.mark.parametrize("text", REFUSED)
def test_control_characters_are_refused_naming_each_field(text):
    with pytest.raises(ExportError, match="DD024") as info:
        render_python(_design(text))
    message = str(info.value)
    assert message.count("DD024") == MULTILINE_FIELDS + ONE_LINE_FIELDS  # each field named once
    assert all(ch.isprintable() for part in message.split("\n") for ch in part), "control characters in the error"


@pytest.mark.parametrize("text", ["line1\nline2", "tab\there", "cr\r"])
def test_line_breaks_and_tabs_are_refused_in_one_line_fields(text):
    with pytest.raises(ExportError, match="DD024") as info:
        render_python(_design(text, line=text))
    assert str(info.value).count("one-line field") == ONE_LINE_FIELDS


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
        assert dag["params"] == {_one_line(text): text}
        assert dag["tags"] == [_one_line(text)[:100]]


@pytest.mark.parametrize("path", ["os.system('x')", "os.system", "a.b; import os", "a.class.b", "x"])
def test_callables_must_be_plain_dotted_paths(path):
    design = Design(dag=DagSettings(dag_id="d"), tasks=(Task(id="t", operator="python", args={"python_callable": path},
                                                             overrides=TaskArgs(retries=1)),))
    if path == "os.system":
        assert "from os import system\n" in render_python(design)  # a real (if unwise) callable: still only data
        return
    with pytest.raises(ExportError):
        render_python(design)
