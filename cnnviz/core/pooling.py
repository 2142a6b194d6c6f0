r"""Max, average and global pooling, and upsampling, exactly as Keras computes them.

Every function validates its arguments before any work and raises
:class:`cnnviz.i18n.InputError` (a ``ValueError``) with a message a student can
act on. Arrays are channels-last, ``(H, W)`` or ``(H, W, C)``; results are
float64 and keep the input's rank.

Notes
-----
A pool of size :math:`(p_r, p_c)` and stride :math:`(s_r, s_c)` slides over the
padded input :math:`P` and summarises each window, channel by channel:

.. math:: Y[i, j, c] = \max_{m < p_r,\, n < p_c} P[i s_r + m,\ j s_c + n,\ c]

for max pooling, and the mean over the window's *real* (non-padded) cells for
average pooling. ``"same"`` padding is TensorFlow's: :math:`\lceil n / s \rceil`
outputs per axis, the extra padded cell on the bottom/right. Padded cells never
win a max (they hold :math:`-\infty`) and never count in an average, as in
``MaxPooling2D`` and ``AveragePooling2D``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz.core import shapes
from cnnviz.core._checks import as_float_array, as_pair, check_image
from cnnviz.i18n import InputError

PoolOp = Literal["max", "average"]
UpsampleMethod = Literal["nearest", "bilinear", "bed_of_nails"]

POOL_OPS: tuple[str, ...] = ("max", "average")
"""Pooling operations, by the prefix of their Keras layer (``MaxPooling2D``...)."""


class PoolSettings(TypedDict, total=False):
    """The keyword arguments of :func:`pool2d`, :func:`pool_windows` and ``pool2d_trace``.

    Their defaults and checks are written once, in :func:`pool_windows`.
    """

    strides: int | Sequence[int] | None
    padding: Literal["valid", "same"]
    op: PoolOp


UPSAMPLE_METHODS: tuple[str, ...] = ("nearest", "bilinear", "bed_of_nails")
"""Upsampling methods: Keras' two ``UpSampling2D`` interpolations, and bed of nails."""

COURSE_EXAMPLE: tuple[tuple[int, ...], ...] = (
    (1, 1, 2, 4),
    (5, 6, 7, 8),
    (3, 2, 1, 0),
    (1, 2, 3, 4),
)
"""The course's pooling example (lecture slides, "max pool with 2x2 filters and stride 2"):
a 4×4 input whose 2×2 max pool with stride 2 is ``[[6, 8], [3, 4]]``."""


@dataclass(frozen=True)
class PoolWindows:
    """The padded input of a pooling layer and where each of its windows lies.

    Attributes
    ----------
    padded : ndarray, shape (Hp, Wp) or (Hp, Wp, C)
        The input with its padding, same rank as the input, float64. Padded
        cells hold ``-inf`` for max pooling (they never win) and ``0`` for
        average pooling (where :attr:`real` excludes them from the count).
    real : ndarray of bool, shape (Hp, Wp)
        True on cells that come from the input, False on padding.
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` cells of padding.
    pool_size, strides : (int, int)
        Window size and step, rows then columns.
    output_shape : tuple of int
        Shape of the pooled output, ``(Ho, Wo)`` or ``(Ho, Wo, C)``.
    op : {"max", "average"}
        The pooling operation the padding was filled for.
    """

    padded: np.ndarray
    real: np.ndarray
    pads: shapes.Pads2D
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    output_shape: tuple[int, ...]
    op: PoolOp

    def window(self, row: int, col: int) -> tuple[slice, slice]:
        """Return the rows and columns, in padded coordinates, of one output cell's window.

        Parameters
        ----------
        row, col : int
            Output cell, ``0 <= row < Ho`` and ``0 <= col < Wo``.

        Returns
        -------
        (slice, slice)
            Index :attr:`padded` and :attr:`real` with them; subtract the top
            and left pads to get input coordinates.

        Examples
        --------
        >>> w = pool_windows(np.arange(9).reshape(3, 3), 2, padding="same")
        >>> rows, cols = w.window(1, 1)
        >>> w.padded[rows, cols], w.real[rows, cols]
        (array([[  8., -inf], [-inf, -inf]]), array([[ True, False], [False, False]]))
        """
        out_rows, out_cols = self.output_shape[:2]
        if not (0 <= row < out_rows and 0 <= col < out_cols):
            raise IndexError(
                f"Output cell ({row}, {col}) is outside the {out_rows}x{out_cols} output."
            )
        top, left = row * self.strides[0], col * self.strides[1]
        return (slice(top, top + self.pool_size[0]), slice(left, left + self.pool_size[1]))


