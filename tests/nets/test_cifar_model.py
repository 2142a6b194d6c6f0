"""Tests of cnnviz.nets.cifar_model: the colour network's architecture, folding, shipped weights."""

from __future__ import annotations

import itertools
import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from cnnviz.core import shapes
from cnnviz.nets.cifar_model import (
    BLOCK_FILTERS,
    CIFAR_CLASSES,
    CIFAR_INPUT_SHAPE,
    CIFAR_WEIGHTS_PATH,
    build_cifar_model,
    conv_names,
    fold_batch_norm,
    load_cifar_model,
)
from cnnviz.nets.datasets import CLASS_KEY_PREFIX, load_cifar_subset

CARD = CIFAR_WEIGHTS_PATH.parent / "CIFAR_MODEL_CARD.md"
LAYERS = [
    ("conv1", "Conv2D", (32, 32, 32)),
    ("relu1", "Activation", (32, 32, 32)),
    ("conv2", "Conv2D", (32, 32, 32)),
    ("relu2", "Activation", (32, 32, 32)),
    ("pool1", "MaxPooling2D", (16, 16, 32)),
    ("conv3", "Conv2D", (16, 16, 64)),
    ("relu3", "Activation", (16, 16, 64)),
    ("conv4", "Conv2D", (16, 16, 64)),
    ("relu4", "Activation", (16, 16, 64)),
    ("pool2", "MaxPooling2D", (8, 8, 64)),
    ("conv5", "Conv2D", (8, 8, 128)),
    ("relu5", "Activation", (8, 8, 128)),
    ("conv6", "Conv2D", (8, 8, 128)),
    ("relu6", "Activation", (8, 8, 128)),
    ("pool3", "MaxPooling2D", (4, 4, 128)),
    ("flatten", "Flatten", (2048,)),
    ("dropout", "Dropout", (2048,)),
    ("logits", "Dense", (10,)),
    ("softmax", "Activation", (10,)),
]


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return load_cifar_model()


def card_percent(pattern: str) -> float:
    """A percentage the model card states, as a fraction."""
    text = CARD.read_text(encoding="utf-8")
    return float(re.search(pattern, text).group(1)) / 100


def test_architecture_layer_by_layer():
    shipped = build_cifar_model()
    assert shipped.input_shape == (None, *CIFAR_INPUT_SHAPE)
    got = [(layer.name, type(layer).__name__, layer.output.shape[1:]) for layer in shipped.layers]
    assert got[1:] == LAYERS
    # Convolutions keep their side ("same") and pooling halves it, three times: 32 / 2**3 = 4.
    side = CIFAR_INPUT_SHAPE[0] // 2 ** len(BLOCK_FILTERS)
    assert shipped.get_layer("flatten").output.shape[1] == side * side * BLOCK_FILTERS[-1]


def test_parameter_count_from_the_core():
    channels = (CIFAR_INPUT_SHAPE[2], *np.repeat(BLOCK_FILTERS, 2))
    convs = sum(shapes.conv_params(3, c_in, c_out) for c_in, c_out in itertools.pairwise(channels))
    dense = shapes.dense_params(4 * 4 * BLOCK_FILTERS[-1], len(CIFAR_CLASSES))
    shipped = build_cifar_model()
    assert shipped.count_params() == convs + dense == 307_498
    # Trained with batch norm: no conv bias, and four numbers per channel (two of them trainable).
    trained = build_cifar_model(batch_norm=True)
    norms = sum(4 * trained.get_layer(f"bn{i}").gamma.shape[0] for i in range(1, 7))
    assert trained.count_params() == shipped.count_params() - sum(channels[1:]) + norms


def test_folding_batch_norm_keeps_every_output():
    keras.utils.set_random_seed(7)
    trained = build_cifar_model(batch_norm=True)
    rng = np.random.default_rng(7)
    for name in conv_names():
        norm = trained.get_layer(name.replace("conv", "bn"))
        count = norm.gamma.shape[0]
        norm.set_weights(
            [
                rng.uniform(0.5, 2.0, count),  # gamma
                rng.normal(0, 0.3, count),  # beta
                rng.normal(0, 0.5, count),  # moving mean
                rng.uniform(0.2, 3.0, count),  # moving variance
            ]
        )
    folded = fold_batch_norm(trained)
    images = rng.uniform(0, 1, (8, *CIFAR_INPUT_SHAPE)).astype(np.float32)
    logits = keras.Model(trained.input, trained.get_layer("logits").output)
    folded_logits = keras.Model(folded.input, folded.get_layer("logits").output)
    np.testing.assert_allclose(
        folded_logits(images, training=False), logits(images, training=False), rtol=1e-4, atol=1e-4
    )
    assert not any("bn" in layer.name for layer in folded.layers)


def test_missing_weights_say_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"scripts/train_cifar\.py"):
        load_cifar_model(tmp_path / "none.weights.h5")


def test_class_order_is_the_datasets():
    subset = load_cifar_subset()
    assert subset.class_names == tuple(f"{CLASS_KEY_PREFIX}cifar10.{i}" for i in range(10))
    assert subset.class_label(0, lang="en").lower() == CIFAR_CLASSES[0]
    assert subset.class_label(9, lang="en").lower() == CIFAR_CLASSES[9]


def test_shipped_weights_file_is_small():
    assert CIFAR_WEIGHTS_PATH.stat().st_size <= 2_000_000


def test_shipped_accuracy_is_what_the_card_says(model):
    subset = load_cifar_subset()
    probabilities = model.predict(subset.x_test.astype(np.float32) / 255, verbose=0)
    predicted = probabilities.argmax(axis=1)
    accuracy = float(np.mean(predicted == subset.y_test))
    assert accuracy == pytest.approx(card_percent(r"bundled test images[^:]*: ([\d.]+)%"), abs=5e-5)
    # The card's headline (all 10,000 CIFAR-10 test images) meets the bar, and the
    # bundled 2,000 of them tell the same story.
    headline = card_percent(r"\*\*Accuracy: ([\d.]+)%\*\*")
    assert headline >= 0.80
    assert abs(accuracy - headline) < 0.03
    # Every class is learned, not just the average.
    per_class = [np.mean(predicted[subset.y_test == c] == c) for c in range(10)]
    assert min(per_class) >= 0.5
