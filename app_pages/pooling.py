"""Pooling and upsampling: max and average side by side, the window step by step, upsampling.

Also the transposed convolution, and a translation demo of max pooling's partial invariance.
"""

from dataclasses import replace

import numpy as np
import streamlit as st

from cnnviz import figures
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
from cnnviz.i18n import InputError, format_number, get_language, labels, t
from cnnviz.ui import presenter
from cnnviz.ui.cell_picker import cell_picker, clamp_cell
from cnnviz.ui.pool_settings import (
    PoolSettings,
    pool_input,
    pool_settings,
    transpose_kernel_editor,
)
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import url_choice

KEY = "pool"
LAST_VALID = f"{KEY}_last"
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
def transposed_stage_of(source: np.ndarray, kernel: np.ndarray, strides, padding) -> StageData:
    """Pack a transposed convolution's equivalent window (zeros between the cells) for the stage."""
    trace = conv2d_transpose_trace(source, kernel, strides=strides, padding=padding)
    return conv_stage_data(trace, holes=strides)


@st.cache_data(max_entries=32, show_spinner=False)
def globals_of(image: np.ndarray) -> dict[str, float | np.ndarray]:
    """Global max and average pooling of one input."""
    return {op: global_pool2d(image, op=op) for op in POOL_OPS}


@st.cache_data(max_entries=16, show_spinner=False)
def stage_data_of(image: np.ndarray, pool_size, strides, padding, op: str) -> StageData:
    """Pack one pooling for the stage, once per input and settings."""
    return pool_stage_data(traces_of(image, pool_size, strides, padding)[op])


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


# --- pieces of the page -----------------------------------------------------------------------


def shape_text(shape: tuple[int, ...]) -> str:
    """``4 × 4`` or ``32 × 32 × 3``."""
    return " × ".join(map(str, shape))


def number(value: float | np.ndarray) -> str:
    """Write a value as the language does; one per channel, joined, for a colour input."""
    values = np.atleast_1d(value)
    return " · ".join(format_number(float(v), digits=3) for v in values)


@st.cache_resource(max_entries=64, show_spinner=False)
def map_figure(
    array: np.ndarray,
    title: str,
    clickable: bool,
    highlight: tuple[int, int] | None,
    image: bool,
    lang: str,
):
    """Build a map's figure: a picture for RGB or ``image``, else a heatmap."""
    if array.ndim == 3:
        return figures.image_figure(
            np.clip(array, 0, 1), title=title, height=LARGE_MAP_HEIGHT, lang=lang
        )
    if image:
        return figures.image_figure(array, title=title, height=LARGE_MAP_HEIGHT, lang=lang)
    # A map too large to write its numbers in reads like a picture: keep it compact.
    height = LARGE_MAP_HEIGHT if max(array.shape) > SMALL_MAP else None
    return figures.heatmap(
        array, title=title, clickable=clickable, highlight=highlight, height=height, lang=lang
    )


def show_map(
    array: np.ndarray,
    title: str,
    *,
    key: str,
    on_click=None,
    highlight: tuple[int, int] | None = None,
    image: bool = False,
) -> None:
    """Draw a map: a colour picture for RGB, else a heatmap (clickable when ``on_click``)."""
    figure = map_figure(array, title, on_click is not None, highlight, image, get_language())
    if on_click is None:
        st.plotly_chart(figure, key=key, config={"displayModeBar": False})
    else:
        st.plotly_chart(
            figure,
            key=key,
            on_select=on_click,
            selection_mode="points",
            config={"displayModeBar": False},
        )


def shapes_panel(trace: PoolTrace, image: np.ndarray) -> None:
    """Input and output shapes, the padding, and the output formula written out per axis."""
    cols = st.columns(2)
    cols[0].metric(t("pool.shape.input"), shape_text(image.shape[:2]))
    cols[1].metric(t("pool.shape.output"), shape_text(trace.output.shape[:2]))
    (top, bottom), (left, right) = trace.pads
    lines = [
        t(
            "pool.shape.formula",
            axis=t(f"pool.shape.{axis}"),
            formula=shapes.output_length_formula(
                image.shape[i],
                trace.pool_size[i],
                strides=trace.strides[i],
                padding=trace.pads[i],
            ),
        )
        for i, axis in enumerate(("rows", "cols"))
    ]
    lines.append(
        t(
            "pool.shape.padded",
            shape=shape_text(trace.padded.shape[:2]),
            top=top,
            bottom=bottom,
            left=left,
            right=right,
        )
    )
    if image.ndim == 3:
        lines.append(t("pool.shape.channels", channels=image.shape[2]))
    st.markdown("\n".join(f"- {line}" for line in lines))
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


