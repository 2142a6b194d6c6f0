"""Shapley values of image regions on Keras models: a linear model's closed form, efficiency."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import gaussian_filter

from cnnviz.core.shapley import grid_regions
from cnnviz.i18n import InputError
from cnnviz.nets import shapley
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
from cnnviz.nets.model import load_trained_model

SHAPE = (12, 10, 2)


@pytest.fixture(scope="module")
def linear():
    """Flatten + Dense(3), random weights, no softmax: class c's output is its logit."""
    rng = np.random.default_rng(4)
    model = keras.Sequential(
        [keras.Input(SHAPE), keras.layers.Flatten(), keras.layers.Dense(3, name="logits")]
    )
    kernel = rng.standard_normal((int(np.prod(SHAPE)), 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    model.get_layer("logits").set_weights([kernel, bias])
    return model, kernel


def closed_form(kernel, image, baseline, labels, class_index):
    """A linear score's Shapley value of a region: Σ over its pixels of w · (x − baseline)."""
    w = kernel[:, class_index].reshape(SHAPE)
    per_pixel = (w * (image - baseline)).sum(axis=2)
    return np.bincount(labels.ravel(), weights=per_pixel.ravel())


@settings(max_examples=12, deadline=None)
@given(
    grid=st.integers(2, 3),
    class_index=st.integers(0, 2),
    baseline=st.sampled_from(shapley.BASELINES),
    seed=st.integers(0, 100),
)
def test_linear_model_matches_the_closed_form(linear, grid, class_index, baseline, seed):
    model, kernel = linear
    rng = np.random.default_rng(seed)
    image = rng.random(SHAPE).astype(np.float32)
    mean = rng.random(SHAPE).astype(np.float32)
    base = shapley.baseline_image(image, baseline, mean=mean)
    labels = grid_regions(SHAPE[0], SHAPE[1], grid, grid)
    expected = closed_form(kernel, image, base, labels, class_index)
    kwargs = {"grid": grid, "baseline": baseline, "mean": mean, "target": "score"}
    exact = shapley.shapley_values(model, image, class_index, permutations=None, **kwargs)
    np.testing.assert_allclose(exact.result.values, expected, atol=1e-4)
    # additive game: every permutation gives the same contributions, so sampling is exact too
    sampled = shapley.shapley_values(model, image, class_index, permutations=4, seed=seed, **kwargs)
    np.testing.assert_allclose(sampled.result.values, expected, atol=1e-4)
    np.testing.assert_array_equal(exact.labels, labels)


def test_the_value_map_paints_each_region_with_its_value(linear):
    model, _ = linear
    image = np.random.default_rng(0).random(SHAPE).astype(np.float32)
    found = shapley.shapley_values(model, image, 1, grid=(2, 5), permutations=None, target="score")
    assert found.value_map.shape == SHAPE[:2]
    assert found.value_map[0, 0] == found.result.values[0]
    assert found.value_map[-1, -1] == found.result.values[9]


def test_blurred_baseline_is_scipys_gaussian_over_rows_and_columns():
    image = np.random.default_rng(1).random((8, 9, 3)).astype(np.float32)
    blurred = shapley.baseline_image(image, "blurred")
    for channel in range(3):  # channels are blurred apart, never mixed
        np.testing.assert_allclose(
            blurred[..., channel],
            gaussian_filter(image[..., channel], sigma=shapley.BLUR_SIGMA),
            atol=1e-6,
        )
    assert not shapley.baseline_image(image, "black").any()
    grey = np.full((1, 1, 3), 0.25)
    np.testing.assert_array_equal(shapley.baseline_image(image, "mean", mean=grey), 0.25)


def test_masked_images_take_kept_regions_from_the_image():
    image = np.ones((4, 4, 1), np.float32)
    labels = grid_regions(4, 4, 2, 2)
    masked = shapley.masked_images(image, np.zeros_like(image), labels, np.array([[1, 0, 0, 1]]))
    np.testing.assert_array_equal(
        masked[0, ..., 0], [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    )


def check_efficiency(model, image, class_index, **kwargs):
    found = shapley.shapley_values(model, image, class_index, **kwargs)
    probabilities = model(np.array([image, found.baseline]), training=False).numpy()
    result = found.result
    # f(x) and f(baseline) are the network's own probabilities of the class
    np.testing.assert_allclose(
        [result.full, result.empty], probabilities[:, class_index], atol=1e-5
    )
    assert result.total == pytest.approx(result.full - result.empty, abs=1e-5)
    return found


@pytest.mark.parametrize(
    ("baseline", "permutations"), [("black", None), ("blurred", 8), ("mean", 8)]
)
def test_efficiency_on_the_digit_network(baseline, permutations):
    data = load_mnist_subset()
    image = (data.x_test[0] / 255.0).astype(np.float32)[..., None]
    mean = (data.x_test.mean(axis=0) / 255.0)[..., None]
    model = load_trained_model()
    grid = 3 if permutations is None else 8
    found = check_efficiency(
        model,
        image,
        int(data.y_test[0]),
        grid=grid,
        baseline=baseline,
        mean=mean,
        permutations=permutations,
    )
    assert found.result.exact == (permutations is None)


def test_efficiency_on_the_colour_network():
    data = load_cifar_subset()
    image = (data.x_test[0] / 255.0).astype(np.float32)
    found = check_efficiency(
        load_cifar_model(), image, 3, grid=4, baseline="blurred", permutations=4
    )
    assert found.result.standard_errors.max() > 0


def test_one_permutation_shows_what_the_network_saw(linear):
    model, kernel = linear
    image = np.random.default_rng(2).random(SHAPE).astype(np.float32)
    walk, before, after = shapley.permutation_walk(
        model, image, 0, region=3, grid=2, target="score", seed=4
    )
    labels = grid_regions(SHAPE[0], SHAPE[1], 2, 2)
    kept = walk.before[labels]
    np.testing.assert_array_equal(before, np.where(kept[..., None], image, 0))
    np.testing.assert_array_equal(after, np.where((kept | (labels == 3))[..., None], image, 0))
    expected = closed_form(kernel, image, np.zeros_like(image), labels, 0)[3]
    assert walk.contribution == pytest.approx(expected, abs=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"baseline": "white"}, "error.shapley_baseline"),
        ({"baseline": "mean"}, "error.saliency_baseline_shape"),
        ({"grid": 9}, "error.shapley_grid"),
        ({"grid": 4, "permutations": None}, "error.shapley_exact_too_many"),
        ({"permutations": 0}, "error.shapley_permutations"),
        ({"target": "logit"}, "error.saliency_target"),
    ],
)
def test_bad_settings_are_refused(linear, kwargs, key):
    model, _ = linear
    with pytest.raises(InputError) as caught:
        shapley.shapley_values(model, np.zeros(SHAPE, np.float32), 0, **kwargs)
    assert caught.value.key == key
