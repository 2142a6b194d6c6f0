"""Tests of cnnviz.core.channels: hand values, Keras' Conv2D and the bundled colour network's conv1.

Comparisons against Keras use float32 inputs and a 1e-4 tolerance (float32
accumulation); the equation's own terms are compared among themselves in
float64, where they agree to a few units in the last place.
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # first, at import time: Hypothesis fails if TensorFlow loads inside a test
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core.channels import (
    RGB,
    cell_lines,
    channel_contributions,
    filter_as_rgb,
    weight_limit,
)
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable

PROPERTY = settings(max_examples=40, deadline=None)
TF_TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

# A 3x3 two-channel image and a 2x2 filter over both channels, worked by hand below.
X = np.dstack([np.arange(9.0).reshape(3, 3), np.ones((3, 3))])
K = np.zeros((2, 2, 2, 2))
K[..., 0, 1] = [[1, 0], [0, -1]]  # filter 1, channel 0: top-left minus bottom-right
K[..., 1, 1] = [[2, 2], [2, 2]]  # filter 1, channel 1: twice the window's sum


def test_hand_values_valid():
    parts = channel_contributions(X, K, [0.0, 0.5], 1, padding="valid")
    # Channel 0: x[r, c] - x[r + 1, c + 1] = -4 everywhere; channel 1: 2 * 4 ones = 8.
    np.testing.assert_array_equal(parts.contributions[0], np.full((2, 2), -4.0))
    np.testing.assert_array_equal(parts.contributions[1], np.full((2, 2), 8.0))
    assert parts.bias == 0.5 and parts.filter == 1
    np.testing.assert_array_equal(parts.total, np.full((2, 2), 4.5))
    assert parts.pads == ((0, 0), (0, 0))
    assert parts.limit == 8.0
    assert parts.parts_at(1, 0).tolist() == [-4.0, 8.0]


def test_hand_values_same_pads_bottom_and_right_for_an_even_kernel():
    parts = channel_contributions(X, K, [0.0, 0.5], 1, padding="same")
    assert parts.pads == ((0, 1), (0, 1))  # TensorFlow: the extra cell goes bottom/right
    # Last row and column: the window hangs over zero padding.
    assert parts.contributions[0].tolist() == [[-4.0, -4.0, 2.0], [-4.0, -4.0, 5.0], [6, 7, 8]]
    assert parts.contributions[1].tolist() == [[8.0, 8.0, 4.0], [8.0, 8.0, 4.0], [4, 4, 2]]
    assert parts.total[2, 2] == 8 + 2 + 0.5


def test_one_bias_for_every_filter_and_a_grey_image():
    parts = channel_contributions(np.arange(4.0).reshape(2, 2), np.ones((1, 1, 1, 3)), 2.0, 2)
    assert parts.contributions.shape == (1, 2, 2)
    assert parts.total.tolist() == [[2.0, 3.0], [4.0, 5.0]]


def float32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.uniform(-1, 1, shape).astype(np.float32)


@PROPERTY
@given(
    h=st.integers(3, 9),
    w=st.integers(3, 9),
    c=st.integers(1, 4),
    f=st.integers(1, 4),
    kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    padding=st.sampled_from(["valid", "same"]),
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_sum_of_the_contributions_is_keras_conv2d(h, w, c, f, kernel, padding, data, seed):
    rng = np.random.default_rng(seed)
    x, k, b = float32(rng, (h, w, c)), float32(rng, (*kernel, c, f)), float32(rng, (f,))
    which = data.draw(st.integers(0, f - 1), label="filter")
    parts = channel_contributions(x, k, b, which, padding=padding)
    layer = keras.layers.Conv2D(f, kernel, padding=padding)
    layer.build((1, h, w, c))
    layer.set_weights([k, b])
    theirs = np.asarray(layer(x[None]))[0, ..., which]
    assert parts.total.shape == theirs.shape and parts.contributions.shape == (c, *theirs.shape)
    np.testing.assert_allclose(parts.total, theirs, **TF_TOLERANCE)
    # The equation adds up: R + G + B + bias is the map, to float64's last places.
    np.testing.assert_allclose(
        parts.contributions.sum(axis=0) + parts.bias, parts.total, rtol=0, atol=1e-12
    )
    # Each term is its channel alone through the layer (the others set to 0, no bias).
    for channel in range(c):
        alone = np.zeros_like(x)
        alone[..., channel] = x[..., channel]
        layer.set_weights([k, np.zeros_like(b)])
        np.testing.assert_allclose(
            parts.contributions[channel],
            np.asarray(layer(alone[None]))[0, ..., which],
            **TF_TOLERANCE,
        )


@PROPERTY
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    c=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_map_is_the_traces_total_and_each_part_a_steps_channel_total(h, w, c, padding, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.uniform(0, 1, (h, w, c)), rng.normal(0, 1, (3, 3, c, 2))
    try:
        parts = channel_contributions(x, k, [0.25, -0.5], 1, padding=padding)
    except InputError as err:
        assert err.key == "error.output_empty" and padding == "valid"
        return
    trace = conv2d_trace(x, k[..., 1], bias=-0.5, padding=padding)
    # Bit for bit: the stage and the cell's lines show these very numbers.
    np.testing.assert_array_equal(parts.total, trace.totals)
    step = trace.step_at(parts.total.shape[0] - 1, 0)
    np.testing.assert_array_equal(step.channel_totals, parts.parts_at(step.row, step.col))


@pytest.fixture(scope="module")
def cifar_conv1():
    from cnnviz.nets.cifar_model import load_cifar_model
    from cnnviz.nets.datasets import load_cifar_subset

    model = load_cifar_model()
    images = load_cifar_subset().x_test[:3].astype(np.float32) / 255
    layer = model.get_layer("conv1")
    conv1 = keras.Model(model.input, layer.output)
    kernel, bias = (np.asarray(w) for w in layer.get_weights())
    return images, kernel, bias, np.asarray(conv1(images))


def test_bundled_conv1_is_the_sum_of_its_channels(cifar_conv1):
    images, kernel, bias, outputs = cifar_conv1
    assert kernel.shape == (3, 3, 3, 32) and bias.shape == (32,)
    for image, output in zip(images, outputs, strict=True):
        for which in (0, 17, 31):
            parts = channel_contributions(image, kernel, bias, which, padding="same")
            assert parts.contributions.shape == (3, 32, 32)
            scale = float(np.abs(output[..., which]).max())
            np.testing.assert_allclose(
                parts.contributions.sum(axis=0) + parts.bias,
                output[..., which],
                rtol=0,
                atol=1e-5 * max(scale, 1.0),
            )


def test_filter_as_rgb_hand_values_and_a_shared_scale():
    bank = np.zeros((1, 1, 3, 2))
    bank[0, 0, :, 0] = [0.5, -0.5, 0.0]
    bank[0, 0, :, 1] = [0.25, 0.25, -0.25]
    rgb = filter_as_rgb(bank)
    assert rgb.shape == (2, 1, 1, 3)
    assert rgb[0, 0, 0].tolist() == [1.0, 0.0, 0.5]  # the largest weight: full intensity
    assert rgb[1, 0, 0].tolist() == [0.75, 0.75, 0.25]  # half of it, on the same scale
    assert filter_as_rgb(bank[..., 1]).tolist() == [[[1.0, 1.0, 0.0]]]  # alone: its own scale
    assert filter_as_rgb(bank, limit=1.0)[0, 0, 0].tolist() == [0.75, 0.25, 0.5]
    assert filter_as_rgb(bank, limit=0.1)[0, 0, 0].tolist() == [1.0, 0.0, 0.5]  # clipped
    assert filter_as_rgb(np.zeros((3, 3, 3))).tolist() == np.full((3, 3, 3), 0.5).tolist()


@PROPERTY
@given(f=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_filter_as_rgb_is_grey_plus_half_the_weight_over_the_largest(f, seed):
    bank = np.random.default_rng(seed).normal(0, 1, (3, 3, 3, f))
    rgb = filter_as_rgb(bank)
    assert rgb.min() >= 0 and rgb.max() <= 1
    # The formula, inverted: weights come back; the largest magnitude reaches 0 or 1.
    np.testing.assert_allclose(
        (np.moveaxis(rgb, 0, 3) - 0.5) * 2 * weight_limit(bank), bank, atol=1e-12
    )
    assert np.isclose(np.abs(rgb - 0.5).max(), 0.5)


@pytest.mark.parametrize(
    ("call", "key", "quoted"),
    [
        (lambda: channel_contributions(X, K[..., 0], 0.0, 0), "channels.error.bank", ("3",)),
        (lambda: channel_contributions(X, K, 0.0, 2), "error.trace_filter_out_of_range", ("2",)),
        (lambda: channel_contributions(X, K, 0.0, 1.0), "error.trace_index_not_int", ("1.0",)),
        (lambda: channel_contributions(X, K, [1, 2, 3], 0), "error.bias_shape", ("3",)),
        (
            lambda: channel_contributions(X[..., :1], K, 0.0, 0),
            "error.channel_mismatch",
            ("1", "2"),
        ),
        (lambda: filter_as_rgb(K), "channels.error.not_rgb_filters", ("(2, 2, 2, 2)",)),
        (lambda: filter_as_rgb(np.ones((3, 3, 3)), limit=0), "channels.error.limit", ("0",)),
    ],
)
def test_errors_say_what_is_wrong(call, key, quoted):
    with pytest.raises(InputError) as info:
        call()
    assert_actionable(info.value, key, *quoted)


def test_cell_lines_name_the_channels_and_add_the_bias():
    x = np.dstack([np.full((3, 3), 0.5), np.zeros((3, 3)), np.ones((3, 3))])
    k = np.zeros((3, 3, 3))
    k[1, 1] = [2.0, 1.0, -1.0]
    step = conv2d_trace(x, k, bias=0.25, padding="same").step_at(0, 0)
    lines = cell_lines(step, RGB, "es")
    assert lines[0] == "R: 0·0 + 0·0 + 0·0 + 0·0 + 0,5·2 + 0,5·0 + 0·0 + 0,5·0 + 0,5·0 = 1"
    assert lines[1].startswith("G: 0·0 + ") and lines[1].endswith(" = 0")
    assert lines[2].endswith("1·(−1) + 1·0 + 0·0 + 1·0 + 1·0 = −1")
    assert lines[3] == "1 + 0 + (−1) + 0,25 = 0,25"
    with pytest.raises(InputError) as info:
        cell_lines(step, RGB[:2], "en")
    assert_actionable(info.value, "channels.error.names", "3", "2")
