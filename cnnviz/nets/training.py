"""Train a small CNN live: presets, data, augmentation, a reporting callback, results, limits.

A network is a spec of :mod:`cnnviz.core.architectures` (one dict per layer, in
Keras terms); :func:`check_model` summarises it and enforces the classroom
:data:`LIMITS` without TensorFlow, :func:`build_model` turns it into a
compiled Keras model. :func:`prepare_data` samples, splits and normalises a
:class:`~cnnviz.nets.datasets.Dataset` (the bundled MNIST subset, a Keras dataset
or a user's zip read by :func:`load_zip_dataset`). :func:`train` runs
``model.fit`` with a callback (:func:`live_callback`) that records the
history every few batches, hands it to a *reporter* (the page draws it) at
most every ``report_every`` seconds, honours a stop flag, and turns an
exception raised by the reporter (Streamlit stops a script that way when the
student presses Stop or closes the tab) into a clean stop after the current
batch. :func:`training_slot` bounds how many trainings run at once on the
server.

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cnnviz.core.architectures import Summary, summarize
from cnnviz.i18n import InputError, t
from cnnviz.nets.datasets import CLASS_KEY_PREFIX, Dataset

if TYPE_CHECKING:  # pragma: no cover
    import keras

# --- limits --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    """What one student may ask of a shared classroom server.

    Every field can be raised or lowered on a teacher's own machine with an
    environment variable ``CNNVIZ_TRAIN_<FIELD IN CAPITALS>`` (see
    :meth:`from_env`).

    Attributes
    ----------
    max_samples : int
        Training plus validation images.
    max_test_samples : int
        Test images evaluated after a run.
    max_epochs, max_batch_size, max_layers : int
        Training length, batch and stack size.
    max_params : int
        Weights of the network (Keras' ``count_params()``).
    max_macs : int
        Multiply-accumulates for one image: the cost of a forward pass.
    max_concurrent : int
        Trainings running at once on the whole server; others wait their turn.
    max_runs_kept : int
        Runs (models and histories) one session keeps to compare.
    max_zip_files, max_zip_bytes : int
        Files and uncompressed bytes in an uploaded zip.
    min_images_per_class : int
        Images a class of a zip needs (some go to the test set).
    """

    max_samples: int = 8000
    max_test_samples: int = 2000
    max_epochs: int = 30
    max_batch_size: int = 512
    max_layers: int = 24
    max_params: int = 500_000
    max_macs: int = 25_000_000
    max_concurrent: int = 2
    max_runs_kept: int = 5
    max_zip_files: int = 5000
    max_zip_bytes: int = 200_000_000
    min_images_per_class: int = 4

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """Read the limits, each overridable by ``CNNVIZ_TRAIN_<NAME>`` (a positive integer).

        Examples
        --------
        >>> Limits.from_env({"CNNVIZ_TRAIN_MAX_EPOCHS": "100"}).max_epochs
        100
        >>> Limits.from_env({}).max_concurrent
        2
        """
        environ = os.environ if environ is None else environ
        values = {}
        for item in fields(cls):
            raw = environ.get(f"CNNVIZ_TRAIN_{item.name.upper()}")
            if raw is not None and raw.strip().isdigit() and int(raw) > 0:
                values[item.name] = int(raw)
        return cls(**values)


LIMITS = Limits.from_env()
"""The server's limits (defaults, or the environment's overrides)."""


class TrainingSlots:
    """A counter of trainings running at once, shared by every session of the server.

    Parameters
    ----------
    capacity : int
        Trainings allowed at the same time.

    Examples
    --------
    >>> slots = TrainingSlots(1)
    >>> with slots.hold():
    ...     slots.busy
    1
    >>> slots.busy
    0
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._semaphore = threading.BoundedSemaphore(capacity)
        self._lock = threading.Lock()
        self._busy = 0

    @property
    def busy(self) -> int:
        """Trainings holding a slot now."""
        return self._busy

    @contextmanager
    def hold(
        self, on_wait: Callable[[int], None] | None = None, *, poll: float = 0.5
    ) -> Iterator[None]:
        """Hold a slot while the block runs; wait (calling ``on_wait(busy)``) while none is free.

        ``on_wait`` is called every ``poll`` seconds while waiting: a page shows
        a message there, and Streamlit may stop the script from inside it (the
        tab was closed), which leaves the queue without taking a slot.
        """
        while not self._semaphore.acquire(timeout=poll):
            if on_wait is not None:
                on_wait(self._busy)
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
            self._semaphore.release()


