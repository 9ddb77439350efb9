"""Template rendering: Airflow's own templates survive byte for byte, single expressions keep their native
type, and sandbox escapes and unbounded work are refused with a clear message."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.templating import MAX_STEPS, Renderer, TemplateProblem

VARIABLES = {"tenant": "client_a", "environment": "dev",
             "env": {"name": "dev", "batch_size": 500, "chunks": 3, "ratio": 0.5, "audit": True,
                     "tables": ["orders", "users"], "conn": {"id": "wh_dev"}}}


def render(value, variables=VARIABLES):
    return Renderer().render({"k": value}, variables)["k"]


AIRFLOW_TEMPLATES = ["{{ ds }}", "{{ params.x }}", "{% if params.full %}all{% endif %}", "{{ ti.xcom_pull('a') }}",
                     "{# note #}", "{{ macros.ds_add(ds, -1) }}", "{{ var.value.get('x', 'y') }}", "${HOME}",
                     "$1 ${#arr[@]} [[ -f x ]]", "{{ '$' }}HOME"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(AIRFLOW_TEMPLATES), st.text(alphabet=st.characters(
    blacklist_characters="$", blacklist_categories=("Cs",)), max_size=20)), max_size=6))
def test_airflow_templates_survive_byte_for_byte(parts):
    text = "".join(parts)
    mixed = text + "${{ tenant }}" + text
    assert render(text) == text
    assert render(mixed) == text + "client_a" + text


@pytest.mark.parametrize(("template", "expected"), [
    ("${{ env.chunks }}", 3),
    ("${{ env.ratio }}", 0.5),
    ("${{ env.audit }}", True),
    ("${{ env.batch_size * 2 }}", 1000),
    (" ${{ env.batch_size }}", " 500"),
    ("${{ env.tables }}", ["orders", "users"]),
    ("${{ env.conn }}", {"id": "wh_dev"}),
    ("${{ None }}", None),
    ("${{ env.chunks }}x", "3x"),
    ("${{ tenant }}_${{ environment }}", "client_a_dev"),
    ("${% for t in env.tables %}${{ t }},${% endfor %}", "orders,users,"),
    ("${% if env.audit %}yes${% else %}no${% endif %}", "yes"),
    ("${#! a comment !#}${{ tenant|upper }}", "CLIENT_A"),
    ("${{ env.tables|join('-') ~ '!' }}", "orders-users!"),
    ("${{ range(3)|list }}", [0, 1, 2]),
])
def test_values_render_with_native_types(template, expected):
    result = render(template)
    assert result == expected and type(result) is type(expected)


ESCAPES = [
    ("${{ ''.__class__ }}", "unsafe"),
    ("${{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
    ("${{ env.__class__.__init__.__globals__ }}", "unsafe"),
    ("${{ tenant.__len__() }}", "unsafe"),
    ("${{ env['__class__'] }}", "unsafe"),
    ("${{ env.tables.append(1) }}", "unsafe"),
    ("${{ env|attr('__class__') }}", "filter 'attr'"),
    ("${{ cycler.__init__ }}", "unsafe"),
    ("${{ lipsum(1000) }}", "undefined"),
    ("${{ self }}", "not plain data"),
    ("${{ 'x'.format(1) }}", "str.format"),
    ("${{ '{:>999999999}'.format(1) }}", "str.format"),
    ("${{ '%999999999d' % 1 }}", "formatting"),
    ("${{ 'a' * 10**9 }}", "builds a value"),
    ("${{ [1] * 10**9 }}", "builds a value"),
    ("${{ 10 ** 10 ** 10 }}", "too large"),
    ("${{ range(10**9) }}", "range()"),
    ("${{ 'a'|center(10**9) }}", "filter 'center'"),
    ("${{ (env.tables * 5000)|join(',')|replace(',', 'x' * 5000) }}", "builds a value"),
    ("${% for i in range(10000) %}${% for j in range(10000) %}${% endfor %}${% endfor %}", "steps"),
    ("${% for a in env.tables * 5000 %}${% for b in env.tables * 5000 %}${% endfor %}${% endfor %}", "steps"),
    ("${% for k in env %}${% for j in range(9000) %}${% for i in range(9000) %}${% endfor %}${% endfor %}"
     "${% endfor %}", "steps"),
    ("${% set a = 'x' * 1000 %}${% set b = a ~ a %}${% set c = b ~ b %}${% set d = c ~ c %}${% set e = d ~ d %}"
     "${% set f = e ~ e %}${% set g = f ~ f %}${% set h = g ~ g %}${{ h ~ h }}", "builds a value"),
    ("${% macro m() %}x${% endmacro %}${{ m() }}", "macro"),
    ("${% include 'other.yaml' %}", "include"),
    ("${% extends 'base' %}", "extends"),
    ("${{ nope }}", "'nope' is undefined"),
    ("${{ env.missing }}", "has no attribute 'missing'"),
    ("${{ tenant", "not a valid template"),
    ("${% if %}", "not a valid template"),
    ("${{ 1 / 0 }}", "ZeroDivisionError"),
    ("${{ (1.0e308 * 10) }}", "inf"),
]


@pytest.mark.parametrize(("template", "message"), ESCAPES)
def test_escapes_and_unbounded_work_are_refused(template, message):
    started = time.perf_counter()
    with pytest.raises(TemplateProblem) as info:
        render(template)
    assert message in str(info.value)
    assert str(info.value).startswith("k: ")  # the key path
    assert "\n" not in str(info.value)
    assert time.perf_counter() - started < 60  # bounded (generous: a shared machine), not a timing claim


def test_budget_is_per_document_not_per_process():
    renderer = Renderer()
    loop = "${% for i in range(9000) %}${% endfor %}"
    for _ in range(3):  # each render gets a fresh budget
        assert renderer.render({"a": loop}, VARIABLES) == {"a": ""}
    with pytest.raises(TemplateProblem, match="steps"):
        renderer.render({"a": [loop] * (MAX_STEPS // 9000 + 1)}, VARIABLES)


def test_keys_and_nested_values_render_and_untemplated_strings_are_untouched():
    doc = {"args": {"${{ tenant }}_path": "/data/${{ environment }}", "plain": ["{{ ds }}", 1, None]}}
    assert Renderer().render(doc, VARIABLES) == {"args": {"client_a_path": "/data/dev",
                                                          "plain": ["{{ ds }}", 1, None]}}


def test_problems_go_to_the_callback_with_their_paths():
    seen = []
    result = Renderer().render({"a": ["ok", "${{ nope }}"], "b": "${{ ''.__class__ }}"}, VARIABLES,
                               lambda path, message: seen.append((path, message)))
    assert result == {"a": ["ok", None], "b": None}
    assert [path for path, _ in seen] == [("a", 1), ("b",)]