def _check_choice(value: object, choices: tuple[str, ...], key: str) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InputError(key, value=repr(value), expected=", ".join(f'"{c}"' for c in choices))
    return value


def _positive_pair(value: int | Sequence[int], name: str, key: str) -> tuple[int, int]:
    # shapes would also reject a pool below 1, but quoting it as "kernel_size".
    pair = as_pair(value, name)
    if min(pair) < 1:
        raise InputError(key, name=name, value=value)
    return pair


def pool_windows(
    x: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    *,
    strides: int | Sequence[int] | None = None,
    padding: Literal["valid", "same"] = "valid",
    op: PoolOp = "max",
) -> PoolWindows:
    r"""Validate a pooling's arguments and pad its input, ready to pool or to trace.

    Takes the same arguments as :func:`pool2d`, so a trace can be built from
    the very arguments given to it; their defaults and checks live here only.

    Parameters
    ----------
    x, pool_size, strides, padding
        As in :func:`pool2d`.
    op : {"max", "average"}, default "max"
        Decides what the padded cells hold (see :class:`PoolWindows`).

    Returns
    -------
    PoolWindows
        The padded input, a mask of its real cells, the pads and the output shape.

    Raises
    ------
    InputError
        For NaN or infinity, a wrong rank, a pool size or stride below 1, an
        unknown padding or operation, or a pool larger than the input with
        ``"valid"`` padding (key ``error.output_empty``).

    Notes
    -----
    With ``"same"`` padding the output has :math:`O = \lceil n / s \rceil`
    cells per axis and, for a pool of :math:`p` cells, the total padding is
    :math:`\max((O - 1)s + p - n, 0)`, :math:`\lfloor \cdot / 2 \rfloor` of it at the
    top/left.

    Examples
    --------
    >>> w = pool_windows(np.arange(9).reshape(3, 3), 2, padding="same", op="average")
    >>> w.pads, w.output_shape
    (((0, 1), (0, 1)), (2, 2))
    >>> w.padded
    array([[0., 1., 2., 0.], [3., 4., 5., 0.], [6., 7., 8., 0.], [0., 0., 0., 0.]])
    """
    op = _check_choice(op, POOL_OPS, "error.unknown_pool_op")
    pool = _positive_pair(pool_size, "pool_size", "error.below_one")
    stride = (
        pool if strides is None else _positive_pair(strides, "strides", "error.stride_below_one")
    )
    if not isinstance(padding, str) or padding not in ("valid", "same"):
        raise InputError("error.unknown_pool_padding", value=repr(padding))
    array = check_image(x)
    output_shape = shapes.pool_output_shape(array.shape, pool, strides=stride, padding=padding)
    pads = shapes.padding_amounts_2d(array.shape[:2], pool, strides=stride, padding=padding)
    widths = [pads[0], pads[1]] + [(0, 0)] * (array.ndim - 2)
    fill = -np.inf if op == "max" else 0.0
    padded = np.pad(array, widths, mode="constant", constant_values=fill)
    real = np.pad(np.ones(array.shape[:2], dtype=bool), list(pads), mode="constant")
    return PoolWindows(padded, real, pads, pool, stride, output_shape, op)


def _windows(padded: np.ndarray, pool: tuple[int, int], stride: tuple[int, int]) -> np.ndarray:
    """View every window of a padded array: (Hp, Wp, ...) -> (Ho, Wo, ..., p_r, p_c)."""
    view = sliding_window_view(padded, pool, axis=(0, 1))
    return view[:: stride[0], :: stride[1]]


