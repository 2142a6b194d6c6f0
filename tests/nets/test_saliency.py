"""Tests of cnnviz.nets.saliency on tiny hand-built Keras models whose right answers are known."""

from __future__ import annotations

import inspect
import itertools
import json
import os
import re
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.i18n import InputError, catalog
from cnnviz.nets import saliency
from cnnviz.nets.saliency import (
    DEFAULTS,
    METHODS,
    OPTION_RANGES,
    SaliencyOptions,
    SaliencyResult,
    class_score,
    compute_all,
    conv_layer_names,
    default_cam_layer,
    grad_cam,
    input_gradient,
    integrated_gradients,
    integrated_gradients_channels,
    normalize_map,
    occlusion,
    resize_bilinear,
    score_model,
    smoothgrad,
    vanilla_gradient,
    window_starts,
)
from tests.nets.helpers import assert_actionable

ROOT = Path(__file__).resolve().parents[2]
PROPERTY = settings(max_examples=40, deadline=None)

# The one-pixel model: 6x7 single-channel input, class 0's logit is WEIGHT * x[ROW, COL],
# class 1's is 0, then a softmax. Every method must look at that pixel only.
ROWS, COLS, ROW, COL, WEIGHT = 6, 7, 2, 4, 2.0


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def one_pixel():
    inputs = keras.Input((ROWS, COLS, 1))
    flat = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(2, name="logits")(flat)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(logits))
    kernel = np.zeros((ROWS * COLS, 2), np.float32)
    kernel[ROW * COLS + COL, 0] = WEIGHT
    model.get_layer("logits").set_weights([kernel, np.zeros(2, np.float32)])
    return model


@pytest.fixture(scope="module")
def linear():
    """Flatten + Dense(3) on a (5, 6, 2) input, random weights, no softmax."""
    rng = np.random.default_rng(1)
    model = keras.Sequential(
        [keras.Input((5, 6, 2)), keras.layers.Flatten(), keras.layers.Dense(3, name="logits")]
    )
    kernel = rng.standard_normal((60, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    model.get_layer("logits").set_weights([kernel, bias])
    return model, kernel, bias


@pytest.fixture(scope="module")
def smooth():
    """A small nonlinear network (tanh everywhere, so the IG path integral is smooth)."""
    rng = np.random.default_rng(2)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(3, 3, activation="tanh", name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(5, activation="tanh", name="hidden")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="logits")(x))
    for layer in model.layers:
        layer.set_weights([rng.normal(0, 0.7, w.shape).astype(np.float32) for w in layer.weights])
    return model


@pytest.fixture(scope="module")
def spot():
    """A bright-spot detector: 3x3 box filter, ReLU, max pool, GAP, Dense, softmax.

    Class 0's logit is the average of the rectified box-filtered image, class 1's minus it.
    """
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(x))
    model.get_layer("conv").set_weights([np.ones((3, 3, 1, 1), np.float32)])
    model.get_layer("logits").set_weights([np.array([[1.0, -1.0]], np.float32), np.zeros(2)])
    return model


def bright_spot(row: int = 2, col: int = 5) -> np.ndarray:
    image = np.zeros((8, 8), np.float32)
    image[row, col] = 1.0
    return image


@pytest.fixture(scope="module")
def pixel_image():
    image = np.random.default_rng(3).random((ROWS, COLS)).astype(np.float32)
    image[ROW, COL] = 0.8
    return image


# --- the score --------------------------------------------------------------------------


def test_score_model_takes_the_input_of_a_softmax_activation_layer(spot):
    x = np.random.default_rng(4).random((3, 8, 8, 1)).astype(np.float32)
    logits = keras.Model(spot.inputs[0], spot.get_layer("logits").output)(x)
    scores = score_model(spot)(x)
    np.testing.assert_allclose(scores, logits, rtol=1e-6)
    np.testing.assert_allclose(softmax(np.asarray(scores)), spot(x), rtol=1e-5, atol=1e-7)
    assert score_model(spot) is score_model(spot)  # cached


