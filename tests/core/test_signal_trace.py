"""Tests of cnnviz.core.signal_trace: a 1-D convolution step by step."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import conv
from cnnviz.core.signal_trace import Conv1DStep, conv1d_trace
from cnnviz.i18n import InputError
from tests.core.helpers import assert_translated, sequential_sum, small_floats


def test_conv1d_course_signal():
    trace = conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1], padding="same")
    np.testing.assert_array_equal(trace.output, [0, 8, -16, 11, 1, -4])
    first = trace.step(0)
    assert first.positions == (0, 1, 2) and first.start == 0
    np.testing.assert_array_equal(first.is_padding, [True, False, False])
    assert first.formula("en") == "0·(−1) + 1·2 + 2·(−1) = 0"
    assert trace.step_at(2).formula("es") == "2·(−1) + (−5)·2 + 4·(−1) = −16"
    np.testing.assert_array_equal(trace.signal, [1, 2, -5, 4, 2, -1])


def test_conv1d_flip_matches_np_convolve():
    x, w = [1.0, 2.0, 3.0, 0.5], [1.0, 0.0, -2.0]
    trace = conv1d_trace(x, w, padding="full", flip=True)
    np.testing.assert_array_equal(trace.output, np.convolve(x, w))
    np.testing.assert_array_equal(trace.kernel, w[::-1])
    assert trace.step(0).formula("es") == "0·(−2) + 0·0 + 1·1 = 1"


def test_conv1d_index_errors():
    trace = conv1d_trace([1, 2, 3, 4], [1, 1])
    with pytest.raises(InputError) as info:
        trace.step(3)
    assert_translated(info.value, 3, 2)
    with pytest.raises(InputError) as info:
        trace.step_at(-1)
    assert info.value.key == "error.trace_position_out_of_range"
    assert_translated(info.value, 3, 2)


def test_conv1d_trace_step_at_names_a_position():
    trace = conv1d_trace([1, 2, 3], [1, 1])
    assert trace.step_at(1) == trace.step(1)
    with pytest.raises(InputError) as info:
        trace.step_at(2)
    assert info.value.key == "error.trace_position_out_of_range"
    assert info.value.fields == {"position": 2, "count": 2, "last": 1}
    with pytest.raises(InputError) as info:
        trace.step(-1)
    assert info.value.fields == {"index": -1, "count": 2, "last": 1}


# --- invariants on random cases --------------------------------------------------------


@st.composite
def conv1d_cases(draw):
    signal = draw(hnp.arrays(np.float64, draw(st.integers(1, 10)), elements=small_floats))
    kernel = draw(hnp.arrays(np.float64, draw(st.integers(1, 4)), elements=small_floats))
    padding = draw(
        st.one_of(
            st.sampled_from(["valid", "same", "full"]),
            st.integers(0, 3),
            st.tuples(st.integers(0, 3), st.integers(0, 3)),
        )
    )
    kwargs = {
        "strides": draw(st.integers(1, 3)),
        "padding": padding,
        "dilation_rate": draw(st.integers(1, 2)),
        "pad_mode": draw(st.sampled_from(conv.PAD_MODES)),
        "flip": draw(st.booleans()),
    }
    return signal, kernel, kwargs


@settings(max_examples=60, deadline=None)
@given(conv1d_cases())
def test_conv1d_trace_invariants(case):
    signal, kernel, kwargs = case
    try:
        expected = conv.conv1d(signal, kernel, **kwargs)
    except InputError as err:
        with pytest.raises(InputError) as info:
            conv1d_trace(signal, kernel, **kwargs)
        assert info.value.key == err.key
        return
    trace = conv1d_trace(signal, kernel, **kwargs)
    np.testing.assert_array_equal(trace.output, expected)
    assert len(trace) == trace.output.size
    np.testing.assert_array_equal(trace.signal, signal)
    applied = kernel[::-1] if kwargs["flip"] else kernel
    before, _ = trace.pads
    for index in range(len(trace)):
        step = trace.step(index)
        assert isinstance(step, Conv1DStep)
        assert step.total == trace.output[index]
        assert step.total == sequential_sum(step.products)
        assert len(step.positions) == kernel.size and step.start == step.positions[0]
        assert step.positions[0] >= 0 and step.positions[-1] < trace.padded.size
        assert set(np.diff(step.positions)) <= {trace.dilation_rate}
        np.testing.assert_array_equal(step.values, trace.padded[list(step.positions)])
        np.testing.assert_array_equal(step.weights, applied)
        np.testing.assert_array_equal(step.products, step.values * step.weights)
        np.testing.assert_array_equal(
            step.is_padding, [not before <= p < before + signal.size for p in step.positions]
        )
        assert trace.step_at(index) == step