def pool2d(
    x: np.ndarray, pool_size: int | Sequence[int] = 2, **settings: Unpack[PoolSettings]
) -> np.ndarray:
    r"""Pool an image or feature map, as ``MaxPooling2D`` / ``AveragePooling2D`` do.

    The keyword settings are checked, with their defaults, by :func:`pool_windows`,
    which :func:`cnnviz.core.trace.pool2d_trace` shares.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last; each channel is pooled on its own.
    pool_size : int or (int, int), default 2
        Window size.
    strides : int or (int, int), optional
        Step of the window; the pool size by default, as in Keras.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` pads as TensorFlow does, the extra cell at the bottom/right.
    op : {"max", "average"}, default "max"
        Keep each window's largest value, or the mean of its real cells.

    Returns
    -------
    ndarray, shape (Ho, Wo) or (Ho, Wo, C)
        float64, same rank as ``x``; see :func:`cnnviz.core.shapes.pool_output_shape`.

    Raises
    ------
    InputError
        See :func:`pool_windows`.

    Notes
    -----
    :math:`Y[i, j, c] = \max_{m, n} P[i s_r + m, j s_c + n, c]` for max, and
    :math:`Y[i, j, c] = \frac{1}{N_{ij}} \sum_{m, n} P[i s_r + m, j s_c + n, c]`
    for average, :math:`N_{ij}` being the number of real cells in the window
    (:math:`p_r p_c` unless ``"same"`` padding reaches into it).

    Examples
    --------
    The course's 2x2 max pool with stride 2:

    >>> x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> pool2d(x, 2)
    array([[6., 8.], [3., 4.]])
    >>> pool2d(x, 2, op="average")
    array([[3.25, 5.25], [2.  , 2.  ]])
    """
    return pool_from_windows(pool_windows(x, pool_size, **settings))


def pool_from_windows(windows: PoolWindows) -> np.ndarray:
    """Pool an input already validated and padded by :func:`pool_windows`.

    Parameters
    ----------
    windows : PoolWindows
        The padded input, its real cells, pool size, strides and operation.

    Returns
    -------
    ndarray, shape (Ho, Wo) or (Ho, Wo, C)
        Exactly :func:`pool2d` with the arguments ``windows`` was built from.

    Examples
    --------
    >>> pool_from_windows(pool_windows(np.arange(9).reshape(3, 3), 2, padding="same"))
    array([[4., 5.], [7., 8.]])
    """
    values = _windows(windows.padded, windows.pool_size, windows.strides)
    if windows.op == "max":
        return values.max(axis=(-2, -1))
    counts = _windows(windows.real, windows.pool_size, windows.strides).sum(axis=(-2, -1))
    if windows.padded.ndim == 3:
        counts = counts[..., None]
    return values.sum(axis=(-2, -1)) / counts


def global_pool2d(x: np.ndarray, *, op: PoolOp = "max") -> float | np.ndarray:
    r"""Reduce each channel to one number, as ``GlobalMaxPooling2D`` / ``GlobalAveragePooling2D``.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    op : {"max", "average"}, default "max"
        Keep each channel's largest value, or its mean.

    Returns
    -------
    float or ndarray, shape (C,)
        A float for an ``(H, W)`` input, one float64 per channel otherwise.

    Raises
    ------
    InputError
        For NaN or infinity, a wrong rank, or an unknown operation.

    Notes
    -----
    :math:`y_c = \max_{i, j} x[i, j, c]` or :math:`y_c = \frac{1}{H W} \sum_{i, j} x[i, j, c]`:
    a pool as large as the input, which turns a stack of feature maps into a
    vector whatever the image size.

    Examples
    --------
    >>> x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> global_pool2d(x), global_pool2d(x, op="average")
    (8.0, 3.125)
    >>> global_pool2d(np.dstack([x, 10 - x]), op="max")
    array([ 8., 10.])
    """
    op = _check_choice(op, POOL_OPS, "error.unknown_pool_op")
    array = check_image(x)
    result = array.max(axis=(0, 1)) if op == "max" else array.mean(axis=(0, 1))
    return float(result) if array.ndim == 2 else result


def _bilinear_axis(array: np.ndarray, factor: int, axis: int) -> np.ndarray:
    """Stretch one axis ``factor`` times by linear interpolation, half-pixel centres."""
    n = array.shape[axis]
    # Output cell o's centre lies at input coordinate (o + 1/2)/f - 1/2 (TensorFlow's
    # half_pixel_centers); clamping to [0, n - 1] repeats the edge values.
    source = np.clip((np.arange(n * factor) + 0.5) / factor - 0.5, 0, n - 1)
    lower = np.floor(source).astype(np.intp)
    upper = np.minimum(lower + 1, n - 1)
    shape = [1] * array.ndim
    shape[axis] = n * factor
    weight = (source - lower).reshape(shape)
    below, above = np.take(array, lower, axis=axis), np.take(array, upper, axis=axis)
    return below + (above - below) * weight


