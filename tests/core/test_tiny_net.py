"""Tests of cnnviz.core.tiny_net: gradients against tf.GradientTape, finite differences, SGD."""

from __future__ import annotations

import math
import os
from dataclasses import replace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import hypothesis.extra.numpy as hnp
import keras  # imported first here: Hypothesis refuses TensorFlow's first import inside a test
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.core import tiny_net
from cnnviz.core.pooling import pool2d
from cnnviz.i18n import InputError

FLOATS = st.floats(-2.0, 2.0, allow_nan=False, width=32)


@st.composite
def problems(draw):
    """An input of 4..8 cells a side, 1 or 2 filters, random weights and a target class."""
    rows, cols = draw(st.integers(4, 8)), draw(st.integers(4, 8))
    filters = draw(st.integers(1, 2))
    n = tiny_net.flat_length((rows, cols), filters)
    image = draw(hnp.arrays(np.float64, (rows, cols), elements=FLOATS))
    params = tiny_net.tiny_params(
        draw(hnp.arrays(np.float64, (3, 3, 1, filters), elements=FLOATS)),
        draw(hnp.arrays(np.float64, (filters,), elements=FLOATS)),
        draw(hnp.arrays(np.float64, (n, 3), elements=FLOATS)),
        draw(hnp.arrays(np.float64, (3,), elements=FLOATS)),
    )
    return image, params, draw(st.integers(0, 2))


