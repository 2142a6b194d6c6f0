"""Tests of cnnviz.content.samples: the registry, the patterns' exact values, the photos on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cnnviz.content import samples
from cnnviz.content.samples import SAMPLES, load_sample
from cnnviz.i18n import InputError

ROOT = Path(__file__).resolve().parents[2]
PATTERNS = [k for k, s in SAMPLES.items() if s.source == "pattern"]
PHOTOS = [k for k, s in SAMPLES.items() if s.source == "photo"]


def catalog(lang: str) -> dict[str, str]:
    return json.loads((ROOT / "cnnviz" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))


# --- the registry -----------------------------------------------------------------------


def test_registry_lists_the_course_matrix_patterns_and_photos_in_order():
    assert list(SAMPLES) == [
        "course_matrix",
        "vertical_edge",
        "checkerboard",
        "vertical_stripes",
        "horizontal_stripes",
        "disc",
        "gradient",
        "digit",
        "camera",
        "astronaut",
        "coffee",
        "chelsea",
        "rocket",
    ]
    assert all(key == sample.key for key, sample in SAMPLES.items())


def test_only_the_course_matrix_is_a_matrix():
    assert [k for k, s in SAMPLES.items() if s.is_matrix] == ["course_matrix"]
    assert all(s.kind == "image" for s in SAMPLES.values() if not s.is_matrix)
    assert not SAMPLES["course_matrix"].resizable
    assert all(SAMPLES[k].resizable for k in PATTERNS + PHOTOS)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_sample_has_a_name_and_a_description(lang):
    words = catalog(lang)
    for sample in SAMPLES.values():
        assert words[sample.name_key].strip()
        assert words[sample.description_key].strip()
        assert sample.name(lang) == words[sample.name_key]


def test_names_differ_between_languages_where_there_is_something_to_translate():
    assert SAMPLES["checkerboard"].name("es") == "Tablero de ajedrez"
    assert SAMPLES["checkerboard"].name("en") == "Checkerboard"


def test_photos_carry_a_credit_and_patterns_do_not():
    assert all(SAMPLES[k].credit for k in PHOTOS)
    assert all(SAMPLES[k].credit is None for k in PATTERNS)


# --- the course's matrix ----------------------------------------------------------------


def test_course_matrix_is_the_raw_5x7_example():
    matrix = load_sample("course_matrix")
    expected = [
        [0, 5, 0, 0, 9, 4, 0],
        [1, 6, 0, 0, 8, 3, 0],
        [2, 7, 0, 0, 7, 2, 0],
        [3, 8, 0, 0, 6, 1, 0],
        [4, 9, 0, 0, 5, 0, 0],
    ]
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.dtype == np.float64
    assert matrix.max() == 9  # not scaled to [0, 1]


def test_course_matrix_ignores_size_and_is_a_fresh_copy():
    first = load_sample("course_matrix", size=3)
    assert first.shape == (5, 7)
    first[0, 0] = 100
    assert load_sample("course_matrix")[0, 0] == 0


def test_course_matrix_gives_the_course_worked_value():
    # 0*1 + 5*(-2) + 0*3 + 1*4 + 6*(-5) + 0*6 + 2*(-7) + 7*8 + 0*(-9) = 6
    kernel = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])
    assert float((load_sample("course_matrix")[:3, :3] * kernel).sum()) == 6.0


# --- the patterns -----------------------------------------------------------------------


@pytest.mark.parametrize("key", PATTERNS)
def test_patterns_are_square_float32_in_unit_range_and_deterministic(key):
    image = load_sample(key)
    side = SAMPLES[key].default_size
    assert image.shape == (side, side)
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.max() > image.min()  # something to see
    np.testing.assert_array_equal(image, load_sample(key))
    assert image.flags.writeable


@pytest.mark.parametrize("key", PATTERNS)
@pytest.mark.parametrize("size", [1, 2, 7, 28, 100])
def test_patterns_take_any_size(key, size):
    assert load_sample(key, size=size).shape == (size, size)


def test_default_sizes():
    assert load_sample("checkerboard").shape == (64, 64)
    assert load_sample("digit").shape == (28, 28)
    assert load_sample("camera").shape == (128, 128)


def test_checkerboard_squares_of_an_eighth():
    board = load_sample("checkerboard", size=16)  # squares of 2 pixels
    np.testing.assert_array_equal(board[0, :6], [0, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(board[:6, 0], [0, 0, 1, 1, 0, 0])
    assert board[2, 2] == 0 and board[2, 0] == 1
    assert board.mean() == 0.5


def test_stripes_run_along_one_axis_only():
    vertical = load_sample("vertical_stripes", size=32)  # stripes 2 pixels wide
    np.testing.assert_array_equal(vertical[0, :8], [0, 0, 1, 1, 0, 0, 1, 1])
    assert (vertical == vertical[0]).all()  # every row alike: edges are vertical
    np.testing.assert_array_equal(load_sample("horizontal_stripes", size=32), vertical.T)


def test_vertical_edge_is_half_dark_half_bright():
    edge = load_sample("vertical_edge", size=6)
    np.testing.assert_array_equal(edge, np.repeat([[0, 0, 0, 1, 1, 1]], 6, axis=0))
    np.testing.assert_array_equal(load_sample("vertical_edge", size=5)[0], [0, 0, 0, 1, 1])


def test_gradient_rises_evenly_left_to_right():
    ramp = load_sample("gradient", size=5)
    np.testing.assert_allclose(ramp, np.tile([0, 0.25, 0.5, 0.75, 1], (5, 1)))
    assert np.all(np.diff(load_sample("gradient"), axis=1) > 0)


def test_disc_is_round_centred_and_antialiased():
    image = load_sample("disc", size=64)
    assert image[32, 32] == 1 and image[0, 0] == 0
    np.testing.assert_array_equal(image, image.T)  # symmetric about the diagonal
    np.testing.assert_array_equal(image, image[::-1, ::-1])  # and about the centre
    # Its area is about pi r^2 with r = 0.35 * 64; the edge has grey levels.
    assert image.sum() == pytest.approx(np.pi * (0.35 * 64) ** 2, rel=0.01)
    assert np.any((image > 0) & (image < 1))


def test_digit_is_a_bright_stroke_on_black_like_mnist():
    digit = load_sample("digit")
    assert digit.max() > 0.9
    border = np.concatenate([digit[:2].ravel(), digit[-2:].ravel(), digit[:, :2].ravel()])
    assert border.max() < 0.05  # MNIST leaves a dark margin
    assert 0.08 < (digit > 0.5).mean() < 0.25  # strokes, not a blob
    # The top bar of the 7 lies in the upper third, the stem reaches the lower third.
    assert digit[4:9].max() > 0.9 and digit[19:24].max() > 0.9


# --- the photos -------------------------------------------------------------------------


@pytest.mark.parametrize("key", PHOTOS)
def test_photo_files_exist_are_256_px_and_credited(key):
    from PIL import Image

    path = samples.ASSETS / SAMPLES[key].file
    with Image.open(path) as im:
        assert max(im.size) == samples.PHOTO_SIDE
        assert im.format == "PNG"
    attribution = (ROOT / "assets" / "ATTRIBUTION.md").read_text(encoding="utf-8")
    assert f"images/{SAMPLES[key].file}" in attribution


def test_photo_assets_stay_small():
    total = sum((samples.ASSETS / SAMPLES[k].file).stat().st_size for k in PHOTOS)
    assert total < 600_000


@pytest.mark.parametrize("key", PHOTOS)
def test_photos_load_at_the_requested_longer_side(key):
    image = load_sample(key, size=64)
    assert max(image.shape[:2]) == 64
    assert image.dtype == np.float32
    assert image.min() >= 0.0 and image.max() <= 1.0
    assert image.ndim == (2 if key == "camera" else 3)


def test_photos_are_never_enlarged():
    assert load_sample("rocket", size=512).shape == (171, 256, 3)


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "Checkerboard", "lena", None, 3])
def test_unknown_key_is_an_input_error_listing_the_samples(key):
    with pytest.raises(InputError) as info:
        load_sample(key)
    assert info.value.key == "error.sample_unknown"
    assert "checkerboard" in info.value.message("en")


@pytest.mark.parametrize("size", [0, -3, 513, 2.5, "64", True])
def test_invalid_size_is_an_input_error(size):
    with pytest.raises(InputError) as info:
        load_sample("checkerboard", size=size)
    assert info.value.key == "error.sample_size"
    assert repr(size) in info.value.message("es")


def test_missing_photo_is_a_packaging_error(monkeypatch, tmp_path):
    monkeypatch.setattr(samples, "ASSETS", tmp_path)
    with pytest.raises(FileNotFoundError, match="build_samples"):
        load_sample("camera")
