"""What a new user tripped over, walked in Chromium (issue 15, part C).

Saliency opened from the sidebar after Trained network shows the digit the
user was looking at (a test digit of the class chosen, or a drawing); a class
filter shows a matching digit at once; the preprocessing sizes are in full-size
type; one edited kernel cell turns the preset's name into "custom kernel".
"""

from __future__ import annotations

import numpy as np
from playwright.sync_api import expect

from cnnviz.core.kernels import PRESETS
from cnnviz.i18n import t
from cnnviz.nets.datasets import load_mnist_subset
from tests.e2e.helpers import no_exception, open_app, settle
from tests.e2e.test_network_pages import MODEL_LOAD_MS, draw_stroke

ROW_PX = 35  # height of a row of Streamlit's tables, the header's included


def open_from_sidebar(page, lang: str, page_key: str) -> None:
    """Click a page's link in the sidebar, as a student moving on would."""
    page.get_by_role("link", name=t(page_key, lang=lang), exact=True).first.click()
    page.wait_for_url(lambda url: "saliency" in url or "convolution" in url, timeout=30_000)
    settle(page)


def test_a_drawn_digit_goes_on_to_saliency(page, app_url, screenshot):
    open_app(page, f"{app_url}/trained-network?lang=en&digit_source=draw")
    expect(page.get_by_text(t("net.pick.draw_first", lang="en"))).to_be_visible(
        timeout=MODEL_LOAD_MS
    )
    draw_stroke(page, [(0.5, 0.25), (0.5, 0.9)])
    expect(page.get_by_text("The network says: 1", exact=False)).to_be_visible(timeout=30_000)
    # The sizes over the preprocessing steps: no smaller than the figures' other text.
    title = t("preprocess.step.center", lang="en").split(" 28")[0]  # wrapped before the size
    page.get_by_text(t("net.preprocess.title", lang="en")).scroll_into_view_if_needed()
    label = page.locator(".annotation-text", has_text=title).first
    expect(label).to_contain_text("28 × 28", timeout=30_000)
    size = label.evaluate("e => parseFloat(e.style.fontSize || getComputedStyle(e).fontSize)")
    assert size >= 16, size
    screenshot("new-user-trained-network-en-drawn")
    open_from_sidebar(page, "en", "saliency.page.nav")
    expect(page.get_by_text(t("saliency.page.maps", lang="en", digit=1))).to_be_visible(
        timeout=MODEL_LOAD_MS
    )
    expect(page.get_by_text(t("net.pick.kept.draw", lang="en"))).to_be_visible()
    expect(page.get_by_text(t("net.pick.drawn", lang="en"), exact=True)).to_be_visible()
    assert "None" not in page.url and "digit_source=draw" in page.url
    no_exception(page)
    screenshot("new-user-saliency-en-drawn")


def test_a_class_shows_one_of_its_digits_at_once_and_saliency_keeps_it(page, app_url, screenshot):
    first_three = int(np.flatnonzero(load_mnist_subset().y_test == 3)[0])
    caption = t("net.pick.test_caption", lang="es", index=first_three, label=3)
    open_app(page, f"{app_url}/trained-network?lang=es")
    box = page.get_by_role("combobox", name=t("net.pick.class", lang="es"))
    box.wait_for(timeout=MODEL_LOAD_MS)
    box.click()
    page.get_by_role("option", name="3", exact=True).click()
    # No "Random" pressed: the first 3 is shown, and nothing says it does not match.
    expect(page.get_by_text(caption)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(t("net.pick.outside_filter", lang="es"))).to_have_count(0)
    no_exception(page)
    screenshot("new-user-trained-network-es-class-3")
    open_from_sidebar(page, "es", "saliency.page.nav")
    expect(page.get_by_text(caption)).to_be_visible(timeout=MODEL_LOAD_MS)
    expect(page.get_by_text(t("saliency.page.maps", lang="es", digit=3))).to_be_visible(
        timeout=MODEL_LOAD_MS
    )
    assert "None" not in page.url
    no_exception(page)
    screenshot("new-user-saliency-es-class-3")


def edit_first_weight(page, value: str) -> None:
    """Type ``value`` in row 0, column 0 of the first filter's table, and press Enter."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = None
    while box != (box := grid.bounding_box()):  # the page above may still be growing
        page.wait_for_timeout(250)
    # Row 0 is below the header; column 0 is right of the row numbers (about a fifth wide).
    page.mouse.dblclick(box["x"] + box["width"] * 0.45, box["y"] + ROW_PX + ROW_PX / 2)
    editor = page.locator("#portal textarea:visible, #portal input:visible").first  # cell editor
    editor.wait_for()
    editor.fill(value)
    editor.press("Enter")


def test_one_edited_kernel_cell_makes_the_preset_a_custom_kernel(page, app_url, screenshot):
    open_app(page, f"{app_url}/convolution?lang=es")
    preset = PRESETS["vertical_edges"]
    box = page.get_by_role("combobox", name=t("kernel_editor.preset", lang="es")).first
    explanation = page.get_by_text(preset.explanation("es"))
    expect(box).to_have_value(preset.name("es"))
    expect(explanation).to_be_visible()
    edit_first_weight(page, "5")
    expect(box).to_have_value(t("kernel_editor.custom", lang="es"), timeout=15_000)
    expect(explanation).to_have_count(0)
    edited = t("kernel_editor.edited", lang="es", preset=preset.name("es"))
    expect(page.get_by_text(edited)).to_be_visible()
    no_exception(page)
    screenshot("new-user-convolution-es-custom-kernel")
    settle(page)
    edit_first_weight(page, "-1")  # the preset's own weight, typed back
    expect(box).to_have_value(preset.name("es"), timeout=15_000)
    expect(explanation).to_be_visible()
    no_exception(page)
