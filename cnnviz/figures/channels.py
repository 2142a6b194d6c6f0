r"""Figures of a colour network's first layer: its filters, per channel too, and a map's sum.

- :func:`filter_bank`: every 3-channel filter as a small RGB picture
  (:func:`cnnviz.core.channels.filter_as_rgb`: grey is 0), numbered, clickable;
- :func:`filter_channels`: the same filters as three rows R, G, B of weights
  on one diverging scale;
- :func:`channel_sum_figure`: the equation
  ``R contribution + G contribution + B contribution + bias = map``, each
  input channel drawn in its colour above its contribution, side by side on a
  wide screen or stacked for a phone.

Every builder returns a Plotly figure and never imports Streamlit; numbers
come from :mod:`cnnviz.core.channels`.

Notes
-----
**Mosaics.** A bank is drawn as one picture (a mosaic of tiles separated by
one empty cell) in one pair of axes, not as 32 subplots: a single trace is
lighter to send and to draw. Tile :math:`f` sits in block row
:math:`\lfloor f / columns \rfloor`, column :math:`f \bmod columns`; each
block row has :data:`LABEL_ROWS` empty cells above it for the filters'
numbers. A transparent marker at the centre of each tile makes it clickable
(:func:`filter_from_selection` reads the click).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import ceil
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.core.channels import RGB, ChannelSum, filter_as_rgb, weight_limit
from cnnviz.figures._base import (
    ASSUMED_WIDTH,
    DIVERGING,
    SMALL_FONT,
    TEXT_FONT,
    WINDOW_COLOR,
    base_layout,
    build_figure,
    cell_axis,
    cell_rect,
    cell_texts,
    outline_cell,
    paper_text,
)
from cnnviz.figures.cells import click_targets
from cnnviz.i18n import format_number, get_language, t

LABEL_ROWS = 2
"""Empty cells above each row of tiles, where the filters' numbers are written."""

BANK_WIDTH = 680
"""Pixels of width a bank's height is made for: the main column between a 1024-pixel screen
with the sidebar open and a 1280-pixel one (a wider one centres the bank)."""

FILTER_GROUP = "cnnviz-filter"
"""Legend group of a bank's click targets (one marker per filter)."""

CHANNEL_COLORS = ("rgb(220,0,0)", "rgb(0,150,0)", "rgb(0,0,230)")
"""R, G and B labels' colours: saturated, and dark enough to read on white."""

CHANNEL_RAMPS = tuple(
    ((0.0, "rgb(0,0,0)"), (1.0, f"rgb({r},{g},{b})"))
    for r, g, b in ((255, 0, 0), (0, 255, 0), (0, 0, 255))
)
"""An input channel drawn in its colour: 0 black, 1 pure red, green or blue."""


# --- the bank ---------------------------------------------------------------------------------


