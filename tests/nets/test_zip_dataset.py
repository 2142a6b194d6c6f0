"""Tests of cnnviz.nets.zip_dataset: a student's zip of class folders, and its refusals."""

import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.nets.limits import Limits
from cnnviz.nets.zip_dataset import load_zip_dataset


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _png(value: int, size=(10, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (value, value, 0)).save(buffer, "PNG")
    return buffer.getvalue()


def test_zip_loader_reads_class_folders():
    files = {f"pets/{kind}/{i}.png": _png(40 * i) for kind in ("dogs", "cats") for i in range(5)}
    files["pets/.DS_Store"] = b"junk"
    files["__MACOSX/pets/._x.png"] = b"junk"
    dataset = load_zip_dataset(_zip(files), side=16)
    assert dataset.class_names == ("cats", "dogs")
    assert dataset.x_train.shape == (8, 16, 16, 3) and dataset.x_test.shape == (2, 16, 16, 3)
    assert sorted(dataset.y_test.tolist()) == [0, 1]
    grey = load_zip_dataset(_zip(files), side=8, color=False)
    assert grey.x_train.shape == (8, 8, 8)
    # A uniform picture stays uniform: red 40·i and green 40·i, no blue.
    assert set(np.unique(dataset.x_test[..., 2]).tolist()) == {0}


@pytest.mark.parametrize(
    ("files", "key"),
    [
        ({"a.png": _png(1), "b.png": _png(2)}, "train.zip.loose_file"),
        ({f"cats/{i}.png": _png(i) for i in range(5)}, "train.zip.one_class"),
        (
            {**{f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}, "a/notes.txt": b"hi"},
            "train.zip.not_image",
        ),
        (
            {**{f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}, "a/x.png": b"not png"},
            "train.zip.not_image",
        ),
        ({f"{c}/{i}.png": _png(i) for c in "ab" for i in range(3)}, "train.zip.few_images"),
        ({}, "train.zip.empty"),
    ],
)
def test_malformed_zips_are_refused(files, key):
    with pytest.raises(InputError) as err:
        load_zip_dataset(_zip(files))
    assert err.value.key == key
    assert err.value.message("es") != err.value.message("en")


def test_zip_limits():
    files = {f"{c}/{i}.png": _png(i) for c in "ab" for i in range(5)}
    with pytest.raises(InputError) as err:
        load_zip_dataset(_zip(files), limits=Limits(max_zip_files=9))
    assert err.value.key == "train.zip.too_many"
    with pytest.raises(InputError) as err:
        load_zip_dataset(b"PK\x03\x04 broken")
    assert err.value.key == "train.zip.not_zip"
