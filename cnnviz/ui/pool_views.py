"""What the pooling page draws: its maps, shapes, inspector and the three demos below them.

The demos are upsampling (nearest, bilinear, bed of nails), the transposed
convolution, and max pooling's partial invariance to a shift. Each reads its
own widgets, calls the core through a cache, and renders; the page
(``app_pages/pooling.py``) only puts them in order. Every widget key starts
with :data:`KEY` and, where bound, is its query parameter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnviz.core import shapes
from cnnviz.core.conv import conv2d_transpose
from cnnviz.core.pooling import (
    POOL_OPS,
    UPSAMPLE_METHODS,
    ShiftComparison,
    compare_shifted,
    global_pool2d,
    upsample2d,
    upsample_kernel,
)
from cnnviz.core.stage import StageData, conv_stage_data, pool_stage_data
from cnnviz.core.trace import PoolTrace, conv2d_transpose_trace, pool2d_trace
from cnnviz.figures import conv as conv_figures
from cnnviz.i18n import format_number, format_shape, get_language, t
from cnnviz.ui import kit
from cnnviz.ui.pool_settings import PoolSettings, transpose_kernel_editor
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import catalog_choice, url_choice, url_number

KEY = "pool"
"""Prefix of the pooling page's widget and session-state keys."""

CHANNELS = ("R", "G", "B")
DIRECTIONS = ("right", "left", "down", "up")
MAX_FACTOR = 4
MAX_SHIFT = 4
SMALL_MAP = 8  # cells per side up to which a heatmap keeps its own height
LARGE_MAP_HEIGHT = 380  # px


# --- cached core calls (pure results, keyed by plain values) ---------------------------------


@st.cache_data(max_entries=32, show_spinner=False)
def traces_of(image: np.ndarray, pool_size, strides, padding) -> dict[str, PoolTrace]:
    """Max and average pooling of one input, traced once per input and settings."""
    return {
        op: pool2d_trace(image, pool_size, strides=strides, padding=padding, op=op)
        for op in POOL_OPS
    }


@st.cache_data(max_entries=16, show_spinner=False)
def stage_data_of(image: np.ndarray, pool_size, strides, padding, op: str) -> StageData:
    """Pack one pooling for the stage, once per input and settings."""
    return pool_stage_data(traces_of(image, pool_size, strides, padding)[op])


@st.cache_data(max_entries=16, show_spinner=False)
def transposed_stage_of(source: np.ndarray, kernel: np.ndarray, strides, padding) -> StageData:
    """Pack a transposed convolution's equivalent window (zeros between the cells) for the stage."""
    trace = conv2d_transpose_trace(source, kernel, strides=strides, padding=padding)
    return conv_stage_data(trace, holes=strides)


@st.cache_data(max_entries=32, show_spinner=False)
def globals_of(image: np.ndarray) -> dict[str, float | np.ndarray]:
    """Global max and average pooling of one input."""
    return {op: global_pool2d(image, op=op) for op in POOL_OPS}


@st.cache_data(max_entries=32, show_spinner=False)
def upsampled_of(source: np.ndarray, size: tuple[int, int], method: str) -> np.ndarray:
    """One upsampling of the source map."""
    return upsample2d(source, size, method=method)


@st.cache_data(max_entries=32, show_spinner=False)
def transposed_of(source: np.ndarray, kernel: np.ndarray, strides, padding: str) -> np.ndarray:
    """Compute the transposed convolution of a 2-D map."""
    return conv2d_transpose(source, kernel, strides=strides, padding=padding)


@st.cache_data(max_entries=32, show_spinner=False)
def shifted_of(
    image: np.ndarray, shift: tuple[int, int], pool_size, strides, padding
) -> dict[str, ShiftComparison]:
    """Max and average pooling of the input and of the input shifted."""
    return {
        op: compare_shifted(image, shift, pool_size, strides=strides, padding=padding, op=op)
        for op in POOL_OPS
    }


# --- maps -------------------------------------------------------------------------------------


