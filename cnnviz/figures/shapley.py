"""Figures of Shapley values: the region map coloured by value, and one permutation's chain.

Builders return Plotly figures and never import Streamlit (see :mod:`cnnviz.figures.network`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import (
    CELL_FONT,
    SMALL_FONT,
    TEXT_FONT,
    WINDOW_COLOR,
    base_layout,
    build_figure,
)
from cnnviz.figures.network import _grey, _place_panel, _saliency_base
from cnnviz.i18n import InputError, format_number, get_language, t

DIVERGING: tuple[tuple[float, str], ...] = (  # blue against the class, white 0, red for it
    (0.0, "rgb(33,102,172)"),
    (0.25, "rgb(146,197,222)"),
    (0.5, "rgb(255,255,255)"),
    (0.75, "rgb(244,165,130)"),
    (1.0, "rgb(178,24,43)"),
)
MAP_OPACITY = 0.75
"""Opacity of the value colours over the picture: the digit still shows through."""
WRITTEN_UP_TO = 36
"""Regions up to which each region's value is written in it (6×6): more would not be read."""
GRID_COLOR = "rgba(60,60,60,0.7)"


def region_edges(labels: np.ndarray) -> tuple[list[float], list[float]]:
    """Pixel coordinates of the borders between regions: rows, then columns (half-pixels)."""
    rows = [r - 0.5 for r in range(1, labels.shape[0]) if labels[r, 0] != labels[r - 1, 0]]
    cols = [c - 0.5 for c in range(1, labels.shape[1]) if labels[0, c] != labels[0, c - 1]]
    return rows, cols


