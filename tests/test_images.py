
import pytest

from designer.storage import load_design
from exporters import ExportError
from exporters.images import render_image
from tests.conftest import SAMPLES


def test_svg_png_and_dot():
    design = load_design(SAMPLES / "nested_taskgroups.yaml")
    assert render_image(design, "svg").lstrip().startswith(b"<?xml")
    assert render_image(design, "png").startswith(b"\x89PNG\r\n\x1a\n")
    assert render_image(design, "dot").startswith(b'digraph "nested_taskgroups"')
    with pytest.raises(ExportError, match="unknown image format"):
        render_image(design, "gif")