def test_score_model_strips_the_softmax_of_a_dense_layer_and_shares_its_weights():
    rng = np.random.default_rng(5)
    model = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    dense = model.layers[-1]
    kernel, bias = rng.standard_normal((16, 3)), rng.standard_normal(3)
    dense.set_weights([kernel, bias])
    x = rng.random((2, 4, 4, 1)).astype(np.float32)
    expected = x.reshape(2, 16) @ kernel + bias
    scores = score_model(model)
    np.testing.assert_allclose(scores(x), expected, rtol=1e-5)
    np.testing.assert_allclose(model(x), softmax(expected), rtol=1e-5)  # the model is untouched
    dense.kernel.assign(2 * kernel)  # shared, not copied: new weights show in the scores
    np.testing.assert_allclose(scores(x), x.reshape(2, 16) @ (2 * kernel) + bias, rtol=1e-5)
    assert score_model(model) is scores


def test_score_model_of_a_model_that_gives_logits_is_the_model(linear, smooth):
    assert score_model(linear[0]) is linear[0]
    assert score_model(smooth) is smooth


# --- gradients --------------------------------------------------------------------------


def test_gradient_of_a_linear_model_is_its_weights_exactly(linear):
    model, kernel, _ = linear
    image = np.random.default_rng(6).random((5, 6, 2)).astype(np.float32)
    for k in range(3):
        grad = input_gradient(model, image, k)
        np.testing.assert_array_equal(grad, kernel[:, k].reshape(5, 6, 2))
        np.testing.assert_array_equal(
            vanilla_gradient(model, image, k), np.abs(kernel[:, k].reshape(5, 6, 2)).max(axis=-1)
        )


def test_gradient_and_smoothgrad_of_the_one_pixel_model_are_that_pixel(one_pixel, pixel_image):
    expected = np.zeros((ROWS, COLS), np.float32)
    expected[ROW, COL] = WEIGHT
    grad = vanilla_gradient(one_pixel, pixel_image, 0)
    assert grad.shape == (ROWS, COLS) and grad.dtype == np.float32
    np.testing.assert_array_equal(grad, expected)
    # The gradient of a linear score is the same at every noisy copy.
    np.testing.assert_array_equal(smoothgrad(one_pixel, pixel_image, 0, samples=7), expected)
    np.testing.assert_array_equal(vanilla_gradient(one_pixel, pixel_image, 1), 0)


def test_smoothgrad_without_noise_is_the_gradient_and_the_seed_repeats(smooth):
    image = np.random.default_rng(7).random((8, 8)).astype(np.float32)
    np.testing.assert_allclose(
        smoothgrad(smooth, image, 1, samples=1, noise_level=0.0),
        vanilla_gradient(smooth, image, 1),
        rtol=1e-6,
    )
    first = smoothgrad(smooth, image, 1, samples=6, seed=3)
    np.testing.assert_array_equal(first, smoothgrad(smooth, image, 1, samples=6, seed=3))
    assert not np.array_equal(first, smoothgrad(smooth, image, 1, samples=6, seed=4))


def test_smoothgrad_is_the_mean_gradient_over_its_noisy_copies(smooth):
    image = np.random.default_rng(8).random((8, 8)).astype(np.float32)
    sigma = 0.2 * float(image.max() - image.min())
    noise = np.random.default_rng(11).normal(0.0, sigma, size=(4, 8, 8, 1))
    copies = (image[:, :, None] + noise).astype(np.float32)
    mean = np.mean([input_gradient(smooth, c, 2) for c in copies], axis=0)
    np.testing.assert_allclose(
        smoothgrad(smooth, image, 2, samples=4, noise_level=0.2, seed=11),
        np.abs(mean)[:, :, 0],
        rtol=1e-5,
        atol=1e-7,
    )


# --- Integrated Gradients ---------------------------------------------------------------


