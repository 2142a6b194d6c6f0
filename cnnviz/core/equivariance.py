r"""Why CNNs work, in numbers: sparse connections, shared weights, equivariance, receptive fields.

The course's slide "¿Por qué funcionan?" names four reasons; each is measured here on arrays,
with no network (:mod:`cnnviz.nets.equivariance` runs the bundled network and calls these):

- **Sparse interactions and parameter sharing** (:func:`layer_cost`): one output unit of a
  convolution sees :math:`k_h k_w C_{in}` inputs, not all of them, and every position uses the
  same weights; a dense layer with the same input and output sizes connects everything.
- **Translation equivariance** :math:`f(g(x)) = g(f(x))` (:func:`shift_gap`): shifting the
  input by :math:`k` cells shifts a layer's output by :math:`k / j` cells, where :math:`j` is
  the layer's cumulative stride (its receptive field's jump). It holds exactly only away from
  the borders and only when :math:`j` divides :math:`k`; pooling with stride 2 breaks it for
  odd shifts.
- **Spatial hierarchy** (:func:`unit_field`, :func:`nearest_unit`): a unit deeper in the
  network sees a larger patch of the input.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core import shapes
from cnnviz.core._checks import as_float_array, as_pair, is_int
from cnnviz.core.pooling import shift_image
from cnnviz.core.shapes import ReceptiveField
from cnnviz.i18n import InputError

FieldPair = tuple[ReceptiveField, ReceptiveField]
"""A layer's receptive field along the rows, then along the columns."""


# --- sparse interactions and parameter sharing --------------------------------------------------


@dataclass(frozen=True)
class LayerCost:
    """A convolution against a dense layer with the same input and output sizes.

    Attributes
    ----------
    input_shape, output_shape : (int, int, int)
        ``(H, W, C)`` of the convolution's input and output.
    connections : int
        Inputs one output unit sees: :math:`k_h k_w C_{in}` (sparse interactions).
    dense_connections : int
        Inputs one unit of the dense layer sees: all of them, :math:`H W C_{in}`.
    params, dense_params : int
        Trainable parameters (with biases); the convolution's are shared by every position.
    macs, dense_macs : int
        Multiply-accumulates for one input.
    """

    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    connections: int
    dense_connections: int
    params: int
    dense_params: int
    macs: int
    dense_macs: int

    @property
    def positions(self) -> int:
        """Output positions that share each filter's weights, :math:`H_o W_o`."""
        return self.output_shape[0] * self.output_shape[1]

    @property
    def share(self) -> float:
        """Fraction of the inputs one output unit sees, ``connections / dense_connections``."""
        return self.connections / self.dense_connections

    @property
    def ratios(self) -> tuple[float, float, float]:
        """How many times more the dense layer needs: connections, parameters, MACs."""
        return (
            self.dense_connections / self.connections,
            self.dense_params / self.params,
            self.dense_macs / self.macs,
        )


