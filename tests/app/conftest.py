"""Page tests with Streamlit's AppTest."""

import pytest
from streamlit.runtime.pages_manager import PagesManager

from cnnviz.i18n import set_language


@pytest.fixture(autouse=True)
def navigation_not_pages_directory(monkeypatch):
    """Keep AppTest on ``st.navigation`` across reruns.

    AppTest resets ``PagesManager.uses_pages_directory`` before every run, and
    because our pages live in ``pages/`` it turns the legacy pages-directory
    mode back on: from the second run on, the page file runs without app.py
    (no language selector, no navigation). The real server sets the flag to
    False once ``st.navigation`` is used, which this reproduces.
    """
    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def restore_language():
    """AppTest runs pages in this process: leave the language as the other tests expect."""
    yield
    set_language("en")
