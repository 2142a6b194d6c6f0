"""The training page in a browser: press Train, watch the curves move, press Stop."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import no_exception, open_app


def test_train_then_stop(page, app_url, screenshot):
    # Many epochs: the run lasts long enough to be stopped half-way.
    open_app(page, f"{app_url}/training?lang=en&train_epochs=30")
    page.get_by_role("button", name="Train", exact=True).click()
    stop = page.get_by_role("button", name=re.compile("Stop$"))
    progress = page.locator("[data-testid='stProgress']")
    curves = page.locator("[data-testid='stPlotlyChart']").first
    expect(curves).to_be_visible(timeout=120_000)
    before = progress.inner_text()
    expect(progress).not_to_have_text(before, timeout=60_000)  # the run moves on
    expect(progress).to_contain_text(re.compile(r"Epoch \d+ of 30 · batch \d+ of \d+"))
    screenshot("training_running")
    # The browser is busy redrawing, and Playwright's click waits for a calm that may not
    # come before the run ends: send the click to the button as a person's would reach it.
    stop.dispatch_event("click")
    expect(page.get_by_text(re.compile(r"Stopped during epoch \d+ of 30"))).to_be_visible(
        timeout=60_000
    )
    expect(page.locator("[data-testid='stMetricLabel']").first).to_contain_text(
        "Test accuracy", timeout=30_000
    )
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)
    no_exception(page)
    screenshot("training_stopped")
