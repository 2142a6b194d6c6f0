"""The transfer-learning page in AppTest: the demo's two runs, a refused zip, the layers."""

import io
import zipfile

import pytest
from PIL import Image

from tests.app.helpers import open_page

PAGE = "app_pages/transfer/page.py"


def _zip(classes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, count in classes.items():
            for i in range(count):
                image = io.BytesIO()
                Image.new("RGB", (24, 24), (30 * i, 100, 0)).save(image, "PNG")
                archive.writestr(f"{name}/{i}.png", image.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_demo_compares_two_runs(lang):
    at = open_page(PAGE, lang, timeout=300, transfer_epochs="1")
    rule = "Each 28×28 image is resized to 32×32" if lang == "en" else "Cada imagen de 28×28"
    assert any(rule in c.value for c in at.caption)
    at.button(key="transfer_start").click().run()
    assert not at.exception, at.exception
    result = at.session_state["transfer_result"]
    assert result.pretrained.epochs_done == result.scratch.epochs_done == 1
    assert result.settings.mode == "frozen" and result.input_shape == (32, 32, 3)
    # The sentence reads the run's own numbers.
    verdict = at.info[0].value
    pre = f"{100 * result.pretrained.test_accuracy:.1f}".rstrip("0").rstrip(".")
    shown = f"{pre}%" if lang == "en" else f"{pre.replace('.', ',')}\u00a0%"
    assert shown in verdict
    title = "Pretrained vs from scratch" if lang == "en" else "Preentrenada frente a desde cero"
    assert any(h.value == title for h in at.subheader)
    table, layers = (frame.value for frame in at.dataframe)
    assert len(table) == 2
    assert layers.iloc[-1, 0] == "head_softmax" and layers.iloc[0, 0] == "conv1"
    # A 32x32x3 network does not fit the digit pages: no button, a caption why.
    assert not [b for b in at.button if b.key == "transfer_use"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_class_zip_is_refused_and_the_good_one_kept(lang):
    at = open_page(PAGE, lang, transfer_source="zip")
    uploader = at.file_uploader(key="transfer_zip")
    uploader.set_value(("scenes.zip", _zip({"forest": 5, "sea": 5}), "application/zip")).run()
    assert not at.exception and not at.error
    assert not at.button(key="transfer_start").disabled
    uploader = at.file_uploader(key="transfer_zip")
    uploader.set_value(("forest.zip", _zip({"forest": 6}), "application/zip")).run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert ("only one class folder" if lang == "en" else "una sola carpeta") in message
    kept = "scenes.zip"
    assert any(kept in c.value for c in at.caption)  # the last good zip stays in use
    assert not at.button(key="transfer_start").disabled


def test_digit_network_result_goes_to_the_network_pages():
    # Ten grey classes of 28x28 from the digit network: the network pages can read it.
    at = open_page(PAGE, "en", timeout=300, transfer_source="zip", transfer_base="mnist")
    data = _zip({str(digit): 5 for digit in range(10)})
    at.file_uploader(key="transfer_zip").set_value(("digits.zip", data, "application/zip")).run()
    assert any("28×28" in c.value for c in at.caption)
    at.slider(key="transfer_epochs").set_value(1).run()
    at.button(key="transfer_start").click().run()
    assert not at.exception, at.exception
    result = at.session_state["transfer_result"]
    assert result.input_shape == (28, 28, 1) and len(result.class_labels) == 10
    at.button(key="transfer_use").click().run()
    assert at.session_state["session_model"] is result.model
    assert at.session_state["session_model_name"] == "Pretrained (Frozen)"
