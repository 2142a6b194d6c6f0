"""Tests of cnnviz.core.feature_math: the regularisers' formulas and the box a unit sees."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.ndimage import gaussian_filter

from cnnviz.core import feature_math
from cnnviz.i18n import InputError

images = arrays(
    np.float64,
    st.tuples(st.integers(1, 9), st.integers(1, 9), st.sampled_from([1, 3])),
    elements=st.floats(-2, 2),
)


def test_total_variation_by_hand():
    # Down the columns |0 - 0| + |3 - 1| = 2; along the rows |1 - 0| + |3 - 0| = 4.
    assert feature_math.total_variation(np.array([[0.0, 1.0], [0.0, 3.0]])) == 6.0
    assert feature_math.total_variation(np.full((4, 5, 3), 0.7)) == 0.0
    # A checkerboard of 0 and 1 in 3x3: 12 neighbour pairs, each differing by 1.
    board = np.indices((3, 3)).sum(axis=0) % 2
    assert feature_math.total_variation(board) == 12.0


def test_l2_penalty_by_hand():
    assert feature_math.l2_penalty(np.array([[1.0, -2.0], [0.5, 0.0]])) == 5.25


def test_jitter_is_a_roll_wrapping_the_edges():
    image = np.arange(9.0).reshape(3, 3)
    np.testing.assert_array_equal(
        feature_math.jitter(image, (1, -1)), [[7.0, 8.0, 6.0], [1.0, 2.0, 0.0], [4.0, 5.0, 3.0]]
    )
    np.testing.assert_array_equal(feature_math.jitter(image, (0, 0)), image)


def test_jitter_shifts_stay_in_range_and_are_zero_when_off():
    shifts = feature_math.jitter_shifts(np.random.default_rng(0), 500, 2)
    assert shifts.shape == (500, 2) and shifts.min() == -2 and shifts.max() == 2
    assert not feature_math.jitter_shifts(np.random.default_rng(0), 5, 0).any()


@settings(max_examples=40, deadline=None)
@given(images, st.floats(0.2, 3.0))
def test_blur_equals_scipy_gaussian_filter(image, sigma):
    expected = gaussian_filter(image, (sigma, sigma, 0))
    np.testing.assert_allclose(feature_math.gaussian_blur(image, sigma), expected, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(images)
def test_total_variation_is_zero_only_for_flat_images_and_ignores_a_constant(image):
    tv = feature_math.total_variation(image)
    assert tv >= 0
    assert feature_math.total_variation(image + 0.25) == pytest.approx(tv)
    assert (tv == 0) == bool(np.all(image == image[0, 0]))


@pytest.mark.parametrize("sigma", [0.0, -1.0, float("nan")])
def test_blur_refuses_a_width_that_is_not_positive(sigma):
    with pytest.raises(InputError) as err:
        feature_math.gaussian_blur(np.zeros((3, 3)), sigma)
    assert err.value.key == "error.features_blur"


def test_display_scale_keeps_a_picture_in_range_and_stretches_one_outside():
    inside = np.array([[0.0, 0.5], [1.0, 0.25]])
    shown, stretched = feature_math.display_scale(inside)
    assert not stretched and np.array_equal(shown, inside)
    shown, stretched = feature_math.display_scale(np.array([[-1.0, 0.0], [1.0, 3.0]]))
    assert stretched
    np.testing.assert_array_equal(shown, [[0.0, 0.25], [0.5, 1.0]])


def test_conv_then_pool_unit_sees_rows_2i_to_2i_plus_3():
    fields = feature_math.layer_fields([{"kernel_size": (3, 3)}, {"pool_size": (2, 2)}], (28, 28))
    for i in range(13):
        top, left, bottom, right = feature_math.unit_box(fields, i, 12 - i, (28, 28))
        assert (top, bottom) == (2 * i, 2 * i + 3)
        assert (left, right) == (2 * (12 - i), 2 * (12 - i) + 3)


def test_a_box_reaching_into_same_padding_is_cut_to_the_picture():
    fields = feature_math.layer_fields([{"kernel_size": (5, 3), "padding": "same"}], (8, 8))
    assert feature_math.unit_box(fields, 0, 0, (8, 8)) == (0, 0, 2, 1)
    assert feature_math.unit_box(fields, 7, 7, (8, 8)) == (5, 6, 7, 7)
    assert feature_math.unit_box(fields, 4, 4, (8, 8)) == (2, 3, 6, 5)


def test_the_input_itself_is_a_unit_per_pixel():
    fields = feature_math.layer_fields([], (4, 6))
    assert feature_math.unit_box(fields, 2, 5, (4, 6)) == (2, 5, 2, 5)
