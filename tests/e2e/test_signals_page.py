"""The 1-D signals page as a person sees it, in Chromium: the course's table and the animation."""

import re

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t

from .helpers import no_exception, open_app, play

pytestmark = pytest.mark.e2e
COURSE_RESULTS = ("[8, −16, 11, 1]", "[0, 8, −16, 11, 1, −4]", "[−1, 0, 8, −16, 11, 1, −4, 1]")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_signals_page_shows_the_course_table_and_plays(page, app_url, screenshot, lang):
    open_app(page, f"{app_url}/signals?lang={lang}")
    expect(page.get_by_role("heading", name=t("signal.title", lang=lang))).to_be_visible()
    no_exception(page)
    for numbers in COURSE_RESULTS:
        expect(page.get_by_text(numbers, exact=True)).to_be_visible()
    expect(page.get_by_text("⌊(6 − 3 + 4 + 1) / 1⌋ = 8")).to_be_visible()

    play(page, "sig_stage")
    screenshot(f"signals-{lang}")


def test_eeg_demo_draws_the_three_results(page, app_url, screenshot):
    open_app(page, f"{app_url}/signals?lang=en")
    page.get_by_role("button", name=t("signal.demo_eeg", lang="en")).click()
    expect(page.get_by_text("same: 500 values")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("valid: 491 values")).to_be_visible()
    expect(page.get_by_text("full: 509 values")).to_be_visible()
    no_exception(page)
    # The link now opens the same demo.
    expect(page).to_have_url(re.compile(r"sig_n=10"))
    screenshot("signals-en-eeg")


def test_a_typo_in_the_kernel_is_explained_and_the_results_stay(page, app_url, screenshot):
    open_app(page, f"{app_url}/signals?lang=es&sig_kernel=custom")
    weights = page.get_by_role("textbox", name=t("signal.custom", lang="es"))
    weights.fill("1, x")
    weights.press("Enter")
    expect(page.get_by_text("El valor 2 que hay en el kernel, «x»", exact=False)).to_be_visible()
    expect(page.get_by_text("[6, −2, −7, 5]", exact=True)).to_be_visible()  # 1, 0, −1 kept
    no_exception(page)
    screenshot("signals-es-typo")
