"""Tests of cnnviz.nets.photo: a photo cropped, resized and scaled for the colour network."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.nets.photo import COLOUR_SHAPE, centre_crop_box, preprocess_photo


def test_the_crop_box_by_hand():
    assert centre_crop_box(480, 640, 32, 32) == (0, 80, 480, 480)  # landscape: sides cut
    assert centre_crop_box(641, 480, 32, 32) == (80, 0, 480, 480)  # portrait: 161 rows cut
    assert centre_crop_box(32, 32, 32, 32) == (0, 0, 32, 32)
    assert centre_crop_box(100, 100, 20, 40) == (25, 0, 50, 100)  # a 1:2 input keeps 1:2
    assert centre_crop_box(1, 7, 32, 32) == (0, 3, 1, 1)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 64), st.integers(1, 64))
def test_the_crop_box_is_the_largest_centred_box_of_the_input_proportions(rows, cols, r, c):
    top, left, height, width = centre_crop_box(rows, cols, r, c)
    assert top >= 0 and left >= 0 and top + height <= rows and left + width <= cols
    assert abs((rows - height) - 2 * top) <= 1 and abs((cols - width) - 2 * left) <= 1
    # One side is whole (largest), the other within a pixel of the proportions.
    assert height == rows or width == cols or min(height, width) == 1
    assert abs(height * c - width * r) < max(r, c) or min(height, width) == 1


def test_a_landscape_photo_is_cropped_to_its_centre_square_and_resized_with_pillow():
    photo = np.zeros((60, 100, 3), np.uint8)
    photo[:, :20] = (255, 0, 0)  # red band: cut off by the crop (columns 0 to 19)
    photo[:, 20:80] = (0, 0, 255)  # the centre 60 x 60 is blue
    photo[:, 80:] = (0, 255, 0)
    result = preprocess_photo(photo)
    photo_step, crop, resized, scaled = result.steps
    assert crop.note_fields == {"rows": 60, "cols": 60, "top": 0, "left": 20}
    np.testing.assert_array_equal(crop.image, np.broadcast_to([0, 0, 1], (60, 60, 3)))
    assert resized.image.dtype == np.uint8 and resized.image.shape == (32, 32, 3)
    np.testing.assert_array_equal(resized.image, np.broadcast_to([0, 0, 255], (32, 32, 3)))
    np.testing.assert_array_equal(scaled.image, resized.image / np.float32(255))
    assert result.digit is scaled.image and result.digit.dtype == np.float32
    assert scaled.note_fields == {"low": 0.0, "high": 1.0}
    assert photo_step.image.shape == (60, 100, 3)


def test_the_resize_is_pillows_lanczos_of_the_crop():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, (90, 70, 3), dtype=np.uint8)
    result = preprocess_photo(photo)
    expected = Image.fromarray(photo[10:80]).resize(
        (32, 32), Image.Resampling.LANCZOS, reducing_gap=3.0
    )
    np.testing.assert_array_equal(result.steps[2].image, np.asarray(expected))
    np.testing.assert_allclose(result.digit, np.asarray(expected) / 255.0, atol=1e-7)


def test_grey_and_transparent_photos_become_rgb():
    grey = np.tile(np.linspace(0, 1, 40), (40, 1))
    result = preprocess_photo(grey)
    assert result.digit.shape == COLOUR_SHAPE
    np.testing.assert_array_equal(result.digit[..., 0], result.digit[..., 2])
    rgba = np.zeros((40, 40, 4))
    rgba[:20, :, :3] = (1.0, 0.0, 0.0)
    rgba[:20, :, 3] = 1.0  # the top half opaque red, the bottom transparent: white
    top, bottom = preprocess_photo(rgba).digit[2], preprocess_photo(rgba).digit[-3]
    np.testing.assert_allclose(top, np.broadcast_to([1, 0, 0], (32, 3)), atol=1e-6)
    np.testing.assert_allclose(bottom, np.ones((32, 3)), atol=1e-6)


def test_a_grey_network_of_another_size_gets_one_brightness_per_pixel():
    photo = np.full((50, 80, 3), (255, 0, 0), np.uint8)
    photo[0, 0] = 0  # not blank
    result = preprocess_photo(photo, (20, 40, 1))
    assert result.digit.shape == (20, 40, 1)
    assert result.steps[1].note_fields["cols"] == 80 and result.steps[1].note_fields["rows"] == 40
    np.testing.assert_allclose(result.digit[10, 20, 0], 0.299, atol=1e-6)


@pytest.mark.parametrize(
    ("picture", "key"),
    [
        (np.full((30, 40, 3), 128, np.uint8), "colour.photo.blank"),  # a wall
        (np.zeros((480, 640, 3), np.uint8) + 3, "colour.photo.blank"),  # the lens covered
        (np.full((10, 10, 3), 300), "preprocess.bad_values"),
        (np.zeros((10, 10, 5)), "preprocess.bad_shape"),
        (np.zeros((0, 10, 3)), "error.image_no_pixels"),
        (np.full((4, 4, 3), np.nan), "error.image_not_finite"),
        (np.array([["a"]]), "error.image_dtype"),
    ],
)
def test_hostile_pictures_are_refused_with_their_message(picture, key):
    with pytest.raises(InputError) as info:
        preprocess_photo(picture)
    assert info.value.key == key


def test_a_nearly_flat_photo_with_noise_below_the_contrast_is_blank_and_above_is_not():
    rng = np.random.default_rng(1)
    flat = 0.5 + rng.uniform(-0.02, 0.02, (20, 20, 3))
    with pytest.raises(InputError):
        preprocess_photo(flat)
    flat[5, 5] = (0.9, 0.5, 0.5)
    assert preprocess_photo(flat).digit.shape == COLOUR_SHAPE
