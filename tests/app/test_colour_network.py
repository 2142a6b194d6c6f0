"""The colour network on the trained-network and saliency pages (``?network=colour``)."""

from __future__ import annotations

import io

import keras  # TensorFlow imported before any test: Hypothesis would time its import
import numpy as np
import pytest
from PIL import Image

from cnnviz.i18n import format_count, format_number, t
from cnnviz.io.images import decode_image
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.datasets import load_cifar_subset
from cnnviz.nets.model import inspect, predict_batch
from cnnviz.nets.photo import preprocess_photo
from tests.app.helpers import open_page
from tests.app.test_network_pages import NET, SALIENCY, headline, png_bytes
from tests.io.test_images import png_header_claiming

assert keras  # imported for its side effect above
RUN_TIMEOUT = 300  # seconds a run may take (AppTest's default is far less)


@pytest.fixture(scope="module")
def cifar():
    return load_cifar_subset()


@pytest.fixture(scope="module")
def colour_model():
    return load_cifar_model()


@pytest.fixture(scope="module")
def predicted(cifar, colour_model):
    return predict_batch(colour_model, cifar.x_test).argmax(axis=1)


def open_slow(page: str, lang: str, **params: str):
    """Open a page with room for one run: the colour network's first one loads TensorFlow,
    the network and CIFAR-10, and this machine's two cores are shared."""
    return open_page(page, lang, timeout=RUN_TIMEOUT, **params)


def jpeg_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def expected_headline(probabilities: np.ndarray, cifar, lang: str) -> str:
    winner = int(np.argmax(probabilities))
    confidence = format_number(100 * probabilities[winner], digits=1, lang=lang)
    return t(
        "net.prediction",
        lang=lang,
        digit=cifar.class_label(winner, lang=lang),
        confidence=confidence,
    )


