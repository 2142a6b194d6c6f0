"""Tests of cnnviz.core.pooling's translation helpers and the transposed-convolution formula."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.core import shapes
from cnnviz.core.pooling import COURSE_EXAMPLE, compare_shifted, pool2d, shift_image
from cnnviz.i18n import InputError

COURSE = np.array(COURSE_EXAMPLE)


def test_the_course_example_is_the_slides_max_pool():
    np.testing.assert_array_equal(pool2d(COURSE, 2), [[6, 8], [3, 4]])


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        ((0, 1), [[0, 1, 2], [0, 4, 5], [0, 7, 8]]),
        ((0, -1), [[2, 3, 0], [5, 6, 0], [8, 9, 0]]),
        ((1, 0), [[0, 0, 0], [1, 2, 3], [4, 5, 6]]),
        ((-1, 0), [[4, 5, 6], [7, 8, 9], [0, 0, 0]]),
        ((1, 1), [[0, 0, 0], [0, 1, 2], [0, 4, 5]]),
        ((0, 0), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        (2, [[0, 0, 0], [0, 0, 0], [0, 0, 1]]),
    ],
)
def test_shift_image_by_hand(shift, expected):
    x = np.arange(1, 10).reshape(3, 3)
    out = shift_image(x, shift)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64


def test_shift_past_the_edge_leaves_only_the_fill():
    np.testing.assert_array_equal(shift_image(np.ones((2, 3)), (0, 3), fill=7), np.full((2, 3), 7))


def test_shift_moves_every_channel_and_leaves_the_input_untouched():
    x = np.arange(12.0).reshape(2, 3, 2)
    copy = x.copy()
    out = shift_image(x, (0, 1), fill=-1)
    np.testing.assert_array_equal(out[:, 1:], x[:, :2])
    np.testing.assert_array_equal(out[:, 0], -1)
    np.testing.assert_array_equal(x, copy)


@given(
    rows=st.integers(-4, 4),
    cols=st.integers(-4, 4),
    height=st.integers(1, 6),
    width=st.integers(1, 6),
)
def test_shift_agrees_with_a_padded_slice(rows, cols, height, width):
    x = np.arange(1.0, 1 + height * width).reshape(height, width)
    padded = np.pad(x, 4)  # zeros all around, then read the window the shift brings in
    expected = padded[4 - rows : 4 - rows + height, 4 - cols : 4 - cols + width]
    np.testing.assert_array_equal(shift_image(x, (rows, cols)), expected)


@pytest.mark.parametrize(
    ("shift", "message_key"),
    [((0.5, 1), "error.not_int_or_pair"), ("right", "error.not_int_or_pair")],
)
def test_shift_must_be_whole_numbers(shift, message_key):
    with pytest.raises(InputError) as err:
        shift_image(np.ones((3, 3)), shift)
    assert err.value.key == message_key


def test_shift_refuses_nan():
    with pytest.raises(InputError):
        shift_image(np.array([[1.0, np.nan]]), (0, 1))


def test_compare_shifted_course_example_max_and_average():
    right = compare_shifted(COURSE, (0, 1), 2, op="max")
    np.testing.assert_array_equal(right.before, [[6, 8], [3, 4]])
    np.testing.assert_array_equal(right.after, [[5, 7], [3, 3]])
    np.testing.assert_array_equal(right.changed, [[True, True], [False, True]])
    assert (right.count, right.total, right.shift) == (3, 4, (0, 1))
    average = compare_shifted(COURSE, (0, 1), 2, op="average")
    # (0+1+0+5)/4, (1+2+6+7)/4, (0+3+0+1)/4, (2+1+2+3)/4
    np.testing.assert_array_equal(average.after, [[1.5, 4], [1, 2]])
    assert average.count == 3


def test_max_pooling_ignores_a_shift_inside_the_window():
    x = np.zeros((4, 4))
    x[0, 0] = 9.0  # moving right by one keeps it in the same 2x2 window
    result = compare_shifted(x, (0, 1), 2, op="max")
    assert result.count == 0
    average = compare_shifted(x, (0, 1), 2, op="average")
    assert average.count == 0  # the mean of the window is the same too
    across = compare_shifted(x, (0, 2), 2, op="max")  # into the next window
    assert across.count == 2


def test_changed_counts_a_cell_once_over_channels_and_ignores_rounding():
    x = np.zeros((4, 4, 3))
    x[1, 1] = [1.0, 2.0, 3.0]
    result = compare_shifted(x, (0, 2), 2, op="max")
    assert result.changed.shape == (2, 2)
    assert result.count == 2
    tiny = np.full((2, 4), 0.1)  # sums of 0.1 in another order differ by 1e-17
    assert compare_shifted(tiny, (0, 0), 2, op="average").count == 0


def test_compare_shifted_passes_the_pooling_errors_on():
    with pytest.raises(InputError) as err:
        compare_shifted(np.ones((3, 3)), (0, 1), 4)
    assert err.value.key == "error.pool_output_empty"


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize(("n", "k", "s"), [(4, 3, 2), (2, 2, 2), (3, 1, 3), (5, 4, 1)])
def test_transpose_formula_ends_with_the_output_length(n, k, s, padding):
    formula = shapes.conv_transpose_length_formula(n, k, strides=s, padding=padding)
    expected = shapes.conv_transpose_output_length(n, k, strides=s, padding=padding)
    assert formula.endswith(f"= {expected}")
    assert formula.startswith(f"{n}·{s}")


def test_transpose_formula_refuses_unknown_padding():
    with pytest.raises(InputError):
        shapes.conv_transpose_length_formula(4, 3, strides=2, padding="full")
