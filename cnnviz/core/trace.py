r"""Step-by-step traces of convolution and pooling: the animation's frames and the cell inspector.

A trace is built once from the very arguments of :func:`cnnviz.core.conv.conv2d`,
:func:`cnnviz.core.conv.conv1d` or :func:`cnnviz.core.pooling.pool2d`, which validate
them. Building it pads the input once and computes the whole output once,
vectorised, by calling those functions; a *step* (one output cell: its window,
weights, products and sum) is built only when asked for, by slicing the padded
input, in time and memory proportional to the window. A trace of a 1024x1024
image therefore costs about as much as the convolution itself, not a million
objects.

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

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Literal

import numpy as np

from cnnviz.core import conv, pooling, shapes
from cnnviz.i18n import MINUS, InputError, format_number, get_language, t

MapAxis = Literal["filter", "channel"] | None
"""What the output's last axis holds: filters, channels, or no such axis (None)."""


# --- shared helpers -------------------------------------------------------------------


def _frozen(array: np.ndarray) -> np.ndarray:
    """Return a read-only view, so a frozen trace cannot be changed through its arrays.

    A view rather than the array itself: the caller's own array (which
    ``np.asarray`` may hand back uncopied) keeps its flags.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def _check_int(value: object) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise InputError("error.trace_index_not_int", value=repr(value))


class _ArrayFieldsEq:
    """Equality field by field, arrays compared by shape, dtype and values.

    Dataclasses' own ``__eq__`` compares tuples of fields, which fails on arrays
    ("truth value of an array is ambiguous").
    """

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))


def _same(a: object, b: object) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
        )
    return a == b


@dataclass(frozen=True, slots=True)
class _Layout:
    """How step numbers map to output cells: feature map outermost, then rows, then columns."""

    rows: int
    cols: int
    maps: int  # length of the output's last axis (1 when it has none)
    axis: MapAxis

    @property
    def size(self) -> int:
        return self.rows * self.cols * self.maps

    def cell(self, index: object) -> tuple[int, int, int, int | None]:
        """Return ``(index, row, col, map)`` of a step number, checked."""
        index = _check_int(index)
        if not 0 <= index < self.size:
            raise InputError(
                "error.trace_step_out_of_range", index=index, count=self.size, last=self.size - 1
            )
        fmap, rest = divmod(index, self.rows * self.cols)
        row, col = divmod(rest, self.cols)
        return index, row, col, (fmap if self.axis else None)

    def index(self, row: object, col: object, fmap: object) -> tuple[int, int, int, int | None]:
        """Return ``(index, row, col, map)`` of an output cell, checked."""
        row, col = _check_int(row), _check_int(col)
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise InputError(
                "error.trace_cell_out_of_range",
                row=row,
                col=col,
                rows=self.rows,
                cols=self.cols,
                last_row=self.rows - 1,
                last_col=self.cols - 1,
            )
        if self.axis is None:
            if fmap is not None:
                raise InputError("error.trace_single_map", value=repr(fmap))
            return row * self.cols + col, row, col, None
        if fmap is None:
            raise InputError(
                f"error.trace_{self.axis}_missing", count=self.maps, last=self.maps - 1
            )
        fmap = _check_int(fmap)
        if not 0 <= fmap < self.maps:
            raise InputError(
                f"error.trace_{self.axis}_out_of_range",
                value=fmap,
                count=self.maps,
                last=self.maps - 1,
            )
        return (fmap * self.rows + row) * self.cols + col, row, col, fmap


def _number(value: float, lang: str, digits: int) -> str:
    return format_number(value, digits=digits, lang=lang)


def _operand(value: float, lang: str, digits: int) -> str:
    """Write a factor or a term; a negative one in parentheses, so ``5·−2`` reads ``5·(−2)``."""
    text = _number(value, lang, digits)
    return f"({text})" if text.startswith(MINUS) else text


def _products(values: np.ndarray, weights: np.ndarray, lang: str, digits: int) -> str:
    """Write ``v·w + v·w + ...`` in the arrays' row-major order."""
    return " + ".join(
        f"{_operand(v, lang, digits)}·{_operand(w, lang, digits)}"
        for v, w in zip(values.ravel().tolist(), weights.ravel().tolist(), strict=True)
    )


def _channels_first(array: np.ndarray) -> np.ndarray:
    """(kh, kw, C) -> (C, kh, kw), so that ravel() reads one channel's window after another."""
    return array.transpose(2, 0, 1) if array.ndim == 3 else array