def number(value: float | np.ndarray) -> str:
    """Write a value as the language does; one per channel, joined, for a colour input."""
    values = np.atleast_1d(value)
    return " · ".join(format_number(float(v), digits=3) for v in values)


# A resource, not data: a Plotly figure read back from st.cache_data is unpickled and
# revalidated on every rerun; nobody mutates these.
@st.cache_resource(max_entries=64, show_spinner=False)
def map_figure(
    array: np.ndarray,
    title: str,
    clickable: bool,
    highlight: tuple[int, int] | None,
    image: bool,
    lang: str,
) -> go.Figure:
    """Build a map's figure: a picture for RGB or ``image``, else a heatmap."""
    if array.ndim == 3:
        return conv_figures.image_figure(
            np.clip(array, 0, 1), title=title, height=LARGE_MAP_HEIGHT, lang=lang
        )
    if image:
        return conv_figures.image_figure(array, title=title, height=LARGE_MAP_HEIGHT, lang=lang)
    # A map too large to write its numbers in reads like a picture: keep it compact.
    height = LARGE_MAP_HEIGHT if max(array.shape) > SMALL_MAP else None
    return conv_figures.heatmap(
        array, title=title, clickable=clickable, highlight=highlight, height=height, lang=lang
    )


def show_map(
    array: np.ndarray,
    title: str,
    *,
    key: str,
    on_click: Callable[[], None] | None = None,
    highlight: tuple[int, int] | None = None,
    image: bool = False,
) -> None:
    """Draw a map: a colour picture for RGB, else a heatmap (clickable when ``on_click``)."""
    figure = map_figure(array, title, on_click is not None, highlight, image, get_language())
    if on_click is None:
        kit.chart(figure, key=key)
    else:
        kit.chart(figure, key=key, on_select=on_click, selection_mode="points")


# --- the panels beside and under the maps -------------------------------------------------------


def shapes_panel(trace: PoolTrace, image: np.ndarray) -> None:
    """Input and output shapes, the padding, and the output formula written out per axis."""
    cols = st.columns(2)
    cols[0].metric(t("pool.shape.input"), format_shape(image.shape[:2]))
    cols[1].metric(t("pool.shape.output"), format_shape(trace.output.shape[:2]))
    (top, bottom), (left, right) = trace.pads
    formulas = [
        shapes.output_length_formula(
            image.shape[i], trace.pool_size[i], strides=trace.strides[i], padding=trace.pads[i]
        )
        for i in range(2)
    ]
    lines = kit.axis_lines("pool.shape", formulas)
    padded = format_shape(trace.padded.shape[:2])
    lines.append(
        t("pool.shape.padded", shape=padded, top=top, bottom=bottom, left=left, right=right)
    )
    if image.ndim == 3:
        lines.append(t("pool.shape.channels", channels=image.shape[2]))
    kit.bullets(lines)
    st.caption(
        t(
            "pool.shape.legend",
            pool_rows=trace.pool_size[0],
            pool_cols=trace.pool_size[1],
            stride_rows=trace.strides[0],
            stride_cols=trace.strides[1],
        )
    )


def global_panel(image: np.ndarray) -> None:
    """Global max and average pooling: one number per channel."""
    values = globals_of(image)
    if image.ndim == 2:
        cols = st.columns(2)
        for column, op in zip(cols, POOL_OPS, strict=True):
            column.metric(t(f"pool.global.{op}"), number(values[op]))
    else:
        rows = [f"| | {' | '.join(CHANNELS)} |", "|---|" + "---:|" * len(CHANNELS)]
        rows += [
            f"| {t(f'pool.global.{op}')} | "
            + " | ".join(format_number(float(v), digits=3) for v in values[op])
            + " |"
            for op in POOL_OPS
        ]
        st.markdown("\n".join(rows))
    st.caption(t("pool.global.caption", rows=image.shape[0], cols=image.shape[1]))


