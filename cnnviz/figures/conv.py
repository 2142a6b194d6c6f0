"""Figures of the convolution page: heatmaps, images, feature-map grids and a step's window.

Every builder returns a :class:`plotly.graph_objects.Figure` that a page hands
to ``st.plotly_chart``; nothing here imports Streamlit. Words come from
:func:`cnnviz.i18n.t` and numbers from :func:`cnnviz.i18n.format_number`, so a
Spanish page shows ``0,5`` and an English one ``0.5``, with a true minus sign.

The sliding window itself is not drawn here: it plays in the browser (the
stage, :mod:`cnnviz.core.stage`) and is exported as a GIF by :mod:`cnnviz.io.export`.

Notes
-----
**Colours.** Signed data (any negative value, unless ``signed`` says
otherwise) uses ColorBrewer's *RdBu*, reversed so that negative is blue, zero
white and positive red, on a range symmetric about zero
(:data:`cnnviz.figures._base.DIVERGING`): it is diverging, colour-blind safe
(blue and red differ in lightness as well as hue) and the usual choice for
weights and edge maps. Non-negative data uses a plain grey ramp (``GRAY``), 0
black and 1 (or the maximum, when above 1) white, so that an image looks like
an image and a ReLU feature map reads "brighter = stronger".

**Coordinates.** Rows and columns are the array's own, from 0, with row 0 at
the top and square cells.

**Clicking a cell.** Maps carry the transparent click targets of
:func:`cnnviz.figures.cells.click_targets`;
:func:`cnnviz.figures.cells.cell_from_selection` reads a click back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from cnnviz.core.trace import Conv1DStep, ConvStep, PoolStep
from cnnviz.figures._base import (
    ASSUMED_WIDTH,
    CELL_FONT,
    SMALL_FONT,
    TEXT_FONT,
    Scale,
    as_maps,
    base_layout,
    build_figure,
    cell_axis,
    cell_texts,
    check_matrix,
    hover_template,
    matrix_axes,
    outline_cell,
    paper_text,
    pick_scale,
    step_window,
    values_fit,
    white_point,
    written_matrices,
)
from cnnviz.figures.cells import click_targets
from cnnviz.figures.pool import pool_window_figure
from cnnviz.i18n import InputError, format_number, get_language, t

__all__ = ["feature_map_grid", "heatmap", "image_figure", "input_figure", "window_figure"]


def _map_trace(
    values: np.ndarray,
    scale: Scale,
    texts: list[list[str]] | None,
    *,
    compact: bool,
    show: bool,
    digits: int,
    lang: str,
    **extra: Any,
) -> dict[str, Any]:
    """Build one map's Heatmap: its colours, its values on hover and, when ``show``, in cells.

    ``texts`` (the values as written) is None for a large map, whose hover then
    formats ``z`` itself; ``compact`` sends ``z`` as float32, which halves a big
    map's JSON.
    """
    rows, cols = values.shape
    trace: dict[str, Any] = {
        "type": "heatmap",
        "z": values.astype(np.float32) if compact else values,
        "x": np.arange(cols),
        "y": np.arange(rows),
        **scale.trace_props(),
        "colorbar": {"thickness": 14, "tickfont": {"size": SMALL_FONT}},
        "hoverlabel": {"font": {"size": SMALL_FONT}},
        **extra,
    }
    if texts is not None:
        trace["text"] = texts
        trace["hovertemplate"] = hover_template(lang)
    else:
        trace["hovertemplate"] = hover_template(lang, value=f"%{{z:.{digits}~f}}")
    if show and texts is not None:
        trace["texttemplate"] = "%{text}"
        trace["textfont"] = {"size": CELL_FONT}
    return trace


def _matrix_layout(
    rows: int, cols: int, *, height: int, title: str | None, lang: str, **extra: Any
) -> dict[str, Any]:
    """Lay out one titled matrix filling the figure, row 0 on top, square cells."""
    layout = base_layout(
        lang,
        height=height,
        margin=(50, 20, 50 if title else 20, 40),
        **matrix_axes(rows, cols, lang),
        **extra,
    )
    if title:
        layout["title"] = {"text": title, "font": {"size": TEXT_FONT}, "x": 0.5}
    return layout


def heatmap(
    matrix: np.ndarray,
    *,
    title: str | None = None,
    signed: bool | None = None,
    zmid: float | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    clickable: bool = True,
    colorbar: bool = True,
    highlight: tuple[int, int] | None = None,
    height: int | None = None,
    width: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Draw a 2-D array as a heatmap: row 0 at the top, square cells, values on hover.

    Parameters
    ----------
    matrix : array_like, shape (H, W)
        The values.
    title : str, optional
        Shown above the map.
    signed : bool, optional
        Diverging scale centred at ``zmid`` (True) or grey (False); by default
        diverging when any value is negative.
    zmid : float, optional
        Centre of the diverging scale; 0 by default.
    show_values : bool, optional
        Write each value in its cell (16 px); by default when they fit, which
        needs a small matrix (about 16 x 16 or fewer cells).
    digits : int, default 2
        Decimals kept at most in cells and on hover.
    clickable : bool, default True
        Overlay the transparent cell targets that :func:`cell_from_selection` reads.
    colorbar : bool, default True
        Show the colour scale's legend.
    highlight : (int, int), optional
        A cell to outline, such as the one being inspected.
    height : int, optional
        Figure height in pixels; by default from the matrix's shape, 300 to 560.
    width : int, optional
        Figure width in pixels, when the page knows it (a narrow column): it
        sets the layout's width and decides whether numbers fit in cells.
        Streamlit stretches the figure to its container otherwise.
    lang : str, optional
        Language of the labels and numbers; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        A Heatmap trace, and the click targets when ``clickable``.

    Raises
    ------
    InputError
        If ``matrix`` is not a non-empty 2-D array of numbers.

    Examples
    --------
    >>> fig = heatmap([[-1.0, 0.5], [2.0, 0.0]], lang="es")
    >>> fig.data[0].zmin, fig.data[0].zmax, list(fig.data[0].text[0])
    (-2.0, 2.0, ['−1', '0,5'])
    """
    lang = lang or get_language()
    source = np.asarray(matrix)
    values = check_matrix(matrix)
    rows, cols = values.shape
    scale = pick_scale(values, signed, zmid, white=white_point(source))
    height = height or int(min(560, max(300, 110 + 56 * rows)))
    cell_px = (height - 90) / rows
    if width:
        cell_px = min(cell_px, (width - 130) / cols)
    small = rows * cols <= 64 * 64
    texts = cell_texts(values, lang, digits) if small else None
    if show_values is None:
        show_values = texts is not None and rows <= 24 and cols <= 24 and values_fit(texts, cell_px)
    if show_values and texts is None:
        texts = cell_texts(values, lang, digits)
    data = [
        _map_trace(
            values,
            scale,
            texts,
            compact=not small,
            show=show_values,
            digits=digits,
            lang=lang,
            showscale=colorbar,
        )
    ]
    if clickable:
        data.append(click_targets(rows, cols, texts=texts, xaxis="x", yaxis="y", lang=lang))
    if highlight is not None:
        data.append(outline_cell(*highlight, xaxis="x", yaxis="y"))
    layout = _matrix_layout(
        rows, cols, height=height, title=title, lang=lang, hovermode="closest", hoverdistance=60
    )
    if width:
        layout["width"] = width
    return build_figure(data, layout)