def layer_cost(
    input_shape: Sequence[int],
    *,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: shapes.Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> LayerCost:
    r"""Count what a ``Conv2D`` layer costs, and what a dense layer of the same sizes would.

    Parameters
    ----------
    input_shape : (H, W, C)
        The convolution's input, without the batch axis.
    filters, kernel_size, strides, padding, dilation_rate
        As in Keras' ``Conv2D``.

    Returns
    -------
    LayerCost
        Connections per output unit, parameters and MACs, both ways.

    Raises
    ------
    InputError
        Whatever :func:`cnnviz.core.shapes.conv_output_shape` raises.

    Notes
    -----
    A dense layer mapping the flattened input (:math:`n_{in} = H W C`) to the flattened
    output (:math:`n_{out} = H_o W_o F`) has :math:`n_{in} n_{out} + n_{out}` parameters and
    :math:`n_{in} n_{out}` MACs; the convolution has :math:`k_h k_w C F + F` parameters and
    :math:`H_o W_o F k_h k_w C` MACs.

    Examples
    --------
    The bundled network's first convolution (16 filters 3×3 on a 28×28 digit):

    >>> cost = layer_cost((28, 28, 1), filters=16, kernel_size=3)
    >>> cost.connections, cost.dense_connections, cost.params, cost.dense_params
    (9, 784, 160, 8490560)
    >>> cost.macs, cost.dense_macs
    (97344, 8479744)
    >>> cost.positions, round(100 * cost.share, 2), [round(r) for r in cost.ratios]
    (676, 1.15, [87, 53066, 87])
    """
    height, width, channels = (int(n) for n in input_shape)
    output = shapes.conv_output_shape(
        (height, width, channels),
        filters=filters,
        kernel_size=kernel_size,
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
    )
    rows, cols = as_pair(kernel_size, "kernel_size")
    n_in, n_out = height * width * channels, output[0] * output[1] * output[2]
    return LayerCost(
        input_shape=(height, width, channels),
        output_shape=output,
        connections=rows * cols * channels,
        dense_connections=n_in,
        params=shapes.conv_params((rows, cols), channels, filters),
        dense_params=shapes.dense_params(n_in, n_out),
        macs=shapes.conv_macs(output[:2], (rows, cols), channels, filters),
        dense_macs=shapes.dense_params(n_in, n_out, use_bias=False),  # one MAC per weight
    )


# --- translation equivariance ------------------------------------------------------------------


@dataclass(frozen=True)
class Alignment:
    """Which output cells of "shift, then layer" match which of "layer, then shift".

    Attributes
    ----------
    offset : (int, int)
        Output cells the original's map is moved by (rows, columns): :math:`k / j` when the
        jump :math:`j` divides the shift :math:`k`, else a whole number next to it.
    shifted : (slice, slice)
        The cells of the shifted input's map that are compared (rows, columns): those whose
        receptive field sees only content that came from the original picture.
    original : (slice, slice)
        The matching cells of the original's map: ``shifted`` moved back by ``offset``.
    """

    offset: tuple[int, int]
    shifted: tuple[slice, slice]
    original: tuple[slice, slice]

    @property
    def cells(self) -> int:
        """Positions compared (rows times columns; 0 when nothing is far enough from the border)."""
        return (self.shifted[0].stop - self.shifted[0].start) * (
            self.shifted[1].stop - self.shifted[1].start
        )


def _axis_alignment(
    field: ReceptiveField, input_length: int, shift: int, offset: int
) -> tuple[slice, slice]:
    """Output cells ``i`` (shifted map) and ``i - offset`` (original map) whose fields fit."""
    index = np.arange(field.length)
    first = field.start - (field.size - 1) / 2  # the first input cell unit 0 sees (integral)
    low = first + index * field.jump
    high = low + field.size - 1
    partner = index - offset
    fits = (
        (low >= max(0, shift))  # sees no cell the shift filled in ...
        & (high <= min(input_length, input_length + shift) - 1)
        & (partner >= 0)  # ... and its partner exists and sees no padding
        & (partner < field.length)
        & (low - offset * field.jump >= 0)
        & (high - offset * field.jump <= input_length - 1)
    )
    kept = np.flatnonzero(fits)
    if kept.size == 0:
        return slice(0, 0), slice(0, 0)
    start, stop = int(kept[0]), int(kept[-1]) + 1  # the conditions are linear: one run of cells
    return slice(start, stop), slice(start - offset, stop - offset)


def alignment(
    fields: FieldPair, input_hw: Sequence[int], shift: int | Sequence[int], offset: Sequence[int]
) -> Alignment:
    """Pair the output cells of a shifted input's map with the original's, for one offset.

    Parameters
    ----------
    fields : (ReceptiveField, ReceptiveField)
        The layer's receptive field along rows and columns
        (:func:`cnnviz.core.shapes.receptive_field`).
    input_hw : (int, int)
        The network input's rows and columns.
    shift : int or (int, int)
        Cells the input was shifted by, as in :func:`cnnviz.core.pooling.shift_image`.
    offset : (int, int)
        Output cells to move the original's map by.

    Returns
    -------
    Alignment
        Cell ``(r, c)`` of the shifted map pairs with ``(r - offset[0], c - offset[1])``.

    Examples
    --------
    A 3×3 convolution of a 6×6 input (4×4 output), input shifted one column right:

    >>> field = shapes.receptive_field([{"kernel_size": 3}], input_length=6)[0]
    >>> a = alignment((field, field), (6, 6), (0, 1), (0, 1))
    >>> a.shifted, a.original, a.cells
    ((slice(0, 4, None), slice(1, 4, None)), (slice(0, 4, None), slice(0, 3, None)), 12)
    """
    shift_rows, shift_cols = as_pair(shift, "shift")
    rows = _axis_alignment(fields[0], int(input_hw[0]), shift_rows, int(offset[0]))
    cols = _axis_alignment(fields[1], int(input_hw[1]), shift_cols, int(offset[1]))
    return Alignment((int(offset[0]), int(offset[1])), (rows[0], cols[0]), (rows[1], cols[1]))


@dataclass(frozen=True)
class ShiftGap:
    r"""How far one layer is from equivariant, and from invariant, for one shift.

    Attributes
    ----------
    shift : (int, int)
        Input cells shifted (rows, columns).
    exact : bool
        Whether the layer's jump divides the shift on both axes: only then can
        "shift, then layer" equal "layer, then shift".
    alignment : Alignment
        The offset used (the best whole one when the jump does not divide the shift) and the
        cells compared.
    difference : float
        Equivariance gap: RMS of "shift, then layer" minus "layer, then shift" over the
        compared cells, divided by the RMS of the layer's output for the original input.
        NaN when no cell is far enough from the border.
    change : float
        Invariance gap: RMS of "shift, then layer" minus the original's output, over the
        whole map with no moving back, divided by the same RMS.
    """

    shift: tuple[int, int]
    exact: bool
    alignment: Alignment
    difference: float
    change: float


def _rms(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(values)))) if values.size else math.nan