def _tile_origins(count: int, columns: int, tile: tuple[int, int]) -> list[tuple[int, int]]:
    """Top-left cell of each tile in a mosaic of ``tile``-sized blocks (see the module's Notes)."""
    height, width = tile
    return [
        (LABEL_ROWS + (f // columns) * (height + LABEL_ROWS), (f % columns) * (width + 1))
        for f in range(count)
    ]


def _mosaic_shape(count: int, columns: int, tile: tuple[int, int]) -> tuple[int, int]:
    rows = ceil(count / columns)
    return LABEL_ROWS + rows * (tile[0] + LABEL_ROWS) - LABEL_ROWS, columns * (tile[1] + 1) - 1


def _bank_layout(
    shape: tuple[int, int], tile_px: float, lang: str, *, left: int = 6
) -> dict[str, Any]:
    """Lay out one pair of square-cell axes over a whole mosaic, no ticks."""
    rows, cols = shape
    layout = base_layout(
        lang,
        height=int(rows * tile_px) + 16,
        margin=(left, 6, 4, 12),
        annotations=[],
        shapes=[],
        hovermode="closest",
        hoverdistance=40,
    )
    layout["xaxis"] = cell_axis(0, cols - 1, domain=[0, 1], anchor="y", ticks=False)
    layout["yaxis"] = cell_axis(
        0, rows - 1, domain=[0, 1], anchor="x", reverse=True, scaleanchor="x", ticks=False
    )
    layout["plot_bgcolor"] = "rgba(0,0,0,0)"
    # Room on both sides for the selected tile's frame, which stands out of the tiles.
    layout["xaxis"]["range"] = [-0.9, cols - 0.1]
    return layout


def _numbers_and_targets(
    layout: dict[str, Any],
    origins: list[tuple[int, int]],
    span: tuple[int, int],
    selected: int | None,
    lang: str,
) -> dict[str, Any]:
    """Write each filter's number above its tile, frame the selected one, return the targets."""
    height, width = span
    centres = [(top + (height - 1) / 2, left + (width - 1) / 2) for top, left in origins]
    for f, (top, left) in enumerate(origins):
        layout["annotations"].append(
            {
                "text": f"<b>{f}</b>" if f == selected else str(f),
                "x": left + (width - 1) / 2,
                "y": top - 0.5,
                "xref": "x",
                "yref": "y",
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": SMALL_FONT, "color": WINDOW_COLOR if f == selected else None},
            }
        )
    if selected is not None:
        top, left = origins[selected]
        x, y = cell_rect(top, left, top + height - 1, left + width - 1)
        layout["shapes"].append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "y",
                "x0": min(x) - 0.15,
                "x1": max(x) + 0.15,
                "y0": min(y) - 0.15,
                "y1": max(y) + 0.15,
                "line": {"color": WINDOW_COLOR, "width": 3},
            }
        )
    names = [t("channels.bank.hover", lang=lang, number=f) for f in range(len(origins))]
    return {
        "type": "scatter",
        "x": [c for _, c in centres],
        "y": [r for r, _ in centres],
        "mode": "markers",
        "marker": {"size": 28, "color": "rgba(0,0,0,0)"},
        "customdata": [[f] for f in range(len(origins))],
        "text": names,
        "hovertemplate": "%{text}<extra></extra>",
        "hoverlabel": {"font": {"size": SMALL_FONT}},
        "legendgroup": FILTER_GROUP,
        "showlegend": False,
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
    }


def filter_bank(
    kernel: np.ndarray,
    *,
    selected: int | None = None,
    columns: int = 16,
    width: int = BANK_WIDTH,
    lang: str | None = None,
) -> go.Figure:
    """Show every filter of a colour layer as a small RGB picture, numbered and clickable.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, 3, F)
        The layer's kernel.
    selected : int, optional
        A filter to frame in the window's colour.
    columns : int, default 16
        Tiles per row (8 suits a phone).
    width : int, default :data:`BANK_WIDTH`
        The width in pixels the figure's height is made for (about 360 on a phone).
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 the mosaic (``go.Image``, grey = 0 on one scale for the whole
        bank, :func:`~cnnviz.core.channels.filter_as_rgb`), trace 1 the click
        targets (``customdata`` ``[f]``).

    Examples
    --------
    >>> fig = filter_bank(np.zeros((3, 3, 3, 4)), selected=1, columns=2, lang="en")
    >>> [a.text for a in fig.layout.annotations], np.shape(fig.data[0].z)
    (['0', '<b>1</b>', '2', '3'], (10, 7, 3))
    """
    lang = lang or get_language()
    tiles = filter_as_rgb(kernel)
    count, kh, kw = tiles.shape[:3]
    columns = max(1, min(columns, count))
    shape = _mosaic_shape(count, columns, (kh, kw))
    pixels = np.full((*shape, 3), 255, dtype=np.uint8)  # white between the tiles
    origins = _tile_origins(count, columns, (kh, kw))
    for f, (top, left) in enumerate(origins):
        pixels[top : top + kh, left : left + kw] = np.round(tiles[f] * 255)
    tile_px = (width - 20) / shape[1]
    layout = _bank_layout(shape, tile_px, lang)
    image = {"type": "image", "z": pixels.tolist(), "hoverinfo": "skip"}
    targets = _numbers_and_targets(layout, origins, (kh, kw), selected, lang)
    return build_figure([image, targets], layout)


