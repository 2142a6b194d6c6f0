"""Tests of cnnviz.core.trace: hand-computed steps and formulas, invariants, laziness."""

from __future__ import annotations

import gc
import tracemalloc

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import conv
from cnnviz.core.pool_trace import pool2d_trace
from cnnviz.core.signal_trace import conv1d_trace
from cnnviz.core.trace import ConvStep, ConvTrace, conv2d_trace, conv2d_transpose_trace
from cnnviz.i18n import MINUS, InputError
from tests.core.helpers import (
    COURSE_POOL,
    assert_translated,
    expected_cell,
    expected_padding,
    pairs,
    sequential_sum,
    small_floats,
)

COURSE_X = np.array(
    [
        [0, 5, 0, 0, 9, 4, 0],
        [1, 6, 0, 0, 8, 3, 0],
        [2, 7, 0, 0, 7, 2, 0],
        [3, 8, 0, 0, 6, 1, 0],
        [4, 9, 0, 0, 5, 0, 0],
    ]
)


COURSE_K = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])


COURSE_FORMULA = "0·1 + 5·(−2) + 0·3 + 1·4 + 6·(−5) + 0·6 + 2·(−7) + 7·8 + 0·(−9) = 6"


ACTIVATIONS = [None, "linear", "relu", "sigmoid", "tanh", "leaky_relu"]


# --- the course's example: values and formulas -----------------------------------------


def test_course_example_first_step():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    step = trace.step(0)
    assert len(trace) == 15
    assert (step.index, step.row, step.col, step.filter) == (0, 0, 0, None)
    assert step.rows == (0, 1, 2) and step.cols == (0, 1, 2) and step.top_left == (0, 0)
    np.testing.assert_array_equal(step.values, COURSE_X[:3, :3])
    np.testing.assert_array_equal(step.weights, COURSE_K)
    np.testing.assert_array_equal(step.products, COURSE_X[:3, :3] * COURSE_K)
    assert step.total == 6.0 and step.activated == 6.0 and step.bias == 0.0
    assert step.activation == "linear" and step.channel_totals is None
    assert not step.is_padding.any()
    np.testing.assert_array_equal(trace.output, conv.conv2d(COURSE_X, COURSE_K))


def test_course_formula_in_english_and_spanish():
    step = conv2d_trace(COURSE_X, COURSE_K).step(0)
    assert step.formula("en") == COURSE_FORMULA
    # Integers read the same in both languages.
    assert step.formula("es") == COURSE_FORMULA
    assert step.formula_lines("en") == [COURSE_FORMULA]
    assert step.activation_formula("en") is None


def test_formula_uses_the_current_language_by_default():
    from cnnviz.i18n import set_language

    step = conv2d_trace([[0.5, 1.5]], [[2, -0.25]]).step(0)
    set_language("es")
    try:
        assert step.formula() == "0,5·2 + 1,5·(−0,25) = 0,625"
    finally:
        set_language("en")
    assert step.formula() == "0.5·2 + 1.5·(−0.25) = 0.625"


def test_float_formula_decimal_comma_and_digits():
    step = conv2d_trace([[0.5, -1.25]], [[-2, 0.125]]).step(0)
    # 0.5·(−2) + (−1.25)·0.125 = −1 − 0.15625 = −1.15625, shown with 3 decimals.
    assert step.formula("en") == "0.5·(−2) + (−1.25)·0.125 = −1.156"
    assert step.formula("es") == "0,5·(−2) + (−1,25)·0,125 = −1,156"
    assert step.formula("es", digits=5) == "0,5·(−2) + (−1,25)·0,125 = −1,15625"
    assert MINUS in step.formula("en") and "-" not in step.formula("en")


def test_bias_and_activation_lines():
    trace = conv2d_trace(COURSE_X, COURSE_K, bias=0.5, activation="relu")
    first, second = trace.step(0), trace.step(1)
    prefix = COURSE_FORMULA.removesuffix(" = 6")
    assert first.formula("es") == prefix + " + 0,5 = 6,5"
    assert first.formula("en") == prefix + " + 0.5 = 6.5"
    assert first.activation_formula("es") == "relu(6,5) = 6,5"
    assert first.formula_lines("es") == [prefix + " + 0,5 = 6,5", "relu(6,5) = 6,5"]
    # The second window sums to −20: with the bias −19.5, which relu turns into 0.
    assert (second.total, second.activated) == (-19.5, 0.0)
    assert second.activation_formula("es") == "relu(−19,5) = 0"


