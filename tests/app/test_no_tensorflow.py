"""Pages that need no network never import TensorFlow (it costs seconds and 650 MB)."""

import subprocess
import sys
from pathlib import Path

import pytest

from cnnviz.ui.pages import PAGES

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=120)
at.run()
at.switch_page({page!r}).run()
assert not at.exception, at.exception
heavy = sorted(m for m in ("tensorflow", "keras") if m in sys.modules)
print(",".join(heavy) or "none")
"""


NO_TENSORFLOW = ("home", "convolution", "pooling", "signals", "architectures", "backprop",
                 "conv-matrix")  # fmt: skip
"""Pages (by url_path) that must open without importing TensorFlow."""


@pytest.mark.parametrize(
    "page",
    [entry.path for entry in PAGES if entry.url_path in NO_TENSORFLOW],
)
def test_page_runs_without_tensorflow(page):
    code = SCRIPT.format(app=str(ROOT / "app.py"), page=page)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "none"
