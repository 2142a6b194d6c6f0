"""Which output cells: the region a GIF animates, and the cell a click picked.

:class:`Region` and its helpers pick the block of output cells that a
convolution's GIF animates (:mod:`cnnviz.io.export`). Clicking a cell:
``st.plotly_chart(on_select="rerun")`` reports no points for a Heatmap, so
clickable maps carry a transparent Scatter of cell centres (:func:`click_targets`)
in the legend group :data:`CELL_GROUP`, with ``customdata = (row, col[, map])``;
:func:`pick_from_selection` and :func:`cell_from_selection` read Streamlit's
event back into output coordinates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from cnnviz.figures._base import SMALL_FONT, hover_template, is_whole
from cnnviz.i18n import InputError

__all__ = [
    "CELL_GROUP",
    "MAX_REGION",
    "CellPick",
    "Region",
    "cell_from_selection",
    "check_region",
    "click_targets",
    "default_region",
    "pick_from_selection",
    "region_around",
    "region_at",
]

CELL_GROUP = "cnnviz-cell"
"""Legend group of the transparent click targets; :func:`cell_from_selection` reads only these."""

MAX_REGION = 16
"""Largest animated region of a 2-D convolution, in output cells per side."""


# --- regions ----------------------------------------------------------------------------


class Region(NamedTuple):
    """A block of output cells: rows ``row_start:row_stop``, columns ``col_start:col_stop``.

    Steps run through it row by row, as the trace numbers them.

    Examples
    --------
    >>> region = Region(0, 2, 3, 6)
    >>> region.shape, region.size, region.cell(4), region.position(1, 4)
    ((2, 3), 6, (1, 4), 4)
    """

    row_start: int
    row_stop: int
    col_start: int
    col_stop: int

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the region."""
        return self.row_stop - self.row_start, self.col_stop - self.col_start

    @property
    def size(self) -> int:
        """Number of output cells, which is the number of frames of its animation."""
        rows, cols = self.shape
        return rows * cols

    def contains(self, row: int, col: int) -> bool:
        """Whether output cell ``(row, col)`` lies in the region."""
        return self.row_start <= row < self.row_stop and self.col_start <= col < self.col_stop

    def cell(self, position: int) -> tuple[int, int]:
        """Output cell shown at frame ``position`` (row-major inside the region)."""
        row, col = divmod(position, self.shape[1])
        return self.row_start + row, self.col_start + col

    def position(self, row: int, col: int) -> int:
        """Frame showing output cell ``(row, col)``; see :meth:`contains`.

        Raises
        ------
        InputError
            If the cell lies outside the region.
        """
        if not self.contains(row, col):
            raise InputError(
                "fig.error.cell_outside_region",
                row=row,
                col=col,
                row_start=self.row_start,
                row_last=self.row_stop - 1,
                col_start=self.col_start,
                col_last=self.col_stop - 1,
            )
        return (row - self.row_start) * self.shape[1] + (col - self.col_start)


def default_region(output_shape: Sequence[int], max_cells: int = MAX_REGION) -> Region:
    """Return the whole output if it fits in ``max_cells`` per side, else its top-left block.

    Parameters
    ----------
    output_shape : sequence of int
        ``(rows, cols[, maps])`` of the output; a trailing axis is ignored.
    max_cells : int, default 16
        Largest number of rows and of columns.

    Returns
    -------
    Region
        Starting at ``(0, 0)``.

    Examples
    --------
    >>> default_region((254, 254, 4)), default_region((3, 5))
    (Region(row_start=0, row_stop=16, col_start=0, col_stop=16), Region(row_start=0, row_stop=3, col_start=0, col_stop=5))
    """  # noqa: E501
    rows, cols = int(output_shape[0]), int(output_shape[1])
    return Region(0, min(rows, max_cells), 0, min(cols, max_cells))


def _outside(key: str, cell: tuple[int, int], shape: tuple[int, int]) -> InputError:
    """Say that ``cell`` lies outside an output of ``shape``; name the last valid row and column."""
    (row, col), (rows, cols) = cell, shape
    return InputError(
        key, row=row, col=col, rows=rows, cols=cols, last_row=rows - 1, last_col=cols - 1
    )


