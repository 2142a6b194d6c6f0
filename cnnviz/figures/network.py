"""Figures of the trained network: preprocessing, prediction, map grids, filters, saliency.

Like :mod:`cnnviz.figures.conv`, every builder returns a Plotly figure for
``st.plotly_chart`` and never imports Streamlit; all figures share one set of
colour scales, axes and number formats, so a value looks the same on every
page (``0,5`` in Spanish, ``0.5`` in English).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from math import ceil
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.figures._base import (
    ASSUMED_WIDTH,
    CELL_FONT,
    GRAY,
    SMALL_FONT,
    TEXT_FONT,
    WINDOW_COLOR,
    as_maps,
    base_layout,
    build_figure,
    cell_axis,
    cell_texts,
    paper_text,
    pick_scale,
)
from cnnviz.i18n import InputError, format_number, format_shape, get_language, t

STRIP_LINE = 13  # characters per line of an image strip's titles
LINE_PX = 20  # height of a line of TEXT_FONT type, in pixels

BAR_COLOR = "#9db8d2"  # a quiet blue for the classes the network did not pick
WINNER_COLOR = "#0072B2"  # Okabe-Ito blue: the predicted class stands out on a projector
REFERENCE_COLOR = "#bdbdbd"  # the untouched network's bars, behind the edited one's
HEAT: tuple[tuple[float, str], ...] = (  # transparent at 0, so the digit shows through
    (0.0, "rgba(255,255,178,0)"),
    (0.25, "rgba(254,204,92,0.55)"),
    (0.5, "rgba(253,141,60,0.8)"),
    (0.75, "rgba(240,59,32,0.9)"),
    (1.0, "rgba(189,0,38,1)"),
)
SIGNED_HEAT: tuple[tuple[float, str], ...] = (  # blue against, red for; 0 is see-through
    (0.0, "rgba(5,48,97,1)"),
    (0.25, "rgba(67,147,195,0.8)"),
    (0.5, "rgba(247,247,247,0)"),
    (0.75, "rgba(214,96,77,0.8)"),
    (1.0, "rgba(103,0,31,1)"),
)
PAPER: tuple[tuple[float, str], ...] = ((0.0, "rgb(255,255,255)"), (1.0, "rgb(110,110,110)"))
"""The input under a saliency map: grey ink on white paper, so that every colour shows on it."""
TITLE_PX = 34  # px above each panel of a grid for its title


def _panel_axes(
    index: int, columns: int, rows: int, gap: float
) -> tuple[str, str, list[float], list[float]]:
    """Name and place the axes of panel ``index`` in a ``rows`` by ``columns`` grid."""
    row, col = divmod(index, columns)
    width = (1 - gap * (columns - 1)) / columns
    height = 1 / rows
    suffix = "" if index == 0 else str(index + 1)
    x_domain = [col * (width + gap), col * (width + gap) + width]
    top = 1 - row * height
    y_domain = [top - height, top - height * 0.1 if rows > 1 else top]
    return f"x{suffix}", f"y{suffix}", x_domain, y_domain


def _place_panel(
    layout: dict[str, Any],
    index: int,
    grid: tuple[int, int],
    shape: tuple[int, int],
    title: str,
    *,
    gap: float,
    font: int = SMALL_FONT,
    frame: bool = False,
) -> tuple[str, str]:
    """Add panel ``index``'s axes (square cells, row 0 on top) and its title to ``layout``.

    Returns the names of the panel's x and y axes, for its traces.
    """
    grid_rows, columns = grid
    rows, cols = shape
    xname, yname, x_domain, y_domain = _panel_axes(index, columns, grid_rows, gap)
    x_axis = cell_axis(0, cols - 1, domain=x_domain, anchor=yname, ticks=False)
    y_axis = cell_axis(
        0, rows - 1, domain=y_domain, anchor=xname, reverse=True, scaleanchor=xname, ticks=False
    )
    if frame:  # the white page must not swallow an image's white background
        for axis in (x_axis, y_axis):
            axis.update(showline=True, mirror=True, linecolor="#808080")
    layout[f"xaxis{xname[1:]}"] = x_axis
    layout[f"yaxis{yname[1:]}"] = y_axis
    layout["annotations"].append(
        paper_text(
            title,
            (x_domain[0] + x_domain[1]) / 2,
            y_domain[1],
            size=font,
            xanchor="center",
            yanchor="bottom",
            yshift=4 if frame else 0,  # clear of the frame's line, descenders included
        )
    )
    return xname, yname


def _picture_trace(image: np.ndarray, xname: str, yname: str, hover: str) -> dict[str, Any] | None:
    """Return an RGB picture as a ``go.Image`` trace on a panel's axes; None for a grey one.

    ``image`` (H, W, 3) holds floats in [0, 1] or uint8 0 to 255; (H, W, 1) and
    (H, W) are grey and drawn by the caller as a heatmap.
    """
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] != 3:
        return None
    if array.dtype != np.uint8:
        array = np.rint(np.clip(array.astype(float), 0.0, 1.0) * 255).astype(np.uint8)
    return {
        "type": "image",
        "z": array,
        "xaxis": xname,
        "yaxis": yname,
        "hovertemplate": hover + "<extra></extra>",
    }


def _grey(image: np.ndarray) -> np.ndarray:
    """Return a picture as floats, a one-channel (H, W, 1) without its channel axis."""
    array = np.asarray(image, dtype=float)
    return array[..., 0] if array.ndim == 3 and array.shape[2] == 1 else array


def grey_trace(image: np.ndarray, xname: str, yname: str, hover: str) -> dict[str, Any]:
    """Return a grey picture (0 black, 1 white) as a heatmap on a panel's axes."""
    return {
        "type": "heatmap",
        "z": _grey(image),
        "colorscale": [list(stop) for stop in GRAY],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "xaxis": xname,
        "yaxis": yname,
        "hovertemplate": hover + "<extra></extra>",
    }