def filter_channels(
    kernel: np.ndarray,
    *,
    selected: int | None = None,
    columns: int = 16,
    names: Sequence[str] = RGB,
    width: int = BANK_WIDTH,
    lang: str | None = None,
) -> go.Figure:
    """Show every filter of a colour layer as three rows of weights, R, G and B, on one scale.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, C, F)
        The layer's kernel.
    selected : int, optional
        A filter to frame in the window's colour.
    columns : int, default 16
        Filters per block of rows.
    names : sequence of str, default ("R", "G", "B")
        The input channels' names, written left of their rows.
    width : int, default :data:`BANK_WIDTH`
        The width in pixels the figure's height is made for.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Trace 0 a heatmap of every weight (diverging, symmetric about 0 over
        the whole bank; empty cells between tiles), trace 1 the click targets.

    Examples
    --------
    >>> k = np.arange(-27.0, 27.0).reshape(3, 3, 3, 2)
    >>> fig = filter_channels(k, lang="en")
    >>> fig.data[0].zmin, fig.data[0].zmax, np.shape(fig.data[0].z)
    (-27.0, 27.0, (13, 7))
    """
    lang = lang or get_language()
    bank = np.asarray(kernel, dtype=float)
    kh, kw, channels, count = bank.shape
    columns = max(1, min(columns, count))
    tile = (channels * (kh + 1) - 1, kw)  # a filter: its channels one under the other
    shape = _mosaic_shape(count, columns, tile)
    z = np.full(shape, np.nan)
    hover = np.full(shape, "", dtype=object)
    origins = _tile_origins(count, columns, tile)
    for f, (top, left) in enumerate(origins):
        for c in range(channels):
            row = top + c * (kh + 1)
            z[row : row + kh, left : left + kw] = bank[:, :, c, f]
            for (m, n), text in np.ndenumerate(np.array(cell_texts(bank[:, :, c, f], lang, 3))):
                hover[row + m, left + n] = t(
                    "channels.bank.hover_weight", lang=lang, number=f, channel=names[c], value=text
                )
    limit = weight_limit(bank)
    layout = _bank_layout(shape, (width - 60) / (shape[1] + 1.5), lang, left=30)
    layout["xaxis"]["range"][0] = -2.0  # room for the channels' names
    first_rows = {top for top, _ in origins}
    for top in sorted(first_rows):
        for c, name in enumerate(names[:channels]):
            layout["annotations"].append(
                {
                    "text": f"<b>{name}</b>",
                    "x": -1.2,
                    "y": top + c * (kh + 1) + (kh - 1) / 2,
                    "xref": "x",
                    "yref": "y",
                    "showarrow": False,
                    "font": {"size": SMALL_FONT, "color": CHANNEL_COLORS[c % 3]},
                }
            )
    weights = {
        "type": "heatmap",
        "z": z.tolist(),
        "text": hover.tolist(),
        "hovertemplate": "%{text}<extra></extra>",
        "colorscale": [list(stop) for stop in DIVERGING],
        "zmin": -limit,
        "zmax": limit,
        "showscale": False,
        "hoverongaps": False,
    }
    targets = _numbers_and_targets(layout, origins, tile, selected, lang)
    targets["hoverinfo"] = "skip"  # the weights' own hover says more
    targets.pop("hovertemplate")
    return build_figure([weights, targets], layout)


def filter_from_selection(selection: Mapping[str, Any] | None) -> int | None:
    """Read the clicked filter from ``st.plotly_chart``'s selection of a bank figure.

    Parameters
    ----------
    selection : mapping or None
        The event (``{"selection": {"points": [...]}}``) or its inner mapping.

    Returns
    -------
    int or None
        The filter whose tile was clicked; None when no tile was.

    Examples
    --------
    >>> filter_from_selection({"selection": {"points": [{"customdata": [7],
    ...     "legendgroup": FILTER_GROUP}]}})
    7
    >>> filter_from_selection({"selection": {"points": []}}) is None
    True
    """
    inner = selection.get("selection", selection) if isinstance(selection, Mapping) else None
    points = inner.get("points") if isinstance(inner, Mapping) else None
    for point in points or []:
        custom = point.get("customdata") if isinstance(point, Mapping) else None
        if point.get("legendgroup") == FILTER_GROUP and isinstance(custom, Sequence) and custom:
            try:
                return int(custom[0])
            except (TypeError, ValueError):
                continue
    return None


# --- the equation: R + G + B + bias = map ---------------------------------------------------------

SIDE_GAP = 0.07
"""Fraction of the width between two panels of the equation, where its "+" is written."""

STACK_TEXT = 0.24
"""Fraction of a stacked row above its panels: its operator, then its titles."""

STACK_ROW_PX = 230
"""Height of a stacked row on a phone: a panel about 170 pixels wide and square, and its text."""


