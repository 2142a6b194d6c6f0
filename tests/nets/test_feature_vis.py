"""Tests of cnnviz.nets.feature_vis on models whose answers are known in closed form."""

from __future__ import annotations

from dataclasses import replace

import keras  # imported first at the top: Hypothesis and TensorFlow's first import clash
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import feature_math
from cnnviz.i18n import InputError
from cnnviz.nets import feature_vis as fv
from tests.nets.helpers import assert_actionable

BARE = fv.FeatureSettings(jitter=0, blur=0.0, tv=0.0, l2=0.0, clip=False)


@pytest.fixture(scope="module")
def linear():
    """Flatten + Dense(2) with a softmax: its logits are linear in the 4x5x1 input."""
    model = keras.Sequential(
        [
            keras.Input((4, 5, 1)),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dense(2, activation="softmax", name="dense"),
        ]
    )
    rng = np.random.default_rng(1)
    # Every weight at least 0.5 from zero: each pixel moves at a known pace.
    kernel = (rng.choice([-1, 1], (20, 2)) * rng.uniform(0.5, 1.5, (20, 2))).astype(np.float32)
    model.get_layer("dense").set_weights([kernel, np.array([0.5, -1.0], np.float32)])
    return model, kernel


@pytest.fixture(scope="module")
def conv_pool():
    """Conv2D 3x3 (2 filters, ReLU layer) then MaxPooling 2x2 then a Dense head, on 8x8x1."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(2, 3, name="conv")(inputs)
    x = keras.layers.Activation("relu", name="relu")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.Conv2D(3, 1, name="conv_b")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    outputs = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(2)
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.normal(size=w.shape).astype(np.float32) for w in layer.weights])
    return model


def test_l2_alone_converges_to_the_weights_over_twice_lambda_times_the_scale(linear):
    model, kernel = linear
    lam = 0.5
    result = fv.visualise(model, fv.CLASS_LAYER, 1, replace(BARE, l2=lam, rate=0.5, steps=200))
    weights = kernel[:, 1].reshape(4, 5, 1)
    scale = float(np.sqrt(np.mean(weights.astype(np.float64) ** 2)))
    assert result.scale == pytest.approx(scale, rel=1e-6)
    # J = w.x + b - s λ ||x||²: its gradient vanishes at x* = w / (2 s λ).
    np.testing.assert_allclose(result.image, weights / (2 * scale * lam), rtol=1e-4, atol=1e-5)
    assert result.activation == pytest.approx(float((weights**2).sum() / (2 * scale * lam)) - 1.0)
    # The objective climbs to J(x*) = |w|² / (4 s λ) + b.
    assert result.objective[-1] == pytest.approx(float((weights**2).sum() / (4 * scale * lam)) - 1)
    assert np.all(np.diff(result.objective) >= -1e-5)


def test_with_the_clip_each_pixel_goes_to_the_bound_of_its_weights_sign(linear):
    model, kernel = linear
    result = fv.visualise(model, fv.CLASS_LAYER, 0, replace(BARE, clip=True, steps=60, rate=0.2))
    np.testing.assert_array_equal(result.image[..., 0], (kernel[:, 0] > 0).reshape(4, 5))


def test_the_penalties_in_the_objective_are_the_cores_formulas(linear):
    model, kernel = linear
    start = np.random.default_rng(3).random((4, 5, 1)).astype(np.float32)
    tv, l2 = 0.3, 0.2
    chosen = replace(BARE, tv=tv, l2=l2, steps=1)
    result = fv.visualise(model, fv.CLASS_LAYER, 0, chosen, start=start)
    weights = kernel[:, 0].astype(np.float64)
    scale = np.sqrt(np.mean(weights**2))
    expected = (
        weights @ start.ravel()
        + 0.5
        - scale * (tv * feature_math.total_variation(start) + l2 * feature_math.l2_penalty(start))
    )
    assert result.objective[0] == pytest.approx(expected, rel=1e-5)


def test_the_step_rolls_the_input_by_the_jitter(conv_pool):
    # The filter's mean under a roll equals the mean of the rolled image's map: check that
    # one jittered step's objective is the activation of np.roll(start, shift).
    start = np.random.default_rng(4).random((8, 8, 1)).astype(np.float32)
    chosen = fv.FeatureSettings(steps=1, jitter=3, blur=0.0, tv=0.0, l2=0.0, clip=False, seed=2)
    result = fv.visualise(conv_pool, "conv", 1, chosen, start=start)
    shift = feature_math.jitter_shifts(np.random.default_rng(3), 1, 3)[0]  # seed + 1
    assert shift.any()
    rolled = feature_math.jitter(start, shift)[None].astype(np.float32)
    maps = np.asarray(keras.Model(conv_pool.inputs[0], conv_pool.get_layer("conv").output)(rolled))
    # The mean after the ReLU, or before it when the filter is off on this input.
    expected = maps[..., 1].mean() if result.pre_relu else np.maximum(maps[..., 1], 0).mean()
    assert result.objective[0] == pytest.approx(float(expected), rel=1e-5)
    # Without the roll the value differs: the test would notice a step that forgot it.
    plain = np.asarray(
        keras.Model(conv_pool.inputs[0], conv_pool.get_layer("conv").output)(start[None])
    )
    unrolled = plain[..., 1].mean() if result.pre_relu else np.maximum(plain[..., 1], 0).mean()
    assert abs(float(unrolled) - float(expected)) > 1e-3


def test_seeded_runs_are_identical_and_other_seeds_differ(conv_pool):
    chosen = replace(fv.DEFAULTS, steps=12)
    first = fv.visualise(conv_pool, "conv_b", 2, chosen)
    again = fv.visualise(conv_pool, "conv_b", 2, chosen)
    other = fv.visualise(conv_pool, "conv_b", 2, replace(chosen, seed=1))
    np.testing.assert_array_equal(first.image, again.image)
    np.testing.assert_array_equal(first.objective, again.objective)
    assert not np.array_equal(first.image, other.image)


def test_progress_is_called_once_per_step_and_the_clip_holds(conv_pool):
    calls = []
    result = fv.visualise(
        conv_pool, "conv", 0, replace(fv.DEFAULTS, steps=9), progress=lambda *a: calls.append(a)
    )
    assert calls == [(k, 9) for k in range(1, 10)]
    assert result.image.shape == (8, 8, 1) and result.objective.shape == (9,)
    assert result.image.min() >= 0.0 and result.image.max() <= 1.0


def test_a_filter_off_on_the_noise_climbs_its_mean_before_the_relu():
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(1, 3, name="conv")(inputs)
    x = keras.layers.Activation("relu", name="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x)))
    # Every weight -1: on noise around 0.5 the filter gives about -4.5, off everywhere.
    model.get_layer("conv").set_weights([-np.ones((3, 3, 1, 1), np.float32), np.zeros(1)])
    result = fv.visualise(model, "conv", 0, replace(BARE, clip=True, steps=20, rate=0.2))
    assert result.pre_relu
    np.testing.assert_array_equal(result.image, 0.0)  # the climb made it as dark as it goes


def test_a_filter_switched_on_by_the_climb_then_climbs_its_mean_after_the_relu():
    inputs = keras.Input((6, 6, 1))
    x = keras.layers.Conv2D(1, 3, name="conv")(inputs)
    x = keras.layers.Activation("relu", name="relu")(x)
    model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x)))
    # z = 4 - (sum of the 3x3 window): about -0.5 on noise around 0.5 (off), on once darker.
    model.get_layer("conv").set_weights([-np.ones((3, 3, 1, 1), np.float32), np.full(1, 4.0)])
    result = fv.visualise(model, "conv", 0, replace(BARE, clip=True, steps=40, rate=0.05))
    assert result.pre_relu  # it started before the ReLU ...
    window_sums = np.lib.stride_tricks.sliding_window_view(result.image[..., 0], (3, 3)).sum(
        axis=(2, 3)
    )
    rectified = np.maximum(4.0 - window_sums, 0.0).mean()
    assert result.activation == pytest.approx(float(rectified), rel=1e-5)
    # ... and ended after it: the last steps' objective is the rectified mean, well above 0.
    assert result.activation > 1.0
    assert result.objective[-1] == pytest.approx(result.activation, rel=0.05)


def test_on_the_digit_network_the_pictures_beat_the_test_images():
    # The page calls the picture "the input the filter likes most": with the default
    # settings it should excite the filter more than any of the 2,000 test digits, for all
    # but a few of conv2's filters (most of which start off on the noise).
    from cnnviz.nets.datasets import load_mnist_subset
    from cnnviz.nets.model import load_trained_model

    model = load_trained_model()
    digits = load_mnist_subset().x_test[..., None].astype(np.float32) / 255
    best = fv.activation_table(model, "conv2", digits).means.max(axis=0)
    made = np.array([fv.visualise(model, "conv2", unit).activation for unit in range(best.size)])
    assert np.mean(made > best) >= 0.9, np.flatnonzero(made <= best)


def brute_force_top(model, layer, images, unit, count):
    """The images ranked by the unit's largest value, computed with one plain Keras pass."""
    cut = keras.Model(model.inputs[0], model.get_layer(layer).output)
    maps = np.maximum(np.asarray(cut(images)), 0.0)[..., unit]  # the ReLU after the layer
    peaks = maps.reshape(len(maps), -1)
    order = sorted(range(len(images)), key=lambda i: (-peaks[i].max(), i))[:count]
    return order, [np.unravel_index(int(np.argmax(peaks[i])), maps.shape[1:]) for i in order]


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 1), st.integers(1, 12), st.integers(0, 2**16))
def test_top_images_agree_with_a_brute_force_ranking(conv_pool, unit, count, seed):
    images = np.random.default_rng(seed).random((40, 8, 8, 1)).astype(np.float32)
    table = fv.activation_table(conv_pool, "conv", images)
    fields = fv.receptive_fields(conv_pool, "conv")
    found = fv.top_images(table, unit, count, fields, (8, 8))
    order, places = brute_force_top(conv_pool, "conv", images, unit, count)
    assert [item.index for item in found] == order
    assert [item.unit for item in found] == [(int(r), int(c)) for r, c in places]
    for item in found:  # a 3x3 convolution: unit (i, j) sees rows i..i+2, columns j..j+2
        row, col = item.unit
        assert item.box == (row, col, row + 2, col + 2)


