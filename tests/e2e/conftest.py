"""Browser tests: a real ``streamlit run`` server on localhost, driven by Playwright in
Debian's Chromium. A missing browser fails these tests; it never skips them."""

from pathlib import Path

import pytest

from tests.e2e.server import ROOT, streamlit_server

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "test-output" / "screenshots"  # pytest-playwright empties test-results/
# Chromium's background services try to reach the internet, which this machine refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def app_url():
    """Start ``streamlit run app.py`` on a free port and yield its URL."""
    try:
        with streamlit_server() as url:
            yield url
    except RuntimeError as err:
        pytest.fail(str(err))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (pytest-playwright would look for a downloaded one)."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A projector-sized window: what a lecture hall sees."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}}


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-output/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        # Streamlit scrolls inside its main section, so a "full page" shot would stop at
        # the viewport: grow the window to the content's height for the picture.
        size = page.viewport_size
        height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
        page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
        page.wait_for_timeout(300)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)
        return path

    return take
