"""The colour network in a real browser: a test image, an uploaded photo, the camera.

The camera is Chromium's fake device (``--use-fake-device-for-media-stream``: a
moving test pattern) with the permission prompt answered yes
(``--use-fake-ui-for-media-stream``), so Streamlit's ``st.camera_input`` takes
a real photo through the browser's media stack.
"""

import io

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from cnnviz.i18n import t
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.helpers import no_exception, open_app

MODEL_LOAD_MS = 120_000  # the first visit starts TensorFlow and loads the network and CIFAR-10
FAKE_CAMERA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


def says(lang: str) -> str:
    """The start of the prediction's headline: "The network says:", "La red dice:"."""
    return t("net.prediction", lang=lang, digit="", confidence="").split("(")[0].strip()


def test_a_colour_test_image_is_predicted_with_its_class(page, app_url, screenshot):
    open_app(page, f"{app_url}/trained-network?lang=es&network=colour&colour_index=3")
    expect(page.get_by_text(says("es"), exact=False).first).to_be_visible(timeout=MODEL_LOAD_MS)
    # Test image 3 of the bundled subset, named in Spanish in its caption.
    expect(page.get_by_text("Imagen de prueba n.º 3", exact=False)).to_be_visible()
    expect(page.get_by_text(t("colour.intro", lang="es")[:40], exact=False)).to_be_visible()
    no_exception(page)
    screenshot("trained-network-es-colour-test-image")


def test_an_uploaded_photo_is_prepared_step_by_step(page, app_url, screenshot, tmp_path):
    photo = np.zeros((240, 320, 3), np.uint8)
    photo[:120] = (90, 150, 230)
    photo[120:] = (110, 110, 110)
    photo[100:170, 100:220] = (200, 30, 30)
    path = tmp_path / "car.png"
    Image.fromarray(photo).save(path)
    open_app(page, f"{app_url}/trained-network?lang=en&network=colour&colour_source=upload")
    uploader = page.locator("[data-testid='stFileUploaderDropzoneInput']").first
    uploader.wait_for(state="attached", timeout=MODEL_LOAD_MS)
    uploader.set_input_files(str(path))
    expect(page.get_by_text("Uploaded image: car.png.")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(says("en"), exact=False).first).to_be_visible()
    expect(page.get_by_text(t("colour.step.crop", lang="en")).first).to_be_attached()
    no_exception(page)
    screenshot("trained-network-en-colour-upload")


@pytest.fixture
def camera_page(playwright):
    """A page of a Chromium whose camera is the fake device, permission granted."""
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *FAKE_CAMERA]
    )
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context.new_page()
    context.close()
    browser.close()


def test_the_camera_takes_a_photo_the_network_reads(camera_page, app_url):
    page = camera_page
    open_app(page, f"{app_url}/trained-network?lang=en&network=colour&colour_source=camera")
    take = page.get_by_role("button", name="Take Photo")
    expect(take).to_be_enabled(timeout=MODEL_LOAD_MS)
    page.wait_for_timeout(1000)  # the fake stream's first frames
    take.click()
    expect(page.get_by_text(t("colour.pick.shot", lang="en"))).to_be_visible(timeout=60_000)
    expect(page.get_by_text(says("en"), exact=False).first).to_be_visible()
    expect(page.get_by_text(t("colour.step.resize", lang="en")).first).to_be_attached()
    no_exception(page)
    shot = page.locator("[data-testid='stCameraInput'] img").first
    if shot.count():  # the photo Streamlit shows is the fake device's frame, not blank
        image = Image.open(io.BytesIO(shot.screenshot())).convert("RGB")
        assert np.ptp(np.asarray(image), axis=(0, 1)).max() > 20


def pseudo(locator, which: str) -> str:
    """The text a CSS pseudo-element writes (``::before``/``::after``), without its quotes."""
    content = locator.evaluate(f"e => getComputedStyle(e, '{which}').content")
    return content.strip('"')


def test_a_refused_camera_says_so_in_spanish(page, app_url):
    # This browser has no camera (no fake device): Streamlit shows its refusal box,
    # whose English the Spanish page's stylesheet writes over (cnnviz.ui.widget_text).
    open_app(page, f"{app_url}/trained-network?lang=es&network=digits&digit_source=camera")
    refusal = page.locator("[data-testid='stCameraInput'] p:has(> a)")
    expect(refusal).to_be_visible(timeout=MODEL_LOAD_MS)
    assert pseudo(refusal, "::before") == t("widget.camera_refused", lang="es")
    assert pseudo(refusal.locator("a"), "::after") == t("widget.camera_allow", lang="es")
    button = page.locator("[data-testid='stCameraInputButton']")
    assert pseudo(button, "::after") == t("widget.take_photo", lang="es")
    # The page itself carries on: the last kept digit or the hint, never a traceback.
    no_exception(page)
