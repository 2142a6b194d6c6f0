"""The training page in AppTest: a short run, a refused stack, a refused zip."""

import io
import zipfile

import pytest
from PIL import Image

from app_pages.training.builder import BUILDER_ACTIVATIONS
from cnnviz.core.spec import ACTIVATIONS
from tests.app.helpers import open_page

PAGE = "app_pages/training/page.py"


def _store(at):
    return at.session_state["train_store"]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_epoch_run(lang):
    at = open_page(PAGE, lang, train_epochs="1")
    at.number_input(key="train_samples").set_value(300).run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    runs = _store(at)["runs"]
    assert len(runs) == 1
    result = runs[0].result
    assert result.reason == "completed" and result.epochs_done == 1
    # 240 training images in the default batches of 64: 4 batches, fewer than the 5 between
    # records, so only the epoch's end is recorded.
    assert result.history["batch"].tolist() == [4]
    assert result.confusion.sum() == 2000 and result.confusion.shape == (10, 10)
    charts = at.get("plotly_chart")
    assert len(charts) >= 3  # curves, confusion matrix, per-class bars (and more)
    title = "Results" if lang == "en" else "Resultados"
    assert any(h.value == title for h in at.subheader)
    finished = "Finished: 1 of 1 epochs." if lang == "en" else "Terminado: 1 de 1 épocas."
    assert finished in [s.value for s in at.success]
    # The model can go to the other pages (28x28 digits, 10 classes, pixels / 255).
    at.button(key="train_use").click().run()
    assert at.session_state["session_model"] is runs[0].model
    assert at.session_state["session_model_name"].startswith("Run 1 · " if lang == "en" else "E")


@pytest.mark.parametrize("lang", ["en", "es"])
def test_collapsing_stack_is_refused(lang):
    at = open_page(PAGE, lang)
    conv = {"type": "Conv2D", "filters": 4, "kernel_size": 11}
    at.session_state["train_stack"] = [
        (101, dict(conv)),
        (102, dict(conv)),
        (103, dict(conv)),
        (104, {"type": "Flatten"}),
        (105, {"type": "Dense", "units": 10, "activation": "softmax"}),
    ]
    at.run()
    assert not at.exception, at.exception
    assert at.error, "no message"
    message = at.error[0].value
    assert ("cannot be trained" if lang == "en" else "no se puede entrenar") in message
    assert at.button(key="train_start").disabled  # AppTest, like a person, cannot press it
    assert _store(at)["runs"] == []


def _zip(files):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_malformed_zip_is_refused(lang):
    at = open_page(PAGE, lang, train_source="zip")
    data = _zip({"cats/readme.txt": b"hello", "dogs/notes.txt": b"hi"})
    at.file_uploader(key="train_zip").set_value(("pets.zip", data, "application/zip")).run()
    assert not at.exception, at.exception
    message = at.error[0].value
    assert "readme.txt" in message or "notes.txt" in message
    assert ("not an image" if lang == "en" else "no es una imagen") in message
    assert not at.get("button") or all(b.key != "train_start" for b in at.button)


def test_hostile_zip_keeps_the_last_good_one():
    at = open_page(PAGE, "es", train_source="zip")
    good = {f"{c}/{i}.png": _png_bytes(40 * i) for c in ("gatos", "perros") for i in range(5)}
    uploader = at.file_uploader(key="train_zip")
    uploader.set_value(("clase.zip", _zip(good), "application/zip")).run()
    assert not at.error and at.number_input(key="train_samples").max == 8
    hostile = _zip({**good, "../fuera.png": _png_bytes(1)})
    at.file_uploader(key="train_zip").set_value(("malo.zip", hostile, "application/zip")).run()
    assert not at.exception, at.exception
    assert "../fuera.png" in at.error[0].value and "fuera del zip" in at.error[0].value
    assert any("clase.zip" in caption.value for caption in at.caption)
    assert at.number_input(key="train_samples").max == 8  # still the good zip's 8 images
    # Swapping files, the uploader sends a run without any: the good zip stays in use.
    at.file_uploader(key="train_zip").set_value(None).run()
    assert not at.error and at.number_input(key="train_samples").max == 8


def _png_bytes(value):
    buffer = io.BytesIO()
    Image.new("RGB", (6, 6), (value, 0, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_two_runs_are_compared():
    at = open_page(PAGE, "en", train_epochs="1")
    at.number_input(key="train_samples").set_value(100).run()
    shapes = next(d.value for d in at.dataframe if "Output shape" in d.value.columns)
    assert shapes["Output shape"].tolist()[:2] == ["26 × 26 × 32", "13 × 13 × 32"]
    at.button(key="train_start").click().run()
    at.selectbox(key="train_optimizer").set_value("sgd").run()
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    runs = _store(at)["runs"]
    assert [run.number for run in runs] == [1, 2]
    assert [run.settings.optimizer for run in runs] == ["adam", "sgd"]  # Adam by default
    table = next(d.value for d in at.dataframe if "Run" in d.value.columns)
    assert table["Run"].str.startswith(("Run 1 · ", "Run 2 · ")).all()
    assert table["Data · images"].tolist() == ["MNIST digits (10,000, bundled) · 80"] * 2
    assert table["Parameters"].tolist() == ["93,962"] * 2
    assert table["Optimiser"].tolist() == ["Adam", "SGD (with momentum)"]
    assert table["Epochs"].tolist() == [1, 1] and table["Augmented"].tolist() == ["", ""]


def test_builder_offers_keras_activations():
    assert set(BUILDER_ACTIVATIONS) <= set(ACTIVATIONS)
