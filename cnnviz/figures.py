r"""Plotly figure builders: heatmaps, feature-map grids and step-by-step animations.

Every builder returns a :class:`plotly.graph_objects.Figure` that a page hands
to ``st.plotly_chart``; nothing here imports Streamlit. Words come from
:func:`cnnviz.i18n.t` and numbers from :func:`cnnviz.i18n.format_number`, so a
Spanish page shows ``0,5`` and an English one ``0.5``, with a true minus sign.

Notes
-----
**Colours.** Signed data (any negative value, unless ``signed`` says
otherwise) uses ColorBrewer's *RdBu*, reversed so that negative is blue, zero
white and positive red, on a range symmetric about zero (:data:`DIVERGING`):
it is diverging, colour-blind safe (blue and red differ in lightness as well
as hue) and the usual choice for weights and edge maps. Non-negative data uses
a plain grey ramp (:data:`GRAY`), 0 black and 1 (or the maximum, when above 1)
white, so that an image looks like an image and a ReLU feature map reads
"brighter = stronger".

**Coordinates.** Rows and columns are the array's own, from 0, with row 0 at
the top and square cells. In an animation the input panel uses *image*
coordinates: padding cells lie outside the image, at row or column −1, −2, ...
and after the last one (a step's padded index minus the top or left pad).
Students then see "row 0" where the image starts; the key
``fig.coords_caption`` explains it under the figure.

**Animations** play in the browser: Plotly frames, Play/Pause and speed
buttons, and a step slider. Each frame carries only four small Scatter traces
(the window, the cover over output cells not computed yet, the current output
cell's outline and the step's arithmetic); the input and output heatmaps are
static. Frames use ``redraw: true``: Plotly.js 4 removes the heatmaps of a
subplot whose scatter traces are transitioned without a redraw. The JSON stays
small (about 1 kB per step) and the window jumps from cell to cell, which is
how the arithmetic advances too.

**Clicking a cell.** ``st.plotly_chart(on_select="rerun")`` reports no points
for a Heatmap, so clickable panels carry a transparent Scatter of cell centres
in the legend group :data:`CELL_GROUP`, with ``customdata = (row, col[, map])``;
:func:`cell_from_selection` reads Streamlit's event back into output
coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz.i18n import InputError, format_number, get_language, t
from cnnviz.trace import Conv1DStep, Conv1DTrace, ConvStep, ConvTrace, PoolStep, PoolTrace

if TYPE_CHECKING:
    from cnnviz.signals import PaddingResult

__all__ = [
    "CELL_GROUP",
    "DIVERGING",
    "GRAY",
    "CellPick",
    "Region",
    "cell_from_selection",
    "check_region",
    "conv1d_animation",
    "conv_animation",
    "default_region",
    "feature_map_grid",
    "heatmap",
    "image_figure",
    "input_figure",
    "pick_from_selection",
    "pool_animation",
    "region_around",
    "region_at",
    "window_figure",
]

# --- constants --------------------------------------------------------------------------

DIVERGING: tuple[tuple[float, str], ...] = (
    (0.0, "rgb(5,48,97)"),
    (0.1, "rgb(33,102,172)"),
    (0.2, "rgb(67,147,195)"),
    (0.3, "rgb(146,197,222)"),
    (0.4, "rgb(209,229,240)"),
    (0.5, "rgb(247,247,247)"),
    (0.6, "rgb(253,219,199)"),
    (0.7, "rgb(244,165,130)"),
    (0.8, "rgb(214,96,77)"),
    (0.9, "rgb(178,24,43)"),
    (1.0, "rgb(103,0,31)"),
)
"""ColorBrewer RdBu reversed: blue (negative), white (zero), red (positive)."""

GRAY: tuple[tuple[float, str], ...] = ((0.0, "rgb(0,0,0)"), (1.0, "rgb(255,255,255)"))
"""Grey ramp for images and non-negative maps: the low end black, the high end white."""

CELL_GROUP = "cnnviz-cell"
"""Legend group of the transparent click targets; :func:`cell_from_selection` reads only these."""

MAX_REGION = 16
"""Largest animated region of a 2-D convolution, in output cells per side."""

MAX_REGION_SIDE = MAX_REGION
"""The same, under the name the pages use."""

MAX_ANIMATED_CELLS = MAX_REGION * MAX_REGION
"""Largest number of output cells (frames) of a 2-D animation."""

MAX_POOL_REGION = 8
"""Largest default region of a pooling: 8x8 outputs of a 2x2 pool touch 16x16 inputs."""

MAX_SPAN_1D = 256
"""Largest animated span of a 1-D convolution, in output positions."""

SPEEDS: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
"""Speed buttons of an animation, as multiples of the base frame rate."""

CELL_FONT = 16  # px: numbers written in cells must read on a projector
TEXT_FONT = 16  # px: the step's arithmetic
SMALL_FONT = 14  # px: ticks, legend, weights in the window's corner
LINE_PX = 21  # height of one line of TEXT_FONT text
WINDOW_COLOR = "#ff8c00"  # dark orange: visible on black, white, grey, blue and red
WINDOW_FILL = "rgba(255, 200, 0, 0.12)"  # a light tint: the values inside stay crisp
COVER_COLOR = "#f5f5f5"  # output cells not computed yet, dotted (no colour of a scale)
COVER_DOTS = "#8c8c8c"
PADDING_BG = "#e3e3e3"
PADDING_FG = "#8a8a8a"
EDGE_COLOR = "#303030"
_ASSUMED_WIDTH = 860  # px: the main column of a wide page at 1280 px with the sidebar open
_SEQUENCE_ERROR = (TypeError, ValueError)


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


def _whole(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


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
    if len(values) != 4 or not all(_whole(v) for v in values):
        raise InputError("fig.error.region_not_ints", value=repr(region))
    r0, r1, c0, c1 = (int(v) for v in values)
    if r1 <= r0 or c1 <= c0:
        raise InputError(
            "fig.error.region_empty", row_start=r0, row_stop=r1, col_start=c0, col_stop=c1
        )
    if not (0 <= r0 < rows and 0 <= c0 < cols):
        raise InputError(
            "fig.error.region_outside",
            row=r0,
            col=c0,
            rows=rows,
            cols=cols,
            last_row=rows - 1,
            last_col=cols - 1,
        )
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
    if not (_whole(row) and _whole(col)):
        raise InputError("error.trace_index_not_int", value=repr((row, col)))
    if not (0 <= row < rows and 0 <= col < cols):
        raise InputError(
            "error.trace_cell_out_of_range",
            row=row,
            col=col,
            rows=rows,
            cols=cols,
            last_row=rows - 1,
            last_col=cols - 1,
        )
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
        If the cell is outside the output.

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


def _check_span(span: Sequence[int] | None, length: int, max_cells: int) -> tuple[int, int]:
    """Validate a 1-D region ``(start, stop)`` of output positions, like :func:`check_region`."""
    if span is None:
        return 0, min(length, max_cells)
    try:
        values = tuple(span)
    except TypeError:
        values = ()
    if len(values) != 2 or not all(_whole(v) for v in values):
        raise InputError("fig.error.span_not_ints", value=repr(span))
    start, stop = (int(v) for v in values)
    if stop <= start:
        raise InputError("fig.error.span_empty", start=start, stop=stop)
    if not 0 <= start < length:
        raise InputError("fig.error.span_outside", start=start, count=length, last=length - 1)
    stop = min(stop, length)
    if stop - start > max_cells:
        raise InputError("fig.error.span_too_large", count=stop - start, max=max_cells)
    return start, stop


# --- colour scales and text ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Scale:
    colorscale: tuple[tuple[float, str], ...]
    zmin: float
    zmax: float
    signed: bool

    def trace_props(self) -> dict[str, Any]:
        return {
            "colorscale": [list(stop) for stop in self.colorscale],
            "zmin": self.zmin,
            "zmax": self.zmax,
        }


def _scale(
    values: np.ndarray, signed: bool | None = None, zmid: float | None = None, *, white: float = 1.0
) -> _Scale:
    """Pick the colour scale: diverging and symmetric about ``zmid`` (0) when signed, else grey.

    ``white`` is the value shown white on the grey scale when the data stay below it
    (1 for images in [0, 1], 255 for 8-bit ones).
    """
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if signed is None:
        signed = low < 0
    if signed:
        centre = 0.0 if zmid is None else float(zmid)
        half = max(abs(high - centre), abs(low - centre)) or 1.0
        return _Scale(DIVERGING, centre - half, centre + half, True)
    zmin = min(low, 0.0)
    zmax = white if high <= white else high
    if zmax <= zmin:
        zmax = zmin + 1.0
    return _Scale(GRAY, zmin, zmax, False)


def _white_point(array: np.ndarray) -> float:
    return 255.0 if array.dtype == np.uint8 else 1.0


def _texts(values: np.ndarray, lang: str, digits: int) -> list[list[str]]:
    """Format every cell the language's way; NaN and infinite cells stay blank."""
    rows = []
    for row in np.asarray(values, dtype=float).tolist():
        rows.append(
            [format_number(v, digits=digits, lang=lang) if math.isfinite(v) else "" for v in row]
        )
    return rows


def _fits(texts: list[list[str]], cell_px: float) -> bool:
    """Whether numbers of CELL_FONT px fit in cells of ``cell_px`` pixels."""
    longest = max((len(s) for row in texts for s in row), default=1)
    return cell_px >= max(26.0, 0.6 * CELL_FONT * longest + 8)


def _check_matrix(matrix: object) -> np.ndarray:
    try:
        array = np.asarray(matrix, dtype=float)
    except _SEQUENCE_ERROR:
        raise InputError("fig.error.not_2d", shape=repr(np.shape(matrix))) from None
    if array.ndim != 2 or 0 in array.shape:
        raise InputError("fig.error.not_2d", shape=tuple(array.shape))
    return array


def _hover(lang: str, row: str = "%{y}", col: str = "%{x}", value: str = "%{text}") -> str:
    return t("fig.hover_cell", lang=lang, row=row, col=col, value=value) + "<extra></extra>"


def _separators(lang: str) -> str:
    """Return Plotly's decimal and thousands separators: a decimal comma in Spanish."""
    return ", " if lang == "es" else ".,"