def a_photo() -> np.ndarray:
    """A landscape photo: blue sky over a red car-like block on grey road."""
    rng = np.random.default_rng(7)
    photo = np.zeros((240, 320, 3), np.uint8)
    photo[:120] = (90, 150, 230)
    photo[120:] = (110, 110, 110)
    photo[100:170, 100:220] = (200, 30, 30)
    return np.clip(photo + rng.integers(-10, 10, photo.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_colour_test_image_is_named_in_the_language_with_its_verdict(
    lang, cifar, predicted, colour_model
):
    index = 3
    at = open_slow(NET, lang, network="colour", colour_index=str(index))
    label = int(cifar.y_test[index])
    name = cifar.class_label(label, lang=lang)
    assert t("colour.pick.test_caption", lang=lang, index=index, label=name) in [
        c.value for c in at.caption
    ]
    assert at.caption[0].value == t("colour.intro", lang=lang)
    probabilities = inspect(colour_model, cifar.x_test[index]).probabilities
    assert int(np.argmax(probabilities)) == predicted[index]
    assert headline(at) == expected_headline(probabilities, cifar, lang)
    if predicted[index] == label:
        assert [s.value for s in at.success] == [t("colour.label_right", lang=lang, label=name)]
    else:
        accuracy = format_number(100 * np.mean(predicted == cifar.y_test), digits=1, lang=lang)
        count = format_count(cifar.y_test.size, lang=lang)
        expected = t("colour.label_wrong", lang=lang, label=name, accuracy=accuracy, count=count)
        assert [w.value for w in at.warning] == [expected]
    # Names in Spanish are the catalog's: "avión", "automóvil"...
    assert (
        cifar.class_label(0, lang="es") == "avión"
        and cifar.class_label(1, lang="es") == "automóvil"
    )
    assert at.radio(key="colour_source").options == [
        t("colour.pick.source.test", lang=lang),
        t("net.pick.source.upload", lang=lang),
        t("colour.pick.source.camera", lang=lang),
    ]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_class_then_the_mistakes_of_the_colour_network(lang, cifar, predicted):
    at = open_slow(NET, lang, network="colour")
    at.selectbox(key="colour_class").set_value("3").run()  # cat / gato
    cats = np.flatnonzero(cifar.y_test == 3)
    assert at.number_input(key="colour_index").value == cats[0]
    assert cifar.class_label(3, lang=lang) in at.caption[1].value
    at.selectbox(key="colour_class").set_value("any").run()
    at.toggle(key="colour_wrong").set_value(True).run()
    wrong = np.flatnonzero(predicted != cifar.y_test)
    index = at.number_input(key="colour_index").value
    assert index in wrong
    assert at.warning, "a mistake is said to be one"
    assert not at.exception


def test_the_link_opens_the_colour_network_and_the_choice_writes_it(cifar):
    at = open_slow(NET, "en")
    assert at.segmented_control(key="network").value == "digits"
    assert at.radio(key="digit_source").value == "test"
    at.segmented_control(key="network").set_value("colour").run()
    assert at.query_params.get("network") in ("colour", ["colour"])
    assert at.radio(key="colour_source").value == "test"
    assert t("colour.intro", lang="en") == at.caption[0].value
    # Back to digits: the digit page's own choices are still there.
    at.segmented_control(key="network").set_value("digits").run()
    assert at.query_params.get("network") in (None, [])  # the default is left out of links
    assert headline(at).startswith("The network says: ")


def test_an_uploaded_photo_is_cropped_resized_scaled_and_predicted(cifar, colour_model):
    photo = a_photo()
    at = open_slow(NET, "en", network="colour", colour_source="upload")
    at.file_uploader(key="colour_upload").set_value(("car.png", png_bytes(photo), "image/png"))
    at.run()
    assert not at.exception, at.exception
    assert t("net.preprocess.title", lang="en") in [e.label for e in at.expander]
    prepared = preprocess_photo(decode_image(png_bytes(photo), max_side=512).pixels)
    crop = t("colour.note.crop", lang="en", rows=240, cols=240, top=0, left=40)
    assert any(crop in m.value for m in at.markdown)
    expected = inspect(colour_model, prepared.digit).probabilities
    assert headline(at) == expected_headline(expected, cifar, "en")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.png", b"these are not the pixels you are looking for", "error.image_unreadable"),
        ("huge.png", png_header_claiming(8000, 8000), "error.image_too_large"),
        ("wall.png", png_bytes(np.full((60, 80, 3), 140, np.uint8)), "colour.photo.blank"),
    ],
)
def test_hostile_uploads_say_why_and_keep_the_last_image(name, data, message):
    at = open_slow(NET, "es", network="colour", colour_index="12")
    first = headline(at)
    at.radio(key="colour_source").set_value("upload").run()
    at.file_uploader(key="colour_upload").set_value((name, data, "image/png")).run()
    assert not at.exception, at.exception
    (error,) = at.error
    start = t(message, lang="es", nbytes=len(data), width=8000, height=8000, megapixels=64.0,
              max_megapixels=50.0).split("{")[0][:25]  # fmt: skip
    assert error.value.startswith(start)
    assert headline(at) == first  # the test image is still shown


def test_the_camera_reads_a_colour_photo_and_a_blank_one_keeps_it(cifar):
    photo = a_photo()
    at = open_slow(NET, "en", network="colour", colour_source="camera")
    assert t("colour.pick.camera_hint", lang="en") in [i.value for i in at.info]
    at.camera_input(key="colour_camera").set_value(("shot.jpg", jpeg_bytes(photo), "image/jpeg"))
    at.run()
    assert not at.exception, at.exception
    assert t("colour.pick.shot", lang="en") in [c.value for c in at.caption]
    shot = headline(at)
    blank = jpeg_bytes(np.full((48, 64, 3), 30, np.uint8))  # the lens covered
    at.camera_input(key="colour_camera").set_value(("dark.jpg", blank, "image/jpeg")).run()
    assert [e.value for e in at.error] == [t("colour.photo.blank", lang="en")]
    assert headline(at) == shot