SLOTS = TrainingSlots(LIMITS.max_concurrent)
"""The server-wide training slots."""


# --- presets -------------------------------------------------------------------------------


# --- settings ------------------------------------------------------------------------------

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "rmsprop")
INITIALIZERS: tuple[str, ...] = ("glorot_uniform", "he_normal", "random_normal")
NORMALIZATIONS: tuple[str, ...] = ("unit", "standard", "none")
"""``unit``: pixels / 255, in [0, 1]; ``standard``: minus the training mean, over its
standard deviation; ``none``: raw 0 to 255 (to see why one normalises)."""


@dataclass(frozen=True)
class Settings:
    """How to train.

    Attributes
    ----------
    optimizer : {"sgd", "adam", "rmsprop"}
    learning_rate : float
    momentum : float
        SGD's momentum (0 is plain SGD); ignored by the others.
    batch_size, epochs : int
    initializer : {"glorot_uniform", "he_normal", "random_normal"}
        Initial weights of every ``Conv2D`` and ``Dense`` kernel (biases start at 0).
    patience : int
        Early stopping: stop after this many epochs without a lower validation
        loss; 0 turns it off.
    keep_best : bool
        At the end, go back to the weights of the epoch with the lowest validation loss.
    seed : int
        Seeds the initial weights, the data's order and the augmentation.
    """

    optimizer: str = "sgd"
    learning_rate: float = 0.01
    momentum: float = 0.0
    batch_size: int = 32
    epochs: int = 3
    initializer: str = "glorot_uniform"
    patience: int = 0
    keep_best: bool = False
    seed: int = 0


COURSE_SETTINGS = Settings(optimizer="sgd", learning_rate=0.01, momentum=0.0, batch_size=32)
"""How the course trains :func:`cnnviz.content.gallery.course_mnist`."""


def check_settings(settings: Settings, limits: Limits = LIMITS) -> Settings:
    """Refuse settings outside the limits or meaningless, with a message that says the fix.

    Examples
    --------
    >>> check_settings(Settings(epochs=2)).epochs
    2
    >>> check_settings(Settings(epochs=1000))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The number of epochs, 1000, is above this server's limit of 30. ...
    """
    if settings.optimizer not in OPTIMIZERS:
        raise InputError(
            "train.error.choice", field="optimizer", value=settings.optimizer,
            expected=", ".join(OPTIMIZERS),
        )  # fmt: skip
    if settings.initializer not in INITIALIZERS:
        raise InputError(
            "train.error.choice", field="initializer", value=settings.initializer,
            expected=", ".join(INITIALIZERS),
        )  # fmt: skip
    if not 0 < settings.learning_rate <= 10:
        raise InputError("train.error.learning_rate", value=settings.learning_rate)
    if not 0 <= settings.momentum < 1:
        raise InputError("train.error.momentum", value=settings.momentum)
    for name, value, top in (
        ("epochs", settings.epochs, limits.max_epochs),
        ("batch_size", settings.batch_size, limits.max_batch_size),
    ):
        if value < 1:
            raise InputError("error.below_one", name=name, value=value)
        if value > top:
            raise InputError(f"train.limit.{name}", value=value, limit=top)
    if settings.patience < 0:
        raise InputError("train.error.patience", value=settings.patience)
    return settings


# --- the model -----------------------------------------------------------------------------