def test_negative_bias_is_a_term_in_parentheses():
    step = conv2d_trace([[1, 2]], [[1, 1]], bias=-0.5).step(0)
    assert step.formula("en") == "1·1 + 2·1 + (−0.5) = 2.5"


def test_multichannel_filter_channel_totals_and_lines():
    # A 1x2 RGB image and one 1x2 filter over its three channels.
    x = np.array([[[1, 2, 3], [4, 5, 6]]], dtype=float)
    k = np.array([[[1, 0, -1], [2, 0, 1]]], dtype=float)  # (1, 2, 3)
    step = conv2d_trace(x, k, bias=1).step(0)
    # R: 1·1 + 4·2 = 9; G: 0; B: 3·(−1) + 6·1 = 3; total 9 + 0 + 3 + 1 = 13.
    np.testing.assert_array_equal(step.channel_totals, [9, 0, 3])
    assert step.values.shape == step.weights.shape == (1, 2, 3)
    assert step.is_padding.shape == (1, 2)
    assert step.total == 13.0
    # One line: the products channel by channel, then the bias.
    assert step.formula("en") == "1·1 + 4·2 + 2·0 + 5·0 + 3·(−1) + 6·1 + 1 = 13"
    assert step.formula_lines("es") == [
        "canal 0: 1·1 + 4·2 = 9",
        "canal 1: 2·0 + 5·0 = 0",
        "canal 2: 3·(−1) + 6·1 = 3",
        "9 + 0 + 3 + 1 = 13",
    ]


def test_padding_cells_are_marked_in_padded_coordinates():
    trace = conv2d_trace(COURSE_X, COURSE_K, padding=1, strides=2)
    assert trace.pads == ((1, 1), (1, 1))
    assert trace.output.shape == (3, 4)
    np.testing.assert_array_equal(trace.image, COURSE_X)
    step = trace.step(0)
    assert step.rows == (0, 1, 2) and step.cols == (0, 1, 2)
    np.testing.assert_array_equal(
        step.is_padding, [[True, True, True], [True, False, False], [True, False, False]]
    )
    np.testing.assert_array_equal(step.values, [[0, 0, 0], [0, 0, 5], [0, 1, 6]])
    last = trace.step(len(trace) - 1)  # row 2, column 3: padded rows 4..6, columns 6..8
    assert (last.row, last.col, last.rows, last.cols) == (2, 3, (4, 5, 6), (6, 7, 8))
    np.testing.assert_array_equal(last.is_padding[:, 2], [True] * 3)
    np.testing.assert_array_equal(last.is_padding[2], [True] * 3)


def test_dilated_window_rows_and_cols():
    x = np.arange(49.0).reshape(7, 7)
    step = conv2d_trace(x, np.ones((3, 2)), dilation_rate=(2, 3), strides=(1, 2)).step_at(1, 1)
    assert step.rows == (1, 3, 5) and step.cols == (2, 5) and step.top_left == (1, 2)
    np.testing.assert_array_equal(step.values, x[np.ix_([1, 3, 5], [2, 5])])


def test_flip_applies_the_flipped_kernel():
    trace = conv2d_trace(COURSE_X, COURSE_K, flip=True)
    assert trace.flip
    np.testing.assert_array_equal(trace.kernel, COURSE_K[::-1, ::-1])
    np.testing.assert_array_equal(trace.step(0).weights, COURSE_K[::-1, ::-1])
    np.testing.assert_array_equal(trace.output, conv.conv2d(COURSE_X, COURSE_K, flip=True))


def test_filter_bank_steps_play_one_feature_map_at_a_time():
    x = np.arange(16.0).reshape(4, 4)
    bank = np.stack([np.ones((2, 2, 1)), -np.ones((2, 2, 1))], axis=-1)  # (2, 2, 1, 2)
    trace = conv2d_trace(x, bank, bias=[0.0, 10.0])
    assert trace.output.shape == (3, 3, 2) and len(trace) == 18
    assert trace.map_axis == "filter"
    assert [trace.cell_of(i) for i in (0, 1, 3, 8, 9, 17)] == [
        (0, 0, 0),
        (0, 1, 0),
        (1, 0, 0),
        (2, 2, 0),
        (0, 0, 1),
        (2, 2, 1),
    ]
    step = trace.step(9)
    assert step.cell == (0, 0, 1) and step.bias == 10.0
    assert step.total == 10.0 - (0 + 1 + 4 + 5)
    np.testing.assert_array_equal(step.channel_totals, [-10.0])
    assert trace.index_of(2, 2, 1) == 17