def test_the_box_after_conv_and_pool_is_rows_2i_to_2i_plus_3(conv_pool):
    fields = fv.receptive_fields(conv_pool, "conv_b")  # 1x1 after the pool: the pool's field
    assert feature_math.unit_box(fields, 1, 2, (8, 8)) == (2, 4, 5, 7)


def test_class_top_images_rank_logits_without_a_box(linear):
    model, kernel = linear
    images = np.random.default_rng(7).random((30, 4, 5, 1)).astype(np.float32)
    table = fv.activation_table(model, fv.CLASS_LAYER, images)
    logits = images.reshape(30, -1) @ kernel + np.array([0.5, -1.0])
    found = fv.top_images(table, 1, 5, None, (4, 5))
    assert [item.index for item in found] == list(np.argsort(-logits[:, 1], kind="stable")[:5])
    assert all(item.box is None and item.unit is None for item in found)
    np.testing.assert_allclose(
        [item.value for item in found], np.sort(logits[:, 1])[::-1][:5], rtol=1e-5
    )


@pytest.mark.parametrize(
    ("layer", "key"),
    [
        ("pool", "error.features_no_filters"),
        ("flatten", "error.features_no_filters"),
        ("logits", "error.features_no_filters"),
        ("relu", "error.features_no_filters"),
        ("nope", "error.features_unknown_layer"),
    ],
)
def test_a_layer_without_filters_is_refused(conv_pool, layer, key):
    with pytest.raises(InputError) as err:
        fv.visualise(conv_pool, layer, 0)
    assert_actionable(err.value, key, layer)


@pytest.mark.parametrize("unit", [-1, 2, 2.0, True, "0"])
def test_a_filter_out_of_range_is_refused(conv_pool, unit):
    with pytest.raises(InputError) as err:
        fv.visualise(conv_pool, "conv", unit)
    assert err.value.key == "error.features_unit_range"


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"steps": 0}, "error.features_steps"),
        ({"steps": 10_000}, "error.features_steps"),
        ({"steps": 5.0}, "error.features_steps"),
        ({"rate": 0.0}, "error.features_rate"),
        ({"rate": float("nan")}, "error.features_rate"),
        ({"rate": 5.0}, "error.features_rate"),
        ({"seed": -1}, "error.features_seed"),
        ({"tv": -0.1}, "error.features_regulariser"),
        ({"blur_every": 0}, "error.features_regulariser"),
    ],
)
def test_settings_out_of_range_are_refused(conv_pool, changes, key):
    with pytest.raises(InputError) as err:
        fv.visualise(conv_pool, "conv", 0, replace(fv.DEFAULTS, **changes))
    assert err.value.key == key