def _panel(
    layout: dict[str, Any], index: int, shape: tuple[int, int], box: tuple[list, list], title: str
) -> tuple[str, str]:
    """Add panel ``index``'s square-cell axes over ``box`` (x and y domains) and its title."""
    rows, cols = shape
    x_domain, y_domain = box
    suffix = "" if index == 0 else str(index + 1)
    xname, yname = f"x{suffix}", f"y{suffix}"
    layout[f"xaxis{suffix}"] = cell_axis(0, cols - 1, domain=x_domain, anchor=yname, ticks=False)
    layout[f"yaxis{suffix}"] = cell_axis(
        0, rows - 1, domain=y_domain, anchor=xname, reverse=True, scaleanchor=xname, ticks=False
    )
    for axis in (layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"]):
        axis.update(showline=True, mirror=True, linecolor="#808080")
    layout["annotations"].append(
        paper_text(
            title,
            (x_domain[0] + x_domain[1]) / 2,
            y_domain[1],
            size=SMALL_FONT,
            xanchor="center",
            yanchor="bottom",
            yshift=2,
        )
    )
    return xname, yname


def _boxes(stacked: bool, count: int) -> list[tuple[list, list]]:
    """Return the panels' (x, y) domains: 2 rows of ``count`` side by side, or ``count`` rows of 2.

    Panel ``2 i`` is term ``i``'s input (top, or left when stacked) and ``2 i + 1``
    its contribution (bottom, or right). Stacked, each row keeps its top
    :data:`STACK_TEXT` of its height for the operator and the titles.
    """
    boxes = []
    for i in range(count):
        if stacked:
            y = [1 - (i + 1) / count, 1 - (i + STACK_TEXT) / count]
            boxes += [([0.0, 0.47], y), ([0.53, 1.0], y)]
        else:
            width = (1 - SIDE_GAP * (count - 1)) / count
            x = [i * (width + SIDE_GAP), i * (width + SIDE_GAP) + width]
            boxes += [(x, [0.56, 0.91]), (x, [0.0, 0.35])]
    return boxes


def _operator(text: str, box: tuple[list, list], stacked: bool, count: int) -> dict[str, Any]:
    """Write an operator of the equation: left of a contribution, or above its row when stacked."""
    if stacked:
        top = box[1][1] + STACK_TEXT / count
        return paper_text(text, 0.5, top, size=TEXT_FONT + 4, xanchor="center", yanchor="top")
    # "+ b =" in two short lines, in smaller type: the gap between panels is narrow.
    size = TEXT_FONT if "<br>" in text else TEXT_FONT + 4
    return paper_text(text, box[0][0] - SIDE_GAP / 2, sum(box[1]) / 2, size=size, xanchor="center")


def _window_outline(
    cell: tuple[int, int], span: tuple[int, int], pads: tuple, shape: tuple[int, int], axes: tuple
) -> dict[str, Any]:
    """Outline, on an input panel, the part inside the image of output cell ``cell``'s window."""
    (row, col), (kh, kw), ((top, _), (left, _)) = cell, span, pads
    first = (max(row - top, 0), max(col - left, 0))
    last = (min(row - top + kh - 1, shape[0] - 1), min(col - left + kw - 1, shape[1] - 1))
    outline = outline_cell(*first, xaxis=axes[0], yaxis=axes[1])
    outline["x"], outline["y"] = cell_rect(first[0], first[1], last[0], last[1])
    outline["line"] = {"color": WINDOW_COLOR, "width": 3}
    return outline


def _input_trace(image: np.ndarray, channel: int | None, axes: tuple[str, str], lang: str) -> dict:
    """Draw an input channel in its colour (0 black, 1 full colour), or the whole RGB picture."""
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.3~f}")
    if channel is None:
        pixels = np.round(np.clip(image, 0, 1) * 255).astype(np.uint8)
        return {
            "type": "image",
            "z": pixels.tolist(),
            "hoverinfo": "skip",
            "xaxis": axes[0],
            "yaxis": axes[1],
        }
    return {
        "type": "heatmap",
        "z": image[..., channel],
        "colorscale": [list(stop) for stop in CHANNEL_RAMPS[channel]],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "hovertemplate": hover + "<extra></extra>",
        "xaxis": axes[0],
        "yaxis": axes[1],
    }


