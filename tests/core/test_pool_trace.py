"""Tests of cnnviz.core.pool_trace: the course's pooling steps, their winners, invariants."""

from __future__ import annotations

import os

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import pooling
from cnnviz.core.pool_trace import PoolStep, pool2d_trace
from cnnviz.i18n import InputError
from tests.core.helpers import COURSE_POOL, expected_cell, expected_padding, pairs, small_floats

# --- the course's example: values and formulas -----------------------------------------


def test_course_max_pool_formula_and_winner():
    trace = pool2d_trace(COURSE_POOL, 2)
    step = trace.step(0)
    assert step.formula("en") == "max(1, 1, 5, 6) = 6"
    # Spanish writes decimal commas, so list items are separated by semicolons.
    assert step.formula("es") == "max(1; 1; 5; 6) = 6"
    assert step.winner == (1, 1) and step.result == 6.0 and step.count == 4
    assert [trace.step(i).winner for i in range(4)] == [(1, 1), (1, 3), (2, 0), (3, 3)]


def test_course_average_pool_formula():
    step = pool2d_trace(COURSE_POOL, 2, op="average").step(0)
    assert step.formula("es") == "(1 + 1 + 5 + 6) / 4 = 3,25"
    assert step.formula("en") == "(1 + 1 + 5 + 6) / 4 = 3.25"
    assert step.winner is None and step.count == 4


def test_same_pooling_leaves_padded_cells_out():
    x = np.arange(9.0).reshape(3, 3)
    average = pool2d_trace(x, 2, padding="same", op="average")
    assert [average.step(i).formula("en") for i in range(4)] == [
        "(0 + 1 + 3 + 4) / 4 = 2",
        "(2 + 5) / 2 = 3.5",
        "(6 + 7) / 2 = 6.5",
        "(8) / 1 = 8",
    ]
    corner = average.step(3)
    np.testing.assert_array_equal(corner.is_padding, [[False, True], [True, True]])
    assert corner.count == 1 and corner.rows == (2, 3) and corner.cols == (2, 3)
    maximum = pool2d_trace(-x, 2, padding="same").step(3)
    assert maximum.formula("es") == "max(−8) = −8" and maximum.winner == (2, 2)
    assert np.isneginf(maximum.values[maximum.is_padding]).all()


def test_max_pool_negative_values_and_ties():
    step = pool2d_trace([[-1.5, -0.5], [-0.5, -2]], 2).step(0)
    assert step.formula("es") == "max(−1,5; −0,5; −0,5; −2) = −0,5"
    assert step.winner == (0, 1)  # the first maximum, row-major


def test_pool_channels_are_the_outer_loop():
    x = np.dstack([COURSE_POOL, -COURSE_POOL])
    trace = pool2d_trace(x, 2)
    assert len(trace) == 8
    step = trace.step(4)
    assert step.cell == (0, 0, 1) and step.result == -1.0
    assert trace.step_at(1, 1, 1) == trace.step(7)
    assert trace.index_of(1, 0, 0) == 2


def test_winner_matches_tensorflow_argmax():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(7)
    x = rng.integers(0, 3, size=(7, 9)).astype(np.float32)  # many ties
    for pool, stride, padding in [(2, 2, "valid"), (3, 1, "valid"), (2, 2, "same"), (3, 2, "same")]:
        trace = pool2d_trace(x, pool, strides=stride, padding=padding)
        _, argmax = tf.nn.max_pool_with_argmax(x[None, :, :, None], pool, stride, padding.upper())
        argmax = argmax.numpy()[0, :, :, 0]
        (top, _), (left, _) = trace.pads
        for step in trace:
            row, col = step.winner[0] - top, step.winner[1] - left
            assert row * x.shape[1] + col == argmax[step.row, step.col]


def test_pool_trace_output_comes_from_its_windows():
    windows = pooling.pool_windows(COURSE_POOL, 3, strides=2, padding="same", op="average")
    trace = pool2d_trace(COURSE_POOL, 3, strides=2, padding="same", op="average")
    np.testing.assert_array_equal(trace.padded, windows.padded)
    np.testing.assert_array_equal(trace.output, pooling.pool_from_windows(windows))
    np.testing.assert_array_equal(
        trace.output, pooling.pool2d(COURSE_POOL, 3, strides=2, padding="same", op="average")
    )


# --- invariants on random cases --------------------------------------------------------


@st.composite
def pool_cases(draw):
    rows, cols = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    channels = draw(st.sampled_from([None, 1, 3]))
    shape = (rows, cols) if channels is None else (rows, cols, channels)
    x = draw(hnp.arrays(np.float64, shape, elements=small_floats))
    kwargs = {
        "pool_size": draw(pairs),
        "strides": draw(st.one_of(st.none(), pairs)),
        "padding": draw(st.sampled_from(["valid", "same"])),
        "op": draw(st.sampled_from(pooling.POOL_OPS)),
    }
    return x, kwargs


@settings(max_examples=60, deadline=None)
@given(pool_cases())
def test_pool_trace_invariants(case):
    x, kwargs = case
    try:
        expected = pooling.pool2d(x, **kwargs)
    except InputError as err:
        with pytest.raises(InputError) as info:
            pool2d_trace(x, **kwargs)
        assert info.value.key == err.key
        return
    trace = pool2d_trace(x, **kwargs)
    np.testing.assert_array_equal(trace.output, expected)
    assert len(trace) == trace.output.size
    np.testing.assert_array_equal(trace.image, x)
    for index in range(len(trace)):
        step = trace.step(index)
        assert isinstance(step, PoolStep)
        assert step.index == index and step.cell == expected_cell(index, trace.output.shape)
        assert step.result == trace.output[step.cell]
        assert min(step.rows) >= 0 and max(step.rows) < trace.padded.shape[0]
        assert min(step.cols) >= 0 and max(step.cols) < trace.padded.shape[1]
        assert len(step.rows) == trace.pool_size[0] and len(step.cols) == trace.pool_size[1]
        window = trace.padded[np.ix_(step.rows, step.cols)]
        if x.ndim == 3:
            window = window[..., step.channel]
        np.testing.assert_array_equal(step.values, window)
        np.testing.assert_array_equal(
            step.is_padding, expected_padding(step.rows, step.cols, trace.pads, x.shape)
        )
        real = step.values[~step.is_padding]
        assert step.count == real.size >= 1
        if step.op == "max":
            assert step.result == real.max()
            win_row, win_col = step.winner
            assert not step.is_padding[win_row - step.rows[0], win_col - step.cols[0]]
            assert trace.padded[(win_row, win_col, *step.cell[2:])] == step.result
            flat = (win_row - step.rows[0]) * len(step.cols) + win_col - step.cols[0]
            assert (step.values.ravel()[:flat] < step.result).all()  # the first maximum
        else:
            assert step.winner is None
            assert step.result == pytest.approx(real.mean(), rel=1e-12, abs=1e-12)
        assert trace.step_at(*step.cell) == step
        assert trace.index_of(*step.cell) == index
        assert step.formula("es").endswith(" = " + step.formula("es").rsplit(" = ")[-1])
