"""The DOT preview: clusters for groups, and hostile labels that cannot break the syntax."""

import subprocess

import pytest

from designer.model import Edge, Group
from designer.storage import load_design
from exporters.graphviz_dot import quote, to_dot
from tests.conftest import SAMPLES, sample_paths
from tests.shapes import make

HOSTILE = 'x"; evil [label="pwn"]; }\n digraph z {\\ \u2028 {{ $HOME }}'


def test_quote_escapes_quotes_backslashes_and_line_breaks():
    assert quote('a"b\\c\nd\u2028e') == '"a\\"b\\\\c\\nd\\ne"'


def test_nested_groups_become_nested_clusters():
    dot = to_dot(load_design(SAMPLES / "nested_taskgroups.yaml"))
    outer = dot.index('subgraph "cluster_data_processing"')
    inner = dot.index('subgraph "cluster_data_processing.quality"')
    assert outer < inner < dot.index('"data_processing.quality.check_nulls" [')
    assert 'lhead="cluster_data_processing.quality"' in dot


@pytest.mark.parametrize("path", sample_paths(), ids=lambda p: p.stem)
def test_every_sample_renders_with_dot(path):
    proc = subprocess.run(["dot", "-Tsvg"], input=to_dot(load_design(path)), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count('class="node"') == sum(
        len(t.fan_out.values or range(t.fan_out.count or 0)) if t.fan_out else 1 for t in load_design(path).tasks)


def test_hostile_labels_stay_labels():
    design = make("a>>b", groups={"g": None}, members={"b": "g"})
    design = design.model_copy(update={
        "groups": (Group(id="g", tooltip=HOSTILE),),
        "edges": (Edge(upstream="a", downstream="g", label=HOSTILE),),
        "dag": design.dag.model_copy(update={"dag_id": "shape"}),
    })
    proc = subprocess.run(["dot", "-Tsvg"], input=to_dot(design), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # an escaped label adds no node, cluster or graph of its own
    assert proc.stdout.count('class="node"') == 2 and proc.stdout.count('class="cluster"') == 1
    assert proc.stdout.count("<svg") == 1
