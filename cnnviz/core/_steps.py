"""What every step-by-step trace shares: read-only arrays, step numbering, equality.

Private to :mod:`cnnviz.core` (the trace modules :mod:`cnnviz.core.trace`,
:mod:`cnnviz.core.signal_trace` and :mod:`cnnviz.core.pool_trace` import these
by name); see :mod:`cnnviz.core.trace` for the step order they implement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np

from cnnviz.core import shapes
from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError

MapAxis = Literal["filter", "channel"] | None
"""What the output's last axis holds: filters, channels, or no such axis (None)."""


def frozen(array: np.ndarray) -> np.ndarray:
    """Return a read-only view, so a frozen trace cannot be changed through its arrays.

    A view rather than the array itself: the caller's own array (which
    ``np.asarray`` may hand back uncopied) keeps its flags.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def check_index(value: object) -> int:
    """Read a step, row, column or map number; refuse anything but a whole number."""
    if is_int(value):
        return int(value)
    raise InputError("error.trace_index_not_int", value=repr(value))


class ArrayFieldsEq:
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
class Layout:
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
        index = check_index(index)
        if not 0 <= index < self.size:
            raise InputError(
                "error.trace_step_out_of_range", index=index, count=self.size, last=self.size - 1
            )
        fmap, rest = divmod(index, self.rows * self.cols)
        row, col = divmod(rest, self.cols)
        return index, row, col, (fmap if self.axis else None)

    def index(self, row: object, col: object, fmap: object) -> tuple[int, int, int, int | None]:
        """Return ``(index, row, col, map)`` of an output cell, checked."""
        row, col = check_index(row), check_index(col)
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
        fmap = check_index(fmap)
        if not 0 <= fmap < self.maps:
            raise InputError(
                f"error.trace_{self.axis}_out_of_range",
                value=fmap,
                count=self.maps,
                last=self.maps - 1,
            )
        return (fmap * self.rows + row) * self.cols + col, row, col, fmap


def padding_masks(padded_hw: tuple[int, int], pads: shapes.Pads2D) -> tuple[np.ndarray, np.ndarray]:
    """Return which padded rows and which padded columns lie outside the image."""
    masks = []
    for length, (before, after) in zip(padded_hw, pads, strict=True):
        outside = np.zeros(length, dtype=bool)
        outside[:before] = True
        outside[length - after :] = True
        masks.append(frozen(outside))
    return masks[0], masks[1]


class OneLineFormula(ArrayFieldsEq):
    """A step whose panel shows one line, its :meth:`formula` (1-D convolution, pooling)."""

    __slots__ = ()

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:  # pragma: no cover
        raise NotImplementedError

    def formula_lines(self, lang: str | None = None, *, digits: int = 3) -> list[str]:
        """Return ``[self.formula(lang, digits=digits)]``, so a panel shows any step alike."""
        return [self.formula(lang, digits=digits)]


class GridTrace:
    """What a trace over a 2-D output shares: its length, its steps, and the input it pads.

    A mixin for frozen dataclasses with fields ``padded``, ``pads`` and
    ``_layout`` (a :class:`Layout`) and a method ``_step(index, row, col, map)``
    that builds one step by slicing.
    """

    __slots__ = ()

    @property
    def image(self) -> np.ndarray:
        """ndarray, shape (H, W[, C]): the input, a read-only view inside :attr:`padded`."""
        (top, bottom), (left, right) = self.pads
        rows, cols = self.padded.shape[:2]
        return self.padded[top : rows - bottom, left : cols - right]

    def __len__(self) -> int:
        return self._layout.size

    def __iter__(self) -> Iterator[Any]:
        return (self.step(index) for index in range(len(self)))

    def cell_of(self, index: int) -> tuple[int, int, int | None]:
        """Return ``(row, col, map)`` of step ``index`` (map None without a last axis)."""
        return self._layout.cell(index)[1:]

    def step(self, index: int) -> Any:
        """Build step ``index``: one output cell, its window and its arithmetic.

        Parameters
        ----------
        index : int
            ``0 <= index < len(trace)``; feature map (filter or channel)
            outermost, then rows, then columns.

        Returns
        -------
        ConvStep or PoolStep
            Built by slicing the padded input: time and memory O(window).

        Raises
        ------
        InputError
            If ``index`` is not a whole number in range.
        """
        return self._step(*self._layout.cell(index))
