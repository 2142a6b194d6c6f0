"""What the browser tests do on every page: open it, read the animation, check for errors."""

from playwright.sync_api import expect


def open_app(page, url: str) -> None:
    """Open a page of the app and wait until its script has finished running."""
    page.goto(url)
    page.wait_for_selector("[data-testid='stApp']")
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)
    settle(page)


def settle(page, timeout_s: float = 30.0) -> None:
    """Wait until the page shows its real elements: some, no skeletons, none arriving.

    A fresh browser shows skeletons while it fetches each element's code, several
    seconds on a busy two-core machine, and Streamlit's running indicator may never
    appear for a run that short; the elements' count settling is what a person sees.
    """
    elements = page.locator("[data-testid='stMain'] [data-testid='stElementContainer']")
    skeletons = page.locator("[data-testid='stSkeleton']")
    previous, steady = -1, 0
    for _ in range(int(timeout_s / 0.25)):
        count = elements.count()
        steady = steady + 1 if count == previous and count and not skeletons.count() else 0
        if steady >= 4:  # one second without change
            return
        previous = count
        page.wait_for_timeout(250)


def step_label(page):
    """The animation slider's "Step k (of 0 to n)" label."""
    return page.locator(".slider-container text.slider-label").first


def no_exception(page) -> None:
    """No traceback anywhere on the page."""
    expect(page.locator("[data-testid='stException']")).to_have_count(0)
