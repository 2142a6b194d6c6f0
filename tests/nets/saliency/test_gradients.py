"""Tests of cnnviz.nets.saliency.gradients: gradient, SmoothGrad, Integrated Gradients."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.nets.saliency.gradients import (
    class_score,
    input_gradient,
    integrated_gradients,
    integrated_gradients_channels,
    smoothgrad,
    vanilla_gradient,
)
from tests.nets.saliency.helpers import COL, COLS, ROW, ROWS, WEIGHT

# --- gradients --------------------------------------------------------------------------


def test_gradient_of_a_linear_model_is_its_weights_exactly(linear):
    model, kernel, _ = linear
    image = np.random.default_rng(6).random((5, 6, 2)).astype(np.float32)
    for k in range(3):
        grad = input_gradient(model, image, k)
        np.testing.assert_array_equal(grad, kernel[:, k].reshape(5, 6, 2))
        np.testing.assert_array_equal(
            vanilla_gradient(model, image, k), np.abs(kernel[:, k].reshape(5, 6, 2)).max(axis=-1)
        )


def test_gradient_and_smoothgrad_of_the_one_pixel_model_are_that_pixel(one_pixel, pixel_image):
    expected = np.zeros((ROWS, COLS), np.float32)
    expected[ROW, COL] = WEIGHT
    grad = vanilla_gradient(one_pixel, pixel_image, 0)
    assert grad.shape == (ROWS, COLS) and grad.dtype == np.float32
    np.testing.assert_array_equal(grad, expected)
    # The gradient of a linear score is the same at every noisy copy.
    np.testing.assert_array_equal(smoothgrad(one_pixel, pixel_image, 0, samples=7), expected)
    np.testing.assert_array_equal(vanilla_gradient(one_pixel, pixel_image, 1), 0)


def test_smoothgrad_without_noise_is_the_gradient_and_the_seed_repeats(smooth):
    image = np.random.default_rng(7).random((8, 8)).astype(np.float32)
    np.testing.assert_allclose(
        smoothgrad(smooth, image, 1, samples=1, noise_level=0.0),
        vanilla_gradient(smooth, image, 1),
        rtol=1e-6,
    )
    first = smoothgrad(smooth, image, 1, samples=6, seed=3)
    np.testing.assert_array_equal(first, smoothgrad(smooth, image, 1, samples=6, seed=3))
    assert not np.array_equal(first, smoothgrad(smooth, image, 1, samples=6, seed=4))


def test_smoothgrad_is_the_mean_gradient_over_its_noisy_copies(smooth):
    image = np.random.default_rng(8).random((8, 8)).astype(np.float32)
    sigma = 0.2 * float(image.max() - image.min())
    noise = np.random.default_rng(11).normal(0.0, sigma, size=(4, 8, 8, 1))
    copies = (image[:, :, None] + noise).astype(np.float32)
    mean = np.mean([input_gradient(smooth, c, 2) for c in copies], axis=0)
    np.testing.assert_allclose(
        smoothgrad(smooth, image, 2, samples=4, noise_level=0.2, seed=11),
        np.abs(mean)[:, :, 0],
        rtol=1e-5,
        atol=1e-7,
    )


# --- Integrated Gradients ---------------------------------------------------------------


def test_integrated_gradients_of_the_one_pixel_model_is_weight_times_value(one_pixel, pixel_image):
    ig = integrated_gradients(one_pixel, pixel_image, 0, steps=5)
    expected = np.zeros((ROWS, COLS))
    expected[ROW, COL] = WEIGHT * 0.8
    np.testing.assert_allclose(ig, expected, rtol=1e-6, atol=0)


def test_integrated_gradients_of_a_linear_model_is_weights_times_input(linear):
    model, kernel, _ = linear
    image = np.random.default_rng(9).random((5, 6, 2)).astype(np.float32)
    baseline = np.full((5, 6, 2), 0.25, np.float32)
    channels = integrated_gradients_channels(model, image, 2, baseline=baseline, steps=3)
    np.testing.assert_allclose(
        channels, (image - 0.25) * kernel[:, 2].reshape(5, 6, 2), rtol=1e-5, atol=1e-7
    )
    np.testing.assert_allclose(
        integrated_gradients(model, image, 2, baseline=0.25, steps=3),
        channels.sum(axis=-1),
        rtol=1e-6,
        atol=1e-7,
    )


@pytest.mark.parametrize(("steps", "tolerance"), [(16, 1e-2), (64, 1e-3)])
def test_integrated_gradients_completeness_on_a_nonlinear_model(smooth, steps, tolerance):
    rng = np.random.default_rng(10)
    image = rng.random((8, 8)).astype(np.float32)
    for baseline in (None, 0.5):
        for k in range(3):
            total = float(
                integrated_gradients(smooth, image, k, baseline=baseline, steps=steps).sum()
            )
            base = np.zeros((8, 8), np.float32) if baseline is None else np.full((8, 8), 0.5)
            change = class_score(smooth, image, k) - class_score(smooth, base, k)
            assert abs(change) > 0.05  # the check means something
            assert total == pytest.approx(change, abs=tolerance * max(1.0, abs(change)))


def test_integrated_gradients_with_one_step_is_the_trapezoid_of_the_two_ends(smooth):
    image = np.random.default_rng(12).random((8, 8, 1)).astype(np.float32)
    ends = input_gradient(smooth, image, 0) + input_gradient(smooth, np.zeros_like(image), 0)
    np.testing.assert_allclose(
        integrated_gradients_channels(smooth, image, 0, steps=1),
        image * ends / 2,
        rtol=1e-5,
        atol=1e-7,
    )
