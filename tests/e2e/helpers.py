"""What the browser tests do on every page: open it, read the animation, check for errors."""

from playwright.sync_api import expect


def open_app(page, url: str) -> None:
    """Open a page of the app and wait until its script has finished running."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']")
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)


def step_label(page):
    """The animation slider's "Step k (of 0 to n)" label."""
    return page.locator(".slider-container text.slider-label").first


def no_exception(page) -> None:
    """No traceback anywhere on the page."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