def upsample_kernel(method: UpsampleMethod, size: int | Sequence[int] = 2) -> np.ndarray:
    r"""Return the fixed kernel with which a transposed convolution upsamples like ``method``.

    Parameters
    ----------
    method : {"nearest", "bed_of_nails"}
        ``"bilinear"`` has no such kernel that matches Keras at the borders.
    size : int or (int, int), default 2
        The factor per axis, which is also the transposed convolution's stride.

    Returns
    -------
    ndarray, shape (s_r, s_c)
        Ones for ``"nearest"`` (each value copied over its block); a one at the
        top-left for ``"bed_of_nails"``. With ``strides=size`` and ``"valid"``
        padding, :func:`cnnviz.core.conv.conv2d_transpose` then gives exactly
        :func:`upsample2d`.

    Raises
    ------
    InputError
        For ``"bilinear"`` or an unknown method.

    Examples
    --------
    >>> upsample_kernel("bed_of_nails", 2)
    array([[1., 0.],
           [0., 0.]])
    """
    rows, cols = as_pair(size, "size")
    if method == "nearest":
        return np.ones((rows, cols))
    if method == "bed_of_nails":
        kernel = np.zeros((rows, cols))
        kernel[0, 0] = 1.0
        return kernel
    raise InputError("error.upsample_no_kernel", value=repr(method))


def upsample2d(
    x: np.ndarray,
    size: int | Sequence[int] = 2,
    *,
    method: UpsampleMethod = "nearest",
) -> np.ndarray:
    r"""Enlarge an image or feature map, as ``UpSampling2D`` does (plus bed of nails).

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last; each channel is enlarged on its own.
    size : int or (int, int), default 2
        Factor for rows and columns.
    method : {"nearest", "bilinear", "bed_of_nails"}, default "nearest"
        ``"nearest"`` repeats every value in an ``s_r x s_c`` block;
        ``"bilinear"`` blends the nearest input values, as
        ``UpSampling2D(interpolation="bilinear")`` (TensorFlow's ``tf.image.resize``,
        half-pixel centres, no antialiasing); ``"bed_of_nails"`` puts every value
        at the top-left of its block and zeros elsewhere.

    Returns
    -------
    ndarray, shape (H s_r, W s_c) or (H s_r, W s_c, C)
        float64, same rank as ``x``.

    Raises
    ------
    InputError
        For NaN or infinity, a wrong rank, a size below 1, or an unknown method.

    Notes
    -----
    Nearest: :math:`Y[i, j] = X[\lfloor i / s_r \rfloor, \lfloor j / s_c \rfloor]`.
    Bed of nails: :math:`Y[i s_r, j s_c] = X[i, j]`, zero elsewhere. Bilinear,
    per axis: output cell :math:`o` reads input coordinate
    :math:`u = \operatorname{clip}((o + \tfrac12)/s - \tfrac12,\ 0,\ n - 1)` and
    :math:`y_o = (1 - t)\,x_{\lfloor u \rfloor} + t\,x_{\min(\lfloor u \rfloor + 1,\, n - 1)}`
    with :math:`t = u - \lfloor u \rfloor`; rows then columns.
    TensorFlow computes :math:`u` in float32, so its results drift from these
    exact weights by about :math:`10^{-7}\,o\,|x_{k+1} - x_k|`.

    Examples
    --------
    >>> x = np.array([[1, 2], [3, 4]])
    >>> upsample2d(x, 2)
    array([[1., 1., 2., 2.], [1., 1., 2., 2.], [3., 3., 4., 4.], [3., 3., 4., 4.]])
    >>> upsample2d(x, 2, method="bed_of_nails")
    array([[1., 0., 2., 0.], [0., 0., 0., 0.], [3., 0., 4., 0.], [0., 0., 0., 0.]])
    >>> upsample2d(np.array([[0, 4]]), (1, 2), method="bilinear")
    array([[0., 1., 3., 4.]])
    """
    method = _check_choice(method, UPSAMPLE_METHODS, "error.unknown_upsample_method")
    rows, cols = _positive_pair(size, "size", "error.below_one")
    array = check_image(x)
    if method == "nearest":
        return np.repeat(np.repeat(array, rows, axis=0), cols, axis=1)
    if method == "bilinear":
        return _bilinear_axis(_bilinear_axis(array, rows, 0), cols, 1)
    out = np.zeros((array.shape[0] * rows, array.shape[1] * cols, *array.shape[2:]))
    out[::rows, ::cols] = array
    return out


# --- translation --------------------------------------------------------------------------


