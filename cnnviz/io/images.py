"""Decoding and validating user images.

A student uploads a file from a phone or a laptop; :func:`decode_image` turns
it into a float32 array in :math:`[0, 1]`, shaped ``(H, W)`` for grayscale and
``(H, W, 3)`` for colour, small enough to show number by number. Everything a
student can get wrong raises :class:`cnnviz.i18n.InputError` (a
``ValueError``) whose message says what happened and what to do.

Decoding is defensive because the bytes come from strangers:

- Only common raster formats are opened (PNG, JPEG, GIF, WebP, BMP, TIFF,
  PBM/PGM/PPM, AVIF), never Pillow's exotic plugins (EPS would run Ghostscript).
- The pixel count is read from the header (``Image.open`` is lazy) and checked
  against ``max_pixels`` *before* any pixel is decoded, so a decompression
  bomb (a tiny file claiming 20000 × 20000 pixels) costs nothing.
- Pillow's own warnings (corrupt EXIF, its decompression-bomb warning) are
  silenced while decoding: they are not actionable by a student, and the
  checks above already cover what they warn about.
"""

from __future__ import annotations

import io
import re
import threading
import warnings
from dataclasses import dataclass, replace

import numpy as np
from PIL import ExifTags, Image, ImageOps

from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError

MAX_PIXELS = 50_000_000
"""Default cap on an uploaded image's pixels: a 48-megapixel phone photo passes, a bomb does not."""

MAX_SIDE = 512
"""Default longest side, in pixels, of a decoded image: larger images are downscaled."""

ACCEPTED_FORMATS: tuple[str, ...] = ("PNG", "JPEG", "GIF", "WEBP", "BMP", "TIFF", "PPM", "AVIF")
"""Pillow format names :func:`decode_image` opens (JPEG includes MPO, PPM includes PBM/PGM)."""

UPLOAD_EXTENSIONS: tuple[str, ...] = ("png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff")
"""File name extensions an image upload (or an image inside a training zip) may have."""

LUMA_WEIGHTS: tuple[float, float, float] = (0.299, 0.587, 0.114)
"""ITU-R BT.601 weights of red, green and blue in grayscale, as Pillow's ``"L"`` conversion."""

# ``warnings.catch_warnings`` swaps process-wide state and is not thread-safe
# before Python 3.14; Streamlit runs each session in its own thread, so two
# uploads decoded at once could restore each other's filters in the wrong
# order. Decoding under one lock keeps our own calls from interleaving.
_DECODE_LOCK = threading.Lock()

# Pillow's DecompressionBombError message quotes the pixel count; it is raised
# inside Image.open, so the message is the only place the size survives.
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")

# EXIF orientations 5 to 8 turn the picture by a quarter turn (with or without a flip).
_QUARTER_TURNS = frozenset({5, 6, 7, 8})


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """An uploaded image, decoded, with what the page may want to tell the student.

    Attributes
    ----------
    pixels : ndarray, shape (H, W) or (H, W, 3), float32
        Values in :math:`[0, 1]`, upright (EXIF orientation applied), alpha
        flattened on white, longest side at most ``max_side``.
    original_size : (int, int)
        Rows and columns of the full-size image, upright.
    downscaled : bool
        Whether ``pixels`` is smaller than the original.
    format : str
        Pillow's name of the file format, such as ``"PNG"``, ``"JPEG"`` or
        ``"MPO"`` (a JPEG with extra views, common from phone cameras).
    animated : bool
        Whether the file holds more images (an animation's frames, a TIFF's
        pages, an MPO's extra views); only the first is used.
    """

    pixels: np.ndarray
    original_size: tuple[int, int]
    downscaled: bool
    format: str
    animated: bool = False