def image_figure(
    image: np.ndarray,
    *,
    title: str | None = None,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show an image as it looks: RGB as colour, grayscale in grey (0 black, 1 white).

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, 3)
        Values in [0, 1] (floats) or [0, 255] (uint8), as
        :func:`cnnviz.io.images.load_image` returns them.
    title : str, optional
        Shown above the image.
    height : int, optional
        Figure height in pixels; 420 by default.
    lang : str, optional
        Language of the hover labels; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        A ``go.Image`` trace for RGB (hover shows R, G and B), else :func:`heatmap`
        with the grey scale and no numbers in cells.

    Raises
    ------
    InputError
        If ``image`` is not ``(H, W)`` or ``(H, W, 3)``.

    Examples
    --------
    >>> fig = image_figure(np.ones((2, 3, 3)))
    >>> fig.data[0].type, list(fig.data[0].z[0][0])
    ('image', [255, 255, 255])
    """
    lang = lang or get_language()
    array = np.asarray(image)
    if array.ndim == 2:
        return heatmap(
            array,
            title=title,
            signed=False,
            show_values=False,
            colorbar=False,
            clickable=False,
            height=height or 420,
            lang=lang,
        )
    if array.ndim != 3 or array.shape[2] != 3 or 0 in array.shape:
        raise InputError("fig.error.not_rgb", shape=tuple(array.shape))
    rows, cols = array.shape[:2]
    data = [_rgb_trace(array, 0, 0, lang, xaxis="x", yaxis="y")]
    layout = _matrix_layout(rows, cols, height=height or 420, title=title, lang=lang)
    return build_figure(data, layout)


def _rgb_trace(
    array: np.ndarray,
    row0: int,
    col0: int,
    lang: str,
    *,
    xaxis: str,
    yaxis: str,
    digits: int = 2,
) -> dict[str, Any]:
    """Build a ``go.Image`` of an RGB array whose top-left cell sits at ``(row0, col0)``.

    Small images carry their pixels and, for the hover, their own values (0.53,
    not 135); large ones are sent as a PNG, far smaller than a list of numbers,
    and their hover gives the row and column.
    """
    values = np.asarray(array, dtype=float)
    finite = values[np.isfinite(values)]
    # 8-bit images stay 0..255 once a trace has made them floats.
    white = 255.0 if array.dtype == np.uint8 or (finite.size and finite.max() > 1) else 1.0
    values = np.nan_to_num(values, nan=0.0, posinf=white, neginf=0.0)
    values = np.clip(values, 0.0, white)
    pixels = np.round(values * (255.0 / white)).astype(np.uint8)
    trace: dict[str, Any] = {
        "type": "image",
        "x0": col0,
        "y0": row0,
        "dx": 1,
        "dy": 1,
        "xaxis": xaxis,
        "yaxis": yaxis,
        "hoverlabel": {"font": {"size": SMALL_FONT}},
    }
    rows, cols = values.shape[:2]
    if rows * cols <= 64 * 64:
        trace["z"] = pixels.tolist()
        trace["hovertext"] = [
            [
                "R {}, G {}, B {}".format(*(format_number(v, digits=digits, lang=lang) for v in px))
                if lang == "en"
                else "R {}; G {}; B {}".format(
                    *(format_number(v, digits=digits, lang=lang) for v in px)
                )
                for px in row
            ]
            for row in values.tolist()
        ]
        trace["hovertemplate"] = hover_template(lang, value="%{hovertext}")
    else:
        import base64
        import io

        from PIL import Image  # Pillow: already the core's image library

        buffer = io.BytesIO()
        Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
        trace["source"] = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        trace["hovertemplate"] = hover_template(lang, value="")
    return trace


def feature_map_grid(
    maps: np.ndarray,
    *,
    titles: Sequence[str] | None = None,
    shared_scale: bool = True,
    signed: bool | None = None,
    show_values: bool | None = None,
    digits: int = 2,
    clickable: bool = True,
    highlight: tuple[int, int, int] | None = None,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show up to four feature maps side by side, with values on hover and clickable cells.

    Parameters
    ----------
    maps : array_like, shape (H, W, F) or (H, W)
        The maps, channels last; at most four (``F <= 4``).
    titles : sequence of str, optional
        One per map; by default "Feature map 0", "Feature map 1", ...
    shared_scale : bool, default True
        One colour range for all maps (symmetric about 0 when any is signed), so
        that a stronger filter looks stronger; False gives each map its own
        range, which shows each map's pattern best but hides their relative size.
    signed : bool, optional
        Diverging (True) or grey (False) scale; by default diverging when any
        value is negative.
    show_values : bool, optional
        Write values in cells; by default when they fit (small maps only).
    digits : int, default 2
        Decimals kept at most.
    clickable : bool, default True
        Overlay click targets whose ``customdata`` is ``(row, col, map)``.
    highlight : (int, int, int), optional
        A cell ``(row, col, map)`` to outline, such as the one being inspected.
    height : int, optional
        Figure height in pixels; 420 by default.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        One heatmap per map (traces ``0..F-1``), then the click targets.

    Raises
    ------
    InputError
        If ``maps`` is not ``(H, W)`` or ``(H, W, F)`` with ``1 <= F <= 4``.

    Examples
    --------
    >>> fig = feature_map_grid(np.arange(18.0).reshape(3, 3, 2) - 9, lang="en")
    >>> [trace.zmin for trace in fig.data[:2]], fig.data[0].colorscale[0][1]
    ([-9.0, -9.0], 'rgb(5,48,97)')
    """
    lang = lang or get_language()
    array = as_maps(maps)
    if array.shape[2] > 4:
        raise InputError("fig.error.maps_shape", shape=tuple(np.shape(maps)))
    rows, cols, count = array.shape
    titles = list(titles) if titles is not None else _map_titles(count, lang)
    scales = _grid_scales(array, white_point(np.asarray(maps)), signed, shared_scale)
    height = height or 420
    gap = 0.04
    width = (1 - gap * (count - 1)) / count
    cell_px = min((ASSUMED_WIDTH - 60) * width, height - 110) / max(rows, cols)
    small = rows * cols * count <= 4 * 64 * 64
    data: list[dict[str, Any]] = []
    targets: list[dict[str, Any]] = []
    layout = base_layout(
        lang,
        height=height,
        margin=(40, 20, 60, 40),
        hovermode="closest",
        hoverdistance=60,
        annotations=[],
    )
    for f in range(count):
        suffix = "" if f == 0 else str(f + 1)
        xname, yname = f"x{suffix}", f"y{suffix}"
        texts = cell_texts(array[..., f], lang, digits) if small else None
        show = show_values
        if show is None:
            show = texts is not None and values_fit(texts, cell_px)
        title = titles[f] if f < len(titles) else ""
        data.append(
            _map_trace(
                array[..., f],
                scales[f],
                texts,
                compact=not small,
                show=show,
                digits=digits,
                lang=lang,
                xaxis=xname,
                yaxis=yname,
                showscale=shared_scale and f == count - 1,
                name=title,
            )
        )
        if clickable:
            targets.append(
                click_targets(rows, cols, texts=texts, xaxis=xname, yaxis=yname, lang=lang, fmap=f)
            )
        _place_map(layout, f, (rows, cols), (f * (width + gap), width), title)
    if highlight is not None:
        row, col, fmap = highlight
        suffix = "" if fmap == 0 else str(fmap + 1)
        targets.append(outline_cell(row, col, xaxis=f"x{suffix}", yaxis=f"y{suffix}"))
    return build_figure(data + targets, layout)


