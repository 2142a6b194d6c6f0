"""Figures of an adversarial example: the image, the perturbation made visible, the result.

Like the other figure modules, builders return Plotly figures and never import
Streamlit.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import GRAY, TEXT_FONT, base_layout, build_figure
from cnnviz.figures.network import (
    LINE_PX,
    _grey,
    _picture_trace,
    _place_panel,
    probability_bars,
)
from cnnviz.i18n import InputError, get_language, t

DIVERGING: tuple[tuple[float, str], ...] = (  # darker blue, unchanged white, brighter red
    (0.0, "rgb(5,48,97)"),
    (0.25, "rgb(67,147,195)"),
    (0.5, "rgb(247,247,247)"),
    (0.75, "rgb(214,96,77)"),
    (1.0, "rgb(103,0,31)"),
)
"""The perturbation of a grey image: 0.5 (no change) is white, so the change stands out."""
TITLE_LINE = 14
"""Characters per line of :func:`attack_row`'s titles (a third of a narrow column)."""


def amplification(perturbation: np.ndarray) -> float:
    """Return the factor that makes the largest change of a perturbation fill half the range.

    The perturbation is shown as ``0.5 + a δ``: with ``a = 0.5 / max |δ|`` the
    strongest change reaches 0 or 1, so an ε of 0.02 is as visible as one of 0.3.

    Parameters
    ----------
    perturbation : array_like
        ``adversarial - image``.

    Returns
    -------
    float
        ``0.5 / max |δ|``; 1 for a perturbation of zeros.

    Examples
    --------
    >>> amplification(np.array([0.1, -0.05]))
    5.0
    >>> amplification(np.zeros(3))
    1.0
    """
    largest = float(np.abs(np.asarray(perturbation, dtype=float)).max(initial=0.0))
    return 0.5 / largest if largest > 0 else 1.0


def _perturbation_trace(delta: np.ndarray, factor: float, xname: str, yname: str, lang: str):
    """Draw the amplified perturbation: RGB about grey for colour, diverging heatmap for grey."""
    shown = np.clip(0.5 + factor * delta, 0.0, 1.0)
    picture = _picture_trace(shown, xname, yname, "")
    if picture is not None:
        del picture["hovertemplate"]
        return {**picture, "hoverinfo": "skip"}
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{customdata:+.3f}")
    # The hover says the real change, not the amplified one.
    return _unit_heatmap(shown, DIVERGING, xname, yname, hover, customdata=delta)


def _unit_heatmap(
    z: np.ndarray, scale: Sequence, xname: str, yname: str, hover: str, **extra: Any
) -> dict[str, Any]:
    """Return a heatmap of values in [0, 1] on a panel's axes, without a colour bar."""
    return {
        "type": "heatmap",
        "z": z,
        "colorscale": [list(stop) for stop in scale],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "xaxis": xname,
        "yaxis": yname,
        "hovertemplate": hover + "<extra></extra>",
        **extra,
    }


def _image_trace(image: np.ndarray, xname: str, yname: str, lang: str) -> dict[str, Any]:
    """Draw an input as the network sees it: its colours, or grey (0 black, 1 white)."""
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.2f}")
    picture = _picture_trace(image, xname, yname, hover)
    return _unit_heatmap(image, GRAY, xname, yname, hover) if picture is None else picture


ROW_HEIGHT = 210
"""The pictures' row, in pixels: its pictures fit the width of a column beside the settings."""


def attack_row(
    image: np.ndarray,
    perturbation: np.ndarray,
    adversarial: np.ndarray,
    titles: Sequence[str],
    *,
    height: int = ROW_HEIGHT,
    lang: str | None = None,
) -> go.Figure:
    """Show original | perturbation (amplified) | adversarial example, side by side.

    Parameters
    ----------
    image, perturbation, adversarial : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        The input and the adversarial example in [0, 1], and their difference.
    titles : sequence of three str
        The panels' titles (the middle one should say the amplification,
        :func:`amplification`).
    height : int, default :data:`ROW_HEIGHT`
        In pixels; the pictures also fit the row's width, so a taller row only
        helps a wide one (presenter mode).
    lang : str, optional
        Language of the hover texts; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Three panels: a grey perturbation in a diverging scale (blue darker, red
        brighter, white unchanged), a colour one as ``0.5 + a δ`` in RGB (grey
        unchanged).

    Examples
    --------
    >>> fig = attack_row(np.zeros((2, 2)), np.full((2, 2), 0.1), np.full((2, 2), 0.1),
    ...                  ["a", "b", "c"], lang="en")
    >>> len(fig.data), fig.data[1].z.tolist()
    (3, [[1.0, 1.0], [1.0, 1.0]])
    """
    lang = lang or get_language()
    arrays = [_grey(a) for a in (image, perturbation, adversarial)]
    if len(titles) != 3 or len({a.shape for a in arrays}) != 1 or arrays[0].ndim not in (2, 3):
        raise InputError("fig.error.maps_shape", shape=tuple(arrays[0].shape))
    rows, cols = arrays[0].shape[:2]
    # Three titles side by side in a narrow column: wrapped, so that they never run together.
    wrapped = ["<br>".join(textwrap.wrap(title, TITLE_LINE)) for title in titles]
    top = LINE_PX * max(title.count("<br>") + 1 for title in wrapped) + 12
    layout = base_layout(lang, height=height + top - 40, margin=(10, 10, top, 10), annotations=[])
    data = []
    for index, array in enumerate(arrays):
        xname, yname = _place_panel(
            layout, index, (1, 3), (rows, cols), wrapped[index], gap=0.04, font=TEXT_FONT
        )
        if index == 1:
            data.append(_perturbation_trace(array, amplification(array), xname, yname, lang))
        else:
            data.append(_image_trace(array, xname, yname, lang))
    return build_figure(data, layout)


def before_after_bars(
    before: np.ndarray,
    after: np.ndarray,
    *,
    class_names: Sequence[str],
    class_title: str,
    height: int = 320,
    lang: str | None = None,
) -> go.Figure:
    """Show the probabilities after the attack as bars, the ones before in grey behind.

    Parameters
    ----------
    before, after : array_like, shape (K,)
        The softmax of the original image and of the adversarial example.
    class_names : sequence of str
        One per class.
    class_title : str
        The class axis' title.
    height : int, default 320
        In pixels.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        :func:`cnnviz.figures.network.probability_bars`, its legend saying
        "original image" and "adversarial example".

    Examples
    --------
    >>> fig = before_after_bars([0.9, 0.1], [0.3, 0.7], class_names=["a", "b"],
    ...                         class_title="c", lang="en")
    >>> [trace.name for trace in fig.data]
    ['Original image', 'Adversarial example']
    """
    lang = lang or get_language()
    figure = probability_bars(
        np.asarray(after),
        class_names=class_names,
        class_title=class_title,
        reference=np.asarray(before),
        height=height,
        lang=lang,
    )
    figure.data[0].name = t("adv.bars.before", lang=lang)
    figure.data[1].name = t("adv.bars.after", lang=lang)
    return figure