def on_map_click(op: str) -> None:
    """Inspect the clicked cell of a pooled map, and follow its operation (a callback)."""
    cell = figures.cell_from_selection(st.session_state.get(f"{KEY}_map_{op}"))
    if cell is not None:
        st.session_state[f"{KEY}_row"], st.session_state[f"{KEY}_col"] = cell
        st.session_state[f"{KEY}_op"] = op


def select_cell(row: int, col: int, channel: int | None) -> None:
    """Inspect the cell clicked on the stage (its callback, run before the rerun)."""
    st.session_state[f"{KEY}_row"], st.session_state[f"{KEY}_col"] = row, col
    if channel is not None:
        st.session_state[f"{KEY}_channel"] = CHANNELS[channel]


def inspector(trace: PoolTrace, channel: int | None, row: int, col: int) -> None:
    """One pooled cell: its window and its arithmetic written out."""
    step = trace.step_at(row, col, channel)
    text, window = st.columns([3, 2], gap="large")
    with text:
        st.markdown(t(f"pool.inspect.{trace.op}", row=row, col=col, count=step.count))
        st.code("\n".join(step.formula_lines()), language=None)
    with window:
        st.plotly_chart(
            figures.window_figure(step), key=f"{KEY}_window", config={"displayModeBar": False}
        )


