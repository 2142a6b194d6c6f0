r"""Feature visualisation's regularisers and the input region a unit sees (pure NumPy).

Activation maximisation (:mod:`cnnviz.nets.feature_vis`) climbs the gradient of
one filter's mean activation, starting from noise. On a small network the bare
gradient paints high-frequency noise that excites the filter without looking
like anything (tf-keras-vis #34); these regularisers pull the picture towards
natural images, and the page lets the student switch each one off:

- **jitter**: each step the image is rolled by a random ``(dy, dx)`` in
  :math:`[-j, j]^2` before the gradient is taken, so no pattern that only works
  at one exact pixel position survives (:func:`jitter`);
- **blur**: every few steps the image is smoothed by a Gaussian of width
  :math:`\sigma` (:func:`gaussian_blur`, the same numbers as SciPy's
  ``gaussian_filter``). A Gaussian rather than a frequency penalty: one
  parameter a student can picture, and on a 28×28 image a penalty on the
  Fourier spectrum would need a second parameterisation to do the same;
- **total variation** (anisotropic, L1):
  :math:`\mathrm{TV}(x) = \sum |x_{i+1,j,c} - x_{i,j,c}| + \sum |x_{i,j+1,c} - x_{i,j,c}|`,
  small for pictures made of flat regions and sharp edges (:func:`total_variation`);
- **L2**: :math:`\|x\|^2 = \sum x_{i,j,c}^2`, which keeps pixels that do not
  help the filter near 0 (black) (:func:`l2_penalty`).

:func:`layer_fields` and :func:`unit_box` give the input pixels one unit of a
layer sees (its receptive field), to outline on the test images that excite a
filter most; they follow :func:`cnnviz.core.shapes.receptive_field`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from cnnviz.core import equivariance, shapes
from cnnviz.core._checks import as_float_array, is_int
from cnnviz.i18n import InputError

TRUNCATE = 4.0
"""The Gaussian's kernel reaches ``TRUNCATE`` standard deviations each side, as in SciPy."""


def _image(values: object) -> np.ndarray:
    """Read an image ``(H, W)`` or ``(H, W, C)`` as floats."""
    array = as_float_array(values, "image")
    if array.ndim not in (2, 3) or 0 in array.shape:
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    return array


def jitter(image: object, shift: Sequence[int]) -> np.ndarray:
    """Roll an image by ``shift = (dy, dx)`` pixels, wrapping around its edges.

    Examples
    --------
    >>> jitter(np.arange(4.0).reshape(2, 2), (1, 0))
    array([[2., 3.],
           [0., 1.]])
    """
    dy, dx = (int(s) for s in shift)
    return np.roll(_image(image), (dy, dx), axis=(0, 1))


def jitter_shifts(rng: np.random.Generator, steps: int, amount: int) -> np.ndarray:
    """Draw one random shift per step, each coordinate in ``[-amount, amount]``.

    Returns
    -------
    ndarray of int, shape (steps, 2)
        Rows ``(dy, dx)``; all zeros when ``amount`` is 0.
    """
    if amount <= 0:
        return np.zeros((steps, 2), dtype=np.int32)
    return rng.integers(-amount, amount + 1, size=(steps, 2)).astype(np.int32)


def gaussian_kernel(sigma: float) -> np.ndarray:
    """Return the normalised 1-D Gaussian of width ``sigma``, radius ``int(4 sigma + 0.5)``.

    Examples
    --------
    >>> gaussian_kernel(0.25).round(4)
    array([3.000e-04, 9.993e-01, 3.000e-04])
    """
    radius = int(TRUNCATE * float(sigma) + 0.5)
    x = np.arange(-radius, radius + 1, dtype=float)
    weights = np.exp(-0.5 * (x / float(sigma)) ** 2)
    return weights / weights.sum()


def gaussian_blur(image: object, sigma: float) -> np.ndarray:
    """Blur an image's rows and columns (each channel alone) with a Gaussian.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    sigma : float
        Standard deviation in pixels, positive.

    Returns
    -------
    ndarray
        Same shape. Edges are mirrored (``a b c | c b a``), as SciPy's
        ``gaussian_filter(image, (sigma, sigma, 0))`` does by default.
    """
    array = _image(image)
    if not np.isfinite(sigma) or sigma <= 0:
        raise InputError("error.features_blur", value=sigma)
    kernel = gaussian_kernel(sigma)
    radius = kernel.size // 2
    for axis in (0, 1):
        pad = [(0, 0)] * array.ndim
        pad[axis] = (radius, radius)
        # NumPy's "symmetric" repeats the edge pixel: SciPy's "reflect".
        padded = np.pad(array, pad, mode="symmetric")
        length = array.shape[axis]
        array = sum(
            weight * np.take(padded, np.arange(k, k + length), axis=axis)
            for k, weight in enumerate(kernel)
        )
    return array


