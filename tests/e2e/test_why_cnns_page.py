"""The "Why CNNs work" page in Chromium: costs, a shifted digit through every layer, fields."""

import pytest
from playwright.sync_api import expect

from cnnviz.i18n import t

from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e

MODEL_LOAD_MS = 90_000  # the first visit starts TensorFlow and loads the network


def test_the_costs_in_spanish(page, app_url, screenshot):
    open_app(page, f"{app_url}/why-cnns?lang=es")
    expect(page.get_by_role("heading", name=t("why.title", lang="es"))).to_be_visible()
    # The line under the table, with the core's numbers: 9 of 784 inputs, 676 positions.
    line = page.get_by_text("una unidad ve 9 de las 784 entradas (1,1 %)", exact=False)
    expect(line).to_be_visible(timeout=MODEL_LOAD_MS)
    expect(page.get_by_text("676 posiciones", exact=False)).to_be_visible()
    no_exception(page)
    screenshot("why-cnns-es-sparse")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pooling_breaks_equivariance_at_k_1_and_keeps_it_at_k_2(page, app_url, screenshot, lang):
    open_app(page, f"{app_url}/why-cnns?lang={lang}&why_view=shift")
    odd = page.get_by_text("pool1, k = 1", exact=False)
    expect(odd).to_be_visible(timeout=MODEL_LOAD_MS)
    cannot = {"en": "exact equivariance cannot hold", "es": "la equivarianza exacta no puede"}
    expect(page.get_by_text(cannot[lang], exact=False)).to_be_visible()
    # Two charts: the gaps, and the maps side by side; the gap curves' legend names pool2.
    expect(page.locator("[data-testid='stPlotlyChart']")).to_have_count(2)
    expect(page.locator(".legendtext", has_text="pool2").first).to_be_attached()
    screenshot(f"why-cnns-{lang}-shift-1")
    slider = page.get_by_role("slider").last  # the maps' shift k
    slider.focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_text("pool1, k = 2", exact=False)).to_be_visible(timeout=30_000)
    moves = {"en": "the map moves by whole cells", "es": "el mapa se mueve celdas enteras"}
    expect(page.get_by_text(moves[lang], exact=False)).to_be_visible()
    no_exception(page)
    screenshot(f"why-cnns-{lang}-shift-2")


def test_the_prediction_against_the_shift(page, app_url, screenshot):
    open_app(page, f"{app_url}/why-cnns?lang=en&why_view=shift&why_measure=prediction")
    expect(page.get_by_text("Without a shift the network says", exact=False)).to_be_visible(
        timeout=MODEL_LOAD_MS
    )
    no_exception(page)
    screenshot("why-cnns-en-prediction")


def test_receptive_fields_grow_on_the_digit(page, app_url, screenshot):
    open_app(page, f"{app_url}/why-cnns?lang=en&why_view=hierarchy")
    legend = page.locator(".legendtext", has_text="pool2: 10×10 px")
    expect(legend).to_be_attached(timeout=MODEL_LOAD_MS)
    for label in ("conv1: 3×3 px", "pool1: 4×4 px", "conv2: 8×8 px"):
        expect(page.locator(".legendtext", has_text=label)).to_be_attached()
    no_exception(page)
    screenshot("why-cnns-en-hierarchy")
