"""Figures of feature visualisation: the test images a filter likes, outlined, and the climb.

Builders return Plotly figures and never import Streamlit; numbers follow the
language (``0,5`` in Spanish). The generated image itself is drawn with
:func:`cnnviz.figures.conv.image_figure`.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import (
    SMALL_FONT,
    base_layout,
    build_figure,
    cell_axis,
    cell_rect,
    outline_cell,
    paper_text,
    separators,
)
from cnnviz.figures.network import _picture_trace, grey_trace
from cnnviz.i18n import InputError, get_language, t

TOP_COLUMNS = 3
PANEL_PX = 150  # px per row of the top-images grid, its title included
TITLE_PX = 22  # px of each row kept for its panels' titles


def _place(layout: dict, index: int, grid: tuple[int, int], shape: tuple[int, ...], title: str):
    """Add panel ``index``'s axes (square pixels, row 0 on top) and its title; name its axes."""
    rows, columns = grid
    row, col = divmod(index, columns)
    gap = 0.03
    width = (1 - gap * (columns - 1)) / columns
    band = 1 / rows
    title_band = TITLE_PX / layout["height"]
    top = 1 - row * band
    x_domain = [col * (width + gap), col * (width + gap) + width]
    y_domain = [top - band + 0.01, top - title_band]
    suffix = "" if index == 0 else str(index + 1)
    xname, yname = f"x{suffix}", f"y{suffix}"
    x_axis = cell_axis(0, shape[1] - 1, domain=x_domain, anchor=yname, ticks=False)
    y_axis = cell_axis(
        0, shape[0] - 1, domain=y_domain, anchor=xname, reverse=True, scaleanchor=xname, ticks=False
    )
    layout[f"xaxis{suffix}"], layout[f"yaxis{suffix}"] = x_axis, y_axis
    layout["annotations"].append(
        paper_text(title, sum(x_domain) / 2, top, size=SMALL_FONT, xanchor="center", yanchor="top")
    )
    return xname, yname


def _box_trace(box: Sequence[int], xname: str, yname: str) -> dict:
    """Outline the pixels ``top, left, bottom, right`` (inclusive) in the window's colour."""
    trace = outline_cell(box[0], box[1], xaxis=xname, yaxis=yname)
    trace["x"], trace["y"] = cell_rect(*box)
    return trace


def top_images(
    images: Sequence[np.ndarray],
    boxes: Sequence[Sequence[int] | None],
    titles: Sequence[str],
    *,
    columns: int = TOP_COLUMNS,
    lang: str | None = None,
) -> go.Figure:
    """Show test images in a grid, each with the region its filter saw outlined.

    Parameters
    ----------
    images : sequence of array_like, each (H, W), (H, W, 1) or (H, W, 3)
        Pixels in [0, 1].
    boxes : sequence of (top, left, bottom, right) or None
        The receptive field of the most active unit, inclusive; None draws no box.
    titles : sequence of str
        One short title per image.
    columns : int, default 3
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One picture per image, plus one rectangle per box.

    Examples
    --------
    >>> fig = top_images([np.zeros((4, 4))], [(0, 0, 1, 1)], ["a"], lang="en")
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'scatter']
    >>> list(fig.data[1].x), list(fig.data[1].y)
    ([-0.5, 1.5, 1.5, -0.5, -0.5], [-0.5, -0.5, 1.5, 1.5, -0.5])
    """
    lang = lang or get_language()
    count = len(images)
    if count == 0 or not count == len(boxes) == len(titles):
        raise InputError("fig.error.maps_shape", shape=(count, len(titles)))
    rows = ceil(count / columns)
    layout = base_layout(lang, height=rows * PANEL_PX, margin=(4, 4, 4, 4), annotations=[])
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.2~f}")
    data: list[dict] = []
    for index, (image, box, title) in enumerate(zip(images, boxes, titles, strict=True)):
        array = np.asarray(image, dtype=float)
        xname, yname = _place(layout, index, (rows, columns), array.shape, title)
        picture = _picture_trace(array, xname, yname, hover)
        data.append(picture if picture is not None else grey_trace(array, xname, yname, hover))
        if box is not None:
            data.append(_box_trace(box, xname, yname))
    return build_figure(data, layout)


def objective_curve(
    values: Sequence[float], *, height: int = 180, lang: str | None = None
) -> go.Figure:
    """Plot the objective at each step of the climb (small).

    Examples
    --------
    >>> fig = objective_curve([1.0, 2.0, 2.5], lang="es")
    >>> fig.data[0].x, fig.layout.separators
    ((1, 2, 3), ', ')
    """
    lang = lang or get_language()
    steps = list(range(1, len(values) + 1))
    axis = {"tickfont": {"size": SMALL_FONT}, "gridcolor": "#e5e5e5", "zeroline": False}
    figure = go.Figure(
        go.Scatter(
            x=steps,
            y=list(map(float, values)),
            mode="lines",
            line={"color": "#0072B2", "width": 2},
            hovertemplate=t("features.fig.hover", lang=lang, step="%{x}", value="%{y:.3~f}")
            + "<extra></extra>",
        )
    )
    figure.update_layout(
        height=height,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        separators=separators(lang),
        plot_bgcolor="white",
        dragmode=False,
        xaxis={**axis, "title": {"text": t("features.fig.step", lang=lang), "standoff": 4}},
        yaxis={**axis, "title": {"text": t("features.fig.objective", lang=lang), "standoff": 4}},
    )
    return figure