def _padding_masks(
    padded_hw: tuple[int, int], pads: shapes.Pads2D
) -> tuple[np.ndarray, np.ndarray]:
    """Return which padded rows and which padded columns lie outside the image."""
    masks = []
    for length, (before, after) in zip(padded_hw, pads, strict=True):
        outside = np.zeros(length, dtype=bool)
        outside[:before] = True
        outside[length - after :] = True
        masks.append(_frozen(outside))
    return masks[0], masks[1]


# --- 2-D convolution ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ConvStep(_ArrayFieldsEq):
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
        values, weights = _channels_first(self.values), _channels_first(self.weights)
        terms = [_products(values, weights, lang, digits)]
        if self.bias:
            terms.append(_operand(self.bias, lang, digits))
        return f"{' + '.join(terms)} = {_number(self.total, lang, digits)}"

    def activation_formula(self, lang: str | None = None, *, digits: int = 3) -> str | None:
        """Write the activation, ``relu(−0.5) = 0``, or None when there is none.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default.
        digits : int, default 3
            Decimals kept at most.

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
        total, activated = _number(self.total, lang, digits), _number(self.activated, lang, digits)
        return f"{self.activation}({total}) = {activated}"

    def formula_lines(self, lang: str | None = None, *, digits: int = 3) -> list[str]:
        """Write every line an "inspect a cell" panel shows, in order.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default.
        digits : int, default 3
            Decimals kept at most.

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
                f"{_products(self.values[..., channel], self.weights[..., channel], lang, digits)}"
                f" = {_number(part, lang, digits)}"
                for channel, part in enumerate(parts.tolist())
            ]
            terms = [_operand(part, lang, digits) for part in parts.tolist()]
            if self.bias:
                terms.append(_operand(self.bias, lang, digits))
            lines.append(f"{' + '.join(terms)} = {_number(self.total, lang, digits)}")
        activation = self.activation_formula(lang, digits=digits)
        return lines if activation is None else [*lines, activation]


@dataclass(frozen=True, slots=True, eq=False)
class ConvTrace:
    r"""A 2-D convolution, ready to be replayed step by step. Build it with :func:`conv2d_trace`.

    Attributes
    ----------
    padded : ndarray, shape (H + top + bottom, W + left + right[, C])
        The input with its padding, filled by ``pad_mode``; read-only.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        The kernel actually applied (already flipped when ``flip=True``).
    bias : ndarray, shape (F,)
        One bias per filter (a single one for a 2-D or 3-D kernel).
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` cells of padding.
    strides, dilation_rate : (int, int)
        Step of the window and spacing of the kernel's taps, rows then columns.
    pad_mode : str
        How padded cells were filled.
    flip : bool
        Whether the kernel was flipped (true convolution).
    activation : str
        Keras name of the activation (``"linear"`` when there is none).
    totals : ndarray, shape as output
        The output before the activation.
    output : ndarray, shape (Ho, Wo), (Ho, Wo, C) or (Ho, Wo, F)
        The whole result, identical to :func:`cnnviz.core.conv.conv2d` with the same arguments.

    Notes
    -----
    ``len(trace)`` is ``output.size``. Steps are built on demand by
    :meth:`step` and :meth:`step_at`, in time proportional to the window;
    iterating over the trace builds them one at a time.
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
    _layout: _Layout = field(init=False, repr=False)
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
            "_layout": _Layout(out.shape[0], out.shape[1], out.shape[2] if axis else 1, axis),
            "_padded3": self.padded if self.padded.ndim == 3 else self.padded[..., None],
            # A 2-D kernel is used as is; a 3-D one is a bank of one filter.
            "_bank": kernel[..., None] if kernel.ndim == 3 else kernel,
            "_span": tuple(
                (k - 1) * d + 1 for k, d in zip(kernel.shape[:2], self.dilation_rate, strict=True)
            ),
        }
        derived["_row_pad"], derived["_col_pad"] = _padding_masks(self.padded.shape[:2], self.pads)
        for name, value in derived.items():
            object.__setattr__(self, name, value)

    @property
    def image(self) -> np.ndarray:
        """ndarray, shape (H, W[, C]): the input, a read-only view inside :attr:`padded`."""
        (top, bottom), (left, right) = self.pads
        rows, cols = self.padded.shape[:2]
        return self.padded[top : rows - bottom, left : cols - right]

    @property
    def map_axis(self) -> MapAxis:
        """What the output's last axis holds: ``"filter"``, ``"channel"`` or None (no such axis)."""
        return self._layout.axis

    def __len__(self) -> int:
        return self._layout.size

    def __iter__(self) -> Iterator[ConvStep]:
        return (self.step(index) for index in range(len(self)))

    def cell_of(self, index: int) -> tuple[int, int, int | None]:
        """Return ``(row, col, filter)`` of step ``index`` (filter None without a last axis)."""
        return self._layout.cell(index)[1:]

    def index_of(self, row: int, col: int, filter: int | None = None) -> int:
        """Return the step number of an output cell; see :meth:`step_at` for the arguments."""
        return self._layout.index(row, col, filter)[0]

    def step(self, index: int) -> ConvStep:
        """Build step ``index``: one output cell, its window and its arithmetic.

        Parameters
        ----------
        index : int
            ``0 <= index < len(trace)``; feature map outermost, then rows, then columns.

        Returns
        -------
        ConvStep
            Built by slicing the padded input: time and memory O(window).

        Raises
        ------
        InputError
            If ``index`` is not a whole number in range.

        Examples
        --------
        >>> trace = conv2d_trace(np.arange(9).reshape(3, 3), np.ones((2, 2)))
        >>> len(trace), trace.step(3).cell, trace.step(3).rows, trace.step(3).total
        (4, (1, 1), (1, 2), 24.0)
        """
        return self._step(*self._layout.cell(index))

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
            products = values * weights
        else:
            values, weights, bias = window, self._bank[..., which], self.bias[which]
            products = values * weights
            # Added one product at a time in row-major order (cumsum is sequential), so
            # the stage in the browser, which adds them the same way, writes the same parts.
            channel_totals = np.cumsum(products.reshape(-1, products.shape[2]), axis=0)[-1]
            channel_totals.flags.writeable = False
        products.flags.writeable = False
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
            products=products,
            is_padding=is_padding,
            bias=float(bias),
            total=float(self.totals[cell]),
            activated=float(self.output[cell]),
            activation=self.activation,
            channel_totals=channel_totals,
        )