def shift_image(
    x: np.ndarray, shift: int | Sequence[int] = (0, 1), *, fill: float = 0.0
) -> np.ndarray:
    """Move an image's content by whole cells, keeping its shape.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    shift : int or (int, int), default (0, 1)
        Cells to move the content by, rows then columns: positive moves it
        down or right, negative up or left. An int moves both axes.
    fill : float, default 0.0
        Value of the cells the content leaves uncovered, at the opposite edge.

    Returns
    -------
    ndarray, shape (H, W) or (H, W, C)
        float64; the content that moves past the edge is dropped.

    Raises
    ------
    InputError
        For NaN or infinity, a wrong rank, or a shift that is not whole numbers.

    Notes
    -----
    :math:`Y[i, j] = X[i - r, j - c]` where that cell exists, ``fill`` elsewhere.

    Examples
    --------
    >>> shift_image(np.array([[1, 2, 3], [4, 5, 6]]), (0, 1))
    array([[0., 1., 2.], [0., 4., 5.]])
    >>> shift_image(np.array([[1, 2, 3], [4, 5, 6]]), (-1, 0), fill=9)
    array([[4., 5., 6.], [9., 9., 9.]])
    """
    rows, cols = as_pair(shift, "shift")
    array = check_image(x)
    fill = float(as_float_array(fill, "fill"))
    out = np.full(array.shape, fill)
    height, width = array.shape[:2]
    if abs(rows) >= height or abs(cols) >= width:
        return out

    def span(offset: int, length: int) -> tuple[slice, slice]:
        # (where the content lands, where it comes from) along one axis
        if offset >= 0:
            return slice(offset, length), slice(0, length - offset)
        return slice(0, length + offset), slice(-offset, length)

    (to_rows, from_rows), (to_cols, from_cols) = span(rows, height), span(cols, width)
    out[to_rows, to_cols] = array[from_rows, from_cols]
    return out


@dataclass(frozen=True)
class ShiftComparison:
    """A pooling of an input and of the same input shifted, side by side.

    Attributes
    ----------
    shift : (int, int)
        Cells the content moved, rows then columns.
    shifted : ndarray, shape (H, W) or (H, W, C)
        The shifted input (see :func:`shift_image`).
    before, after : ndarray, shape (Ho, Wo) or (Ho, Wo, C)
        The pooled input and the pooled shifted input.
    changed : ndarray of bool, shape (Ho, Wo)
        True on output cells whose value differs (in any channel) by more
        than rounding.
    """

    shift: tuple[int, int]
    shifted: np.ndarray
    before: np.ndarray
    after: np.ndarray
    changed: np.ndarray

    @property
    def count(self) -> int:
        """Number of output cells that changed."""
        return int(np.count_nonzero(self.changed))

    @property
    def total(self) -> int:
        """Number of output cells, ``Ho * Wo``."""
        return int(self.changed.size)


def compare_shifted(
    x: np.ndarray,
    shift: int | Sequence[int] = (0, 1),
    pool_size: int | Sequence[int] = 2,
    *,
    strides: int | Sequence[int] | None = None,
    padding: Literal["valid", "same"] = "valid",
    op: PoolOp = "max",
    fill: float = 0.0,
) -> ShiftComparison:
    r"""Pool an input and the same input shifted by a few cells, and count what changed.

    Max pooling is partly invariant to translation: a value that moves inside
    its window is still that window's maximum, so fewer pooled cells change
    than with average pooling, where any move changes the mean.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    shift : int or (int, int), default (0, 1)
        As in :func:`shift_image`.
    pool_size, strides, padding, op
        As in :func:`pool2d`.
    fill : float, default 0.0
        As in :func:`shift_image`.

    Returns
    -------
    ShiftComparison
        Both pooled maps and the cells that differ.

    Raises
    ------
    InputError
        Whatever :func:`shift_image` and :func:`pool2d` raise, before any work.

    Notes
    -----
    A cell counts as changed when :math:`|a - b| > 10^{-9} \max(|a|, |b|) + 10^{-12}`,
    so two sums of the same numbers in another order are equal.

    Examples
    --------
    The course's example moved one cell to the right: three of its four maxima change.

    >>> result = compare_shifted(np.array(COURSE_EXAMPLE), (0, 1), 2)
    >>> result.after, result.count, result.total
    (array([[5., 7.], [3., 3.]]), 3, 4)
    """
    pair = as_pair(shift, "shift")
    before = pool2d(x, pool_size, strides=strides, padding=padding, op=op)
    shifted = shift_image(x, pair, fill=fill)
    after = pool2d(shifted, pool_size, strides=strides, padding=padding, op=op)
    changed = ~np.isclose(before, after, rtol=1e-9, atol=1e-12)
    if changed.ndim == 3:
        changed = changed.any(axis=2)
    return ShiftComparison(pair, shifted, before, after, changed)
