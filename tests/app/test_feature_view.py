"""The trained-network page's feature-visualisation view, for the digit and colour networks."""

from __future__ import annotations

from dataclasses import replace

import keras  # TensorFlow imported before any test: Hypothesis would time its import
import numpy as np
import pytest

from cnnviz.i18n import InputError, format_count, format_number, t
from cnnviz.nets import feature_vis as fv
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
from cnnviz.nets.model import load_trained_model
from cnnviz.ui import feature_view
from tests.app.helpers import open_page
from tests.app.test_network_pages import NET

assert keras  # imported for its side effect above
RUN_TIMEOUT = 300  # seconds: the first run loads TensorFlow and a network on a shared machine
STEPS = 8  # few steps: the view is what is tested here, the ascent in tests/nets


def open_view(lang: str, **params: str):
    return open_page(
        NET, lang, timeout=RUN_TIMEOUT, net_view="features", features_steps=str(STEPS), **params
    )


def expected_summary(model, layer, unit, unit_name, images, lang) -> str:
    result = fv.visualise(model, layer, unit, replace(fv.DEFAULTS, steps=STEPS))
    table = fv.activation_table(model, layer, images)
    key = "features.compare_class" if layer == fv.CLASS_LAYER else "features.compare"
    return t(
        key,
        lang=lang,
        unit=unit_name,
        generated=format_number(result.activation, digits=2, lang=lang),
        best=format_number(float(table.means[:, unit].max()), digits=2, lang=lang),
        count=format_count(len(images), lang=lang),
    )


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_digit_filter_is_visualised_with_the_cores_numbers(lang):
    at = open_view(lang, features_layer="conv1", features_filter="3")
    assert not at.exception and not at.error
    model = load_trained_model()
    images = load_mnist_subset().x_test.astype(np.float32)[..., None] / 255
    unit_name = t("features.unit.filter", lang=lang, index=3, layer="conv1")
    markdown = [m.value for m in at.markdown]
    assert f"**{t('features.generated', lang=lang, unit=unit_name)}**" in markdown
    assert expected_summary(model, "conv1", 3, unit_name, images, lang) in markdown
    # conv1 is 3x3: the outlined field is 3 x 3 pixels.
    top = t("features.top", lang=lang, count=9, unit=unit_name, rows=3, cols=3)
    assert top in [c.value for c in at.caption]
    assert t("features.scale.as_is", lang=lang) in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_colour_class_is_named_in_the_language(lang):
    at = open_view(lang, network="colour", features_layer="class", features_class="7")
    assert not at.exception and not at.error
    cifar = load_cifar_subset()
    name = cifar.class_label(7, lang=lang)
    assert at.selectbox(key="features_class").value == "7"
    unit_name = t("features.unit.class", lang=lang, name=name)
    images = cifar.x_test.astype(np.float32) / 255
    expected = expected_summary(load_cifar_model(), "class", 7, unit_name, images, lang)
    assert expected in [m.value for m in at.markdown]
    assert t("features.top_class", lang=lang, count=9, unit=unit_name) in [
        c.value for c in at.caption
    ]


def test_switching_every_regulariser_off_says_so_and_stretches_the_picture():
    at = open_view("en", features_layer="conv2", features_filter="5")
    for name in feature_view.SWITCHES:
        at.toggle(key=f"features_{name}").set_value(False).run()
    assert not at.exception
    assert t("features.bare", lang="en") in [i.value for i in at.info]
    result = fv.visualise(
        load_trained_model(), "conv2", 5, fv.without_regularisers(replace(fv.DEFAULTS, steps=STEPS))
    )
    low, high = (
        format_number(float(v), digits=2, lang="en")
        for v in (result.image.min(), result.image.max())
    )
    assert t("features.scale.stretched", lang="en", low=low, high=high) in [
        c.value for c in at.caption
    ]


def test_a_finished_run_is_kept_for_the_next_visit():
    at = open_view("en", features_layer="conv2", features_filter="1")
    key = ("bundled", "conv2", 1, replace(fv.DEFAULTS, steps=STEPS))
    kept = feature_view._results().get(key)
    assert kept is not None
    at.segmented_control(key="net_view").set_value("maps").run()
    at.segmented_control(key="net_view").set_value("features").run()
    assert feature_view._results().get(key) is kept  # the same object: not computed again


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize(
    ("layer", "key", "fields"),
    [
        ("flatten", "error.features_no_filters", {"kind": "Flatten"}),
        ("pool1", "error.features_no_filters", {"kind": "MaxPooling2D"}),
        ("nope", "error.features_unknown_layer", {}),
    ],
)
def test_a_link_to_a_layer_without_filters_says_why_in_the_language(lang, layer, key, fields):
    at = open_view(lang, features_layer=layer)
    assert not at.exception
    name = layer if key.endswith("no_filters") else repr(layer)
    message = InputError(key, layer=name, layers="conv1, conv2", **fields).message(lang)
    assert [e.value for e in at.error] == [message]
    # The view goes on with the default layer.
    assert at.selectbox(key="features_layer").value == "conv2"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_a_link_to_a_filter_out_of_range_is_replaced_and_said(lang):
    at = open_view(lang, features_layer="conv1", features_filter="99")
    assert not at.exception
    assert at.number_input(key="features_filter").value == 15
    assert any("features_filter" in w.value and "99" in w.value for w in at.warning)


def test_a_network_trained_in_this_session_has_the_view_too():
    from cnnviz.nets.model import build_model, fingerprint

    keras.utils.set_random_seed(0)
    own = build_model()  # untrained: its own weights, the same layer names
    at = open_view("en", features_layer="conv1", features_filter="4")
    at.session_state["session_model"] = own
    at.session_state["session_model_name"] = "Run 1"
    at.run()
    assert not at.exception, at.exception
    assert at.segmented_control(key="network").value == "session"
    assert not at.error
    key = (f"session-{fingerprint(own)}", "conv1", 4, replace(fv.DEFAULTS, steps=STEPS))
    kept = feature_view._results().get(key)
    expected = fv.visualise(own, "conv1", 4, replace(fv.DEFAULTS, steps=STEPS))
    np.testing.assert_array_equal(kept.image, expected.image)
