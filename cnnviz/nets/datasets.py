"""Datasets: the bundled MNIST subset, and the full Keras datasets when a user asks and is online.

The app ships 10,000 real MNIST digits in ``assets/data/mnist_10k.npz``
(built by ``scripts/build_mnist.py``; ``assets/ATTRIBUTION.md`` credits them),
already split into 8,000 training and 2,000 test digits, 200 of each class in
the test set. :func:`load_keras_dataset` fetches a full dataset through
``keras.datasets`` (which downloads it once into ``~/.keras/datasets``); it is
never called at import or start-up, and TensorFlow is imported only inside it.

Arrays follow Keras' convention: uint8 images ``(N, H, W)`` (grayscale) or
``(N, H, W, 3)`` (colour), 0 = black; uint8 labels ``(N,)``. They are
read-only, so one copy can be cached and shared by every session.
"""

from __future__ import annotations

import functools
import io
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cnnviz.i18n import InputError, t

MNIST_SUBSET_PATH = Path(__file__).resolve().parents[2] / "assets" / "data" / "mnist_10k.npz"
"""The bundled MNIST subset (uint8 arrays ``x_train, y_train, x_test, y_test``)."""

CIFAR_SUBSET_PATH = MNIST_SUBSET_PATH.with_name("cifar10_7k.npz")
"""The bundled CIFAR-10 subset: each split's JPEG files packed (see :func:`pack_jpegs`)."""

CIFAR_SIDE = 32
"""Side of a CIFAR-10 image, in pixels."""

KERAS_DATASETS: tuple[str, ...] = ("mnist", "fashion_mnist", "cifar10")
"""Names :func:`load_keras_dataset` accepts (modules of ``keras.datasets``)."""

DIGITS: tuple[str, ...] = tuple("0123456789")
"""Class names of MNIST: the digits themselves, which need no translation."""

CLASS_KEY_PREFIX = "dataset.class."
"""Class names starting with this are catalog keys (see :meth:`Dataset.class_label`)."""