def upsampling_section(source: np.ndarray, source_title: str) -> None:
    """Nearest, bilinear and bed-of-nails upsampling of the chosen map, with the shapes."""
    method_col, rows_col, cols_col = st.columns([4, 1, 1], vertical_alignment="bottom")
    with method_col:
        method = url_choice(
            st.segmented_control,
            t("pool.up.method"),
            UPSAMPLE_METHODS,
            key=f"{KEY}_up_method",
            format_func=labels("pool.up.method.{}"),
        )
    size = (
        int(
            rows_col.number_input(
                t("pool.up.size_rows"), 1, MAX_FACTOR, 2, key=f"{KEY}_up_rows", bind="query-params"
            )
        ),
        int(
            cols_col.number_input(
                t("pool.up.size_cols"), 1, MAX_FACTOR, 2, key=f"{KEY}_up_cols", bind="query-params"
            )
        ),
    )
    st.markdown(t(f"pool.up.explain.{method}"))
    result = upsampled_of(source, size, method)
    st.markdown(
        t(
            "pool.up.shapes",
            before=shape_text(source.shape),
            after=shape_text(result.shape),
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
        st.markdown(f"**{t('settings.strides')}**")
        rows, cols = st.columns(2)
        strides = (
            int(
                rows.number_input(
                    t("settings.rows"),
                    1,
                    MAX_FACTOR,
                    2,
                    key=f"{KEY}_tstride_rows",
                    bind="query-params",
                )
            ),
            int(
                cols.number_input(
                    t("settings.cols"),
                    1,
                    MAX_FACTOR,
                    2,
                    key=f"{KEY}_tstride_cols",
                    bind="query-params",
                )
            ),
        )
        padding = url_choice(
            st.segmented_control,
            t("settings.padding"),
            ("valid", "same"),
            key=f"{KEY}_tpad",
            format_func=str,
            help=t("pool.tconv.padding_help"),
        )
    try:
        result = transposed_of(source, kernel, strides, padding)
    except InputError as err:
        st.error(str(err))
        return
    with shape_col:
        st.markdown(f"**{t('pool.shapes')}**")
        lines = [
            t(
                "pool.shape.formula",
                axis=t(f"pool.shape.{axis}"),
                formula=shapes.conv_transpose_length_formula(
                    source.shape[i], kernel.shape[i], strides=strides[i], padding=padding
                ),
            )
            for i, axis in enumerate(("rows", "cols"))
        ]
        st.markdown(
            t("pool.tconv.shapes", before=shape_text(source.shape), after=shape_text(result.shape))
            + "\n"
            + "\n".join(f"- {line}" for line in lines)
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
        direction = url_choice(
            st.segmented_control,
            t("pool.shift.direction"),
            DIRECTIONS,
            key=f"{KEY}_shift_dir",
            format_func=labels("pool.shift.{}"),
        )
    cells = int(
        by_col.number_input(
            t("pool.shift.cells"), 1, MAX_SHIFT, 1, key=f"{KEY}_shift_by", bind="query-params"
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


def share_link() -> None:
    """Show the page's address with every setting, ready to copy."""
    presenter.share_link()
    st.caption(t("pool.link_help"))


# --- the page -----------------------------------------------------------------------------------

st.title(t("pool.title"))
settings = pool_settings(key=KEY)
alerts = st.container()  # above the fold, where a teacher changing a setting sees it
stage_area = st.container()  # the window, played in the browser, before the pickers
st.markdown(t("pool.intro"))
st.markdown(t(f"pool.animation_intro.{settings.op}"))

input_col, shapes_col = st.columns(2, gap="large")
with input_col:
    st.subheader(t("pool.input"))
    picked = pool_input(key=KEY)
if picked is None:
    st.stop()

try:
    traces = traces_of(picked.pixels, settings.pool_size, settings.strides, settings.padding)
    st.session_state[LAST_VALID] = (traces, picked, settings)
except InputError as err:
    alerts.error(str(err))
    if LAST_VALID not in st.session_state:
        st.stop()
    alerts.caption(t("pool.showing_last_valid"))
    traces, picked, last_settings = st.session_state[LAST_VALID]
    # The operation is not part of the error: keep following the one chosen now.
    settings = replace(last_settings, op=settings.op)
image = picked.pixels
trace = traces[settings.op]

with shapes_col:
    st.subheader(t("pool.shapes"))
    shapes_panel(trace, image)
    st.subheader(t("pool.global.header"))
    global_panel(image)

st.header(t("pool.side_by_side"))
row_key, col_key = f"{KEY}_row", f"{KEY}_col"
out_rows, out_cols = trace.output.shape[:2]
highlight = (
    min(st.session_state.get(row_key, 0), out_rows - 1),
    min(st.session_state.get(col_key, 0), out_cols - 1),
)
tiles = st.columns(3)
with tiles[0]:
    show_map(image, t("pool.input"), key=f"{KEY}_input_fig", image=not picked.is_matrix)
for tile, op in zip(tiles[1:], POOL_OPS, strict=True):
    with tile:
        show_map(
            traces[op].output,
            t(f"pool.map.{op}"),
            key=f"{KEY}_map_{op}",
            on_click=lambda op=op: on_map_click(op),
            highlight=highlight if op == settings.op else None,
        )
st.caption(t("pool.click_hint") if image.ndim == 2 else t("pool.rgb_hint"))

channel = None
if image.ndim == 3:
    channel = CHANNELS.index(
        url_choice(
            st.segmented_control,
            t("pool.channel"),
            CHANNELS,
            key=f"{KEY}_channel",
            format_func=str,
        )
    )
map_title = t(f"pool.map.{settings.op}")
if channel is not None:
    map_title += " · {number}"  # the stage writes the channel it shows
with stage_area:
    stage(
        stage_data_of(
            picked.pixels, settings.pool_size, settings.strides, settings.padding, settings.op
        ),
        key=f"{KEY}_stage",
        selected=(*clamp_cell(trace, key=KEY), channel),
        on_select=select_cell,
        titles={"output": map_title},
    )
row, col = cell_picker(trace, channel, key=KEY)
st.subheader(t("pool.inspect"))
inspector(trace, channel, row, col)

st.header(t("pool.up.header"))
st.markdown(t("pool.up.intro"))
source_choice = url_choice(
    st.segmented_control,
    t("pool.up.source"),
    ("pooled", "input"),
    key=f"{KEY}_up_source",
    format_func=labels("pool.up.source.{}", op=t(f"pool.op.{settings.op}")),
)
source = trace.output if source_choice == "pooled" else image
source_title = t(f"pool.map.{settings.op}") if source_choice == "pooled" else t("pool.input")
upsampling_section(source, source_title)

st.subheader(t("pool.tconv.header"))
st.markdown(t("pool.tconv.intro"))
if source.ndim == 3:
    st.caption(t("pool.tconv.channel", channel=CHANNELS[channel or 0]))
    source, source_title = source[..., channel or 0], f"{source_title} ({CHANNELS[channel or 0]})"
transposed_section(source, source_title)

st.header(t("pool.shift.header"))
translation_section(image, settings, picked.is_matrix)

st.header(t("pool.share"))
share_link()