def _axis(
    first: int,
    last: int,
    *,
    domain: Sequence[float],
    anchor: str,
    reverse: bool = False,
    title: str | None = None,
    scaleanchor: str | None = None,
    ticks: bool = True,
) -> dict[str, Any]:
    """Lay out an axis over whole cells ``first..last``, a tick on each when they are few."""
    low, high = first - 0.5, last + 0.5
    axis: dict[str, Any] = {
        "domain": list(domain),
        "anchor": anchor,
        "range": [high, low] if reverse else [low, high],
        "showgrid": False,
        "zeroline": False,
        "constrain": "domain",
        "tickfont": {"size": SMALL_FONT},
        "showticklabels": ticks,
        "ticks": "outside" if ticks else "",
        "ticklen": 3,
        "tickcolor": "#9a9a9a",
        # A panel narrower than its box keeps to the box's top, under its title.
        "constraintoward": "top" if reverse else "center",
    }
    if last - first < 24:
        axis["dtick"] = 1
        axis["tick0"] = 0
    if title:
        axis["title"] = {"text": title, "font": {"size": SMALL_FONT}, "standoff": 4}
    if scaleanchor:
        axis["scaleanchor"] = scaleanchor
        axis["scaleratio"] = 1
    return axis


def _click_targets(
    rows: np.ndarray,
    cols: np.ndarray,
    *,
    xaxis: str,
    yaxis: str,
    hover: str,
    texts: list[str],
    fmap: int | None = None,
) -> dict[str, Any]:
    """Build a transparent Scatter of cell centres, which Streamlit reports when clicked.

    Small markers, so that hovering picks the nearest centre (the cell under the
    cursor); ``layout.hoverdistance`` is raised to reach a big cell's corners.
    Large maps use WebGL and leave ``customdata`` out: the point's x and y are
    the cell's column and row.
    """
    count = rows.size
    group = CELL_GROUP if fmap is None else f"{CELL_GROUP}:{fmap}"
    trace: dict[str, Any] = {
        "type": "scatter" if count <= 4096 else "scattergl",
        "x": cols,
        "y": rows,
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
            np.stack([rows, cols], axis=1)
            if fmap is None
            else np.stack([rows, cols, np.full_like(rows, fmap)], axis=1)
        )
        trace["customdata"] = custom.tolist()
        trace["text"] = texts
        trace["hovertemplate"] = hover
        # Selection dims unselected points; these are invisible anyway, keep them so.
        trace["selected"] = {"marker": {"opacity": 0}}
        trace["unselected"] = {"marker": {"opacity": 0}}
    else:
        trace["hoverinfo"] = "skip"
    return trace


def _outline(row: int, col: int, *, xaxis: str, yaxis: str) -> dict[str, Any]:
    """Outline one cell in the window's colour (the cell being inspected)."""
    x, y = _rect(row, col, row, col)
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "line": {"color": WINDOW_COLOR, "width": 4},
        "hoverinfo": "skip",
        "showlegend": False,
        "xaxis": xaxis,
        "yaxis": yaxis,
    }


def _figure(spec: dict[str, Any]) -> go.Figure:
    """Build a Figure from plain dicts without re-validating every frame (tests validate)."""
    try:
        return go.Figure(spec, _validate=False)
    except TypeError:  # pragma: no cover - a plotly without the private switch
        return go.Figure(spec)


# --- static figures ---------------------------------------------------------------------


