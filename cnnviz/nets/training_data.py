"""What ``model.fit`` trains on: a sampled, split, normalised dataset and its augmentation.

:func:`prepare_data` samples, splits and normalises a
:class:`~cnnviz.nets.datasets.Dataset` (the bundled MNIST subset, a Keras
dataset or a user's zip read by :func:`cnnviz.nets.zip_dataset.load_zip_dataset`)
into a :class:`Prepared`; :class:`Augmentation` says how each training image is
changed at random, each epoch anew, by Keras' preprocessing layers
(:func:`augmentation_layers`), and :func:`augment` previews it.

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.nets.datasets import Dataset
from cnnviz.nets.limits import LIMITS, Limits, check_choice, check_data_bytes

NORMALIZATIONS: tuple[str, ...] = ("unit", "standard", "none")
"""``unit``: pixels / 255, in [0, 1]; ``standard``: minus the training mean, over its
standard deviation; ``none``: raw 0 to 255 (to see why one normalises)."""


@dataclass(frozen=True, eq=False)
class Prepared:
    """Data ready for ``model.fit``: float32 ``(N, H, W, C)`` images and uint8 labels.

    Attributes
    ----------
    x_train, y_train, x_val, y_val, x_test, y_test : ndarray
        Normalised images (channel axis added) and class indices.
    class_names : tuple of str
        As :attr:`cnnviz.nets.datasets.Dataset.class_names`.
    normalization : str
        One of :data:`NORMALIZATIONS`.
    value_range : (float, float)
        What pixel 0 and pixel 255 became (augmentation fills and clips with it).
    source : str
        The dataset's name.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    normalization: str
    value_range: tuple[float, float]
    source: str

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """One image's shape ``(H, W, C)``."""
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    @property
    def classes(self) -> int:
        """Number of classes."""
        return len(self.class_names)

    def class_label(self, index: int, lang: str | None = None) -> str:
        """Class ``index`` as a person reads it (catalog keys translated)."""
        # The rule lives once, in Dataset.class_label, which reads only ``class_names``.
        return Dataset.class_label(self, index, lang=lang)  # type: ignore[arg-type]

    def to_unit(self, images: np.ndarray) -> np.ndarray:
        """Map normalised images back to [0, 1] for display."""
        low, high = self.value_range
        return np.clip((np.asarray(images, dtype=np.float32) - low) / (high - low), 0.0, 1.0)


def prepare_data(
    dataset: Dataset,
    *,
    samples: int,
    validation_split: float = 0.2,
    normalization: str = "unit",
    seed: int = 0,
    limits: Limits = LIMITS,
) -> Prepared:
    """Draw ``samples`` training images, hold out a validation share, normalise, add channels.

    Parameters
    ----------
    dataset : Dataset
        Its training images are sampled; its test images (at most
        ``limits.max_test_samples``, drawn at random) are the test set.
    samples : int
        Training plus validation images, at most the dataset's and ``limits.max_samples``.
    validation_split : float, default 0.2
        Share held out for validation, strictly between 0 and 1.
    normalization : {"unit", "standard", "none"}
        See :data:`NORMALIZATIONS`; ``standard`` uses the training images' mean
        and standard deviation.
    seed : int, default 0
        Seeds the draw.

    Returns
    -------
    Prepared

    Raises
    ------
    InputError
        A count or choice out of range, or images over ``limits.max_data_bytes``
        (:func:`~cnnviz.nets.limits.check_data_bytes`; colour counts three values a pixel).

    Examples
    --------
    >>> from cnnviz.nets.datasets import load_mnist_subset
    >>> p = prepare_data(load_mnist_subset(), samples=500, validation_split=0.2)
    >>> p.x_train.shape, p.x_val.shape, p.x_test.shape, float(p.x_train.max())
    ((400, 28, 28, 1), (100, 28, 28, 1), (2000, 28, 28, 1), 1.0)
    """
    available = len(dataset.x_train)
    top = min(available, limits.max_samples)
    if samples > limits.max_samples:
        raise InputError("train.limit.samples", value=samples, limit=limits.max_samples)
    if not 2 <= samples <= top:
        raise InputError("train.error.samples", value=samples, limit=top)
    if not 0 < validation_split < 1:
        raise InputError("train.error.validation_split", value=validation_split)
    check_choice("normalization", normalization, NORMALIZATIONS)
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(available)[:samples]
    n_val = min(max(1, round(samples * validation_split)), samples - 1)
    val, train_idx = chosen[:n_val], chosen[n_val:]
    test = np.arange(len(dataset.x_test))
    if len(test) > limits.max_test_samples:
        test = np.sort(rng.permutation(len(test))[: limits.max_test_samples])
    shape = dataset.x_train.shape[1:] + ((1,) if dataset.x_train.ndim == 3 else ())
    # Refused before the float32 copies are made: they are what the budget counts.
    check_data_bytes(len(train_idx), n_val, len(test), shape, limits=limits)

    def channels(images: np.ndarray) -> np.ndarray:
        array = images.astype(np.float32)
        return array[..., None] if array.ndim == 3 else array

    x_train = channels(dataset.x_train[train_idx])
    if normalization == "unit":
        scale, offset = 1 / 255, 0.0
    elif normalization == "standard":
        std = float(x_train.std()) or 1.0
        scale, offset = 1 / std, -float(x_train.mean()) / std
    else:
        scale, offset = 1.0, 0.0

    def norm(images: np.ndarray) -> np.ndarray:
        return (channels(images) * np.float32(scale) + np.float32(offset)).astype(np.float32)

    return Prepared(
        x_train=(x_train * np.float32(scale) + np.float32(offset)).astype(np.float32),
        y_train=dataset.y_train[train_idx].copy(),
        x_val=norm(dataset.x_train[val]),
        y_val=dataset.y_train[val].copy(),
        x_test=norm(dataset.x_test[test]),
        y_test=dataset.y_test[test].copy(),
        class_names=tuple(dataset.class_names),
        normalization=normalization,
        value_range=(offset, 255 * scale + offset),
        source=dataset.name,
    )


