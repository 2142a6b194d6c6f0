r"""Step-by-step traces of convolution and pooling: the animation's frames and the cell inspector.

A trace is built once from the very arguments of :func:`cnnviz.core.conv.conv2d`,
:func:`cnnviz.core.conv.conv1d` or :func:`cnnviz.core.pooling.pool2d`. Their
one resolver (:func:`cnnviz.core.conv.conv_spec`, :func:`cnnviz.core.conv.conv1d_spec`
or :func:`cnnviz.core.pooling.pool_windows`) validates them and pads the input
once; the trace keeps that padded input and computes the whole output from it,
vectorised, exactly as the convolution or pooling does. A *step* (one output
cell: its window, weights, products and sum) is built only when asked for, by
slicing the padded input, in time and memory proportional to the window. A
trace of a 1024x1024 image therefore costs about as much as the convolution
itself, not a million objects.

This module holds the 2-D convolution traces and re-exports the others, so
that every trace is importable from here: 1-D convolution in
:mod:`cnnviz.core.signal_trace`, pooling in :mod:`cnnviz.core.pool_trace`,
the formula text in :mod:`cnnviz.core.formula`.

Notes
-----
**Step order.** Steps run row-major over the output cells. When the output
has a last axis of feature maps (the filters of a 4-D kernel bank, or the
channels of a multi-channel image that a 2-D kernel is applied to one by one,
or the channels of a pooled feature map), that axis is the *outermost* loop,
so an animation plays one feature map at a time:

.. math:: i = (f\,H_o + r)\,W_o + c

for step :math:`i` of output cell :math:`(r, c)` of map :math:`f`.

**Coordinates.** A step's ``rows``, ``cols``, ``top_left`` and ``winner`` are
indices into the *padded* input (:attr:`ConvTrace.padded`); subtract the top
and left pads (:attr:`ConvTrace.pads`) to get image coordinates. Window cell
:math:`(m, n)` of output cell :math:`(r, c)` lies at padded row
:math:`r s_r + m d_r` and column :math:`c s_c + n d_c`.

**Formulas.** :meth:`ConvStep.formula` writes the sum as the course does,
``0·1 + 5·(−2) + ... = 6``: value times weight, the true minus sign, negative
factors in parentheses, the decimal comma in Spanish (via
:func:`cnnviz.i18n.format_number`), and the bias as a last term when it is not
zero. :meth:`ConvStep.formula_lines` gives every line a panel shows: the
per-channel sums of a multi-channel filter, the sum, and the activation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Unpack

import numpy as np

from cnnviz.core import conv, shapes
from cnnviz.core._checks import as_float_array, as_pair
from cnnviz.core._steps import (
    ArrayFieldsEq,
    GridTrace,
    Layout,
    MapAxis,
    frozen,
    padding_masks,
)
from cnnviz.core.formula import channels_first, number, operand, products
from cnnviz.core.pool_trace import PoolStep, PoolTrace, pool2d_trace
from cnnviz.core.signal_trace import Conv1DStep, Conv1DTrace, conv1d_trace
from cnnviz.i18n import InputError, get_language, t

__all__ = [
    "Conv1DStep",
    "Conv1DTrace",
    "ConvStep",
    "ConvTrace",
    "MapAxis",
    "PoolStep",
    "PoolTrace",
    "conv1d_trace",
    "conv2d_trace",
    "conv2d_transpose_trace",
    "pool2d_trace",
]


@dataclass(frozen=True, slots=True, eq=False)
class ConvStep(ArrayFieldsEq):
    r"""One output cell of a 2-D convolution: its window, weights, products and sum.

    Attributes
    ----------
    index : int
        Step number (see the module's Notes for the order).
    row, col : int
        Output cell.
    filter : int or None
        Index on the output's last axis: the filter of a 4-D kernel bank, or the
        channel when a 2-D kernel is applied to each channel of an image; None
        when the output has no such axis.
    rows, cols : tuple of int, lengths kh and kw
        The window's rows and columns in padded coordinates (dilation-aware).
    top_left : (int, int)
        The window's first cell in padded coordinates.
    values : ndarray, shape (kh, kw) or (kh, kw, C)
        The padded input under the window; ``(kh, kw, C)`` for a 3-D or 4-D kernel.
    weights : ndarray, shape as values
        The kernel actually applied (already flipped when ``flip=True``).
    products : ndarray, shape as values
        ``values * weights``.
    is_padding : ndarray of bool, shape (kh, kw)
        True on window cells outside the original image (padding).
    bias : float
        The filter's bias.
    total : float
        The sum of the products plus the bias, before the activation.
    activated : float
        The activation of ``total``: exactly ``trace.output[step.cell]``.
    activation : str
        Keras name of the activation (``"linear"`` when there is none).
    channel_totals : ndarray, shape (C,), or None
        Each input channel's part of the sum (an RGB filter's R, G and B parts),
        for a 3-D or 4-D kernel; None for a 2-D kernel. Each part adds its
        products one at a time in row-major order.

    Notes
    -----
    :math:`total = b + \sum_{m, n, c} values[m, n, c]\, weights[m, n, c]` and
    :math:`activated = \phi(total)`. ``total`` is the convolution's own number
    (:func:`cnnviz.core.conv.conv2d`, without activation), so ``activated`` equals the
    output cell exactly. For a 2-D kernel conv adds the products one at a time in
    row-major order, so ``total`` equals that sequential sum plus the bias
    exactly; for a 3-D or 4-D kernel conv uses a matrix product, whose order of
    additions is the BLAS library's, so ``total`` may differ from
    ``products.sum() + bias`` in the last bits.
    """

    index: int
    row: int
    col: int
    filter: int | None
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    top_left: tuple[int, int]
    values: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    is_padding: np.ndarray
    bias: float
    total: float
    activated: float
    activation: str
    channel_totals: np.ndarray | None

    @property
    def cell(self) -> tuple[int, ...]:
        """The output cell as an index into ``trace.output``: ``(row, col[, filter])``."""
        return (self.row, self.col) if self.filter is None else (self.row, self.col, self.filter)

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:
        """Write the sum: ``value·weight + ... [+ bias] = total``.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default (decimal comma in Spanish).
        digits : int, default 3
            Decimals kept at most for each number.

        Returns
        -------
        str
            One line; for a multi-channel window the products run channel by
            channel. The bias appears as a last term when it is not zero.

        Examples
        --------
        >>> step = conv2d_trace([[1, 2], [3, 4]], [[1, -1]], bias=0.5).step(0)
        >>> step.formula("en"), step.formula("es", digits=1)
        ('1·1 + 2·(−1) + 0.5 = −0.5', '1·1 + 2·(−1) + 0,5 = −0,5')
        """
        lang = lang or get_language()
        values, weights = channels_first(self.values), channels_first(self.weights)
        terms = [products(values, weights, lang, digits)]
        if self.bias:
            terms.append(operand(self.bias, lang, digits))
        return f"{' + '.join(terms)} = {number(self.total, lang, digits)}"

    def activation_formula(self, lang: str | None = None, *, digits: int = 3) -> str | None:
        """Write the activation, ``relu(−0.5) = 0``, or None when there is none.

        Parameters
        ----------
        lang, digits
            As in :meth:`formula`.

        Returns
        -------
        str or None
            ``name(total) = activated``; None for a linear activation.

        Examples
        --------
        >>> conv2d_trace([[1, 2]], [[1, -1]], activation="relu").step(0).activation_formula("es")
        'relu(−1) = 0'
        """
        if self.activation == "linear":
            return None
        lang = lang or get_language()
        total, activated = number(self.total, lang, digits), number(self.activated, lang, digits)
        return f"{self.activation}({total}) = {activated}"

    def formula_lines(self, lang: str | None = None, *, digits: int = 3) -> list[str]:
        """Write every line an "inspect a cell" panel shows, in order.

        Parameters
        ----------
        lang, digits
            As in :meth:`formula` (and :meth:`activation_formula`).

        Returns
        -------
        list of str
            For a filter over several channels, one line per channel
            (``channel 0: ... = part``) and then the parts added up with the
            bias; otherwise :meth:`formula`. Then :meth:`activation_formula`,
            if any.

        Examples
        --------
        >>> x = np.dstack([[[1, 2]], [[3, 4]]])  # a 1x2 image with 2 channels
        >>> k = np.dstack([[[1, 1]], [[0, -1]]])  # one 1x2 filter over both
        >>> for line in conv2d_trace(x, k, bias=1).step(0).formula_lines("en"):
        ...     print(line)
        channel 0: 1·1 + 2·1 = 3
        channel 1: 3·0 + 4·(−1) = −4
        3 + (−4) + 1 = 0
        """
        lang = lang or get_language()
        parts = self.channel_totals
        if parts is None or parts.size == 1:
            lines = [self.formula(lang, digits=digits)]
        else:
            lines = [
                f"{t('trace.channel', lang=lang, index=channel)}: "
                f"{products(self.values[..., channel], self.weights[..., channel], lang, digits)}"
                f" = {number(part, lang, digits)}"
                for channel, part in enumerate(parts.tolist())
            ]
            terms = [operand(part, lang, digits) for part in parts.tolist()]
            if self.bias:
                terms.append(operand(self.bias, lang, digits))
            lines.append(f"{' + '.join(terms)} = {number(self.total, lang, digits)}")
        activation = self.activation_formula(lang, digits=digits)
        return lines if activation is None else [*lines, activation]


@dataclass(frozen=True, slots=True, eq=False)
class ConvTrace(GridTrace):
    r"""A 2-D convolution, ready to be replayed step by step. Build it with :func:`conv2d_trace`.

    Attributes
    ----------
    padded : ndarray, shape (H + top + bottom, W + left + right[, C])
        The input with its padding, filled by ``pad_mode``; read-only.
    kernel, bias, pads, strides, dilation_rate, pad_mode, flip, activation
        The resolved settings, as in :class:`cnnviz.core.conv.ConvSpec`: the
        kernel as applied (flipped when ``flip=True``), one bias per filter,
        ``((top, bottom), (left, right))`` pads, and ``(rows, cols)`` pairs.
    totals : ndarray, shape as output
        The output before the activation.
    output : ndarray, shape (Ho, Wo), (Ho, Wo, C) or (Ho, Wo, F)
        The whole result, identical to :func:`cnnviz.core.conv.conv2d` with the same arguments.

    Notes
    -----
    ``len(trace)`` is ``output.size``. Steps are built on demand by
    :meth:`step` and :meth:`step_at`, in time proportional to the window;
    iterating over the trace builds them one at a time.

    Examples
    --------
    >>> trace = conv2d_trace(np.arange(9).reshape(3, 3), np.ones((2, 2)))
    >>> len(trace), trace.step(3).cell, trace.step(3).rows, trace.step(3).total
    (4, (1, 1), (1, 2), 24.0)
    """

    padded: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    pads: shapes.Pads2D
    strides: tuple[int, int]
    dilation_rate: tuple[int, int]
    pad_mode: str
    flip: bool
    activation: str
    totals: np.ndarray
    output: np.ndarray
    # Precomputed once so that a step only slices.
    _layout: Layout = field(init=False, repr=False)
    _padded3: np.ndarray = field(init=False, repr=False)
    _bank: np.ndarray = field(init=False, repr=False)
    _span: tuple[int, int] = field(init=False, repr=False)
    _row_pad: np.ndarray = field(init=False, repr=False)
    _col_pad: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        kernel = self.kernel
        out = self.output
        if kernel.ndim == 2:
            axis: MapAxis = "channel" if out.ndim == 3 else None
        else:
            axis = "filter" if kernel.ndim == 4 else None
        derived = {
            "_layout": Layout(out.shape[0], out.shape[1], out.shape[2] if axis else 1, axis),
            "_padded3": self.padded if self.padded.ndim == 3 else self.padded[..., None],
            # A 2-D kernel is used as is; a 3-D one is a bank of one filter.
            "_bank": kernel[..., None] if kernel.ndim == 3 else kernel,
            "_span": tuple(
                (k - 1) * d + 1 for k, d in zip(kernel.shape[:2], self.dilation_rate, strict=True)
            ),
        }
        derived["_row_pad"], derived["_col_pad"] = padding_masks(self.padded.shape[:2], self.pads)
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def map_axis(self) -> MapAxis:
        """What the output's last axis holds: ``"filter"``, ``"channel"`` or None (no such axis)."""
        return self._layout.axis

    @property
    def overflowed(self) -> bool:
        """Whether some sum went beyond float64 (±∞, or NaN from ∞ − ∞).

        The inputs are finite (:func:`conv2d_trace` checks them), so a
        non-finite sum means the numbers were too large, not that they were
        missing. Checks the sums before the activation: ``sigmoid`` turns an
        infinite sum into a finite 1. The trace computes without NumPy's
        overflow warnings: this says it, and a page says it to the student.

        Examples
        --------
        >>> conv2d_trace([[1e308, 1e308]], [[10.0, 1.0]]).overflowed
        True
        >>> conv2d_trace([[1e100, 1e100]], [[1e100, -1e100]]).overflowed
        False
        """
        return not bool(np.isfinite(self.totals).all())

    def index_of(self, row: int, col: int, filter: int | None = None) -> int:
        """Return the step number of an output cell; see :meth:`step_at` for the arguments."""
        return self._layout.index(row, col, filter)[0]

    def step_at(self, row: int, col: int, filter: int | None = None) -> ConvStep:
        """Build the step of output cell ``(row, col)`` of map ``filter``.

        Parameters
        ----------
        row, col : int
            Output cell, from 0.
        filter : int, optional
            Index on the output's last axis (filter or channel, see
            :attr:`map_axis`); required when there is one, refused otherwise.

        Returns
        -------
        ConvStep
            The same step as ``trace.step(trace.index_of(row, col, filter))``.

        Raises
        ------
        InputError
            If the cell or filter is out of range, or ``filter`` is missing or unexpected.

        Examples
        --------
        >>> bank = np.stack([np.ones((2, 2, 1)), -np.ones((2, 2, 1))], axis=-1)
        >>> trace = conv2d_trace(np.arange(9).reshape(3, 3), bank)
        >>> trace.step_at(0, 1, filter=1).index, trace.step_at(0, 1, filter=1).total
        (5, -12.0)
        """
        return self._step(*self._layout.index(row, col, filter))

    def _step(self, index: int, row: int, col: int, fmap: int | None) -> ConvStep:
        top, left = row * self.strides[0], col * self.strides[1]
        rows = slice(top, top + self._span[0], self.dilation_rate[0])
        cols = slice(left, left + self._span[1], self.dilation_rate[1])
        window = self._padded3[rows, cols]  # a view: nothing copied
        which = 0 if fmap is None else fmap
        channel_totals = None
        if self.kernel.ndim == 2:
            values, weights, bias = window[:, :, which], self.kernel, self.bias[0]
        else:
            values, weights, bias = window, self._bank[..., which], self.bias[which]
        with np.errstate(over="ignore", invalid="ignore"):  # see ConvTrace.overflowed
            product = values * weights
            if self.kernel.ndim != 2:
                # Added one product at a time in row-major order (cumsum is sequential), so
                # the stage in the browser, which adds them the same way, writes the same parts.
                channel_totals = np.cumsum(product.reshape(-1, product.shape[2]), axis=0)[-1]
                channel_totals.flags.writeable = False
        product.flags.writeable = False
        is_padding = self._row_pad[rows, None] | self._col_pad[None, cols]
        is_padding.flags.writeable = False
        cell = (row, col) if fmap is None else (row, col, fmap)
        return ConvStep(
            index=index,
            row=row,
            col=col,
            filter=fmap,
            rows=tuple(range(rows.start, rows.stop, rows.step)),
            cols=tuple(range(cols.start, cols.stop, cols.step)),
            top_left=(top, left),
            values=values,
            weights=weights,
            products=product,
            is_padding=is_padding,
            bias=float(bias),
            total=float(self.totals[cell]),
            activated=float(self.output[cell]),
            activation=self.activation,
            channel_totals=channel_totals,
        )


