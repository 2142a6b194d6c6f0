"""Tests of cnnviz.core.equivariance: costs, the shift-and-compare arithmetic, receptive fields."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.core import shapes
from cnnviz.core.conv import conv2d
from cnnviz.core.equivariance import (
    alignment,
    layer_cost,
    nearest_unit,
    relative_change,
    shift_gap,
    unit_field,
)
from cnnviz.core.pooling import pool2d, shift_image
from cnnviz.i18n import InputError

BUNDLED = [{"kernel_size": 3}, {"pool_size": 2}, {"kernel_size": 3}, {"pool_size": 2}]
"""The bundled network's conv1, pool1, conv2, pool2 along one axis."""


def fields_of(stack, length):
    field = shapes.receptive_field(stack, input_length=length)[-1]
    return field, field


# --- costs -------------------------------------------------------------------------------------


def test_the_bundled_second_convolution_by_hand():
    cost = layer_cost((13, 13, 16), filters=32, kernel_size=3)
    assert cost.output_shape == (11, 11, 32)
    assert cost.connections == 3 * 3 * 16 == 144
    assert cost.dense_connections == 13 * 13 * 16 == 2704
    assert cost.params == 144 * 32 + 32 == 4640
    assert cost.dense_params == 2704 * 3872 + 3872
    assert cost.macs == 11 * 11 * 32 * 144 == 557_568
    assert cost.dense_macs == 2704 * 3872


def test_a_strided_rectangular_kernel_counts_its_own_output():
    cost = layer_cost((8, 10, 3), filters=4, kernel_size=(3, 1), strides=2, padding="same")
    assert cost.output_shape == (4, 5, 4)
    assert cost.connections == 9
    assert cost.macs == 4 * 5 * 4 * 3 * 1 * 3


def test_an_empty_output_is_refused():
    with pytest.raises(InputError):
        layer_cost((2, 2, 1), filters=1, kernel_size=3)


# --- equivariance on hand arrays ---------------------------------------------------------------


@given(
    rows=st.integers(-4, 4),
    cols=st.integers(-4, 4),
    seed=st.integers(0, 2**16),
    kernel=st.sampled_from([1, 2, 3, 5]),
)
def test_a_convolution_is_exactly_equivariant_in_the_interior(rows, cols, seed, kernel):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, 11))
    weights = rng.normal(size=(kernel, kernel))
    fields = (
        shapes.receptive_field([{"kernel_size": kernel}], input_length=12)[0],
        shapes.receptive_field([{"kernel_size": kernel}], input_length=11)[0],
    )
    before = conv2d(x, weights, bias=0.5)
    after = conv2d(shift_image(x, (rows, cols)), weights, bias=0.5)
    gap = shift_gap(before, after, (rows, cols), fields, (12, 11))
    assert gap.exact
    assert gap.alignment.offset == (rows, cols)
    # Every cell whose window stays inside both pictures is compared, and no other.
    assert gap.alignment.cells == (12 - kernel + 1 - abs(rows)) * (11 - kernel + 1 - abs(cols))
    assert gap.difference < 1e-12
    compared = after[gap.alignment.shifted]
    np.testing.assert_allclose(compared, before[gap.alignment.original], atol=1e-12)


def test_by_hand_a_one_column_shift_of_a_three_wide_kernel():
    field = shapes.receptive_field([{"kernel_size": 3}], input_length=6)[0]
    paired = alignment((field, field), (6, 6), (0, 2), (0, 2))
    # Output columns 0..3; shifted columns 2 and 3 see only moved content; partners 0 and 1.
    assert paired.shifted == (slice(0, 4), slice(2, 4))
    assert paired.original == (slice(0, 4), slice(0, 2))


def test_max_pooling_is_equivariant_for_a_shift_of_two_not_of_one():
    x = np.array(
        [
            [1, 9, 2, 0, 3, 1],
            [0, 4, 8, 1, 2, 7],
            [5, 0, 1, 6, 0, 2],
            [2, 3, 7, 1, 9, 4],
        ],
        dtype=float,
    )
    fields = (
        shapes.receptive_field([{"pool_size": 2}], input_length=4)[0],
        shapes.receptive_field([{"pool_size": 2}], input_length=6)[0],
    )
    pooled = pool2d(x, 2)  # [[9, 8, 7], [5, 7, 9]]
    two = pool2d(shift_image(x, (0, 2)), 2)  # [[0, 9, 8], [0, 5, 7]]
    np.testing.assert_array_equal(two, [[0, 9, 8], [0, 5, 7]])
    even = shift_gap(pooled, two, (0, 2), fields, (4, 6))
    assert even.exact and even.alignment.offset == (0, 1)
    assert even.difference == 0.0
    assert even.alignment.shifted == (slice(0, 2), slice(1, 3))
    one = pool2d(shift_image(x, (0, 1)), 2)
    np.testing.assert_array_equal(one, [[1, 9, 3], [5, 7, 9]])
    odd = shift_gap(pooled, one, (0, 1), fields, (4, 6))
    assert not odd.exact
    # Columns 1 and 2 of the shifted map see only moved content. Offset 0 compares
    # [[9, 3], [7, 9]] with [[8, 7], [7, 9]] (squares 1 + 16); offset 1 with [[9, 8], [5, 7]]
    # (25 + 4 + 4): the best whole offset, 0, still misses by RMS sqrt(17 / 4).
    scale = math.sqrt(np.mean(pooled**2))
    assert odd.alignment.offset == (0, 0)
    assert odd.alignment.shifted == odd.alignment.original == (slice(0, 2), slice(1, 3))
    assert odd.difference == pytest.approx(math.sqrt(17 / 4) / scale)
    assert odd.change == pytest.approx(math.sqrt(np.mean((one - pooled) ** 2)) / scale)


