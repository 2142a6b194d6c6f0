"""Figures of "Why CNNs work": gaps against the shift, the prediction, maps side by side, fields.

Every builder returns a Plotly figure and never imports Streamlit; numbers follow the
language (``0,5`` in Spanish). The values come from :mod:`cnnviz.core.equivariance`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import SMALL_FONT, base_layout, build_figure, cell_rect
from cnnviz.figures.conv import feature_map_grid, image_figure
from cnnviz.figures.network import WINNER_COLOR
from cnnviz.figures.training import RUN_COLORS
from cnnviz.i18n import get_language

LAYER_COLORS = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#999999",
)
"""One colour per layer line (Okabe-Ito and a grey); past eight, lines are dashed too."""
INTERIOR_COLOR = "#009E73"  # Okabe-Ito green: the cells compared, clear of red, blue and grey
QUIET = "#c7c7c7"  # the classes the network did not pick at shift 0


def _line_axes(x_title: str, y_title: str, *, percent: bool = False) -> dict[str, Any]:
    axis = {"tickfont": {"size": SMALL_FONT}, "gridcolor": "#e5e5e5", "zeroline": False}
    y_axis = {**axis, "title": {"text": y_title}, "rangemode": "tozero"}
    if percent:
        y_axis.update(range=[0, 1.02], tickformat=".0%")
    return {
        "xaxis": {**axis, "title": {"text": x_title}, "dtick": 1, "zeroline": True},
        "yaxis": y_axis,
        "legend": {"orientation": "h", "y": -0.22, "font": {"size": SMALL_FONT}},
    }


def gap_curves(
    shifts: Sequence[int],
    series: Mapping[str, Sequence[float]],
    *,
    exact: Mapping[str, Sequence[bool]] | None = None,
    x_title: str,
    y_title: str,
    height: int = 380,
    lang: str | None = None,
) -> go.Figure:
    """Draw one line per layer of a gap against the shift.

    Parameters
    ----------
    shifts : sequence of int, length n
        The x values (pixels shifted).
    series : mapping of str to sequence of float, each length n
        Legend name (a layer) to its values; NaN leaves a gap in the line.
    exact : mapping of str to sequence of bool, optional
        Where exact equivariance can hold: filled markers there, open ones elsewhere.
    x_title, y_title : str
        Axis titles.
    height : int, default 380
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One scatter trace per series, in order.

    Examples
    --------
    >>> fig = gap_curves([0, 1], {"pool1": [0.0, 0.5]}, exact={"pool1": [True, False]},
    ...                  x_title="k", y_title="gap", lang="en")
    >>> list(fig.data[0].marker.symbol)
    ['circle', 'circle-open']
    """
    lang = lang or get_language()
    layout = base_layout(lang, height=height, margin=(60, 10, 10, 60), hovermode="x unified")
    layout.update(_line_axes(x_title, y_title))
    data = []
    for index, (name, values) in enumerate(series.items()):
        marks = None if exact is None else exact.get(name)
        symbols = ["circle" if m else "circle-open" for m in marks] if marks is not None else None
        data.append(
            {
                "type": "scatter",
                "x": list(shifts),
                "y": [float(v) for v in values],
                "mode": "lines+markers",
                "name": name,
                "line": {
                    "color": LAYER_COLORS[index % len(LAYER_COLORS)],
                    "width": 2,
                    "dash": "dash" if index >= len(LAYER_COLORS) else "solid",
                },
                "marker": {"size": 9, "symbol": symbols, "line": {"width": 2}},
                "hovertemplate": "%{y:.3g}",
            }
        )
    return build_figure(data, layout)


def prediction_curves(
    shifts: Sequence[int],
    probabilities: np.ndarray,
    *,
    highlight: int,
    others: Sequence[int] = (),
    x_title: str,
    y_title: str,
    height: int = 380,
    lang: str | None = None,
) -> go.Figure:
    """Draw each class's probability against the shift, one class in colour.

    Parameters
    ----------
    shifts : sequence of int, length n
    probabilities : ndarray, shape (n, classes)
    highlight : int
        The class drawn thick and in colour (the prediction without a shift).
    others : sequence of int, optional
        Classes drawn in colours of their own (those the network predicts at some shift);
        the rest are grey.
    x_title, y_title : str
    height : int, default 380
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per class, the highlighted one last (on top).

    Examples
    --------
    >>> fig = prediction_curves([0, 1], np.array([[0.9, 0.1], [0.4, 0.6]]), highlight=0,
    ...                         x_title="k", y_title="p", lang="en")
    >>> [trace.name for trace in fig.data], fig.data[-1].line.color == WINNER_COLOR
    (['1', '0'], True)
    >>> fig = prediction_curves([0, 1], np.array([[0.9, 0.1, 0], [0.4, 0.6, 0]]), highlight=0,
    ...                         others=[0, 1], x_title="k", y_title="p", lang="en")
    >>> [trace.name for trace in fig.data], fig.data[0].line.color == QUIET
    (['2', '1', '0'], True)
    """
    lang = lang or get_language()
    layout = base_layout(lang, height=height, margin=(60, 10, 10, 60), hovermode="x unified")
    layout.update(_line_axes(x_title, y_title, percent=True))
    coloured = [c for c in others if c != highlight]
    colours = {c: RUN_COLORS[(i + 1) % len(RUN_COLORS)] for i, c in enumerate(coloured)}
    colours[highlight] = WINNER_COLOR
    grey = [c for c in range(probabilities.shape[1]) if c not in colours]
    data = [
        {
            "type": "scatter",
            "x": list(shifts),
            "y": probabilities[:, c].astype(float).tolist(),
            "mode": "lines+markers",
            "name": str(c),
            "line": {
                "color": colours.get(c, QUIET),
                "width": 4 if c == highlight else 2.5 if c in colours else 1.5,
            },
            "marker": {"size": 8 if c == highlight else 4},
            "hovertemplate": "%{y:.1%}",
        }
        for c in [*grey, *coloured, highlight]
    ]
    return build_figure(data, layout)


def shift_maps(
    maps: np.ndarray,
    titles: Sequence[str],
    interior: tuple[slice, slice],
    *,
    height: int = 360,
    lang: str | None = None,
) -> go.Figure:
    """Show maps side by side with the cells compared outlined on each.

    Parameters
    ----------
    maps : ndarray, shape (H, W, F), F at most 4
        Such as "layer, then shift", "shift, then layer" and their difference.
    titles : sequence of str, length F
    interior : (slice, slice)
        Rows and columns compared (nothing is outlined when empty).
    height : int, default 360
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        :func:`cnnviz.figures.conv.feature_map_grid` (one shared scale) plus one outline per map.

    Examples
    --------
    >>> fig = shift_maps(np.zeros((4, 4, 2)), ["a", "b"], (slice(1, 3), slice(0, 4)), lang="en")
    >>> [trace.xaxis for trace in fig.data[-2:]], list(fig.data[-1].y)
    (['x', 'x2'], [0.5, 0.5, 2.5, 2.5, 0.5])
    """
    figure = feature_map_grid(
        maps, titles=titles, clickable=False, show_values=False, height=height, lang=lang
    )
    rows, cols = interior
    if rows.stop <= rows.start or cols.stop <= cols.start:
        return figure
    x, y = cell_rect(rows.start, cols.start, rows.stop - 1, cols.stop - 1)
    for index in range(maps.shape[2]):
        suffix = "" if index == 0 else str(index + 1)
        figure.add_scatter(
            x=x,
            y=y,
            mode="lines",
            line={"color": INTERIOR_COLOR, "width": 3, "dash": "dash"},
            hoverinfo="skip",
            showlegend=False,
            xaxis=f"x{suffix}",
            yaxis=f"y{suffix}",
        )
    return figure


def field_boxes(
    image: np.ndarray,
    boxes: Sequence[tuple[str, int, int, int, int]],
    *,
    height: int = 480,
    lang: str | None = None,
) -> go.Figure:
    """Draw receptive fields on an image, one coloured rectangle each, named in the legend.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        The digit, values in [0, 1].
    boxes : sequence of (label, top, left, bottom, right)
        Inclusive pixel bounds of each field, smallest first.
    height : int, default 480
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        :func:`cnnviz.figures.conv.image_figure`, then one closed line per box.

    Examples
    --------
    >>> fig = field_boxes(np.zeros((5, 5)), [("conv1", 0, 0, 2, 2)], lang="en")
    >>> fig.data[-1].name, list(fig.data[-1].x)
    ('conv1', [-0.5, 2.5, 2.5, -0.5, -0.5])
    """
    figure = image_figure(image, height=height, lang=lang)
    for index, (label, top, left, bottom, right) in enumerate(boxes):
        x, y = cell_rect(top, left, bottom, right)
        figure.add_scatter(
            x=x,
            y=y,
            mode="lines",
            name=label,
            line={"color": RUN_COLORS[(index + 2) % len(RUN_COLORS)], "width": 3},
            hoverinfo="name",
        )
    figure.update_layout(
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": -0.12, "font": {"size": SMALL_FONT}},
        margin={"b": 90},
    )
    return figure