CLASS_NAMES: dict[str, tuple[str, ...]] = {
    "mnist": DIGITS,
    "fashion_mnist": tuple(f"{CLASS_KEY_PREFIX}fashion_mnist.{i}" for i in range(10)),
    "cifar10": tuple(f"{CLASS_KEY_PREFIX}cifar10.{i}" for i in range(10)),
}
"""Each Keras dataset's class names, in the order of its labels (the bundled subsets share them)."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Images and labels split into training and test sets.

    Attributes
    ----------
    name : str
        ``"mnist_10k"`` for the bundled subset, else the Keras name
        (``"mnist"``, ``"fashion_mnist"``, ``"cifar10"``).
    x_train, x_test : ndarray, shape (N, H, W) or (N, H, W, 3), uint8
        Images, 0 = black, 255 = white (for MNIST: 0 = background, 255 = ink).
    y_train, y_test : ndarray, shape (N,), uint8
        Class indices into ``class_names``.
    class_names : tuple of str
        One per class. Digits are plain strings (``"0"`` ... ``"9"``); other
        classes are catalog keys such as ``"dataset.class.cifar10.3"``: show
        them with :meth:`class_label`.
    """

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]

    def class_label(self, index: int, *, lang: str | None = None) -> str:
        """Return the name of class ``index`` as a person reads it, in the current language.

        Examples
        --------
        >>> load_mnist_subset().class_label(7)
        '7'
        """
        name = self.class_names[int(index)]
        return t(name, lang=lang) if name.startswith(CLASS_KEY_PREFIX) else name

    @property
    def image_shape(self) -> tuple[int, ...]:
        """Shape of one image, ``(H, W)`` or ``(H, W, 3)``."""
        return tuple(self.x_train.shape[1:])


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def _as_uint8_images(images: object) -> np.ndarray:
    array = np.asarray(images)
    if array.dtype != np.uint8:
        array = np.clip(np.rint(array), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def _as_labels(labels: object) -> np.ndarray:
    # CIFAR's labels come as a column (N, 1); Keras' MNIST ones are flat already.
    return np.asarray(labels).reshape(-1).astype(np.uint8)


def _make(
    name: str,
    train: tuple[object, object],
    test: tuple[object, object],
    class_names: tuple[str, ...],
) -> Dataset:
    arrays = [
        _as_uint8_images(train[0]),
        _as_labels(train[1]),
        _as_uint8_images(test[0]),
        _as_labels(test[1]),
    ]
    return Dataset(name, *(_read_only(a) for a in arrays), class_names=class_names)


@functools.lru_cache(maxsize=4)
def load_mnist_subset(path: Path | None = None) -> Dataset:
    """Load the bundled 10,000 MNIST digits, split 8,000 / 2,000 (cached, read-only).

    Parameters
    ----------
    path : Path, optional
        An ``.npz`` with uint8 ``x_train, y_train, x_test, y_test``;
        :data:`MNIST_SUBSET_PATH` by default.

    Returns
    -------
    Dataset
        ``name="mnist_10k"``, images ``(N, 28, 28)`` uint8 with 0 = background
        and 255 = ink, class names ``"0"`` to ``"9"``.

    Examples
    --------
    >>> data = load_mnist_subset()
    >>> data.x_train.shape, data.x_test.shape, data.x_test.dtype
    ((8000, 28, 28), (2000, 28, 28), dtype('uint8'))
    >>> np.bincount(data.y_test).tolist() == [200] * 10
    True
    """
    with np.load(path or MNIST_SUBSET_PATH) as npz:
        return _make(
            "mnist_10k",
            (npz["x_train"], npz["y_train"]),
            (npz["x_test"], npz["y_test"]),
            DIGITS,
        )


def pack_jpegs(files: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Pack JPEG files into one byte array and where each starts, as ``np.savez`` can store them.

    Parameters
    ----------
    files : sequence of bytes
        The files, in order.

    Returns
    -------
    data : ndarray, shape (total,), uint8
        The files one after the other.
    offsets : ndarray, shape (N + 1,), int64
        File ``i`` is ``data[offsets[i]:offsets[i + 1]]``.

    Notes
    -----
    CIFAR-10's public JPEG copy holds each 32×32 image in about 900 bytes, a
    third of its 3,072 raw bytes, and JPEG is what it is distributed as: the
    bundle keeps those files as they are, so nothing is re-encoded.

    Examples
    --------
    >>> data, offsets = pack_jpegs([b"ab", b"", b"cde"])
    >>> data.tobytes(), offsets.tolist()
    (b'abcde', [0, 2, 2, 5])
    """
    offsets = np.concatenate([[0], np.cumsum([len(f) for f in files], dtype=np.int64)])
    data = np.frombuffer(b"".join(files), dtype=np.uint8).copy()
    return data, offsets.astype(np.int64)


def unpack_jpegs(data: np.ndarray, offsets: np.ndarray, *, side: int = CIFAR_SIDE) -> np.ndarray:
    """Decode every file of a pack made by :func:`pack_jpegs` into RGB arrays.

    Parameters
    ----------
    data, offsets : ndarray
        As :func:`pack_jpegs` returns them.
    side : int, default 32
        The side every image must have; checked from the header, before decoding.

    Returns
    -------
    ndarray, shape (N, side, side, 3), uint8

    Raises
    ------
    ValueError
        If a file is not an image of ``side`` × ``side`` pixels.
    """
    out = np.empty((len(offsets) - 1, side, side, 3), dtype=np.uint8)
    raw = data.tobytes()
    for i, (start, stop) in enumerate(itertools.pairwise(offsets.tolist())):
        with Image.open(io.BytesIO(raw[start:stop])) as im:
            if im.size != (side, side):  # read from the header: nothing decoded yet
                raise ValueError(f"Image {i} is {im.size[0]}x{im.size[1]}, not {side}x{side}.")
            out[i] = np.asarray(im.convert("RGB"))
    return out


@functools.lru_cache(maxsize=2)
def load_cifar_subset(path: Path | None = None) -> Dataset:
    """Load the bundled CIFAR-10 subset: 500 training and 200 test images per class.

    Parameters
    ----------
    path : Path, optional
        An ``.npz`` written by ``scripts/build_cifar.py``; :data:`CIFAR_SUBSET_PATH` by default.

    Returns
    -------
    Dataset
        ``name="cifar10_7k"``, images ``(N, 32, 32, 3)`` uint8, CIFAR-10's class
        names (catalog keys). Decoding the 7,000 files takes well under a second;
        the result is cached and read-only.
    """
    with np.load(path or CIFAR_SUBSET_PATH) as npz:
        splits = [
            (unpack_jpegs(npz[f"x_{split}_jpeg"], npz[f"x_{split}_offsets"]), npz[f"y_{split}"])
            for split in ("train", "test")
        ]
    return _make("cifar10_7k", splits[0], splits[1], CLASS_NAMES["cifar10"])


def load_keras_dataset(name: str) -> Dataset:
    """Load a full dataset with ``keras.datasets`` (downloaded once, then read from disk).

    Slow the first time (MNIST is 11 MB, CIFAR-10 163 MB) and it needs the
    internet; call it only when a user asks, and cache the result
    (``st.cache_resource``).

    Parameters
    ----------
    name : {"mnist", "fashion_mnist", "cifar10"}
        See :data:`KERAS_DATASETS`.

    Returns
    -------
    Dataset
        Keras' own split (60,000 / 10,000 for MNIST and Fashion-MNIST, 50,000
        / 10,000 for CIFAR-10), labels flattened to ``(N,)``.

    Raises
    ------
    InputError
        ``dataset.error.unknown`` for a name not in :data:`KERAS_DATASETS`;
        ``dataset.error.download`` when the download or the file fails
        (offline, a firewall, a full disk).
    """
    if name not in KERAS_DATASETS:
        raise InputError(
            "dataset.error.unknown", value=repr(name), expected=", ".join(KERAS_DATASETS)
        )
    import keras  # lazy: TensorFlow loads with it

    loader = getattr(keras.datasets, name).load_data
    try:
        train, test = loader()
    except Exception as exc:  # urllib, SSL, OSError, a corrupt cache: all mean "could not get it"
        raise InputError(
            "dataset.error.download", dataset=name, reason=f"{type(exc).__name__}: {exc}"
        ) from exc
    return _make(name, train, test, CLASS_NAMES[name])
