r"""Plotly figure builders: heatmaps, feature-map grids, a step's window and 1-D signals.

Every builder returns a :class:`plotly.graph_objects.Figure` that a page hands
to ``st.plotly_chart``; nothing here imports Streamlit. Words come from
:func:`cnnviz.i18n.t` and numbers from :func:`cnnviz.i18n.format_number`, so a
Spanish page shows ``0,5`` and an English one ``0.5``, with a true minus sign.

The sliding window itself is not drawn here: it plays in the browser (the
stage, :mod:`cnnviz.core.stage`) and is exported as a GIF by :mod:`cnnviz.io.export`.
:class:`Region` and its helpers pick the block of output cells a GIF animates.

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
the top and square cells.

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

from cnnviz.core.trace import Conv1DStep, ConvStep, PoolStep
from cnnviz.i18n import InputError, format_number, get_language, t

if TYPE_CHECKING:
    from cnnviz.core.signals import PaddingResult

__all__ = [
    "CELL_GROUP",
    "DIVERGING",
    "GRAY",
    "CellPick",
    "Region",
    "cell_from_selection",
    "check_region",
    "default_region",
    "feature_map_grid",
    "heatmap",
    "image_figure",
    "input_figure",
    "pick_from_selection",
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

CELL_FONT = 16  # px: numbers written in cells must read on a projector
TEXT_FONT = 16  # px: titles
SMALL_FONT = 14  # px: ticks, legends, hover labels
WINDOW_COLOR = "#ff8c00"  # dark orange: visible on black, white, grey, blue and red
PADDING_BG = "#e3e3e3"
PADDING_FG = "#8a8a8a"
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


def _rect(top: float, left: float, bottom: float, right: float) -> tuple[list, list]:
    """Return a closed rectangle around cells ``top..bottom`` x ``left..right``."""
    x = [left - 0.5, right + 0.5, right + 0.5, left - 0.5, left - 0.5]
    y = [top - 0.5, top - 0.5, bottom + 0.5, bottom + 0.5, top - 0.5]
    return x, y


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
        :func:`cnnviz.io.images.load_image` returns them.
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
    :meth:`~cnnviz.core.trace.ConvStep.formula_lines`. Padding cells are hatched.

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
    >>> from cnnviz.core.trace import conv2d_trace
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
        From :func:`cnnviz.core.signals.compare_paddings`; an empty result (a kernel
        longer than the signal with ``valid``) gets a title that says so.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One row per result; output ``i`` is drawn at the centre of its window
        (:attr:`cnnviz.core.signals.PaddingResult.centres`), so the rows line up.

    Examples
    --------
    >>> from cnnviz.core.signals import compare_paddings
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
        rows=len(results),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.09,
        subplot_titles=titles,
    )
    samples = np.arange(signal.size)
    for row, result in enumerate(results, start=1):
        fig.add_scatter(
            x=samples,
            y=signal,
            mode="lines",
            line={"color": SIGNAL_COLOUR, "width": 1.5},
            name=t("signal.chart_signal", lang=lang),
            showlegend=row == 1,
            legendgroup="signal",
            hoverinfo="skip",
            row=row,
            col=1,
        )
        if result.output is not None:
            fig.add_scatter(
                x=result.centres,
                y=result.output,
                mode="lines",
                line={"color": PADDING_COLOURS[result.padding], "width": 2.5},
                name=titles[row - 1],
                showlegend=False,
                row=row,
                col=1,
            )
    fig.update_annotations(font={"size": 18}, xanchor="left", x=0)
    fig.update_xaxes(
        title={"text": t("signal.chart_x", lang=lang), "font": {"size": 16}},
        row=len(results),
        col=1,
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
            x=np.arange(signal.size),
            y=signal,
            mode="lines",
            line={"color": "#404040", "width": 1.5},
            name=t("signal.chart_signal", lang=lang),
        )
    )
    fig.update_xaxes(tickfont={"size": 14}, showgrid=False)
    fig.update_yaxes(tickfont={"size": 14}, zerolinecolor="#c8c8c8", gridcolor="#ececec")
    fig.update_layout(
        height=170,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        separators=", " if lang == "es" else ".,",
        plot_bgcolor="white",
        hovermode="x",
    )
    return fig
