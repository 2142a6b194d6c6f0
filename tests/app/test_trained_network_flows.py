"""What a new user tripped over on the network pages: Saliency after Trained network, filters."""

from __future__ import annotations

import keras  # TensorFlow imported before any test: Hypothesis would time its import
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import format_number, t
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.ui.network import matching_index, window_size
from tests.app.helpers import open_page
from tests.app.test_network_pages import NET, SALIENCY, headline, png_bytes


@pytest.fixture(scope="module")
def data():
    return load_mnist_subset()


@pytest.fixture(scope="module")
def wrong(data):
    from cnnviz.nets.model import load_trained_model, predict_batch

    predicted = predict_batch(load_trained_model(), data.x_test).argmax(axis=1)
    return np.flatnonzero(predicted != data.y_test)


# --- matching_index: the digit a filter change shows --------------------------------------------


def test_matching_index_by_hand():
    candidates = np.array([3, 8, 40])
    assert matching_index(8, candidates) == 8  # it matches: it stays
    assert matching_index(0, candidates) == 3
    assert matching_index(9, candidates) == 40  # the next one after it
    assert matching_index(41, candidates) == 3  # none after it: from the start
    assert matching_index(5, np.array([], dtype=int)) is None


@given(
    st.lists(st.integers(0, 1999), unique=True, min_size=1, max_size=50),
    st.integers(0, 1999),
)
def test_matching_index_is_a_candidate_the_current_one_if_it_can(members, current):
    candidates = np.array(sorted(members))
    index = matching_index(current, candidates)
    assert index in candidates
    if current in candidates:
        assert index == current
    elif current < candidates[-1]:
        assert index == candidates[candidates > current][0]
    else:
        assert index == candidates[0]


def test_window_size_writes_rows_by_columns():
    assert [window_size(3), window_size((5, 5)), window_size((2, 1))] == ["3×3", "5×5", "2×1"]


# --- Saliency after Trained network -------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_saliency_opens_on_the_test_digit_of_trained_network(lang, data):
    at = open_page(NET, lang)
    at.number_input(key="digit_index").set_value(12).run()
    at.switch_page(SALIENCY).run()
    assert not at.exception, at.exception
    assert at.radio(key="digit_source").value == "test"
    assert at.number_input(key="digit_index").value == 12
    caption = t("net.pick.test_caption", lang=lang, index=12, label=int(data.y_test[12]))
    assert caption in [c.value for c in at.caption]
    assert at.query_params.get("digit_source") in (None, [])  # "test", the default: not written


def test_saliency_keeps_the_class_filter_and_an_uploaded_digit(data):
    picture = np.full((120, 90), 255, dtype=np.uint8)
    picture[20:100, 40:52] = 0  # a thick dark "1" on white paper
    at = open_page(NET, "en")
    at.selectbox(key="digit_class").set_value("4").run()
    at.radio(key="digit_source").set_value("upload").run()
    at.file_uploader(key="digit_upload").set_value(("one.png", png_bytes(picture), "image/png"))
    at.run()
    assert headline(at).startswith("The network says: 1")
    at.switch_page(SALIENCY).run()
    assert not at.exception, at.exception
    assert at.radio(key="digit_source").value == "upload"
    # The upload widget starts empty on this page; the uploaded digit stays, and the page says so.
    assert t("net.pick.kept.upload", lang="en") in [c.value for c in at.caption]
    assert t("net.pick.uploaded", lang="en", name="one.png") in [c.value for c in at.caption]
    assert at.subheader[0].value == t("saliency.page.maps", lang="en", digit=1)
    at.radio(key="digit_source").set_value("test").run()
    assert at.selectbox(key="digit_class").value == "4"
    assert at.number_input(key="digit_index").value in np.flatnonzero(data.y_test == 4)


def test_saliency_opened_first_shows_a_test_digit():
    at = open_page(SALIENCY, "es")
    assert at.radio(key="digit_source").value == "test"
    assert at.number_input(key="digit_index").value == 0
    assert not at.info


# --- the class and "wrong only" filters ---------------------------------------------------------


def test_choosing_a_class_shows_a_digit_of_that_class_at_once(data):
    at = open_page(NET, "en")
    at.selectbox(key="digit_class").set_value("3").run()
    threes = np.flatnonzero(data.y_test == 3)
    index = at.number_input(key="digit_index").value
    assert index == threes[0]  # the first 3 after digit 0
    assert headline(at)  # a prediction for it
    assert t("net.pick.outside_filter", lang="en") not in [c.value for c in at.caption]
    # A digit that already matches stays.
    at.number_input(key="digit_index").set_value(int(threes[5])).run()
    at.selectbox(key="digit_class").set_value("3").run()
    at.toggle(key="digit_wrong").set_value(False).run()
    assert at.number_input(key="digit_index").value == threes[5]