def _map_titles(count: int, lang: str) -> list[str]:
    return [t("fig.feature_map_n", lang=lang, index=i) for i in range(count)]


def _grid_scales(array: np.ndarray, white: float, signed: bool | None, shared: bool) -> list[Scale]:
    """One colour scale per map: the same for all when ``shared``, else each its own."""
    if signed is None:
        signed = bool(np.nanmin(array) < 0) if np.isfinite(array).any() else False
    count = array.shape[2]
    if shared:
        return [pick_scale(array, signed, white=white)] * count
    return [pick_scale(array[..., f], signed, white=white) for f in range(count)]


def _place_map(
    layout: dict[str, Any],
    index: int,
    shape: tuple[int, int],
    span: tuple[float, float],
    title: str,
) -> None:
    """Add map ``index``'s axes over ``span`` (left, width) of the row, and its title."""
    rows, cols = shape
    left, width = span
    suffix = "" if index == 0 else str(index + 1)
    xname, yname = f"x{suffix}", f"y{suffix}"
    layout[f"xaxis{suffix}"] = cell_axis(
        0, cols - 1, domain=[left, left + width], anchor=yname, ticks=True
    )
    layout[f"yaxis{suffix}"] = cell_axis(
        0, rows - 1, domain=[0, 1], anchor=xname, reverse=True, scaleanchor=xname, ticks=index == 0
    )
    layout["annotations"].append(
        paper_text(
            title,
            left + width / 2,
            1.0,
            size=TEXT_FONT,
            xanchor="center",  # "auto" would anchor titles left of x < 1/3
            yanchor="bottom",
            yshift=8,
        )
    )


