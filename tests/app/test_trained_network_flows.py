"""What a new user tripped over on the network pages: Saliency after Trained network, filters."""

from __future__ import annotations

import keras  # noqa: F401  (TensorFlow imported before any test: Hypothesis times the first)
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import t
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
    assert at.segmented_control(key="digit_source").value == "test"
    assert at.number_input(key="digit_index").value == 12
    caption = t("net.pick.test_caption", lang=lang, index=12, label=int(data.y_test[12]))
    assert caption in [c.value for c in at.caption]
    assert at.query_params.get("digit_source") in (None, [])  # "test", the default: not written


def test_saliency_keeps_the_class_filter_and_an_uploaded_digit(data):
    picture = np.full((120, 90), 255, dtype=np.uint8)
    picture[20:100, 40:52] = 0  # a thick dark "1" on white paper
    at = open_page(NET, "en")
    at.selectbox(key="digit_class").set_value("4").run()
    at.segmented_control(key="digit_source").set_value("upload").run()
    at.file_uploader(key="digit_upload").set_value(("one.png", png_bytes(picture), "image/png"))
    at.run()
    assert headline(at).startswith("The network says: 1")
    at.switch_page(SALIENCY).run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="digit_source").value == "upload"
    # The upload widget starts empty on this page; the uploaded digit stays, and the page says so.
    assert t("net.pick.kept.upload", lang="en") in [c.value for c in at.caption]
    assert t("net.pick.uploaded", lang="en", name="one.png") in [c.value for c in at.caption]
    assert at.subheader[0].value == t("saliency.page.maps", lang="en", digit=1)
    at.segmented_control(key="digit_source").set_value("test").run()
    assert at.selectbox(key="digit_class").value == "4"
    assert at.number_input(key="digit_index").value in np.flatnonzero(data.y_test == 4)


def test_saliency_opened_first_shows_a_test_digit():
    at = open_page(SALIENCY, "es")
    assert at.segmented_control(key="digit_source").value == "test"
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
