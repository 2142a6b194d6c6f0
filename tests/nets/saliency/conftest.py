"""Tiny hand-built Keras models whose right answers are known, shared by the saliency tests.

They are session-scoped: each is built once for all the modules of this folder, as it was
when the tests were one module (with "module" scope, each module would build its own).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from tests.nets.saliency.helpers import COL, COLS, ROW, ROWS, WEIGHT


@pytest.fixture(scope="session")
def one_pixel():
    inputs = keras.Input((ROWS, COLS, 1))
    flat = keras.layers.Flatten()(inputs)
    logits = keras.layers.Dense(2, name="logits")(flat)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(logits))
    kernel = np.zeros((ROWS * COLS, 2), np.float32)
    kernel[ROW * COLS + COL, 0] = WEIGHT
    model.get_layer("logits").set_weights([kernel, np.zeros(2, np.float32)])
    return model


@pytest.fixture(scope="session")
def linear():
    """Flatten + Dense(3) on a (5, 6, 2) input, random weights, no softmax."""
    rng = np.random.default_rng(1)
    model = keras.Sequential(
        [keras.Input((5, 6, 2)), keras.layers.Flatten(), keras.layers.Dense(3, name="logits")]
    )
    kernel = rng.standard_normal((60, 3)).astype(np.float32)
    bias = rng.standard_normal(3).astype(np.float32)
    model.get_layer("logits").set_weights([kernel, bias])
    return model, kernel, bias


@pytest.fixture(scope="session")
def smooth():
    """A small nonlinear network (tanh everywhere, so the IG path integral is smooth)."""
    rng = np.random.default_rng(2)
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(3, 3, activation="tanh", name="conv")(inputs)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(5, activation="tanh", name="hidden")(x)
    model = keras.Model(inputs, keras.layers.Dense(3, name="logits")(x))
    for layer in model.layers:
        layer.set_weights([rng.normal(0, 0.7, w.shape).astype(np.float32) for w in layer.weights])
    return model


@pytest.fixture(scope="session")
def spot():
    """A bright-spot detector: 3x3 box filter, ReLU, max pool, GAP, Dense, softmax.

    Class 0's logit is the average of the rectified box-filtered image, class 1's minus it.
    """
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(1, 3, padding="same", use_bias=False, name="conv")(inputs)
    x = keras.layers.ReLU(name="relu")(x)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(2, name="logits")(x)
    model = keras.Model(inputs, keras.layers.Activation("softmax", name="softmax")(x))
    model.get_layer("conv").set_weights([np.ones((3, 3, 1, 1), np.float32)])
    model.get_layer("logits").set_weights([np.array([[1.0, -1.0]], np.float32), np.zeros(2)])
    return model


@pytest.fixture(scope="session")
def pixel_image():
    image = np.random.default_rng(3).random((ROWS, COLS)).astype(np.float32)
    image[ROW, COL] = 0.8
    return image
