"""The saliency page's Shapley section, in both languages: the numbers on screen are the core's."""

from __future__ import annotations

import keras  # noqa: F401  (TensorFlow imported at the top: Hypothesis-safe, and settled)
import numpy as np
import pytest

from cnnviz.i18n import format_count, format_number, t
from cnnviz.nets import shapley
from cnnviz.nets.model import load_trained_model
from tests.app.helpers import open_page

SALIENCY = "app_pages/saliency.py"


def core_values(at, **kwargs) -> shapley.RegionShapley:
    """What the core gives for the page's digit and predicted class."""
    digit = at.session_state["digit_last"].digit
    model = load_trained_model()
    image = np.asarray(digit, np.float32).reshape(28, 28, 1)
    class_index = int(np.argmax(model(image[None], training=False)))
    return shapley.shapley_values(model, digit, class_index, **kwargs), class_index


def efficiency_text(result, lang: str) -> str:
    number = lambda v: format_number(v, digits=3, lang=lang)  # noqa: E731
    return t(
        "shapley.efficiency",
        lang=lang,
        total=number(result.total),
        full=number(result.full),
        empty=number(result.empty),
        difference=number(result.full - result.empty),
        mark="✓",
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_efficiency_line_shows_the_cores_numbers(lang):
    at = open_page(SALIENCY, lang, digit_index="0")
    found, class_index = core_values(at, grid=4, permutations=32, seed=0)
    result = found.result
    assert result.total == pytest.approx(result.full - result.empty, abs=1e-9)
    assert efficiency_text(result, lang) in [m.value for m in at.success]
    # the region list names every region with its value, and the chosen one is the largest
    region = at.selectbox(key="shap_region")
    assert len(region.options) == 16
    biggest = int(np.argmax(np.abs(result.values)))
    assert region.value == str(biggest)
    walk, _, _ = shapley.permutation_walk(
        load_trained_model(), at.session_state["digit_last"].digit, class_index, biggest, grid=4
    )
    before = format_number(walk.value_before, digits=3, lang=lang)
    assert any(before in m.value and str(biggest + 1) in m.value for m in at.markdown)
    note = t(
        "shapley.sampled_note",
        lang=lang,
        permutations=32,
        evaluations=format_count(result.evaluations, lang),
        error=format_number(result.standard_errors.max(), digits=3, lang=lang),
        seconds="§",
    )
    head, tail = note.split("§")  # the time differs from run to run
    assert any(c.value.startswith(head) and c.value.endswith(tail) for c in at.caption)


def test_exact_values_for_a_small_grid_from_a_link():
    at = open_page(SALIENCY, "en", digit_index="0", shap_grid="3", shap_method="exact")
    found, _ = core_values(at, grid=3, permutations=None)
    assert found.result.exact
    assert efficiency_text(found.result, "en") in [m.value for m in at.success]
    assert any("512 coalitions of the 9 regions" in c.value for c in at.caption)
    assert at.radio(key="shap_method").options == [
        "Sampled permutations",
        "Exact (every coalition)",
    ]


def test_a_link_asking_exact_values_for_a_large_grid_gets_sampled_ones_and_says_so():
    at = open_page(SALIENCY, "en", digit_index="0", shap_grid="6", shap_method="exact")
    expected = t("shapley.exact_needs_small_grid", lang="en", high=12)
    assert expected in [c.value for c in at.caption]
    assert at.radio(key="shap_method").value == "sampled"
    assert len(at.selectbox(key="shap_region").options) == 36


@pytest.mark.parametrize(
    ("params", "key", "value"),
    [
        ({"shap_grid": "99"}, "shap_grid", 8),  # out of range: the nearest end, and a notice
        ({"shap_perm": "abc"}, "shap_perm", 32),  # not a number: the default
        ({"shap_seed": "-4"}, "shap_seed", 0),
    ],
)
def test_link_nonsense_gets_a_notice_and_a_valid_setting(params, key, value):
    at = open_page(SALIENCY, "es", digit_index="0", **params)
    widget = at.slider(key=key) if key == "shap_grid" else at.number_input(key=key)
    assert widget.value == value
    assert any(params[key] in w.value for w in at.warning)
    assert any("Eficiencia" in m.value and "✓" in m.value for m in at.success)


def test_choosing_another_region_walks_it_through():
    at = open_page(SALIENCY, "en", digit_index="0")
    at.selectbox(key="shap_region").set_value("0").run()
    assert not at.exception
    walk = next(m.value for m in at.markdown if m.value.startswith("In this order region 1 "))
    # region 1 is a corner of black background on a black baseline: a dummy, value 0
    assert walk.endswith("= **0**.")
    assert at.query_params["shap_region"] == "0"


def test_blurred_baseline_and_more_permutations():
    at = open_page(SALIENCY, "en", digit_index="0")
    at.selectbox(key="shap_base").set_value("blurred").run()
    at.number_input(key="shap_perm").set_value(64).run()
    assert not at.exception
    found, _ = core_values(at, grid=4, baseline="blurred", permutations=64, seed=0)
    assert efficiency_text(found.result, "en") in [m.value for m in at.success]
