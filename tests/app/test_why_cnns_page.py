"""The "Why CNNs work" page in both languages, driven by widget keys; its numbers are the core's."""

import numpy as np
import pytest

from app_pages.why_cnns import sparse
from cnnviz.core.equivariance import recognised_span, unit_field
from cnnviz.i18n import format_count, t
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.equivariance import layer_fields, shift_sweep
from cnnviz.nets.model import load_trained_model
from cnnviz.ui.pages import PageEntry
from tests.app.helpers import open_page

PAGE = "app_pages/why_cnns/page.py"
GAP = "0 %"  # a gap at rounding level, as the page prints it


def markdown(at) -> list[str]:
    return [m.value for m in at.markdown]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_view_renders_in_both_languages(lang):
    at = open_page(PAGE, lang)
    assert at.title[0].value == t("why.title", lang=lang)
    for view in ("shift", "hierarchy", "sparse"):
        at.segmented_control(key="why_view").set_value(view).run()
        assert not at.exception, at.exception
        assert not at.error


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_cost_table_and_lines_give_the_cores_counts(lang):
    at = open_page(PAGE, lang)
    table = at.dataframe[0].value
    conv = table[t("why.sparse.conv", lang=lang)].tolist()
    dense = table[t("why.sparse.dense", lang=lang)].tolist()
    ratio = table[t("why.sparse.ratio", lang=lang)].tolist()
    # Hand values, grouped as the language groups them (a no-break space in Spanish).
    macs, params, times = (format_count(n, lang) for n in (97_344, 8_490_560, 53_066))
    times += "×"
    assert conv[:4] == ["9", "160", macs, "144"]
    assert dense[:2] == ["784", params]
    assert ratio[:2] == ["87×", times]
    line = t(
        "why.sparse.line", lang=lang, layer="conv1", input="28 × 28 × 1", output="26 × 26 × 16",
        seen="9", total="784", share="1.1" if lang == "en" else "1,1", filters=16, positions="676",
    )  # fmt: skip
    assert any(line in text for text in markdown(at))


def test_the_matrix_page_is_linked_only_when_the_app_has_it(monkeypatch):
    from cnnviz.ui import pages

    without = tuple(entry for entry in pages.PAGES if entry.url_path != "conv-matrix")
    monkeypatch.setattr(pages, "PAGES", without)
    assert sparse.matrix_page() is None
    entry = PageEntry("app_pages/x.py", "x", ":material/grid_on:", "conv-matrix", "s")
    monkeypatch.setattr(pages, "PAGES", (*without, entry))
    assert sparse.matrix_page() is entry


@pytest.mark.parametrize("lang", ["en", "es"])
def test_pooling_breaks_equivariance_for_odd_shifts_only(lang):
    at = open_page(PAGE, lang, why_view="shift")
    assert at.selectbox(key="why_layer").value == "pool1"
    assert at.slider(key="why_k").value == 1
    texts = markdown(at)
    odd = [text for text in texts if text.startswith("**pool1**, k = 1")]
    assert odd and "50" in odd[0]  # the best whole move misses by about half the output
    exact = t("why.maps.exact", lang=lang, layer="pool1", shift=1, jump=2, gap=GAP)
    assert exact not in texts
    at.slider(key="why_k").set_value(2).run()
    exact = t("why.maps.exact", lang=lang, layer="pool1", shift=2, jump=2, gap=GAP)
    assert exact in markdown(at)
    at.selectbox(key="why_layer").set_value("conv1").run()
    at.slider(key="why_k").set_value(-5).run()
    exact = t("why.maps.exact", lang=lang, layer="conv1", shift=-5, jump=1, gap=GAP)
    assert exact in markdown(at)


def test_a_smaller_reach_brings_the_shift_inside_it():
    at = open_page(PAGE, "en", why_view="shift", why_k="6")
    assert at.slider(key="why_k").value == 6
    at.slider(key="why_reach").set_value(2).run()
    assert not at.exception, at.exception
    assert at.slider(key="why_k").value == 2


@pytest.mark.parametrize("direction", ["cols", "diagonal"])
def test_the_prediction_view_says_where_the_digit_stops_being_recognised(direction):
    at = open_page(PAGE, "en", why_view="shift", why_measure="prediction")
    at.radio(key="why_direction").set_value(direction).run()
    step = (0, 1) if direction == "cols" else (1, 1)
    digit = load_mnist_subset().x_test[0].astype(np.float32) / 255
    steps = list(range(-6, 7))
    sweep = shift_sweep(load_trained_model(), digit, [(k * step[0], k * step[1]) for k in steps])
    low, high = recognised_span(steps, sweep.probabilities.argmax(axis=1))
    assert t("why.shift.recognised", lang="en", digit=7, low=low, high=high) in markdown(at)


