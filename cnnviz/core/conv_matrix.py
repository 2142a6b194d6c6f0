r"""A 2-D convolution written as one sparse matrix: ``conv2d(x).ravel() == M @ x.ravel()``.

A convolution is linear in its input, so it *is* a matrix: one row per output
cell (and filter), one column per input cell (and channel). Each row holds the
kernel's weights at the columns of its window and nothing else (sparse
interactions), and every row holds the same few weights (parameter sharing):
for a 1-channel input and stride 1 the matrix is doubly block Toeplitz, and
with circular padding ("same", stride 1) doubly block circulant.

Its transpose is the transposed convolution (``Conv2DTranspose``); im2col
writes the same product the other way round, as windows times the kernel.

Notes
-----
Rows follow ``conv2d(x, kernel, ...).ravel()`` (row, column, then filter) and
columns follow ``x.ravel()`` (row, column, then channel), so

.. math:: \mathrm{conv2d}(x) = \phi(M\,\mathrm{vec}(x) + b)

with :math:`b` the bias of each row (:attr:`ConvMatrix.bias`) and :math:`\phi`
the activation: the matrix itself holds only the weights. A padded cell of
pad mode ``"zeros"`` multiplies a constant zero, so it has no column; with the
other modes a padded cell *is* a copy of an input cell, so its weight is added
onto that cell's column (the matrix is built by padding an array of cell
indices with the same mode as the image).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Unpack

import numpy as np
from scipy import sparse

from cnnviz.core import shapes
from cnnviz.core._checks import check_image, is_int
from cnnviz.core.conv import (
    ConvSettings,
    ConvSpec,
    conv2d,
    conv2d_transpose,
    conv_spec,
    pad2d,
)
from cnnviz.i18n import InputError

MAX_DRAWN_CELLS = 16_384
"""Most matrix cells (rows × columns) a page draws: 128 × 128, or an 8×8 input's 64
columns with up to 256 output rows (a 7×7 kernel with "full" padding gives 196)."""

MAX_SIDE = 64
"""Most rows, columns or channels of the input a matrix is built for at all."""

SEVERAL_TAPS = -1
"""The tap index of a matrix entry that sums several kernel weights: with a pad mode
other than zeros, two taps of one window can read copies of the same input cell."""


@dataclass(frozen=True, eq=False)
class ConvMatrix:
    """A convolution as a sparse matrix, with which kernel weight each entry is.

    Attributes
    ----------
    matrix : scipy.sparse.csr_array, shape (Ho*Wo*F, H*W*C), float64
        ``matrix @ x.ravel()`` is the convolution before bias and activation.
        Only entries under a window are stored (a weight that happens to be 0
        is stored too: it is a parameter the layer can learn).
    taps : scipy.sparse.csr_array, same shape and sparsity, int64
        Index into ``kernel.ravel()`` of each entry's weight, or
        :data:`SEVERAL_TAPS` where several weights add up (non-zero pad modes).
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        The kernel as applied (already flipped when ``flip=True``).
    bias : ndarray, shape (Ho*Wo*F,)
        The bias of each row, added after the product.
    input_shape, output_shape : tuple of int
        Of ``x`` and of ``conv2d(x, ...)``, which the columns and rows flatten.
    pads : ((int, int), (int, int))
        Cells of padding, ``((top, bottom), (left, right))``.
    padding : str or int or tuple
        The padding argument as given (``"same"``, ``1``...).
    strides, dilation_rate : (int, int)
        As resolved by :func:`cnnviz.core.conv.conv_spec`.
    pad_mode : str
        How padded cells were filled.
    """

    matrix: sparse.csr_array
    taps: sparse.csr_array
    kernel: np.ndarray
    bias: np.ndarray
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    pads: shapes.Pads2D
    padding: shapes.Padding2D
    strides: tuple[int, int]
    dilation_rate: tuple[int, int]
    pad_mode: str

    @property
    def shape(self) -> tuple[int, int]:
        """(int, int): rows (output values) and columns (input values)."""
        return self.matrix.shape


def _check_input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    """Read ``(H, W)`` or ``(H, W, C)``: whole numbers from 1 to MAX_SIDE (channels too)."""
    dims = tuple(input_shape) if isinstance(input_shape, Sequence) else ()
    valid = len(dims) in (2, 3) and all(is_int(n) and n >= 1 for n in dims)
    if not valid or max(dims) > MAX_SIDE:
        raise InputError("matrix.error.input_shape", shape=repr(input_shape), limit=MAX_SIDE)
    return tuple(int(n) for n in dims)


def _check_cells(rows: int | None, cols: int, max_cells: int | None) -> None:
    """Refuse a matrix with more than ``max_cells`` cells (rows unknown: columns alone)."""
    if max_cells is None:
        return
    if rows is None and cols > max_cells:
        raise InputError("matrix.error.too_many_columns", cols=cols, cap=max_cells)
    if rows is not None and rows * cols > max_cells:
        raise InputError(
            "matrix.error.too_large", rows=rows, cols=cols, cells=rows * cols, cap=max_cells
        )


def window_cells(
    input_hw: Sequence[int],
    pads: shapes.Pads2D,
    output_hw: Sequence[int],
    kernel_hw: Sequence[int],
    *,
    strides: Sequence[int] = (1, 1),
    dilation_rate: Sequence[int] = (1, 1),
    pad_mode: str = "zeros",
) -> np.ndarray:
    """Return which input cell each kernel tap of each window reads.

    Parameters
    ----------
    input_hw, output_hw, kernel_hw : (int, int)
        Rows and columns of the input, the output and the kernel.
    pads : ((int, int), (int, int))
        Padding, as :func:`cnnviz.core.shapes.padding_amounts_2d` gives it.
    strides, dilation_rate : (int, int)
        Resolved pairs.
    pad_mode : str
        As in :func:`cnnviz.core.conv.pad2d`.

    Returns
    -------
    ndarray, shape (Ho, Wo, kh, kw), int64
        ``row * W + col`` of the input cell under tap ``(m, n)`` of window
        ``(i, j)``; -1 for a zero-padded cell.

    Examples
    --------
    >>> window_cells((1, 3), ((0, 0), (1, 1)), (1, 3), (1, 3), pad_mode="circular")[0, :, 0]
    array([[2, 0, 1],
           [0, 1, 2],
           [1, 2, 0]])
    """
    rows, cols = int(input_hw[0]), int(input_hw[1])
    # Pad the cell numbers (shifted by one) exactly as the image is padded: a
    # reflected, replicated or wrapped cell carries its source's number, a
    # zero-padded one 0, which becomes -1.
    cells = pad2d(np.arange(1, rows * cols + 1).reshape(rows, cols), pads, pad_mode=pad_mode) - 1
    down = (np.arange(output_hw[0]) * strides[0])[:, None] + np.arange(
        kernel_hw[0]
    ) * dilation_rate[0]
    across = (np.arange(output_hw[1]) * strides[1])[:, None] + (
        np.arange(kernel_hw[1]) * dilation_rate[1]
    )
    return cells[down[:, None, :, None], across[None, :, None, :]]


def _spec_windows(input_hw: Sequence[int], spec: ConvSpec) -> np.ndarray:
    """:func:`window_cells` of a resolved convolution."""
    return window_cells(
        input_hw,
        spec.pads,
        spec.output_hw,
        spec.kernel.shape[:2],
        strides=spec.strides,
        dilation_rate=spec.dilation_rate,
        pad_mode=spec.pad_mode,
    )


def _entries(
    windows: np.ndarray, kernel: np.ndarray, channels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Row, column and tap of every (window, tap, channel, filter) that reads an input cell."""
    out_h, out_w, kh, kw = windows.shape
    position = np.arange(out_h * out_w).reshape(out_h, out_w, 1, 1, 1, 1)
    tap = np.arange(kh * kw).reshape(1, 1, kh, kw, 1, 1)
    cell = windows[..., None, None]
    channel = np.arange(channels).reshape(1, 1, 1, 1, -1, 1)
    if kernel.ndim == 2:  # one filter on every channel separately: output channel c reads c only
        per_cell, row, tap_index = channels, position * channels + channel, tap + 0 * channel
    else:
        filters = kernel.shape[3] if kernel.ndim == 4 else 1
        f = np.arange(filters).reshape(1, 1, 1, 1, 1, -1)
        per_cell, row, tap_index = (
            filters,
            position * filters + f,
            (tap * channels + channel) * filters + f,
        )
    row, col, tap_index, cell = np.broadcast_arrays(row, cell * channels + channel, tap_index, cell)
    keep = cell >= 0
    return row[keep], col[keep], tap_index[keep], per_cell