def test_2d_kernel_on_rgb_image_steps_over_channels():
    x = np.dstack([COURSE_X, 2 * COURSE_X, -COURSE_X])
    trace = conv2d_trace(x, COURSE_K)
    assert trace.output.shape == (3, 5, 3) and trace.map_axis == "channel"
    step = trace.step_at(0, 0, 1)
    assert step.index == 15 and step.filter == 1
    assert step.values.shape == (3, 3) and step.channel_totals is None
    assert step.total == 12.0
    assert trace.step(30).total == -6.0


def test_steps_are_frozen_and_read_only():
    trace = conv2d_trace(COURSE_X.astype(float), COURSE_K, padding="same")
    step = trace.step(4)
    with pytest.raises(AttributeError):
        step.total = 0.0  # type: ignore[misc]
    for array in (trace.output, trace.padded, trace.kernel, step.values, step.products):
        assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        step.products[0, 0] = 1.0


def test_the_callers_array_keeps_its_flags():
    x = COURSE_X.astype(float)
    conv2d_trace(x, COURSE_K)
    assert x.flags.writeable


def test_iteration_is_lazy_and_in_step_order():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    steps = iter(trace)
    assert next(steps) == trace.step(0)
    assert [s.index for s in trace] == list(range(15))


# --- errors ----------------------------------------------------------------------------


def test_step_out_of_range():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    for bad in (15, -1, 1000):
        with pytest.raises(InputError) as info:
            trace.step(bad)
        assert info.value.key == "error.trace_step_out_of_range"
        assert_translated(info.value, bad, 15, 14)


def test_index_must_be_a_whole_number():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    for bad in (1.5, True, "2", None):
        with pytest.raises(InputError) as info:
            trace.step(bad)  # type: ignore[arg-type]
        assert info.value.key == "error.trace_index_not_int"
        assert_translated(info.value)
    assert trace.step(np.int64(3)) == trace.step(3)


def test_cell_out_of_range():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    for row, col in ((3, 0), (0, 5), (-1, 2)):
        with pytest.raises(InputError) as info:
            trace.step_at(row, col)
        assert info.value.key == "error.trace_cell_out_of_range"
        assert_translated(info.value, 3, 5)


def test_filter_missing_out_of_range_or_unexpected():
    bank = np.ones((3, 3, 1, 2))
    trace = conv2d_trace(COURSE_X, bank)
    cases = [
        (trace, (0, 0, None), "error.trace_filter_missing"),
        (trace, (0, 0, 2), "error.trace_filter_out_of_range"),
        (conv2d_trace(COURSE_X, COURSE_K), (0, 0, 0), "error.trace_single_map"),
        (pool2d_trace(np.dstack([COURSE_POOL] * 3)), (0, 0, None), "error.trace_channel_missing"),
        (pool2d_trace(np.dstack([COURSE_POOL] * 3)), (0, 0, 3), "error.trace_channel_out_of_range"),
        (pool2d_trace(COURSE_POOL), (0, 0, 1), "error.trace_single_map"),
        (pool2d_trace(COURSE_POOL), (2, 0, None), "error.trace_cell_out_of_range"),
    ]
    for subject, args, key in cases:
        with pytest.raises(InputError) as info:
            subject.step_at(*args)
        assert info.value.key == key
        assert_translated(info.value)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"strides": 0}, "error.stride_below_one"),
        ({"padding": "wide"}, "error.unknown_padding"),
        ({"activation": "softmax"}, "error.unknown_activation"),
        ({"pad_mode": "mirror"}, "error.unknown_pad_mode"),
        ({"dilation_rate": 4}, "error.output_empty"),
        ({"bias": [1.0, 2.0]}, "error.bias_shape"),
    ],
)
def test_conv_arguments_are_validated_as_conv2d_does(kwargs, key):
    with pytest.raises(InputError) as expected:
        conv.conv2d(COURSE_X, COURSE_K, **kwargs)
    with pytest.raises(InputError) as info:
        conv2d_trace(COURSE_X, COURSE_K, **kwargs)
    assert info.value.key == expected.value.key == key


def test_other_traces_validate_as_their_functions():
    with pytest.raises(InputError) as info:
        conv1d_trace([[1, 2]], [1])
    assert info.value.key == "error.not_1d"
    with pytest.raises(InputError) as info:
        pool2d_trace(COURSE_POOL, op="min")
    assert info.value.key == "error.unknown_pool_op"
    with pytest.raises(InputError) as info:
        conv2d_trace(np.ones((4, 4, 3)), np.ones((3, 3, 2)))
    assert info.value.key == "error.channel_mismatch"