def map_grid(
    maps: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    columns: int = 8,
    signed: bool | None = None,
    show_values: bool = False,
    digits: int = 2,
    highlight: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show every channel of a layer's output (or every filter) as a grid of small heatmaps.

    All panels share one colour range, so a channel that responds more looks
    brighter; the hover gives the exact value of every cell.

    Parameters
    ----------
    maps : array_like, shape (H, W, C) or (H, W)
        Channels last, as Keras gives a layer's output for one image.
    titles : sequence of str, optional
        One per channel; by default "0", "1", ...
    columns : int, default 8
        Panels per row.
    signed : bool, optional
        Diverging scale symmetric about 0 (True) or grey (False); by default
        diverging when any value is negative.
    show_values : bool, default False
        Write the values in the cells (for 3x3 filters).
    digits : int, default 2
        Decimals kept at most in hover and cells.
    highlight : int, optional
        A channel to frame in the window's colour (the one being edited).
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap per channel, in order, then the highlight's frame if any.

    Raises
    ------
    InputError
        If ``maps`` is not ``(H, W)`` or ``(H, W, C)``.

    Examples
    --------
    >>> fig = map_grid(np.arange(12.0).reshape(2, 2, 3) - 6, columns=2, lang="en")
    >>> len(fig.data), fig.data[0].zmin, fig.data[2].zmax
    (3, -6.0, 6.0)
    """
    lang = lang or get_language()
    array = as_maps(maps)
    rows_px, cols_px, count = array.shape
    columns = max(1, min(columns, count))
    grid_rows = ceil(count / columns)
    titles = [str(i) for i in range(count)] if titles is None else list(titles)
    scale = pick_scale(array, signed)
    gap = 0.02
    panel_px = (ASSUMED_WIDTH - 80) * (1 - gap * (columns - 1)) / columns
    panel_px = min(panel_px, 260.0)
    height = int(grid_rows * (panel_px * rows_px / cols_px + TITLE_PX) + 30)
    data: list[dict[str, Any]] = []
    layout = base_layout(
        lang, height=max(height, 160), margin=(10, 10, 10, 10), annotations=[], shapes=[]
    )
    hover = t("net.hover_map", lang=lang, row="%{y}", col="%{x}", value=f"%{{z:.{digits}~f}}")
    for index in range(count):
        xname, yname = _place_panel(
            layout, index, (grid_rows, columns), (rows_px, cols_px), titles[index], gap=gap
        )
        trace: dict[str, Any] = {
            "type": "heatmap",
            "z": array[..., index],
            **scale.trace_props(),
            "showscale": index == count - 1,
            "colorbar": {"thickness": 12, "tickfont": {"size": SMALL_FONT}, "len": 0.9},
            "xaxis": xname,
            "yaxis": yname,
            "name": titles[index],
            "hovertemplate": f"<b>{titles[index]}</b><br>{hover}<extra></extra>",
            "hoverlabel": {"font": {"size": SMALL_FONT}},
        }
        if show_values:
            trace["text"] = cell_texts(array[..., index], lang, digits)
            trace["texttemplate"] = "%{text}"
            trace["textfont"] = {"size": SMALL_FONT}
        data.append(trace)
        if index == highlight:
            layout["shapes"].append(
                {
                    "type": "rect",
                    "xref": f"{xname} domain",
                    "yref": f"{yname} domain",
                    "x0": -0.04,
                    "x1": 1.04,
                    "y0": -0.04,
                    "y1": 1.04,
                    "line": {"color": WINDOW_COLOR, "width": 4},
                }
            )
    return build_figure(data, layout)


def image_strip(
    images: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    height: int = 300,
    lang: str | None = None,
) -> go.Figure:
    """Show images side by side with their sizes, such as the steps of preprocessing.

    Every grey panel uses the same grey scale (0 black, 1 white), so an
    inverted image looks inverted and a crop keeps its brightness; a colour
    panel shows its RGB colours (hover: R, G, B from 0 to 255).

    Parameters
    ----------
    images : sequence of array_like, each (H, W), (H, W, 1) or (H, W, 3)
        Grey values in [0, 1]; RGB floats in [0, 1] or uint8 0 to 255.
    titles : sequence of str
        One per image, wrapped at about :data:`STRIP_LINE` characters so that
        five panels' titles do not run into each other on a 1024-pixel screen;
        its size ``rows × columns`` is added below it, in the same type
        (:data:`TEXT_FONT`): a projector must show it too.
    height : int, default 300
        Figure height in pixels with 60 of them for the titles; the titles'
        band grows or shrinks with their lines and the panels keep their size.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap per image.

    Examples
    --------
    >>> fig = image_strip([np.zeros((4, 6)), np.ones((28, 28))], ["a", "b"], lang="en")
    >>> [a.text for a in fig.layout.annotations]
    ['a<br>4 × 6', 'b<br>28 × 28']
    >>> {a.font.size for a in fig.layout.annotations} == {TEXT_FONT}
    True
    """
    lang = lang or get_language()
    count = len(images)
    if count == 0 or count != len(titles):
        raise InputError("fig.error.maps_shape", shape=(count, len(titles)))
    data: list[dict[str, Any]] = []
    # A size in a title ("28 × 28") stays on one line: textwrap breaks at ASCII spaces only.
    wrapped = [textwrap.wrap(title.replace(" × ", "\u00a0×\u00a0"), STRIP_LINE) for title in titles]
    top = LINE_PX * (max(len(lines) for lines in wrapped) + 1) + 10  # the title lines, the size
    layout = base_layout(lang, height=height + top - 60, margin=(10, 10, top, 10), annotations=[])
    gap = 0.03
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.2~f}")
    rgb_hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z}")
    for index, image in enumerate(images):
        array = _grey(image)
        rows, cols = array.shape[:2]
        title = "<br>".join([*wrapped[index], format_shape((rows, cols))])
        xname, yname = _place_panel(
            layout, index, (1, count), (rows, cols), title, gap=gap, font=TEXT_FONT, frame=True
        )
        picture = _picture_trace(np.asarray(image), xname, yname, rgb_hover)
        if picture is not None:
            data.append(picture)
            continue
        data.append(grey_trace(array, xname, yname, hover))
    return build_figure(data, layout)


LABELLED_BARS = 3
"""At most this many probability bars carry their percentage (the rest on hover)."""


def labelled_bars(probabilities: np.ndarray, *, most: int = LABELLED_BARS) -> np.ndarray:
    """Which bars get a percentage written: the ``most`` largest of at least 0.5 %.

    Parameters
    ----------
    probabilities : ndarray, shape (K,)
    most : int
        How many labels fit side by side without overlapping: with ten
        classes, ten "12,3 %" labels run into each other.

    Returns
    -------
    ndarray of bool, shape (K,)

    Examples
    --------
    >>> labelled_bars(np.array([0.3, 0.002, 0.25, 0.2, 0.248])).tolist()
    [True, False, True, False, True]
    """
    order = np.argsort(-probabilities, kind="stable")[:most]
    shown = np.zeros(probabilities.shape, bool)
    shown[order] = True
    return shown & (probabilities >= 0.005)


def probability_bars(
    probabilities: np.ndarray,
    *,
    class_names: Sequence[str] | None = None,
    class_title: str | None = None,
    reference: np.ndarray | None = None,
    height: int = 340,
    lang: str | None = None,
) -> go.Figure:
    """Show the network's class probabilities as bars, the predicted class highlighted.

    Parameters
    ----------
    probabilities : array_like, shape (K,)
        The softmax output, summing to 1.
    class_names : sequence of str, optional
        One per class; by default "0", "1", ...
    class_title : str, optional
        The class axis' title; "Digit" (``net.bars.class``) by default.
    reference : array_like, shape (K,), optional
        Another set of probabilities drawn behind in grey, such as the
        unedited network's when a filter has been changed.
    height : int, default 340
        In pixels.
    lang : str, optional
        Language of the axis titles and the percentages; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        The reference's bars (if any), then the probabilities' bars.

    Examples
    --------
    >>> fig = probability_bars(np.array([0.1, 0.7, 0.2]), lang="es")
    >>> fig.data[0].marker.color[1] == WINNER_COLOR, fig.data[0].text[1]
    (True, '70,0 %')
    """
    lang = lang or get_language()
    probs = np.asarray(probabilities, dtype=float).ravel()
    names = [str(i) for i in range(probs.size)] if class_names is None else list(class_names)
    winner = int(np.argmax(probs))
    data: list[dict[str, Any]] = []
    if reference is not None:
        data.append(
            {
                "type": "bar",
                "x": names,
                "y": np.asarray(reference, dtype=float).ravel() * 100,
                "name": t("net.bars.reference", lang=lang),
                "marker": {"color": REFERENCE_COLOR},
                "hovertemplate": "%{x}: %{y:.1f} %<extra></extra>",
            }
        )
    percent = [format_number(100 * p, digits=1, lang=lang) for p in probs]
    data.append(
        {
            "type": "bar",
            "x": names,
            "y": probs * 100,
            "name": t("net.bars.current", lang=lang),
            "marker": {
                "color": [WINNER_COLOR if i == winner else BAR_COLOR for i in range(probs.size)]
            },
            # Fixed-point text on the bars that matter: "70,0 %" reads at a glance from the
            # back of a room; ten labels side by side would overlap and hide it.
            "text": [
                f"{100 * p:.1f} %".replace(".", "," if lang == "es" else ".") if shown else ""
                for p, shown in zip(probs, labelled_bars(probs), strict=True)
            ],
            "textposition": "outside",
            "textfont": {"size": CELL_FONT},
            "cliponaxis": False,
            "constraintext": "none",  # Plotly would shrink it to the bar's width
            "customdata": percent,
            "hovertemplate": "%{x}: %{customdata} %<extra></extra>",
        }
    )
    layout = base_layout(
        lang,
        height=height,
        margin=(60, 10, 20, 50),
        barmode="overlay" if reference is not None else "group",
        showlegend=reference is not None,
        legend={"orientation": "h", "y": 1.08, "font": {"size": SMALL_FONT}},
        xaxis={
            "title": {
                "text": class_title or t("net.bars.class", lang=lang),
                "font": {"size": TEXT_FONT},
            },
            "tickfont": {"size": CELL_FONT},
            "type": "category",
            "dtick": 1,  # every class named, "airplane" to "truck" too
            # Level when they fit, slanted, or upright in a narrow column (a projector
            # with the sidebar open): Plotly picks the first angle where names do not touch.
            "autotickangles": [0, -40, -90],
            "automargin": True,
        },
        yaxis={
            "title": {"text": t("net.bars.probability", lang=lang), "font": {"size": TEXT_FONT}},
            "range": [0, 112],
            "tickfont": {"size": SMALL_FONT},
            "ticksuffix": " %",
        },
    )
    return build_figure(data, layout)


def _saliency_base(base: np.ndarray, xname: str, yname: str) -> dict[str, Any]:
    """Return the input under a saliency map: its own colours, or grey ink on white paper."""
    picture = _picture_trace(base, xname, yname, "")
    if picture is not None:
        del picture["hovertemplate"]  # the map on top says the values
        return {**picture, "hoverinfo": "skip"}
    return {
        "type": "heatmap",
        "z": base,
        "colorscale": [list(stop) for stop in PAPER],
        "zmin": 0.0,
        "zmax": 1.0,
        "showscale": False,
        "hoverinfo": "skip",
        "xaxis": xname,
        "yaxis": yname,
    }


MAX_SALIENCY_COLUMNS = 3
"""Saliency maps per row of :func:`saliency_panels`; more go to the next row."""


def saliency_panels(
    image: np.ndarray,
    maps: Sequence[np.ndarray],
    titles: Sequence[str],
    *,
    signed: Sequence[bool] | None = None,
    opacity: float = 0.6,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show saliency maps side by side (three a row), each over the input with adjustable opacity.

    A grey input is drawn as grey ink on white, so that every colour of a map
    shows on it; a colour input is drawn in its own colours. Unsigned maps
    (how much a pixel matters) use a heat scale that is transparent at 0,
    so only the pixels that matter are coloured; signed maps (for or against
    the class) use the diverging blue-red scale, symmetric about 0. Each map
    keeps its own range: methods measure different things.

    Parameters
    ----------
    image : array_like, shape (H, W), (H, W, 1) or (H, W, 3)
        The input as the network saw it, values in [0, 1].
    maps : sequence of array_like, each (H, W)
        One per method, at the input's resolution.
    titles : sequence of str
        One per map.
    signed : sequence of bool, optional
        Per map, whether it is signed; by default when it has negative values.
    opacity : float, default 0.6
        Opacity of the maps over the input, from 0 (input only) to 1.
    height : int, optional
        Figure height in pixels; by default the panels' width plus their titles.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        For each panel, the input's heatmap then the map's heatmap.

    Examples
    --------
    >>> fig = saliency_panels(np.zeros((2, 2)), [np.eye(2), -np.eye(2)], ["a", "b"], lang="en")
    >>> len(fig.data), fig.data[1].zmin, fig.data[3].zmin
    (4, 0.0, -1.0)
    """
    lang = lang or get_language()
    base = _grey(image)
    colour = base.ndim == 3 and base.shape[2] == 3
    if base.ndim != 2 + colour or len(maps) != len(titles) or not maps:
        raise InputError("fig.error.maps_shape", shape=tuple(base.shape))
    rows, cols = base.shape[:2]
    count = len(maps)
    gap = 0.03
    # Five maps in one row are about 100 px each at a projector's 1024 px with the
    # sidebar, their titles overlapping: at most three a row keeps them large.
    columns = min(count, MAX_SALIENCY_COLUMNS)
    grid_rows = -(-count // columns)
    if height is None:  # square panels, no empty band below them
        panel_px = (ASSUMED_WIDTH - 20) * (1 - gap * (columns - 1)) / columns * rows / cols
        height = int(grid_rows * (min(max(panel_px, 200), 420) + 40) + 20)
    data: list[dict[str, Any]] = []
    layout = base_layout(lang, height=height, margin=(10, 10, 40, 10), annotations=[])
    hover = t("fig.hover_cell", lang=lang, row="%{y}", col="%{x}", value="%{z:.3~g}")
    for index, saliency in enumerate(maps):
        values = np.asarray(saliency, dtype=float)
        if values.shape != (rows, cols):
            raise InputError("fig.error.maps_shape", shape=tuple(values.shape))
        is_signed = bool(values.min() < 0) if signed is None else bool(signed[index])
        xname, yname = _place_panel(
            layout,
            index,
            (grid_rows, columns),
            (rows, cols),
            titles[index],
            gap=gap,
            font=TEXT_FONT,
        )
        data.append(_saliency_base(base, xname, yname))
        if is_signed:
            half = float(np.abs(values).max()) or 1.0
            scale = {"colorscale": [list(s) for s in SIGNED_HEAT], "zmin": -half, "zmax": half}
        else:
            high = float(values.max()) or 1.0
            scale = {"colorscale": [list(s) for s in HEAT], "zmin": 0.0, "zmax": high}
        data.append(
            {
                "type": "heatmap",
                "z": values,
                **scale,
                "opacity": float(np.clip(opacity, 0.0, 1.0)),
                "showscale": False,
                "xaxis": xname,
                "yaxis": yname,
                "name": titles[index],
                "hovertemplate": f"<b>{titles[index]}</b><br>{hover}<extra></extra>",
                "hoverlabel": {"font": {"size": SMALL_FONT}},
            }
        )
    return build_figure(data, layout)