def check_model(
    spec: Sequence[Mapping[str, Any]],
    input_shape: Sequence[int],
    classes: int,
    limits: Limits = LIMITS,
) -> Summary:
    """Summarise a stack and refuse it if it cannot train on this data or exceeds the limits.

    Parameters
    ----------
    spec : list of dict
        The layers (:mod:`cnnviz.core.architectures`' format).
    input_shape : (H, W, C)
        One image.
    classes : int
        Classes of the data: the last layer must output that many values.
    limits : Limits
        The server's limits.

    Returns
    -------
    Summary
        Shapes and parameters of every layer, as Keras' ``model.summary()``.

    Raises
    ------
    InputError
        A shape that collapses (from :func:`~cnnviz.core.architectures.summarize`, naming
        the layer), an output that is not one value per class, or a limit exceeded.

    Examples
    --------
    >>> from cnnviz.content.gallery import course_mnist
    >>> check_model(course_mnist(), (28, 28, 1), 10).params
    93962
    >>> check_model(course_mnist(), (28, 28, 1), 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The network ends in shape (10,), but the data has 3 classes. ...
    """
    if len(spec) > limits.max_layers:
        raise InputError("train.limit.layers", value=len(spec), limit=limits.max_layers)
    summary = summarize(spec, input_shape)
    if summary.output_shape != (classes,):
        raise InputError("train.error.output", shape=summary.output_shape, classes=classes)
    if summary.params > limits.max_params:
        raise InputError("train.limit.params", value=summary.params, limit=limits.max_params)
    if summary.macs > limits.max_macs:
        raise InputError("train.limit.macs", value=summary.macs, limit=limits.max_macs)
    return summary


def _initializer(name: str, seed: int) -> Any:
    import keras

    kinds = {
        "glorot_uniform": keras.initializers.GlorotUniform,
        "he_normal": keras.initializers.HeNormal,
        "random_normal": keras.initializers.RandomNormal,
    }
    return kinds[name](seed=seed)


def _optimizer(settings: Settings) -> Any:
    import keras

    if settings.optimizer == "sgd":
        return keras.optimizers.SGD(settings.learning_rate, momentum=settings.momentum)
    if settings.optimizer == "adam":
        return keras.optimizers.Adam(settings.learning_rate)
    return keras.optimizers.RMSprop(settings.learning_rate)


def build_model(
    spec: Sequence[Mapping[str, Any]],
    input_shape: Sequence[int],
    classes: int,
    settings: Settings = COURSE_SETTINGS,
    limits: Limits = LIMITS,
) -> keras.Model:
    """Build and compile the network of ``spec`` for ``classes`` classes.

    The kernels of every ``Conv2D`` and ``Dense`` are drawn from
    ``settings.initializer`` seeded with ``settings.seed`` (no global random
    state is touched: other sessions train at the same time). The loss is
    sparse categorical cross-entropy, on probabilities when the last layer is a
    softmax and on logits otherwise; the metric is accuracy.
    """
    import keras

    from cnnviz.nets.keras_models import to_keras

    check_settings(settings, limits)
    check_model(spec, input_shape, classes, limits)
    model = to_keras(spec, input_shape)
    for index, layer in enumerate(model.layers):
        if type(layer).__name__ in ("Conv2D", "Dense"):
            init = _initializer(settings.initializer, settings.seed * 1000 + index)
            layer.kernel.assign(init(tuple(layer.kernel.shape)))
    logits = spec[-1].get("activation") != "softmax"
    model.compile(
        optimizer=_optimizer(settings),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=logits),
        metrics=["accuracy"],
    )
    return model


