"""The pooling page in Chromium: it loads, animates, answers a click and explains bad settings."""

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t

from .helpers import no_exception, open_app, open_titled, play

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_loads_and_animates(page, app_url, screenshot, lang):
    open_titled(page, f"{app_url}/pooling?lang={lang}", t("pool.title", lang=lang))
    # The course's example, pooled as in the slides: max(1, 1, 5, 6) = 6.
    separator = "; " if lang == "es" else ", "
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_have_text(f"max(1{separator}1{separator}5{separator}6) = 6")
    screenshot(f"pooling-{lang}")
    play(page, "pool_stage")


def test_clicking_a_pooled_cell_inspects_it(page, app_url, screenshot):
    open_app(page, f"{app_url}/pooling?lang=en")
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_have_text("max(1, 1, 5, 6) = 6")
    # The third chart is the average-pooled 2x2 map: click its bottom-right cell.
    average = page.locator("[data-testid='stPlotlyChart']").nth(2)
    # The transparent click targets, one per cell in row-major order: the fourth is (1, 1).
    target = average.locator(".scatterlayer .point").nth(3)
    # The page may still scroll while its charts draw, and Plotly binds its handlers a
    # moment after drawing: scroll to the cell and click it again until the inspector
    # answers (at most five times). force: Plotly's drag layer lies over the points.
    for _ in range(5):
        target.scroll_into_view_if_needed()
        target.click(force=True)
        try:
            expect(code).to_have_text("(1 + 0 + 3 + 4) / 4 = 2", timeout=4_000)
            break
        except AssertionError:
            continue
    expect(code).to_have_text("(1 + 0 + 3 + 4) / 4 = 2", timeout=10_000)
    no_exception(page)
    screenshot("pooling-en-average-cell")


def test_a_pool_larger_than_the_input_keeps_the_last_result(page, app_url, screenshot):
    open_app(page, f"{app_url}/pooling?lang=es")
    rows = page.get_by_test_id("stSidebar").get_by_label(t("settings.rows", lang="es")).first
    rows.fill("5")
    rows.press("Enter")
    expect(page.get_by_text(t("pool.showing_last_valid", lang="es"))).to_be_visible(timeout=10_000)
    expect(page.locator("[data-testid='stAlertContentError']").first).to_contain_text("(5, 2)")
    expect(page.locator("[data-testid='stCode']").first).to_have_text("max(1; 1; 5; 6) = 6")
    no_exception(page)
    screenshot("pooling-es-pool-too-large")