# --- laziness --------------------------------------------------------------------------


def test_large_trace_builds_no_per_step_objects():
    rng = np.random.default_rng(0)
    image = rng.random((1024, 1024))
    kernel = rng.standard_normal((3, 3))
    gc.collect()
    before = len(gc.get_objects())
    trace = conv2d_trace(image, kernel, padding="same", activation="relu")
    gc.collect()
    # A million steps would be a million tracked objects; a trace holds a handful.
    assert len(gc.get_objects()) - before < 1000
    assert len(trace) == 1024 * 1024
    np.testing.assert_array_equal(
        trace.output, conv.conv2d(image, kernel, padding="same", activation="relu")
    )
    tracemalloc.start()
    try:
        for index in (0, 1024 * 1024 - 1, 524_288 + 17):
            tracemalloc.reset_peak()
            step = trace.step(index)
            _, peak = tracemalloc.get_traced_memory()
            # O(window): a step never copies the image (8 MiB), nor a row of it.
            assert peak < 16_384
            assert step.activated == trace.output[step.cell]
            rows, cols = np.ix_(step.rows, step.cols)
            np.testing.assert_array_equal(step.values, trace.padded[rows, cols])
    finally:
        tracemalloc.stop()
    last = trace.step(len(trace) - 1)
    assert last.cell == (1023, 1023) and last.rows == (1023, 1024, 1025)
    np.testing.assert_array_equal(last.is_padding[2], [True] * 3)


# --- invariants on random cases --------------------------------------------------------


paddings_2d = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    st.integers(0, 2),
    st.tuples(
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
        st.tuples(st.integers(0, 2), st.integers(0, 2)),
    ),
)


@st.composite
def conv_cases(draw):
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    channels = draw(st.sampled_from([None, 1, 2, 3]))
    shape = (rows, cols) if channels is None else (rows, cols, channels)
    image = draw(hnp.arrays(np.float64, shape, elements=small_floats))
    kernel_rank = draw(st.sampled_from([2, 3, 4]))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    in_channels = channels or 1
    filters = draw(st.integers(1, 3))
    kernel_shape = {2: (kh, kw), 3: (kh, kw, in_channels), 4: (kh, kw, in_channels, filters)}
    kernel = draw(hnp.arrays(np.float64, kernel_shape[kernel_rank], elements=small_floats))
    if kernel_rank == 4:
        bias = draw(
            st.one_of(small_floats, st.lists(small_floats, min_size=filters, max_size=filters))
        )
    else:
        bias = draw(small_floats)
    kwargs = {
        "bias": bias,
        "strides": draw(pairs),
        "padding": draw(paddings_2d),
        "dilation_rate": draw(
            st.one_of(st.integers(1, 2), st.tuples(st.integers(1, 2), st.integers(1, 2)))
        ),
        "pad_mode": draw(st.sampled_from(conv.PAD_MODES)),
        "flip": draw(st.booleans()),
        "activation": draw(st.sampled_from(ACTIVATIONS)),
    }
    return image, kernel, kwargs


