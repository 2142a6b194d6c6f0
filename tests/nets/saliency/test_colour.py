"""The saliency methods on colour images: models whose answers are known, and the colour network."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnviz import nets  # noqa: F401  (the package, before saliency's lazy imports)
from cnnviz.nets import saliency

SIDE = 12


@pytest.fixture(scope="module")
def colour_linear():
    """1x1 convolution with weights (w_R, w_G, w_B), global average, one logit per class.

    Class 0's score is the mean over pixels of ``w . x``, so its gradient at every
    pixel is ``w / (SIDE * SIDE)``; class 1's is minus that.
    """
    inputs = keras.Input((SIDE, SIDE, 3))
    x = keras.layers.Conv2D(1, 1, use_bias=False, name="conv")(inputs)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(2, use_bias=False, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(x))
    weights = np.array([2.0, -1.0, 0.5], np.float32)
    model.get_layer("conv").set_weights([weights.reshape(1, 1, 3, 1)])
    model.get_layer("logits").set_weights([np.array([[1.0, -1.0]], np.float32)])
    return model, weights


@pytest.fixture(scope="module")
def red_spot():
    """A red-spot detector: 3x3 box filter on the red channel only, ReLU, GAP, Dense, softmax."""
    inputs = keras.Input((SIDE, SIDE, 3))
    x = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(x))
    kernel = np.zeros((3, 3, 3, 1), np.float32)
    kernel[:, :, 0, 0] = 1.0
    model.get_layer("conv").set_weights([kernel])
    model.get_layer("logits").set_weights([np.array([[4.0, -4.0]], np.float32), np.zeros(2)])
    return model


def test_gradients_of_the_colour_linear_model_are_its_channel_weights(colour_linear):
    model, weights = colour_linear
    image = np.random.default_rng(0).random((SIDE, SIDE, 3)).astype(np.float32)
    grad = saliency.input_gradient(model, image, 0)
    np.testing.assert_allclose(grad, np.broadcast_to(weights / SIDE**2, grad.shape), rtol=1e-6)
    # The map keeps each pixel's largest channel: |w_R| here.
    np.testing.assert_allclose(saliency.vanilla_gradient(model, image, 1), 2.0 / SIDE**2, rtol=1e-6)
    # Linear: Integrated Gradients from black is exactly (x . w) / pixels, summed over channels.
    ig = saliency.integrated_gradients(model, image, 0, steps=4)
    np.testing.assert_allclose(ig, image @ weights / SIDE**2, rtol=1e-5, atol=1e-7)


def test_every_method_finds_the_red_spot_and_ignores_a_blue_one(red_spot):
    image = np.zeros((SIDE, SIDE, 3), np.float32)
    image[2:4, 8:10, 0] = 1.0  # a red spot, top right
    image[8:10, 2:4, 2] = 1.0  # a blue spot, bottom left: the detector is blind to blue
    options = saliency.SaliencyOptions(window=3, stride=1, samples=8, noise_level=0.05, steps=16)
    results = saliency.compute_all(red_spot, image, 0, options=options)
    assert list(results) == list(saliency.METHODS)
    for method, result in results.items():
        values = np.abs(result.map)
        assert result.map.shape == (SIDE, SIDE), method
        red, blue = values[1:5, 7:11].max(), values[7:11, 1:5].max()
        # SmoothGrad's noise switches the ReLU on everywhere now and then: blue gets some.
        ratio = 1.5 if method == "smoothgrad" else 10
        assert red > 0 and red > ratio * blue, (method, red, blue)
        peak = np.unravel_index(np.argmax(values), values.shape)
        assert 1 <= peak[0] <= 4 and 7 <= peak[1] <= 10, (method, peak)


def test_the_colour_network_gets_five_maps_of_its_input_size():
    from cnnviz.nets.cifar_model import load_cifar_model

    model = load_cifar_model()
    image = np.random.default_rng(1).random((32, 32, 3)).astype(np.float32)
    assert saliency.default_cam_layer(model) in saliency.conv_layer_names(model)
    options = saliency.SaliencyOptions(samples=4, steps=8)
    results = saliency.compute_all(model, image, 3, options=options)
    for result in results.values():
        assert result.map.shape == (32, 32) and np.isfinite(result.map).all()
    # Gradient: the largest |∂score/∂x| over the three channels, as Keras' tape gives it.
    grad = saliency.input_gradient(model, image, 3)
    assert grad.shape == (32, 32, 3)
    np.testing.assert_allclose(results["gradient"].map, np.abs(grad).max(axis=-1), rtol=1e-5)
