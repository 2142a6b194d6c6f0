"""Hostile zips uploaded on the training page in a browser: a message in the page's
language naming the file, no traceback, and the last good zip still in use."""

from playwright.sync_api import expect

from cnnviz.i18n import t
from tests.e2e.helpers import no_exception, open_app
from tests.nets.test_zip_dataset import _CRC, _good_files, _packed, _patch


def _upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        {"name": name, "mimeType": "application/zip", "buffer": data}
    )


def test_hostile_zips_are_refused_in_spanish(page, app_url, screenshot):
    open_app(page, f"{app_url}/training?lang=es&train_source=zip")
    _upload(page, "clase.zip", _packed(_good_files()))
    kept = t("train.zip.kept_previous", lang="es", name="clase.zip")
    # The good zip is read: the page goes on to the number of images to train on.
    expect(page.get_by_label(t("train.data.samples", lang="es", limit=8))).to_be_visible(
        timeout=30_000
    )
    numbers = page.locator("[data-testid='stNumberInputField']")
    expect(numbers.nth(1)).to_have_value("32")  # the first Conv2D's filters, from the preset

    # A checksum that does not match the data (what a damaged download gives).
    damaged = _patch(_packed(_good_files()), "dogs/2.png", "<L", _CRC, 0xDEADBEEF)
    _upload(page, "dañado.zip", damaged)
    message = t("error.zip_corrupt", lang="es", file="dogs/2.png")
    expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(kept)).to_be_visible()
    no_exception(page)
    screenshot("hostile-zip-es-bad-crc")

    # A name that climbs out of the zip.
    _upload(page, "trampa.zip", _packed({**_good_files(), "../fuera.png": b"x"}))
    message = t("error.zip_unsafe_path", lang="es", file="../fuera.png")
    expect(page.get_by_role("alert").filter(has_text=message)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(kept)).to_be_visible()
    expect(page.get_by_label(t("train.data.samples", lang="es", limit=8))).to_be_visible()
    # Nothing the student set is lost: the layers keep their values (swapping zips once
    # stopped the page for a run, and the browser gave the layers back their minimums).
    expect(numbers.nth(1)).to_have_value("32")
    expect(numbers.nth(2)).to_have_value("3")
    no_exception(page)
    screenshot("hostile-zip-es-unsafe-path")
