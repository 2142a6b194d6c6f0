"""Figures of the pooling page: a pooling step's window, its kept maximum starred.

The pooled maps themselves are heatmaps (:func:`cnnviz.figures.conv.heatmap`);
what only pooling shows is which cell of the window survives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.core.trace import PoolStep
from cnnviz.figures._base import build_figure, pick_scale, step_window, written_matrices
from cnnviz.i18n import get_language, t

__all__ = ["STAR_COLOR", "pool_window_figure"]

STAR_COLOR = "#ffd400"  # yellow, outlined in black: visible on every grey of the window


def _winner_star(row: int, col: int) -> dict[str, Any]:
    """Mark window cell ``(row, col)`` with a star in its top-right corner."""
    return {
        "type": "scatter",
        "x": [col + 0.3],
        "y": [row - 0.3],
        "mode": "markers",
        "marker": {
            "symbol": "star",
            "size": 18,
            "color": STAR_COLOR,
            "line": {"color": "#000000", "width": 1.5},
        },
        "hoverinfo": "skip",
        "xaxis": "x",
        "yaxis": "y",
        "cliponaxis": False,
    }


def pool_window_figure(
    step: PoolStep,
    *,
    channel: int | None = None,
    digits: int = 2,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show one pooling step's window written out, the kept maximum starred.

    Padding cells are hatched and left blank: pooling skips them.

    Parameters
    ----------
    step : PoolStep
        From ``trace.step(i)`` or ``trace.step_at(row, col)`` of
        :func:`cnnviz.core.trace.pool2d_trace`.
    channel : int, optional
        For a multi-channel window, the channel to show; 0 by default.
    digits : int, default 2
        At most this many decimals in each cell.
    height : int, optional
        In pixels; by default it grows with the window's rows.
    lang : str, optional
        Language of the title and the numbers; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        The window's matrix and, for max pooling, a star on the cell it keeps.

    Raises
    ------
    InputError
        If ``channel`` is not one of the window's channels.

    Examples
    --------
    >>> from cnnviz.core.trace import pool2d_trace
    >>> fig = pool_window_figure(pool2d_trace([[1, 5], [3, 2]], 2).step(0), lang="en")
    >>> list(fig.data[0].text[0]), (fig.data[-1].x[0], fig.data[-1].y[0])
    (['1', '5'], (1.3, -0.3))
    """
    lang = lang or get_language()
    values, _, padding, suffix = step_window(step, channel, lang)
    real = np.where(padding, np.nan, values)
    panels = [(real, pick_scale(real), t("fig.window_values", lang=lang) + suffix)]
    data, layout = written_matrices(
        panels, values, padding, pad_text=False, digits=digits, height=height, lang=lang
    )
    if step.winner is not None:
        data.append(
            _winner_star(step.winner[0] - step.top_left[0], step.winner[1] - step.top_left[1])
        )
    return build_figure(data, layout)
