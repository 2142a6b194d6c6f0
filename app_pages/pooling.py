"""Pooling and upsampling: max and average side by side, the window step by step, upsampling.

Also the transposed convolution, and a translation demo of max pooling's partial invariance.
What each part draws is in :mod:`cnnviz.ui.pool_views`; this page puts them in order.
"""

from dataclasses import replace
from functools import partial

import streamlit as st

from cnnviz.figures import cells as cell_figures
from cnnviz.i18n import labels, t
from cnnviz.ui import kit
from cnnviz.ui.cell_picker import cell_picker, clamp_cell
from cnnviz.ui.pool_settings import pool_input, pool_settings
from cnnviz.ui.pool_views import (
    CHANNELS,
    KEY,
    global_panel,
    inspector,
    shapes_panel,
    side_by_side,
    stage_data_of,
    traces_of,
    translation_section,
    transposed_section,
    upsampling_section,
)
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import url_choice

LAST_VALID = f"{KEY}_last"


def on_map_click(op: str) -> None:
    """Inspect the clicked cell of a pooled map, and follow its operation (a callback)."""
    cell = cell_figures.cell_from_selection(st.session_state.get(f"{KEY}_map_{op}"))
    if cell is not None:
        st.session_state[f"{KEY}_row"], st.session_state[f"{KEY}_col"] = cell
        st.session_state[f"{KEY}_op"] = op


def select_cell(row: int, col: int, channel: int | None) -> None:
    """Inspect the cell clicked on the stage (its callback, run before the rerun)."""
    st.session_state[f"{KEY}_row"], st.session_state[f"{KEY}_col"] = row, col
    if channel is not None:
        st.session_state[f"{KEY}_channel"] = CHANNELS[channel]


# --- the page -----------------------------------------------------------------------------------

st.title(t("pool.title"))
settings = pool_settings(key=KEY)
alerts = st.container()  # above the fold, where a teacher changing a setting sees it
stage_area = st.container()  # the window, played in the browser, before the pickers
st.markdown(t("pool.intro"))
st.markdown(t(f"pool.animation_intro.{settings.op}"))

picked, shapes_col = kit.input_columns(t("pool.input"), partial(pool_input, key=KEY))

# A window larger than the padded input keeps the last result on show, under the message.
computed = kit.checked(
    lambda: (
        traces_of(picked.pixels, settings.pool_size, settings.strides, settings.padding),
        picked,
        settings,
    ),
    where=alerts,
)
last = kit.last_valid(LAST_VALID, computed, caption=t("pool.showing_last_valid"), where=alerts)
if last is None:
    st.stop()
traces, picked, last_settings = last
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
side_by_side(image, traces, settings, image_is_picture=not picked.is_matrix, on_click=on_map_click)

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
kit.share_link(t("pool.link_help"))