def conv2d_trace(
    image: np.ndarray, kernel: np.ndarray, **settings: Unpack[conv.ConvSettings]
) -> ConvTrace:
    r"""Trace a 2-D convolution: the whole output now, each step on demand.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        As in :func:`cnnviz.core.conv.conv2d`: one filter on each channel separately,
        one filter summed over the channels, or a ``Conv2D`` layer's bank.
    **settings
        ``bias``, ``strides``, ``padding``, ``dilation_rate``, ``pad_mode``,
        ``flip``, ``activation``: the keywords of :func:`cnnviz.core.conv.conv2d`.

    Returns
    -------
    ConvTrace
        ``len(trace) == trace.output.size`` steps, built on demand.

    Raises
    ------
    InputError
        What :func:`cnnviz.core.conv.conv_spec` raises: it checks every argument
        before any work.

    Notes
    -----
    Step :math:`(r, c, f)` shows

    .. math:: Y[r, c, f] = \phi\Big(b_f + \sum_{m,n,c'}
              P[r s_r + m d_r,\ c s_c + n d_c,\ c']\, K[m, n, c', f]\Big)

    with :math:`P` the padded input and :math:`\phi` the activation.

    Examples
    --------
    The course's 5x7 matrix and kernel, first window:

    >>> x = [[0, 5, 0, 0, 9, 4, 0], [1, 6, 0, 0, 8, 3, 0], [2, 7, 0, 0, 7, 2, 0],
    ...      [3, 8, 0, 0, 6, 1, 0], [4, 9, 0, 0, 5, 0, 0]]
    >>> trace = conv2d_trace(x, [[1, -2, 3], [4, -5, 6], [-7, 8, -9]])
    >>> len(trace), trace.step(0).formula("en")
    (15, '0·1 + 5·(−2) + 0·3 + 1·4 + 6·(−5) + 0·6 + 2·(−7) + 7·8 + 0·(−9) = 6')
    """
    spec = conv.conv_spec(image, kernel, **settings)
    with np.errstate(over="ignore", invalid="ignore"):  # said by ConvTrace.overflowed instead
        totals = conv.correlate(spec)
    return ConvTrace(
        padded=frozen(spec.padded),
        # A copy: the spec may hold the caller's own kernel array, uncopied.
        kernel=frozen(np.array(spec.kernel)),
        bias=frozen(spec.bias),
        pads=spec.pads,
        strides=spec.strides,
        dilation_rate=spec.dilation_rate,
        pad_mode=spec.pad_mode,
        flip=spec.flip,
        activation=spec.activation,
        totals=frozen(totals),
        # Applying the activation to the totals is exactly what conv2d does, and
        # keeps the totals that each step shows.
        output=frozen(conv.activate(totals, spec.activation)),
    )


