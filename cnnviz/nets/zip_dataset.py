"""Read a student's zip of images, one folder per class, into a :class:`Dataset`.

The zip is untrusted, and nothing it declares is believed:

- its entries are counted from its end record before the directory is parsed,
  and again after;
- every entry's name, encryption flag and compression method are checked
  before any entry is read;
- each entry is inflated in chunks, counting the bytes that actually come
  out, and reading stops the moment one entry or the whole zip passes its cap
  (a header may claim 100 bytes for a gigabyte);
- each image's size is read from its header and charged to a per-image and a
  per-zip pixel budget before it is decoded, by the same rules as an image
  upload (:mod:`cnnviz.io.images`: same formats, never Pillow's exotic plugins).

Every refusal is an :class:`~cnnviz.i18n.InputError` that names the file
inside the zip and says the fix.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.io.images import UPLOAD_EXTENSIONS, decode_image, image_size
from cnnviz.nets.datasets import Dataset
from cnnviz.nets.limits import LIMITS, Limits

IMAGE_SUFFIXES: tuple[str, ...] = tuple(f".{ext}" for ext in UPLOAD_EXTENSIONS)
"""Files a zip's class folders may hold: the types an image upload accepts."""

_EXPECTED = ", ".join(IMAGE_SUFFIXES)  # quoted when a file is refused