def _relative(rms: float, scale: float) -> float:
    """``rms / scale``; a silent layer (scale 0) is 0 where nothing differs, else infinite."""
    if math.isnan(rms) or scale > 0:
        return rms / scale if scale > 0 else rms
    return 0.0 if rms == 0 else math.inf


def _offsets(shift: int, jump: int) -> tuple[int, ...]:
    """Return the whole output offsets next to ``shift / jump``: one when it is whole, else two."""
    low = shift // jump
    return (low,) if low * jump == shift else (low, low + 1)


def shift_gap(
    original: np.ndarray,
    shifted: np.ndarray,
    shift: int | Sequence[int],
    fields: FieldPair,
    input_hw: Sequence[int],
) -> ShiftGap:
    r"""Measure a layer's equivariance and invariance gaps for one input shift.

    Parameters
    ----------
    original : ndarray, shape (H, W) or (H, W, C)
        The layer's output for the original input, :math:`f(x)`.
    shifted : ndarray, same shape
        Its output for the shifted input, :math:`f(g(x))`.
    shift : int or (int, int)
        Input cells shifted (rows, columns), as in :func:`cnnviz.core.pooling.shift_image`.
    fields : (ReceptiveField, ReceptiveField)
        The layer's receptive field along rows and columns (its ``length`` is the map's side).
    input_hw : (int, int)
        The network input's rows and columns.

    Returns
    -------
    ShiftGap
        Both gaps; when the jump does not divide the shift, the whole offset (of the two next
        to :math:`k / j` per axis) that leaves the smallest difference.

    Raises
    ------
    InputError
        ``why.error.map_shapes`` if the two maps differ in shape or do not match ``fields``;
        the errors of :func:`cnnviz.core._checks.as_float_array` for NaN or text.

    Notes
    -----
    With :math:`A = f(x)`, :math:`B = f(g(x))`, offset :math:`m` and :math:`I` the compared
    cells, the difference is
    :math:`\sqrt{\mathrm{mean}_I (B_i - A_{i - m})^2} / \sqrt{\mathrm{mean}\, A^2}`.

    Examples
    --------
    Max pooling 2×2 of a map shifted by 2 is the pooled map shifted by 1; by 1 it is not:

    >>> from cnnviz.core.pooling import pool2d, shift_image
    >>> x = np.arange(64.0).reshape(8, 8) % 7
    >>> fields = (shapes.receptive_field([{"pool_size": 2}], input_length=8)[0],) * 2
    >>> def gap(shift):
    ...     moved = pool2d(shift_image(x, shift), 2)
    ...     return shift_gap(pool2d(x, 2), moved, shift, fields, (8, 8))
    >>> even = gap((0, 2))
    >>> even.exact, even.alignment.offset, even.difference
    (True, (0, 1), 0.0)
    >>> gap((0, 1)).exact, gap((0, 1)).difference > 0.1
    (False, True)
    """
    pair = as_pair(shift, "shift")
    before, after = _same_shape(original, shifted)
    expected = (fields[0].length, fields[1].length)
    if before.ndim not in (2, 3) or before.shape[:2] != expected:
        raise InputError(
            "why.error.map_shapes", original=before.shape, shifted=after.shape, expected=expected
        )
    scale = _rms(before)
    change = _relative(_rms(after - before), scale)
    steps = (_offsets(k, f.jump) for k, f in zip(pair, fields, strict=True))
    candidates = itertools.product(*steps)
    best: tuple[float, Alignment] | None = None
    for offset in candidates:
        paired = alignment(fields, input_hw, pair, offset)
        gap = _relative(_rms(after[paired.shifted] - before[paired.original]), scale)
        if best is None or (math.isnan(best[0]) and not math.isnan(gap)) or gap < best[0]:
            best = (gap, paired)
    assert best is not None  # at least one offset per axis
    exact = all(k % f.jump == 0 for k, f in zip(pair, fields, strict=True))
    return ShiftGap(pair, exact, best[1], best[0], change)