def test_integrated_gradients_of_the_one_pixel_model_is_weight_times_value(one_pixel, pixel_image):
    ig = integrated_gradients(one_pixel, pixel_image, 0, steps=5)
    expected = np.zeros((ROWS, COLS))
    expected[ROW, COL] = WEIGHT * 0.8
    np.testing.assert_allclose(ig, expected, rtol=1e-6, atol=0)


def test_integrated_gradients_of_a_linear_model_is_weights_times_input(linear):
    model, kernel, _ = linear
    image = np.random.default_rng(9).random((5, 6, 2)).astype(np.float32)
    baseline = np.full((5, 6, 2), 0.25, np.float32)
    channels = integrated_gradients_channels(model, image, 2, baseline=baseline, steps=3)
    np.testing.assert_allclose(
        channels, (image - 0.25) * kernel[:, 2].reshape(5, 6, 2), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        integrated_gradients(model, image, 2, baseline=0.25, steps=3),
        channels.sum(axis=-1),
        rtol=1e-6,
        atol=1e-7,
    )


@pytest.mark.parametrize(("steps", "tolerance"), [(16, 1e-2), (64, 1e-3)])
def test_integrated_gradients_completeness_on_a_nonlinear_model(smooth, steps, tolerance):
    rng = np.random.default_rng(10)
    image = rng.random((8, 8)).astype(np.float32)
    for baseline in (None, 0.5):
        for k in range(3):
            total = float(
                integrated_gradients(smooth, image, k, baseline=baseline, steps=steps).sum()
            )
            base = np.zeros((8, 8), np.float32) if baseline is None else np.full((8, 8), 0.5)
            change = class_score(smooth, image, k) - class_score(smooth, base, k)
            assert abs(change) > 0.05  # the check means something
            assert total == pytest.approx(change, abs=tolerance * max(1.0, abs(change)))


def test_integrated_gradients_with_one_step_is_the_trapezoid_of_the_two_ends(smooth):
    image = np.random.default_rng(12).random((8, 8, 1)).astype(np.float32)
    ends = input_gradient(smooth, image, 0) + input_gradient(smooth, np.zeros_like(image), 0)
    np.testing.assert_allclose(
        integrated_gradients_channels(smooth, image, 0, steps=1),
        image * ends / 2,
        rtol=1e-5,
        atol=1e-7,
    )


# --- Grad-CAM ---------------------------------------------------------------------------


def test_grad_cam_lights_the_bright_spot_only(spot):
    # Default layer: the ReLU after the conv. A = 3x3 box of ones around the spot;
    # the score's gradient w.r.t. A is 1/64 at each of the 16 pool winners, so alpha = 1/64.
    assert conv_layer_names(spot) == ("conv", "relu", "pool")
    assert default_cam_layer(spot) == "relu"
    cam = grad_cam(spot, bright_spot(), 0)
    expected = np.zeros((8, 8))
    expected[1:4, 4:7] = 1 / 64
    assert cam.shape == (8, 8) and cam.dtype == np.float32
    np.testing.assert_allclose(cam, expected, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(grad_cam(spot, bright_spot(), 0, layer_name="relu"), cam)
    # Class 1 has weight -1: its evidence is negative everywhere, and ReLU leaves nothing.
    np.testing.assert_array_equal(grad_cam(spot, bright_spot(), 1), 0)


def test_grad_cam_on_the_pooled_layer_is_upsampled_to_the_input(spot):
    coarse = np.zeros((4, 4))
    coarse[0:2, 2:4] = 1 / 16  # pool windows that see the box; alpha = 1/16
    np.testing.assert_allclose(
        grad_cam(spot, bright_spot(), 0, layer_name="pool", upsample=False), coarse, rtol=1e-6
    )
    cam = grad_cam(spot, bright_spot(), 0, layer_name="pool")
    assert cam.shape == (8, 8)
    np.testing.assert_allclose(cam, resize_bilinear(coarse, (8, 8)), rtol=1e-6)
    assert cam[:, :3].max() == 0 and cam[5:, :].max() == 0  # far from the spot
    assert cam[1, 5] == cam.max()


def test_default_cam_layer_is_a_conv_with_its_own_activation(smooth):
    assert default_cam_layer(smooth) == "conv"
    assert conv_layer_names(smooth) == ("conv",)


@PROPERTY
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 30), st.integers(1, 30), st.integers())
def test_resize_bilinear_matches_tensorflow(h, w, rows, cols, seed):
    values = np.random.default_rng(seed % 2**32).standard_normal((h, w))
    expected = tf.image.resize(values[None, :, :, None], (rows, cols), method="bilinear")
    np.testing.assert_allclose(
        resize_bilinear(values, (rows, cols)), expected.numpy()[0, :, :, 0], rtol=1e-5, atol=1e-5
    )