def _positive_int(value: int, name: str) -> int:
    if not is_int(value):
        raise TypeError(f"{name} must be an int; received {value!r}.")
    if value < 1:
        raise InputError("error.below_one", name=name, value=int(value))
    return int(value)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header only (``Image.open`` is lazy); refuse what cannot be an image."""
    Image.init()  # registers every plugin, so the formats below can be looked up
    formats = [name for name in ACCEPTED_FORMATS if name in Image.OPEN]
    try:
        return Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        # Pillow refuses more than twice its own limit while reading the header.
        match = _BOMB_PIXELS.search(str(exc))
        pixels = int(match.group(1)) if match else 0
        raise InputError(
            "error.image_too_large_pixels",
            megapixels=pixels / 1e6,
            max_megapixels=max_pixels / 1e6,
        ) from None
    except InputError:
        raise
    except Exception as exc:  # any parser failure on foreign bytes means "not an image"
        raise InputError("error.image_unreadable", nbytes=len(data)) from exc


def _flatten_on_white(im: Image.Image, mode: str) -> Image.Image:
    """Composite an image with alpha onto a white background, returning ``mode`` ("L" or "RGB")."""
    # Premultiplied modes ("La", "RGBa") and palettes must become straight alpha first.
    rgba = im.convert("LA" if mode == "L" else "RGBA")
    background = Image.new(mode, rgba.size, 255 if mode == "L" else (255, 255, 255))
    background.paste(rgba.convert(mode), mask=rgba.getchannel("A"))
    return background


def _to_standard(im: Image.Image) -> Image.Image:
    """Return the image as "L" or "RGB" (8 bits), or "F" already scaled to [0, 1]."""
    mode = im.mode
    has_transparency = "transparency" in im.info
    if mode == "1":
        return im.convert("L")
    if mode in ("L", "RGB"):
        # A tRNS chunk marks one grey level or colour as transparent.
        return _flatten_on_white(im, mode) if has_transparency else im
    if mode in ("LA", "La"):
        return _flatten_on_white(im, "L")
    if mode in ("RGBA", "RGBa", "PA") or (mode == "P" and has_transparency):
        return _flatten_on_white(im, "RGB")
    if mode == "P":
        return im.convert("RGB")
    if mode.startswith("I"):
        # 16-bit grayscale ("I;16", "I;16B", ...; older Pillows open it as 32-bit
        # "I"): scale by the true 16-bit range, so 65535 is white, not 255.
        values = np.asarray(im).astype(np.float32) / np.float32(65535)
        return Image.fromarray(np.clip(values, 0.0, 1.0))
    if mode == "F":
        values = np.asarray(im, dtype=np.float32)
        if not np.all(np.isfinite(values)):
            raise InputError(
                "error.image_not_finite",
                count=int(np.count_nonzero(~np.isfinite(values))),
                shape=values.shape,
            )
        return Image.fromarray(np.clip(values, 0.0, 1.0))
    # CMYK, YCbCr, RGBX, ...: Pillow knows how to get to RGB.
    return im.convert("RGB")


def _target_size(rows: int, cols: int, max_side: int) -> tuple[int, int]:
    """Return ``(rows, cols)`` with the longer side at most ``max_side``, aspect ratio kept."""
    longest = max(rows, cols)
    if longest <= max_side:
        return rows, cols
    scale = max_side / longest
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def _check_size(cols: int, rows: int, max_pixels: int) -> None:
    """Refuse an image with no pixels or more than ``max_pixels``, from its header's size."""
    if cols < 1 or rows < 1:
        raise InputError("error.image_zero_size", width=cols, height=rows)
    if cols * rows > max_pixels:
        raise InputError(
            "error.image_too_large",
            width=cols,
            height=rows,
            megapixels=cols * rows / 1e6,
            max_megapixels=max_pixels / 1e6,
        )


def _decode_opened(im: Image.Image, *, max_side: int, max_pixels: int, nbytes: int) -> DecodedImage:
    cols, rows = im.size
    _check_size(cols, rows, max_pixels)
    fmt = im.format or "?"
    try:
        target_rows, target_cols = _target_size(rows, cols, max_side)
        if (target_rows, target_cols) != (rows, cols):
            # JPEG only: let libjpeg decode at 1/2, 1/4 or 1/8 scale (DCT scaling),
            # still at least twice the target so the final Lanczos pass has detail.
            im.draft(None, (2 * target_cols, 2 * target_rows))
        try:
            # Read the tag the way exif_transpose does (EXIF, else XMP).
            orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
            ImageOps.exif_transpose(im, in_place=True)
        except Exception:
            # Broken metadata: keep the image as stored rather than refuse it. If
            # the pixel data is what is broken, the conversion below fails too.
            orientation = 1
        if orientation in _QUARTER_TURNS:  # rows and columns swap
            rows, cols = cols, rows
            target_rows, target_cols = target_cols, target_rows
        im = _to_standard(im)
        if im.size != (target_cols, target_rows):
            # reducing_gap: a fast integer box reduction first, then Lanczos over
            # at least 3x the target; Pillow documents this as indistinguishable
            # from Lanczos alone.
            im = im.resize((target_cols, target_rows), Image.Resampling.LANCZOS, reducing_gap=3.0)
        pixels = np.asarray(im)
    except InputError:
        raise
    except Exception as exc:  # truncated or damaged data surfaces only while decoding
        raise InputError(
            "error.image_corrupt", format=fmt, width=cols, height=rows, nbytes=nbytes
        ) from exc
    if pixels.dtype == np.uint8:
        pixels = pixels.astype(np.float32) / np.float32(255)
    else:  # "F": Lanczos may overshoot [0, 1] slightly near sharp edges
        pixels = np.clip(pixels.astype(np.float32), 0.0, 1.0)
    return DecodedImage(
        pixels=pixels,
        original_size=(rows, cols),
        downscaled=(target_rows, target_cols) != (rows, cols),
        format=fmt,
    )


def _checked_bytes(data: bytes) -> bytes:
    """Return ``data`` as bytes, refusing what is not bytes or is empty."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes; received {type(data).__name__}.")
    data = bytes(data)
    if not data:
        raise InputError("error.image_empty")
    return data


def image_size(data: bytes, *, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """Read an image file's rows and columns from its header, decoding no pixel.

    The same checks as :func:`decode_image` before it decodes: an accepted
    format, at least one pixel, at most ``max_pixels``. A caller with a budget
    over many images (a zip of them) adds up these sizes before decoding any.

    Parameters
    ----------
    data : bytes
        The file's contents.
    max_pixels : int, default 50_000_000
        Largest accepted image (columns × rows).

    Returns
    -------
    (int, int)
        Rows and columns as stored (before any EXIF rotation).

    Raises
    ------
    InputError
        If ``data`` is empty, not an image in an accepted format, has no
        pixels, or has more than ``max_pixels`` pixels.

    Examples
    --------
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("L", (40, 20)).save(buffer, "PNG")
    >>> image_size(buffer.getvalue())
    (20, 40)
    """
    data = _checked_bytes(data)
    max_pixels = _positive_int(max_pixels, "max_pixels")
    with _DECODE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _open(data, max_pixels) as im:
            cols, rows = im.size
    _check_size(cols, rows, max_pixels)
    return rows, cols


def decode_image(
    data: bytes, *, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS
) -> DecodedImage:
    """Decode an uploaded image file into a float32 array in [0, 1], with its metadata.

    Parameters
    ----------
    data : bytes
        The file's contents (``UploadedFile.getvalue()``).
    max_side : int, default 512
        Longest side of the result; larger images are downscaled with Lanczos,
        keeping the aspect ratio.
    max_pixels : int, default 50_000_000
        Largest accepted image (columns × rows of the file), checked from the
        header before decoding.

    Returns
    -------
    DecodedImage
        ``pixels`` of shape (H, W) (grayscale, 1-bit and 16-bit files) or
        (H, W, 3) (colour, palette and CMYK files), plus the original size,
        whether it was downscaled, the format and whether it is animated.

    Raises
    ------
    InputError
        If ``data`` is empty, not an image in an accepted format, damaged or
        truncated, has no pixels, or has more than ``max_pixels`` pixels.

    Notes
    -----
    Conversions: the EXIF orientation is applied (phone photos come out
    upright); alpha (LA, RGBA, palettes with transparency) is flattened on
    white; 16-bit grayscale is divided by 65535; CMYK becomes RGB; only the
    first frame of an animation (GIF, WebP, APNG) is used. An RGB image whose
    channels are equal stays RGB.

    Examples
    --------
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("L", (40, 20), 255).save(buffer, "PNG")
    >>> decoded = decode_image(buffer.getvalue(), max_side=10)
    >>> decoded.pixels.shape, decoded.original_size, decoded.downscaled, decoded.format
    ((5, 10), (20, 40), True, 'PNG')
    """
    data = _checked_bytes(data)
    max_side = _positive_int(max_side, "max_side")
    max_pixels = _positive_int(max_pixels, "max_pixels")
    with _DECODE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with _open(data, max_pixels) as im:
            decoded = _decode_opened(im, max_side=max_side, max_pixels=max_pixels, nbytes=len(data))
            try:
                # Asked only now: seeking to frame 2 must not disturb frame 1's pixels.
                animated = bool(getattr(im, "is_animated", False))
            except Exception:
                animated = False
    return replace(decoded, animated=animated) if animated else decoded


def load_image(
    data: bytes, *, max_side: int = MAX_SIDE, max_pixels: int = MAX_PIXELS
) -> np.ndarray:
    """Decode an uploaded image file into a float32 array in [0, 1].

    Parameters
    ----------
    data : bytes
        The file's contents.
    max_side : int, default 512
        Longest side of the result; larger images are downscaled.
    max_pixels : int, default 50_000_000
        Largest accepted image, checked before decoding.

    Returns
    -------
    ndarray, shape (H, W) or (H, W, 3), float32
        The pixels; see :func:`decode_image` for the conversions.

    Raises
    ------
    InputError
        As :func:`decode_image`.

    Examples
    --------
    >>> from PIL import Image
    >>> buffer = io.BytesIO()
    >>> Image.new("RGB", (3, 2), (255, 0, 51)).save(buffer, "PNG")
    >>> load_image(buffer.getvalue())[0, 0]
    array([1. , 0. , 0.2], dtype=float32)
    """
    return decode_image(data, max_side=max_side, max_pixels=max_pixels).pixels


def check_image(image: np.ndarray) -> np.ndarray:
    """Validate an in-memory image: (H, W) or (H, W, C) with 1 or 3 channels, finite, non-empty.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 1) or (H, W, 3)
        Numbers in any range (the core also convolves ``np.arange`` grids).

    Returns
    -------
    ndarray, shape as given
        The image as an array; floats keep their dtype, integers and booleans
        become float64. No copy is made when none is needed.

    Raises
    ------
    InputError
        If the values are not numbers, the rank or the number of channels is
        wrong, the image has no pixels, or a value is NaN or infinite.

    Examples
    --------
    >>> check_image([[0, 1], [2, 3]]).dtype
    dtype('float64')
    >>> check_image(np.zeros((2, 2, 4)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: Expected 1 channel (grayscale) or 3 channels (RGB); received ...
    """
    array = np.asarray(image)
    if array.dtype == bool or np.issubdtype(array.dtype, np.integer):
        array = array.astype(np.float64)
    elif not np.issubdtype(array.dtype, np.floating):
        raise InputError("error.image_dtype", dtype=str(array.dtype))
    if array.ndim not in (2, 3):
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    if array.ndim == 3 and array.shape[2] not in (1, 3):
        raise InputError("error.image_channels", shape=array.shape, channels=array.shape[2])
    if array.size == 0:
        raise InputError("error.image_no_pixels", shape=array.shape)
    finite = np.isfinite(array)
    if not finite.all():
        raise InputError(
            "error.image_not_finite",
            count=int(array.size - np.count_nonzero(finite)),
            shape=array.shape,
        )
    return array


def to_grayscale(image: np.ndarray) -> np.ndarray:
    r"""Convert an image to grayscale with the ITU-R BT.601 luma weights.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 1) or (H, W, 3)
        The image; see :func:`check_image`.

    Returns
    -------
    ndarray, shape (H, W)
        A new array, float32 for float32 input and float64 otherwise. Grayscale
        input is returned as a copy.

    Notes
    -----
    .. math:: Y = 0.299\,R + 0.587\,G + 0.114\,B

    the weights of Pillow's ``"L"`` conversion (and of OpenCV's ``COLOR_RGB2GRAY``).

    Examples
    --------
    >>> to_grayscale(np.array([[[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]))
    array([[0.299, 1.   ]])
    """
    array = check_image(image)
    if array.ndim == 2:
        return array.copy()
    if array.shape[2] == 1:
        return array[:, :, 0].copy()
    return array @ np.asarray(LUMA_WEIGHTS, dtype=array.dtype)


def image_to_png_bytes(image: np.ndarray) -> bytes:
    r"""Encode an image with values in [0, 1] as an 8-bit PNG file.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 1) or (H, W, 3)
        Values are clipped to :math:`[0, 1]` and rounded to the nearest of 256 levels.

    Returns
    -------
    bytes
        A grayscale or RGB PNG file.

    Raises
    ------
    InputError
        If the image is not valid (see :func:`check_image`).

    Examples
    --------
    >>> data = image_to_png_bytes(np.array([[0.0, 0.5], [1.0, 2.0]]))
    >>> data[:8]
    b'\x89PNG\r\n\x1a\n'
    >>> load_image(data)
    array([[0.      , 0.501961],
           [1.      , 1.      ]], dtype=float32)
    """
    array = check_image(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    levels = np.rint(np.clip(array, 0.0, 1.0) * 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(levels).save(buffer, "PNG")
    return buffer.getvalue()
