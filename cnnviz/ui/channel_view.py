"""A colour network's first layer in a page: its filter bank, and one map as R + G + B + bias.

:func:`show_filter_bank` draws the layer's filters as RGB pictures and per
channel and returns the one picked (a click on a tile, or the number input,
kept in the URL); :func:`show_channel_sum` draws that filter's map as the sum
of its channels' contributions plus the bias, the arithmetic of one output
cell, and the stage playing the filter over the image with a line per channel.

Every number comes from :mod:`cnnviz.core.channels` and :mod:`cnnviz.core.trace`.

Notes
-----
A phone and a wide screen need differently shaped figures, and Python does
not know the screen's width: each figure is drawn twice, wide and for a
phone, in two keyed containers, and a CSS media query at Streamlit's own
640-pixel breakpoint (where its columns stack) shows one of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from cnnviz.core import shapes
from cnnviz.core.channels import RGB, ChannelSum, cell_lines, channel_contributions, weight_limit
from cnnviz.core.conv import activate
from cnnviz.core.stage import StageData, conv_stage_data
from cnnviz.core.trace import ConvTrace, conv2d_trace
from cnnviz.figures import channels as channel_figures
from cnnviz.figures._base import ASSUMED_WIDTH
from cnnviz.figures.cells import cell_from_selection
from cnnviz.figures.channels import BANK_WIDTH
from cnnviz.i18n import format_number, get_language, t
from cnnviz.ui import kit
from cnnviz.ui.cell_picker import cell_picker, clamp_cell
from cnnviz.ui.language import fragment
from cnnviz.ui.presenter import presenting
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import url_number

PHONE_PX = 640
"""Below this width Streamlit stacks columns, and the phone's figures replace the wide ones."""

PHONE_FIGURE_PX = 360
"""Width of a figure on a phone, in pixels: what its height is made for."""

PRESENTER_FIGURE_PX = 1000
"""Width of a figure in presenter mode at 1024 pixels (no sidebar): its panels grow with it."""

_CSS = """
<style>
@media (max-width: {px}px) {{ [class*="st-key-{key}_wide"] {{ display: none; }} }}
@media (min-width: {above}px) {{ [class*="st-key-{key}_phone"] {{ display: none; }} }}
</style>
"""


# --- computed once per input (pure arrays, cached by value) --------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def _contributions(
    image: np.ndarray, kernel: np.ndarray, bias: np.ndarray, index: int, padding: str
) -> ChannelSum:
    return channel_contributions(image, kernel, bias, index, padding=padding)


@st.cache_data(max_entries=16, show_spinner=False)
def _trace(image: np.ndarray, weights: np.ndarray, bias: float, padding: str) -> ConvTrace:
    return conv2d_trace(image, weights, bias=bias, padding=padding)


@st.cache_data(max_entries=16, show_spinner=False)
def _stage_data(image: np.ndarray, weights: np.ndarray, bias: float, padding: str) -> StageData:
    return conv_stage_data(_trace(image, weights, bias, padding))


@st.cache_data(max_entries=32, show_spinner=False)
def _bank_figure(
    per_channel: bool, kernel: np.ndarray, selected: int, columns: int, width: int, lang: str
) -> go.Figure:
    """Draw the bank (RGB tiles, or per channel): the same on every rerun until a pick."""
    draw = channel_figures.filter_channels if per_channel else channel_figures.filter_bank
    return draw(kernel, selected=selected, columns=columns, width=width, lang=lang)


def _width(phone: bool, wide: int) -> int:
    """Return the width a figure's height is made for: a phone's, a projector's or ``wide``."""
    if phone:
        return PHONE_FIGURE_PX
    return PRESENTER_FIGURE_PX if presenting() else wide


def _responsive(
    key: str,
    make: Callable[[bool], go.Figure],
    on_select: Callable[[str], None] | None = None,
) -> None:
    """Draw ``make(False)`` on a wide screen and ``make(True)`` on a phone (see the Notes)."""
    st.html(_CSS.format(px=PHONE_PX - 1, above=PHONE_PX, key=key))
    for phone in (False, True):
        chart_key = f"{key}_{'phone' if phone else 'wide'}"
        # Streamlit's theme pads the axes' ranges past the square panels (and their frames):
        # these figures set every colour and size themselves.
        options: dict[str, Any] = {"theme": None}
        if on_select is not None:
            options.update(on_select=lambda k=chart_key: on_select(k), selection_mode="points")
        with st.container(key=f"{chart_key}_box"):
            kit.chart(make(phone), key=chart_key, **options)


# --- the filter bank ----------------------------------------------------------------------------