def _term_traces(
    values: np.ndarray, limit: float, axes: tuple[str, str], lang: str, last: bool
) -> list[dict[str, Any]]:
    """Draw a contribution or the map on the shared diverging scale; the map's cells clickable.

    Only the map carries click targets (each writes its value the language's
    way): on every panel they would quadruple what the browser is sent.
    """
    heat = {
        "type": "heatmap",
        "z": values,
        "colorscale": [list(stop) for stop in DIVERGING],
        "zmin": -limit,
        "zmax": limit,
        "showscale": last,
        "colorbar": {"thickness": 10, "tickfont": {"size": SMALL_FONT}, "len": 0.9},
        "hovertemplate": t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.3~f}")
        + "<extra></extra>",
        "xaxis": axes[0],
        "yaxis": axes[1],
    }
    if not last:
        return [heat]
    heat["hoverinfo"] = "skip"  # the targets on top say the value
    texts = cell_texts(values, lang, 3)
    return [
        heat,
        click_targets(*values.shape, texts=texts, xaxis=axes[0], yaxis=axes[1], lang=lang),
    ]


def channel_sum_figure(
    image: np.ndarray,
    parts: ChannelSum,
    *,
    cell: tuple[int, int] | None = None,
    kernel_size: tuple[int, int] = (3, 3),
    stacked: bool = False,
    names: Sequence[str] = RGB,
    width: int = ASSUMED_WIDTH,
    lang: str | None = None,
) -> go.Figure:
    """Draw one feature map as the sum of its channels' contributions plus the bias.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        The input, values in [0, 1].
    parts : ChannelSum
        What :func:`cnnviz.core.channels.channel_contributions` returned for this image.
    cell : (int, int), optional
        An output cell to outline on the contributions and the map, with its
        window on the input channels.
    kernel_size : (int, int), default (3, 3)
        The filter's size, for the window.
    stacked : bool, default False
        False: the inputs in a row above their contributions, ``+`` between
        them, the map last (a wide screen). True: one row per term, input left
        and contribution right (a phone).
    names : sequence of str, default ("R", "G", "B")
        The channels' names in the titles.
    width : int, default :data:`~cnnviz.figures._base.ASSUMED_WIDTH`
        The width in pixels the side-by-side figure's height is made for
        (wider in presenter mode, so the panels grow with the screen).
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Per term (R, G, B, then the map): the input panel (a channel in its
        colour, then the RGB picture above the map) and the values panel (a
        heatmap on one diverging scale, :attr:`ChannelSum.limit`; the map's with
        click targets), then the window and cell outlines.

    Examples
    --------
    >>> from cnnviz.core.channels import channel_contributions
    >>> x = np.full((4, 4, 3), 0.5)
    >>> parts = channel_contributions(x, np.ones((3, 3, 3, 1)), [0.5], 0)
    >>> fig = channel_sum_figure(x, parts, cell=(0, 0), lang="en")
    >>> len(fig.data), [a.text for a in fig.layout.annotations][-3:]
    (17, ['Input (RGB)', 'Map (b = 0.5)', '+ b<br>='])
    """
    lang = lang or get_language()
    count = parts.contributions.shape[0] + 1
    boxes = _boxes(stacked, count)
    layout = base_layout(
        lang,
        height=count * STACK_ROW_PX if stacked else int(width / 2.4),
        margin=(6, 6, 6 if stacked else 28, 6),
        annotations=[],
        hovermode="closest",
        hoverdistance=40,
    )
    bias = format_number(parts.bias, digits=3, lang=lang)
    values = [*parts.contributions, parts.total]
    data: list[dict[str, Any]] = []
    outlines: list[dict[str, Any]] = []
    for i, term in enumerate(values):
        last = i == count - 1
        if last:
            top, bottom = (
                t("channels.sum.input", lang=lang),
                t("channels.sum.map", lang=lang, bias=bias),
            )
        else:
            top = t("channels.sum.channel", lang=lang, name=names[i])
            bottom = t("channels.sum.part", lang=lang, name=names[i])
        top_axes = _panel(layout, 2 * i, image.shape[:2], boxes[2 * i], top)
        bottom_axes = _panel(layout, 2 * i + 1, term.shape, boxes[2 * i + 1], bottom)
        data.append(_input_trace(image, None if last else i, top_axes, lang))
        data += _term_traces(term, parts.limit, bottom_axes, lang, last)
        if cell is not None:
            outlines.append(
                _window_outline(cell, kernel_size, parts.pads, image.shape[:2], top_axes)
            )
            outlines.append(outline_cell(*cell, xaxis=bottom_axes[0], yaxis=bottom_axes[1]))
        if i:
            text = t("channels.sum.plus_bias", lang=lang) if last else "+"
            text = text.replace(" =", "<br>=") if last and not stacked else text
            layout["annotations"].append(_operator(text, boxes[2 * i + 1], stacked, count))
    return build_figure(data + outlines, layout)