def conv2d_trace(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    bias: float | Sequence[float] | np.ndarray = 0.0,
    strides: int | Sequence[int] = 1,
    padding: shapes.Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
    pad_mode: conv.PadMode = "zeros",
    flip: bool = False,
    activation: str | None = None,
) -> ConvTrace:
    r"""Trace a 2-D convolution: the whole output now, each step on demand.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        As in :func:`cnnviz.core.conv.conv2d`: one filter on each channel separately,
        one filter summed over the channels, or a ``Conv2D`` layer's bank.
    bias, strides, padding, dilation_rate, pad_mode, flip, activation
        Exactly as in :func:`cnnviz.core.conv.conv2d`, which validates them.

    Returns
    -------
    ConvTrace
        ``len(trace) == trace.output.size`` steps, built on demand.

    Raises
    ------
    InputError
        Whatever :func:`cnnviz.core.conv.conv2d` raises, before any work.

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
    conv.activate(np.zeros(0), activation)  # an unknown activation is refused before any work
    totals = conv.conv2d(
        image,
        kernel,
        bias=bias,
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
        pad_mode=pad_mode,
        flip=flip,
    )
    # Applying the activation to conv2d's own totals gives exactly conv2d's output,
    # and keeps the totals that each step shows.
    output = conv.activate(totals, activation)
    array = conv.as_float_array(image, "image")
    applied = conv.as_float_array(kernel, "kernel")
    if flip:
        applied = applied[::-1, ::-1]
    pads = shapes.padding_amounts_2d(
        array.shape[:2],
        applied.shape[:2],
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
    )
    filters = applied.shape[3] if applied.ndim == 4 else 1
    bias_vector = conv.as_float_array(bias, "bias").reshape(-1)
    return ConvTrace(
        padded=_frozen(conv.pad2d(array, pads, pad_mode=pad_mode)),
        kernel=_frozen(np.array(applied)),
        bias=_frozen(np.broadcast_to(bias_vector, (filters,)).copy()),
        pads=pads,
        strides=shapes.as_pair(strides, "strides"),
        dilation_rate=shapes.as_pair(dilation_rate, "dilation_rate"),
        pad_mode=pad_mode,
        flip=bool(flip),
        activation="linear" if activation is None else activation,
        totals=_frozen(totals),
        output=_frozen(output),
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
    x = conv.as_float_array(image, "image")
    k = conv.as_float_array(kernel, "kernel")
    if x.ndim != 2 or k.ndim != 2:
        raise InputError("error.kernel_rank", shape=k.shape, ndim=k.ndim)
    stride = shapes.as_pair(strides, "strides")
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


# --- 1-D convolution ------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class Conv1DStep(_ArrayFieldsEq):
    r"""One output value of a 1-D convolution: its window, weights, products and sum.

    Attributes
    ----------
    index : int
        Step number, which is also the output position.
    positions : tuple of int, length k
        The window's cells in padded coordinates (dilation-aware).
    start : int
        The window's first cell in padded coordinates.
    values, weights, products : ndarray, shape (k,)
        The padded signal under the window, the kernel actually applied
        (already reversed when ``flip=True``), and their products.
    is_padding : ndarray of bool, shape (k,)
        True on window cells outside the original signal.
    total : float
        The sum of the products: exactly ``trace.output[step.index]``.

    Notes
    -----
    :math:`total = \sum_m values[m]\, weights[m]`, added one product at a time
    from the left, as :func:`cnnviz.core.conv.conv1d` does.
    """

    index: int
    positions: tuple[int, ...]
    start: int
    values: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    is_padding: np.ndarray
    total: float

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:
        """Write the sum, ``value·weight + ... = total``.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default (decimal comma in Spanish).
        digits : int, default 3
            Decimals kept at most.

        Returns
        -------
        str
            One line.

        Examples
        --------
        >>> conv1d_trace([1, 2, -5, 4], [-1, 2, -1]).step(0).formula("en")
        '1·(−1) + 2·2 + (−5)·(−1) = 8'
        """
        lang = lang or get_language()
        total = _number(self.total, lang, digits)
        return f"{_products(self.values, self.weights, lang, digits)} = {total}"

    def formula_lines(self, lang: str | None = None, *, digits: int = 3) -> list[str]:
        """Return ``[formula]``, for a panel that shows any step the same way.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default.
        digits : int, default 3
            Decimals kept at most.

        Returns
        -------
        list of str
            One line.
        """
        return [self.formula(lang, digits=digits)]


@dataclass(frozen=True, slots=True, eq=False)
class Conv1DTrace:
    """A 1-D convolution, ready to be replayed step by step. Build it with :func:`conv1d_trace`.

    Attributes
    ----------
    padded : ndarray, shape (N + before + after,)
        The signal with its padding, filled by ``pad_mode``; read-only.
    kernel : ndarray, shape (k,)
        The kernel actually applied (already reversed when ``flip=True``).
    pads : (int, int)
        Cells of padding before and after.
    strides, dilation_rate : int
        Step of the window and spacing of the kernel's taps.
    pad_mode : str
        How padded cells were filled.
    flip : bool
        Whether the kernel was reversed (true convolution, as ``np.convolve``).
    output : ndarray, shape (No,)
        The whole result, identical to :func:`cnnviz.core.conv.conv1d`.
    """

    padded: np.ndarray
    kernel: np.ndarray
    pads: tuple[int, int]
    strides: int
    dilation_rate: int
    pad_mode: str
    flip: bool
    output: np.ndarray

    @property
    def signal(self) -> np.ndarray:
        """ndarray, shape (N,): the input, a read-only view inside :attr:`padded`."""
        return self.padded[self.pads[0] : self.padded.size - self.pads[1]]

    def __len__(self) -> int:
        return self.output.size

    def __iter__(self) -> Iterator[Conv1DStep]:
        return (self.step(index) for index in range(len(self)))

    def step(self, index: int) -> Conv1DStep:
        """Build step ``index`` (output position ``index``) in time O(window).

        Parameters
        ----------
        index : int
            ``0 <= index < len(trace)``.

        Returns
        -------
        Conv1DStep
            The window, weights, products and sum of that output value.

        Raises
        ------
        InputError
            If ``index`` is not a whole number in range.

        Examples
        --------
        >>> conv1d_trace([1, 2, 3], [1, 1], padding="same").step(2).positions
        (2, 3)
        """
        index = _check_int(index)
        if not 0 <= index < len(self):
            raise InputError(
                "error.trace_step_out_of_range", index=index, count=len(self), last=len(self) - 1
            )
        return self._step(index)

    def step_at(self, position: int) -> Conv1DStep:
        """Build the step of output position ``position`` (the same as :meth:`step`).

        Parameters
        ----------
        position : int
            ``0 <= position < len(trace)``.

        Returns
        -------
        Conv1DStep
            As :meth:`step`.

        Raises
        ------
        InputError
            If ``position`` is not a whole number in range.
        """
        position = _check_int(position)
        if not 0 <= position < len(self):
            raise InputError(
                "error.trace_position_out_of_range",
                position=position,
                count=len(self),
                last=len(self) - 1,
            )
        return self._step(position)

    def _step(self, index: int) -> Conv1DStep:
        start = index * self.strides
        span = (self.kernel.size - 1) * self.dilation_rate + 1
        window = slice(start, start + span, self.dilation_rate)
        values = self.padded[window]
        products = values * self.kernel
        products.flags.writeable = False
        cells = np.arange(start, start + span, self.dilation_rate)
        is_padding = (cells < self.pads[0]) | (cells >= self.padded.size - self.pads[1])
        is_padding.flags.writeable = False
        return Conv1DStep(
            index=index,
            positions=tuple(cells.tolist()),
            start=start,
            values=values,
            weights=self.kernel,
            products=products,
            is_padding=is_padding,
            total=float(self.output[index]),
        )


def conv1d_trace(
    signal: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int = 1,
    padding: shapes.Padding1D = "valid",
    dilation_rate: int = 1,
    pad_mode: conv.PadMode = "zeros",
    flip: bool = False,
) -> Conv1DTrace:
    r"""Trace a 1-D convolution: the whole output now, each step on demand.

    Parameters
    ----------
    signal : ndarray, shape (N,)
        The signal.
    kernel : ndarray, shape (k,)
        The kernel.
    strides, padding, dilation_rate, pad_mode, flip
        Exactly as in :func:`cnnviz.core.conv.conv1d`, which validates them.

    Returns
    -------
    Conv1DTrace
        ``len(trace) == trace.output.size`` steps, built on demand.

    Raises
    ------
    InputError
        Whatever :func:`cnnviz.core.conv.conv1d` raises, before any work.

    Notes
    -----
    Step :math:`i` shows :math:`y[i] = \sum_m x_p[i s + m d]\, w[m]`, with
    :math:`x_p` the padded signal and :math:`w` the kernel as applied.

    Examples
    --------
    The course's signal and kernel:

    >>> trace = conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1])
    >>> trace.output, trace.step(1).formula("es")
    (array([  8., -16.,  11.,   1.]), '2·(−1) + (−5)·2 + 4·(−1) = −16')
    """
    output = conv.conv1d(
        signal,
        kernel,
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
        pad_mode=pad_mode,
        flip=flip,
    )
    array = conv.as_float_array(signal, "signal")
    applied = conv.as_float_array(kernel, "kernel")
    if flip:
        applied = applied[::-1]
    pads = shapes.padding_amounts(
        array.size, applied.size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    return Conv1DTrace(
        padded=_frozen(conv.pad2d(array[None, :], ((0, 0), pads), pad_mode=pad_mode)[0]),
        kernel=_frozen(np.array(applied)),
        pads=pads,
        strides=int(strides),
        dilation_rate=int(dilation_rate),
        pad_mode=pad_mode,
        flip=bool(flip),
        output=_frozen(output),
    )


# --- pooling --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class PoolStep(_ArrayFieldsEq):
    r"""One output cell of a pooling: its window and what it keeps.

    Attributes
    ----------
    index : int
        Step number (see the module's Notes for the order).
    row, col : int
        Output cell.
    channel : int or None
        Channel of a ``(H, W, C)`` input; None for ``(H, W)``.
    rows, cols : tuple of int, lengths ph and pw
        The window's rows and columns in padded coordinates.
    top_left : (int, int)
        The window's first cell in padded coordinates.
    values : ndarray, shape (ph, pw)
        The padded input under the window; padded cells hold ``-inf`` for max
        pooling and ``0`` for average, as :func:`cnnviz.core.pooling.pool_windows` fills them.
    is_padding : ndarray of bool, shape (ph, pw)
        True on padded cells, which the pooling ignores.
    op : {"max", "average"}
        The operation.
    result : float
        Exactly ``trace.output[step.cell]``.
    winner : (int, int) or None
        For max pooling, the padded coordinates of the first maximum in
        row-major order (the cell ``tf.nn.max_pool_with_argmax`` picks on ties);
        None for average.
    count : int
        Number of real (non-padded) cells: what an average divides by.

    Notes
    -----
    Max: :math:`result = \max` of the real cells. Average:
    :math:`result = \frac{1}{count} \sum` of the real cells, computed by
    :func:`cnnviz.core.pooling.pool2d` (so equal to the mean up to rounding).
    """

    index: int
    row: int
    col: int
    channel: int | None
    rows: tuple[int, ...]
    cols: tuple[int, ...]
    top_left: tuple[int, int]
    values: np.ndarray
    is_padding: np.ndarray
    op: str
    result: float
    winner: tuple[int, int] | None
    count: int

    @property
    def cell(self) -> tuple[int, ...]:
        """The output cell as an index into ``trace.output``: ``(row, col[, channel])``."""
        return (self.row, self.col) if self.channel is None else (self.row, self.col, self.channel)

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:
        """Write this window's pooling: ``max(1, 1, 5, 6) = 6``, ``(1 + 1 + 5 + 6) / 4 = 3.25``.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default. Spanish writes decimal commas,
            so it separates a max's values with semicolons: ``max(0,5; 2) = 2``.
        digits : int, default 3
            Decimals kept at most.

        Returns
        -------
        str
            One line over the real cells, in row-major order; padded cells are left out.

        Examples
        --------
        >>> trace = pool2d_trace([[1, 1, 2, 4], [5, 6, 7, 8]], 2, op="average")
        >>> trace.step(0).formula("es")
        '(1 + 1 + 5 + 6) / 4 = 3,25'
        """
        lang = lang or get_language()
        real = self.values[~self.is_padding].tolist()
        result = _number(self.result, lang, digits)
        if self.op == "max":
            separator = t("trace.list_separator", lang=lang)
            return f"max({separator.join(_number(v, lang, digits) for v in real)}) = {result}"
        terms = " + ".join(_operand(v, lang, digits) for v in real)
        return f"({terms}) / {self.count} = {result}"

    def formula_lines(self, lang: str | None = None, *, digits: int = 3) -> list[str]:
        """Return ``[formula]``, for a panel that shows any step the same way.

        Parameters
        ----------
        lang : str, optional
            Language; the current one by default.
        digits : int, default 3
            Decimals kept at most.

        Returns
        -------
        list of str
            One line.
        """
        return [self.formula(lang, digits=digits)]


@dataclass(frozen=True, slots=True, eq=False)
class PoolTrace:
    """A pooling, ready to be replayed step by step. Build it with :func:`pool2d_trace`.

    Attributes
    ----------
    padded : ndarray, shape (Hp, Wp) or (Hp, Wp, C)
        The input with its padding: ``-inf`` in padded cells for max pooling,
        ``0`` for average (see :class:`cnnviz.core.pooling.PoolWindows`); read-only.
    real : ndarray of bool, shape (Hp, Wp)
        True on cells that come from the input.
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` cells of padding.
    pool_size, strides : (int, int)
        Window size and step, rows then columns.
    op : {"max", "average"}
        The operation.
    output : ndarray, shape (Ho, Wo) or (Ho, Wo, C)
        The whole result, identical to :func:`cnnviz.core.pooling.pool2d`.
    """

    padded: np.ndarray
    real: np.ndarray
    pads: shapes.Pads2D
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    op: str
    output: np.ndarray
    _layout: _Layout = field(init=False, repr=False)
    _padded3: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        out = self.output
        axis: MapAxis = "channel" if out.ndim == 3 else None
        object.__setattr__(
            self, "_layout", _Layout(out.shape[0], out.shape[1], out.shape[2] if axis else 1, axis)
        )
        padded3 = self.padded if self.padded.ndim == 3 else self.padded[..., None]
        object.__setattr__(self, "_padded3", padded3)

    @property
    def image(self) -> np.ndarray:
        """ndarray, shape (H, W[, C]): the input, a read-only view inside :attr:`padded`."""
        (top, bottom), (left, right) = self.pads
        rows, cols = self.padded.shape[:2]
        return self.padded[top : rows - bottom, left : cols - right]

    def __len__(self) -> int:
        return self._layout.size

    def __iter__(self) -> Iterator[PoolStep]:
        return (self.step(index) for index in range(len(self)))

    def cell_of(self, index: int) -> tuple[int, int, int | None]:
        """Return ``(row, col, channel)`` of step ``index`` (channel None for a 2-D input)."""
        return self._layout.cell(index)[1:]

    def index_of(self, row: int, col: int, channel: int | None = None) -> int:
        """Return the step number of an output cell; see :meth:`step_at` for the arguments."""
        return self._layout.index(row, col, channel)[0]

    def step(self, index: int) -> PoolStep:
        """Build step ``index``: one output cell and its window.

        Parameters
        ----------
        index : int
            ``0 <= index < len(trace)``; channel outermost, then rows, then columns.

        Returns
        -------
        PoolStep
            Built by slicing the padded input: time and memory O(window).

        Raises
        ------
        InputError
            If ``index`` is not a whole number in range.

        Examples
        --------
        >>> trace = pool2d_trace([[1, 1, 2, 4], [5, 6, 7, 8]], 2)
        >>> trace.step(1).formula("en"), trace.step(1).winner
        ('max(2, 4, 7, 8) = 8', (1, 3))
        """
        return self._step(*self._layout.cell(index))

    def step_at(self, row: int, col: int, channel: int | None = None) -> PoolStep:
        """Build the step of output cell ``(row, col)`` of ``channel``.

        Parameters
        ----------
        row, col : int
            Output cell, from 0.
        channel : int, optional
            Required for an ``(H, W, C)`` input, refused for ``(H, W)``.

        Returns
        -------
        PoolStep
            The same step as ``trace.step(trace.index_of(row, col, channel))``.

        Raises
        ------
        InputError
            If the cell or channel is out of range, missing or unexpected.
        """
        return self._step(*self._layout.index(row, col, channel))

    def _step(self, index: int, row: int, col: int, channel: int | None) -> PoolStep:
        top, left = row * self.strides[0], col * self.strides[1]
        rows = slice(top, top + self.pool_size[0])
        cols = slice(left, left + self.pool_size[1])
        values = self._padded3[rows, cols, 0 if channel is None else channel]
        is_padding = ~self.real[rows, cols]
        is_padding.flags.writeable = False
        winner = None
        if self.op == "max":
            # Padded cells hold -inf and every window has a real cell, so argmax
            # (the first maximum, row-major) always lands on a real one.
            win_row, win_col = divmod(int(values.argmax()), self.pool_size[1])
            winner = (top + win_row, left + win_col)
        cell = (row, col) if channel is None else (row, col, channel)
        return PoolStep(
            index=index,
            row=row,
            col=col,
            channel=channel,
            rows=tuple(range(rows.start, rows.stop)),
            cols=tuple(range(cols.start, cols.stop)),
            top_left=(top, left),
            values=values,
            is_padding=is_padding,
            op=self.op,
            result=float(self.output[cell]),
            winner=winner,
            count=int(is_padding.size - np.count_nonzero(is_padding)),
        )


def pool2d_trace(
    x: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    *,
    strides: int | Sequence[int] | None = None,
    padding: Literal["valid", "same"] = "valid",
    op: pooling.PoolOp = "max",
) -> PoolTrace:
    r"""Trace a max or average pooling: the whole output now, each step on demand.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    pool_size, strides, padding, op
        Exactly as in :func:`cnnviz.core.pooling.pool2d`, which validates them.

    Returns
    -------
    PoolTrace
        ``len(trace) == trace.output.size`` steps, built on demand.

    Raises
    ------
    InputError
        Whatever :func:`cnnviz.core.pooling.pool2d` raises, before any work.

    Notes
    -----
    Step :math:`(r, c, ch)` shows :math:`\max` or the mean of the real cells of
    :math:`P[r s_r : r s_r + p_r,\ c s_c : c s_c + p_c,\ ch]`.

    Examples
    --------
    >>> trace = pool2d_trace([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], 2)
    >>> len(trace), trace.step(0).formula("en")
    (4, 'max(1, 1, 5, 6) = 6')
    """
    windows = pooling.pool_windows(x, pool_size, strides=strides, padding=padding, op=op)
    output = pooling.pool2d(x, pool_size, strides=strides, padding=padding, op=op)
    return PoolTrace(
        padded=_frozen(windows.padded),
        real=_frozen(windows.real),
        pads=windows.pads,
        pool_size=windows.pool_size,
        strides=windows.strides,
        op=windows.op,
        output=_frozen(output),
    )