def check_memory(
    data: Prepared, augmentation: Augmentation | None = None, limits: Limits = LIMITS
) -> int:
    """Return the bytes ``data`` takes while training, or refuse it over ``limits.max_data_bytes``.

    With ``augmentation`` on, the training images count three times
    (:func:`~cnnviz.nets.limits.data_bytes`).

    Examples
    --------
    >>> from cnnviz.nets.datasets import load_mnist_subset
    >>> data = prepare_data(load_mnist_subset(), samples=100)
    >>> check_memory(data) == (80 + 20 + 2000) * 28 * 28 * 4
    True
    """
    active = augmentation is not None and augmentation.active
    return check_data_bytes(
        len(data.x_train), len(data.x_val), len(data.x_test), data.input_shape,
        augmented=active, limits=limits,
    )  # fmt: skip


@dataclass(frozen=True)
class Augmentation:
    """Random changes to every training image, each epoch anew (Keras preprocessing layers).

    Attributes
    ----------
    rotation : float
        Up to this many degrees either way.
    shift : float
        Up to this share of the height and width, either way.
    zoom : float
        Up to this share in or out.
    shear : float
        Up to this shear factor along rows and columns.
    flip : bool
        Mirror left-right half of the time.
    brightness : float
        Add up to this share of the pixel range, either way.
    """

    rotation: float = 0.0
    shift: float = 0.0
    zoom: float = 0.0
    shear: float = 0.0
    flip: bool = False
    brightness: float = 0.0

    @property
    def active(self) -> bool:
        """Whether any change is on."""
        return any(getattr(self, item.name) for item in fields(self))


def augmentation_layers(
    augmentation: Augmentation, value_range: tuple[float, float], seed: int = 0
) -> list[Any]:
    """Return the Keras preprocessing layers of ``augmentation`` (empty when none is on).

    Areas uncovered by a rotation, shift, zoom or shear are filled with the
    value of a black pixel (``value_range[0]``), as MNIST's background.

    Examples
    --------
    >>> augmentation_layers(Augmentation(), (0.0, 1.0))
    []
    """
    if not augmentation.active:
        return []
    import keras

    fill = {"fill_mode": "constant", "fill_value": float(value_range[0])}
    layers: list[Any] = []
    if augmentation.rotation:
        layers.append(keras.layers.RandomRotation(augmentation.rotation / 360, seed=seed, **fill))
    if augmentation.shift:
        layers.append(
            keras.layers.RandomTranslation(
                augmentation.shift, augmentation.shift, seed=seed + 1, **fill
            )
        )
    if augmentation.zoom:
        layers.append(keras.layers.RandomZoom(augmentation.zoom, seed=seed + 2, **fill))
    if augmentation.shear:
        layers.append(
            keras.layers.RandomShear(augmentation.shear, augmentation.shear, seed=seed + 3, **fill)
        )
    if augmentation.flip:
        layers.append(keras.layers.RandomFlip("horizontal", seed=seed + 4))
    if augmentation.brightness:
        layers.append(
            keras.layers.RandomBrightness(
                augmentation.brightness, value_range=tuple(value_range), seed=seed + 5
            )
        )
    return layers


def augment(
    images: np.ndarray,
    augmentation: Augmentation,
    value_range: tuple[float, float] = (0.0, 1.0),
    *,
    copies: int = 1,
    seed: int = 0,
) -> np.ndarray:
    """Apply ``augmentation`` to ``copies`` copies of each image (for the preview grid).

    Parameters
    ----------
    images : ndarray, shape (N, H, W, C)
        Normalised images.
    augmentation : Augmentation
    value_range : (float, float)
        The images' black and white values.
    copies : int, default 1
        Augmented versions of each image, image by image.
    seed : int, default 0

    Returns
    -------
    ndarray, shape (N * copies, H, W, C), float32
        ``images`` unchanged when no augmentation is on.
    """
    batch = np.repeat(np.asarray(images, dtype=np.float32), copies, axis=0)
    layers = augmentation_layers(augmentation, value_range, seed)
    if not layers:
        return batch
    import keras

    out = keras.Sequential(layers)(batch, training=True)
    return np.asarray(keras.ops.convert_to_numpy(out), dtype=np.float32)