def relative_change(original: np.ndarray, shifted: np.ndarray) -> float:
    """Return RMS(shifted − original) / RMS(original): how much an output moved at all.

    Parameters
    ----------
    original, shifted : ndarray, same shape
        A layer's outputs (any shape, such as a dense layer's ``(units,)``).

    Returns
    -------
    float
        0 when nothing changed; infinite if only a silent output changed.

    Examples
    --------
    >>> relative_change(np.array([3.0, 4.0]), np.array([3.0, 4.0]))
    0.0
    >>> round(relative_change(np.array([1.0, 1.0]), np.array([1.0, 2.0])), 4)
    0.7071
    """
    before, after = _same_shape(original, shifted)
    return _relative(_rms(after - before), _rms(before))


def _same_shape(original: object, shifted: object) -> tuple[np.ndarray, np.ndarray]:
    """Read two outputs of one layer as finite float arrays of one shape."""
    before = as_float_array(original, "original")
    after = as_float_array(shifted, "shifted")
    if before.shape != after.shape:
        raise InputError(
            "why.error.map_shapes",
            original=before.shape,
            shifted=after.shape,
            expected=before.shape,
        )
    return before, after


def aligned_maps(
    original: np.ndarray, shifted: np.ndarray, gap: ShiftGap
) -> tuple[np.ndarray, np.ndarray]:
    """Return "layer, then shift" and its difference from "shift, then layer", for drawing.

    Parameters
    ----------
    original, shifted : ndarray, shape (H, W) or (H, W, C)
        The layer's output for the original and for the shifted input.
    gap : ShiftGap
        What :func:`shift_gap` measured for them (its offset is used).

    Returns
    -------
    moved : ndarray
        ``original`` moved by ``gap.alignment.offset`` cells (zeros come in at the edge).
    difference : ndarray
        ``shifted - moved``: zero (up to rounding) on the compared cells when ``gap.exact``.

    Examples
    --------
    >>> field = shapes.receptive_field([{"kernel_size": 1}], input_length=3)[0]
    >>> a, b = np.array([[1.0, 2, 3]] * 3), np.array([[0.0, 1, 2]] * 3)
    >>> moved, diff = aligned_maps(a, b, shift_gap(a, b, (0, 1), (field, field), (3, 3)))
    >>> moved[0], diff[0]
    (array([0., 1., 2.]), array([0., 0., 0.]))
    """
    before, after = _same_shape(original, shifted)
    moved = shift_image(before, gap.alignment.offset)
    return moved, after - moved


