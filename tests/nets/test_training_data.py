"""Tests of cnnviz.nets.training_data: sampling, splitting, normalising, augmenting."""

import numpy as np
import pytest

from cnnviz.nets.datasets import Dataset, load_mnist_subset
from cnnviz.nets.training_data import Augmentation, augment, augmentation_layers, prepare_data


@pytest.fixture(scope="module")
def data():
    return prepare_data(load_mnist_subset(), samples=300, validation_split=0.2)


def test_prepare_data(data):
    assert data.x_train.shape == (240, 28, 28, 1) and data.x_val.shape == (60, 28, 28, 1)
    assert data.x_train.dtype == np.float32 and data.x_train.max() == 1.0
    assert data.value_range == (0.0, 1.0) and data.classes == 10
    standard = prepare_data(load_mnist_subset(), samples=300, normalization="standard")
    assert abs(standard.x_train.mean()) < 1e-5 and standard.x_train.std() == pytest.approx(1, 1e-4)
    low, high = standard.value_range
    assert standard.x_train.min() == pytest.approx(low) and standard.x_train.max() <= high + 1e-5


def test_augmentation(data):
    assert augmentation_layers(Augmentation(), (0, 1)) == []
    flip = augment(data.x_train[:3], Augmentation(flip=True), copies=20)
    originals = np.repeat(data.x_train[:3], 20, axis=0)
    flipped = np.all(flip == originals[:, :, ::-1], axis=(1, 2, 3))
    unchanged = np.all(flip == originals, axis=(1, 2, 3))
    assert np.all(flipped | unchanged) and flipped.any() and unchanged.any()
    every = Augmentation(rotation=30, shift=0.2, zoom=0.2, shear=0.3, brightness=0.3)
    assert len(augmentation_layers(every, (0, 1))) == 5
    out = augment(data.x_train[:4], every, data.value_range, copies=2)
    assert out.shape == (8, 28, 28, 1) and out.min() >= 0 and out.max() <= 1


def test_class_labels_are_read_as_the_dataset_reads_them():
    x, y = np.zeros((4, 2, 2), np.uint8), np.array([0, 1, 0, 1], np.uint8)
    dataset = Dataset("tiny", x, y, x, y, class_names=("dataset.class.cifar10.3", "b"))
    prepared = prepare_data(dataset, samples=4, validation_split=0.5)
    assert [prepared.class_label(i, "es") for i in range(2)] == ["gato", "b"]
    assert prepared.class_label(0, "en") == dataset.class_label(0, lang="en") == "cat"