def input_figure(image: np.ndarray, **kwargs: Any) -> go.Figure:
    """Show an input image; the same as :func:`image_figure` (the pages' name for it).

    Examples
    --------
    >>> input_figure(np.zeros((4, 4))).data[0].type
    'heatmap'
    """
    return image_figure(image, **kwargs)


def window_figure(
    step: ConvStep | PoolStep | Conv1DStep,
    *,
    channel: int | None = None,
    digits: int = 2,
    height: int | None = None,
    lang: str | None = None,
) -> go.Figure:
    """Show one step's window written out: values × weights = products, cell by cell.

    For the "inspect a cell" panel, beside the step's
    :meth:`~cnnviz.core.trace.ConvStep.formula_lines`. Padding cells are hatched.

    Parameters
    ----------
    step : ConvStep, PoolStep or Conv1DStep
        From ``trace.step(i)`` or ``trace.step_at(row, col[, filter])``.
    channel : int, optional
        For a multi-channel filter's step, the input channel to show; 0 by default.
    digits : int, default 2
        Decimals kept at most.
    height : int, optional
        Figure height in pixels; by default from the window's size.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    plotly.graph_objects.Figure
        Three small matrices (window, weights, products) with "×" and "=" between
        them; a pooling step is drawn by
        :func:`cnnviz.figures.pool.pool_window_figure`: its window alone, the kept
        maximum starred.

    Raises
    ------
    InputError
        If ``channel`` is out of range.

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> step = conv2d_trace([[1, 2], [3, 4]], [[1, -1]]).step(0)
    >>> fig = window_figure(step, lang="en")
    >>> [list(trace.text[0]) for trace in fig.data[:3]]
    [['1', '2'], ['1', '−1'], ['1', '−2']]
    """
    lang = lang or get_language()
    if isinstance(step, PoolStep):
        return pool_window_figure(step, channel=channel, digits=digits, height=height, lang=lang)
    values, weights, padding, suffix = step_window(step, channel, lang)
    real = np.where(padding, np.nan, values)
    products = values * weights
    panels = [
        (real, pick_scale(real), t("fig.window_values", lang=lang) + suffix),
        (weights, pick_scale(weights, signed=True), t("fig.weights", lang=lang)),
        (products, pick_scale(products, signed=True), t("fig.products", lang=lang)),
    ]
    data, layout = written_matrices(
        panels, values, padding, pad_text=True, digits=digits, height=height, lang=lang
    )
    return build_figure(data, layout)