def show_filter_bank(kernel: np.ndarray, bias: np.ndarray, *, key: str) -> int:
    """Show a colour layer's filters as RGB pictures and per channel; return the one picked.

    Parameters
    ----------
    kernel : ndarray, shape (3, 3, 3, F)
        The layer's kernel (any ``(kh, kw, 3, F)``).
    bias : ndarray, shape (F,)
        The layer's biases (written under the picked filter).
    key : str
        Prefix of the widget keys; ``{key}_filter`` is also the URL's parameter.

    Returns
    -------
    int
        The picked filter, from 0 to ``F - 1``: clicked on a tile or typed in.
    """
    count = kernel.shape[3]
    index_key = f"{key}_filter"

    def picked(chart_key: str) -> None:
        clicked = channel_figures.filter_from_selection(st.session_state.get(chart_key))
        if clicked is not None and 0 <= clicked < count:
            st.session_state[index_key] = clicked

    limit = format_number(weight_limit(kernel), digits=3)
    st.subheader(
        t("channels.bank.title", count=count), help=t("channels.bank.explain", limit=limit)
    )
    number_col, bias_col = st.columns([1, 2], vertical_alignment="bottom")
    with number_col:
        index = int(
            url_number(st.number_input, t("channels.bank.pick"), 0, count - 1, key=index_key)
        )
    bias_col.markdown(
        t("channels.bank.bias", number=index, bias=format_number(float(bias[index]), digits=3))
    )
    colour_tab, channel_tab = st.tabs([t("channels.bank.as_rgb"), t("channels.bank.per_channel")])
    lang = get_language()
    for tab, per_channel in ((colour_tab, False), (channel_tab, True)):
        with tab:
            _responsive(
                f"{key}_{'channels' if per_channel else 'rgb'}",
                lambda phone, p=per_channel: _bank_figure(
                    p, kernel, index, 8 if phone else 16, _width(phone, BANK_WIDTH), lang
                ),
                picked,
            )
    colour_tab.caption(t("channels.bank.legend", limit=limit))
    channel_tab.caption(t("channels.bank.per_channel_explain"))
    return index


# --- one map as the sum of its channels ---------------------------------------------------------


def show_channel_sum(
    image: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    filter_index: int,
    *,
    padding: shapes.PaddingPreset = "same",
    key: str,
) -> None:
    """Show filter ``filter_index``'s map as R + G + B contributions plus its bias, cell by cell.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3)
        The layer's input, values in [0, 1].
    kernel : ndarray, shape (kh, kw, 3, F)
        The layer's kernel.
    bias : ndarray, shape (F,)
        The layer's biases.
    filter_index : int
        The filter shown, from 0 to ``F - 1``.
    padding : {"same", "valid"}, default "same"
        The layer's padding.
    key : str
        Prefix of the widget keys (``{key}_row`` and ``{key}_col`` are in the URL too).
    """
    parts = _contributions(image, kernel, np.asarray(bias), int(filter_index), padding)
    weights = np.ascontiguousarray(kernel[..., filter_index])
    st.subheader(t("channels.sum.title", number=filter_index), help=t("channels.sum.explain"))
    _cell_view(image, weights, parts, padding, key)


@fragment
def _cell_view(
    image: np.ndarray, weights: np.ndarray, parts: ChannelSum, padding: str, key: str
) -> None:
    """Show the equation, one cell's numbers and the stage; a click in them reruns only this."""
    trace = _trace(image, weights, parts.bias, padding)
    row_key, col_key = f"{key}_row", f"{key}_col"
    row, col = clamp_cell(trace, key=key)

    def select(row: int, col: int, _map: int | None = None) -> None:
        st.session_state[row_key], st.session_state[col_key] = row, col

    def clicked(chart_key: str) -> None:
        cell = cell_from_selection(st.session_state.get(chart_key))
        if cell is not None:
            select(*cell)

    lang = get_language()
    _responsive(
        f"{key}_sum",
        lambda phone: channel_figures.channel_sum_figure(
            image,
            parts,
            cell=(row, col),
            kernel_size=weights.shape[:2],
            stacked=phone,
            width=_width(phone, ASSUMED_WIDTH),
            lang=lang,
        ),
        clicked,
    )
    st.caption(t("channels.sum.legend"))
    st.markdown(t("channels.sum.cell_title", row=row, col=col))
    row, col = cell_picker(trace, None, key=key)
    st.code("\n".join(cell_lines(trace.step_at(row, col), RGB)), language=None, wrap_lines=True)
    relu = float(activate(trace.totals[row, col], "relu"))  # what the layer after conv1 does
    st.caption(t("channels.sum.relu", value=format_number(relu)))
    stage(
        _stage_data(image, weights, parts.bias, padding),
        key=f"{key}_stage",
        selected=(row, col, None),
        on_select=select,
        titles={"output": t("channels.stage.output", number=parts.filter)},
    )