def test_the_camera_reads_a_digit_written_on_paper():
    paper = np.full((240, 320, 3), (235, 232, 220), np.uint8)  # warm white paper
    paper[40:200, 150:172] = (25, 25, 40)  # a "1" in dark ink
    at = open_slow(NET, "en", digit_source="camera")
    at.camera_input(key="digit_camera").set_value(("one.jpg", jpeg_bytes(paper), "image/jpeg"))
    at.run()
    assert not at.exception, at.exception
    assert headline(at).startswith("The network says: 1")
    assert t("preprocess.step.center", lang="en") in [e.label for e in at.expander] or any(
        t("preprocess.step.center", lang="en") in m.value for m in at.markdown
    )


def test_colour_layers_in_a_list_and_every_view_renders():
    at = open_slow(NET, "en", network="colour", colour_index="5")
    layers = at.selectbox(key="net_layer")
    assert layers.options[0].startswith("conv1 · 32 × 32 × 32")
    assert len(layers.options) == 15  # 6 convolutions, 6 ReLUs, 3 poolings
    for name in ("relu2", "pool1", "conv6", "pool3"):
        at.selectbox(key="net_layer").set_value(name).run()
        assert not at.exception, at.exception
    for view in ("filters", "surgery"):
        at.segmented_control(key="net_view").set_value(view).run()
        assert not at.exception, at.exception


def test_colour_surgery_edits_three_channel_tables():
    at = open_slow(NET, "en", network="colour", colour_index="5", net_view="surgery")
    assert len(at.data_editor) == 3  # R, G and B slices of the filter
    at.number_input(key="net_surgery_filter").set_value(5).run()
    at.button(key="net_surgery_zero").click().run()
    bank = at.session_state["net_surgery_bank_colour"]
    assert bank.shape == (3, 3, 3, 32)
    assert not bank[..., 5].any() and bank[..., 4].any()
    assert not at.exception


@pytest.mark.parametrize("lang", ["en", "es"])
def test_saliency_of_the_colour_network_in_both_languages(lang, cifar, predicted):
    at = open_slow(SALIENCY, lang, network="colour", colour_index="8")
    assert not at.exception, at.exception
    winner = cifar.class_label(int(predicted[8]), lang=lang)
    assert at.subheader[0].value == t("saliency.page.maps", lang=lang, digit=winner)
    assert len(at.dataframe[0].value) == 5
    at.selectbox(key="sal_target").set_value("0").run()
    assert at.subheader[0].value == t(
        "saliency.page.maps", lang=lang, digit=cifar.class_label(0, lang=lang)
    )


def test_saliency_keeps_the_colour_network_and_upload_of_the_other_page(cifar):
    at = open_slow(NET, "en", network="colour", colour_source="upload")
    at.file_uploader(key="colour_upload").set_value(("car.png", png_bytes(a_photo()), "image/png"))
    at.run()
    at.switch_page(SALIENCY).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="network").value == "colour"
    assert t("net.pick.uploaded", lang="en", name="car.png") in [c.value for c in at.caption]


def test_a_colour_model_trained_in_this_session_reads_colour_images(cifar):
    from cnnviz.nets.cifar_model import build_cifar_model
    from cnnviz.nets.model import fingerprint

    keras.utils.set_random_seed(0)
    own = build_cifar_model()  # untrained, 32x32x3: its kind comes from its input shape
    at = open_slow(NET, "en", colour_index="4")
    at.session_state["session_model"] = own
    at.session_state["session_model_name"] = "Run 2"
    at.run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="network").value == "session"
    assert at.session_state["session_model_key"][1] == f"session-{fingerprint(own)}"
    assert at.radio(key="colour_source").value == "test"
    name = cifar.class_label(int(cifar.y_test[4]), lang="en")
    assert t("colour.pick.test_caption", lang="en", index=4, label=name) in [
        c.value for c in at.caption
    ]
    expected = inspect(own, cifar.x_test[4]).probabilities
    assert headline(at) == expected_headline(expected, cifar, "en")