def heatmap(
    matrix: np.ndarray,
    *,
    title: str | None = None,
    signed: bool | None = None,
    zmid: float | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    clickable: bool = True,
    colorbar: bool = True,
    highlight: tuple[int, int] | None = None,
    height: int | None = None,
    width: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Draw a 2-D array as a heatmap: row 0 at the top, square cells, values on hover.

    Parameters
    ----------
    matrix : array_like, shape (H, W)
        The values.
    title : str, optional
        Shown above the map.
    signed : bool, optional
        Diverging scale centred at ``zmid`` (True) or grey (False); by default
        diverging when any value is negative.
    zmid : float, optional
        Centre of the diverging scale; 0 by default.
    show_values : bool, optional
        Write each value in its cell (16 px); by default when they fit, which
        needs a small matrix (about 16 x 16 or fewer cells).
    digits : int, default 2
        Decimals kept at most in cells and on hover.
    clickable : bool, default True
        Overlay the transparent cell targets that :func:`cell_from_selection` reads.
    colorbar : bool, default True
        Show the colour scale's legend.
    highlight : (int, int), optional
        A cell to outline, such as the one being inspected.
    height : int, optional
        Figure height in pixels; by default from the matrix's shape, 300 to 560.
    width : int, optional
        Figure width in pixels, when the page knows it (a narrow column): it
        sets the layout's width and decides whether numbers fit in cells.
        Streamlit stretches the figure to its container otherwise.
    lang : str, optional
        Language of the labels and numbers; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        A Heatmap trace, and the click targets when ``clickable``.

    Raises
    ------
    InputError
        If ``matrix`` is not a non-empty 2-D array of numbers.

    Examples
    --------
    >>> fig = heatmap([[-1.0, 0.5], [2.0, 0.0]], lang="es")
    >>> fig.data[0].zmin, fig.data[0].zmax, list(fig.data[0].text[0])
    (-2.0, 2.0, ['−1', '0,5'])
    """
    lang = lang or get_language()
    source = np.asarray(matrix)
    values = _check_matrix(matrix)
    rows, cols = values.shape
    scale = _scale(values, signed, zmid, white=_white_point(source))
    height = height or int(min(560, max(300, 110 + 56 * rows)))
    cell_px = (height - 90) / rows
    if width:
        cell_px = min(cell_px, (width - 130) / cols)
    small = rows * cols <= 64 * 64
    texts = _texts(values, lang, digits) if small else None
    if show_values is None:
        show_values = texts is not None and rows <= 24 and cols <= 24 and _fits(texts, cell_px)
    if show_values and texts is None:
        texts = _texts(values, lang, digits)
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": values if small else values.astype(np.float32),  # halves big maps' JSON
        "x": np.arange(cols),
        "y": np.arange(rows),
        **scale.trace_props(),
        "showscale": colorbar,
        "colorbar": {"thickness": 14, "tickfont": {"size": SMALL_FONT}},
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    if texts is not None:
        trace["text"] = texts
        trace["hovertemplate"] = _hover(lang)
    else:
        trace["hovertemplate"] = _hover(lang, value=f"%{{z:.{digits}~f}}")
    if show_values:
        trace["texttemplate"] = "%{text}"
        trace["textfont"] = {"size": CELL_FONT}
    data = [trace]
    if clickable:
        grid_rows, grid_cols = np.divmod(np.arange(rows * cols), cols)
        flat = [s for row in texts for s in row] if texts is not None else []
        data.append(
            _click_targets(
                grid_rows, grid_cols, xaxis="x", yaxis="y", hover=_hover(lang), texts=flat
            )
        )
    if highlight is not None:
        data.append(_outline(*highlight, xaxis="x", yaxis="y"))
    layout = {
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 50 if title else 20, "b": 40},
        "separators": _separators(lang),
        "hovermode": "closest",
        "hoverdistance": 60,
        "plot_bgcolor": "white",
        "xaxis": _axis(0, cols - 1, domain=[0, 1], anchor="y", title=t("fig.column", lang=lang)),
        "yaxis": _axis(
            0,
            rows - 1,
            domain=[0, 1],
            anchor="x",
            reverse=True,
            scaleanchor="x",
            title=t("fig.row", lang=lang),
        ),
        "dragmode": False,
    }
    if width:
        layout["width"] = width
    if title:
        layout["title"] = {"text": title, "font": {"size": TEXT_FONT}, "x": 0.5}
    return _figure({"data": data, "layout": layout})


def image_figure(
    image: np.ndarray,
    *,
    title: str | None = None,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show an image as it looks: RGB as colour, grayscale in grey (0 black, 1 white).

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
        Values in [0, 1] (floats) or [0, 255] (uint8), as
        :func:`cnnviz.images.load_image` returns them.
    title : str, optional
        Shown above the image.
    height : int, optional
        Figure height in pixels; 420 by default.
    lang : str, optional
        Language of the hover labels; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``go.Image`` trace for RGB (hover shows R, G and B), else :func:`heatmap`
        with the grey scale and no numbers in cells.

    Raises
    ------
    InputError
        If ``image`` is not ``(H, W)`` or ``(H, W, 3)``.

    Examples
    --------
    >>> fig = image_figure(np.ones((2, 3, 3)))
    >>> fig.data[0].type, list(fig.data[0].z[0][0])
    ('image', [255, 255, 255])
    """
    lang = lang or get_language()
    array = np.asarray(image)
    if array.ndim == 2:
        return heatmap(
            array,
            title=title,
            signed=False,
            show_values=False,
            colorbar=False,
            clickable=False,
            height=height or 420,
            lang=lang,
        )
    if array.ndim != 3 or array.shape[2] != 3 or 0 in array.shape:
        raise InputError("fig.error.not_rgb", shape=tuple(array.shape))
    rows, cols = array.shape[:2]
    data = [_rgb_trace(array, 0, 0, lang, xaxis="x", yaxis="y")]
    layout = {
        "height": height or 420,
        "margin": {"l": 50, "r": 20, "t": 50 if title else 20, "b": 40},
        "separators": _separators(lang),
        "plot_bgcolor": "white",
        "xaxis": _axis(0, cols - 1, domain=[0, 1], anchor="y", title=t("fig.column", lang=lang)),
        "yaxis": _axis(
            0,
            rows - 1,
            domain=[0, 1],
            anchor="x",
            reverse=True,
            scaleanchor="x",
            title=t("fig.row", lang=lang),
        ),
        "dragmode": False,
    }
    if title:
        layout["title"] = {"text": title, "font": {"size": TEXT_FONT}, "x": 0.5}
    return _figure({"data": [*data], "layout": layout})


def _rgb_trace(
    array: np.ndarray,
    row0: int,
    col0: int,
    lang: str,
    *,
    xaxis: str,
    yaxis: str,
    digits: int = 2,
) -> dict[str, Any]:
    """Build a ``go.Image`` of an RGB array whose top-left cell sits at ``(row0, col0)``.

    Small images carry their pixels and, for the hover, their own values (0.53,
    not 135); large ones are sent as a PNG, far smaller than a list of numbers,
    and their hover gives the row and column.
    """
    values = np.asarray(array, dtype=float)
    finite = values[np.isfinite(values)]
    # 8-bit images stay 0..255 once a trace has made them floats.
    white = 255.0 if array.dtype == np.uint8 or (finite.size and finite.max() > 1) else 1.0
    values = np.nan_to_num(values, nan=0.0, posinf=white, neginf=0.0)
    values = np.clip(values, 0.0, white)
    pixels = np.round(values * (255.0 / white)).astype(np.uint8)
    trace: dict[str, Any] = {
        "type": "image",
        "x0": col0,
        "y0": row0,
        "dx": 1,
        "dy": 1,
        "xaxis": xaxis,
        "yaxis": yaxis,
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    rows, cols = values.shape[:2]
    if rows * cols <= 64 * 64:
        trace["z"] = pixels.tolist()
        trace["hovertext"] = [
            [
                "R {}, G {}, B {}".format(*(format_number(v, digits=digits, lang=lang) for v in px))
                if lang == "en"
                else "R {}; G {}; B {}".format(
                    *(format_number(v, digits=digits, lang=lang) for v in px)
                )
                for px in row
            ]
            for row in values.tolist()
        ]
        trace["hovertemplate"] = _hover(lang, value="%{hovertext}")
    else:
        import base64
        import io

        from PIL import Image  # Pillow: already the core's image library

        buffer = io.BytesIO()
        Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
        trace["source"] = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        trace["hovertemplate"] = _hover(lang, value="")
    return trace


def feature_map_grid(
    maps: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    shared_scale: bool = True,
    signed: bool | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    clickable: bool = True,
    highlight: tuple[int, int, int] | None = None,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show up to four feature maps side by side, with values on hover and clickable cells.

    Parameters
    ----------
    maps : array_like, shape (H, W, F) or (H, W)
        The maps, channels last; at most four (``F <= 4``).
    titles : sequence of str, optional
        One per map; by default "Feature map 0", "Feature map 1", ...
    shared_scale : bool, default True
        One colour range for all maps (symmetric about 0 when any is signed), so
        that a stronger filter looks stronger; False gives each map its own
        range, which shows each map's pattern best but hides their relative size.
    signed : bool, optional
        Diverging (True) or grey (False) scale; by default diverging when any
        value is negative.
    show_values : bool, optional
        Write values in cells; by default when they fit (small maps only).
    digits : int, default 2
        Decimals kept at most.
    clickable : bool, default True
        Overlay click targets whose ``customdata`` is ``(row, col, map)``.
    highlight : (int, int, int), optional
        A cell ``(row, col, map)`` to outline, such as the one being inspected.
    height : int, optional
        Figure height in pixels; 420 by default.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap per map (traces ``0..F-1``), then the click targets.

    Raises
    ------
    InputError
        If ``maps`` is not ``(H, W)`` or ``(H, W, F)`` with ``1 <= F <= 4``.

    Examples
    --------
    >>> fig = feature_map_grid(np.arange(18.0).reshape(3, 3, 2) - 9, lang="en")
    >>> [trace.zmin for trace in fig.data[:2]], fig.data[0].colorscale[0][1]
    ([-9.0, -9.0], 'rgb(5,48,97)')
    """
    lang = lang or get_language()
    source = np.asarray(maps)
    try:
        array = np.asarray(maps, dtype=float)
    except _SEQUENCE_ERROR:
        raise InputError("fig.error.maps_shape", shape=repr(np.shape(maps))) from None
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or 0 in array.shape or array.shape[2] > 4:
        raise InputError("fig.error.maps_shape", shape=tuple(np.shape(maps)))
    rows, cols, count = array.shape
    if titles is None:
        titles = [t("fig.feature_map_n", lang=lang, index=i) for i in range(count)]
    titles = list(titles)
    if signed is None:
        signed = bool(np.nanmin(array) < 0) if np.isfinite(array).any() else False
    white = _white_point(source)
    scales = (
        [_scale(array, signed, white=white)] * count
        if shared_scale
        else [_scale(array[..., f], signed, white=white) for f in range(count)]
    )
    height = height or 420
    gap = 0.04
    width = (1 - gap * (count - 1)) / count
    cell_px = min((_ASSUMED_WIDTH - 60) * width, height - 110) / max(rows, cols)
    small = rows * cols * count <= 4 * 64 * 64
    data: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 40, "r": 20, "t": 60, "b": 40},
        "separators": _separators(lang),
        "hovermode": "closest",
        "hoverdistance": 60,
        "plot_bgcolor": "white",
        "dragmode": False,
        "annotations": [],
    }
    for f in range(count):
        suffix = "" if f == 0 else str(f + 1)
        xname, yname = f"x{suffix}", f"y{suffix}"
        texts = _texts(array[..., f], lang, digits) if small else None
        show = show_values
        if show is None:
            show = texts is not None and _fits(texts, cell_px)
        trace: dict[str, Any] = {
            "type": "heatmap",
            "z": array[..., f] if small else array[..., f].astype(np.float32),
            "x": np.arange(cols),
            "y": np.arange(rows),
            **scales[f].trace_props(),
            "xaxis": xname,
            "yaxis": yname,
            "showscale": shared_scale and f == count - 1,
            "colorbar": {"thickness": 14, "tickfont": {"size": SMALL_FONT}},
            "name": titles[f] if f < len(titles) else "",
            "hoverlabel": {"font": {"size": SMALL_FONT}},
        }
        if texts is not None:
            trace["text"] = texts
            trace["hovertemplate"] = _hover(lang)
        else:
            trace["hovertemplate"] = _hover(lang, value=f"%{{z:.{digits}~f}}")
        if show and texts is not None:
            trace["texttemplate"] = "%{text}"
            trace["textfont"] = {"size": CELL_FONT}
        data.append(trace)
        if clickable:
            grid_rows, grid_cols = np.divmod(np.arange(rows * cols), cols)
            flat = [s for row in texts for s in row] if texts is not None else []
            targets.append(
                _click_targets(
                    grid_rows,
                    grid_cols,
                    xaxis=xname,
                    yaxis=yname,
                    hover=_hover(lang),
                    texts=flat,
                    fmap=f,
                )
            )
        left = f * (width + gap)
        layout[f"xaxis{suffix}"] = _axis(
            0, cols - 1, domain=[left, left + width], anchor=yname, ticks=True
        )
        layout[f"yaxis{suffix}"] = _axis(
            0,
            rows - 1,
            domain=[0, 1],
            anchor=xname,
            reverse=True,
            scaleanchor=xname,
            ticks=f == 0,
        )
        layout["annotations"].append(
            {
                "text": titles[f] if f < len(titles) else "",
                "x": left + width / 2,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",  # "auto" would anchor titles left of x < 1/3
                "yanchor": "bottom",
                "yshift": 8,
                "showarrow": False,
                "font": {"size": TEXT_FONT},
            }
        )
    if highlight is not None:
        row, col, fmap = highlight
        suffix = "" if fmap == 0 else str(fmap + 1)
        targets.append(_outline(row, col, xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    return _figure({"data": data + targets, "layout": layout})


def input_figure(image: np.ndarray, **kwargs: Any) -> go.Figure:
    """Show an input image; the same as :func:`image_figure` (the pages' name for it).

    Examples
    --------
    >>> input_figure(np.zeros((4, 4))).data[0].type
    'heatmap'
    """
    return image_figure(image, **kwargs)


def _matrix_panel(
    values: np.ndarray,
    padding: np.ndarray,
    scale: _Scale,
    *,
    suffix: str,
    lang: str,
    digits: int,
    pad_text: bool,
    rows: Sequence[int] | None = None,
) -> list[dict[str, Any]]:
    """Write a small matrix out in full on axes ``x{suffix}`` and ``y{suffix}``.

    Every cell shows its value; padding is hatched (with its value when ``pad_text``).
    """
    xname, yname = f"x{suffix}", f"y{suffix}"
    h, w = values.shape
    texts = _texts(values, lang, digits)
    ys = np.arange(h) if rows is None else np.asarray(rows)
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": np.where(padding, np.nan, values),
        "x": np.arange(w),
        "y": ys,
        **scale.trace_props(),
        "showscale": False,
        "text": [
            [("" if pad else s) for s, pad in zip(row, flags, strict=True)]
            for row, flags in zip(texts, padding.tolist(), strict=True)
        ],
        "texttemplate": "%{text}",
        "textfont": {"size": CELL_FONT},
        "hovertemplate": _hover(lang),
        "hoverongaps": False,
        "xgap": 1,
        "ygap": 1,
        "xaxis": xname,
        "yaxis": yname,
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    traces = [trace]
    pad_rows, pad_cols = np.nonzero(padding)
    if pad_rows.size:
        shown = [texts[r][c] if pad_text else "" for r, c in zip(pad_rows, pad_cols, strict=True)]
        traces.append(
            {
                "type": "bar",
                "x": pad_cols.tolist(),
                "y": [1] * pad_rows.size,
                "base": (ys[pad_rows] - 0.5).tolist(),
                "width": 1,
                "marker": {
                    "color": PADDING_BG,
                    "line": {"width": 0},
                    "pattern": {
                        "shape": "/",
                        "fgcolor": PADDING_FG,
                        "bgcolor": PADDING_BG,
                        "size": 9,
                        "solidity": 0.25,
                    },
                },
                "text": shown,
                "textposition": "inside",
                "insidetextanchor": "middle",
                "textangle": 0,
                "constraintext": "none",
                "textfont": {"size": CELL_FONT, "color": "#333333"},
                "name": t("fig.padding", lang=lang),
                "showlegend": False,
                "hoverinfo": "skip",
                "xaxis": xname,
                "yaxis": yname,
            }
        )
    return traces


def window_figure(
    step: ConvStep | PoolStep | Conv1DStep,
    *,
    channel: int | None = None,
    digits: int = 2,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show one step's window written out: values × weights = products, cell by cell.

    For the "inspect a cell" panel, beside the step's
    :meth:`~cnnviz.trace.ConvStep.formula_lines`. Padding cells are hatched.

    Parameters
    ----------
    step : ConvStep, PoolStep or Conv1DStep
        From ``trace.step(i)`` or ``trace.step_at(row, col[, filter])``.
    channel : int, optional
        For a multi-channel filter's step, the input channel to show; 0 by default.
    digits : int, default 2
        Decimals kept at most.
    height : int, optional
        Figure height in pixels; by default from the window's size.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Three small matrices (window, weights, products) with "×" and "=" between
        them; a pooling step shows its window alone, the kept maximum starred.

    Raises
    ------
    InputError
        If ``channel`` is out of range.

    Examples
    --------
    >>> from cnnviz.trace import conv2d_trace
    >>> step = conv2d_trace([[1, 2], [3, 4]], [[1, -1]]).step(0)
    >>> fig = window_figure(step, lang="en")
    >>> [list(trace.text[0]) for trace in fig.data[:3]]
    [['1', '2'], ['1', '−1'], ['1', '−2']]
    """
    lang = lang or get_language()
    if isinstance(step, Conv1DStep):
        values = np.asarray(step.values, dtype=float)[None, :]
        weights = np.asarray(step.weights, dtype=float)[None, :]
        padding = np.asarray(step.is_padding)[None, :]
    else:
        values = np.asarray(step.values, dtype=float)
        padding = np.asarray(step.is_padding)
        weights = None if isinstance(step, PoolStep) else np.asarray(step.weights, dtype=float)
    title_suffix = ""
    if values.ndim == 3:
        channels = values.shape[2]
        which = 0 if channel is None else channel
        if not (_whole(which) and 0 <= which < channels):
            raise InputError(
                "error.trace_channel_out_of_range",
                value=which,
                count=channels,
                last=channels - 1,
            )
        values = values[..., which]
        weights = None if weights is None else weights[..., which]
        title_suffix = f" ({t('trace.channel', lang=lang, index=which)})"
    h, w = values.shape
    cell = 54
    height = height or int(min(420, max(190, 110 + cell * h)))
    real = np.where(padding, np.nan, values)
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "separators": _separators(lang),
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "dragmode": False,
        "showlegend": False,
        "annotations": [],
        "barmode": "overlay",
    }
    if weights is None:  # pooling: the window, and the star on the kept maximum
        panels = [(real, _scale(real), t("fig.window_values", lang=lang) + title_suffix)]
    else:
        products = values * weights
        panels = [
            (real, _scale(real), t("fig.window_values", lang=lang) + title_suffix),
            (weights, _scale(weights, signed=True), t("fig.weights", lang=lang)),
            (products, _scale(products, signed=True), t("fig.products", lang=lang)),
        ]
    count = len(panels)
    gap = 0.08
    share = (1 - gap * (count - 1)) / count
    data: list[dict[str, Any]] = []
    for index, (matrix, scale, title) in enumerate(panels):
        suffix = "" if index == 0 else str(index + 1)
        left = index * (share + gap)
        data += _matrix_panel(
            np.where(padding, values, matrix) if index == 0 else matrix,
            padding if index == 0 else np.zeros_like(padding),
            scale,
            suffix=suffix,
            lang=lang,
            digits=digits,
            pad_text=not isinstance(step, PoolStep),
        )
        layout[f"xaxis{suffix}"] = {
            **_axis(0, w - 1, domain=(left, left + share), anchor=f"y{suffix}", ticks=False),
            "visible": False,
        }
        layout[f"yaxis{suffix}"] = {
            **_axis(
                0,
                h - 1,
                domain=(0, 1),
                anchor=f"x{suffix}",
                reverse=True,
                scaleanchor=f"x{suffix}",
                ticks=False,
            ),
            "visible": False,
        }
        layout["annotations"].append(
            {
                "text": f"<b>{title}</b>",
                "x": left + share / 2,
                "y": 1,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": SMALL_FONT},
            }
        )
        if index:
            layout["annotations"].append(
                {
                    "text": "×" if index == 1 else "=",
                    "x": left - gap / 2,
                    "y": 0.5,
                    "xref": "paper",
                    "yref": "paper",
                    "showarrow": False,
                    "font": {"size": 28},
                }
            )
    if isinstance(step, PoolStep) and step.winner is not None:
        row, col = step.winner[0] - step.top_left[0], step.winner[1] - step.top_left[1]
        data.append(
            {
                "type": "scatter",
                "x": [col + 0.3],
                "y": [row - 0.3],
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 18,
                    "color": "#ffd400",
                    "line": {"color": "#000000", "width": 1.5},
                },
                "hoverinfo": "skip",
                "xaxis": "x",
                "yaxis": "y",
                "cliponaxis": False,
            }
        )
    return _figure({"data": data, "layout": layout})


# --- reading a click ----------------------------------------------------------------------


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


# --- animations: shared pieces ------------------------------------------------------------


def _rect(top: float, left: float, bottom: float, right: float) -> tuple[list, list]:
    """Return a closed rectangle around cells ``top..bottom`` x ``left..right``."""
    x = [left - 0.5, right + 0.5, right + 0.5, left - 0.5, left - 0.5]
    y = [top - 0.5, top - 0.5, bottom + 0.5, bottom + 0.5, top - 0.5]
    return x, y


def _cover(region: Region, position: int) -> tuple[list, list]:
    """Return the polygon over the output cells after ``position`` (not computed yet).

    Always seven points, degenerate when nothing is left, so frames stay alike.
    """
    rows, cols = region.shape
    i, j = divmod(position, cols)
    r0, c0 = region.row_start - 0.5, region.col_start - 0.5
    right, bottom = c0 + cols, r0 + rows
    top_of_rest = r0 + i + 1  # first row entirely below the current one
    if j < cols - 1:
        x = [c0 + j + 1, right, right, c0, c0, c0 + j + 1, c0 + j + 1]
        y = [r0 + i, r0 + i, bottom, bottom, top_of_rest, top_of_rest, r0 + i]
    elif i < rows - 1:
        x = [c0, right, right, c0, c0, c0, c0]
        y = [top_of_rest, top_of_rest, bottom, bottom, top_of_rest, top_of_rest, top_of_rest]
    else:
        x, y = [right] * 7, [bottom] * 7
    return x, y


def _wrap(line: str, width: int, group: int | None = None) -> str:
    """Break a formula line into screen lines at its separators, every ``group`` terms.

    A break replaces the space after a separator (``" + "``, ``"; "``, ``", "``),
    so ``text.replace("<br>", " ")`` gives the line back. With ``group`` (the
    kernel's width) the products break one kernel row per line, as the window
    looks; a screen line longer than ``width`` characters breaks again.
    """
    for separator in (" + ", "; ", ", "):
        if separator in line:
            break
    else:
        return line
    pieces: list[list[str]] = [[]]
    for part in line.split(separator):
        current = pieces[-1]
        if current and (
            (group is not None and len(current) == group)
            or len(separator.join([*current, part])) > width
        ):
            pieces.append([part])
        else:
            current.append(part)
    lines = [separator.join(piece) for piece in pieces]
    if separator == " + ":
        return "<br>+ ".join(lines)
    return (separator.rstrip() + "<br>").join(lines)


def _wrap_words(text: str, width: int) -> list[str]:
    """Break prose into lines of at most ``width`` characters, at spaces."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def _formula_text(
    header: str, lines: Sequence[str], width: int, group: int | None, note: str | None = None
) -> str:
    """Write a frame's arithmetic: a bold header (and a note), then each formula line.

    Formula lines are separated by a blank line; a channel's label (``channel 0:``)
    gets a line of its own, so that its products break one kernel row per line.
    """
    head = "<br>".join(f"<b>{part}</b>" for part in _wrap_words(header, width))
    if note:
        head += "<br>" + "<br>".join(_wrap_words(note, width))
    body = []
    for line in lines:
        label, colon, rest = line.partition(": ")
        if colon and "·" not in label:
            body.append(f"{label}:<br>{_wrap(rest, width, group)}")
        else:
            body.append(_wrap(line, width, group))
    return head + "<br><br>" + "<br><br>".join(body)


@dataclass(slots=True)
class _View:
    """The part of the (padded) input that the region's windows touch, in image coordinates."""

    row0: int  # image row of the view's first row (negative inside the top padding)
    col0: int
    values: np.ndarray  # (h, w) or (h, w, 3) for an RGB view
    padding: np.ndarray  # (h, w) bool
    rgb: bool

    @property
    def shape(self) -> tuple[int, int]:
        return self.padding.shape


def _view(
    padded: np.ndarray,
    pads: tuple[tuple[int, int], tuple[int, int]],
    real_shape: tuple[int, int],
    rows: tuple[int, int],
    cols: tuple[int, int],
    channel: int | None,
    rgb: bool,
) -> _View:
    """Cut padded rows ``rows[0]:rows[1]`` and columns ``cols[0]:cols[1]`` out of ``padded``."""
    (top, _), (left, _) = pads
    block = padded[rows[0] : rows[1], cols[0] : cols[1]]
    if block.ndim == 3 and not rgb:
        block = block[..., 0 if channel is None else channel]
    image_rows = np.arange(rows[0], rows[1]) - top
    image_cols = np.arange(cols[0], cols[1]) - left
    outside_rows = (image_rows < 0) | (image_rows >= real_shape[0])
    outside_cols = (image_cols < 0) | (image_cols >= real_shape[1])
    padding = outside_rows[:, None] | outside_cols[None, :]
    return _View(int(image_rows[0]), int(image_cols[0]), np.asarray(block), padding, rgb)


def _input_traces(
    view: _View,
    *,
    lang: str,
    digits: int,
    show_values: bool | None,
    cell_px: float,
    pad_text: bool,
    real_shape: tuple[int, int],
    whole: np.ndarray,
) -> tuple[list[dict[str, Any]], bool]:
    """Build the input panel's static traces: cells, hatched padding, the image's edge.

    ``whole`` is the whole input (this channel), whose range sets the colours, so
    that the panel's greys match the full image's. Returns the traces and whether
    values are written in cells.
    """
    h, w = view.shape
    xs = np.arange(view.col0, view.col0 + w)
    ys = np.arange(view.row0, view.row0 + h)
    traces: list[dict[str, Any]] = []
    written = False
    if view.rgb:
        real = np.where(view.padding[..., None], 0.0, view.values)
        traces.append(_rgb_trace(real, view.row0, view.col0, lang, xaxis="x", yaxis="y"))
    else:
        values = np.asarray(view.values, dtype=float)
        real = np.where(view.padding, np.nan, values)
        texts = _texts(values, lang, digits)
        written = _fits(texts, cell_px) if show_values is None else bool(show_values)
        real_texts = [
            ["" if pad else s for s, pad in zip(row, pads, strict=True)]
            for row, pads in zip(texts, view.padding.tolist(), strict=True)
        ]
        scale = _scale(np.asarray(whole, dtype=float), white=_white_point(whole))
        trace: dict[str, Any] = {
            "type": "heatmap",
            "z": real,
            "x": xs,
            "y": ys,
            **scale.trace_props(),
            "showscale": False,
            "text": real_texts,
            "hovertemplate": _hover(lang),
            "hoverongaps": False,
            "xaxis": "x",
            "yaxis": "y",
            "name": t("fig.input", lang=lang),
            "hoverlabel": {"font": {"size": SMALL_FONT}},
        }
        if written:
            trace["texttemplate"] = "%{text}"
            trace["textfont"] = {"size": CELL_FONT}
        traces.append(trace)
    pad_rows, pad_cols = np.nonzero(view.padding)
    if pad_rows.size:
        bar: dict[str, Any] = {
            "type": "bar",
            "x": (pad_cols + view.col0).tolist(),
            "y": [1] * pad_rows.size,
            "base": (pad_rows + view.row0 - 0.5).tolist(),
            "width": 1,
            "marker": {
                "color": PADDING_BG,
                "line": {"width": 0},
                "pattern": {
                    "shape": "/",
                    "fgcolor": PADDING_FG,
                    "bgcolor": PADDING_BG,
                    "size": 9,
                    "solidity": 0.25,
                },
            },
            "name": t("fig.padding", lang=lang),
            "legendgroup": "padding",
            "xaxis": "x",
            "yaxis": "y",
            "hoverlabel": {"font": {"size": SMALL_FONT}},
        }
        cells = np.asarray(view.values, dtype=float)[pad_rows, pad_cols]
        if not pad_text:
            key, hover_values = "fig.hover_padding_ignored", [""] * pad_rows.size
        elif view.rgb:
            separator = t("trace.list_separator", lang=lang)
            key = "fig.hover_padding"
            hover_values = [
                separator.join(format_number(v, digits=digits, lang=lang) for v in rgb)
                for rgb in cells.tolist()
            ]
        else:
            key = "fig.hover_padding"
            hover_values = [format_number(v, digits=digits, lang=lang) for v in cells.tolist()]
        bar["hovertext"] = [
            t(key, lang=lang, row=int(r) + view.row0, col=int(c) + view.col0, value=v)
            for r, c, v in zip(pad_rows.tolist(), pad_cols.tolist(), hover_values, strict=True)
        ]
        bar["hovertemplate"] = "%{hovertext}<extra></extra>"
        if written and pad_text and not view.rgb:
            bar["text"] = hover_values
            bar["textposition"] = "inside"
            bar["insidetextanchor"] = "middle"
            bar["textangle"] = 0
            bar["constraintext"] = "none"
            bar["textfont"] = {"size": CELL_FONT, "color": "#333333"}
        traces.append(bar)
        x, y = _rect(0, 0, real_shape[0] - 1, real_shape[1] - 1)
        traces.append(
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "mode": "lines",
                "line": {"color": EDGE_COLOR, "width": 2, "dash": "dash"},
                "name": t("fig.image_edge", lang=lang),
                "hoverinfo": "skip",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    return traces, written


def _output_traces(
    values: np.ndarray,
    region: Region,
    *,
    lang: str,
    digits: int,
    cell_px: float,
    show_values: bool | None,
    whole: np.ndarray,
    name: str,
) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """Build the output panel's static traces: the region's values and click targets.

    ``whole`` is the whole output map, whose range sets the colours, so that the
    region looks as it does in the full feature map.
    """
    texts = _texts(values, lang, digits)
    written = _fits(texts, cell_px) if show_values is None else bool(show_values)
    scale = _scale(np.asarray(whole, dtype=float))
    ys = np.arange(region.row_start, region.row_stop)
    xs = np.arange(region.col_start, region.col_stop)
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": values,
        "x": xs,
        "y": ys,
        **scale.trace_props(),
        "showscale": False,
        "text": texts,
        "hovertemplate": _hover(lang),
        "xaxis": "x2",
        "yaxis": "y2",
        "name": name,
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    if written:
        trace["texttemplate"] = "%{text}"
        trace["textfont"] = {"size": CELL_FONT}
    grid_rows, grid_cols = np.divmod(np.arange(region.size), region.shape[1])
    targets = _click_targets(
        grid_rows + region.row_start,
        grid_cols + region.col_start,
        xaxis="x2",
        yaxis="y2",
        hover=_hover(lang),
        texts=[s for row in texts for s in row],
    )
    return [trace, targets], texts


def _controls(
    names: list[str], active: int, frame_duration: int, lang: str, *, y: float
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Play, Pause and speed buttons on the left, the step slider on the right, at paper ``y``."""
    # Playing starts at the step shown: the frame list is rotated to begin there, and
    # "fromcurrent" resumes after the last frame shown (by the slider or a pause).
    order = names[active:] + names[:active]

    def play(speed: float) -> dict[str, Any]:
        label = t("fig.play", lang=lang) if speed == 1 else f"▶ {format_number(speed, lang=lang)}×"
        return {
            "label": label,
            "method": "animate",
            "args": [
                order,
                {
                    "frame": {"duration": round(frame_duration / speed), "redraw": True},
                    "transition": {"duration": 0},
                    "fromcurrent": True,
                    "mode": "immediate",
                },
            ],
        }

    pause = {
        "label": t("fig.pause", lang=lang),
        "method": "animate",
        "args": [
            [None],
            {
                "frame": {"duration": 0, "redraw": True},
                "transition": {"duration": 0},
                "mode": "immediate",
            },
        ],
    }
    buttons = [play(1.0), pause, *(play(speed) for speed in SPEEDS if speed != 1)]
    menus = [
        {
            "type": "buttons",
            "direction": "left",
            "buttons": buttons,
            "showactive": False,
            "x": 0.0,
            "xanchor": "left",
            "y": y,
            "yanchor": "top",
            "pad": {"t": 22, "r": 4, "l": 0, "b": 0},
            "font": {"size": SMALL_FONT},
        }
    ]
    step_args = {
        "frame": {"duration": 0, "redraw": True},
        "transition": {"duration": 0},
        "mode": "immediate",
    }
    slider = {
        "active": active,
        "steps": [
            {"label": name, "method": "animate", "args": [[name], step_args]} for name in names
        ],
        "x": 0.42,
        "len": 0.58,
        "y": y,
        "yanchor": "top",
        "pad": {"t": 0, "b": 0, "l": 0, "r": 0},
        "currentvalue": {
            "prefix": t("fig.step_prefix", lang=lang),
            "suffix": t("fig.step_suffix", lang=lang, last=len(names) - 1),
            "font": {"size": SMALL_FONT + 1, "color": "#1a1a1a"},
            "xanchor": "left",
            "offset": 4,
        },
        # Plotly writes only every n-th label when they would overlap.
        "font": {"size": SMALL_FONT - 1, "color": "#444444"},
        "ticklen": 4,
        "minorticklen": 0,
        "transition": {"duration": 0},
    }
    return menus, [slider]


def _legend_entries(lang: str, *, winner: bool) -> list[dict[str, Any]]:
    """Legend-only traces for what a frame draws (so the legend names them once)."""
    entries = [
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "lines",
            "line": {"color": WINDOW_COLOR, "width": 4},
            "name": t("fig.window", lang=lang),
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "marker": {
                "symbol": "square",
                "size": 14,
                "color": COVER_COLOR,
                "line": {"color": "#b0b0b0", "width": 1},
            },
            "name": t("fig.not_computed", lang=lang),
            "xaxis": "x2",
            "yaxis": "y2",
        },
    ]
    if winner:
        entries.append(
            {
                "type": "scatter",
                "x": [None],
                "y": [None],
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": 16,
                    "color": "#ffd400",
                    "line": {"color": "#000000", "width": 1.5},
                },
                "name": t("fig.maximum", lang=lang),
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    return entries


@dataclass(slots=True)
class _Frame:
    """What moves in one frame: the window's path, the cover, the outline, the arithmetic.

    ``window_text`` and ``marker_size`` follow the path point by point; the path
    has the same structure in every frame, so the first frame's go into the
    figure once and frames carry only coordinates (each per-frame property costs
    Plotly's validation, about 15 ms per 256 frames).
    """

    window_x: list
    window_y: list
    window_text: list | None
    marker_size: list | None
    outline: tuple[list, list]
    cover: tuple[list, list]
    formula: str


def _animation(
    *,
    static: list[dict[str, Any]],
    frames: list[_Frame],
    active: int,
    layout: dict[str, Any],
    frame_duration: int,
    lang: str,
    winner: bool,
    weights: bool,
    controls_y: float,
) -> go.Figure:
    """Assemble static traces, the four per-frame traces, controls and frames into a Figure."""
    first = len(static) + (3 if winner else 2)  # legend-only entries come before
    marked = winner or weights
    window_mode = "lines" + ("+markers" if marked else "") + ("+text" if weights else "")

    def moving(frame: _Frame) -> list[dict[str, Any]]:
        return [
            {"type": "scatter", "x": frame.window_x, "y": frame.window_y},
            {"type": "scatter", "x": frame.cover[0], "y": frame.cover[1]},
            {"type": "scatter", "x": frame.outline[0], "y": frame.outline[1]},
            {"type": "scatter", "text": [frame.formula]},
        ]

    shown = frames[active]
    window, cover, outline, formula = moving(shown)
    window.update(
        {
            "mode": window_mode,
            "line": {"color": WINDOW_COLOR, "width": 4},
            "fill": "toself",
            "fillcolor": WINDOW_FILL,
            "textposition": "middle center",
            "textfont": {"size": SMALL_FONT, "color": "#000000"},
            "hoverinfo": "skip",
            "showlegend": False,
            "xaxis": "x",
            "yaxis": "y",
            "cliponaxis": False,
        }
    )
    if shown.window_text is not None:
        window["text"] = shown.window_text
    if winner:
        window["marker"] = {
            "symbol": "star",
            "size": shown.marker_size,
            "color": "#ffd400",
            "line": {"color": "#000000", "width": 1.5},
        }
    elif weights:
        # Each weight sits on a white badge: black text that reads on any cell.
        window["marker"] = {
            "symbol": "square",
            "size": shown.marker_size,
            "color": "rgba(255, 255, 255, 0.88)",
            "line": {"width": 0},
        }
    cover.update(
        {
            "mode": "lines",
            "fill": "toself",
            "fillcolor": COVER_COLOR,
            "fillpattern": {
                "shape": ".",
                "fgcolor": COVER_DOTS,
                "bgcolor": COVER_COLOR,
                "size": 7,
                "solidity": 0.2,
            },
            "line": {"color": "#b0b0b0", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
            "xaxis": "x2",
            "yaxis": "y2",
        }
    )
    outline.update(
        {
            "mode": "lines",
            "line": {"color": WINDOW_COLOR, "width": 4},
            "hoverinfo": "skip",
            "showlegend": False,
            "xaxis": "x2",
            "yaxis": "y2",
        }
    )
    formula.update(
        {
            "x": [0],
            "y": [1],
            "mode": "text",
            "textposition": "bottom right",
            "textfont": {"size": TEXT_FONT, "color": "#1a1a1a"},
            "hoverinfo": "skip",
            "showlegend": False,
            "cliponaxis": False,
            "xaxis": "x3",
            "yaxis": "y3",
        }
    )
    names = [str(k) for k in range(len(frames))]
    indices = [first, first + 1, first + 2, first + 3]
    frame_specs = [
        {"name": name, "traces": indices, "data": moving(frame)}
        for name, frame in zip(names, frames, strict=True)
    ]
    menus, sliders = _controls(names, active, frame_duration, lang, y=controls_y)
    layout = {**layout, "updatemenus": menus, "sliders": sliders}
    data = [*static, *_legend_entries(lang, winner=winner), window, cover, outline, formula]
    return _figure({"data": data, "layout": layout, "frames": frame_specs})


def _base_layout(
    *,
    lang: str,
    height: int,
    input_axes: tuple[dict[str, Any], dict[str, Any]],
    output_axes: tuple[dict[str, Any], dict[str, Any]],
    text_domain: tuple[Sequence[float], Sequence[float]],
    titles: tuple[str, str, str],
    title_positions: tuple[tuple[float, float], tuple[float, float], tuple[float, float]],
) -> dict[str, Any]:
    annotations = [
        {
            "text": f"<b>{text}</b>",
            "x": x,
            "y": y,
            "xref": "paper",
            "yref": "paper",
            "xanchor": "center" if i < 2 else "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": TEXT_FONT},
        }
        for i, (text, (x, y)) in enumerate(zip(titles, title_positions, strict=True))
        if text
    ]
    return {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 44, "b": 16},
        "separators": _separators(lang),
        "plot_bgcolor": "white",
        "hovermode": "closest",
        "hoverdistance": 80,
        "dragmode": False,
        "showlegend": True,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "y": 1.0,
            "yanchor": "top",
            "yref": "container",
            "font": {"size": SMALL_FONT},
            "traceorder": "normal",  # grouped traces would each take a row
            "itemclick": False,
            "itemdoubleclick": False,
        },
        "xaxis": input_axes[0],
        "yaxis": input_axes[1],
        "xaxis2": output_axes[0],
        "yaxis2": output_axes[1],
        "xaxis3": {
            "domain": list(text_domain[0]),
            "range": [0, 1],
            "visible": False,
            "fixedrange": True,
            "anchor": "y3",
        },
        "yaxis3": {
            "domain": list(text_domain[1]),
            "range": [0, 1],
            "visible": False,
            "fixedrange": True,
            "anchor": "x3",
        },
        "annotations": annotations,
        "barmode": "overlay",
        "bargap": 0,
    }


def _check_step(active_step: object, count: int) -> int:
    if not _whole(active_step):
        raise InputError("error.trace_index_not_int", value=repr(active_step))
    active = int(active_step)  # type: ignore[call-overload]
    if not 0 <= active < count:
        raise InputError("error.trace_step_out_of_range", index=active, count=count, last=count - 1)
    return active


def _layout_2d(
    view: _View,
    region: Region,
    *,
    lang: str,
    height: int | None,
    formulas: Sequence[str],
    titles: tuple[str, str, str],
) -> tuple[dict[str, Any], float, float, float]:
    """Layout of a 2-D animation: input | output | arithmetic, controls below.

    The arithmetic column is as wide as its longest line needs (22 % to 30 % of
    the width); the panels share the rest in proportion to their columns, so
    that input and output cells come out about the same size.

    Returns the layout, the estimated pixels per input cell and per output cell,
    and the paper height at which the controls start.
    """
    usable = _ASSUMED_WIDTH - 72
    lines = max(_count_lines(text) for text in formulas)
    longest = max(
        len(line.replace("<b>", "").replace("</b>", ""))
        for text in formulas
        for line in text.split("<br>")
    )
    text_frac = min(0.30, max(0.22, (longest * 0.45 * TEXT_FONT + 12) / usable))
    h, w = view.shape
    rows, cols = region.shape
    panels = 1 - text_frac - 0.04 - 0.05  # the gaps: panels | panels | text
    split = panels * min(0.62, max(0.45, w / (w + cols)))
    input_domain = (0.0, split)
    output_domain = (split + 0.05, panels + 0.05)
    # As tall as the panels need at the assumed width (square cells), at most 400 px.
    panel_px = min(
        400.0,
        max(
            160.0,
            (input_domain[1] - input_domain[0]) * usable * h / w,
            (output_domain[1] - output_domain[0]) * usable * rows / cols,
        ),
    )
    text_px = LINE_PX * lines + 20
    controls_px = 120  # axis labels, then the buttons and the slider
    top_px = 70  # legend and panel titles
    height = height or int(max(panel_px, text_px) + controls_px + top_px)
    plot_px = height - 44 - 16
    bottom = controls_px / plot_px
    top = 1 - (top_px - 44) / plot_px
    text_domain = ((1 - text_frac, 1.0), (bottom, top))
    panel_h = (top - bottom) * plot_px
    in_px = min((input_domain[1] - input_domain[0]) * usable / w, panel_h / h)
    out_px = min((output_domain[1] - output_domain[0]) * usable / cols, panel_h / rows)
    input_axes = (
        _axis(
            view.col0,
            view.col0 + w - 1,
            domain=input_domain,
            anchor="y",
            title=t("fig.column", lang=lang),
        ),
        _axis(
            view.row0,
            view.row0 + h - 1,
            domain=(bottom, top),
            anchor="x",
            reverse=True,
            scaleanchor="x",
            title=t("fig.row", lang=lang),
        ),
    )
    output_axes = (
        _axis(
            region.col_start,
            region.col_stop - 1,
            domain=output_domain,
            anchor="y2",
            title=t("fig.column", lang=lang),
        ),
        _axis(
            region.row_start,
            region.row_stop - 1,
            domain=(bottom, top),
            anchor="x2",
            reverse=True,
            scaleanchor="x2",
        ),
    )
    layout = _base_layout(
        lang=lang,
        height=height,
        input_axes=input_axes,
        output_axes=output_axes,
        text_domain=text_domain,
        titles=titles,
        title_positions=(
            (sum(input_domain) / 2, top),
            (sum(output_domain) / 2, top),
            (text_domain[0][0], top),
        ),
    )
    return layout, in_px, out_px, (controls_px - 48) / plot_px


def _wrap_width() -> int:
    """Characters of TEXT_FONT that fit in the arithmetic column (30 % of the width).

    Formulas average about 0.45 em per character (digits, "·", parentheses).
    """
    return int(0.30 * (_ASSUMED_WIDTH - 72) / (0.45 * TEXT_FONT))


def _count_lines(text: str) -> int:
    return text.count("<br>") + 1


# --- 2-D convolution ----------------------------------------------------------------------


def conv_animation(
    trace: ConvTrace,
    *,
    filter: int = 0,
    region: Sequence[int] | None = None,
    active_step: int = 0,
    input_channel: int | None = None,
    show_values: bool | None = None,
    show_weights: bool | None = None,
    digits: int = 2,
    frame_duration: int = 800,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    r"""Animate a 2-D convolution over a region of its output, one output cell per frame.

    Left, the padded input around the region with the window moving over it
    (padding hatched, the image's edge dashed); middle, the feature map filling
    in cell by cell (cells not computed yet are grey, the current one outlined);
    right, the step's arithmetic, as :meth:`cnnviz.trace.ConvStep.formula_lines`
    writes it in the current language.

    Parameters
    ----------
    trace : ConvTrace
        From :func:`cnnviz.trace.conv2d_trace`.
    filter : int, default 0
        Which feature map to animate: the filter of a 4-D kernel bank, or the
        channel of an image that a 2-D kernel is applied to one channel at a
        time. Must be 0 for a single map.
    region : (row_start, row_stop, col_start, col_stop), optional
        Output cells to animate (stops excluded, at most 16 x 16); the whole
        output when it fits, else its top-left 16 x 16 (:func:`default_region`).
    active_step : int, default 0
        Frame shown first, ``0 <= active_step < region.size``; frame ``k`` is
        output cell ``Region.cell(k)``. Play starts from it.
    input_channel : int, optional
        For a multi-channel filter, the input channel to draw as numbers; by
        default an RGB input is drawn in colour and any other in channel 0.
    show_values : bool, optional
        Write values in cells; by default when 16 px numbers fit.
    show_weights : bool, optional
        Write the kernel's weights in the window's cells (``×w``); by default
        with the values, for a single-channel kernel.
    digits : int, default 2
        Decimals kept at most in cells and in the arithmetic.
    frame_duration : int, default 800
        Milliseconds per step at 1× speed; the speed buttons halve, double or
        quadruple the rate.
    height : int, optional
        Figure height in pixels; by default about 580, more if the arithmetic
        needs it.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        ``len(fig.frames) == region.size``; frames named ``"0"``, ``"1"``, ...

    Raises
    ------
    InputError
        For a region, filter, channel or step out of range.

    Notes
    -----
    Frame :math:`k` shows output cell :math:`(r, c)` of the region and its
    window: padded rows :math:`r s_r + m d_r`, drawn at image row
    :math:`r s_r + m d_r - p_{top}` (padding at negative rows).

    Examples
    --------
    >>> from cnnviz.trace import conv2d_trace
    >>> trace = conv2d_trace(np.arange(16.0).reshape(4, 4), np.ones((3, 3)), padding="same")
    >>> fig = conv_animation(trace, lang="en")
    >>> len(fig.frames), fig.frames[5].name
    (16, '5')
    """
    lang = lang or get_language()
    out_rows, out_cols = trace.output.shape[:2]
    fmap = _check_map(trace, filter)
    box = check_region(region, (out_rows, out_cols))
    active = _check_step(active_step, box.size)
    kh, kw = trace.kernel.shape[:2]
    (sr, sc), (dr, dc) = trace.strides, trace.dilation_rate
    span_r, span_c = (kh - 1) * dr + 1, (kw - 1) * dc + 1
    rows = (box.row_start * sr, (box.row_stop - 1) * sr + span_r)
    cols = (box.col_start * sc, (box.col_stop - 1) * sc + span_c)
    image = trace.image
    real_shape = image.shape[:2]
    channels = trace.padded.shape[2] if trace.padded.ndim == 3 else 1
    multi = trace.kernel.ndim >= 3
    if trace.kernel.ndim == 2:
        channel = fmap if trace.padded.ndim == 3 else None
        rgb = False
    else:
        if input_channel is not None and not (
            _whole(input_channel) and 0 <= input_channel < channels
        ):
            raise InputError(
                "error.trace_channel_out_of_range",
                value=input_channel,
                count=channels,
                last=channels - 1,
            )
        rgb = input_channel is None and channels == 3 and _looks_like_image(image)
        channel = None if rgb else (input_channel or 0) if channels > 1 else None
    view = _view(trace.padded, trace.pads, real_shape, rows, cols, channel, rgb)

    width = _wrap_width()
    steps = [trace.step_at(*box.cell(k), fmap) for k in range(box.size)]
    formulas = [
        _formula_text(
            _conv_header(step.row, step.col, fmap, trace.map_axis, lang),
            step.formula_lines(lang, digits=digits),
            width,
            kw,
        )
        for step in steps
    ]
    titles = (
        _input_title(lang, rgb, channel if (multi or trace.padded.ndim == 3) else None),
        _conv_output_title(trace.map_axis, fmap, lang),
        t("fig.arithmetic", lang=lang),
    )
    layout, in_px, out_px, controls_y = _layout_2d(
        view, box, lang=lang, height=height, formulas=formulas, titles=titles
    )
    static, written = _input_traces(
        view,
        lang=lang,
        digits=digits,
        show_values=show_values,
        cell_px=in_px,
        pad_text=True,
        real_shape=real_shape,
        whole=image if image.ndim == 2 or rgb else image[..., channel or 0],
    )
    whole = trace.output if fmap is None else trace.output[..., fmap]
    out_static, _ = _output_traces(
        np.asarray(whole[box.row_start : box.row_stop, box.col_start : box.col_stop], dtype=float),
        box,
        lang=lang,
        digits=digits,
        cell_px=out_px,
        show_values=show_values,
        whole=whole,
        name=titles[1],
    )
    static += out_static
    single_channel = trace.kernel.ndim == 2 or trace.kernel.shape[2] == 1
    # Weights go under the values, which needs roomy cells.
    weights = single_channel and (
        written and in_px >= 44 if show_weights is None else bool(show_weights)
    )
    # The kernel is the same at every step: its labels are written once.
    labels = _weight_labels(steps[0].weights, lang, digits) if weights else None
    badge = int(min(26, max(14, 0.4 * in_px)))
    (top, _), (left, _) = trace.pads
    frames = []
    for k, step in enumerate(steps):
        window_x, window_y, text, sizes = _window_path(
            [r - top for r in step.rows],
            [c - left for c in step.cols],
            dilated=(dr, dc) != (1, 1),
            labels=labels,
            badge=badge,
        )
        frames.append(
            _Frame(
                window_x=window_x,
                window_y=window_y,
                window_text=text,
                marker_size=sizes,
                outline=_rect(step.row, step.col, step.row, step.col),
                cover=_cover(box, k),
                formula=formulas[k],
            )
        )
    return _animation(
        static=static,
        frames=frames,
        active=active,
        layout=layout,
        frame_duration=frame_duration,
        lang=lang,
        winner=False,
        weights=weights,
        controls_y=controls_y,
    )


def _check_map(trace: ConvTrace, fmap: object) -> int | None:
    """Check the map to animate with the trace's own messages; None for a single map."""
    if trace.map_axis is None:
        if fmap in (0, None):
            return None
        raise InputError("error.trace_single_map", value=repr(fmap))
    trace.index_of(0, 0, fmap)  # type: ignore[arg-type]  # raises the right InputError
    return int(fmap)  # type: ignore[call-overload]


def _looks_like_image(image: np.ndarray) -> bool:
    finite = image[np.isfinite(image)]
    return bool(finite.size == 0 or (finite.min() >= 0 and finite.max() <= 255))


def _input_title(lang: str, rgb: bool, channel: int | None) -> str:
    if rgb:
        return t("fig.input_rgb", lang=lang)
    if channel is not None:
        return t("fig.input_channel", lang=lang, channel=channel)
    return t("fig.input", lang=lang)


def _conv_output_title(axis: str | None, fmap: int | None, lang: str) -> str:
    if axis == "filter":
        return t("fig.feature_map_filter", lang=lang, filter=fmap)
    if axis == "channel":
        return t("fig.feature_map_channel", lang=lang, channel=fmap)
    return t("fig.feature_map", lang=lang)


def _conv_header(row: int, col: int, fmap: int | None, axis: str | None, lang: str) -> str:
    if axis == "filter":
        return t("fig.header_filter", lang=lang, row=row, col=col, filter=fmap)
    if axis == "channel":
        return t("fig.header_channel", lang=lang, row=row, col=col, channel=fmap)
    return t("fig.header", lang=lang, row=row, col=col)


def _weight_labels(weights: np.ndarray, lang: str, digits: int) -> list[str]:
    flat = np.asarray(weights, dtype=float).reshape(weights.shape[0], weights.shape[1])
    return [f"×{format_number(w, digits=digits, lang=lang)}" for w in flat.ravel().tolist()]


def _window_path(
    rows: Sequence[int],
    cols: Sequence[int],
    *,
    dilated: bool,
    labels: list[str] | None,
    winner: tuple[float, float] | None = None,
    badge: int = 0,
) -> tuple[list, list, list | None, list | None]:
    """Draw the window's outline (each tap when dilated, weights, winner) as one path.

    Pieces are separated by ``None``; a lone point between two ``None`` draws no
    line, only its text or marker. Returns x, y, the texts (weights) and the
    marker sizes (``badge`` pixels under each weight, a star on the winner).
    """
    x, y = _rect(rows[0], cols[0], rows[-1], cols[-1])
    text: list | None = [""] * 5 if labels is not None else None
    if dilated:
        for r in rows:
            for c in cols:
                tx, ty = _rect(r + 0.12, c + 0.12, r - 0.12, c - 0.12)
                x += [None, *tx]
                y += [None, *ty]
                if text is not None:
                    text += [""] * 6
    sizes: list | None = None
    if labels is not None and text is not None:
        sizes = [0] * len(text)
        for (r, c), label in zip(((r, c) for r in rows for c in cols), labels, strict=True):
            x += [None, c]
            y += [None, r + 0.31]
            text += ["", label]
            sizes += [0, badge]
    if winner is not None:
        x += [None, winner[1]]
        y += [None, winner[0]]
        sizes = [0] * (len(x) - 1) + [badge]
        if text is not None:
            text += ["", ""]
    return x, y, text, sizes


# --- pooling ------------------------------------------------------------------------------


def pool_animation(
    trace: PoolTrace,
    *,
    channel: int = 0,
    region: Sequence[int] | None = None,
    active_step: int = 0,
    show_values: bool | None = None,
    digits: int = 2,
    frame_duration: int = 800,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Animate a max or average pooling over a region of its output, one cell per frame.

    The same layout as :func:`conv_animation`; for max pooling a star marks the
    winning cell (the first maximum, as Keras picks it), for average pooling
    the arithmetic shows the divisor: the window's real cells (padding is
    ignored, as in Keras).

    Parameters
    ----------
    trace : PoolTrace
        From :func:`cnnviz.trace.pool2d_trace`.
    channel : int, default 0
        Channel of an ``(H, W, C)`` input; must be 0 for ``(H, W)``.
    region : (row_start, row_stop, col_start, col_stop), optional
        Output cells to animate, at most 16 x 16; by default the top-left 8 x 8
        (a 2x2 pool's 8 x 8 outputs read a 16 x 16 input block).
    active_step : int, default 0
        Frame shown first.
    show_values : bool, optional
        Write values in cells; by default when 16 px numbers fit.
    digits : int, default 2
        Decimals kept at most.
    frame_duration : int, default 800
        Milliseconds per step at 1× speed.
    height : int, optional
        Figure height in pixels.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        ``len(fig.frames) == region.size``.

    Raises
    ------
    InputError
        For a region, channel or step out of range.

    Examples
    --------
    >>> from cnnviz.trace import pool2d_trace
    >>> trace = pool2d_trace(np.arange(16.0).reshape(4, 4), 2)
    >>> fig = pool_animation(trace, lang="en")
    >>> len(fig.frames), fig.layout.sliders[0].currentvalue.prefix
    (4, 'Step ')
    """
    lang = lang or get_language()
    out_rows, out_cols = trace.output.shape[:2]
    if trace.output.ndim == 2:
        if channel not in (0, None):
            raise InputError("error.trace_single_map", value=repr(channel))
        which: int | None = None
    else:
        trace.index_of(0, 0, channel)  # raises the trace's own message when out of range
        which = int(channel)
    box = (
        default_region((out_rows, out_cols), MAX_POOL_REGION)
        if region is None
        else check_region(region, (out_rows, out_cols))
    )
    active = _check_step(active_step, box.size)
    (ph, pw), (sr, sc) = trace.pool_size, trace.strides
    rows = (box.row_start * sr, (box.row_stop - 1) * sr + ph)
    cols = (box.col_start * sc, (box.col_stop - 1) * sc + pw)
    real_shape = trace.image.shape[:2]
    view = _view(trace.padded, trace.pads, real_shape, rows, cols, which, False)
    width = _wrap_width()
    steps = [trace.step_at(*box.cell(k), which) for k in range(box.size)]
    op_key = "max" if trace.op == "max" else "average"
    formulas = [
        _formula_text(
            t("fig.header", lang=lang, row=step.row, col=step.col),
            step.formula_lines(lang, digits=digits),
            width,
            None,
            note=t(f"fig.note_pool_{op_key}", lang=lang, count=step.count),
        )
        for step in steps
    ]
    titles = (
        t("fig.input", lang=lang)
        if which is None
        else t("fig.input_channel", lang=lang, channel=which),
        t(f"fig.pool_output_{op_key}", lang=lang),
        t("fig.arithmetic", lang=lang),
    )
    layout, in_px, out_px, controls_y = _layout_2d(
        view, box, lang=lang, height=height, formulas=formulas, titles=titles
    )
    image = trace.image if which is None else trace.image[..., which]
    static, written = _input_traces(
        view,
        lang=lang,
        digits=digits,
        show_values=show_values,
        cell_px=in_px,
        pad_text=False,
        real_shape=real_shape,
        whole=image,
    )
    whole = trace.output if which is None else trace.output[..., which]
    out_static, _ = _output_traces(
        np.asarray(whole[box.row_start : box.row_stop, box.col_start : box.col_stop], dtype=float),
        box,
        lang=lang,
        digits=digits,
        cell_px=out_px,
        show_values=show_values,
        whole=whole,
        name=titles[1],
    )
    static += out_static
    (top, _), (left, _) = trace.pads
    winner = trace.op == "max"
    shift = 0.27 if written else 0.0
    star = int(min(18, max(9, (0.42 if written else 0.8) * in_px)))
    frames = []
    for k, step in enumerate(steps):
        # With values written the star sits in the winning cell's top-right corner,
        # leaving the value readable; otherwise in its middle.
        win = None
        if step.winner is not None:
            win = (step.winner[0] - top - shift, step.winner[1] - left + shift)
        window_x, window_y, _, sizes = _window_path(
            [r - top for r in step.rows],
            [c - left for c in step.cols],
            dilated=False,
            labels=None,
            winner=win,
            badge=star,
        )
        frames.append(
            _Frame(
                window_x=window_x,
                window_y=window_y,
                window_text=None,
                marker_size=sizes,
                outline=_rect(step.row, step.col, step.row, step.col),
                cover=_cover(box, k),
                formula=formulas[k],
            )
        )
    return _animation(
        static=static,
        frames=frames,
        active=active,
        layout=layout,
        frame_duration=frame_duration,
        lang=lang,
        winner=winner,
        weights=False,
        controls_y=controls_y,
    )


# --- 1-D convolution ----------------------------------------------------------------------


def conv1d_animation(
    trace: Conv1DTrace,
    *,
    region: Sequence[int] | None = None,
    active_step: int = 0,
    max_cells: int = MAX_SPAN_1D,
    show_values: bool | None = None,
    show_weights: bool | None = None,
    digits: int = 2,
    frame_duration: int = 800,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Animate a 1-D convolution: the window sliding along the signal, the output filling in.

    Two strips of cells, the padded signal above (padding hatched, at
    positions −1, −2, ... and after the last sample) and the output below; the
    step's arithmetic under them.

    Parameters
    ----------
    trace : Conv1DTrace
        From :func:`cnnviz.trace.conv1d_trace` (``"valid"``, ``"same"``,
        ``"full"`` or explicit padding).
    region : (start, stop), optional
        Output positions to animate (stop excluded); the whole output when it
        has at most ``max_cells`` values, else its first ``max_cells``.
    active_step : int, default 0
        Frame shown first; frame ``k`` is output position ``start + k``.
    max_cells : int, default 128
        Longest region.
    show_values : bool, optional
        Write values in cells; by default when 16 px numbers fit.
    show_weights : bool, optional
        Write the weights in the window's cells; by default with the values.
    digits : int, default 2
        Decimals kept at most.
    frame_duration : int, default 800
        Milliseconds per step at 1× speed.
    height : int, optional
        Figure height in pixels.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        ``len(fig.frames) == stop - start``.

    Raises
    ------
    InputError
        For a region or step out of range.

    Examples
    --------
    >>> from cnnviz.trace import conv1d_trace
    >>> fig = conv1d_animation(conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1]), lang="es")
    >>> len(fig.frames), fig.data[-1].text[0].split("<br><br>")[1]
    (4, '1·(−1) + 2·2 + (−5)·(−1) = 8')
    """
    lang = lang or get_language()
    start, stop = _check_span(region, len(trace), max_cells)
    count = stop - start
    active = _check_step(active_step, count)
    k = trace.kernel.size
    span = (k - 1) * trace.dilation_rate + 1
    lo, hi = start * trace.strides, (stop - 1) * trace.strides + span
    before = trace.pads[0]
    n = trace.signal.size
    positions = np.arange(lo, hi) - before
    values = np.asarray(trace.padded[lo:hi], dtype=float)
    padding = (positions < 0) | (positions >= n)
    view = _View(0, int(positions[0]), values[None, :], padding[None, :], False)
    out = np.asarray(trace.output[start:stop], dtype=float)
    box = Region(0, 1, start, stop)
    width = int(0.95 * (_ASSUMED_WIDTH - 72) / (0.55 * TEXT_FONT))
    steps = [trace.step(i) for i in range(start, stop)]
    formulas = [
        _formula_text(
            t("fig.header_1d", lang=lang, position=step.index),
            step.formula_lines(lang, digits=digits),
            width,
            None,
        )
        for step in steps
    ]
    lines = max(_count_lines(text) for text in formulas)
    strip_px = 64
    text_px = LINE_PX * lines + 16
    controls_px = 110
    height = height or 60 + 2 * strip_px + 70 + 50 + text_px + controls_px
    plot_px = height - 44 - 16
    in_top = 1 - 26 / plot_px
    in_bottom = in_top - strip_px / plot_px
    out_top = in_bottom - 70 / plot_px
    out_bottom = out_top - strip_px / plot_px
    text_top = out_bottom - 34 / plot_px
    text_bottom = controls_px / plot_px
    in_cell = (_ASSUMED_WIDTH - 72) / max(values.size, 1)
    out_cell = (_ASSUMED_WIDTH - 72) / count
    titles = (t("fig.signal", lang=lang), t("fig.output_1d", lang=lang), "")
    input_axes = (
        _axis(
            int(positions[0]),
            int(positions[-1]),
            domain=(0, 1),
            anchor="y",
            title=t("fig.position", lang=lang),
        ),
        _axis(0, 0, domain=(in_bottom, in_top), anchor="x", reverse=True, ticks=False),
    )
    output_axes = (
        _axis(start, stop - 1, domain=(0, 1), anchor="y2"),
        _axis(0, 0, domain=(out_bottom, out_top), anchor="x2", reverse=True, ticks=False),
    )
    for axis in (input_axes[0], output_axes[0]):
        axis["constrain"] = "range"
    layout = _base_layout(
        lang=lang,
        height=height,
        input_axes=input_axes,
        output_axes=output_axes,
        text_domain=((0, 1), (text_bottom, text_top)),
        titles=titles,
        title_positions=((0.5, in_top), (0.5, out_top), (0, text_top)),
    )
    static, written = _input_traces(
        view,
        lang=lang,
        digits=digits,
        show_values=show_values,
        cell_px=min(in_cell, 64),
        pad_text=True,
        real_shape=(1, n),
        whole=trace.signal,
    )
    out_static, _ = _output_traces(
        out[None, :],
        box,
        lang=lang,
        digits=digits,
        cell_px=min(out_cell, 64),
        show_values=show_values,
        whole=trace.output,
        name=titles[1],
    )
    static += out_static
    weights = written and in_cell >= 44 if show_weights is None else bool(show_weights)
    labels = _weight_labels(trace.kernel[None, :], lang, digits) if weights else None
    badge = int(min(26, max(14, 0.4 * min(in_cell, 64))))
    frames = []
    for index, step in enumerate(steps):
        window_x, window_y, text, sizes = _window_path(
            [0],
            [p - before for p in step.positions],
            dilated=trace.dilation_rate > 1,
            labels=labels,
            badge=badge,
        )
        frames.append(
            _Frame(
                window_x=window_x,
                window_y=window_y,
                window_text=text,
                marker_size=sizes,
                outline=_rect(0, step.index, 0, step.index),
                cover=_cover(box, index),
                formula=formulas[index],
            )
        )
    return _animation(
        static=static,
        frames=frames,
        active=active,
        layout=layout,
        frame_duration=frame_duration,
        lang=lang,
        winner=False,
        weights=weights,
        controls_y=(controls_px - 24) / plot_px,
    )


# --- 1-D signals ------------------------------------------------------------------------

PADDING_COLOURS = {"valid": "#0072B2", "same": "#D55E00", "full": "#009E73"}  # Okabe-Ito
SIGNAL_COLOUR = "#a6a6a6"


def padding_comparison(
    signal: np.ndarray, results: Sequence[PaddingResult], *, lang: str | None = None
) -> go.Figure:
    """Draw a signal and its valid, same and full results, stacked, each output under its window.

    Parameters
    ----------
    signal : ndarray, shape (N,)
        The input signal, drawn grey in every row.
    results : sequence of PaddingResult
        From :func:`cnnviz.signals.compare_paddings`; an empty result (a kernel
        longer than the signal with ``valid``) gets a title that says so.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One row per result; output ``i`` is drawn at the centre of its window
        (:attr:`cnnviz.signals.PaddingResult.centres`), so the rows line up.

    Examples
    --------
    >>> from cnnviz.signals import compare_paddings
    >>> results = compare_paddings([1.0, 2, -5, 4, 2, -1], [-1.0, 2, -1])
    >>> len(padding_comparison([1.0, 2, -5, 4, 2, -1], results, lang="en").data)
    6
    """
    lang = lang or get_language()
    signal = np.asarray(signal, dtype=np.float64)
    titles = [
        t("signal.chart_title", lang=lang, padding=r.padding, count=r.length)
        if r.output is not None
        else t("signal.chart_empty", lang=lang, padding=r.padding)
        for r in results
    ]
    fig = make_subplots(
        rows=len(results), cols=1, shared_xaxes=True, vertical_spacing=0.09,
        subplot_titles=titles,
    )
    samples = np.arange(signal.size)
    for row, result in enumerate(results, start=1):
        fig.add_scatter(
            x=samples, y=signal, mode="lines", line={"color": SIGNAL_COLOUR, "width": 1.5},
            name=t("signal.chart_signal", lang=lang), showlegend=row == 1,
            legendgroup="signal", hoverinfo="skip", row=row, col=1,
        )
        if result.output is not None:
            fig.add_scatter(
                x=result.centres, y=result.output, mode="lines",
                line={"color": PADDING_COLOURS[result.padding], "width": 2.5},
                name=titles[row - 1], showlegend=False, row=row, col=1,
            )
    fig.update_annotations(font={"size": 18}, xanchor="left", x=0)
    fig.update_xaxes(
        title={"text": t("signal.chart_x", lang=lang), "font": {"size": 16}},
        row=len(results), col=1,
    )
    fig.update_xaxes(tickfont={"size": 15}, showgrid=True, gridcolor="#ececec")
    fig.update_yaxes(tickfont={"size": 15}, zerolinecolor="#c8c8c8", gridcolor="#ececec")
    fig.update_layout(
        height=190 * len(results) + 90,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        separators=", " if lang == "es" else ".,",
        plot_bgcolor="white",
        font={"size": 16},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.06, "yanchor": "bottom"},
        hovermode="x",
    )
    return fig


def signal_chart(signal: np.ndarray, *, lang: str | None = None) -> go.Figure:
    """Draw a long signal small, to see at once what was generated.

    Parameters
    ----------
    signal : ndarray, shape (N,)
        The signal.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One line, sample index against value.

    Examples
    --------
    >>> len(signal_chart(np.sin(np.arange(50.0)), lang="en").data)
    1
    """
    lang = lang or get_language()
    fig = go.Figure(
        go.Scatter(
            x=np.arange(signal.size), y=signal, mode="lines",
            line={"color": "#404040", "width": 1.5}, name=t("signal.chart_signal", lang=lang),
        )
    )
    fig.update_xaxes(tickfont={"size": 14}, showgrid=False)
    fig.update_yaxes(tickfont={"size": 14}, zerolinecolor="#c8c8c8", gridcolor="#ececec")
    fig.update_layout(
        height=170, margin={"l": 10, "r": 10, "t": 10, "b": 10},
        separators=", " if lang == "es" else ".,", plot_bgcolor="white", hovermode="x",
    )
    return fig