def inspector(trace: PoolTrace, channel: int | None, row: int, col: int) -> None:
    """One pooled cell: its window and its arithmetic written out."""
    step = trace.step_at(row, col, channel)
    text, window = st.columns([3, 2], gap="large")
    with text:
        st.markdown(t(f"pool.inspect.{trace.op}", row=row, col=col, count=step.count))
        st.code("\n".join(step.formula_lines()), language=None)
    kit.chart(conv_figures.window_figure(step), key=f"{KEY}_window", where=window)


def side_by_side(
    image: np.ndarray,
    traces: dict[str, PoolTrace],
    settings: PoolSettings,
    *,
    image_is_picture: bool,
    on_click: Callable[[str], None],
) -> None:
    """Draw the input, its max pooling and its average pooling in a row; mark the chosen cell.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, 3)
        The input.
    traces : dict of str to PoolTrace
        Both poolings of it, by operation.
    settings : PoolSettings
        The operation followed: its map marks the inspected cell.
    image_is_picture : bool
        Draw the input as a picture (not a heatmap of numbers).
    on_click : callable
        Called with the operation whose map was clicked.
    """
    trace = traces[settings.op]
    out_rows, out_cols = trace.output.shape[:2]
    highlight = (
        min(st.session_state.get(f"{KEY}_row", 0), out_rows - 1),
        min(st.session_state.get(f"{KEY}_col", 0), out_cols - 1),
    )
    tiles = st.columns(3)
    with tiles[0]:
        show_map(image, t("pool.input"), key=f"{KEY}_input_fig", image=image_is_picture)
    for tile, op in zip(tiles[1:], POOL_OPS, strict=True):
        with tile:
            show_map(
                traces[op].output,
                t(f"pool.map.{op}"),
                key=f"{KEY}_map_{op}",
                on_click=lambda op=op: on_click(op),
                highlight=highlight if op == settings.op else None,
            )
    st.caption(t("pool.click_hint") if image.ndim == 2 else t("pool.rgb_hint"))


# --- the demos ---------------------------------------------------------------------------------


def upsampling_section(source: np.ndarray, source_title: str) -> None:
    """Nearest, bilinear and bed-of-nails upsampling of the chosen map, with the shapes."""
    method_col, rows_col, cols_col = st.columns([4, 1, 1], vertical_alignment="bottom")
    with method_col:
        method = catalog_choice(
            st.segmented_control, "pool.up.method", UPSAMPLE_METHODS, key=f"{KEY}_up_method"
        )
    size = tuple(
        int(
            url_number(
                column.number_input,
                t(f"pool.up.size_{axis}"),
                1,
                MAX_FACTOR,
                2,
                key=f"{KEY}_up_{axis}",
            )
        )
        for column, axis in zip((rows_col, cols_col), kit.AXES, strict=True)
    )
    st.markdown(t(f"pool.up.explain.{method}"))
    result = upsampled_of(source, size, method)
    st.markdown(
        t(
            "pool.up.shapes",
            before=format_shape(source.shape),
            after=format_shape(result.shape),
            rows=t("pool.up.axis", n=source.shape[0], s=size[0], out=result.shape[0]),
            cols=t("pool.up.axis", n=source.shape[1], s=size[1], out=result.shape[1]),
        )
    )
    left, right = st.columns(2)
    with left:
        show_map(source, source_title, key=f"{KEY}_up_source_fig")
    with right:
        show_map(result, t(f"pool.up.method.{method}"), key=f"{KEY}_up_result_fig")
    if method != "bilinear":  # nearest and bed of nails are transposed convolutions
        plane = source if source.ndim == 2 else source[..., 0]
        kernel = upsample_kernel(method, size)
        st.markdown(t(f"pool.up.stage.{method}", rows=size[0], cols=size[1]))
        stage(
            transposed_stage_of(plane, kernel, size, "valid"),
            key=f"{KEY}_up_stage",
            selected=(0, 0, None),
            titles={"input": t("pool.up.stage_input"), "output": t(f"pool.up.method.{method}")},
        )