def away_from_corners(record: tiny_net.TinyForward, margin: float = 1e-3) -> bool:
    """No ReLU input near 0 and no pooling window with a near tie for its maximum.

    There the loss has a corner: float32 and float64 (or ±ε) may fall on different sides.
    """
    if np.min(np.abs(record.totals)) < margin:
        return False
    a = record.activated
    rows, cols = (n // 2 * 2 for n in a.shape[:2])
    windows = a[:rows, :cols].reshape(rows // 2, 2, cols // 2, 2, -1).transpose(0, 2, 4, 1, 3)
    ranked = np.sort(windows.reshape(*windows.shape[:3], 4), axis=-1)
    # A window of zeros (all Z < 0) sends nothing back through ReLU: its tie does not matter.
    tie = (ranked[..., 3] - ranked[..., 2] < margin) & (ranked[..., 3] > 0)
    return not tie.any()


def keras_gradients(image, params, target):
    """Every gradient of the equivalent Keras layers, by tf.GradientTape, in float32."""
    rows, cols = image.shape
    conv = keras.layers.Conv2D(params.filters, 3)
    relu = keras.layers.ReLU()
    pool = keras.layers.MaxPooling2D(2)
    flatten = keras.layers.Flatten()
    dense = keras.layers.Dense(3)
    conv.build((1, rows, cols, 1))
    conv.set_weights([params.kernel, params.bias])
    dense.build((1, params.dense_weights.shape[0]))
    dense.set_weights([params.dense_weights, params.dense_bias])
    x = tf.constant(image[None, :, :, None], dtype=tf.float32)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        z = conv(x)
        tape.watch(z)
        a = relu(z)
        p = pool(a)
        v = flatten(p)
        logits = dense(v)
        loss = loss_fn(tf.constant([target]), logits)
    wanted = {
        "image": x, "totals": z, "activated": a, "pooled": p, "flat": v, "logits": logits,
        "kernel": conv.kernel, "bias": conv.bias,
        "dense_weights": dense.kernel, "dense_bias": dense.bias,
    }  # fmt: skip
    grads = {name: tape.gradient(loss, tensor).numpy() for name, tensor in wanted.items()}
    return float(loss.numpy()), {name: g.reshape(g.shape[1:]) if g.ndim and name in
                                 ("image", "totals", "activated", "pooled", "flat", "logits")
                                 else g for name, g in grads.items()}  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(problems())
def test_every_gradient_equals_gradient_tape(problem):
    image, params, target = problem
    record = tiny_net.forward(image, params, target)
    assume(away_from_corners(record))
    grads = tiny_net.backward(params, record)
    loss, expected = keras_gradients(image, params, target)
    assert record.loss == pytest.approx(loss, rel=1e-4, abs=1e-5)
    for name, value in expected.items():
        ours = getattr(grads, name)
        value = value.reshape(ours.shape)
        scale = max(1.0, float(np.max(np.abs(value))))
        np.testing.assert_allclose(ours, value, rtol=1e-4, atol=1e-5 * scale, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(problems(), st.data())
def test_finite_difference_agrees(problem, data):
    image, params, target = problem
    assume(away_from_corners(tiny_net.forward(image, params, target), margin=1e-2))
    name = data.draw(st.sampled_from(tiny_net.PARAMETERS))
    index = data.draw(st.sampled_from(tiny_net.weight_indices(params, name)))
    check = tiny_net.finite_difference(image, params, target, name, index)
    assert check.epsilon == tiny_net.FD_EPSILON
    assert check.numeric == pytest.approx(check.analytic, rel=1e-5, abs=1e-7)
    assert check.numeric == (check.loss_plus - check.loss_minus) / (2 * check.epsilon)


@settings(max_examples=40, deadline=None)
@given(problems())
def test_one_small_step_lowers_the_loss(problem):
    image, params, target = problem
    record = tiny_net.forward(image, params, target)
    assume(away_from_corners(record, margin=1e-2))
    grads = tiny_net.backward(params, record)
    squared = sum(float(np.sum(grads.of(name) ** 2)) for name in tiny_net.PARAMETERS)
    assume(squared > 1e-6)
    rate = 1e-4
    after = tiny_net.forward(image, tiny_net.sgd_step(params, grads, rate), target)
    # To first order the loss falls by η·|∇L|²: at least half of that at this η.
    assert after.loss < record.loss - 0.5 * rate * squared


def test_hand_values_one_window_routes_to_its_winner():
    # X = 0..15 in a 4x4, kernel of ones: Z = [[45, 54], [81, 90]], one pooled cell, 90.
    image = np.arange(16.0).reshape(4, 4)
    params = tiny_net.tiny_params(np.ones((3, 3)), [0.0], [[0.01, 0.0, 0.0]], [0.0, 0.0, 0.0])
    record = tiny_net.forward(image, params, 0)
    np.testing.assert_array_equal(record.totals[..., 0], [[45, 54], [81, 90]])
    assert record.flat.tolist() == [90.0]
    np.testing.assert_allclose(record.logits, [0.9, 0.0, 0.0])
    p0 = math.exp(0.9) / (math.exp(0.9) + 2)
    assert record.loss == pytest.approx(-math.log(p0))
    grads = tiny_net.backward(params, record)
    g = np.array([p0 - 1, (1 - p0) / 2, (1 - p0) / 2])
    np.testing.assert_allclose(grads.logits, g)
    np.testing.assert_allclose(grads.dense_weights, 90 * g[None, :])
    dv = 0.01 * (p0 - 1)  # W · g: only the first weight is not 0
    np.testing.assert_allclose(grads.flat, [dv])
    # Max pooling: the winner (1, 1) gets it all; the three others get 0.
    np.testing.assert_allclose(grads.activated[..., 0], [[0, 0], [0, dv]])
    np.testing.assert_allclose(grads.totals[..., 0], [[0, 0], [0, dv]])  # Z = 90 > 0
    # One position only: dK = dv times the window at (1, 1); db = dv.
    np.testing.assert_allclose(grads.kernel[:, :, 0, 0], dv * image[1:4, 1:4])
    np.testing.assert_allclose(grads.bias, [dv])
    expected_dx = np.zeros((4, 4))
    expected_dx[1:4, 1:4] = dv  # the kernel of ones, placed on that window
    np.testing.assert_allclose(grads.image, expected_dx)


def test_relu_stops_the_gradient_of_negative_totals():
    image = np.arange(16.0).reshape(4, 4)
    params = tiny_net.tiny_params(-np.ones((3, 3)), [0.0], [[1.0, 0.0, 0.0]], [0.0, 0.0, 0.0])
    grads = tiny_net.backward(params, tiny_net.forward(image, params, 1))
    assert grads.activated[0, 0, 0] != 0  # all A are 0: the first cell wins the tie
    np.testing.assert_array_equal(grads.totals, 0.0)
    np.testing.assert_array_equal(grads.kernel, 0.0)
    np.testing.assert_array_equal(grads.image, 0.0)


def test_pool_winners_first_maximum_and_uncovered_edge():
    a = np.zeros((5, 5, 1))
    a[0, 1] = a[1, 0] = 2.0  # a tie: the first in row-major order wins
    a[4, 4] = 9.0  # no 2x2 window reaches the fifth row and column
    winners = tiny_net.pool_winners(a)[..., 0]
    assert winners[0, 1] and not winners[1, 0]
    assert not winners[4].any() and not winners[:, 4].any()
    assert winners.sum() == pool2d(a, 2).size


def test_sgd_step_hand_value_and_errors():
    params = tiny_net.initial_params((6, 6), 2, seed=3)
    record = tiny_net.forward(tiny_net.sample_image(6), params, 2)
    grads = tiny_net.backward(params, record)
    stepped = tiny_net.sgd_step(params, grads, 0.5)
    for name in tiny_net.PARAMETERS:
        expected = getattr(params, name) - 0.5 * grads.of(name)
        np.testing.assert_array_equal(getattr(stepped, name), expected)
    for rate in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(InputError) as err:
            tiny_net.sgd_step(params, grads, rate)
        assert err.value.key == "backprop.error.rate"
    huge = replace(grads, kernel=np.full_like(grads.kernel, 1e300))
    with pytest.raises(InputError) as err:
        tiny_net.sgd_step(params, huge, 1e10)
    assert err.value.key == "backprop.error.diverged"


def test_checked_loss_refuses_a_non_finite_loss():
    # Weights a runaway step could reach (never typed: tiny_params refuses them).
    wild = tiny_net.TinyParams(
        kernel=np.ones((3, 3, 1, 1)),
        bias=np.zeros(1),
        dense_weights=np.array([[1e308, -1e308, 1e308]]),
        dense_bias=np.zeros(3),
    )
    image = np.full((4, 4), 1000.0)
    with pytest.raises(InputError) as err:
        tiny_net.forward(image, wild, 1)
    assert err.value.key == "backprop.error.overflow"
    with pytest.raises(InputError) as err:
        tiny_net.checked_loss(image, wild, 1, 2.0)
    assert err.value.key == "backprop.error.diverged"
    assert err.value.fields["rate"] == 2.0


def test_initial_params_are_seeded_glorot_uniform():
    first = tiny_net.initial_params((7, 8), 2, seed=5)
    assert first == tiny_net.initial_params((7, 8), 2, seed=5)
    assert first != tiny_net.initial_params((7, 8), 2, seed=6)
    assert first.dense_weights.shape == (2 * 3 * 2, 3)
    assert np.abs(first.kernel).max() <= math.sqrt(6 / (9 + 18))
    assert np.abs(first.dense_weights).max() <= math.sqrt(6 / (12 + 3))
    assert not first.bias.any() and not first.dense_bias.any()
    assert tiny_net.parameter_count(first) == 18 + 2 + 36 + 3


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda: tiny_net.forward(np.zeros((3, 6)), tiny_net.initial_params((6, 6)), 0),
         "backprop.error.input_size"),
        (lambda: tiny_net.forward(np.zeros((6, 9)), tiny_net.initial_params((6, 6)), 0),
         "backprop.error.input_size"),
        (lambda: tiny_net.forward(np.zeros((6, 6)), tiny_net.initial_params((6, 6)), 3),
         "backprop.error.target"),
        (lambda: tiny_net.forward(np.zeros((6, 6)), tiny_net.initial_params((6, 6)), True),
         "backprop.error.target"),
        (lambda: tiny_net.forward(np.zeros((8, 8)), tiny_net.initial_params((6, 6)), 0),
         "backprop.error.dense_size"),
        (lambda: tiny_net.forward(np.full((6, 6), 1001.0), tiny_net.initial_params((6, 6)), 0),
         "backprop.error.too_large"),
        (lambda: tiny_net.tiny_params(np.ones((3, 3, 1, 3)), [0] * 3, np.ones((12, 3)), [0] * 3),
         "backprop.error.filters"),
        (lambda: tiny_net.tiny_params(np.ones((2, 2)), [0], np.ones((4, 3)), [0] * 3),
         "backprop.error.shape"),
        (lambda: tiny_net.tiny_params(np.full((3, 3), 2e3), [0], np.ones((4, 3)), [0] * 3),
         "backprop.error.too_large"),
        (lambda: tiny_net.initial_params((6, 6), 0), "backprop.error.filters"),
        (lambda: tiny_net.finite_difference(np.eye(6), tiny_net.initial_params((6, 6)), 0,
                                            "weights", (0,)), "backprop.error.parameter"),
        (lambda: tiny_net.finite_difference(np.eye(6), tiny_net.initial_params((6, 6)), 0,
                                            "bias", (1,)), "backprop.error.weight_index"),
    ],
)  # fmt: skip
def test_refusals_are_translated(call, key):
    with pytest.raises(InputError) as err:
        call()
    assert err.value.key == key
    for lang in ("en", "es"):
        assert "{" not in err.value.message(lang)
