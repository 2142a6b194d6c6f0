"""The backpropagation page's figures: small matrices written out side by side, and the loss curve.

Each panel is one array of the tiny network (:mod:`cnnviz.core.tiny_net`) with
every value written in its cell: an input, a map, a gradient. Cells that
receive nothing (the losers of a max-pooling window, the cells ReLU switched
off) are hatched grey with their 0 still written, so the eye sees where the
gradient did *not* go; cells to point at (a window's winner) are framed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import (
    ASSUMED_WIDTH,
    CELL_FONT,
    SMALL_FONT,
    WINDOW_COLOR,
    base_layout,
    build_figure,
    cell_axis,
    cell_rect,
    cell_texts,
    matrix_panel,
    paper_text,
    pick_scale,
)
from cnnviz.figures.network import probability_bars
from cnnviz.i18n import get_language, t

__all__ = ["Panel", "class_bars", "loss_curve", "panels_figure"]

CELL_PX = 54
"""Height of one written cell, in pixels: a 6x6 panel's numbers read on a projector."""

GRID_COLOR = "#555555"
"""Lines between pooling windows."""


@dataclass(frozen=True)
class Panel:
    """One matrix to write out.

    Attributes
    ----------
    values : ndarray, shape (h, w)
        The numbers.
    title : str
        Written above it.
    muted : ndarray of bool, shape (h, w), optional
        Cells hatched grey (they got no gradient), value still written.
    marked : tuple of (int, int)
        Cells framed in the window's colour.
    blocks : int, default 0
        Draw lines every ``blocks`` cells (the pooling windows); 0 for none.
    window : (int, int, int, int), optional
        ``(top, left, rows, cols)`` of a block to frame: a convolution's window.
    signed : bool, optional
        Diverging colours around 0 (gradients) or grey; by default diverging if a value is < 0.
    """

    values: np.ndarray
    title: str
    muted: np.ndarray | None = None
    marked: tuple[tuple[int, int], ...] = field(default=())
    blocks: int = 0
    window: tuple[int, int, int, int] | None = None
    signed: bool | None = None


def _frames(panel: Panel, suffix: str) -> list[dict[str, Any]]:
    """Draw the marked cells' frames and the pooling windows' lines on the panel's axes."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    boxes = [(row, col, row, col) for row, col in panel.marked]
    if panel.window is not None:
        top, left, rows, cols = panel.window
        boxes.append((top, left, top + rows - 1, left + cols - 1))
    for box in boxes:
        x, y = cell_rect(*box)
        xs += [*x, None]
        ys += [*y, None]
    traces = []
    if xs:
        traces.append(_lines(xs, ys, suffix, WINDOW_COLOR, 4))
    if panel.blocks:
        h, w = panel.values.shape
        bx: list[float | None] = []
        by: list[float | None] = []
        for r in range(panel.blocks, h, panel.blocks):
            bx += [-0.5, w - 0.5, None]
            by += [r - 0.5, r - 0.5, None]
        for c in range(panel.blocks, w, panel.blocks):
            bx += [c - 0.5, c - 0.5, None]
            by += [-0.5, h - 0.5, None]
        if bx:
            traces.insert(0, _lines(bx, by, suffix, GRID_COLOR, 2))
    return traces


def _lines(xs: list, ys: list, suffix: str, color: str, width: int) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "lines",
        "line": {"color": color, "width": width},
        "hoverinfo": "skip",
        "showlegend": False,
        "xaxis": f"x{suffix}",
        "yaxis": f"y{suffix}",
    }


GAP_PX = (24, 48)
"""Space between panels, in pixels: without and with an operator written in it."""

EDGE_PX = 28
"""Room kept left and right of the row: a narrow last panel's title overhangs its cells."""


def _fitted(cols: int, gaps: float, width_px: float, texts: list) -> tuple[float, int]:
    """Return the cell side the width allows (at most :data:`CELL_PX`) and a font that fits it."""
    cell = min(CELL_PX, (width_px - gaps - 2 * EDGE_PX) / cols)
    longest = max((len(s) for grid in texts for row in grid for s in row), default=1)
    # A digit is about 0.55 em wide in the app's font; 4 px keep it off the cell's edges.
    font = int(np.clip((cell - 4) / (0.55 * longest), 9, CELL_FONT))
    return cell, font


