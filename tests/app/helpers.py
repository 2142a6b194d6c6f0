"""Opening a page in AppTest the way a shared link opens it."""

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_page(page: str, lang: str = "en", *, timeout: float = 60, **params: str) -> AppTest:
    """Run app.py with ``?lang=`` and ``params`` in the URL, then switch to ``page``.

    ``timeout`` is how long one run may take, in seconds (a benchmark's large
    inputs take longer than a test's).
    """
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.query_params["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at