# --- data ----------------------------------------------------------------------------------


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
        name = self.class_names[int(index)]
        return t(name, lang=lang) if name.startswith(CLASS_KEY_PREFIX) else name

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
    if normalization not in NORMALIZATIONS:
        raise InputError(
            "train.error.choice", field="normalization", value=normalization,
            expected=", ".join(NORMALIZATIONS),
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(available)[:samples]
    n_val = min(max(1, round(samples * validation_split)), samples - 1)
    val, train_idx = chosen[:n_val], chosen[n_val:]
    test = np.arange(len(dataset.x_test))
    if len(test) > limits.max_test_samples:
        test = np.sort(rng.permutation(len(test))[: limits.max_test_samples])

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


IMAGE_SUFFIXES: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
"""Files a zip's class folders may hold (those Keras' ``image_dataset_from_directory`` reads)."""

_IGNORED_NAMES = ("thumbs.db", "desktop.ini")
_MAX_IMAGE_PIXELS = 50_000_000


def _ignored(path: PurePosixPath) -> bool:
    """Files a system adds to a zip by itself (macOS forks, thumbnails): skipped silently."""
    return (
        any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
        or path.name.lower() in _IGNORED_NAMES
    )


def load_zip_dataset(
    data: bytes,
    *,
    side: int = 32,
    color: bool = True,
    test_fraction: float = 0.2,
    seed: int = 0,
    limits: Limits = LIMITS,
) -> Dataset:
    """Read a zip with one folder of images per class, as Keras' ``image_dataset_from_directory``.

    Parameters
    ----------
    data : bytes
        The zip. Class folders may sit at its top or inside one folder (what
        zipping a folder gives); images in sub-folders of a class belong to it.
        Hidden files and ``__MACOSX`` are skipped.
    side : int, default 32
        Every image is resized to ``side`` x ``side`` (proportions are not
        kept, as in Keras).
    color : bool, default True
        RGB images ``(side, side, 3)``, else grey ``(side, side)``.
    test_fraction : float, default 0.2
        Share of each class held out as the test set (at least one image).
    seed : int, default 0
        Seeds the split.
    limits : Limits
        Files and bytes allowed.

    Returns
    -------
    Dataset
        ``name="zip"``, uint8 images, classes named after the folders in
        alphabetical order (as Keras orders them).

    Raises
    ------
    InputError
        ``train.zip.*``: not a zip, no class folders, files outside any folder,
        one class only, a file that is not an image, too many files or bytes, a
        class with too few images.

    Examples
    --------
    >>> load_zip_dataset(b"not a zip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: This file is not a zip archive. ...
    """
    from PIL import Image, UnidentifiedImageError

    if not 8 <= side <= 128:
        raise InputError("train.zip.bad_side", value=side)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise InputError("train.zip.not_zip") from None
    with archive:
        entries = [
            info
            for info in archive.infolist()
            if not info.is_dir() and not _ignored(PurePosixPath(info.filename))
        ]
        if len(entries) > limits.max_zip_files:
            raise InputError("train.zip.too_many", count=len(entries), limit=limits.max_zip_files)
        total = sum(info.file_size for info in entries)
        if total > limits.max_zip_bytes:
            raise InputError(
                "train.zip.too_big",
                size=total // 1_000_000,
                limit=limits.max_zip_bytes // 1_000_000,
            )
        if not entries:
            raise InputError("train.zip.empty")
        paths = [PurePosixPath(info.filename).parts for info in entries]
        # Zipping a folder puts everything under it: look inside that one folder.
        while len({p[0] for p in paths}) == 1 and all(len(p) > 2 for p in paths):
            paths = [p[1:] for p in paths]
        loose = [p for p in paths if len(p) == 1]
        if loose:
            raise InputError("train.zip.loose_file", file=loose[0][0])
        classes = sorted({p[0] for p in paths})
        if len(classes) < 2:
            raise InputError("train.zip.one_class", name=classes[0])
        images: list[np.ndarray] = []
        labels: list[int] = []
        for info, parts in zip(entries, paths, strict=True):
            shown = "/".join(parts)
            if PurePosixPath(parts[-1]).suffix.lower() not in IMAGE_SUFFIXES:
                raise InputError(
                    "train.zip.not_image", file=shown, expected=", ".join(IMAGE_SUFFIXES)
                )
            try:
                with Image.open(io.BytesIO(archive.read(info))) as image:
                    if image.width * image.height > _MAX_IMAGE_PIXELS:
                        raise InputError("train.zip.huge_image", file=shown)
                    picture = image.convert("RGB" if color else "L").resize(
                        (side, side), Image.Resampling.BILINEAR
                    )
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
                if isinstance(err, InputError):
                    raise
                raise InputError(
                    "train.zip.not_image", file=shown, expected=", ".join(IMAGE_SUFFIXES)
                ) from None
            images.append(np.asarray(picture, dtype=np.uint8))
            labels.append(classes.index(parts[0]))
    y = np.asarray(labels, dtype=np.uint8)
    counts = np.bincount(y, minlength=len(classes))
    if counts.min() < limits.min_images_per_class:
        worst = int(np.argmin(counts))
        raise InputError(
            "train.zip.few_images",
            name=classes[worst],
            count=int(counts[worst]),
            limit=limits.min_images_per_class,
        )
    x = np.stack(images)
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for label in range(len(classes)):
        members = rng.permutation(np.flatnonzero(y == label))
        test_mask[members[: max(1, round(len(members) * test_fraction))]] = True
    order = rng.permutation(len(y))
    train_idx = order[~test_mask[order]]
    test_idx = np.flatnonzero(test_mask)
    arrays = [x[train_idx], y[train_idx], x[test_idx], y[test_idx]]
    for array in arrays:
        array.flags.writeable = False
    return Dataset("zip", *arrays, class_names=tuple(classes))


# --- augmentation --------------------------------------------------------------------------


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


# --- the live callback ---------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What the first convolution looked like at the end of an epoch.

    Attributes
    ----------
    epoch : int
        1 for the first epoch.
    filters : ndarray, shape (kh, kw, F)
        Its kernels (averaged over the input channels of a colour image).
    maps : ndarray, shape (Ho, Wo, F)
        Its output for the fixed probe image.
    """

    epoch: int
    filters: np.ndarray
    maps: np.ndarray


@dataclass(frozen=True)
class Progress:
    """What the reporter receives.

    Attributes
    ----------
    epoch, epochs : int
        The epoch running (1-based) and how many there are.
    batch, batches : int
        Batches done in this epoch and per epoch.
    elapsed : float
        Seconds since training started.
    remaining : float or None
        Seconds left, estimated from the batches done (None before the first).
    rows : list of dict
        The history so far (see :func:`history_frame`).
    snapshots : list of Snapshot
        One per finished epoch.
    epoch_end : bool
        Whether this report closes an epoch.
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    elapsed: float
    remaining: float | None
    rows: list[dict[str, float]]
    snapshots: list[Snapshot]
    epoch_end: bool

    @property
    def fraction(self) -> float:
        """Share of all batches done, in [0, 1]."""
        total = self.epochs * self.batches
        return min(1.0, ((self.epoch - 1) * self.batches + self.batch) / total) if total else 0.0


HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",
    "batch",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
)
"""Columns of a history: ``epoch`` is fractional (1.5 = half-way through the second
epoch), ``batch`` counts from the start; validation values only at each epoch's end."""