# --- occlusion --------------------------------------------------------------------------


@PROPERTY
@given(st.integers(1, 40), st.data())
def test_window_starts_cover_every_pixel(length, data):
    window = data.draw(st.integers(1, length))
    stride = data.draw(st.integers(1, window))
    starts = window_starts(length, window, stride)
    assert starts[0] == 0 and starts[-1] == length - window
    assert list(starts) == sorted(set(starts))
    assert all(b - a == stride for a, b in itertools.pairwise(starts[:-1]))
    covered = np.zeros(length, bool)
    for s in starts:
        covered[s : s + window] = True
    assert covered.all()


def reference_occlusion(probability, image, window, stride, fill=0.0):
    """A plain loop over the windows: each pixel's average drop over those covering it."""
    rows, cols = image.shape
    total, count = np.zeros((rows, cols)), np.zeros((rows, cols))
    whole = probability(image)
    for r in window_starts(rows, window, stride):
        for c in window_starts(cols, window, stride):
            covered = image.copy()
            covered[r : r + window, c : c + window] = fill
            total[r : r + window, c : c + window] += whole - probability(covered)
            count[r : r + window, c : c + window] += 1
    return total / count


@pytest.mark.parametrize(("window", "stride"), [(3, 1), (2, 2), (4, 3), (6, 6), (1, 1)])
def test_occlusion_of_the_one_pixel_model(one_pixel, pixel_image, window, stride):
    def probability(image):  # class 0's softmax probability, by hand: sigmoid(w x[r, c])
        return 1 / (1 + np.exp(-WEIGHT * float(image[ROW, COL])))

    result = occlusion(one_pixel, pixel_image, 0, window=window, stride=stride)
    expected = reference_occlusion(probability, pixel_image, window, stride)
    assert result.shape == (ROWS, COLS) and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-7)
    # Nonzero exactly where some window covering the pixel also covers (ROW, COL).
    reach = np.zeros((ROWS, COLS), bool)
    for r in window_starts(ROWS, window, stride):
        for c in window_starts(COLS, window, stride):
            if r <= ROW < r + window and c <= COL < c + window:
                reach[r : r + window, c : c + window] = True
    assert np.array_equal(result != 0, reach)
    assert result.max() > 0


def test_occlusion_of_scores_with_a_fill_and_several_channels(linear):
    model, kernel, bias = linear
    image = np.random.default_rng(13).random((5, 6, 2)).astype(np.float32)
    weights = kernel[:, 1].reshape(5, 6, 2)

    def score(x):
        return float((x * weights).sum() + bias[1])

    result = occlusion(model, image, 1, window=(2, 3), stride=(1, 2), fill=0.5, target="score")
    # The same with a per-axis window: build it by hand.
    total, count = np.zeros((5, 6)), np.zeros((5, 6))
    for r in window_starts(5, 2, 1):
        for c in window_starts(6, 3, 2):
            covered = image.copy()
            covered[r : r + 2, c : c + 3] = 0.5
            total[r : r + 2, c : c + 3] += score(image) - score(covered)
            count[r : r + 2, c : c + 3] += 1
    np.testing.assert_allclose(result, total / count, rtol=1e-4, atol=1e-5)