METHODS: tuple[int, ...] = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""Compression methods read: what every system's "compress" makes. Deflate can be
inflated a bounded chunk at a time; bzip2 cannot (a few KB may give gigabytes)."""

_IGNORED_NAMES = ("thumbs.db", "desktop.ini")
_CHUNK = 1 << 16
_END_RECORD = struct.Struct("<4s4H2LH")  # signature, disks, entries here, entries, size, offset
_DRIVE = re.compile(r"^[A-Za-z]:")
# decode_image's refusals, as what they mean for a file of the zip.
_IMAGE_ERRORS = {
    "error.image_too_large": "train.zip.huge_image",
    "error.image_too_large_pixels": "train.zip.huge_image",
    "error.image_corrupt": "error.zip_image_corrupt",
    "error.image_zero_size": "error.zip_image_corrupt",
    "error.image_not_finite": "error.zip_image_corrupt",
}
# What zipfile and zlib raise on damaged data (a bad CRC is a BadZipFile).
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    NotImplementedError,
    RuntimeError,
    ValueError,
    struct.error,
)


def _ignored(path: PurePosixPath) -> bool:
    """Files a system adds by itself (macOS forks, thumbnails) or nameless: skipped silently."""
    return (
        not path.parts
        or any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
        or path.name.lower() in _IGNORED_NAMES
    )


def _unsafe(name: str) -> bool:
    r"""Whether a member's name climbs out of the zip (``../``) or is absolute.

    Examples
    --------
    >>> [_unsafe(n) for n in ("cats/1.png", "../1.png", "/etc/x.png", "C:/x.png", "a\\..\\b")]
    [False, True, True, True, True]
    """
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or bool(_DRIVE.match(name))


@dataclass
class _Budget:
    """The zip's limits, and the bytes and pixels its files have used so far."""

    limits: Limits
    bytes_used: int = 0
    pixels_used: int = 0

    def spend_bytes(self, count: int) -> None:
        """Charge ``count`` inflated bytes; refuse the zip once past ``max_zip_bytes``."""
        self.bytes_used += count
        if self.bytes_used > self.limits.max_zip_bytes:
            raise InputError("train.zip.too_big", limit=self.limits.max_zip_bytes // 1_000_000)

    def spend_pixels(self, count: int, file: str) -> None:
        """Charge ``count`` pixels before decoding an image; refuse past ``max_zip_pixels``."""
        self.pixels_used += count
        if self.pixels_used > self.limits.max_zip_pixels:
            raise InputError(
                "error.zip_too_many_pixels", file=file, limit=self.limits.max_zip_pixels / 1e6
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
        kept, as in Keras); 8 to 128.
    color : bool, default True
        RGB images ``(side, side, 3)``, else grey ``(side, side)``.
    test_fraction : float, default 0.2
        Share of each class held out as the test set (at least one image).
    seed : int, default 0
        Seeds the split.
    limits : Limits
        Entries, files, inflated bytes (per file and in all) and pixels (per
        image and in all) allowed.

    Returns
    -------
    Dataset
        ``name="zip"``, uint8 images, classes named after the folders in
        alphabetical order (as Keras orders them).

    Raises
    ------
    InputError
        ``train.zip.*`` and ``error.zip_*``: not a zip, too many entries, a
        name with ``../`` or absolute, an encrypted file, an unsupported
        compression, damaged data (bad CRC, truncated), too many bytes or
        pixels, a file that is not an accepted image, no class folders, files
        outside any folder, one class only, a class with too few images.

    Examples
    --------
    >>> load_zip_dataset(b"not a zip")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: This file is not a zip archive. ...
    """
    if not 8 <= side <= 128:
        raise InputError("train.zip.bad_side", value=side)
    _check_members(_declared_members(data), limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # any parser failure on foreign bytes means "not a zip"
        raise InputError("train.zip.not_zip") from None
    with archive:
        entries = _entries(archive, limits)
        paths = _class_paths(entries)
        classes = sorted({p[0] for p in paths})
        if len(classes) < 2:
            raise InputError("train.zip.one_class", name=classes[0])
        budget = _Budget(limits)
        images = [_read_image(archive, info, budget, side=side, color=color) for info in entries]
    y = np.asarray([classes.index(parts[0]) for parts in paths], dtype=np.uint8)
    _check_class_sizes(y, classes, limits.min_images_per_class)
    arrays = _split(np.stack(images), y, len(classes), test_fraction, seed)
    return Dataset("zip", *arrays, class_names=tuple(classes))


def _declared_members(data: bytes) -> int:
    """Return the entry count the zip's end record declares, 0 if it has none.

    Read before ``zipfile`` parses the central directory, so a zip of a
    million empty entries is refused without building a million objects. A
    ZIP64 zip declares 65535 here (its count is elsewhere): at least that many.

    Examples
    --------
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as archive:
    ...     for name in ("a/1.png", "a/2.png", "b/"):
    ...         archive.writestr(name, b"")
    >>> _declared_members(buffer.getvalue()), _declared_members(b"no zip")
    (3, 0)
    """
    # The record is the last 22 bytes, unless a comment (at most 65535 bytes) follows it.
    start = data.rfind(b"PK\x05\x06", max(0, len(data) - _END_RECORD.size - 0xFFFF))
    if start < 0 or start + _END_RECORD.size > len(data):
        return 0
    return _END_RECORD.unpack_from(data, start)[4]


def _check_members(count: int, limits: Limits) -> None:
    """Refuse a zip of more than ``limits.max_zip_members`` entries."""
    if count > limits.max_zip_members:
        raise InputError("error.zip_too_many_members", count=count, limit=limits.max_zip_members)


def _check_member(info: zipfile.ZipInfo) -> None:
    """Refuse an entry whose name escapes the zip, that is encrypted, or is compressed oddly."""
    name = info.filename
    if _unsafe(name):
        raise InputError("error.zip_unsafe_path", file=name)
    if info.flag_bits & 0x1:  # bit 0 of the general purpose flags: encrypted
        raise InputError("error.zip_encrypted", file=name)
    if info.compress_type not in METHODS and not name.endswith("/"):  # folders are not read
        raise InputError("error.zip_method", file=name, method=info.compress_type)


def _entries(archive: zipfile.ZipFile, limits: Limits) -> list[zipfile.ZipInfo]:
    """Return the zip's files (no folders, no system files) after checking every entry.

    Nothing is inflated here: the count, names, flags and methods come from
    the directory, and the sizes it declares refuse an honest but too big zip
    early (a lying one is stopped while reading, see :func:`_inflate`).
    """
    members = archive.infolist()
    _check_members(len(members), limits)  # the end record may have understated it
    for info in members:
        _check_member(info)
    entries = [
        info for info in members if not _ignored(PurePosixPath(info.filename)) and not info.is_dir()
    ]
    if len(entries) > limits.max_zip_files:
        raise InputError("train.zip.too_many", count=len(entries), limit=limits.max_zip_files)
    if sum(info.file_size for info in entries) > limits.max_zip_bytes:
        raise InputError("train.zip.too_big", limit=limits.max_zip_bytes // 1_000_000)
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


def _inflate(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget) -> bytes:
    """Return one entry's bytes, inflated a chunk at a time under the entry's and the zip's caps.

    ``ZipExtFile.read(n)`` inflates at most about ``n`` bytes per call (for
    stored and deflated entries, the only ones let through), so at most one
    chunk past a cap is ever in memory.
    """
    limit = budget.limits.max_zip_entry_bytes
    chunks: list[bytes] = []
    size = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise InputError(
                        "error.zip_entry_too_big", file=info.filename, limit=limit // 1_000_000
                    )
                budget.spend_bytes(len(chunk))
                chunks.append(chunk)
    except InputError:
        raise
    except _DAMAGED:
        raise InputError("error.zip_corrupt", file=info.filename) from None
    return b"".join(chunks)


def _read_image(
    archive: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    budget: _Budget,
    *,
    side: int,
    color: bool,
) -> np.ndarray:
    """Read, check and decode one file of the zip into a ``side`` x ``side`` uint8 image.

    Returns
    -------
    ndarray, shape (side, side, 3) or (side, side), uint8
    """
    from PIL import Image

    name = info.filename
    if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:  # refused before inflating
        raise InputError("train.zip.not_image", file=name, expected=_EXPECTED)
    content = _inflate(archive, info, budget)
    limit = budget.limits.max_zip_image_pixels
    with _named(name, limit):
        rows, cols = image_size(content, max_pixels=limit)
    budget.spend_pixels(rows * cols, name)
    with _named(name, limit):
        # Decoded a little larger than needed, proportions kept, then squeezed to a square.
        decoded = decode_image(content, max_side=4 * side, max_pixels=limit)
    levels = Image.fromarray(np.rint(decoded.pixels * 255).astype(np.uint8))
    square = levels.convert("RGB" if color else "L").resize((side, side), Image.Resampling.BILINEAR)
    return np.asarray(square, dtype=np.uint8)


@contextmanager
def _named(name: str, max_pixels: int) -> Iterator[None]:
    """Turn an image decoder's refusal into what it means for the file ``name`` of the zip."""
    try:
        yield
    except InputError as err:
        key = _IMAGE_ERRORS.get(err.key, "train.zip.not_image")
        fields: dict[str, object] = {"file": name}
        if key == "train.zip.not_image":
            fields["expected"] = _EXPECTED
        elif key == "train.zip.huge_image":
            fields.update(megapixels=err.fields["megapixels"], limit=max_pixels / 1e6)
        raise InputError(key, **fields) from None


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