def test_no_cell_far_enough_from_the_border_gives_nan():
    field = shapes.receptive_field([{"kernel_size": 3}], input_length=4)[0]
    x = np.arange(16.0).reshape(4, 4)
    gap = shift_gap(conv2d(x, np.ones((3, 3))), conv2d(shift_image(x, 3), np.ones((3, 3))), 3,
                    (field, field), (4, 4))  # fmt: skip
    assert gap.alignment.cells == 0
    assert math.isnan(gap.difference)


def test_relative_change_by_hand_and_for_a_silent_output():
    assert relative_change(np.array([3.0, 4.0]), np.array([0.0, 4.0])) == pytest.approx(
        math.sqrt(9 / 2) / math.sqrt(25 / 2)
    )
    assert relative_change(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_change(np.zeros(3), np.ones(3)) == math.inf


def test_maps_of_different_shapes_are_refused_with_the_shapes():
    field = shapes.receptive_field([{"kernel_size": 3}], input_length=6)[0]
    with pytest.raises(InputError) as err:
        shift_gap(np.zeros((4, 4)), np.zeros((4, 3)), 1, (field, field), (6, 6))
    assert err.value.key == "why.error.map_shapes"
    assert err.value.fields["shifted"] == (4, 3)
    with pytest.raises(InputError):
        shift_gap(np.zeros((3, 3)), np.zeros((3, 3)), 1, (field, field), (6, 6))
    with pytest.raises(InputError):
        relative_change(np.zeros(3), np.array([1.0, np.nan, 0.0]))


# --- receptive fields --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("depth", "unit", "expected"),
    [
        (1, (0, 0), (0, 0, 2, 2)),  # conv1: 3 pixels
        (2, (0, 0), (0, 0, 3, 3)),  # pool1: 4
        (3, (0, 0), (0, 0, 7, 7)),  # conv2: 8
        (4, (0, 0), (0, 0, 9, 9)),  # pool2: 10
        (4, (4, 1), (16, 4, 25, 13)),  # 4 pixels between pool2's units
        (1, (25, 25), (25, 25, 27, 27)),
    ],
)
def test_the_bundled_networks_fields_by_hand(depth, unit, expected):
    fields = fields_of(BUNDLED[:depth], 28)
    box = unit_field(fields, *unit)
    assert (box.top, box.left, box.bottom, box.right) == expected
    assert box.size == (fields[0].size, fields[1].size)


@given(depth=st.integers(1, 4), row=st.integers(0, 4), col=st.integers(0, 4))
def test_a_units_field_agrees_with_receptive_field(depth, row, col):
    rows, cols = fields_of(BUNDLED[:depth], 28)
    box = unit_field((rows, cols), row, col)
    assert (box.top + box.bottom) / 2 == rows.start + row * rows.jump
    assert (box.left + box.right) / 2 == cols.start + col * cols.jump
    assert nearest_unit((rows, cols), ((box.top + box.bottom) / 2, (box.left + box.right) / 2)) == (
        row,
        col,
    )


def test_a_unit_outside_the_map_is_refused():
    fields = fields_of(BUNDLED, 28)
    with pytest.raises(InputError) as err:
        unit_field(fields, 5, 0)
    assert err.value.key == "why.error.unit.row"
    assert err.value.fields["last"] == 4
    with pytest.raises(InputError) as err:
        unit_field(fields, 0, 1.5)
    assert err.value.key == "why.error.unit.col"


def test_nearest_unit_clips_to_the_map():
    fields = fields_of(BUNDLED, 28)
    assert nearest_unit(fields, (-10.0, 100.0)) == (0, 4)


@given(
    rows=st.integers(-5, 5),
    cols=st.integers(-5, 5),
    seed=st.integers(0, 2**16),
    height=st.integers(8, 13),
    width=st.integers(8, 13),
)
def test_conv_then_pool_is_exact_only_for_even_shifts(rows, cols, seed, height, width):
    # The bundled network's first block on a random picture: 3x3 convolution, ReLU, 2x2 max.
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(height, width))
    kernel = rng.normal(size=(3, 3))

    def block(image):
        return pool2d(conv2d(image, kernel, activation="relu"), 2)

    stack = [{"kernel_size": 3}, {"pool_size": 2}]
    fields = (
        shapes.receptive_field(stack, input_length=height)[-1],
        shapes.receptive_field(stack, input_length=width)[-1],
    )
    gap = shift_gap(block(x), block(shift_image(x, (rows, cols))), (rows, cols), fields,
                    (height, width))  # fmt: skip
    assert gap.exact == (rows % 2 == 0 and cols % 2 == 0)
    if gap.exact:
        assert gap.alignment.offset == (rows // 2, cols // 2)
        assert gap.difference == 0 or math.isnan(gap.difference)
        # Every pooled cell whose 4x4 field stays inside both pictures is compared.
        inside_rows = sum(
            1
            for i in range(fields[0].length)
            if 2 * i >= max(0, rows) and 2 * i + 3 < height + min(0, rows)
        )
        assert gap.alignment.shifted[0].stop - gap.alignment.shifted[0].start == inside_rows
