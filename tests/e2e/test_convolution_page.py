"""The convolution page in Chromium: it loads, takes an upload, a preset changes it, it plays."""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from cnnviz.i18n import t

from .helpers import no_exception, open_app, open_titled, play

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_loads_and_animates(page, app_url, screenshot, lang):
    open_titled(page, f"{app_url}/convolution?lang={lang}", t("conv.title", lang=lang))
    screenshot(f"convolution-{lang}")
    play(page, "conv_stage")


def test_a_preset_changes_the_inspected_arithmetic(page, app_url, screenshot):
    open_app(page, f"{app_url}/convolution?lang=en&conv_source=table")
    code = page.locator("[data-testid='stCode']").first
    before = code.text_content()
    page.get_by_role("combobox", name=t("kernel_editor.preset", lang="en")).first.click()
    page.keyboard.type("Sobel Y")  # the list shows a few options at a time: filter it
    page.get_by_role("option", name="Sobel Y").click()
    expect(code).not_to_have_text(before, timeout=10_000)
    no_exception(page)
    screenshot("convolution-en-sobel-y")


def test_an_uploaded_image_is_used(page, app_url, screenshot):
    open_app(page, f"{app_url}/convolution?lang=en")
    page.get_by_text(t("picker.source.upload", lang="en"), exact=True).click()
    picture = np.zeros((20, 30), dtype=np.uint8)
    picture[:, 15:] = 255
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, format="PNG")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": "edge.png", "mimeType": "image/png", "buffer": buffer.getvalue()}
    )
    # A 20x30 input and a 3x3 kernel with valid padding give an 18x28 feature map.
    expect(page.get_by_text("18 × 28 × 1")).to_be_visible(timeout=15_000)
    no_exception(page)
    screenshot("convolution-en-upload")


def test_a_drawing_is_the_input(page, app_url, screenshot):
    open_app(page, f"{app_url}/convolution?lang=en&conv_source=draw")
    canvas = page.locator("canvas:not([data-testid^='stage'])").first  # not the stage's
    canvas.wait_for()
    page.wait_for_timeout(1500)  # the component mounts its drawing surface after it appears
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    # Start below the canvas' toolbar, which appears over its top edge on hover.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
    page.mouse.down()
    for step in range(1, 19):  # a vertical stroke, drawn as a hand would
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60 + step * 10)
    page.mouse.up()
    # The 280-pixel canvas is read at the size control's 64 pixels, in grayscale.
    expect(page.get_by_text("62 × 62 × 1")).to_be_visible(timeout=15_000)
    expect(page.locator("[data-testid='stMetricValue']").first).to_have_text("64 × 64")
    no_exception(page)
    screenshot("convolution-en-drawing")
