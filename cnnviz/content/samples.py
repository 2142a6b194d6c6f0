"""Sample inputs a lesson can start from: the course's matrix, synthetic patterns and photos.

Every sample has a key (used in URLs, ``?conv_sample=checkerboard``), a name
and a one-line description in both languages (catalog keys
``sample.<key>.name`` and ``sample.<key>.description``), and a *kind*:

- ``"matrix"``: a few raw numbers worth showing one by one, such as the
  course's 5×7 matrix (integers from 0 to 9, not scaled to :math:`[0, 1]`).
- ``"image"``: pixels in :math:`[0, 1]`, shown as a picture; grayscale
  ``(H, W)`` or colour ``(H, W, 3)``.

The synthetic patterns are generated in code, deterministically (no
randomness, no files): each one isolates something a filter responds to (a
single edge, edges in one direction, a constant slope, curves). The photos are
public-domain or CC0 pictures from scikit-image, stored in ``assets/images/``
at 256 px by ``scripts/build_samples.py``; ``assets/ATTRIBUTION.md`` credits
them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError, t
from cnnviz.io.images import load_image

SampleKind = Literal["matrix", "image"]
"""``"matrix"``: raw numbers shown cell by cell; ``"image"``: pixels in [0, 1], a picture."""

SampleSource = Literal["course", "pattern", "photo"]
"""Where a sample comes from: the course's material, generated in code, or a bundled photo."""

ASSETS = Path(__file__).resolve().parents[2] / "assets" / "images"
"""Folder of the bundled photos."""

PHOTO_SIDE = 256
"""Longer side, in pixels, of the stored photos: the largest size a photo can be loaded at."""

MAX_SIZE = 512
"""Largest ``size`` :func:`load_sample` accepts (a 512×512 pattern is 1 MB of float32)."""

COURSE_MATRIX = (
    (0, 5, 0, 0, 9, 4, 0),
    (1, 6, 0, 0, 8, 3, 0),
    (2, 7, 0, 0, 7, 2, 0),
    (3, 8, 0, 0, 6, 1, 0),
    (4, 9, 0, 0, 5, 0, 0),
)
"""The course's worked example (textbook chapter, "correlación cruzada"): 5 rows, 7 columns."""

COURSE_KERNEL = ((1, -2, 3), (4, -5, 6), (-7, 8, -9))
"""The 3x3 kernel of the same worked example: its top-left window gives 6."""


@dataclass(frozen=True)
class Sample:
    """A sample input the picker offers.

    Attributes
    ----------
    key : str
        Identifier, used in URLs and catalog keys.
    kind : {"matrix", "image"}
        How to show it: numbers cell by cell, or a picture.
    source : {"course", "pattern", "photo"}
        Where it comes from.
    default_size : int or None
        The size :func:`load_sample` uses when none is given (longer side, in
        pixels); None for a matrix, whose shape is fixed.
    file : str or None
        A photo's file name in :data:`ASSETS`.
    credit : str or None
        A photo's author and licence, to show under it (names are not translated).
    """

    key: str
    kind: SampleKind
    source: SampleSource
    default_size: int | None
    file: str | None = None
    credit: str | None = None

    @property
    def is_matrix(self) -> bool:
        """Whether the sample is a matrix whose numbers are shown one by one."""
        return self.kind == "matrix"

    @property
    def resizable(self) -> bool:
        """Whether :func:`load_sample` takes a ``size`` for it (everything but a matrix)."""
        return self.default_size is not None

    @property
    def name_key(self) -> str:
        """Catalog key of the display name."""
        return f"sample.{self.key}.name"

    @property
    def description_key(self) -> str:
        """Catalog key of the one-line description."""
        return f"sample.{self.key}.description"

    def name(self, lang: str | None = None) -> str:
        """Return the display name in ``lang`` (the current language by default).

        Examples
        --------
        >>> SAMPLES["checkerboard"].name("es")
        'Tablero de ajedrez'
        """
        return t(self.name_key, lang=lang)

    def description(self, lang: str | None = None) -> str:
        """Return the one-line description in ``lang`` (the current language by default).

        Examples
        --------
        >>> SAMPLES["gradient"].description("en")[:28]
        'Brightness grows steadily fr'
        """
        return t(self.description_key, lang=lang)


