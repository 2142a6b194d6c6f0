"""Figures of a training run: loss and accuracy curves, runs compared, confusion matrix, images.

Like :mod:`cnnviz.figures.conv`, every builder returns a Plotly figure and never
imports Streamlit; numbers follow the language (``0,5`` in Spanish). Filters
and feature maps use :func:`cnnviz.figures.network.map_grid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from cnnviz.figures._base import GRAY, SMALL_FONT, base_layout, build_figure, paper_text, separators
from cnnviz.i18n import InputError, get_language, t

TRAIN_COLOR = "#0072B2"  # Okabe-Ito blue: training
VAL_COLOR = "#D55E00"  # Okabe-Ito vermillion: validation, distinct for colour-blind eyes
RUN_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
"""One colour per run when runs are overlaid (Okabe-Ito)."""


def _two_panels(lang: str, titles: tuple[str, str], height: int) -> dict[str, Any]:
    axis = {"tickfont": {"size": SMALL_FONT}, "gridcolor": "#e5e5e5", "zeroline": False}
    epoch = {**axis, "title": {"text": t("train.fig.epoch", lang=lang), "standoff": 4}}
    return {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.25, "font": {"size": SMALL_FONT}},
        "xaxis": {**epoch, "domain": [0.0, 0.45], "anchor": "y"},
        "yaxis": {**axis, "anchor": "x", "rangemode": "tozero"},
        "xaxis2": {**epoch, "domain": [0.55, 1.0], "anchor": "y2"},
        "yaxis2": {**axis, "anchor": "x2", "range": [0, 1.02], "tickformat": ".0%"},
        "annotations": [
            paper_text(
                f"<b>{title}</b>", x, 1.0, size=SMALL_FONT + 1, yanchor="bottom", xanchor="center"
            )
            for title, x in zip(titles, (0.225, 0.775), strict=True)
        ],
    }


def curves(
    history: pd.DataFrame,
    *,
    epochs: int | None = None,
    height: int = 330,
    lang: str | None = None,
    best: tuple[str, int] | None = None,
) -> go.Figure:
    """Draw training and validation loss (left) and accuracy (right) against epochs.

    Parameters
    ----------
    history : DataFrame
        :data:`cnnviz.nets.live.HISTORY_COLUMNS`; validation values only at epoch ends.
    epochs : int, optional
        Fixes the x axis to ``[0, epochs]`` so that the curves grow into it
        during training instead of rescaling at every update.
    height : int, default 330
    lang : str, optional
    best : (str, int), optional
        The checkpoint's monitored value (a column of ``history``) and its best
        epoch so far: a star marks that value, on its panel (none when 0).

    Returns
    -------
    plotly.graph_objects.Figure
        Four traces: training loss, validation loss, training accuracy,
        validation accuracy; a fifth, the star, with ``best``.

    Examples
    --------
    >>> h = pd.DataFrame({"epoch": [0.5, 1.0], "batch": [5, 10], "loss": [2.0, 1.0],
    ...                   "accuracy": [0.3, 0.6], "val_loss": [np.nan, 1.1],
    ...                   "val_accuracy": [np.nan, 0.55]})
    >>> fig = curves(h, lang="en")
    >>> [len(trace.x) for trace in fig.data]
    [2, 1, 2, 1]
    """
    lang = lang or get_language()
    layout = _two_panels(
        lang, (t("train.fig.loss", lang=lang), t("train.fig.accuracy", lang=lang)), height
    )
    if epochs:
        layout["xaxis"]["range"] = [0, epochs]
        layout["xaxis2"]["range"] = [0, epochs]
    val = history[history["val_loss"].notna()]
    data = []
    for metric, axes in (("loss", ("x", "y")), ("accuracy", ("x2", "y2"))):
        for frame, column, color, key, mode in (
            (history, metric, TRAIN_COLOR, "train.fig.train", "lines"),
            (val, f"val_{metric}", VAL_COLOR, "train.fig.val", "lines+markers"),
        ):
            data.append(
                {
                    "type": "scatter",
                    "x": frame["epoch"].to_numpy(),
                    "y": frame[column].to_numpy(),
                    "mode": mode,
                    "name": t(key, lang=lang),
                    "line": {"color": color, "width": 2},
                    "marker": {"size": 7},
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "legendgroup": key,
                    "showlegend": metric == "loss",
                    "hovertemplate": "%{x:.2f}: %{y:.3f}<extra></extra>",
                }
            )
    if best is not None and best[1]:
        data.extend(best_marker(history, *best, lang=lang))
    return build_figure(data, layout)


BEST_COLOR = "#009E73"  # Okabe-Ito bluish green: the checkpoint's epoch


def best_marker(history: pd.DataFrame, monitor: str, epoch: int, *, lang: str) -> list[dict]:
    """Return a star trace at ``monitor``'s value at the end of ``epoch`` (none if it is missing).

    Examples
    --------
    >>> h = pd.DataFrame({"epoch": [1.0, 2.0], "batch": [5, 10], "loss": [2.0, 1.0],
    ...                   "accuracy": [0.3, 0.6], "val_loss": [1.5, 1.1],
    ...                   "val_accuracy": [0.4, 0.55]})
    >>> [(m["x"], m["y"], m["xaxis"]) for m in best_marker(h, "val_accuracy", 2, lang="en")]
    [([2.0], [0.55], 'x2')]
    """
    ends = history[np.isclose(history["epoch"], epoch)]  # only an epoch's end is a whole number
    if not len(ends) or not np.isfinite(ends[monitor].iloc[-1]):
        return []
    axes = ("x2", "y2") if monitor.removeprefix("val_") == "accuracy" else ("x", "y")
    return [
        {
            "type": "scatter",
            "x": [float(epoch)],
            "y": [float(ends[monitor].iloc[-1])],
            "mode": "markers",
            "name": t("ckpt.fig.best", lang=lang, epoch=epoch),
            "marker": {"symbol": "star", "size": 18, "color": BEST_COLOR,
                       "line": {"color": "black", "width": 1}},
            "xaxis": axes[0],
            "yaxis": axes[1],
            "hovertemplate": t("ckpt.fig.best", lang=lang, epoch=epoch)
            + ": %{y:.3f}<extra></extra>",
        }
    ]  # fmt: skip


def runs_overlay(
    runs: Sequence[tuple[str, pd.DataFrame]], *, height: int = 330, lang: str | None = None
) -> go.Figure:
    """Draw validation loss and accuracy of several runs, one colour each, to compare them.

    Examples
    --------
    >>> h = pd.DataFrame({"epoch": [1.0], "batch": [10], "loss": [1.0], "accuracy": [0.6],
    ...                   "val_loss": [1.1], "val_accuracy": [0.55]})
    >>> len(runs_overlay([("Run 1", h), ("Run 2", h)], lang="en").data)
    4
    """
    lang = lang or get_language()
    titles = (t("train.fig.val_loss", lang=lang), t("train.fig.val_accuracy", lang=lang))
    layout = _two_panels(lang, titles, height)
    data = []
    for index, (label, history) in enumerate(runs):
        val = history[history["val_loss"].notna()]
        color = RUN_COLORS[index % len(RUN_COLORS)]
        for column, axes in (("val_loss", ("x", "y")), ("val_accuracy", ("x2", "y2"))):
            data.append(
                {
                    "type": "scatter",
                    "x": val["epoch"].to_numpy(),
                    "y": val[column].to_numpy(),
                    "mode": "lines+markers",
                    "name": label,
                    "line": {"color": color, "width": 2},
                    "xaxis": axes[0],
                    "yaxis": axes[1],
                    "legendgroup": label,
                    "showlegend": column == "val_loss",
                    "hovertemplate": f"{label}<br>%{{x:.2f}}: %{{y:.3f}}<extra></extra>",
                }
            )
    return build_figure(data, layout)


def confusion_figure(
    matrix: np.ndarray, labels: Sequence[str], *, lang: str | None = None
) -> go.Figure:
    """Draw the confusion matrix as a heatmap with its counts: rows true classes, columns predicted.

    Examples
    --------
    >>> fig = confusion_figure(np.array([[3, 1], [0, 4]]), ["a", "b"], lang="en")
    >>> fig.data[0].z.tolist(), fig.data[0].text.tolist()
    ([[3, 1], [0, 4]], [['3', '1'], ['0', '4']])
    """
    lang = lang or get_language()
    matrix = np.asarray(matrix)
    size = len(labels)
    if matrix.shape != (size, size):
        raise InputError("fig.error.maps_shape", shape=matrix.shape)
    names = [str(label) for label in labels]
    hover = t("train.fig.confusion_hover", lang=lang, true="%{y}", predicted="%{x}", count="%{z}")
    side = min(560, 120 + 42 * size)
    trace = {
        "type": "heatmap",
        "z": matrix,
        "x": names,
        "y": names,
        "text": matrix.astype(str),
        "texttemplate": "%{text}",
        "textfont": {"size": SMALL_FONT},
        "colorscale": [[0.0, "#f7fbff"], [0.5, "#6baed6"], [1.0, "#08306b"]],
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hovertemplate": hover + "<extra></extra>",
    }
    layout = {
        "height": side,
        "width": side + 40,
        "margin": {"l": 70, "r": 10, "t": 10, "b": 60},
        "separators": separators(lang),
        "xaxis": {
            "title": {"text": t("train.fig.predicted", lang=lang)},
            "type": "category",
            "tickfont": {"size": SMALL_FONT},
            "side": "bottom",
        },
        "yaxis": {
            "title": {"text": t("train.fig.true", lang=lang)},
            "type": "category",
            "autorange": "reversed",
            "tickfont": {"size": SMALL_FONT},
        },
    }
    return build_figure([trace], layout)


def per_class_bars(
    accuracy: np.ndarray, labels: Sequence[str], *, lang: str | None = None
) -> go.Figure:
    """Draw each class's test accuracy as a bar (a missing class has none).

    Examples
    --------
    >>> per_class_bars(np.array([0.5, 1.0]), ["a", "b"], lang="en").data[0].y.tolist()
    [0.5, 1.0]
    """
    lang = lang or get_language()
    bars = {
        "type": "bar",
        "x": [str(label) for label in labels],
        "y": np.asarray(accuracy, dtype=float),
        "marker": {"color": TRAIN_COLOR},
        "hovertemplate": "%{x}: %{y:.1%}<extra></extra>",
    }
    layout = {
        "height": 260,
        "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
        "separators": separators(lang),
        "plot_bgcolor": "white",
        "xaxis": {"type": "category", "tickfont": {"size": SMALL_FONT}},
        "yaxis": {"range": [0, 1.02], "tickformat": ".0%", "gridcolor": "#e5e5e5"},
    }
    return build_figure([bars], layout)


def image_grid(
    images: np.ndarray,
    titles: Sequence[str] | None = None,
    *,
    columns: int = 8,
    panel_px: int = 96,
    lang: str | None = None,
) -> go.Figure:
    """Draw small images in a grid with a title over each (augmented samples, mistakes).

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, 1) or (N, H, W, 3)
        Values in [0, 1]: grey from black to white, or RGB.
    titles : sequence of str, optional
    columns : int, default 8
    panel_px : int, default 96
        Height of one image on screen.
    lang : str, optional

    Examples
    --------
    >>> fig = image_grid(np.zeros((3, 4, 4, 1)), ["a", "b", "c"], columns=2, lang="en")
    >>> len(fig.data), [a.text for a in fig.layout.annotations]
    (3, ['a', 'b', 'c'])
    """
    lang = lang or get_language()
    array = np.asarray(images, dtype=float)
    if array.ndim == 3:
        array = array[..., None]
    if array.ndim != 4 or array.shape[-1] not in (1, 3) or len(array) == 0:
        raise InputError("fig.error.maps_shape", shape=array.shape)
    count = len(array)
    columns = max(1, min(columns, count))
    rows = ceil(count / columns)
    gap_x, title_px = 0.015, 22 if titles is not None else 4
    width = (1 - gap_x * (columns - 1)) / columns
    height = rows * (panel_px + title_px) + 10
    row_h = 1 / rows
    title_share = title_px / (panel_px + title_px)
    layout = base_layout(lang, height=height, margin=(5, 5, 5, 5), annotations=[])
    data: list[dict[str, Any]] = []
    for index in range(count):
        row, col = divmod(index, columns)
        suffix = "" if index == 0 else str(index + 1)
        x0 = col * (width + gap_x)
        top = 1 - row * row_h
        bottom = top - row_h
        layout[f"xaxis{suffix}"] = {
            "domain": [x0, x0 + width],
            "visible": False,
            "anchor": f"y{suffix}",
        }
        layout[f"yaxis{suffix}"] = {
            "domain": [bottom, top - row_h * title_share],
            "visible": False,
            "autorange": "reversed",
            "scaleanchor": f"x{suffix}",
            "anchor": f"x{suffix}",
        }
        image = array[index]
        trace: dict[str, Any] = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}", "hoverinfo": "skip"}
        if image.shape[-1] == 3:
            trace.update(type="image", z=np.clip(image * 255, 0, 255).round().astype(np.uint8))
        else:
            trace.update(
                type="heatmap",
                z=image[..., 0],
                colorscale=[list(stop) for stop in GRAY],
                zmin=0.0,
                zmax=1.0,
                showscale=False,
            )
        data.append(trace)
        if titles is not None:
            layout["annotations"].append(
                paper_text(
                    str(titles[index]), x0 + width / 2, top, size=SMALL_FONT - 1, yanchor="top"
                )
            )
    return build_figure(data, layout)