def check_region(
    region: Sequence[int] | None, output_shape: Sequence[int], *, max_cells: int = MAX_REGION
) -> Region:
    """Validate a region chosen by a user, clamping a stop past the output's edge.

    Parameters
    ----------
    region : (row_start, row_stop, col_start, col_stop) or None
        Output cells to animate, stops excluded, as in slicing; None picks
        :func:`default_region`.
    output_shape : sequence of int
        ``(rows, cols[, maps])`` of the output.
    max_cells : int, default 16
        Largest number of rows and of columns.

    Returns
    -------
    Region
        With each stop clamped to the output's size.

    Raises
    ------
    InputError
        If the region is not four whole numbers, is empty, starts outside the
        output, or is larger than ``max_cells`` per side.

    Examples
    --------
    >>> check_region((10, 30, 0, 4), (20, 20))
    Region(row_start=10, row_stop=20, col_start=0, col_stop=4)
    """
    if region is None:
        return default_region(output_shape, max_cells)
    rows, cols = int(output_shape[0]), int(output_shape[1])
    try:
        values = tuple(region)
    except TypeError:
        values = ()
    if len(values) != 4 or not all(is_whole(v) for v in values):
        raise InputError("fig.error.region_not_ints", value=repr(region))
    r0, r1, c0, c1 = (int(v) for v in values)
    if r1 <= r0 or c1 <= c0:
        raise InputError(
            "fig.error.region_empty", row_start=r0, row_stop=r1, col_start=c0, col_stop=c1
        )
    if not (0 <= r0 < rows and 0 <= c0 < cols):
        raise _outside("fig.error.region_outside", (r0, c0), (rows, cols))
    r1, c1 = min(r1, rows), min(c1, cols)
    if r1 - r0 > max_cells or c1 - c0 > max_cells:
        raise InputError("fig.error.region_too_large", rows=r1 - r0, cols=c1 - c0, max=max_cells)
    return Region(r0, r1, c0, c1)


