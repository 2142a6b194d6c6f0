"""Step-by-step traces of max and average pooling: the pooling lesson's frames and formulas.

Built like the 2-D convolution traces of :mod:`cnnviz.core.trace` (which
re-exports these names): the arguments are resolved once by
:func:`cnnviz.core.pooling.pool_windows`, the whole output is computed once from
those windows, and a step is built on demand by slicing the padded input. Steps
run channel by channel, then row-major; coordinates are in the padded input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Unpack

import numpy as np

from cnnviz.core import pooling, shapes
from cnnviz.core._steps import GridTrace, Layout, MapAxis, OneLineFormula, frozen
from cnnviz.core.formula import number, operand
from cnnviz.i18n import get_language, t


@dataclass(frozen=True, slots=True, eq=False)
class PoolStep(OneLineFormula):
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

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:
        """Write this window's pooling: ``max(1, 1, 5, 6) = 6``, ``(1 + 1 + 5 + 6) / 4 = 3.25``.

        Parameters
        ----------
        lang, digits
            As in :meth:`cnnviz.core.trace.ConvStep.formula`. Spanish writes
            decimal commas, so it separates a max's values with semicolons:
            ``max(0,5; 2) = 2``.

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
        result = number(self.result, lang, digits)
        if self.op == "max":
            separator = t("trace.list_separator", lang=lang)
            return f"max({separator.join(number(v, lang, digits) for v in real)}) = {result}"
        terms = " + ".join(operand(v, lang, digits) for v in real)
        return f"({terms}) / {self.count} = {result}"

    @property
    def cell(self) -> tuple[int, ...]:
        """The output cell as an index into ``trace.output``: ``(row, col[, channel])``."""
        return (self.row, self.col) if self.channel is None else (self.row, self.col, self.channel)


@dataclass(frozen=True, slots=True, eq=False)
class PoolTrace(GridTrace):
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

    Examples
    --------
    >>> trace = pool2d_trace([[1, 1, 2, 4], [5, 6, 7, 8]], 2)
    >>> trace.step(1).formula("en"), trace.step(1).winner, trace.cell_of(1)
    ('max(2, 4, 7, 8) = 8', (1, 3), (0, 1, None))
    """

    padded: np.ndarray
    real: np.ndarray
    pads: shapes.Pads2D
    pool_size: tuple[int, int]
    strides: tuple[int, int]
    op: str
    output: np.ndarray
    _layout: Layout = field(init=False, repr=False)
    _padded3: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        out = self.output
        axis: MapAxis = "channel" if out.ndim == 3 else None
        object.__setattr__(
            self, "_layout", Layout(out.shape[0], out.shape[1], out.shape[2] if axis else 1, axis)
        )
        padded3 = self.padded if self.padded.ndim == 3 else self.padded[..., None]
        object.__setattr__(self, "_padded3", padded3)

    def index_of(self, row: int, col: int, channel: int | None = None) -> int:
        """Return the step number of output cell ``(row, col)`` of ``channel``."""
        return self._layout.index(row, col, channel)[0]

    def step_at(self, row: int, col: int, channel: int | None = None) -> PoolStep:
        """Build the step of output cell ``(row, col)`` of ``channel``, as :meth:`step` does.

        Parameters
        ----------
        row, col, channel : int
            The output cell, from 0, and its channel: required for an
            ``(H, W, C)`` input, refused (None) for ``(H, W)``.

        Returns
        -------
        PoolStep
            ``trace.step(trace.index_of(row, col, channel))``; an ``InputError``
            when the cell or channel is out of range, missing or unexpected.
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
    x: np.ndarray, pool_size: int | Sequence[int] = 2, **settings: Unpack[pooling.PoolSettings]
) -> PoolTrace:
    r"""Trace a max or average pooling: the whole output now, each step on demand.

    Parameters
    ----------
    x : ndarray, shape (H, W) or (H, W, C)
        Channels last; each channel is pooled on its own.
    pool_size : int or (int, int), default 2
        Window size.
    **settings
        ``strides``, ``padding``, ``op``: the keywords of
        :func:`cnnviz.core.pooling.pool2d`. All are checked first by
        :func:`cnnviz.core.pooling.pool_windows`, which raises ``InputError``.

    Returns
    -------
    PoolTrace
        As many steps as output cells (channels included), made one by one on request.

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
    windows = pooling.pool_windows(x, pool_size, **settings)
    output = pooling.pool_from_windows(windows)
    return PoolTrace(
        padded=frozen(windows.padded),
        real=frozen(windows.real),
        pads=windows.pads,
        pool_size=windows.pool_size,
        strides=windows.strides,
        op=windows.op,
        output=frozen(output),
    )