def history_frame(rows: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """Return recorded rows as a DataFrame with :data:`HISTORY_COLUMNS` (NaN where absent).

    Examples
    --------
    >>> history_frame([{"epoch": 0.5, "batch": 5, "loss": 1.2, "accuracy": 0.6}]).shape
    (1, 6)
    """
    return pd.DataFrame(list(rows), columns=list(HISTORY_COLUMNS), dtype=float)


def _first_conv(model: keras.Model) -> Any:
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return layer
    return None


def live_callback(
    *,
    reporter: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    record_every: int = 5,
    report_every: float = 0.4,
    probe: np.ndarray | None = None,
    patience: int = 0,
    keep_best: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Return a Keras callback that records, reports, snapshots and stops.

    Parameters
    ----------
    reporter : callable, optional
        Called with a :class:`Progress` at most every ``report_every`` seconds
        and at each epoch's end. An exception it raises (Streamlit stops a
        script that way) stops training after the current batch; it is kept in
        the callback's ``interrupted`` attribute for the caller to re-raise.
    stop : threading.Event, optional
        When set, training stops after the current batch.
    record_every : int, default 5
        Record the running loss and accuracy every this many batches.
    report_every : float, default 0.4
        Seconds between reports (reporting costs time: drawing, sending).
    probe : ndarray, shape (H, W, C), optional
        An image whose first-convolution maps are kept at each epoch's end
        (with that layer's filters) in ``snapshots``.
    patience : int, default 0
        Early stopping on the validation loss (0: off).
    keep_best : bool, default False
        Keep the weights of the epoch with the lowest validation loss in
        ``best_weights`` (restored by :func:`train`).
    clock : callable
        Seconds, for the throttle and time left.

    Returns
    -------
    keras.callbacks.Callback
        With attributes ``rows``, ``snapshots``, ``interrupted``, ``reason``
        (``"completed"``, ``"early_stopping"``, ``"stopped"``), ``best_epoch``
        and ``best_weights``.
    """
    import keras

    class LiveCallback(keras.callbacks.Callback):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[dict[str, float]] = []
            self.snapshots: list[Snapshot] = []
            self.interrupted: BaseException | None = None
            self.reason = "completed"
            self.best_epoch = 0
            self.best_loss = np.inf
            self.best_weights: list[np.ndarray] | None = None
            self._wait = 0
            self._probe_model: Any = None

        def on_train_begin(self, logs: dict | None = None) -> None:
            self.start = clock()
            self.last_report = -np.inf
            self.batches = int(self.params.get("steps") or 0)
            self.epochs = int(self.params.get("epochs") or 1)
            self.epoch = 1
            self.batch = 0
            conv = _first_conv(self.model)
            if probe is not None and conv is not None:
                self._probe_model = keras.Model(self.model.input, conv.output)

        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.epoch, self.batch = epoch + 1, 0

        def _progress(self, epoch_end: bool) -> Progress:
            elapsed = clock() - self.start
            done = (self.epoch - 1) * self.batches + self.batch
            total = self.epochs * self.batches
            remaining = elapsed / done * (total - done) if done else None
            return Progress(
                self.epoch,
                self.epochs,
                self.batch,
                self.batches,
                elapsed,
                remaining,
                self.rows,
                self.snapshots,
                epoch_end,
            )

        def _report(self, epoch_end: bool = False) -> None:
            if reporter is None or self.interrupted is not None:
                return
            now = clock()
            if not epoch_end and now - self.last_report < report_every:
                return
            self.last_report = now
            try:
                reporter(self._progress(epoch_end))
            except BaseException as exc:  # Streamlit's stop: finish the batch, keep the model
                self.interrupted = exc
                self.reason = "stopped"
                self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
            self.batch = batch + 1
            logs = logs or {}
            if self.batch % record_every == 0 and self.batch < self.batches:
                self._record(logs)
            if stop is not None and stop.is_set():
                self.reason = "stopped"
                self.model.stop_training = True
                return
            self._report()

        def _record(self, logs: Mapping[str, Any], val: bool = False) -> None:
            row = {
                "epoch": self.epoch - 1 + self.batch / max(self.batches, 1),
                "batch": (self.epoch - 1) * self.batches + self.batch,
                "loss": float(logs.get("loss", np.nan)),
                "accuracy": float(logs.get("accuracy", np.nan)),
            }
            if val:
                row["val_loss"] = float(logs.get("val_loss", np.nan))
                row["val_accuracy"] = float(logs.get("val_accuracy", np.nan))
            self.rows.append(row)

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            logs = logs or {}
            self._record(logs, val=True)
            if self._probe_model is not None:
                conv = _first_conv(self.model)
                kernel = keras.ops.convert_to_numpy(conv.kernel)
                maps = keras.ops.convert_to_numpy(self._probe_model(probe[None], training=False))
                self.snapshots.append(Snapshot(epoch + 1, kernel.mean(axis=2), maps[0]))
            loss = logs.get("val_loss")
            if loss is not None and np.isfinite(loss):
                if loss < self.best_loss:
                    self.best_loss, self.best_epoch, self._wait = float(loss), epoch + 1, 0
                    if keep_best:
                        self.best_weights = [w.copy() for w in self.model.get_weights()]
                else:
                    self._wait += 1
                    if patience and self._wait >= patience and self.reason == "completed":
                        self.reason = "early_stopping"
                        self.model.stop_training = True
            self._report(epoch_end=True)

    return LiveCallback()


# --- results -------------------------------------------------------------------------------


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """Count each (true class, predicted class) pair: rows are true classes.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3).tolist()
    [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    """
    pairs = np.asarray(y_true, dtype=np.int64) * classes + np.asarray(y_pred, dtype=np.int64)
    return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Return each class's share of test images predicted right (NaN for an absent class).

    Examples
    --------
    >>> per_class_accuracy(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]])).tolist()
    [0.5, 1.0, nan]
    """
    totals = matrix.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.where(totals > 0, totals, 1), np.nan)


@dataclass(frozen=True, eq=False)
class RunResult:
    """A finished (or stopped) run.

    Attributes
    ----------
    history : DataFrame
        :data:`HISTORY_COLUMNS`.
    reason : {"completed", "early_stopping", "stopped"}
    epochs_done : int
        Epochs finished, counting a stopped epoch as done.
    best_epoch : int
        Epoch with the lowest validation loss (its weights are kept when
        ``settings.keep_best``).
    test_loss, test_accuracy : float
    confusion : ndarray, shape (K, K), int
        Rows: true class; columns: predicted class.
    per_class : ndarray, shape (K,)
        :func:`per_class_accuracy`.
    predicted : ndarray, shape (N_test,)
        Predicted classes of the test images.
    misclassified : ndarray of int
        Indices of the wrongly classified test images, the most confident first.
    snapshots : tuple of Snapshot
    seconds : float
        Time spent in ``model.fit``.
    samples_per_second : float
        Training images seen per second.
    interrupted : BaseException or None
        What stopped the reporter, for the caller to re-raise (not kept in a record).
    """

    history: pd.DataFrame
    reason: str
    epochs_done: int
    best_epoch: int
    test_loss: float
    test_accuracy: float
    confusion: np.ndarray
    per_class: np.ndarray
    predicted: np.ndarray
    misclassified: np.ndarray
    snapshots: tuple[Snapshot, ...]
    seconds: float
    samples_per_second: float
    interrupted: BaseException | None = field(default=None, repr=False)


def evaluate(model: keras.Model, data: Prepared) -> dict[str, Any]:
    """Test a model: loss, accuracy, confusion matrix, per-class accuracy, mistakes.

    Returns
    -------
    dict
        ``test_loss, test_accuracy, confusion, per_class, predicted, misclassified``.
    """
    import keras

    output = np.asarray(model.predict(data.x_test, batch_size=256, verbose=0), dtype=np.float64)
    if model.loss.get_config().get("from_logits"):
        probs = keras.ops.convert_to_numpy(keras.ops.softmax(output, axis=-1)).astype(np.float64)
    else:
        probs = output
    predicted = probs.argmax(axis=1)
    true = data.y_test.astype(np.int64)
    picked = np.clip(probs[np.arange(len(true)), true], 1e-7, 1.0)
    matrix = confusion_matrix(true, predicted, data.classes)
    wrong = np.flatnonzero(predicted != true)
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")]
    return {
        "test_loss": float(-np.log(picked).mean()),
        "test_accuracy": float((predicted == true).mean()),
        "confusion": matrix,
        "per_class": per_class_accuracy(matrix),
        "predicted": predicted,
        "misclassified": wrong,
    }


def training_dataset(
    data: Prepared, settings: Settings, augmentation: Augmentation | None = None
) -> Any:
    """Return what ``model.fit`` trains on: the arrays, or a shuffled, augmented ``tf.data``."""
    layers = augmentation_layers(augmentation or Augmentation(), data.value_range, settings.seed)
    if not layers:
        return data.x_train, data.y_train
    import keras
    import tensorflow as tf

    pipeline = keras.Sequential(layers)
    dataset = tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
    return (
        dataset.shuffle(len(data.x_train), seed=settings.seed, reshuffle_each_iteration=True)
        .batch(settings.batch_size)
        .map(lambda x, y: (pipeline(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def train(
    model: keras.Model,
    data: Prepared,
    settings: Settings,
    *,
    augmentation: Augmentation | None = None,
    reporter: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    record_every: int = 5,
    report_every: float = 0.4,
    probe_index: int = 0,
) -> RunResult:
    """Train ``model`` on ``data``, reporting as it goes; return the history and test results.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_model`.
    data : Prepared
    settings : Settings
        Batch size, epochs, early stopping and keep-best are used here.
    augmentation : Augmentation, optional
    reporter, stop, record_every, report_every
        See :func:`live_callback`.
    probe_index : int, default 0
        The validation image whose feature maps are snapshot each epoch.

    Returns
    -------
    RunResult
        If the reporter raised, training stopped after that batch, the model
        keeps what it learned, and ``interrupted`` holds the exception: the
        caller saves the result, then re-raises it.
    """
    callback = live_callback(
        reporter=reporter,
        stop=stop,
        record_every=record_every,
        report_every=report_every,
        probe=data.x_val[probe_index],
        patience=settings.patience,
        keep_best=settings.keep_best,
    )
    train_data = training_dataset(data, settings, augmentation)
    if isinstance(train_data, tuple):
        x, y, extra = train_data[0], train_data[1], {"batch_size": settings.batch_size}
    else:
        x, y, extra = train_data, None, {"shuffle": False}  # the pipeline shuffles
    start = time.monotonic()
    model.fit(
        x,
        y,
        epochs=settings.epochs,
        validation_data=(data.x_val, data.y_val),
        callbacks=[callback],
        verbose=0,
        **extra,
    )
    seconds = time.monotonic() - start
    if settings.keep_best and callback.best_weights is not None:
        model.set_weights(callback.best_weights)
    history = history_frame(callback.rows)
    # The last batch of an epoch may be short; counting it whole errs by less than a batch.
    seen = float(history["batch"].iloc[-1]) * settings.batch_size if len(history) else 0.0
    return RunResult(
        history=history,
        reason=callback.reason,
        epochs_done=int(history["val_loss"].notna().sum()) if len(history) else 0,
        best_epoch=callback.best_epoch,
        seconds=seconds,
        samples_per_second=seen / seconds if seconds > 0 else 0.0,
        snapshots=tuple(callback.snapshots),
        interrupted=callback.interrupted,
        **evaluate(model, data),
    )


def without_interruption(result: RunResult) -> RunResult:
    """Return the result without the exception object (what a session keeps)."""
    return replace(result, interrupted=None)


def model_bytes(model: keras.Model) -> bytes:
    """Return the model saved in Keras' ``.keras`` format."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def usable_elsewhere(data: Prepared) -> bool:
    """Whether a model trained on ``data`` reads what the trained-network page feeds it.

    That page gives 28x28x1 digits in [0, 1] and reads ten outputs.

    Examples
    --------
    >>> from cnnviz.nets.datasets import load_mnist_subset
    >>> usable_elsewhere(prepare_data(load_mnist_subset(), samples=20))
    True
    """
    return data.input_shape == (28, 28, 1) and data.classes == 10 and data.normalization == "unit"