def test_occlusion_batches_beyond_one_call(spot, monkeypatch):
    monkeypatch.setattr(saliency, "BATCH_SIZE", 4)  # 7x7 windows + 1 = 50 copies: 13 calls
    image = np.random.default_rng(14).random((8, 8)).astype(np.float32)
    small = occlusion(spot, image, 0, window=2, stride=1)
    monkeypatch.undo()
    np.testing.assert_allclose(small, occlusion(spot, image, 0, window=2, stride=1), atol=1e-7)


# --- display ----------------------------------------------------------------------------


def test_normalize_map_ranges_and_zero_maps():
    np.testing.assert_allclose(normalize_map(np.array([0.0, 1.0, 4.0])), [0, 0.25, 1])
    np.testing.assert_allclose(normalize_map(np.array([-1.0, 0.0, 3.0])), [0, 0.25, 1])
    np.testing.assert_allclose(normalize_map(np.array([-4.0, 2.0]), signed=True), [-1, 0.5])
    for signed in (False, True):
        for values in (np.zeros((3, 3)), np.full((2, 2), -0.0), np.array([[np.nan, 0.0]])):
            out = normalize_map(values, signed=signed)
            assert out.dtype == np.float32 and not np.isnan(out).any()
            np.testing.assert_array_equal(out, 0)
    # A percentile below 100 clips the few extreme pixels.
    values = np.r_[np.linspace(0, 1, 99), 100.0]
    clipped = normalize_map(values, percentile=90)
    assert clipped.max() == 1 and clipped[50] > 0.5


@PROPERTY
@given(
    st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=1, max_size=30),
    st.booleans(),
)
def test_normalize_map_stays_in_range(values, signed):
    out = normalize_map(np.array(values), signed=signed)
    assert np.isfinite(out).all()
    low = -1 if signed else 0
    assert out.min() >= low and out.max() <= 1


# --- the catalog of methods and compute_all ---------------------------------------------


def test_methods_are_listed_in_order_with_translated_names_and_explanations():
    assert list(METHODS) == [
        "gradient",
        "smoothgrad",
        "integrated_gradients",
        "grad_cam",
        "occlusion",
    ]
    for method_id, method in METHODS.items():
        assert method.id == method_id
        assert method.name_key == f"saliency.method.{method_id}.name"
        assert method.explain_key == f"saliency.method.{method_id}.explain"
        for lang in ("en", "es"):
            assert catalog(lang)[method.name_key].strip()
            explanation = catalog(lang)[method.explain_key]
            assert 2 <= explanation.count(". ") + 1 <= 4, explanation
        assert method.reference and "(20" in method.reference
    assert (
        catalog("es")["saliency.method.occlusion.explain"]
        != catalog("en")["saliency.method.occlusion.explain"]
    )
    assert [m.signed for m in METHODS.values()] == [False, False, True, False, True]
    assert METHODS["occlusion"].options() == ("window", "stride", "fill", "target")


def test_compute_all_runs_every_method_and_times_it(spot):
    image = np.random.default_rng(15).random((8, 8)).astype(np.float32)
    results = compute_all(spot, image, 0, samples=4, steps=8, window=3)
    assert list(results) == list(METHODS)
    for method_id, result in results.items():
        assert isinstance(result, SaliencyResult) and result.method == method_id
        assert result.map.shape == (8, 8) and result.map.dtype == np.float32
        assert np.isfinite(result.map).all()
        assert result.seconds >= 0
    np.testing.assert_array_equal(results["gradient"].map, vanilla_gradient(spot, image, 0))
    np.testing.assert_array_equal(results["occlusion"].map, occlusion(spot, image, 0, window=3))
    some = compute_all(spot, image, 1, methods=["occlusion", "grad_cam"], layer_name="pool")
    assert list(some) == ["occlusion", "grad_cam"]
    np.testing.assert_array_equal(some["grad_cam"].map, grad_cam(spot, image, 1, layer_name="pool"))
    with pytest.raises(TypeError, match="colour"):
        compute_all(spot, image, 0, colour="red")