def total_variation(image: object) -> float:
    r"""Return the anisotropic total variation: the sum of absolute neighbour differences.

    Examples
    --------
    >>> total_variation(np.array([[0.0, 1.0], [0.0, 3.0]]))
    6.0
    """
    array = _image(image)
    return float(np.abs(np.diff(array, axis=0)).sum() + np.abs(np.diff(array, axis=1)).sum())


def l2_penalty(image: object) -> float:
    """Return the sum of the squared pixels.

    Examples
    --------
    >>> l2_penalty(np.array([[1.0, -2.0]]))
    5.0
    """
    return float(np.square(_image(image)).sum())


def display_scale(image: object) -> tuple[np.ndarray, bool]:
    """Map an image to [0, 1] for drawing: as it is when it fits, else its min..max stretched.

    Returns
    -------
    (ndarray, bool)
        The picture, and whether it was stretched.

    Examples
    --------
    >>> display_scale(np.array([[-1.0, 3.0]]))
    (array([[0., 1.]]), True)
    """
    array = _image(image)
    low, high = float(array.min()), float(array.max())
    if low >= 0.0 and high <= 1.0:
        return array, False
    span = high - low
    return (array - low) / span if span > 0 else np.zeros_like(array), True


# --- where a unit looks ---------------------------------------------------------------------


FieldPair = tuple[shapes.ReceptiveField, shapes.ReceptiveField]


def layer_fields(layers: Sequence[Mapping[str, object]], input_shape: Sequence[int]) -> FieldPair:
    """Follow the receptive field along rows and columns through a stack of layers.

    Parameters
    ----------
    layers : sequence of mappings
        The convolutions and poolings from the input to the layer, in order,
        each with ``kernel_size`` or ``pool_size`` as ``(rows, cols)`` and
        optionally ``strides`` (pair), ``padding`` and ``dilation_rate`` (pair).
    input_shape : (int, int, ...)
        The input's rows and columns.

    Returns
    -------
    (ReceptiveField, ReceptiveField)
        The last layer's field along rows, then columns.

    Examples
    --------
    >>> rows, cols = layer_fields([{"kernel_size": (3, 3)}, {"pool_size": (2, 2)}], (28, 28))
    >>> rows.size, rows.jump, rows.length
    (4, 2, 13)
    """
    per_axis = []
    for axis in (0, 1):
        stack = [
            {
                name: (value[axis] if isinstance(value, tuple | list) else value)
                for name, value in layer.items()
            }
            for layer in layers
        ]
        if not stack:  # the input itself: each unit sees one pixel
            length = int(input_shape[axis])
            per_axis.append(shapes.ReceptiveField(1, 1, 0.0, length))
            continue
        per_axis.append(shapes.receptive_field(stack, input_length=int(input_shape[axis]))[-1])
    return per_axis[0], per_axis[1]


def unit_box(fields: FieldPair, row: int, col: int, image_shape: Sequence[int]) -> tuple[int, ...]:
    """Return the input pixels unit ``(row, col)`` sees, cut to the picture.

    Returns
    -------
    (int, int, int, int)
        ``top, left, bottom, right``, inclusive.

    Examples
    --------
    A 3x3 convolution then a 2x2 pooling: unit (i, j) sees rows 2i to 2i + 3.

    >>> fields = layer_fields([{"kernel_size": (3, 3)}, {"pool_size": (2, 2)}], (28, 28))
    >>> unit_box(fields, 5, 0, (28, 28))
    (10, 0, 13, 3)
    """
    if not (is_int(row) and is_int(col)):
        raise InputError("error.features_unit", row=repr(row), col=repr(col))
    unit = equivariance.unit_field(fields, int(row), int(col))
    rows, cols = int(image_shape[0]), int(image_shape[1])
    return (
        max(unit.top, 0),
        max(unit.left, 0),
        min(unit.bottom, rows - 1),
        min(unit.right, cols - 1),
    )
