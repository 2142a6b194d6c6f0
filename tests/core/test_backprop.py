"""The backward pass against TensorFlow's autodiff, finite differences and hand values."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.core import conv
from cnnviz.core.backprop import (
    ACTIVATION_DERIVATIVES,
    activation_backward,
    conv2d_backward,
    dense_backward,
    input_gradient_trace,
    kernel_gradient_accumulation,
    kernel_gradient_trace,
    pool2d_backward,
    softmax_cross_entropy,
    unpad_gradient,
)
from cnnviz.core.conv import ACTIVATION_FUNCTIONS, PAD_MODES, conv2d, conv_spec
from cnnviz.core.pooling import COURSE_EXAMPLE, pool2d
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable

PROPERTY = settings(max_examples=60, deadline=None)
TOLERANCE = {"rtol": 2e-4, "atol": 2e-4}  # float32 against float64

sizes = st.integers(1, 7)
step_pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))
kernel_sizes = st.tuples(st.integers(1, 3), st.integers(1, 3))
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ),
)
activations = st.sampled_from([None, *ACTIVATION_FUNCTIONS])
seeds = st.integers(0, 2**32 - 1)


def conv_or_skip(x: np.ndarray, k: np.ndarray, **settings) -> np.ndarray:
    """The forward output, or skip the example when it is empty (conv2d says so itself)."""
    try:
        return conv2d(x, k, **settings)
    except InputError as err:
        assert err.key == "error.output_empty"
        assume(False)
        raise


def tf_conv_gradients(x, k, b, grad, *, activation, **settings):
    """TensorFlow's gradients of sum(conv2d(x) * grad) with respect to x, k and b.

    The padding is built as a gather of the input's cells (the same index map our
    pad modes use), so TensorFlow differentiates every pad mode, not just zeros.
    """
    spec = conv_spec(x, k, **settings)
    height, width, channels = x.shape
    index = conv.pad2d(
        np.arange(1, height * width + 1).reshape(height, width), spec.pads, pad_mode=spec.pad_mode
    )
    xt, kt, bt = (tf.Variable(a.astype(np.float64)) for a in (x, k, b))
    with tf.GradientTape() as tape:
        flat = tf.concat([tf.zeros((1, channels), tf.float64), tf.reshape(xt, (-1, channels))], 0)
        padded = tf.gather(flat, index)  # zero padding: index 0, the row of zeros
        applied = kt[::-1, ::-1] if spec.flip else kt
        # TensorFlow's CPU gradient refuses dilation: spread the taps with zeros instead.
        spread = [
            np.eye((n - 1) * d + 1)[:, ::d]
            for n, d in zip(k.shape[:2], spec.dilation_rate, strict=True)
        ]
        dilated = tf.einsum("am,bn,mncf->abcf", *spread, applied)
        totals = tf.nn.conv2d(padded[None], dilated, [1, *spec.strides, 1], "VALID")[0] + bt
        out = keras.activations.get(activation)(totals) if activation else totals
        loss = tf.reduce_sum(out * grad)
    return [g.numpy() for g in tape.gradient(loss, [xt, kt, bt])]


@PROPERTY
@given(
    h=sizes, w=sizes, c=st.integers(1, 3), f=st.integers(1, 3), kernel=kernel_sizes,
    strides=step_pairs, dilation=step_pairs, padding=paddings,
    pad_mode=st.sampled_from(PAD_MODES), flip=st.booleans(), activation=activations, seed=seeds,
)  # fmt: skip
def test_conv2d_backward_matches_tensorflow(
    h, w, c, f, kernel, strides, dilation, padding, pad_mode, flip, activation, seed
):
    rng = np.random.default_rng(seed)
    x, k, b = rng.normal(size=(h, w, c)), rng.normal(size=(*kernel, c, f)), rng.normal(size=f)
    settings = {"strides": strides, "dilation_rate": dilation, "padding": padding,
                "pad_mode": pad_mode, "flip": flip}  # fmt: skip
    out = conv_or_skip(x, k, bias=b, activation=activation, **settings)
    grad = rng.normal(size=out.shape)
    ours = conv2d_backward(x, k, grad, bias=b, activation=activation, **settings)
    theirs = tf_conv_gradients(x, k, b, grad, activation=activation, **settings)
    for mine, their in zip((ours.input, ours.kernel, ours.bias), theirs, strict=True):
        assert mine.shape == their.shape
        # 1e-7: Keras keeps leaky ReLU's slope 0.2 in float32
        np.testing.assert_allclose(mine, their, rtol=1e-7, atol=1e-7)


@settings(max_examples=25, deadline=None)
@given(
    h=sizes, w=sizes, c=st.integers(1, 3), f=st.integers(1, 3), kernel=kernel_sizes,
    steps=st.one_of(st.tuples(step_pairs, st.just((1, 1))), st.tuples(st.just((1, 1)), step_pairs)),
    padding=st.sampled_from(["valid", "same"]), activation=activations, seed=seeds,
)  # fmt: skip
def test_conv2d_backward_matches_a_keras_conv2d_layer_in_float32(
    h, w, c, f, kernel, steps, padding, activation, seed
):
    strides, dilation = steps
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(h, w, c)).astype(np.float32)
    k = rng.normal(size=(*kernel, c, f)).astype(np.float32)
    b = rng.normal(size=f).astype(np.float32)
    settings = {"strides": strides, "dilation_rate": dilation, "padding": padding}
    out = conv_or_skip(x, k, bias=b, activation=activation, **settings)
    grad = rng.normal(size=out.shape).astype(np.float32)
    layer = keras.layers.Conv2D(f, kernel, activation=activation, **settings)
    layer.build((1, h, w, c))
    layer.set_weights([k, b])
    xt = tf.Variable(x[None])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(xt) * grad)
    dx, dk, db = tape.gradient(loss, [xt, *layer.trainable_weights])
    ours = conv2d_backward(x, k, grad, bias=b, activation=activation, **settings)
    np.testing.assert_allclose(ours.input, dx.numpy()[0], **TOLERANCE)
    np.testing.assert_allclose(ours.kernel, dk.numpy(), **TOLERANCE)
    np.testing.assert_allclose(ours.bias, db.numpy(), **TOLERANCE)


@PROPERTY
@given(h=sizes, w=sizes, c=st.integers(1, 3), kernel=kernel_sizes, strides=step_pairs,
       padding=paddings, pad_mode=st.sampled_from(PAD_MODES), seed=seeds)  # fmt: skip
def test_a_2d_or_3d_kernel_has_the_gradients_of_the_bank_it_stands_for(
    h, w, c, kernel, strides, padding, pad_mode, seed
):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w, c)), rng.normal(size=kernel)
    settings = {"strides": strides, "padding": padding, "pad_mode": pad_mode}
    out = conv_or_skip(x, k, **settings)  # (Ho, Wo, C): the same filter on each channel
    grad = rng.normal(size=out.shape)
    # A 2-D kernel on C channels is the bank with the kernel on its diagonal.
    diagonal = np.zeros((*kernel, c, c))
    for channel in range(c):
        diagonal[:, :, channel, channel] = k
    ours, bank = (
        conv2d_backward(x, k, grad, **settings),
        conv2d_backward(x, diagonal, grad, **settings),
    )
    np.testing.assert_allclose(ours.input, bank.input, atol=1e-12)
    np.testing.assert_allclose(ours.kernel, np.einsum("mncc->mn", bank.kernel), atol=1e-12)
    np.testing.assert_allclose(ours.bias, [bank.bias.sum()], atol=1e-12)
    # A 3-D kernel is a bank of one filter.
    k3 = rng.normal(size=(*kernel, c))
    grad3 = grad[..., 0]
    ours3, bank3 = (
        conv2d_backward(x, k3, grad3, **settings),
        conv2d_backward(x, k3[..., None], grad3[..., None], **settings),
    )
    np.testing.assert_allclose(ours3.input, bank3.input, atol=1e-12)
    np.testing.assert_allclose(ours3.kernel, bank3.kernel[..., 0], atol=1e-12)


@settings(max_examples=20, deadline=None)
@given(h=st.integers(2, 6), w=st.integers(2, 6), kernel=kernel_sizes, strides=step_pairs,
       dilation=step_pairs, padding=paddings, pad_mode=st.sampled_from(PAD_MODES),
       activation=st.sampled_from(["linear", "sigmoid", "tanh"]), seed=seeds)  # fmt: skip
def test_conv2d_backward_agrees_with_central_differences(
    h, w, kernel, strides, dilation, padding, pad_mode, activation, seed
):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w, 2)), rng.normal(size=(*kernel, 2, 2))
    settings = {"strides": strides, "dilation_rate": dilation, "padding": padding,
                "pad_mode": pad_mode, "activation": activation}  # fmt: skip
    grad = rng.normal(size=conv_or_skip(x, k, **settings).shape)
    ours = conv2d_backward(x, k, grad, **settings)

    def loss(xx, kk):
        return float(np.sum(conv2d(xx, kk, **settings) * grad))

    eps = 1e-6
    for array, analytic, which in ((x, ours.input, 0), (k, ours.kernel, 1)):
        for index in [tuple(rng.integers(0, n) for n in array.shape) for _ in range(3)]:
            up, down = array.copy(), array.copy()
            up[index] += eps
            down[index] -= eps
            args_up, args_down = ((up, k), (down, k)) if which == 0 else ((x, up), (x, down))
            numeric = (loss(*args_up) - loss(*args_down)) / (2 * eps)
            assert numeric == pytest.approx(analytic[index], rel=1e-5, abs=1e-6)


def test_hand_values_of_a_3x3_input_and_a_2x2_kernel():
    x = np.arange(9.0).reshape(3, 3)
    grads = conv2d_backward(x, [[1.0, 2.0], [3.0, 4.0]], [[1.0, 0.0], [0.0, 1.0]], bias=0.5)
    # dK[m, n] = x[m, n]·1 + x[m + 1, n + 1]·1
    np.testing.assert_array_equal(grads.kernel, [[0 + 4, 1 + 5], [3 + 7, 4 + 8]])
    # dX: the kernel placed at (0, 0) and at (1, 1), where the gradient is 1
    np.testing.assert_array_equal(grads.input, [[1, 2, 0], [3, 5, 2], [0, 3, 4]])
    np.testing.assert_array_equal(grads.bias, [2.0])


def test_relu_passes_the_gradient_only_where_the_total_was_positive():
    x = np.array([[1.0, -1.0, 2.0]])
    grads = conv2d_backward(x, [[1.0]], [[5.0, 5.0, 5.0]], bias=-1.0, activation="relu")
    np.testing.assert_array_equal(grads.totals, [[0.0, 0.0, 5.0]])  # totals 0, −2, 1
    np.testing.assert_array_equal(grads.input, [[0.0, 0.0, 5.0]])


@pytest.mark.parametrize("activation", sorted(ACTIVATION_FUNCTIONS))
def test_activation_derivatives_match_tensorflow_including_zero(activation):
    z = np.array([-3.0, -0.5, 0.0, 0.5, 3.0, 40.0, -40.0])
    zt = tf.Variable(z)
    with tf.GradientTape() as tape:
        y = keras.activations.get(activation)(zt)
    theirs = tape.gradient(y, zt).numpy()
    np.testing.assert_allclose(
        activation_backward(z, np.ones_like(z), activation), theirs, atol=1e-12
    )
    assert set(ACTIVATION_DERIVATIVES) == set(ACTIVATION_FUNCTIONS)


@PROPERTY
@given(h=st.integers(1, 7), w=st.integers(1, 7), c=st.integers(1, 3),
       pool=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       strides=st.one_of(st.none(), step_pairs), padding=st.sampled_from(["valid", "same"]),
       op=st.sampled_from(["max", "average"]), ties=st.booleans(), seed=seeds)  # fmt: skip
def test_pool2d_backward_matches_tensorflow(h, w, c, pool, strides, padding, op, ties, seed):
    rng = np.random.default_rng(seed)
    # Small integers make ties: TensorFlow then routes the gradient to the first maximum.
    x = (
        rng.integers(0, 3, size=(h, w, c)).astype(np.float64)
        if ties
        else rng.normal(size=(h, w, c))
    )
    settings = {"strides": strides, "padding": padding, "op": op}
    try:
        out = pool2d(x, pool, **settings)
    except InputError as err:
        assert err.key == "error.pool_output_empty"
        return
    grad = rng.normal(size=out.shape)
    xt = tf.Variable(x[None])
    tf_pool = tf.nn.max_pool2d if op == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        y = tf_pool(xt, pool, strides or pool, padding.upper())
        loss = tf.reduce_sum(y * grad)
    theirs = tape.gradient(loss, xt).numpy()[0]
    np.testing.assert_allclose(pool2d_backward(x, grad, pool, **settings), theirs, atol=1e-12)


def test_max_pooling_routes_the_course_example_to_its_four_winners():
    grad = pool2d_backward(np.array(COURSE_EXAMPLE), np.ones((2, 2)))
    winners = np.argwhere(grad)
    assert winners.tolist() == [[1, 1], [1, 3], [2, 0], [3, 3]]  # 6, 8, 3 and 4


def test_average_pooling_with_same_padding_shares_among_real_cells_only():
    grad = pool2d_backward(np.ones((3, 3)), np.full((2, 2), 4.0), 2, padding="same", op="average")
    # the top-left window has 4 real cells (1 each), the bottom-right one a single cell (4)
    np.testing.assert_array_equal(grad, [[1, 1, 2], [1, 1, 2], [2, 2, 4]])


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 12), units=st.integers(2, 6), seed=seeds)
def test_dense_and_softmax_cross_entropy_match_keras(n, units, seed):
    rng = np.random.default_rng(seed)
    x, weights, bias = rng.normal(size=n), rng.normal(size=(n, units)), rng.normal(size=units)
    target = int(rng.integers(0, units))
    xt, wt, bt = tf.Variable(x[None]), tf.Variable(weights), tf.Variable(bias)
    with tf.GradientTape() as tape:
        logits = xt @ wt + bt
        loss = keras.losses.sparse_categorical_crossentropy(
            tf.constant([target]), logits, from_logits=True
        )[0]
    dx, dw, db = tape.gradient(loss, [xt, wt, bt])
    logits_np = x @ weights + bias
    result = softmax_cross_entropy(logits_np, target)
    assert result.loss == pytest.approx(float(loss), rel=1e-9)
    np.testing.assert_allclose(result.probabilities, tf.nn.softmax(logits_np).numpy(), rtol=1e-9)
    grads = dense_backward(x, weights, result.grad_logits)
    np.testing.assert_allclose(grads.input, dx.numpy()[0], atol=1e-9)
    np.testing.assert_allclose(grads.weights, dw.numpy(), atol=1e-9)
    np.testing.assert_allclose(grads.bias, db.numpy(), atol=1e-9)


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    result = softmax_cross_entropy(np.array([1000.0, 0.0, -1000.0]), 2)
    assert result.loss == pytest.approx(2000.0)
    np.testing.assert_allclose(result.grad_logits, [1.0, 0.0, -1.0])


@PROPERTY
@given(h=sizes, w=sizes, c=st.integers(1, 2), f=st.integers(1, 2), kernel=kernel_sizes,
       strides=step_pairs, dilation=step_pairs, padding=paddings,
       pad_mode=st.sampled_from(PAD_MODES), seed=seeds)  # fmt: skip
def test_the_traces_add_up_to_the_gradients(
    h, w, c, f, kernel, strides, dilation, padding, pad_mode, seed
):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(h, w, c)), rng.normal(size=(*kernel, c, f))
    settings = {"strides": strides, "dilation_rate": dilation, "padding": padding,
                "pad_mode": pad_mode}  # fmt: skip
    grad = rng.normal(size=conv_or_skip(x, k, **settings).shape)
    grads = conv2d_backward(x, k, grad, **settings)
    spec = conv_spec(x, k, **settings)
    padded_input = np.zeros(spec.padded.shape)
    for channel in range(c):
        for fmap in range(f):
            where = {"channel": channel, "filter": fmap}
            trace = kernel_gradient_trace(x, k, grads.totals, **where, **settings)
            np.testing.assert_allclose(trace.output, grads.kernel[:, :, channel, fmap], atol=1e-9)
            step = trace.step_at(0, 0)
            assert step.values.size == grad[..., 0].size  # one term per output position
            parts = kernel_gradient_accumulation(x, k, grads.totals, **where, **settings)
            assert parts.shape == (grad[..., 0].size, *kernel)
            np.testing.assert_allclose(parts.sum(axis=0), trace.output, atol=1e-9)
            turned = input_gradient_trace(k, grads.totals, x.shape, **where, **settings)
            assert turned.flip and turned.output.shape == spec.padded.shape[:2]
            padded_input[..., channel] += turned.output
    np.testing.assert_allclose(unpad_gradient(padded_input, x.shape, spec), grads.input, atol=1e-9)


def test_the_kernel_gradient_trace_writes_the_sum_over_positions():
    x = np.arange(16.0).reshape(4, 4)
    trace = kernel_gradient_trace(
        x, np.ones((3, 3)), np.array([[1.0, -1.0], [2.0, 0.5]]), padding=0
    )
    step = trace.step_at(1, 2)
    # dK[1, 2] = x[1, 2]·1 + x[1, 3]·(−1) + x[2, 2]·2 + x[2, 3]·0,5
    assert step.formula("es") == "6·1 + 7·(−1) + 10·2 + 11·0,5 = 24,5"
    assert trace.pads == ((0, 0), (0, 0))


def test_zero_padding_shows_as_padding_in_the_kernel_gradient_trace():
    trace = kernel_gradient_trace(np.ones((3, 3)), np.ones((3, 3)), np.ones((3, 3)), padding="same")
    assert trace.pads == ((1, 1), (1, 1))
    np.testing.assert_array_equal(trace.output, [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_the_input_gradient_is_the_full_convolution_with_the_turned_kernel():
    kernel = np.arange(1.0, 10.0).reshape(3, 3)  # a..i
    trace = input_gradient_trace(kernel, np.array([[1.0]]), (3, 3))
    np.testing.assert_array_equal(trace.output, kernel)  # one gradient cell spreads the kernel
    np.testing.assert_array_equal(trace.kernel, kernel[::-1, ::-1])  # i..a: the kernel applied


@pytest.mark.parametrize(
    ("call", "key", "quoted"),
    [
        (lambda: conv2d_backward(np.ones((3, 3)), np.ones((2, 2)), np.ones((3, 3))),
         "error.gradient_shape", ("(3, 3)", "(2, 2)")),
        (lambda: kernel_gradient_trace(np.ones((3, 3)), np.ones((2, 2)), np.ones((2, 2)), filter=1),
         "error.gradient_index", ("1",)),
        (lambda: softmax_cross_entropy(np.zeros(3), 3), "error.target_class", ("3",)),
        (lambda: dense_backward(np.ones(4), np.ones((3, 2)), np.ones(2)),
         "error.weights_shape", ("(3, 2)", "4")),
        (lambda: activation_backward(np.ones(2), np.ones(2), "swish"),
         "error.unknown_activation", ("'swish'",)),
    ],
)  # fmt: skip
def test_bad_arguments_get_a_message_a_student_can_act_on(call, key, quoted):
    with pytest.raises(InputError) as info:
        call()
    assert_actionable(info.value, key, *quoted)