def region_centres(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each region's centre, in pixels (shape (n,) each)."""
    n = int(labels.max()) + 1
    rows, cols = np.indices(labels.shape)
    counts = np.bincount(labels.ravel(), minlength=n)
    return (
        np.bincount(labels.ravel(), rows.ravel(), n) / counts,
        np.bincount(labels.ravel(), cols.ravel(), n) / counts,
    )


def _grid_lines(labels: np.ndarray, xname: str, yname: str) -> list[dict[str, Any]]:
    rows, cols = region_edges(labels)
    height, width = labels.shape
    line = {"color": GRID_COLOR, "width": 1}
    common = {"type": "line", "xref": xname, "yref": yname, "line": line}
    return [
        *({**common, "x0": -0.5, "x1": width - 0.5, "y0": r, "y1": r} for r in rows),
        *({**common, "x0": c, "x1": c, "y0": -0.5, "y1": height - 0.5} for c in cols),
    ]


def _outline(labels: np.ndarray, region: int, xname: str, yname: str) -> dict[str, Any]:
    r, c = np.nonzero(labels == region)
    return {
        "type": "rect",
        "xref": xname,
        "yref": yname,
        "x0": c.min() - 0.5,
        "x1": c.max() + 0.5,
        "y0": r.min() - 0.5,
        "y1": r.max() + 0.5,
        "line": {"color": WINDOW_COLOR, "width": 4},
    }


def region_map(
    image: np.ndarray,
    labels: np.ndarray,
    values: Sequence[float],
    *,
    errors: Sequence[float] | None = None,
    highlight: int | None = None,
    title: str = "",
    height: int = 420,
    lang: str | None = None,
) -> go.Figure:
    """Show each region of the image coloured by its Shapley value.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        The input, values in [0, 1], drawn under the colours.
    labels : ndarray, shape (H, W), int
        Region of each pixel (0 to n − 1, row-major).
    values : sequence of float, length n
        Each region's value: red for the class, blue against, white at 0
        (a scale symmetric about 0).
    errors : sequence of float, optional
        Each value's standard error, shown as ± on hover.
    highlight : int, optional
        A region outlined in orange (the one explained).
    title : str
        Above the panel.
    height : int, default 420
        Figure height in pixels.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        The picture, the value heatmap (one colour per region), and a scatter
        of region centres (numbered, with the value written when there are at
        most :data:`WRITTEN_UP_TO` regions) that a click can select.

    Examples
    --------
    >>> labels = np.array([[0, 1], [2, 3]])
    >>> fig = region_map(np.zeros((2, 2)), labels, [0.5, -0.25, 0, 0], lang="es")
    >>> fig.data[2].text[:2], fig.data[1].zmin, len(fig.layout.shapes)
    (('0,5', '−0,25'), -0.5, 2)
    """
    lang = lang or get_language()
    labels = np.asarray(labels)
    values = np.asarray(values, dtype=float)
    base = _grey(image)
    if labels.shape != base.shape[:2] or values.shape != (int(labels.max()) + 1,):
        raise InputError("fig.error.maps_shape", shape=tuple(values.shape))
    layout = base_layout(
        lang, height=height, margin=(10, 10, 30 if title else 10, 10), annotations=[]
    )
    xname, yname = _place_panel(layout, 0, (1, 1), labels.shape, title, gap=0, font=TEXT_FONT)
    half = float(np.abs(values).max()) or 1.0
    texts = [format_number(v, digits=3, lang=lang) for v in values]
    if errors is not None:
        texts = [
            f"{text} ± {format_number(e, digits=3, lang=lang)}"
            for text, e in zip(texts, errors, strict=True)
        ]
    hover = [t("shapley.fig.hover", lang=lang, region=i + 1, value=v) for i, v in enumerate(texts)]
    rows, cols = region_centres(labels)
    written = values.size <= WRITTEN_UP_TO
    data = [
        _saliency_base(base, xname, yname),
        {
            "type": "heatmap",
            "z": values[labels],
            "colorscale": [list(s) for s in DIVERGING],
            "zmin": -half,
            "zmax": half,
            "opacity": MAP_OPACITY,
            "showscale": True,
            "colorbar": {"thickness": 12, "len": 0.8, "tickfont": {"size": SMALL_FONT}},
            "hoverinfo": "skip",
            "xaxis": xname,
            "yaxis": yname,
        },
        {
            "type": "scatter",
            "x": cols,
            "y": rows,
            "mode": "text" if written else "markers",
            "text": [format_number(v, digits=3, lang=lang) for v in values],
            "textfont": {
                "size": CELL_FONT if values.size <= 16 else SMALL_FONT - 2,
                # dark ink on pale colours, white on the strong ones
                "color": ["white" if abs(v) > 0.6 * half else "black" for v in values],
            },
            "marker": {"size": 14, "color": "rgba(0,0,0,0)"},
            "customdata": np.arange(values.size),
            "hovertext": hover,
            "hovertemplate": "%{hovertext}<extra></extra>",
            "xaxis": xname,
            "yaxis": yname,
        },
    ]
    layout["shapes"] = _grid_lines(labels, xname, yname)
    if highlight is not None:
        layout["shapes"].append(_outline(labels, highlight, xname, yname))
    return build_figure(data, layout)


def permutation_chain(
    chain: Sequence[float],
    order: Sequence[int],
    region: int,
    *,
    height: int = 260,
    lang: str | None = None,
) -> go.Figure:
    """Show f as the regions join in one order, the chosen region's step highlighted.

    Parameters
    ----------
    chain : sequence of float, length n + 1
        f of the first k regions of the order, k = 0 ... n.
    order : sequence of int, length n
        The regions in the order they join.
    region : int
        The region whose step (its marginal contribution) is highlighted.
    height : int, default 260
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A step line of f against the number of regions in, and an orange
        segment over the chosen region's step.

    Examples
    --------
    >>> fig = permutation_chain([0.1, 0.3, 0.9], [1, 0], 0, lang="en")
    >>> list(fig.data[1].y)
    [0.3, 0.9]
    """
    lang = lang or get_language()
    chain = np.asarray(chain, dtype=float)
    order = np.asarray(order)
    position = int(np.flatnonzero(order == region)[0])
    steps = np.arange(chain.size)
    joined = ["", *(t("shapley.fig.joins", lang=lang, region=r + 1) for r in order)]
    hover = t("shapley.fig.chain_hover", lang=lang, k="%{x}", f="%{y:.3f}")
    layout = base_layout(
        lang,
        height=height,
        margin=(60, 10, 10, 50),
        showlegend=False,
        xaxis={
            "title": {"text": t("shapley.fig.regions_in", lang=lang)},
            "dtick": 1 if chain.size <= 11 else (2 if chain.size <= 17 else 8),
            "range": [-0.5, chain.size - 0.5],
        },
        yaxis={"title": {"text": t("shapley.fig.f", lang=lang)}, "gridcolor": "#e5e5e5"},
    )
    data = [
        {
            "type": "scatter",
            "x": steps,
            "y": chain,
            "mode": "lines+markers",
            "line": {"shape": "linear", "color": "#7a7a7a"},
            "marker": {"size": 5},
            "text": joined,
            "hovertemplate": hover + "<br>%{text}<extra></extra>",
        },
        {
            "type": "scatter",
            "x": [position, position + 1],
            "y": [float(chain[position]), float(chain[position + 1])],
            "mode": "lines+markers",
            "line": {"color": WINDOW_COLOR, "width": 5},
            "marker": {"size": 10},
            "hoverinfo": "skip",
        },
    ]
    return build_figure(data, layout)


def contribution_dots(
    contributions: Sequence[float],
    value: float,
    *,
    height: int = 150,
    lang: str | None = None,
) -> go.Figure:
    """Show one region's marginal contributions, one dot per sampled order, and their mean.

    Parameters
    ----------
    contributions : sequence of float
        The region's contribution in each sampled permutation.
    value : float
        Its Shapley value (their mean), drawn as an orange line.
    height : int, default 150
    lang : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        A strip of dots (jittered up and down by a fixed pattern so equal values
        stay visible) and the mean's vertical line.

    Examples
    --------
    >>> fig = contribution_dots([0.0, 0.5, 1.0], 0.5, lang="en")
    >>> list(fig.data[0].x), fig.layout.shapes[0].x0
    ([0.0, 0.5, 1.0], 0.5)
    """
    lang = lang or get_language()
    dots = np.asarray(contributions, dtype=float)
    spread = ((np.arange(dots.size) * 0.618) % 1.0) - 0.5  # golden-ratio steps: no random state
    mean_text = t("shapley.fig.mean", lang=lang, value=format_number(value, digits=3, lang=lang))
    layout = base_layout(
        lang,
        height=height,
        margin=(10, 10, 30, 40),
        showlegend=False,
        xaxis={"title": {"text": t("shapley.fig.contribution", lang=lang)}, "zeroline": True},
        yaxis={"visible": False, "range": [-1, 1]},
        shapes=[
            {
                "type": "line",
                "x0": float(value),
                "x1": float(value),
                "y0": -0.9,
                "y1": 0.9,
                "line": {"color": WINDOW_COLOR, "width": 3},
            }
        ],
        annotations=[
            {
                "x": float(value),
                "y": 0.9,
                "text": mean_text,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": SMALL_FONT, "color": WINDOW_COLOR},
            }
        ],
    )
    data = [
        {
            "type": "scatter",
            "x": dots.tolist(),
            "y": (0.6 * spread).tolist(),
            "mode": "markers",
            "marker": {"size": 8, "color": "rgba(90,90,90,0.6)"},
            "hovertemplate": "%{x:.3f}<extra></extra>",
        }
    ]
    return build_figure(data, layout)