def panels_figure(
    panels: Sequence[Panel],
    *,
    operators: Sequence[str] | None = None,
    digits: int = 3,
    width_px: float = ASSUMED_WIDTH,
    lang: str | None = None,
) -> go.Figure:
    """Write small matrices out side by side, each cell's value in it, an operator between them.

    Parameters
    ----------
    panels : sequence of Panel
        Left to right; each gets a width proportional to its columns.
    operators : sequence of str, optional
        ``len(panels) - 1`` symbols written between neighbours (``"→"``, ``"⊙"``...).
    digits : int, default 3
        Decimals kept at most.
    width_px : float, default ASSUMED_WIDTH
        The width the figure is expected to get: cells are square, so it sets
        the height, and the numbers' font shrinks until the longest fits a cell.
    lang : str, optional
        Language of the numbers; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Per panel: its heatmap, the hatching of its muted cells, its lines and frames.

    Examples
    --------
    >>> fig = panels_figure(
    ...     [Panel(np.eye(2), "A", marked=((0, 0),)), Panel(np.zeros((2, 2)), "B",
    ...      muted=np.ones((2, 2), bool))], operators=["→"], lang="en")
    >>> [trace.type for trace in fig.data]
    ['heatmap', 'scatter', 'heatmap', 'bar']
    >>> fig.layout.annotations[-1].text
    '→'
    """
    lang = lang or get_language()
    operators = list(operators or [])
    gap = GAP_PX[bool(operators)]
    texts = [cell_texts(np.asarray(p.values, dtype=float), lang, digits) for p in panels]
    cols = sum(p.values.shape[1] for p in panels)
    cell, font = _fitted(cols, gap * (len(panels) - 1), width_px, texts)
    tallest = max(p.values.shape[0] for p in panels)
    layout = base_layout(
        lang,
        height=int(44 + cell * tallest),
        margin=(4, 4, 34, 4),
        hovermode="closest",
        showlegend=False,
        annotations=[],
        barmode="overlay",
    )
    data: list[dict[str, Any]] = []
    # Every panel's cells the same size, the row of panels centred: positions in pixels.
    left = (width_px - cell * cols - gap * (len(panels) - 1)) / 2
    for index, panel in enumerate(panels):
        suffix = "" if index == 0 else str(index + 1)
        values = np.asarray(panel.values, dtype=float)
        muted = np.zeros(values.shape, bool) if panel.muted is None else panel.muted
        scale = pick_scale(values[~muted] if (~muted).any() else values, panel.signed)
        drawn = matrix_panel(
            values, muted, scale, suffix=suffix, lang=lang, digits=digits, pad_text=True
        )
        for trace in drawn:
            trace["textfont"] = {**trace.get("textfont", {}), "size": font}
        data += drawn + _frames(panel, suffix)
        h, w = values.shape
        x0, x1 = (max(0.0, min(1.0, px / width_px)) for px in (left, left + cell * w))
        layout[f"xaxis{suffix}"] = {
            **cell_axis(0, w - 1, domain=(x0, x1), anchor=f"y{suffix}", ticks=False),
            "visible": False,
        }
        layout[f"yaxis{suffix}"] = {
            **cell_axis(
                0, h - 1, domain=(1 - h / tallest, 1), anchor=f"x{suffix}", reverse=True,
                scaleanchor=f"x{suffix}", ticks=False,
            ),
            "visible": False,
        }  # fmt: skip
        layout["annotations"].append(
            paper_text(f"<b>{panel.title}</b>", (x0 + x1) / 2, 1, size=SMALL_FONT,
                       xanchor="center", yanchor="bottom")
        )  # fmt: skip
        if index and index - 1 < len(operators):
            # On the panel's own domain: it stays beside the panel however wide the figure is.
            layout["annotations"].append(
                {
                    "text": operators[index - 1],
                    "x": 0,
                    "xanchor": "right",
                    "xshift": -6,
                    "y": 0.5,
                    "xref": f"x{suffix} domain",
                    "yref": f"y{suffix} domain",
                    "showarrow": False,
                    "font": {"size": 20},
                }
            )
        left += cell * w + gap
    return build_figure(data, layout)


def class_bars(
    probabilities: np.ndarray,
    class_names: Sequence[str],
    *,
    reference: np.ndarray | None = None,
    height: int = 230,
    lang: str | None = None,
) -> go.Figure:
    """Draw the classes' probabilities as bars (:func:`cnnviz.figures.network.probability_bars`).

    Parameters
    ----------
    probabilities : ndarray, shape (K,)
        The softmax output.
    class_names : sequence of str
        One per class.
    reference : ndarray, shape (K,), optional
        Probabilities drawn behind in grey (before a gradient-descent step).
    height : int, default 230
        In pixels.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        As ``probability_bars``, its axis titled "Class", not "Digit".

    Examples
    --------
    >>> fig = class_bars(np.array([0.2, 0.5, 0.3]), ["perro", "bote", "Goku"], lang="es")
    >>> fig.layout.xaxis.title.text, list(fig.data[0].x)
    ('Clase', ['perro', 'bote', 'Goku'])
    """
    lang = lang or get_language()
    figure = probability_bars(
        probabilities, class_names=class_names, reference=reference, height=height, lang=lang
    )
    figure.layout.xaxis.title.text = t("backprop.class_axis", lang=lang)
    return figure


def loss_curve(losses: Sequence[float], *, lang: str | None = None) -> go.Figure:
    """Draw the loss after each gradient-descent step, step 0 being the start.

    Parameters
    ----------
    losses : sequence of float
        The loss at the start, then after each step.
    lang : str, optional
        Language of the axis titles; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One line with a marker per step.

    Examples
    --------
    >>> fig = loss_curve([1.2, 0.9, 0.7], lang="es")
    >>> list(fig.data[0].x), fig.layout.xaxis.title.text
    ([0, 1, 2], 'Paso')
    """
    lang = lang or get_language()
    layout = base_layout(
        lang,
        height=240,
        margin=(60, 10, 10, 50),
        xaxis={
            "title": {"text": t("backprop.curve.step", lang=lang)},
            "dtick": 1 if len(losses) <= 20 else None,
            "gridcolor": "#eeeeee",
        },
        yaxis={
            "title": {"text": t("backprop.curve.loss", lang=lang)},
            "rangemode": "tozero",
            "gridcolor": "#eeeeee",
        },
        showlegend=False,
    )
    trace = {
        "type": "scatter",
        "x": list(range(len(losses))),
        "y": [float(v) for v in losses],
        "mode": "lines+markers",
        "line": {"color": WINDOW_COLOR, "width": 3},
        "hovertemplate": "%{x}: %{y:.4f}<extra></extra>",
    }
    return build_figure([trace], layout)