def conv2d_transpose_trace(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int | Sequence[int] = 1,
    padding: Literal["valid", "same"] = "valid",
) -> ConvTrace:
    r"""Trace a transposed convolution as the ordinary convolution it equals.

    A transposed convolution scatters each input value times the kernel; the
    same numbers come out of a plain window sliding over the input with
    :math:`s - 1` zeros inserted between its cells (the *holes*), padded with
    zeros, under the kernel turned 180 degrees. That window is what the stage
    plays, and what a student can follow cell by cell.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        One channel.
    kernel : ndarray, shape (kh, kw)
        One filter.
    strides : int or (int, int), default 1
        The transposed convolution's strides: the spacing of the input's cells
        after the zeros are inserted.
    padding : {"valid", "same"}, default "valid"
        As :func:`cnnviz.core.conv.conv2d_transpose`.

    Returns
    -------
    ConvTrace
        A trace with ``flip=True`` (the kernel applied is turned 180 degrees),
        stride 1, and explicit padding; its :attr:`~ConvTrace.padded` input is
        the zero-inserted, padded image. Its output equals
        ``conv2d_transpose(image, kernel, strides=strides, padding=padding)`` up
        to the order of additions.

    Notes
    -----
    With :math:`z` the image with holes, of :math:`(H - 1)s + 1` rows, and
    :math:`L` the transposed output's length
    (:func:`cnnviz.core.shapes.conv_transpose_output_length`), the window pads
    :math:`k - 1 - c` zeros before and :math:`L + k - 1 - |z| - (k - 1 - c)`
    after, where :math:`c = \lfloor \max(k - s, 0) / 2 \rfloor` for ``"same"``
    (what TensorFlow crops) and 0 for ``"valid"``.

    Examples
    --------
    >>> trace = conv2d_transpose_trace(np.array([[1.0, 2.0]]), np.ones((2, 2)), strides=2)
    >>> trace.output
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    >>> trace.padded
    array([[0., 0., 0., 0., 0.],
           [0., 1., 0., 2., 0.],
           [0., 0., 0., 0., 0.]])
    """
    x = as_float_array(image, "image")
    k = as_float_array(kernel, "kernel")
    if x.ndim != 2 or k.ndim != 2:
        raise InputError("error.kernel_rank", shape=k.shape, ndim=k.ndim)
    stride = as_pair(strides, "strides")
    holes = np.zeros([(n - 1) * s + 1 for n, s in zip(x.shape, stride, strict=True)])
    holes[:: stride[0], :: stride[1]] = x
    pads = []
    for axis in (0, 1):
        size, step = k.shape[axis], stride[axis]
        length = shapes.conv_transpose_output_length(
            x.shape[axis], size, strides=step, padding=padding
        )
        crop = max(size - step, 0) // 2 if padding == "same" else 0
        before = size - 1 - crop
        pads.append((before, length + size - 1 - holes.shape[axis] - before))
    return conv2d_trace(holes, k, padding=(pads[0], pads[1]), flip=True)
