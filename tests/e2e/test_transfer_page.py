"""The transfer-learning page in a browser: the offline demo's two runs, end to end."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import no_exception, open_app


def test_demo_runs_pretrained_and_scratch(page, app_url, screenshot):
    open_app(page, f"{app_url}/transfer?lang=en&transfer_epochs=1")
    expect(page.get_by_text(re.compile(r"Each 28×28 image is resized to 32×32"))).to_be_visible()
    page.get_by_role("button", name="Train", exact=True).click()
    heading = page.get_by_role("heading", name="Pretrained vs from scratch", exact=True)
    expect(heading).to_be_visible(timeout=300_000)
    expect(page.locator("[data-testid='stAppRunningIndicator']")).to_have_count(0, timeout=30_000)
    # The sentence quotes both runs' test accuracies.
    verdict = page.locator("[data-testid='stAlertContentInfo']").first
    expect(verdict).to_contain_text(re.compile(r"\d+(\.\d)?% of the test images right against"))
    # The curves: validation loss and accuracy, one colour per run, named in the legend.
    chart = page.locator("[data-testid='stPlotlyChart']").last
    expect(chart).to_contain_text("Pretrained (Frozen)")
    expect(chart).to_contain_text("From scratch")
    no_exception(page)
    heading.scroll_into_view_if_needed()
    screenshot("transfer_demo")
