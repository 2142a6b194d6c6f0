"""What every figure builder shares: colours, fonts, scales, axes, cell texts, construction.

The module is private to :mod:`cnnviz.figures`; its names carry no underscore
because the subject modules (:mod:`~cnnviz.figures.conv`,
:mod:`~cnnviz.figures.network`, ...) import them, and each rule is written
here once: one colour scale for signed data, one for images, one way of
writing a number in a cell, one square-cell axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.core.trace import Conv1DStep, ConvStep, PoolStep
from cnnviz.i18n import InputError, format_number, t

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

CELL_FONT = 16  # px: numbers written in cells must read on a projector
TEXT_FONT = 16  # px: titles
SMALL_FONT = 14  # px: ticks, legends, hover labels
WINDOW_COLOR = "#ff8c00"  # dark orange: visible on black, white, grey, blue and red
PADDING_BG = "#e3e3e3"
PADDING_FG = "#8a8a8a"
ASSUMED_WIDTH = 860  # px: the main column of a wide page at 1280 px with the sidebar open
SEQUENCE_ERROR = (TypeError, ValueError)  # what np.asarray raises on ragged or text input


def is_whole(value: object) -> bool:
    """Whether ``value`` is an int (NumPy's included) and not a bool.

    Examples
    --------
    >>> is_whole(3), is_whole(np.int64(3)), is_whole(True), is_whole(3.0)
    (True, True, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


# --- colour scales and text ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scale:
    """A colour scale and its range, as a heatmap trace takes them."""

    colorscale: tuple[tuple[float, str], ...]
    zmin: float
    zmax: float
    signed: bool

    def trace_props(self) -> dict[str, Any]:
        """Return the trace's ``colorscale``, ``zmin`` and ``zmax``."""
        return {
            "colorscale": [list(stop) for stop in self.colorscale],
            "zmin": self.zmin,
            "zmax": self.zmax,
        }


def pick_scale(
    values: np.ndarray, signed: bool | None = None, zmid: float | None = None, *, white: float = 1.0
) -> Scale:
    """Pick the colour scale: diverging and symmetric about ``zmid`` (0) when signed, else grey.

    Parameters
    ----------
    values : ndarray
        The data; NaN and infinite values are ignored.
    signed : bool, optional
        Diverging (True) or grey (False); by default diverging when any value is negative.
    zmid : float, optional
        Centre of the diverging scale; 0 by default.
    white : float, default 1.0
        The value shown white on the grey scale when the data stay below it
        (1 for images in [0, 1], 255 for 8-bit ones).

    Returns
    -------
    Scale
        Diverging on ``[zmid - h, zmid + h]``, ``h`` the largest distance from
        ``zmid``; grey on ``[min(low, 0), max(high, white)]``.

    Examples
    --------
    >>> s = pick_scale(np.array([-1.0, 3.0]))
    >>> s.signed, s.zmin, s.zmax
    (True, -3.0, 3.0)
    """
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if signed is None:
        signed = low < 0
    if signed:
        centre = 0.0 if zmid is None else float(zmid)
        half = max(abs(high - centre), abs(low - centre)) or 1.0
        return Scale(DIVERGING, centre - half, centre + half, True)
    zmin = min(low, 0.0)
    zmax = white if high <= white else high
    if zmax <= zmin:
        zmax = zmin + 1.0
    return Scale(GRAY, zmin, zmax, False)


def white_point(array: np.ndarray) -> float:
    """Return the value an image shows white: 255 for 8-bit arrays, else 1."""
    return 255.0 if array.dtype == np.uint8 else 1.0


def cell_texts(values: np.ndarray, lang: str, digits: int) -> list[list[str]]:
    """Format every cell of a matrix the language's way; NaN and infinite cells stay blank.

    Examples
    --------
    >>> cell_texts(np.array([[0.5, np.nan]]), "es", 2)
    [['0,5', '']]
    """
    rows = []
    for row in np.asarray(values, dtype=float).tolist():
        rows.append(
            [format_number(v, digits=digits, lang=lang) if math.isfinite(v) else "" for v in row]
        )
    return rows


def values_fit(texts: list[list[str]], cell_px: float) -> bool:
    """Whether numbers of :data:`CELL_FONT` px fit in cells of ``cell_px`` pixels."""
    longest = max((len(s) for row in texts for s in row), default=1)
    return cell_px >= max(26.0, 0.6 * CELL_FONT * longest + 8)


def check_matrix(matrix: object) -> np.ndarray:
    """Return ``matrix`` as a non-empty float (H, W) array, or raise ``fig.error.not_2d``."""
    try:
        array = np.asarray(matrix, dtype=float)
    except SEQUENCE_ERROR:
        raise InputError("fig.error.not_2d", shape=repr(np.shape(matrix))) from None
    if array.ndim != 2 or 0 in array.shape:
        raise InputError("fig.error.not_2d", shape=tuple(array.shape))
    return array


def as_maps(maps: object) -> np.ndarray:
    """Return ``maps`` as a non-empty float (H, W, C) array, or raise ``fig.error.maps_shape``.

    A single (H, W) map gets a channel axis of one.

    Examples
    --------
    >>> as_maps(np.zeros((2, 3))).shape
    (2, 3, 1)
    """
    try:
        array = np.asarray(maps, dtype=float)
    except SEQUENCE_ERROR:
        raise InputError("fig.error.maps_shape", shape=repr(np.shape(maps))) from None
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or 0 in array.shape:
        raise InputError("fig.error.maps_shape", shape=tuple(np.shape(maps)))
    return array


def hover_template(lang: str, row: str = "%{y}", col: str = "%{x}", value: str = "%{text}") -> str:
    """Return the hover of one cell, "Row r, column c: value", without the trace's name."""
    return t("fig.hover_cell", lang=lang, row=row, col=col, value=value) + "<extra></extra>"


def separators(lang: str) -> str:
    """Return Plotly's decimal and thousands separators: a decimal comma in Spanish."""
    return ", " if lang == "es" else ".,"


# --- axes, layouts, construction ------------------------------------------------------------


def cell_axis(
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


def matrix_axes(rows: int, cols: int, lang: str) -> dict[str, Any]:
    """Return ``xaxis`` and ``yaxis`` of one matrix filling the plot: titled, row 0 on top.

    Cells are square (the y axis is anchored to the x axis' scale).
    """
    return {
        "xaxis": cell_axis(
            0, cols - 1, domain=[0, 1], anchor="y", title=t("fig.column", lang=lang)
        ),
        "yaxis": cell_axis(
            0,
            rows - 1,
            domain=[0, 1],
            anchor="x",
            reverse=True,
            scaleanchor="x",
            title=t("fig.row", lang=lang),
        ),
    }


def base_layout(
    lang: str, *, height: int, margin: tuple[int, int, int, int], **extra: Any
) -> dict[str, Any]:
    """Start a layout: height, margins, the language's separators, a white plot, no dragging.

    Parameters
    ----------
    lang : str
        Language of the numbers (decimal comma in Spanish).
    height : int
        Figure height in pixels.
    margin : (int, int, int, int)
        Left, right, top and bottom margins in pixels.
    **extra
        More layout properties.

    Returns
    -------
    dict
        A layout for :func:`build_figure`.

    Examples
    --------
    >>> base_layout("es", height=200, margin=(1, 2, 3, 4))["margin"]
    {'l': 1, 'r': 2, 't': 3, 'b': 4}
    """
    left, right, top, bottom = margin
    return {
        "height": height,
        "margin": {"l": left, "r": right, "t": top, "b": bottom},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "dragmode": False,
        **extra,
    }


def paper_text(text: str, x: float, y: float, *, size: int, **extra: Any) -> dict[str, Any]:
    """Return an annotation placed in paper coordinates (0 to 1 over the plot), no arrow.

    ``extra`` adds its anchors (``xanchor``, ``yanchor``) and the like.
    """
    return {
        "text": text,
        "x": x,
        "y": y,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "font": {"size": size},
        **extra,
    }


def cell_rect(top: float, left: float, bottom: float, right: float) -> tuple[list, list]:
    """Return a closed rectangle around cells ``top..bottom`` x ``left..right``."""
    x = [left - 0.5, right + 0.5, right + 0.5, left - 0.5, left - 0.5]
    y = [top - 0.5, top - 0.5, bottom + 0.5, bottom + 0.5, top - 0.5]
    return x, y


def outline_cell(row: int, col: int, *, xaxis: str, yaxis: str) -> dict[str, Any]:
    """Outline one cell in the window's colour (the cell being inspected)."""
    x, y = cell_rect(row, col, row, col)
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


def build_figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> go.Figure:
    """Build a Figure from plain dicts without re-validating every property.

    Plotly's validation costs more than drawing a big map; the tests validate
    every figure instead.
    """
    spec = {"data": data, "layout": layout}
    try:
        return go.Figure(spec, _validate=False)
    except TypeError:  # pragma: no cover - a plotly without the private switch
        return go.Figure(spec)


# --- a step's window written out ---------------------------------------------------------------


def matrix_panel(
    values: np.ndarray,
    padding: np.ndarray,
    scale: Scale,
    *,
    suffix: str,
    lang: str,
    digits: int,
    pad_text: bool,
) -> list[dict[str, Any]]:
    """Write a small matrix out in full on axes ``x{suffix}`` and ``y{suffix}``.

    Parameters
    ----------
    values : ndarray, shape (h, w)
        The matrix, padding cells included.
    padding : ndarray of bool, shape (h, w)
        Cells to hatch instead of colouring.
    scale : Scale
        Colours of the other cells.
    suffix : str
        Of the axes' names: ``""`` for the first panel, ``"2"``, ``"3"``...
    lang : str
        Language of the numbers.
    digits : int
        Decimals kept at most.
    pad_text : bool
        Write the padding cells' values on their hatching.

    Returns
    -------
    list of dict
        A Heatmap of the cells, then (if any padding) a hatched Bar per padding cell.
    """
    xname, yname = f"x{suffix}", f"y{suffix}"
    h, w = values.shape
    texts = cell_texts(values, lang, digits)
    ys = np.arange(h)
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
        "hovertemplate": hover_template(lang),
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


def step_window(
    step: ConvStep | PoolStep | Conv1DStep, channel: int | None, lang: str
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, str]:
    """Return a step's window as matrices: values, weights, padding mask, and a title suffix.

    Parameters
    ----------
    step : ConvStep, PoolStep or Conv1DStep
        A trace's step; a 1-D step becomes one row.
    channel : int or None
        For a multi-channel window, the input channel to keep; 0 by default.
    lang : str
        Language of the suffix.

    Returns
    -------
    values : ndarray, shape (h, w)
    weights : ndarray, shape (h, w), or None
        None for a pooling step, which has no weights.
    padding : ndarray of bool, shape (h, w)
        True on padding cells.
    suffix : str
        ``" (channel 2)"`` for a multi-channel window, else empty.

    Raises
    ------
    InputError
        If ``channel`` is out of range.
    """
    if isinstance(step, Conv1DStep):
        values = np.asarray(step.values, dtype=float)[None, :]
        weights = np.asarray(step.weights, dtype=float)[None, :]
        padding = np.asarray(step.is_padding)[None, :]
    else:
        values = np.asarray(step.values, dtype=float)
        padding = np.asarray(step.is_padding)
        weights = None if isinstance(step, PoolStep) else np.asarray(step.weights, dtype=float)
    if values.ndim != 3:
        return values, weights, padding, ""
    channels = values.shape[2]
    which = 0 if channel is None else channel
    if not (is_whole(which) and 0 <= which < channels):
        raise InputError(
            "error.trace_channel_out_of_range",
            value=which,
            count=channels,
            last=channels - 1,
        )
    weights = None if weights is None else weights[..., which]
    return values[..., which], weights, padding, f" ({t('trace.channel', lang=lang, index=which)})"


def written_matrices(
    panels: Sequence[tuple[np.ndarray, Scale, str]],
    values: np.ndarray,
    padding: np.ndarray,
    *,
    pad_text: bool,
    digits: int,
    height: int | None,
    lang: str,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Lay small matrices out side by side, "×" and "=" between them, every cell written.

    Parameters
    ----------
    panels : sequence of (ndarray, Scale, str)
        Each matrix (h, w), its colour scale and its title, left to right;
        the first is the window, whose padding cells are hatched.
    values : ndarray, shape (h, w)
        The window's values, padding cells included (written on the hatching).
    padding : ndarray of bool, shape (h, w)
        The window's padding cells.
    pad_text : bool
        Write the padding cells' values (a convolution multiplies them; pooling skips them).
    digits : int
        Decimals kept at most.
    height : int or None
        Figure height in pixels; by default from the window's rows.
    lang : str
        Language.

    Returns
    -------
    data : list of dict
        The traces, panel by panel.
    layout : dict
        Axes ``x``, ``x2``, ... hidden, one title per panel.
    """
    h, w = values.shape
    cell = 54
    layout = base_layout(
        lang,
        height=height or int(min(420, max(190, 110 + cell * h))),
        margin=(10, 10, 40, 10),
        hovermode="closest",
        showlegend=False,
        annotations=[],
        barmode="overlay",
    )
    count = len(panels)
    gap = 0.08
    share = (1 - gap * (count - 1)) / count
    data: list[dict[str, Any]] = []
    for index, (matrix, scale, title) in enumerate(panels):
        suffix = "" if index == 0 else str(index + 1)
        left = index * (share + gap)
        data += matrix_panel(
            np.where(padding, values, matrix) if index == 0 else matrix,
            padding if index == 0 else np.zeros_like(padding),
            scale,
            suffix=suffix,
            lang=lang,
            digits=digits,
            pad_text=pad_text,
        )
        hidden = {"ticks": False}
        layout[f"xaxis{suffix}"] = {
            **cell_axis(0, w - 1, domain=(left, left + share), anchor=f"y{suffix}", **hidden),
            "visible": False,
        }
        layout[f"yaxis{suffix}"] = {
            **cell_axis(
                0,
                h - 1,
                domain=(0, 1),
                anchor=f"x{suffix}",
                reverse=True,
                scaleanchor=f"x{suffix}",
                **hidden,
            ),
            "visible": False,
        }
        layout["annotations"].append(
            paper_text(
                f"<b>{title}</b>",
                left + share / 2,
                1,
                size=SMALL_FONT,
                xanchor="center",
                yanchor="bottom",
            )
        )
        if index:  # the operator between this panel and the one before it
            layout["annotations"].append(
                paper_text("×" if index == 1 else "=", left - gap / 2, 0.5, size=28)
            )
    return data, layout