def transposed_section(source: np.ndarray, source_title: str) -> None:
    """Show a transposed convolution of the chosen map with a small editable kernel."""
    kernel_col, stride_col, shape_col = st.columns([4, 3, 4], gap="large")
    with kernel_col:
        st.markdown(f"**{t('pool.tconv.kernel')}**")
        kernel = transpose_kernel_editor(key=KEY)
    with stride_col:
        strides = kit.pair_inputs(t("settings.strides"), f"{KEY}_tstride", MAX_FACTOR, 2)
        padding = url_choice(
            st.segmented_control,
            t("settings.padding"),
            ("valid", "same"),
            key=f"{KEY}_tpad",
            format_func=str,
            help=t("pool.tconv.padding_help"),
        )
    result = kit.checked(lambda: transposed_of(source, kernel, strides, padding))
    if result is None:
        return
    with shape_col:
        st.markdown(f"**{t('pool.shapes')}**")
        formulas = [
            shapes.conv_transpose_length_formula(
                source.shape[i], kernel.shape[i], strides=strides[i], padding=padding
            )
            for i in range(2)
        ]
        st.markdown(
            t(
                "pool.tconv.shapes",
                before=format_shape(source.shape),
                after=format_shape(result.shape),
            )
            + "\n"
            + kit.bullet_text(kit.axis_lines("pool.shape", formulas))
        )
        st.caption(t("pool.tconv.formula_legend"))
    source_col, result_col = st.columns(2)
    with source_col:
        show_map(source, source_title, key=f"{KEY}_tconv_source_fig")
    with result_col:
        show_map(result, t("pool.tconv.result"), key=f"{KEY}_tconv_result_fig")
    st.markdown(t("pool.tconv.stage", rows=strides[0] - 1, cols=strides[1] - 1))
    stage(
        transposed_stage_of(source, kernel, strides, padding),
        key=f"{KEY}_tconv_stage",
        selected=(0, 0, None),
        titles={"input": t("pool.up.stage_input"), "output": t("pool.tconv.result")},
    )


def translation_section(image: np.ndarray, settings: PoolSettings, is_matrix: bool) -> None:
    """Shift the input by a few cells and count the pooled cells that change."""
    st.markdown(t("pool.shift.intro"))
    dir_col, by_col = st.columns([4, 1], vertical_alignment="bottom")
    with dir_col:
        direction = catalog_choice(
            st.segmented_control,
            "pool.shift.direction",
            DIRECTIONS,
            key=f"{KEY}_shift_dir",
            item="pool.shift.{}",
        )
    cells = int(
        url_number(
            by_col.number_input, t("pool.shift.cells"), 1, MAX_SHIFT, 1, key=f"{KEY}_shift_by"
        )
    )
    shift = {"right": (0, cells), "left": (0, -cells), "down": (cells, 0), "up": (-cells, 0)}
    results = shifted_of(
        image, shift[direction], settings.pool_size, settings.strides, settings.padding
    )
    counts, shifted_col = st.columns(2, gap="large")
    for op in POOL_OPS:
        result = results[op]
        counts.metric(
            t(f"pool.shift.changed.{op}"),
            t(
                "pool.shift.count",
                count=result.count,
                total=result.total,
                percent=format_number(100 * result.count / result.total, digits=0),
            ),
        )
    counts.caption(t("pool.shift.caption"))
    op = settings.op
    chosen = results[op]
    with shifted_col:
        show_map(
            chosen.shifted,
            t("pool.shift.shifted_input"),
            key=f"{KEY}_shift_input_fig",
            image=not is_matrix,
        )
    tiles = st.columns(3)
    with tiles[0]:
        show_map(chosen.before, t(f"pool.shift.before.{op}"), key=f"{KEY}_shift_before_fig")
    with tiles[1]:
        show_map(chosen.after, t(f"pool.shift.after.{op}"), key=f"{KEY}_shift_after_fig")
    with tiles[2]:
        show_map(
            chosen.changed.astype(float),
            t("pool.shift.changed_map"),
            key=f"{KEY}_shift_changed_fig",
        )
