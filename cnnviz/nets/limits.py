"""What one student may ask of a shared classroom server, and how many may train at once.

:data:`LIMITS` bounds a training's data, network and length (each bound can be
changed on a teacher's own machine with an environment variable);
:data:`SLOTS` bounds how many trainings run at once on the whole server;
:func:`check_choice` refuses a setting that is not one of its options.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields

import numpy as np

from cnnviz.i18n import InputError


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
        Weights of the network (Keras' ``count_params()``). The course's CIFAR-10
        network (:func:`cnnviz.content.gallery.course_cifar`, 1,250,858) fits.
    max_macs : int
        Multiply-accumulates for one image: the cost of a forward pass.
    max_concurrent : int
        Trainings running at once on the whole server; others wait their turn.
    max_runs_kept : int
        Runs (models and histories) one session keeps to compare.
    max_runs_stored : int
        Runs the whole server keeps under a link (``?run=``) so that a reload
        or a closed tab loses nothing (:mod:`cnnviz.nets.run_store`). A kept run
        of the course network costs about 20 MB of the server's memory (its
        model, optimizer state and traced functions; measured), so 20 runs
        bound it near 400 MB, shared with the sessions that show them.
    run_keep_seconds : int
        How long a finished run stays reachable by its link.
    max_zip_members : int
        Entries of any kind in an uploaded zip (folders and macOS's ``._``
        copies included), counted before any entry is read.
    max_zip_files, max_zip_bytes : int
        Files, and bytes actually inflated from them, in an uploaded zip.
    max_zip_entry_bytes : int
        Bytes actually inflated from one file of a zip (an uncompressed
        12-megapixel photo, about 36 MB, passes).
    max_zip_image_pixels, max_zip_pixels : int
        Pixels of one image of a zip, and of all of them together, read from
        the headers before any is decoded (decoding costs time per pixel).
    min_images_per_class : int
        Images a class of a zip needs (some go to the test set).
    max_data_bytes : int
        Memory that one training's images may take, as :func:`data_bytes`
        counts it: float32 training, validation and test images, plus two more
        copies of the training images when augmentation is on. The bundled
        CIFAR-10 subset whole (5,000 + 2,000 colour images of 32x32x3) with
        augmentation takes 184,320,000 bytes and fits; 8,000 + 2,000 full
        CIFAR-10 images with augmentation (280,166,400) do not.
    """

    max_samples: int = 8000
    max_test_samples: int = 2000
    max_epochs: int = 30
    max_batch_size: int = 512
    max_layers: int = 24
    max_params: int = 1_500_000
    max_macs: int = 25_000_000
    max_concurrent: int = 2
    max_runs_kept: int = 5
    max_runs_stored: int = 20
    run_keep_seconds: int = 3600
    max_zip_members: int = 12_000
    max_zip_files: int = 5000
    max_zip_bytes: int = 200_000_000
    max_zip_entry_bytes: int = 40_000_000
    max_zip_image_pixels: int = 25_000_000
    max_zip_pixels: int = 400_000_000
    min_images_per_class: int = 4
    max_data_bytes: int = 256_000_000

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


BYTES_PER_VALUE = 4
"""float32: what ``model.fit`` reads, whatever the images were on disk."""
AUGMENTATION_COPIES = 2
"""Extra copies of the training images when augmentation is on: the ``tf.data``
tensor made from them, and the shuffle buffer that holds every one of them."""


def data_bytes(
    train: int, val: int, test: int, shape: Sequence[int], *, augmented: bool = False
) -> int:
    """Return the bytes a training's images take in memory (:attr:`Limits.max_data_bytes`).

    Parameters
    ----------
    train, val, test : int
        Training, validation and test images.
    shape : (H, W, C)
        One image: C is 1 for grey images, 3 for colour (three times the bytes).
    augmented : bool, default False
        Whether augmentation is on: :data:`AUGMENTATION_COPIES` more copies of
        the training images.

    Returns
    -------
    int
        ``(train + val + test + copies * train) * H * W * C * 4``.

    Examples
    --------
    >>> data_bytes(4000, 1000, 2000, (32, 32, 3))  # the CIFAR-10 subset, whole
    86016000
    >>> data_bytes(4000, 1000, 2000, (32, 32, 3), augmented=True)
    184320000
    >>> data_bytes(6400, 1600, 2000, (28, 28, 1), augmented=True)  # MNIST at the limits
    71500800
    """
    pixels = int(np.prod(shape))
    images = train + val + test + (AUGMENTATION_COPIES * train if augmented else 0)
    return images * pixels * BYTES_PER_VALUE


def check_data_bytes(
    train: int,
    val: int,
    test: int,
    shape: Sequence[int],
    *,
    augmented: bool = False,
    limits: Limits = LIMITS,
) -> int:
    """Return :func:`data_bytes`, or refuse images that take more than ``limits.max_data_bytes``.

    Raises
    ------
    InputError
        ``trainset.limit.memory``, naming the images, their shape, the bytes
        and the limit.

    Examples
    --------
    >>> check_data_bytes(10, 0, 0, (32, 32, 3))
    122880
    >>> check_data_bytes(10, 0, 0, (32, 32, 3), limits=Limits(max_data_bytes=100_000))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: 10 images of 32×32×3 take 122,880 bytes in memory...
    """
    used = data_bytes(train, val, test, shape, augmented=augmented)
    if used > limits.max_data_bytes:
        raise InputError(
            "trainset.limit.memory" + (".augmented" if augmented else ""),
            images=train + val + test,
            train=train,
            shape="×".join(str(int(n)) for n in shape),
            bytes=used,
            limit=limits.max_data_bytes,
            copies=AUGMENTATION_COPIES,
        )
    return used


def check_choice(name: str, value: str, options: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``options``; else refuse it, listing them.

    Examples
    --------
    >>> check_choice("optimizer", "adam", ("sgd", "adam"))
    'adam'
    >>> check_choice("optimizer", "lbfgs", ("sgd", "adam"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: Unknown optimizer: lbfgs. Choose one of: sgd, adam.
    """
    if value not in options:
        raise InputError("train.error.choice", field=name, value=value, expected=", ".join(options))
    return value
