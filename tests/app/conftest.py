"""Page tests with Streamlit's AppTest."""

import pytest

from cnnviz.i18n import set_language


@pytest.fixture(autouse=True)
def restore_language():
    """AppTest runs pages in this process: leave the language as the other tests expect."""
    yield
    set_language("en")
