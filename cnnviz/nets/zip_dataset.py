"""Read a student's zip of images, one folder per class, into a :class:`Dataset`.

The zip is untrusted: its file count, uncompressed size and each image's
pixel count are checked before anything is decoded, and every refusal is an
:class:`~cnnviz.i18n.InputError` that names the file and says the fix.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import PurePosixPath

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.nets.datasets import Dataset
from cnnviz.nets.limits import LIMITS, Limits

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
    if not 8 <= side <= 128:
        raise InputError("train.zip.bad_side", value=side)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise InputError("train.zip.not_zip") from None
    with archive:
        entries = _entries(archive, limits)
        paths = _class_paths(entries)
        classes = sorted({p[0] for p in paths})
        if len(classes) < 2:
            raise InputError("train.zip.one_class", name=classes[0])
        images = [
            _read_image(archive.read(info), "/".join(parts), side=side, color=color)
            for info, parts in zip(entries, paths, strict=True)
        ]
    y = np.asarray([classes.index(parts[0]) for parts in paths], dtype=np.uint8)
    _check_class_sizes(y, classes, limits.min_images_per_class)
    arrays = _split(np.stack(images), y, len(classes), test_fraction, seed)
    return Dataset("zip", *arrays, class_names=tuple(classes))


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Return the zip's files (no folders, no system files) after checking their count and size.

    The sizes are the ones the zip declares: nothing is decompressed before
    the whole archive is known to fit.
    """
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
    return entries


def _class_paths(entries: Sequence[zipfile.ZipInfo]) -> list[tuple[str, ...]]:
    """Return each file's path parts from its class folder down.

    Examples
    --------
    >>> infos = [zipfile.ZipInfo(n) for n in ("pets/cats/1.png", "pets/dogs/a/2.png")]
    >>> _class_paths(infos)
    [('cats', '1.png'), ('dogs', 'a', '2.png')]
    """
    paths = [PurePosixPath(info.filename).parts for info in entries]
    # Zipping a folder puts everything under it: look inside that one folder.
    while len({p[0] for p in paths}) == 1 and all(len(p) > 2 for p in paths):
        paths = [p[1:] for p in paths]
    loose = [p for p in paths if len(p) == 1]
    if loose:
        raise InputError("train.zip.loose_file", file=loose[0][0])
    return paths


def _read_image(content: bytes, shown: str, *, side: int, color: bool) -> np.ndarray:
    """Decode one file of the zip into a ``side`` x ``side`` uint8 image, or refuse it.

    ``shown`` names the file in the message (its path from the class folder).
    """
    from PIL import Image, UnidentifiedImageError

    not_image = InputError("train.zip.not_image", file=shown, expected=", ".join(IMAGE_SUFFIXES))
    if PurePosixPath(shown).suffix.lower() not in IMAGE_SUFFIXES:
        raise not_image
    try:
        with Image.open(io.BytesIO(content)) as image:
            # Checked before decoding: a small file may declare a huge picture (a bomb).
            if image.width * image.height > _MAX_IMAGE_PIXELS:
                raise InputError("train.zip.huge_image", file=shown)
            picture = image.convert("RGB" if color else "L").resize(
                (side, side), Image.Resampling.BILINEAR
            )
    except InputError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise not_image from None
    return np.asarray(picture, dtype=np.uint8)


def _check_class_sizes(y: np.ndarray, classes: Sequence[str], minimum: int) -> None:
    """Refuse a zip whose smallest class has fewer than ``minimum`` images."""
    counts = np.bincount(y, minlength=len(classes))
    if counts.min() < minimum:
        worst = int(np.argmin(counts))
        raise InputError(
            "train.zip.few_images", name=classes[worst], count=int(counts[worst]), limit=minimum
        )


def _split(
    x: np.ndarray, y: np.ndarray, classes: int, test_fraction: float, seed: int
) -> list[np.ndarray]:
    """Hold out ``test_fraction`` of each class (at least one image); shuffle the rest.

    Returns
    -------
    list of ndarray
        ``x_train, y_train, x_test, y_test``, read-only (the dataset is cached and shared).
    """
    rng = np.random.default_rng(seed)
    test_mask = np.zeros(len(y), dtype=bool)
    for label in range(classes):
        members = rng.permutation(np.flatnonzero(y == label))
        test_mask[members[: max(1, round(len(members) * test_fraction))]] = True
    order = rng.permutation(len(y))
    train_idx = order[~test_mask[order]]
    test_idx = np.flatnonzero(test_mask)
    arrays = [x[train_idx], y[train_idx], x[test_idx], y[test_idx]]
    for array in arrays:
        array.flags.writeable = False
    return arrays