def _csr(
    shape: tuple[int, int], row: np.ndarray, col: np.ndarray, tap: np.ndarray, weights: np.ndarray
) -> tuple[sparse.csr_array, sparse.csr_array]:
    """Sum the entries that share a cell; return the matrix and its tap index, sorted CSR."""
    key = row.astype(np.int64) * shape[1] + col
    unique, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    values = np.bincount(inverse, weights=weights[tap], minlength=unique.size)
    taps = np.where(counts == 1, tap[first], SEVERAL_TAPS).astype(np.int64)
    # np.unique sorts the keys row-major: exactly the order CSR stores entries in.
    indices = (unique % shape[1]).astype(np.int64)
    indptr = np.searchsorted(unique // shape[1], np.arange(shape[0] + 1))
    return (
        sparse.csr_array((values, indices, indptr), shape=shape),
        sparse.csr_array((taps, indices.copy(), indptr.copy()), shape=shape),
    )


def conv_matrix(
    input_shape: Sequence[int],
    kernel: np.ndarray,
    *,
    max_cells: int | None = None,
    **settings: Unpack[ConvSettings],
) -> ConvMatrix:
    r"""Build the sparse matrix of a 2-D convolution for inputs of one shape.

    Parameters
    ----------
    input_shape : (H, W) or (H, W, C)
        The input's shape; sides up to :data:`MAX_SIDE`.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        As :func:`cnnviz.core.conv.conv2d` takes it.
    max_cells : int, optional
        Refuse a matrix of more cells (rows × columns) than this, before any
        work: :data:`MAX_DRAWN_CELLS` for a matrix to draw.
    **settings
        ``strides``, ``padding``, ``dilation_rate``, ``pad_mode``, ``flip``,
        ``bias``, ``activation``: exactly as :func:`cnnviz.core.conv.conv2d`
        (the bias goes to :attr:`ConvMatrix.bias`; the activation is not linear,
        so it is left to the caller).

    Returns
    -------
    ConvMatrix
        ``matrix`` of shape ``(Ho*Wo*F, H*W*C)`` (``F`` = ``C`` for a 2-D
        kernel, 1 for a 3-D one), its ``taps`` and the resolved settings.

    Raises
    ------
    InputError
        For a bad shape, anything :func:`cnnviz.core.conv.conv_spec` refuses,
        or more cells than ``max_cells`` (naming the sizes and the cap).

    Notes
    -----
    :math:`M[(i W_o + j) F + f,\ (r W + c) C + ch] = \sum K[m, n, ch, f]` over the
    taps :math:`(m, n)` of window :math:`(i, j)` that read input cell
    :math:`(r, c)` (one tap, except where padding copies a cell).

    Examples
    --------
    A 3x3 input and a 2x2 kernel: four windows, four rows of the same four weights.

    >>> cm = conv_matrix((3, 3), [[1, 2], [3, 4]])
    >>> cm.matrix.toarray().astype(int)
    array([[1, 2, 0, 3, 4, 0, 0, 0, 0],
           [0, 1, 2, 0, 3, 4, 0, 0, 0],
           [0, 0, 0, 1, 2, 0, 3, 4, 0],
           [0, 0, 0, 0, 1, 2, 0, 3, 4]])
    >>> cm.taps.data[:4]  # row 0's entries are weights 0, 1, 2, 3 of kernel.ravel()
    array([0, 1, 2, 3])
    """
    dims = _check_input_shape(input_shape)
    channels = dims[2] if len(dims) == 3 else 1
    _check_cells(None, dims[0] * dims[1] * channels, max_cells)
    spec = conv_spec(np.zeros(dims), kernel, **settings)
    kernel = spec.kernel
    per_cell = kernel.shape[3] if kernel.ndim == 4 else (channels if kernel.ndim == 2 else 1)
    rows, cols = spec.output_hw[0] * spec.output_hw[1] * per_cell, dims[0] * dims[1] * channels
    _check_cells(rows, cols, max_cells)
    windows = _spec_windows(dims[:2], spec)
    row, col, tap, _ = _entries(windows, kernel, channels)
    matrix, taps = _csr((rows, cols), row, col, tap, kernel.ravel())
    # conv2d's own output shapes: a map per filter, per channel (2-D kernel), or one map.
    keeps_maps = kernel.ndim == 4 or (kernel.ndim == 2 and len(dims) == 3)
    output_shape = (*spec.output_hw, per_cell) if keeps_maps else spec.output_hw
    bias = np.tile(spec.bias, rows // spec.bias.size)
    return ConvMatrix(
        matrix=matrix,
        taps=taps,
        kernel=kernel,
        bias=bias,
        input_shape=dims,
        output_shape=tuple(output_shape),
        pads=spec.pads,
        padding=settings.get("padding", "valid"),
        strides=spec.strides,
        dilation_rate=spec.dilation_rate,
        pad_mode=spec.pad_mode,
    )


def im2col(
    image: np.ndarray, kernel_size: int | Sequence[int], **settings: Unpack[ConvSettings]
) -> np.ndarray:
    r"""Lay every window of an image out as a row: the convolution becomes one matrix product.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        The input.
    kernel_size : int or (int, int)
        The kernel's rows and columns.
    **settings
        ``strides``, ``padding``, ``dilation_rate``, ``pad_mode``, as in
        :func:`cnnviz.core.conv.conv2d`.

    Returns
    -------
    ndarray, shape (Ho*Wo, kh*kw*C), float64
        Row ``i * Wo + j`` holds window ``(i, j)`` in the order of
        ``kernel[:, :, :].ravel()``, so ``im2col(x, k) @ K.reshape(-1, F)`` is
        ``conv2d(x, K).reshape(-1, F)`` for a ``(kh, kw, C, F)`` kernel ``K``.

    Notes
    -----
    The transpose view of the same product: :func:`conv_matrix` repeats the
    kernel along the rows of a big sparse matrix, im2col repeats the input's
    cells along the rows of a dense one (each cell appears in up to
    :math:`k_h k_w` windows).

    Examples
    --------
    >>> im2col(np.arange(9.0).reshape(3, 3), 2)
    array([[0., 1., 3., 4.],
           [1., 2., 4., 5.],
           [3., 4., 6., 7.],
           [4., 5., 7., 8.]])
    """
    kernel = np.zeros(shapes.as_pair(kernel_size, "kernel_size"))
    spec = conv_spec(image, kernel, **settings)
    source = spec.padded if spec.padded.ndim == 3 else spec.padded[..., None]
    height, width = np.shape(image)[:2]
    windows = _spec_windows((height, width), spec)
    # Cell -1 (zero padding) reads the extra row of zeros appended at the end.
    cells = np.concatenate(
        [
            np.asarray(image, dtype=np.float64).reshape(height * width, source.shape[2]),
            np.zeros((1, source.shape[2])),
        ]
    )
    return cells[windows].reshape(windows.shape[0] * windows.shape[1], -1)


@dataclass(frozen=True)
class MatrixCounts:
    """How sparse and how shared a convolution's matrix is, against a dense layer.

    Attributes
    ----------
    rows, cols : int
        Output values and input values (the dense layer's units and inputs).
    nonzeros : int
        Stored entries: window taps that land on the input (not on zero padding).
    density : float
        ``nonzeros / (rows * cols)``.
    distinct_weights : int
        Different kernel weights among the entries (parameter sharing: each
        one is repeated about ``nonzeros / distinct_weights`` times).
    conv_params, dense_params : int
        Trainable parameters (with biases) of the convolution and of a dense
        layer from the same input to the same output.
    conv_macs, dense_macs : int
        Multiply-accumulates per input: every tap of every window (padding
        included, as the layer computes it) against one per matrix cell.
    """

    rows: int
    cols: int
    nonzeros: int
    density: float
    distinct_weights: int
    conv_params: int
    dense_params: int
    conv_macs: int
    dense_macs: int


def matrix_counts(cm: ConvMatrix) -> MatrixCounts:
    """Count a :class:`ConvMatrix`'s entries, weights, parameters and MACs.

    Parameters
    ----------
    cm : ConvMatrix
        From :func:`conv_matrix`.

    Returns
    -------
    MatrixCounts
        With the parameters and MACs of :mod:`cnnviz.core.shapes`
        (``conv_params``, ``dense_params``, ``conv_macs``).

    Examples
    --------
    A 6x6 input and a 3x3 kernel: 16 rows of 9 weights, 9 parameters (+ bias).

    >>> c = matrix_counts(conv_matrix((6, 6), np.ones((3, 3))))
    >>> c.rows, c.cols, c.nonzeros, round(c.density, 4), c.distinct_weights
    (16, 36, 144, 0.25, 9)
    >>> c.conv_params, c.dense_params, c.conv_macs, c.dense_macs
    (10, 592, 144, 576)
    """
    rows, cols = cm.shape
    channels = cm.input_shape[2] if len(cm.input_shape) == 3 else 1
    kernel_hw = cm.kernel.shape[:2]
    if cm.kernel.ndim == 2:  # one kernel, shared by every channel: (kh, kw, 1, 1)
        params = shapes.conv_params(kernel_hw, 1, 1)
        macs = shapes.conv_macs(cm.output_shape[:2], kernel_hw, 1, channels)
    else:
        filters = cm.kernel.shape[3] if cm.kernel.ndim == 4 else 1
        params = shapes.conv_params(kernel_hw, channels, filters)
        macs = shapes.conv_macs(cm.output_shape[:2], kernel_hw, channels, filters)
    taps = cm.taps.data
    return MatrixCounts(
        rows=rows,
        cols=cols,
        nonzeros=int(cm.matrix.nnz),
        density=cm.matrix.nnz / (rows * cols),
        distinct_weights=int(np.unique(taps[taps != SEVERAL_TAPS]).size),
        conv_params=params,
        dense_params=shapes.dense_params(cols, rows),
        conv_macs=macs,
        dense_macs=rows * cols,
    )


@dataclass(frozen=True)
class MatrixProduct:
    """``M x`` reshaped as the output, next to ``conv2d(x)`` and their largest difference.

    Attributes
    ----------
    by_matrix, by_conv2d : ndarray, shape ``cm.output_shape``
        The product, and :func:`cnnviz.core.conv.conv2d` with the same
        settings (both before bias and activation).
    max_difference : float
        Largest absolute difference: rounding only (0 or about 1e-15).
    """

    by_matrix: np.ndarray
    by_conv2d: np.ndarray
    max_difference: float


def matrix_product(cm: ConvMatrix, x: np.ndarray) -> MatrixProduct:
    """Multiply an input by the matrix and check the result against ``conv2d``.

    Parameters
    ----------
    cm : ConvMatrix
        From :func:`conv_matrix`.
    x : ndarray, shape ``cm.input_shape``
        The input.

    Returns
    -------
    MatrixProduct
        Both results and their largest difference.

    Raises
    ------
    InputError
        If ``x`` does not have ``cm.input_shape``, or is not finite numbers.

    Examples
    --------
    >>> p = matrix_product(conv_matrix((3, 3), [[1, 2], [3, 4]]), np.arange(9).reshape(3, 3))
    >>> p.by_matrix, p.max_difference
    (array([[27., 37.],
           [57., 67.]]), 0.0)
    """
    x = check_image(x, "x")
    if x.shape != tuple(cm.input_shape):
        raise InputError("matrix.error.x_shape", shape=x.shape, expected=tuple(cm.input_shape))
    by_matrix = (cm.matrix @ x.ravel()).reshape(cm.output_shape)
    by_conv2d = conv2d(
        x,
        cm.kernel,
        strides=cm.strides,
        padding=cm.pads,
        dilation_rate=cm.dilation_rate,
        pad_mode=cm.pad_mode,
    )
    return MatrixProduct(by_matrix, by_conv2d, float(np.max(np.abs(by_matrix - by_conv2d))))


def keras_transpose_padding(cm: ConvMatrix) -> str | None:
    """Return the ``Conv2DTranspose`` padding that undoes ``cm``'s shapes, if a layer has one.

    Parameters
    ----------
    cm : ConvMatrix
        From :func:`conv_matrix`.

    Returns
    -------
    {"valid", "same"} or None
        ``cm.padding`` when it is one of those, with no dilation, zero padding
        and one kernel per filter (not a 2-D kernel on several channels);
        otherwise None: no Keras layer has that transpose.
    """
    depthwise = cm.kernel.ndim == 2 and len(cm.input_shape) == 3
    simple = cm.dilation_rate == (1, 1) and cm.pad_mode == "zeros" and not depthwise
    return cm.padding if simple and cm.padding in ("valid", "same") else None


def transpose_agrees(
    input_hw: Sequence[int], kernel_hw: Sequence[int], strides: Sequence[int], padding: str
) -> bool:
    r"""Tell whether ``M.T @ y`` equals Keras' ``Conv2DTranspose`` of ``y``, cell for cell.

    Parameters
    ----------
    input_hw, kernel_hw, strides : (int, int)
        The forward convolution's input size, kernel size and strides.
    padding : {"valid", "same"}
        Its padding (zeros, no dilation).

    Returns
    -------
    bool
        Whether the layer maps the output's size back to exactly ``input_hw``
        (:func:`cnnviz.core.shapes.conv_transpose_output_length`); then every
        cell agrees. ``"valid"``: when :math:`(H - k_h) \bmod s_r = 0` for
        :math:`k_h \ge s_r`, when :math:`H = H_o s_r` for :math:`k_h < s_r`, and
        the same across. Otherwise the two overlap from the top-left corner and
        agree there, and the longer one is zeros past it: ``M^T y`` has the
        input's last rows the forward windows never reached, or the layer has
        the gap after its last kernel. ``"same"``: when :math:`H \bmod s_r = 0`
        and the same across (always for stride 1); otherwise the layer gives
        :math:`\lceil H / s_r \rceil s_r` rows, more than :math:`H`, cropped differently.

    Examples
    --------
    >>> [transpose_agrees((6, 6), (3, 3), (s, s), "valid") for s in (1, 2)]
    [True, False]
    >>> [transpose_agrees((n, 6), (3, 3), (2, 2), "same") for n in (6, 7)]
    [True, False]
    """
    return all(
        shapes.conv_transpose_output_length(
            shapes.conv_output_length(n, k, strides=s, padding=padding),
            k,
            strides=s,
            padding=padding,
        )
        == n
        for n, k, s in zip(input_hw, kernel_hw, strides, strict=True)
    )


@dataclass(frozen=True)
class TransposedConv:
    """``M^T y`` next to the ``Conv2DTranspose`` that is meant to compute it.

    Attributes
    ----------
    by_matrix : ndarray, shape ``cm.input_shape``
        ``(M.T @ y.ravel())`` reshaped as the forward input: the transpose
        maps an output-shaped array back to the input's shape.
    keras : ndarray or None
        :func:`cnnviz.core.conv.conv2d_transpose` of ``y`` with the same
        kernel array (Keras' layout ``(kh, kw, filters, C_in)`` is the forward
        ``(kh, kw, C, F)`` read backwards), strides and padding; None when
        :func:`keras_transpose_padding` finds no such layer.
    keras_padding : str or None
        The padding used.
    agrees : bool
        Same shape and the same values.
    max_difference : float or None
        Largest absolute difference, when the shapes are the same.
    """

    by_matrix: np.ndarray
    keras: np.ndarray | None
    keras_padding: str | None
    agrees: bool
    max_difference: float | None


def transposed_conv(cm: ConvMatrix, y: np.ndarray) -> TransposedConv:
    """Apply ``M^T`` to an output-shaped array and compare with ``Conv2DTranspose``.

    Parameters
    ----------
    cm : ConvMatrix
        From :func:`conv_matrix`.
    y : ndarray, shape ``cm.output_shape``
        What the transposed convolution takes: an array shaped as the forward output.

    Returns
    -------
    TransposedConv
        Both results and whether they agree.

    Raises
    ------
    InputError
        If ``y`` does not have ``cm.output_shape``.

    Examples
    --------
    >>> cm = conv_matrix((3, 3), [[1, 2], [3, 4]])
    >>> t = transposed_conv(cm, np.ones((2, 2)))
    >>> t.by_matrix.astype(int), t.agrees, t.max_difference
    (array([[ 1,  3,  2],
           [ 4, 10,  6],
           [ 3,  7,  4]]), True, 0.0)
    """
    y = np.asarray(y, dtype=np.float64)
    if y.shape != tuple(cm.output_shape):
        raise InputError("matrix.error.y_shape", shape=y.shape, expected=tuple(cm.output_shape))
    by_matrix = (cm.matrix.T @ y.ravel()).reshape(cm.input_shape)
    padding = keras_transpose_padding(cm)
    if padding is None:
        return TransposedConv(by_matrix, None, None, False, None)
    bank = cm.kernel if cm.kernel.ndim == 4 else cm.kernel.reshape(*cm.kernel.shape[:2], -1, 1)
    keras = conv2d_transpose(y.reshape(*y.shape[:2], -1), bank, strides=cm.strides, padding=padding)
    keras = keras.reshape(*keras.shape[:2], *by_matrix.shape[2:])
    if keras.shape != by_matrix.shape:
        return TransposedConv(by_matrix, keras, padding, False, None)
    difference = float(np.max(np.abs(keras - by_matrix)))
    agrees = bool(np.allclose(keras, by_matrix, rtol=1e-12, atol=1e-9))
    return TransposedConv(by_matrix, keras, padding, agrees, difference)