def test_options_defaults_are_the_methods_defaults_and_sit_in_the_page_ranges():
    assert (DEFAULTS.samples, DEFAULTS.noise_level, DEFAULTS.steps) == (25, 0.15, 32)
    assert (DEFAULTS.window, DEFAULTS.stride, DEFAULTS.layer_name) == (6, 2, None)
    for method in METHODS.values():
        parameters = inspect.signature(method.function).parameters
        for name in set(method.options()) & set(vars(DEFAULTS)):
            assert parameters[name].default == getattr(DEFAULTS, name), (method.id, name)
    assert {name: tuple(vars(r).values()) for name, r in OPTION_RANGES.items()} == {
        "samples": (5, 100, 5),
        "noise_level": (0.0, 0.5, 0.05),
        "steps": (4, 128, 4),
        "window": (2, 14, 1),
        "stride": (1, 7, 1),
    }
    for name, bounds in OPTION_RANGES.items():
        default = getattr(DEFAULTS, name)
        assert bounds.low <= default <= bounds.high, name
        assert (default - bounds.low) / bounds.step == pytest.approx(
            round((default - bounds.low) / bounds.step)
        ), name


@pytest.mark.parametrize(
    ("fields", "key", "quoted"),
    [
        ({"samples": 0}, "error.below_one", ("samples", "0")),
        ({"steps": 2.5}, "error.not_int_or_pair", ("2.5",)),
        ({"noise_level": -0.1}, "error.saliency_noise_level", ("-0.1",)),
        ({"noise_level": float("inf")}, "error.saliency_noise_level", ("inf",)),
        ({"window": (2, 0)}, "error.below_one", ("window",)),
        ({"stride": True}, "error.not_int_or_pair", ("True",)),
    ],
)
def test_options_are_checked_when_made(fields, key, quoted):
    with pytest.raises(InputError) as err:
        SaliencyOptions(**fields)
    assert_actionable(err.value, key, *quoted)
    with pytest.raises(InputError) as err:  # compute_all checks them before running anything
        compute_all(None, np.zeros((2, 2)), 0, **fields)
    assert err.value.key == key


def test_compute_all_reads_its_settings_from_options(spot):
    image = np.random.default_rng(16).random((8, 8)).astype(np.float32)
    options = SaliencyOptions(samples=3, window=4, stride=1, layer_name="pool")
    results = compute_all(spot, image, 0, options=options, methods=["smoothgrad", "occlusion"])
    np.testing.assert_array_equal(results["smoothgrad"].map, smoothgrad(spot, image, 0, samples=3))
    np.testing.assert_array_equal(
        results["occlusion"].map, occlusion(spot, image, 0, window=4, stride=1)
    )
    # A keyword replaces one field and keeps the others.
    cam = compute_all(spot, image, 0, options=options, methods=["grad_cam"], upsample=False)
    np.testing.assert_array_equal(
        cam["grad_cam"].map, grad_cam(spot, image, 0, layer_name="pool", upsample=False)
    )
    again = compute_all(spot, image, 0, options=options, methods=["occlusion"], window=5)
    np.testing.assert_array_equal(
        again["occlusion"].map, occlusion(spot, image, 0, window=5, stride=1)
    )


# --- errors a student can cause ---------------------------------------------------------


def test_unknown_and_flat_layers_are_refused(spot, linear):
    with pytest.raises(InputError) as err:
        grad_cam(spot, bright_spot(), 0, layer_name="conv9")
    assert_actionable(err.value, "error.saliency_unknown_layer", "conv9", "conv, relu, pool")
    with pytest.raises(InputError) as err:
        grad_cam(spot, bright_spot(), 0, layer_name="gap")
    assert_actionable(err.value, "error.saliency_layer_not_spatial", "gap", "(?, 1)")
    with pytest.raises(InputError) as err:
        grad_cam(linear[0], np.zeros((5, 6, 2)), 0)
    assert_actionable(err.value, "error.saliency_no_conv_layer")