@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_fields_of_a_chosen_unit_grow_3_4_8_10(lang):
    at = open_page(PAGE, lang, why_view="hierarchy")
    at.radio(key="why_unit").set_value("chosen").run()
    at.number_input(key="why_row").set_value(3).run()
    at.number_input(key="why_col").set_value(1).run()
    table = at.dataframe[0].value
    sizes = table[t("why.field.table.size", lang=lang)].tolist()
    assert sizes == ["3×3", "4×4", "8×8", "10×10"]
    units = table[t("why.field.table.unit", lang=lang)].tolist()
    assert units[-1] == "(3, 1)"
    box = unit_field(layer_fields(load_trained_model())["pool2"], 3, 1)
    span = t("why.field.table.span", lang=lang, top=box.top, left=box.left, bottom=box.bottom,
             right=box.right)  # fmt: skip
    assert table[t("why.field.table.pixels", lang=lang)].tolist()[-1] == span


def test_a_layer_with_fewer_filters_brings_the_filter_inside_it():
    at = open_page(PAGE, "en", why_view="hierarchy")
    at.number_input(key="why_filter").set_value(31).run()
    at.selectbox(key="why_field_layer").set_value("conv1").run()
    assert not at.exception, at.exception
    assert at.number_input(key="why_filter").value == 15


def _own_model(dense_only: bool):
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    if not dense_only:
        x = layers.Conv2D(4, 5, strides=2, padding="same", name="c")(x)
        x = layers.Activation("relu", name="r")(x)
        x = layers.AveragePooling2D(2, name="p")(x)
    x = layers.Flatten(name="f")(x)
    x = layers.Dense(10, name="d")(x)
    return keras.Model(inputs, layers.Activation("softmax", name="s")(x))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_strided_network_of_this_session_is_measured_with_its_own_strides(lang):
    at = open_page(PAGE, lang, why_view="shift")
    at.session_state["session_model"] = _own_model(dense_only=False)
    at.session_state["session_model_name"] = "Run 1"
    at.run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="digit_network").value == "session"
    # c: a 5x5 convolution with stride 2 ("same"): one unit's jump is 2 pixels, so k = 1 misses.
    at.selectbox(key="why_layer").set_value("c").run()
    assert any(text.startswith("**c**, k = 1") for text in markdown(at))
    assert t("why.maps.exact", lang=lang, layer="c", shift=1, jump=2, gap=GAP) not in markdown(at)
    at.slider(key="why_k").set_value(2).run()
    assert t("why.maps.exact", lang=lang, layer="c", shift=2, jump=2, gap=GAP) in markdown(at)
    at.segmented_control(key="why_view").set_value("hierarchy").run()
    assert not at.exception, at.exception
    sizes = at.dataframe[0].value[t("why.field.table.size", lang=lang)].tolist()
    assert sizes == ["5×5", "7×7"]  # the ReLU adds nothing; 2x2 pooling of jump 2 adds 2
    at.segmented_control(key="why_view").set_value("sparse").run()
    conv = at.dataframe[0].value[t("why.sparse.conv", lang=lang)].tolist()
    assert conv[:2] == ["25", "104"]  # 5x5x1 inputs; 25 * 4 weights + 4 biases


def test_a_dense_network_of_this_session_is_told_apart():
    at = open_page(PAGE, "en")
    at.session_state["session_model"] = _own_model(dense_only=True)
    at.session_state["session_model_name"] = "Run 2"
    at.run()
    assert at.info[-1].value == t("why.no_conv", lang="en")
    for view in ("shift", "hierarchy"):
        at.segmented_control(key="why_view").set_value(view).run()
        assert not at.exception, at.exception
        assert at.info[-1].value == t("why.no_maps", lang="en")


def test_a_reach_inside_which_the_digit_is_always_recognised_says_so():
    at = open_page(PAGE, "en", why_view="shift", why_measure="prediction", why_reach="2")
    # Test digit 0, a 7, is read as 7 for every shift of up to 2 pixels (see the test above).
    expected = t("why.shift.recognised_all", lang="en", digit=7, low=-2, high=2)
    assert expected in markdown(at)
