"""Kernel presets: exact weights, their behaviour under cross-correlation, names, helpers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.signal import convolve2d, correlate2d

from cnnviz.core.kernels import (
    PRESETS,
    KernelPreset,
    gaussian_kernel,
    get_kernel,
    normalize_kernel,
    random_kernel,
)
from cnnviz.i18n import InputError, catalog

# The course's hand-made filters, copied from the material (cv2.filter2D, i.e.
# cross-correlation).
COURSE_KERNELS = {
    "horizontal_edges": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "vertical_edges": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "diagonal_edges": [[-1, -2, 0], [-2, 0, 2], [0, 2, 1]],
    "vertical_lines": [[1, 0, -1], [1, 0, -1], [1, 0, -1]],
    "horizontal_lines": [[1, 1, 1], [0, 0, 0], [-1, -1, -1]],
}

CLASSIC_KERNELS = {
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "emboss": [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
    "sobel_x": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "sobel_y": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "scharr_x": [[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]],
    "scharr_y": [[-3, -10, -3], [0, 0, 0], [3, 10, 3]],
    "prewitt_x": [[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]],
    "prewitt_y": [[-1, -1, -1], [0, 0, 0], [1, 1, 1]],
    "laplacian_4": [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
    "laplacian_8": [[1, 1, 1], [1, -8, 1], [1, 1, 1]],
    "edge_enhance": [[-0.5, -0.5, -0.5], [-0.5, 5, -0.5], [-0.5, -0.5, -0.5]],
    "box_blur_3x3": np.full((3, 3), 1 / 9),
    "box_blur_5x5": np.full((5, 5), 1 / 25),
}

ZERO_SUM = [
    "horizontal_edges",
    "vertical_edges",
    "diagonal_edges",
    "vertical_lines",
    "horizontal_lines",
    "sobel_x",
    "sobel_y",
    "scharr_x",
    "scharr_y",
    "prewitt_x",
    "prewitt_y",
    "laplacian_4",
    "laplacian_8",
]
UNIT_SUM = ["identity", "box_blur_3x3", "box_blur_5x5", "gaussian", "sharpen", "edge_enhance"]


def step_image(axis: int) -> np.ndarray:
    """A 6x6 image, dark (0) then bright (1) left to right (axis 1) or top to bottom (axis 0)."""
    image = np.zeros((6, 6))
    if axis == 1:
        image[:, 3:] = 1.0
    else:
        image[3:, :] = 1.0
    return image


@pytest.mark.parametrize("key", list(COURSE_KERNELS))
def test_course_kernels_exactly(key: str) -> None:
    np.testing.assert_array_equal(PRESETS[key].weights, COURSE_KERNELS[key])
    np.testing.assert_array_equal(get_kernel(key), COURSE_KERNELS[key])


@pytest.mark.parametrize("key", list(CLASSIC_KERNELS))
def test_classic_kernels_exactly(key: str) -> None:
    np.testing.assert_allclose(get_kernel(key), CLASSIC_KERNELS[key], rtol=0, atol=1e-15)


def test_presets_cover_all_kernels_in_teaching_order() -> None:
    assert list(PRESETS) == [
        "identity",
        "box_blur_3x3",
        "box_blur_5x5",
        "gaussian",
        "sharpen",
        "horizontal_edges",
        "vertical_edges",
        "diagonal_edges",
        "horizontal_lines",
        "vertical_lines",
        "sobel_x",
        "sobel_y",
        "prewitt_x",
        "prewitt_y",
        "scharr_x",
        "scharr_y",
        "laplacian_4",
        "laplacian_8",
        "edge_enhance",
        "emboss",
    ]
    with pytest.raises(TypeError):
        PRESETS["mine"] = PRESETS["identity"]  # type: ignore[index]


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_is_well_formed(key: str) -> None:
    preset = PRESETS[key]
    assert isinstance(preset, KernelPreset)
    assert preset.key == key
    assert preset.weights.dtype == np.float64
    assert preset.weights.ndim == 2
    rows, cols = preset.weights.shape
    assert rows == cols and rows % 2 == 1  # square with a centre
    assert not preset.weights.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        preset.weights[0, 0] = 42.0


@pytest.mark.parametrize("key", list(PRESETS))
def test_preset_has_names_and_explanations_in_both_catalogs(key: str) -> None:
    preset = PRESETS[key]
    assert preset.name_key == f"kernel.{key}.name"
    assert preset.explanation_key == f"kernel.{key}.explanation"
    for lang in ("es", "en"):
        assert preset.name_key in catalog(lang)
        assert preset.explanation_key in catalog(lang)
        assert preset.name(lang) == catalog(lang)[preset.name_key]
        assert len(preset.explanation(lang)) > 30
    assert preset.explanation("es") != preset.explanation("en")


def test_spanish_names_use_the_course_words() -> None:
    assert PRESETS["horizontal_edges"].name("es") == "Bordes horizontales (curso)"
    assert PRESETS["gaussian"].name("es") == "Desenfoque gaussiano"
    assert PRESETS["emboss"].name("es") == "Relieve"
    assert "nitidez" in PRESETS["sharpen"].name("es").lower()
    assert "detección de bordes" in PRESETS["sobel_x"].explanation("es").lower()


def test_kernel_keys_are_the_same_in_both_catalogs() -> None:
    en = {k for k in catalog("en") if k.startswith("kernel.")}
    es = {k for k in catalog("es") if k.startswith("kernel.")}
    assert en == es
    assert len(en) == 2 * len(PRESETS)


@pytest.mark.parametrize("key", ZERO_SUM)
def test_edge_detectors_sum_to_zero(key: str) -> None:
    # A flat region gives 0: they only answer to changes.
    assert get_kernel(key).sum() == 0
    flat = np.full((5, 5), 0.7)
    np.testing.assert_allclose(correlate2d(flat, get_kernel(key), mode="valid"), 0, atol=1e-12)


@pytest.mark.parametrize("key", UNIT_SUM)
def test_blurs_and_sharpening_keep_brightness(key: str) -> None:
    assert get_kernel(key).sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("key", ["sobel_x", "vertical_edges", "prewitt_x", "scharr_x"])
def test_x_kernels_respond_positively_to_dark_to_bright_left_to_right(key: str) -> None:
    image = step_image(axis=1)
    response = correlate2d(image, get_kernel(key), mode="valid")  # what a CNN layer computes
    assert response.shape == (4, 4)
    assert response.min() >= 0
    column_weight = get_kernel(key)[:, 2].sum()  # 4 for Sobel, 3 Prewitt, 16 Scharr
    np.testing.assert_array_equal(response[:, 1:3], column_weight)
    np.testing.assert_array_equal(response[:, [0, 3]], 0)
    # True convolution flips the kernel: the same edge then comes out negative.
    assert convolve2d(image, get_kernel(key), mode="valid").min() == -column_weight


def test_sobel_x_step_response_exact_values() -> None:
    response = correlate2d(step_image(axis=1), get_kernel("sobel_x"), mode="valid")
    np.testing.assert_array_equal(response, np.tile([0.0, 4.0, 4.0, 0.0], (4, 1)))


@pytest.mark.parametrize("key", ["sobel_y", "horizontal_edges", "prewitt_y", "scharr_y"])
def test_y_kernels_respond_positively_to_dark_to_bright_top_to_bottom(key: str) -> None:
    response = correlate2d(step_image(axis=0), get_kernel(key), mode="valid")
    assert response.min() >= 0
    assert response.max() == get_kernel(key)[2].sum()
    # ... and not at all to a vertical edge.
    np.testing.assert_array_equal(correlate2d(step_image(axis=1), get_kernel(key), "valid"), 0)


def test_course_line_kernels_respond_to_bright_left_and_bright_top() -> None:
    bright_left = 1.0 - step_image(axis=1)
    bright_top = 1.0 - step_image(axis=0)
    assert correlate2d(bright_left, get_kernel("vertical_lines"), mode="valid").max() == 3
    assert correlate2d(bright_left, get_kernel("vertical_lines"), mode="valid").min() == 0
    assert correlate2d(bright_top, get_kernel("horizontal_lines"), mode="valid").max() == 3
    assert correlate2d(bright_top, get_kernel("horizontal_lines"), mode="valid").min() == 0


def test_diagonal_kernel_answers_to_a_diagonal_edge() -> None:
    rows, cols = np.indices((7, 7))
    image = (rows + cols >= 7).astype(float)  # dark top left, bright bottom right
    response = correlate2d(image, get_kernel("diagonal_edges"), mode="valid")
    assert response.min() >= 0
    assert response.max() == 5  # the kernel's positive weights 2 + 2 + 1 all on bright cells


def test_identity_leaves_the_image_alone() -> None:
    image = np.arange(25.0).reshape(5, 5)
    np.testing.assert_array_equal(
        correlate2d(image, get_kernel("identity"), mode="valid"), image[1:-1, 1:-1]
    )


# --- gaussian ----------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "sigma"), [(1, 1.0), (3, 1.0), (5, 1.5), (7, 0.5), (9, 3.0)])
def test_gaussian_sums_to_one_and_is_symmetric(size: int, sigma: float) -> None:
    kernel = gaussian_kernel(size, sigma)
    assert kernel.shape == (size, size)
    assert kernel.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(kernel, kernel.T, atol=1e-15)
    np.testing.assert_allclose(kernel, kernel[::-1, :], atol=1e-15)
    np.testing.assert_allclose(kernel, kernel[:, ::-1], atol=1e-15)
    centre = size // 2
    assert kernel[centre, centre] == kernel.max()


def test_gaussian_values() -> None:
    # exp(-d²/2) for d² = 0, 1, 2, normalised.
    weights = np.array([[2, 1, 2], [1, 0, 1], [2, 1, 2]], dtype=float)
    expected = np.exp(-weights / 2)
    expected /= expected.sum()
    np.testing.assert_allclose(gaussian_kernel(3, 1.0), expected, rtol=1e-14)
    np.testing.assert_allclose(PRESETS["gaussian"].weights, expected, rtol=1e-14)
    assert gaussian_kernel(3, 1.0)[1, 1] == pytest.approx(0.20417995557165, rel=1e-12)


def test_larger_sigma_blurs_more() -> None:
    assert gaussian_kernel(5, 2.0)[2, 2] < gaussian_kernel(5, 1.0)[2, 2]


def test_get_kernel_gaussian_parameters() -> None:
    np.testing.assert_array_equal(
        get_kernel("gaussian", size=5, sigma=1.5), gaussian_kernel(5, 1.5)
    )
    np.testing.assert_array_equal(get_kernel("gaussian", size=5), gaussian_kernel(5, 1.0))
    np.testing.assert_array_equal(get_kernel("gaussian"), gaussian_kernel(3, 1.0))
    assert dict(PRESETS["gaussian"].params) == {"size": 3, "sigma": 1.0}
    assert dict(PRESETS["sobel_x"].params) == {}


@pytest.mark.parametrize("size", [0, 2, 4, -1, -3, 3.0, True, "3", None])
def test_gaussian_refuses_bad_sizes(size: object) -> None:
    with pytest.raises(InputError) as info:
        gaussian_kernel(size, 1.0)  # type: ignore[arg-type]
    assert info.value.key == "error.kernel_size_odd"
    assert repr(size) in info.value.message("en")
    assert repr(size) in info.value.message("es")


@pytest.mark.parametrize("sigma", [0, -1.0, math.nan, math.inf, "1", None, True])
def test_gaussian_refuses_bad_sigmas(sigma: object) -> None:
    with pytest.raises(InputError) as info:
        gaussian_kernel(3, sigma)  # type: ignore[arg-type]
    assert info.value.key == "error.kernel_sigma"


def test_gaussian_accepts_numpy_numbers() -> None:
    np.testing.assert_array_equal(
        gaussian_kernel(np.int64(3), np.float32(1.0)), gaussian_kernel(3, 1.0)
    )


# --- get_kernel --------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(PRESETS))
def test_get_kernel_returns_a_fresh_writable_copy(key: str) -> None:
    original = PRESETS[key].weights.copy()
    kernel = get_kernel(key)
    assert kernel.flags.writeable
    kernel[...] = 99.0
    np.testing.assert_array_equal(PRESETS[key].weights, original)
    np.testing.assert_array_equal(get_kernel(key), original)
    assert get_kernel(key) is not get_kernel(key)


def test_preset_does_not_share_memory_with_its_source() -> None:
    source = np.ones((3, 3))
    preset = KernelPreset("mine", source, "kernel.mine.name", "kernel.mine.explanation")
    source[0, 0] = 5.0
    assert preset.weights[0, 0] == 1.0


def test_get_kernel_unknown_key() -> None:
    with pytest.raises(InputError) as info:
        get_kernel("sobel")
    assert info.value.key == "error.unknown_kernel"
    assert "'sobel'" in info.value.message("en")
    assert "sobel_x" in info.value.message("es")


def test_get_kernel_refuses_parameters_a_preset_does_not_take() -> None:
    with pytest.raises(InputError) as info:
        get_kernel("sobel_x", size=5)
    assert info.value.key == "error.kernel_takes_no_params"
    assert "size" in info.value.message("es")
    with pytest.raises(InputError) as info:
        get_kernel("gaussian", radius=2)
    assert info.value.key == "error.kernel_unknown_params"
    assert "size, sigma" in info.value.message("en")


def test_get_kernel_validates_gaussian_parameters() -> None:
    with pytest.raises(InputError) as info:
        get_kernel("gaussian", size=4)
    assert info.value.key == "error.kernel_size_odd"


# --- normalize_kernel --------------------------------------------------------------------


def test_normalize_kernel_divides_by_the_sum() -> None:
    np.testing.assert_allclose(
        normalize_kernel([[1, 2, 1], [2, 4, 2], [1, 2, 1]]),
        np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 16,
    )
    np.testing.assert_allclose(normalize_kernel([[-1, -1]]), [[0.5, 0.5]])  # sum -2


def test_normalize_kernel_of_a_zero_sum_kernel_divides_by_absolute_sum() -> None:
    result = normalize_kernel(get_kernel("sobel_x"))
    np.testing.assert_allclose(result, get_kernel("sobel_x") / 8)
    assert result.sum() == 0
    assert np.abs(result).sum() == pytest.approx(1.0)
    # Rounding leaves 0.1 + 0.2 - 0.3 = 5.6e-17, which still counts as zero.
    np.testing.assert_allclose(normalize_kernel([[0.1, 0.2, -0.3]]), [[1 / 6, 2 / 6, -3 / 6]])


def test_normalize_kernel_returns_a_new_array() -> None:
    kernel = np.array([[2.0, 2.0]])
    result = normalize_kernel(kernel)
    assert result is not kernel
    np.testing.assert_array_equal(kernel, [[2.0, 2.0]])


@pytest.mark.parametrize(
    ("kernel", "key"),
    [
        (np.zeros((3, 3)), "error.kernel_all_zero"),
        (np.array([[1.0, np.nan]]), "error.kernel_not_finite"),
        (np.array([[1.0, np.inf]]), "error.kernel_not_finite"),
        (np.zeros((0, 3)), "error.kernel_empty"),
        ([["a", "b"]], "error.kernel_not_numeric"),
    ],
)
@pytest.mark.parametrize("lang", ["en", "es"])
def test_normalize_kernel_errors(kernel: object, key: str, lang: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_kernel(kernel)  # type: ignore[arg-type]
    assert info.value.key == key
    message = info.value.message(lang)
    assert message != key
    assert "{" not in message


@settings(max_examples=100, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        elements=st.floats(-100, 100, allow_nan=False),
    )
)
def test_normalized_kernel_sums_to_one_when_its_sum_is_not_zero(kernel: np.ndarray) -> None:
    total, magnitude = kernel.sum(), np.abs(kernel).sum()
    assume(abs(total) > 1e-3 * magnitude)
    result = normalize_kernel(kernel)
    assert result.sum() == pytest.approx(1.0, abs=1e-9)
    np.testing.assert_allclose(result * total, kernel, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.integers(1, 4)),
        elements=st.integers(-9, 9).map(float),
    )
)
def test_normalized_zero_sum_kernel_has_unit_absolute_sum(half: np.ndarray) -> None:
    assume(np.abs(half).sum() > 0)
    kernel = np.concatenate([half, -half], axis=1)  # sums to exactly 0
    result = normalize_kernel(kernel)
    assert np.abs(result).sum() == pytest.approx(1.0)
    assert result.sum() == pytest.approx(0.0, abs=1e-12)


# --- random_kernel -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape", "fan_in", "fan_out"),
    [((3, 3), 9, 9), (5, 25, 25), ((3, 3, 2), 18, 9), ((3, 3, 2, 4), 18, 36), ((1, 1, 8, 2), 8, 2)],
)
def test_random_kernel_uses_the_glorot_uniform_limit(
    shape: int | tuple[int, ...], fan_in: int, fan_out: int
) -> None:
    kernel = random_kernel(shape, seed=3)
    expected_shape = (shape, shape) if isinstance(shape, int) else shape
    assert kernel.shape == expected_shape
    assert kernel.dtype == np.float64
    limit = math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(kernel).max() <= limit
    big = random_kernel((*expected_shape[:2], 50, 50), seed=3)
    big_limit = math.sqrt(6 / (expected_shape[0] * expected_shape[1] * 100))
    # Uniform on [-L, L]: the extremes get close to L, the variance is L²/3.
    assert np.abs(big).max() == pytest.approx(big_limit, rel=0.05)
    assert big.var() == pytest.approx(big_limit**2 / 3, rel=0.1)


def test_random_kernel_is_reproducible_with_a_seed() -> None:
    np.testing.assert_array_equal(random_kernel((3, 3), seed=7), random_kernel((3, 3), seed=7))
    assert not np.array_equal(random_kernel((3, 3), seed=7), random_kernel((3, 3), seed=8))
    assert random_kernel((3, 3)).shape == (3, 3)


@pytest.mark.parametrize(
    ("shape", "key"),
    [
        ((3,), "error.kernel_shape"),
        ((1, 2, 3, 4, 5), "error.kernel_shape"),
        ((3, 2.5), "error.kernel_shape"),
        ((3, 0), "error.below_one"),
        (0, "error.below_one"),
        ((-3, 3), "error.below_one"),
    ],
)
def test_random_kernel_refuses_bad_shapes(shape: object, key: str) -> None:
    with pytest.raises(InputError) as info:
        random_kernel(shape, seed=0)  # type: ignore[arg-type]
    assert info.value.key == key
    assert info.value.message("es") != key
