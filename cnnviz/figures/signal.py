"""Figures of 1-D signals: a signal and its convolutions with each padding, a signal at a glance.

Like every figure builder, these return a Plotly figure and never import
Streamlit; numbers follow the language (``0,5`` in Spanish). A 1-D step's
window is drawn by :func:`cnnviz.figures.conv.window_figure`, as a 2-D one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from cnnviz.figures._base import separators
from cnnviz.i18n import get_language, t

if TYPE_CHECKING:
    from cnnviz.core.signals import PaddingResult

__all__ = ["PADDING_COLOURS", "SIGNAL_COLOUR", "padding_comparison", "signal_chart"]

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
        separators=separators(lang),
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
        separators=separators(lang),
        plot_bgcolor="white",
        hovermode="x",
    )
    return fig