@pytest.mark.parametrize("bad", [2, -1, 1.0, True, "0"])
def test_bad_class_index(spot, bad):
    for method in METHODS.values():
        with pytest.raises(InputError) as err:
            method.function(spot, bright_spot(), bad)
        assert_actionable(err.value, "error.saliency_class_index", repr(bad), "1")


@pytest.mark.parametrize(
    ("options", "key", "quoted"),
    [
        ({"window": 7}, "error.saliency_window_too_large", ("7 × 7", "6 × 7")),
        ({"window": (2, 8)}, "error.saliency_window_too_large", ("2 × 8",)),
        ({"window": 0}, "error.below_one", ("0",)),
        ({"stride": 0}, "error.below_one", ("0", "stride")),
        ({"stride": 1.5}, "error.not_int_or_pair", ("1.5",)),
        ({"window": 2, "stride": (1, 3)}, "error.saliency_stride_above_window", ("1 × 3", "2 × 2")),
        ({"fill": float("nan")}, "error.saliency_fill", ("nan",)),
        ({"target": "logit"}, "error.saliency_target", ("logit",)),
    ],
)
def test_bad_occlusion_settings(one_pixel, pixel_image, options, key, quoted):
    with pytest.raises(InputError) as err:
        occlusion(one_pixel, pixel_image, 0, **options)
    assert_actionable(err.value, key, *quoted)


def test_bad_images_and_settings_of_the_other_methods(one_pixel, pixel_image):
    cases = [
        (lambda: vanilla_gradient(one_pixel, np.zeros((7, 6)), 0), "error.saliency_image_shape"),
        (lambda: vanilla_gradient(one_pixel, np.zeros((1, 6, 7, 1)), 0), "error.image_rank"),
        (lambda: vanilla_gradient(one_pixel, np.full((6, 7), np.nan), 0), "error.image_not_finite"),
        (lambda: vanilla_gradient(one_pixel, np.array([["a"]]), 0), "error.image_dtype"),
        (lambda: smoothgrad(one_pixel, pixel_image, 0, samples=0), "error.below_one"),
        (
            lambda: smoothgrad(one_pixel, pixel_image, 0, noise_level=-0.1),
            "error.saliency_noise_level",
        ),
        (lambda: integrated_gradients(one_pixel, pixel_image, 0, steps=0), "error.below_one"),
        (
            lambda: integrated_gradients(one_pixel, pixel_image, 0, baseline=np.zeros(3)),
            "error.saliency_baseline_shape",
        ),
        (
            lambda: compute_all(one_pixel, pixel_image, 0, methods=["lime"]),
            "error.saliency_unknown_method",
        ),
        (lambda: normalize_map(pixel_image, percentile=0), "error.saliency_percentile"),
    ]
    for call, key in cases:
        with pytest.raises(InputError) as err:
            call()
        assert_actionable(err.value, key)


def test_every_saliency_key_is_in_both_catalogs():
    package = ROOT / "cnnviz" / "nets" / "saliency"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    keys = set(re.findall(r'"((?:error|arg)\.[a-z_]+)"', source))
    keys |= {f"arg.{name}" for name in ("window", "stride", "samples", "steps", "baseline")}
    for method in METHODS.values():
        keys |= {method.name_key, method.explain_key}
    for lang in ("en", "es"):
        assert sorted(keys - set(catalog(lang))) == []


def test_importing_saliency_does_not_import_tensorflow():
    code = (
        "import json, sys\nimport cnnviz.nets.saliency\n"
        "print(json.dumps(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('tensorflow', 'keras', 'streamlit'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []
