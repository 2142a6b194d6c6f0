r"""A colour photo made into a colour network's input, step by step.

The colour network reads 32×32 RGB images with values in :math:`[0, 1]`, as
CIFAR-10's were made: a photo is cropped to a centred square (CIFAR-10's
pictures are square, and squeezing a wide photo would distort its objects),
resized to 32×32 with Pillow, and its whole numbers 0 to 255 are divided by
255. :func:`preprocess_photo` keeps each step so a page can show it
(:class:`cnnviz.nets.model.PreprocessStep`). Only NumPy and Pillow: no
TensorFlow.

Notes
-----
For a photo of :math:`R` rows and :math:`C` columns and an input of
:math:`r \times c`, the crop is the largest centred box of the input's
proportions: height :math:`h = \min(R, \lfloor C r / c \rfloor)`, width
:math:`w = \min(C, \lfloor R c / r \rfloor)`, top :math:`\lfloor (R - h)/2 \rfloor`,
left :math:`\lfloor (C - w)/2 \rfloor` (:func:`centre_crop_box`).
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.io.images import LUMA_WEIGHTS
from cnnviz.nets.model import MIN_CONTRAST, Preprocessed, PreprocessStep, checked_pixels

COLOUR_SHAPE: tuple[int, int, int] = (32, 32, 3)
"""The colour network's input (CIFAR-10's images): rows, columns, channels."""


def centre_crop_box(
    rows: int, cols: int, out_rows: int, out_cols: int
) -> tuple[int, int, int, int]:
    """Return the largest centred box of a ``out_rows × out_cols`` shape inside a picture.

    Parameters
    ----------
    rows, cols : int
        The picture's size, at least 1 each.
    out_rows, out_cols : int
        The network's input size, whose proportions the box keeps.

    Returns
    -------
    top, left, height, width : int
        The box, in the picture's pixels (see the module's notes).

    Examples
    --------
    >>> centre_crop_box(480, 640, 32, 32)
    (0, 80, 480, 480)
    >>> centre_crop_box(101, 50, 32, 32)
    (25, 0, 50, 50)
    """
    height = max(1, min(rows, cols * out_rows // out_cols))
    width = max(1, min(cols, rows * out_cols // out_rows))
    return (rows - height) // 2, (cols - width) // 2, height, width


def _colour(pixels: np.ndarray) -> np.ndarray:
    """RGB of a checked picture (H, W, C), C in 1..4: grey repeated, alpha laid on white."""
    channels = pixels.shape[2]
    has_alpha = channels in (2, 4)
    colour = pixels[:, :, : channels - 1] if has_alpha else pixels
    if colour.shape[2] == 1:
        colour = np.repeat(colour, 3, axis=2)
    if has_alpha:  # a transparent pixel shows the white page behind it, as on screen
        alpha = pixels[:, :, -1:]
        colour = alpha * colour + (1.0 - alpha)
    return colour


def _resized(crop: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Resize RGB floats in [0, 1] to ``rows × cols`` as whole numbers 0 to 255 (uint8)."""
    whole = Image.fromarray(np.rint(crop * 255).astype(np.uint8), "RGB")
    # Lanczos is antialiased when shrinking; reducing_gap first averages big blocks,
    # which keeps a 12-megapixel photo fast.
    return np.asarray(
        whole.resize((cols, rows), Image.Resampling.LANCZOS, reducing_gap=3.0), dtype=np.uint8
    )


def preprocess_photo(image: np.ndarray, shape: tuple[int, int, int] = COLOUR_SHAPE) -> Preprocessed:
    """Turn a photo into a colour network's input: crop, resize, scale, each step kept.

    Parameters
    ----------
    image : ndarray, shape (H, W), (H, W, 3) or (H, W, 4)
        A photo (grey, RGB or RGBA; (H, W, 2) is grey with alpha), uint8 0 to
        255 or floats in :math:`[0, 1]`, any size (a decoded upload or a
        camera shot).
    shape : (rows, cols, channels), default (32, 32, 3)
        The network's input; ``channels`` 3 (RGB) or 1 (grey).

    Returns
    -------
    Preprocessed
        Four steps (the photo in colour, the centred crop, resized to ``rows
        × cols`` as uint8, scaled to [0, 1]) and ``digit``, what the network
        reads: float32 ``shape`` in :math:`[0, 1]`.

    Raises
    ------
    InputError
        ``colour.photo.blank`` if every pixel has nearly the same colour (a
        photo of nothing: the lens covered, a blank wall); the checks of
        :func:`cnnviz.nets.model.checked_pixels` for arrays that are not a picture.

    Examples
    --------
    >>> photo = np.zeros((40, 60, 3), np.uint8)
    >>> photo[:, 30:] = 255
    >>> result = preprocess_photo(photo)
    >>> [step.key.rsplit(".", 1)[1] for step in result.steps]
    ['photo', 'crop', 'resize', 'scale']
    >>> result.steps[1].image.shape, result.digit.shape, result.digit.dtype.name
    ((40, 40, 3), (32, 32, 3), 'float32')
    """
    rows, cols, channels = shape
    colour = _colour(checked_pixels(image))
    spread = float(np.ptp(colour.reshape(-1, 3), axis=0).max())
    if spread < MIN_CONTRAST:
        raise InputError("colour.photo.blank")
    top, left, height, width = centre_crop_box(*colour.shape[:2], rows, cols)
    crop = colour[top : top + height, left : left + width]
    resized = _resized(crop, rows, cols)
    scaled = resized.astype(np.float32) / np.float32(255)
    if channels == 1:  # a grey network: one brightness per pixel, as the training page makes it
        scaled = (scaled @ np.asarray(LUMA_WEIGHTS, np.float32))[:, :, None]
    scaled.flags.writeable = False
    steps = (
        PreprocessStep(
            "colour.step.photo",
            colour.astype(np.float32),
            "colour.note.photo",
            {"rows": colour.shape[0], "cols": colour.shape[1]},
        ),
        PreprocessStep(
            "colour.step.crop",
            crop.astype(np.float32),
            "colour.note.crop",
            {"rows": height, "cols": width, "top": top, "left": left},
        ),
        PreprocessStep(
            "colour.step.resize",
            resized,
            "colour.note.resize",
            {"rows": rows, "cols": cols, "low": int(resized.min()), "high": int(resized.max())},
        ),
        PreprocessStep(
            "colour.step.scale",
            scaled,
            "colour.note.scale",
            {"low": round(float(scaled.min()), 3), "high": round(float(scaled.max()), 3)},
        ),
    )
    return Preprocessed(steps, scaled)