def test_wrong_only_keeps_a_wrong_digit_and_moves_off_a_right_one(data, wrong):
    at = open_page(NET, "en", digit_index=str(wrong[1]))
    at.toggle(key="digit_wrong").set_value(True).run()
    assert at.number_input(key="digit_index").value == wrong[1]
    at.toggle(key="digit_wrong").set_value(False).run()
    at.selectbox(key="digit_class").set_value(str(data.y_test[wrong[1]])).run()
    assert at.number_input(key="digit_index").value == wrong[1]


def test_when_no_test_digit_matches_the_page_says_so_and_keeps_its_digit(monkeypatch, data):
    import cnnviz.ui.network as network_ui

    # A network that reads every test digit right: "only the ones it gets wrong" finds none.
    monkeypatch.setattr(network_ui, "test_predictions", lambda network: data.y_test)
    at = open_page(NET, "es", digit_index="7")
    first = headline(at)
    at.toggle(key="digit_wrong").set_value(True).run()
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [t("net.pick.none", lang="es")]
    assert headline(at) == first  # still digit 7
    at.selectbox(key="digit_class").set_value("3").run()
    assert [i.value for i in at.info] == [t("net.pick.none_class", lang="es", digit="3")]
    assert headline(at) == first
    # Filters off again: the number the user had is still there.
    at.selectbox(key="digit_class").set_value("any").run()
    at.toggle(key="digit_wrong").set_value(False).run()
    assert at.number_input(key="digit_index").value == 7


# --- texts about the network describe the active one --------------------------------------------


def test_texts_describe_the_session_network_not_the_bundled_one(data):
    from cnnviz.nets.model import build_model, predict_batch

    keras.utils.set_random_seed(0)
    own = build_model()  # untrained: far from the bundled network's 98.6 %
    predicted = predict_batch(own, data.x_test).argmax(axis=1)
    accuracy = format_number(100 * np.mean(predicted == data.y_test), digits=1, lang="es")
    assert accuracy != "98,6"
    index = int(np.flatnonzero(predicted != data.y_test)[0])
    at = open_page(NET, "es", digit_index=str(index))
    at.session_state["session_model"] = own
    at.session_state["session_model_name"] = "Entrenamiento 1 · 9,8 %"
    at.run()
    assert not at.exception, at.exception
    label = int(data.y_test[index])
    expected = t("net.label_wrong", lang="es", label=label, accuracy=accuracy, count="2000")
    assert [w.value for w in at.warning] == [expected]
    intro = t("net.intro_session", lang="es", name="Entrenamiento 1 · 9,8 %")
    assert at.caption[0].value == intro
    # The bundled network, chosen again: its own measured accuracy, in its label too.
    at.segmented_control(key="network").set_value("digits").run()
    assert at.caption[0].value == t("net.intro", lang="es")
    assert "98,6" in at.segmented_control(key="network").format_func("digits")


def test_layer_explanations_name_this_network_sizes_and_layers():
    from cnnviz.ui.network import Network, layer_explanation

    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Conv2D(4, 5, activation="relu", name="c5")(inputs)
    x = keras.layers.Conv2D(4, 3, name="c3")(x)
    x = keras.layers.AveragePooling2D(3, name="avg")(x)
    x = keras.layers.MaxPooling2D((2, 1), name="max")(x)
    x = keras.layers.Dropout(0.5, name="drop")(x)
    x = keras.layers.BatchNormalization(name="norm")(x)
    network = Network(keras.Model(inputs, x), "test", "")
    assert layer_explanation(network, "c5") == t(
        "net.maps.explain.Conv2D_activated", name="c5", activation="relu"
    )
    assert layer_explanation(network, "c3") == t("net.maps.explain.Conv2D", name="c3")
    assert "3×3" in layer_explanation(network, "avg")
    assert layer_explanation(network, "avg") == t(
        "net.maps.explain.AveragePooling2D", name="avg", size="3×3"
    )
    assert layer_explanation(network, "max") == t(
        "net.maps.explain.MaxPooling2D", name="max", size="2×1"
    )
    assert layer_explanation(network, "drop") == t("net.maps.explain.Dropout", name="drop")
    assert layer_explanation(network, "norm") == t(
        "net.maps.explain.other", name="norm", type="BatchNormalization"
    )