def region_around(
    output_shape: Sequence[int], row: int, col: int, max_cells: int = MAX_REGION
) -> Region:
    """Return the tile of ``max_cells`` x ``max_cells`` output cells that holds ``(row, col)``.

    Tiles start at multiples of ``max_cells``, so neighbouring cells share a
    region and stepping through them keeps the same animation.

    Parameters
    ----------
    output_shape : sequence of int
        ``(rows, cols[, maps])`` of the output.
    row, col : int
        An output cell, from 0.
    max_cells : int, default 16
        Side of the tiles.

    Returns
    -------
    Region
        Clamped to the output.

    Raises
    ------
    InputError
        If the cell is outside the output.

    Examples
    --------
    >>> region_around((254, 254), 40, 3)
    Region(row_start=32, row_stop=48, col_start=0, col_stop=16)
    """
    rows, cols = int(output_shape[0]), int(output_shape[1])
    if not (is_whole(row) and is_whole(col)):
        raise InputError("error.trace_index_not_int", value=repr((row, col)))
    if not (0 <= row < rows and 0 <= col < cols):
        raise _outside("error.trace_cell_out_of_range", (row, col), (rows, cols))
    r0, c0 = (row // max_cells) * max_cells, (col // max_cells) * max_cells
    return Region(r0, min(r0 + max_cells, rows), c0, min(c0 + max_cells, cols))


def region_at(
    output_shape: Sequence[int], row: int, col: int, max_cells: int = MAX_REGION
) -> Region:
    """Return the region of up to ``max_cells`` per side whose top-left cell is ``(row, col)``.

    Near the bottom or right edge the start moves back, so the region keeps its
    full size when the output allows it.

    Parameters
    ----------
    output_shape : sequence of int
        ``(rows, cols[, maps])`` of the output.
    row, col : int
        The wished top-left output cell.
    max_cells : int, default 16
        Side of the region.

    Returns
    -------
    Region
        Inside the output.

    Raises
    ------
    InputError
        If ``(row, col)`` is not a cell of the output.

    Examples
    --------
    >>> region_at((254, 254), 250, 3)
    Region(row_start=238, row_stop=254, col_start=3, col_stop=19)
    """
    tile = region_around(output_shape, row, col, 1)  # validates the cell
    rows, cols = int(output_shape[0]), int(output_shape[1])
    r0 = min(tile.row_start, max(rows - max_cells, 0))
    c0 = min(tile.col_start, max(cols - max_cells, 0))
    return Region(r0, min(r0 + max_cells, rows), c0, min(c0 + max_cells, cols))


# --- clicking a cell ----------------------------------------------------------------------


class CellPick(NamedTuple):
    """A clicked cell: output ``row`` and ``col``, and ``map`` for a feature-map grid."""

    row: int
    col: int
    map: int | None


def pick_from_selection(selection: Mapping[str, Any] | None) -> CellPick | None:
    """Read the clicked cell (and map) from ``st.plotly_chart``'s selection event.

    Parameters
    ----------
    selection : mapping or None
        What ``st.plotly_chart(fig, on_select="rerun", selection_mode="points",
        key=...)`` returns (or ``st.session_state[key]``): ``{"selection":
        {"points": [...], "point_indices": [...], "box": [], "lasso": []}}``;
        the inner ``"selection"`` mapping is accepted too. Each point holds
        ``curve_number``, ``point_number``, ``point_index``, ``x``, ``y``,
        ``customdata`` and ``legendgroup``.

    Returns
    -------
    CellPick or None
        The first point on a click target of :data:`CELL_GROUP`; None when
        nothing is selected or the click landed elsewhere (the input panel, a
        padding cell).

    Examples
    --------
    >>> event = {"selection": {"points": [{"curve_number": 1, "point_index": 7,
    ...     "x": 3, "y": 1, "customdata": [1, 3, 2], "legendgroup": "cnnviz-cell:2"}],
    ...     "point_indices": [7], "box": [], "lasso": []}}
    >>> pick_from_selection(event)
    CellPick(row=1, col=3, map=2)
    """
    if not selection:
        return None
    inner = selection.get("selection", selection) if isinstance(selection, Mapping) else None
    points = inner.get("points") if isinstance(inner, Mapping) else None
    if not points:
        return None
    for point in points:
        if not isinstance(point, Mapping):
            continue
        group = point.get("legendgroup")
        if not isinstance(group, str) or group.split(":")[0] != CELL_GROUP:
            continue
        fmap = int(group.split(":")[1]) if ":" in group else None
        custom = point.get("customdata")
        if isinstance(custom, Sequence) and not isinstance(custom, str) and len(custom) >= 2:
            row, col = custom[0], custom[1]
        else:
            row, col = point.get("y"), point.get("x")
        try:
            return CellPick(round(float(row)), round(float(col)), fmap)
        except (TypeError, ValueError):
            continue
    return None


def cell_from_selection(selection: Mapping[str, Any] | None) -> tuple[int, int] | None:
    """Return the clicked output cell ``(row, col)`` from a selection event, or None.

    Parameters
    ----------
    selection : mapping or None
        The event ``st.plotly_chart(..., on_select="rerun")`` returns; see
        :func:`pick_from_selection`.

    Returns
    -------
    (int, int) or None
        Output coordinates of the clicked cell; None when nothing was clicked
        or the click was not on an output cell.

    Examples
    --------
    >>> cell_from_selection({"selection": {"points": [], "point_indices": [],
    ...                                     "box": [], "lasso": []}}) is None
    True
    """
    pick = pick_from_selection(selection)
    return None if pick is None else (pick.row, pick.col)


def click_targets(
    rows: int,
    cols: int,
    *,
    texts: list[list[str]] | None,
    xaxis: str,
    yaxis: str,
    lang: str,
    fmap: int | None = None,
) -> dict[str, Any]:
    """Build a transparent Scatter of a map's cell centres, which Streamlit reports when clicked.

    Small markers, so that hovering picks the nearest centre (the cell under the
    cursor); ``layout.hoverdistance`` is raised to reach a big cell's corners.
    Large maps use WebGL and leave ``customdata`` out: the point's x and y are
    the cell's column and row.

    Parameters
    ----------
    rows, cols : int
        The map's shape; point ``k`` is cell ``divmod(k, cols)``.
    texts : list of list of str, or None
        Each cell's value as written, for the hover; None for a large map.
    xaxis, yaxis : str
        The map's axes (``"x"``, ``"y2"``...).
    lang : str
        Language of the hover.
    fmap : int, optional
        In a grid of maps, this map's index: it joins the legend group and
        ``customdata``.

    Returns
    -------
    dict
        A ``scatter`` (``scattergl`` beyond 4096 cells) trace in :data:`CELL_GROUP`
        (``"cnnviz-cell:2"`` for map 2).

    Examples
    --------
    >>> trace = click_targets(2, 3, texts=None, xaxis="x", yaxis="y", lang="en", fmap=1)
    >>> trace["legendgroup"], trace["customdata"][4]
    ('cnnviz-cell:1', [1, 1, 1])
    """
    grid_rows, grid_cols = np.divmod(np.arange(rows * cols), cols)
    count = grid_rows.size
    group = CELL_GROUP if fmap is None else f"{CELL_GROUP}:{fmap}"
    trace: dict[str, Any] = {
        "type": "scatter" if count <= 4096 else "scattergl",
        "x": grid_cols,
        "y": grid_rows,
        "mode": "markers",
        "marker": {"size": 6, "color": "rgba(0,0,0,0)"},
        "legendgroup": group,
        "showlegend": False,
        "name": "",
        "xaxis": xaxis,
        "yaxis": yaxis,
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    if count <= 4096:
        custom = (
            np.stack([grid_rows, grid_cols], axis=1)
            if fmap is None
            else np.stack([grid_rows, grid_cols, np.full_like(grid_rows, fmap)], axis=1)
        )
        trace["customdata"] = custom.tolist()
        trace["text"] = [s for row in texts for s in row] if texts is not None else []
        trace["hovertemplate"] = hover_template(lang)
        # Selection dims unselected points; these are invisible anyway, keep them so.
        trace["selected"] = {"marker": {"opacity": 0}}
        trace["unselected"] = {"marker": {"opacity": 0}}
    else:
        trace["hoverinfo"] = "skip"
    return trace