# --- synthetic patterns: size -> float32 (size, size) in [0, 1] ---------------------------


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of a square, as broadcastable (size, 1) and (1, size) arrays."""
    index = np.arange(size)
    return index[:, None], index[None, :]


def checkerboard(size: int) -> np.ndarray:
    """Black and white squares, 8 per side (each ``size // 8`` pixels), black at the top left.

    Examples
    --------
    >>> checkerboard(4)
    array([[0., 1., 0., 1.],
           [1., 0., 1., 0.],
           [0., 1., 0., 1.],
           [1., 0., 1., 0.]], dtype=float32)
    """
    square = max(1, size // 8)
    rows, cols = _grid(size)
    return ((rows // square + cols // square) % 2).astype(np.float32)


def vertical_stripes(size: int) -> np.ndarray:
    """Dark and bright columns, each ``size // 16`` pixels wide (at least 1), dark first.

    Examples
    --------
    >>> vertical_stripes(4)
    array([[0., 1., 0., 1.],
           [0., 1., 0., 1.],
           [0., 1., 0., 1.],
           [0., 1., 0., 1.]], dtype=float32)
    """
    width = max(1, size // 16)
    _, cols = _grid(size)
    return np.broadcast_to((cols // width) % 2, (size, size)).astype(np.float32)


def horizontal_stripes(size: int) -> np.ndarray:
    """Dark and bright rows: :func:`vertical_stripes` transposed.

    Examples
    --------
    >>> horizontal_stripes(2)
    array([[0., 0.],
           [1., 1.]], dtype=float32)
    """
    return np.ascontiguousarray(vertical_stripes(size).T)


def disc(size: int, *, supersample: int = 4) -> np.ndarray:
    """Draw a bright filled circle (radius ``0.35 * size``) on black, with anti-aliased edges.

    Each pixel holds the fraction of it the circle covers, estimated on a
    ``supersample × supersample`` grid of points inside the pixel, so the edge
    is soft the way a photographed one is, rather than a staircase.

    Examples
    --------
    >>> image = disc(8)
    >>> float(image[4, 4]), float(image[0, 0])
    (1.0, 0.0)
    """
    # Sub-pixel sample positions in pixel units, centred on the image's centre.
    offsets = (np.arange(supersample) + 0.5) / supersample
    coords = (np.arange(size)[:, None] + offsets[None, :]).ravel() - size / 2
    inside = coords[:, None] ** 2 + coords[None, :] ** 2 <= (0.35 * size) ** 2
    coverage = inside.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    return coverage.astype(np.float32)


def gradient(size: int) -> np.ndarray:
    """Brightness rising linearly from 0 (left column) to 1 (right column).

    Examples
    --------
    >>> gradient(3)
    array([[0. , 0.5, 1. ],
           [0. , 0.5, 1. ],
           [0. , 0.5, 1. ]], dtype=float32)
    """
    ramp = np.linspace(0.0, 1.0, size, dtype=np.float32)
    return np.ascontiguousarray(np.broadcast_to(ramp, (size, size)))


def vertical_edge(size: int) -> np.ndarray:
    """Left half 0, right half 1 (an odd size puts the middle column on the dark side).

    Examples
    --------
    >>> vertical_edge(3)
    array([[0., 0., 1.],
           [0., 0., 1.],
           [0., 0., 1.]], dtype=float32)
    """
    _, cols = _grid(size)
    return np.broadcast_to(cols >= (size + 1) // 2, (size, size)).astype(np.float32)


# The "7" as pen strokes on MNIST's 28x28 canvas (x = column, y = row): a top bar
# with a slight upward tilt, then a down stroke that curves a little, as a hand
# writes it. MNIST centres a digit's 20x20 box in 28x28; these strokes span
# about columns 6-21 and rows 5-23.
_SEVEN_STROKES: tuple[tuple[tuple[float, float], ...], ...] = (
    ((6.5, 8.0), (9.0, 7.0), (14.0, 6.5), (20.5, 6.0)),
    ((20.5, 6.0), (18.5, 10.5), (16.0, 15.0), (14.0, 19.0), (12.8, 23.0)),
)
_PEN_WIDTH = 2.8  # in MNIST pixels; MNIST strokes are 2 to 3 pixels wide
_DIGIT_OVERSAMPLE = 8  # drawn 8x larger, then averaged down: smooth, anti-aliased strokes


def digit(size: int) -> np.ndarray:
    """Draw a handwritten-looking "7", white on black like an MNIST digit (28×28 by default).

    The strokes are drawn with Pillow at 8× the size and averaged down (box
    filter), then softened by a slight blur, which gives the grey, anti-aliased
    edges of a scanned pen stroke.

    Examples
    --------
    >>> image = digit(28)
    >>> image.shape, float(image.max()) > 0.9, float(image[0, 0])
    ((28, 28), True, 0.0)
    """
    scale = size * _DIGIT_OVERSAMPLE / 28
    canvas = Image.new("L", (size * _DIGIT_OVERSAMPLE,) * 2, 0)
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(_PEN_WIDTH * scale))
    for stroke in _SEVEN_STROKES:
        points = [(x * scale, y * scale) for x, y in stroke]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):  # round pen tips
            r = width / 2
            draw.ellipse((x - r, y - r, x + r, y + r), fill=255)
    small = canvas.resize((size, size), Image.Resampling.BOX)
    small = small.filter(ImageFilter.GaussianBlur(radius=0.35 * size / 28))
    return np.asarray(small, dtype=np.float32) / np.float32(255)


_PATTERNS: Mapping[str, Callable[[int], np.ndarray]] = MappingProxyType(
    {
        "vertical_edge": vertical_edge,
        "checkerboard": checkerboard,
        "vertical_stripes": vertical_stripes,
        "horizontal_stripes": horizontal_stripes,
        "disc": disc,
        "gradient": gradient,
        "digit": digit,
    }
)


def _pattern(key: str, default_size: int = 64) -> Sample:
    return Sample(key=key, kind="image", source="pattern", default_size=default_size)


def _photo(key: str, credit: str) -> Sample:
    return Sample(
        key=key, kind="image", source="photo", default_size=128, file=f"{key}.png", credit=credit
    )


SAMPLES: Mapping[str, Sample] = MappingProxyType(
    {
        sample.key: sample
        for sample in (
            Sample(key="course_matrix", kind="matrix", source="course", default_size=None),
            _pattern("vertical_edge"),
            _pattern("checkerboard"),
            _pattern("vertical_stripes"),
            _pattern("horizontal_stripes"),
            _pattern("disc"),
            _pattern("gradient"),
            _pattern("digit", default_size=28),
            _photo("camera", "Lav Varshney, CC0"),
            _photo("astronaut", "NASA, public domain"),
            _photo("coffee", "Rachel Michetti, CC0"),
            _photo("chelsea", "Stefan van der Walt, CC0"),
            _photo("rocket", "SpaceX, public domain"),
        )
    }
)
"""The samples, keyed by :attr:`Sample.key`, in the order the picker lists them: the course's
matrix, the patterns from simplest to richest, then the photos (grayscale first)."""


def _check_size(size: object) -> int:
    if not is_int(size) or not (1 <= size <= MAX_SIZE):
        raise InputError("error.sample_size", value=repr(size), max=MAX_SIZE)
    return int(size)


def load_sample(key: str, *, size: int | None = None) -> np.ndarray:
    """Return a sample's pixels or numbers, as a fresh array the caller may edit.

    Parameters
    ----------
    key : str
        A key of :data:`SAMPLES`, such as ``"checkerboard"`` or ``"camera"``.
    size : int, optional
        For a pattern, its side (patterns are square); for a photo, its longer
        side, at most :data:`PHOTO_SIDE` (the stored size; a photo is never
        enlarged). Defaults to the sample's :attr:`Sample.default_size` (64
        for patterns, 28 for the digit, 128 for photos). Ignored for a matrix,
        whose shape is part of the lesson.

    Returns
    -------
    ndarray
        A matrix: its raw numbers as float64 (the course's is (5, 7), from 0 to
        9). An image: float32 in :math:`[0, 1]`, (H, W) for grayscale samples and
        (H, W, 3) for colour photos.

    Raises
    ------
    InputError
        If the key is unknown or ``size`` is not a whole number from 1 to
        :data:`MAX_SIZE`.
    FileNotFoundError
        If a photo is missing from ``assets/images/`` (rebuild it with
        ``scripts/build_samples.py``); a packaging mistake, not a user's.

    Examples
    --------
    >>> load_sample("course_matrix")[0]
    array([0., 5., 0., 0., 9., 4., 0.])
    >>> load_sample("checkerboard", size=16).shape, load_sample("camera", size=32).shape
    ((16, 16), (32, 32))
    >>> load_sample("chelsea").shape
    (85, 128, 3)
    """
    sample = SAMPLES.get(key) if isinstance(key, str) else None
    if sample is None:
        raise InputError("error.sample_unknown", value=repr(key), known=", ".join(SAMPLES))
    if sample.source == "course":
        return np.array(COURSE_MATRIX, dtype=np.float64)
    side = sample.default_size if size is None else _check_size(size)
    if sample.source == "pattern":
        return _PATTERNS[key](side)
    path = ASSETS / str(sample.file)
    if not path.is_file():
        raise FileNotFoundError(
            f"Sample photo {path} is missing; run `python scripts/build_samples.py`."
        )
    return load_image(path.read_bytes(), max_side=side)
