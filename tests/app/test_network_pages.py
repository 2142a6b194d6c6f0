"""The trained-network and saliency pages, in both languages, driven by widget keys."""

import io
import re

import numpy as np
import pytest
from PIL import Image

from cnnviz.i18n import format_number, t
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.model import WEIGHTS_PATH
from tests.app.helpers import open_page

NET = "app_pages/trained_network.py"
SALIENCY = "app_pages/saliency.py"
# The bundled network's accuracy on the 2,000 test digits, as its model card reports it.
CARD = (WEIGHTS_PATH.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
CARD_PERCENT = float(re.search(r"\*\*Accuracy: ([\d.]+)%\*\*", CARD).group(1))
BUNDLED = {lang: format_number(CARD_PERCENT, digits=1, lang=lang) for lang in ("en", "es")}
TESTS = {"en": "2,000", "es": "2000"}  # Spanish groups from 10 000 on


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def headline(at) -> str:
    return at.subheader[0].value


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_test_digit_is_predicted_with_its_label(lang):
    data = load_mnist_subset()
    at = open_page(NET, lang, digit_index="3")
    label = int(data.y_test[3])
    caption = t("net.pick.test_caption", lang=lang, index=3, label=label)
    assert any(c.value == caption for c in at.caption)
    prefix = t("net.prediction", lang=lang, digit="", confidence="").split("(")[0].strip()
    assert headline(at).startswith(prefix)
    # The shipped network gets most test digits right; say which, in the page's words.
    verdicts = [m.value for m in (*at.success, *at.warning)]
    right = t("net.label_right", lang=lang, label=label)
    wrong = t("net.label_wrong", lang=lang, label=label, accuracy=BUNDLED[lang], count=TESTS[lang])
    assert right in verdicts or wrong in verdicts


def test_only_misclassified_digits_are_offered_when_asked():
    from cnnviz.nets.model import load_trained_model, predict_batch

    data = load_mnist_subset()
    predicted = predict_batch(load_trained_model(), data.x_test).argmax(axis=1)
    wrong = np.flatnonzero(predicted != data.y_test)
    at = open_page(NET, "en")
    at.toggle(key="digit_wrong").set_value(True).run()
    # At once, without Random: the first digit it gets wrong after digit 0.
    assert at.number_input(key="digit_index").value == wrong[0]
    at.button(key="digit_random").click().run()
    index = at.number_input(key="digit_index").value
    assert index in wrong
    label = int(data.y_test[index])
    expected = t("net.label_wrong", lang="en", label=label, accuracy=BUNDLED["en"], count="2,000")
    assert at.warning[0].value == expected


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_view_renders(lang):
    at = open_page(NET, lang)
    for view in ("maps", "filters", "surgery"):
        at.segmented_control(key="net_view").set_value(view).run()
        assert not at.exception, at.exception
    at.segmented_control(key="net_view").set_value("maps").run()
    for layer in ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2"):
        at.segmented_control(key="net_layer").set_value(layer).run()
        assert not at.exception, at.exception


def test_switching_a_filter_off_changes_its_map_and_restoring_brings_it_back():
    at = open_page(NET, "en", net_view="surgery")
    at.number_input(key="net_surgery_filter").set_value(5).run()
    at.button(key="net_surgery_zero").click().run()
    bank = at.session_state["net_surgery_bank_bundled"]
    assert not bank[..., 5].any()
    assert bank[..., 4].any()  # the other filters are as learned
    at.button(key="net_surgery_reset").click().run()
    learned = at.session_state["net_surgery_bank_bundled"].copy()
    assert learned[..., 5].any()
    at.button(key="net_surgery_negate").click().run()
    np.testing.assert_array_equal(
        at.session_state["net_surgery_bank_bundled"][..., 5], -learned[..., 5]
    )
    at.button(key="net_surgery_reset_all").click().run()
    np.testing.assert_array_equal(at.session_state["net_surgery_bank_bundled"], learned)
    assert not at.exception


def test_an_uploaded_dark_on_light_digit_shows_its_preprocessing():
    picture = np.full((120, 90), 255, dtype=np.uint8)
    picture[20:100, 40:52] = 0  # a thick dark "1" on white paper
    at = open_page(NET, "en", digit_source="upload")
    at.file_uploader(key="digit_upload").set_value(("one.png", png_bytes(picture), "image/png"))
    at.run()
    assert not at.exception
    assert t("net.preprocess.title", lang="en") in [e.label for e in at.expander]
    assert headline(at).startswith("The network says: 1")


def test_a_blank_upload_says_so_and_keeps_the_last_digit():
    at = open_page(NET, "en", digit_index="7")
    first = headline(at)
    at.radio(key="digit_source").set_value("upload").run()
    at.file_uploader(key="digit_upload").set_value(
        ("white.png", png_bytes(np.full((50, 50), 255, np.uint8)), "image/png")
    )
    at.run()
    assert not at.exception
    assert at.error, "a blank image must be explained"
    assert headline(at) == first


@pytest.mark.parametrize("lang", ["en", "es"])
def test_saliency_page_shows_every_method_with_its_time(lang):
    at = open_page(SALIENCY, lang, digit_index="0")
    assert not at.exception
    (timing,) = at.dataframe
    assert len(timing.value) == 5
    assert len(at.expander) >= 5


def test_saliency_sliders_show_the_core_defaults_and_ranges():
    at = open_page(SALIENCY, "en", digit_index="0")
    shown = {
        key: (at.slider(key=key).value, at.slider(key=key).min, at.slider(key=key).max)
        for key in ("sal_samples", "sal_noise", "sal_steps", "sal_window", "sal_stride")
    }
    assert shown == {
        "sal_samples": (25, 5, 100),
        "sal_noise": (0.15, 0.0, 0.5),
        "sal_steps": (32, 4, 128),
        "sal_window": (6, 2, 14),
        "sal_stride": (2, 1, 7),
    }
    at.slider(key="sal_window").set_value(3).run()
    at.slider(key="sal_stride").set_value(5).run()
    assert not at.exception
    assert t("saliency.page.stride_capped", lang="en", window=3) in [c.value for c in at.caption]


def test_saliency_for_another_class_and_fewer_methods():
    at = open_page(SALIENCY, "en", digit_index="0", sal_target="3")
    at.multiselect(key="sal_methods").set_value(["gradient", "occlusion"]).run()
    assert not at.exception
    assert at.subheader[0].value == t("saliency.page.maps", lang="en", digit=3)
    assert len(at.dataframe[0].value) == 2
    at.multiselect(key="sal_methods").set_value([]).run()
    assert at.info[-1].value == t("saliency.page.no_method", lang="en")


@pytest.mark.parametrize("page_file", [NET, SALIENCY])
def test_a_model_trained_in_this_session_can_be_inspected(page_file):
    import keras

    from cnnviz.nets.model import build_model, fingerprint

    keras.utils.set_random_seed(0)
    own = build_model()  # untrained: its own weights, the same layer names
    at = open_page(NET, "en", digit_index="5")
    at.session_state["session_model"] = own
    at.session_state["session_model_name"] = "Run 1 · 11.0 %"
    at.switch_page(page_file).run()
    assert not at.exception, at.exception
    choice = at.segmented_control(key="network")
    assert choice.value == "session"
    # Shared caches know the model by its weights, never by id() (reused after collection).
    key = at.session_state["session_model_key"][1]
    assert key == f"session-{fingerprint(own)}"
    assert "Run 1 · 11.0 %" in choice.options[0]
    digit = at.session_state["digit_last"]
    choice.set_value("digits").run()
    assert not at.exception
    # The digit stays when the network changes.
    assert at.session_state["digit_last"].description == digit.description
    keras.utils.set_random_seed(1)
    at.session_state["session_model"] = other = build_model()  # a new run: a new key
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["session_model_key"][1] == f"session-{fingerprint(other)}" != key