def recognised_span(shifts: Sequence[int], predicted: Sequence[int]) -> tuple[int, int] | None:
    """Return the shifts around 0 over which the prediction stays the one at shift 0.

    Parameters
    ----------
    shifts : sequence of int
        Increasing shifts, 0 among them.
    predicted : sequence of int
        The predicted class at each shift.

    Returns
    -------
    (int, int) or None
        The first and last shift of the unbroken run around 0; None if 0 is not among
        ``shifts``.

    Examples
    --------
    >>> recognised_span([-2, -1, 0, 1, 2, 3], [4, 7, 7, 7, 9, 7])
    (-1, 1)
    """
    shifts, predicted = list(shifts), list(predicted)
    if 0 not in shifts:
        return None
    zero = shifts.index(0)
    low = high = zero
    while low > 0 and predicted[low - 1] == predicted[zero]:
        low -= 1
    while high < len(shifts) - 1 and predicted[high + 1] == predicted[zero]:
        high += 1
    return shifts[low], shifts[high]


# --- spatial hierarchy ------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitField:
    """The input pixels one output unit sees.

    Attributes
    ----------
    unit : (int, int)
        The unit's row and column in its layer's map.
    top, left, bottom, right : int
        The first and last input row and column it sees (inclusive; outside the picture
        where the field reaches into padding).
    """

    unit: tuple[int, int]
    top: int
    left: int
    bottom: int
    right: int

    @property
    def size(self) -> tuple[int, int]:
        """Rows and columns of the field."""
        return self.bottom - self.top + 1, self.right - self.left + 1


def _unit_index(value: object, length: int, name: str) -> int:
    if not is_int(value) or not 0 <= int(value) < length:
        raise InputError(f"why.error.unit.{name}", value=repr(value), last=length - 1)
    return int(value)


def unit_field(fields: FieldPair, row: int, col: int) -> UnitField:
    """Return the input pixels seen by unit ``(row, col)`` of a layer.

    Parameters
    ----------
    fields : (ReceptiveField, ReceptiveField)
        The layer's receptive field along rows and columns.
    row, col : int
        The unit, inside the layer's map.

    Returns
    -------
    UnitField
        Its field: ``fields[0].size`` rows by ``fields[1].size`` columns.

    Raises
    ------
    InputError
        ``why.error.unit.row`` or ``why.error.unit.col`` if the unit is outside the map.

    Examples
    --------
    The bundled network's second pooling (10×10 fields, 4 pixels apart):

    >>> stack = [{"kernel_size": 3}, {"pool_size": 2}, {"kernel_size": 3}, {"pool_size": 2}]
    >>> pool2 = shapes.receptive_field(stack, input_length=28)[-1]
    >>> unit_field((pool2, pool2), 1, 2)
    UnitField(unit=(1, 2), top=4, left=8, bottom=13, right=17)
    """
    bounds = []
    for field, value, name in ((fields[0], row, "row"), (fields[1], col, "col")):
        index = _unit_index(value, field.length, name)
        first = round(field.start - (field.size - 1) / 2) + index * field.jump
        bounds.append((index, first, first + field.size - 1))
    (row, top, bottom), (col, left, right) = bounds
    return UnitField((row, col), top, left, bottom, right)


def most_active(feature_map: np.ndarray) -> tuple[int, int]:
    """Return the row and column of a map's largest value (the first one on a tie).

    Examples
    --------
    >>> most_active(np.array([[0.0, 3.0], [3.0, 1.0]]))
    (0, 1)
    """
    array = as_float_array(feature_map, "feature_map")
    if array.ndim != 2 or array.size == 0:
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    row, col = np.unravel_index(int(np.argmax(array)), array.shape)
    return int(row), int(col)


def nearest_unit(fields: FieldPair, centre: Sequence[float]) -> tuple[int, int]:
    """Return the unit of a layer whose receptive field is centred nearest an input point.

    Parameters
    ----------
    fields : (ReceptiveField, ReceptiveField)
        The layer's receptive field along rows and columns.
    centre : (float, float)
        A point of the input (row, column; 0 is the centre of the first pixel).

    Returns
    -------
    (int, int)
        The unit's row and column; a tie goes to the lower index.

    Examples
    --------
    >>> field = shapes.receptive_field([{"kernel_size": 3}, {"pool_size": 2}], input_length=28)[-1]
    >>> nearest_unit((field, field), (14.0, 3.0))
    (6, 1)
    """
    unit = []
    for field, point in zip(fields, centre, strict=True):
        index = math.ceil((float(point) - field.start) / field.jump - 0.5)
        unit.append(min(max(index, 0), field.length - 1))
    return unit[0], unit[1]