@settings(max_examples=60, deadline=None)
@given(conv_cases())
def test_conv_trace_invariants(case):
    image, kernel, kwargs = case
    try:
        expected = conv.conv2d(image, kernel, **kwargs)
    except InputError as err:
        with pytest.raises(InputError) as info:
            conv2d_trace(image, kernel, **kwargs)
        assert info.value.key == err.key
        return
    trace = conv2d_trace(image, kernel, **kwargs)
    assert isinstance(trace, ConvTrace)
    np.testing.assert_array_equal(trace.output, expected)
    assert len(trace) == trace.output.size
    np.testing.assert_array_equal(trace.image, image)
    applied = np.flip(kernel, (0, 1)) if kwargs["flip"] else kernel
    padded_hw = trace.padded.shape[:2]
    for index in range(len(trace)):
        step = trace.step(index)
        assert isinstance(step, ConvStep)
        assert step.index == index and step.cell == expected_cell(index, trace.output.shape)
        # The activated value is the output cell, bit for bit, and the activation of the total.
        assert step.activated == trace.output[step.cell]
        assert step.activated == conv.activate(np.array([step.total]), kwargs["activation"])[0]
        # The window: dilation-aware, inside the padded input, reading the padded input.
        assert len(step.rows) == kernel.shape[0] and len(step.cols) == kernel.shape[1]
        assert step.top_left == (step.rows[0], step.cols[0])
        assert min(step.rows) >= 0 and max(step.rows) < padded_hw[0]
        assert min(step.cols) >= 0 and max(step.cols) < padded_hw[1]
        assert set(np.diff(step.rows)) <= {trace.dilation_rate[0]}
        assert set(np.diff(step.cols)) <= {trace.dilation_rate[1]}
        window = trace.padded[np.ix_(step.rows, step.cols)]
        np.testing.assert_array_equal(
            step.is_padding, expected_padding(step.rows, step.cols, trace.pads, image.shape)
        )
        if kernel.ndim == 2:
            if image.ndim == 3:
                window = window[..., step.filter]
            np.testing.assert_array_equal(step.values, window)
            np.testing.assert_array_equal(step.weights, applied)
            # conv adds a 2-D kernel's products one by one, row-major: the same sum exactly.
            assert step.total == sequential_sum(step.products) + step.bias
            assert step.channel_totals is None
        else:
            np.testing.assert_array_equal(step.values, window.reshape(step.values.shape))
            bank = applied if applied.ndim == 4 else applied[..., None]
            np.testing.assert_array_equal(step.weights, bank[..., step.filter or 0])
            # A matrix product adds in BLAS's order: equal up to rounding.
            assert step.total == pytest.approx(step.products.sum() + step.bias, rel=1e-12, abs=1e-9)
            np.testing.assert_allclose(step.channel_totals, step.products.sum(axis=(0, 1)))
        np.testing.assert_array_equal(step.products, step.values * step.weights)
        biases = np.broadcast_to(kwargs["bias"], trace.bias.shape)
        assert step.bias == biases[step.filter if kernel.ndim == 4 else 0]
        assert trace.step_at(*step.cell) == step
        assert trace.index_of(*step.cell) == index
        assert isinstance(step.formula("es"), str) and step.formula_lines("en")


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(1, 6),
    cols=st.integers(1, 6),
    kh=st.integers(1, 4),
    kw=st.integers(1, 4),
    sr=st.integers(1, 3),
    sc=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    seed=st.integers(0, 2**16),
)
def test_a_transposed_convolution_is_a_window_over_the_image_with_holes(
    rows, cols, kh, kw, sr, sc, padding, seed
):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(rows, cols)), rng.normal(size=(kh, kw))
    trace = conv2d_transpose_trace(x, k, strides=(sr, sc), padding=padding)
    expected = conv.conv2d_transpose(x, k, strides=(sr, sc), padding=padding)
    np.testing.assert_allclose(trace.output, expected, rtol=1e-12, atol=1e-12)
    (top, _), (left, _) = trace.pads
    # The image sits on every s-th cell after the padding; the cells between are zeros.
    np.testing.assert_array_equal(trace.padded[top::sr, left::sc][:rows, :cols], x)
    assert np.count_nonzero(trace.padded) <= np.count_nonzero(x)
    assert trace.flip and trace.strides == (1, 1)


# --- the split modules -----------------------------------------------------------------


def test_trace_module_exports_every_trace():
    from cnnviz.core import pool_trace, signal_trace, trace

    assert trace.PoolTrace is pool_trace.PoolTrace
    assert trace.PoolStep is pool_trace.PoolStep
    assert trace.pool2d_trace is pool_trace.pool2d_trace
    assert trace.Conv1DTrace is signal_trace.Conv1DTrace
    assert trace.Conv1DStep is signal_trace.Conv1DStep
    assert trace.conv1d_trace is signal_trace.conv1d_trace
    assert set(trace.__all__) >= {"ConvTrace", "ConvStep", "conv2d_trace", "pool2d_trace"}


def test_trace_holds_what_its_spec_resolved():
    spec = conv.conv_spec(COURSE_X, COURSE_K, strides=2, padding="same", flip=True)
    trace = conv2d_trace(COURSE_X, COURSE_K, strides=2, padding="same", flip=True)
    np.testing.assert_array_equal(trace.padded, spec.padded)
    np.testing.assert_array_equal(trace.kernel, spec.kernel)
    assert (trace.pads, trace.strides, trace.output.shape) == (spec.pads, (2, 2), spec.output_hw)


def test_trace_kernel_is_a_private_copy():
    kernel = np.array([[1.0, -1.0]])
    trace = conv2d_trace([[1, 2, 3]], kernel)
    kernel[0, 0] = 5.0
    assert trace.kernel[0, 0] == 1.0
    assert not trace.kernel.flags.writeable
