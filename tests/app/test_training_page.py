"""The training page in AppTest: a run, a refused stack and zip, CIFAR-10, presets, checkpoints."""

import io
import zipfile

import pytest
from PIL import Image

from app_pages.training.builder import BUILDER_ACTIVATIONS
from app_pages.training.presets import preset_values
from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.core.architectures import summarize
from cnnviz.core.spec import ACTIVATIONS
from cnnviz.i18n import format_count, t
from cnnviz.nets.training import TRAINING_PRESETS
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


# --- CIFAR-10, presets, checkpoints (issue 12) --------------------------------------------------

SLOW = 300  # seconds a run may take: decoding the CIFAR-10 JPEGs on a busy 2-core server


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cifar_source_trains_offline_with_a_checkpoint(lang):
    at = open_page(
        PAGE, lang, timeout=SLOW, train_source="cifar", train_epochs="1",
        train_monitor="val_accuracy",
    )  # fmt: skip
    at.number_input(key="train_samples").set_value(200).run()
    summary = next(s.value for s in at.caption if "32 × 32 × 3" in s.value)
    assert ("10 classes" if lang == "en" else "10 clases") in summary
    at.button(key="train_start").click().run()
    assert not at.exception, at.exception
    run = _store(at)["runs"][0]
    assert run.source == t("trainset.source.cifar", lang=lang)
    assert run.class_labels[0] == t("dataset.class.cifar10.0", lang=lang)
    checkpoint = run.result.checkpoint
    assert checkpoint.monitor == "val_accuracy" and checkpoint.saved == (1,)
    # One epoch: the checkpoint is the last epoch, nothing to restore, but it can be downloaded.
    assert not [b for b in at.button if b.key == "train_restore1"]
    assert t("ckpt.active.last", lang=lang, epoch=1) in [i.value for i in at.info]
    assert run.checkpoint_bytes[:8] == b"\x89HDF\r\n\x1a\n"  # an HDF5 file


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("key", list(TRAINING_PRESETS))
def test_preset_sets_data_layers_and_settings_and_keeps_the_rest(lang, key):
    at = open_page(PAGE, lang, timeout=SLOW)
    at.selectbox(key="train_norm").set_value("standard").run()  # the user's own choices
    at.number_input(key="train_patience").set_value(2).run()
    at.button(key=f"train_apply_{key}").click().run()
    assert not at.exception, at.exception
    preset = TRAINING_PRESETS[key]
    state = at.session_state
    assert preset_values(preset) == {name: state[name] for name in preset_values(preset)}
    expected = NETWORK_PRESETS[preset.network](10)
    stack = [layer for _, layer in state["train_stack"]]  # the rows add their widgets' defaults
    assert [{k: layer[k] for k in e} for layer, e in zip(stack, expected, strict=True)] == expected
    assert at.query_params["train_source"] == "cifar"
    assert at.query_params["train_epochs"] == str(preset.settings.epochs)
    # The link says what differs from the page's defaults (Adam is the default: left out).
    assert at.query_params.get("train_optimizer", "adam") == preset.settings.optimizer
    message = at.success[0].value
    assert t(f"trainset.preset.{key}", lang=lang) in message
    assert t("trainset.change.network", lang=lang) in message  # the layers always change
    # Kept: normalisation and early stopping; the summary is the preset network's on colour.
    assert state["train_norm"] == "standard" and state["train_patience"] == 2
    params = format_count(summarize(NETWORK_PRESETS[preset.network](10), (32, 32, 3)).params, lang)
    assert any(params in c.value for c in at.caption)
    assert not at.error


def _restorable_run(number):
    import keras

    from cnnviz.nets import training
    from cnnviz.nets.datasets import load_mnist_subset
    from cnnviz.nets.training_data import Augmentation, prepare_data

    class Ruin(keras.callbacks.Callback):  # the last epoch blows the weights up
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == self.params["epochs"] - 1:
                self.model.optimizer.learning_rate.assign(1e4)

    data = prepare_data(load_mnist_subset(), samples=200)
    settings = training.Settings(optimizer="sgd", learning_rate=0.05, batch_size=16, epochs=3)
    model = training.build_model(NETWORK_PRESETS["course"](10), data.input_shape, 10, settings)
    result = training.train(model, data, settings, callbacks=[Ruin()])
    return training.training_run(
        number, model, result, data, settings=settings, augmentation=Augmentation(),
        summary=None, layers=8, source="MNIST", class_labels=[str(i) for i in range(10)],
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["en", "es"])
def test_restore_the_checkpoint_and_use_it(lang):
    run = _restorable_run(1)
    best = run.result.checkpoint.epoch
    at = open_page(PAGE, lang, timeout=SLOW)
    _store(at).update(runs=[run], counter=1, latest=1)
    at.run()
    at.button(key="train_use").click().run()
    at.button(key="train_restore1").click().run()
    assert not at.exception, at.exception
    restored = _store(at)["runs"][0]
    assert restored.result.active_epoch == best
    assert t("ckpt.active.checkpoint", lang=lang, epoch=best) in [i.value for i in at.info]
    assert at.session_state["session_model"] is restored.model  # "use this model" follows
    weights = run.result.checkpoint.weights
    assert all((a == b).all() for a, b in zip(restored.model.get_weights(), weights, strict=True))
    assert at.button(key="train_restore1").label == t("ckpt.back", lang=lang, epoch=3)
