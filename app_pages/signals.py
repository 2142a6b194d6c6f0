"""1-D signals: a signal and a kernel; valid, same and full side by side; the window animated.

What each part draws is in :mod:`cnnviz.ui.signal_views`; this page puts them in order.
"""

import numpy as np
import streamlit as st

from cnnviz.core import signals
from cnnviz.core.signals import PADDINGS_1D
from cnnviz.figures import conv as conv_figures
from cnnviz.i18n import get_language, t
from cnnviz.ui import kit
from cnnviz.ui.conv_settings import MAX_DILATION, MAX_STRIDE
from cnnviz.ui.signal_views import (
    DEFAULT_KERNEL,
    DEFAULT_N,
    KEY,
    MAX_LISTED,
    chart_of,
    flip_explanation,
    kernel_inputs,
    load_demo,
    position_picker,
    result_column,
    results_of,
    select_position,
    show_values,
    signal_inputs,
    stage_data_of,
    trace_of,
)
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import url_number, url_toggle

MAX_WINDOW_FIGURE = 5  # taps: beyond, the window's cells are too small for their numbers

# --- the page -----------------------------------------------------------------------------

lang = get_language()
st.title(t("signal.title"))
st.markdown(t("signal.intro"))
with st.container(horizontal=True):
    st.button(
        t("signal.demo_course"),
        key=f"{KEY}_demo_course",
        on_click=load_demo,
        args=("course", DEFAULT_KERNEL, DEFAULT_N, "valid"),
    )
    st.button(
        t("signal.demo_eeg"),
        key=f"{KEY}_demo_eeg",
        on_click=load_demo,
        args=("eeg_like", "moving_average", 10, "same"),
    )

signal_col, kernel_col = st.columns(2, gap="large")
with signal_col:
    st.subheader(t("signal.signal_header"))
    typed_signal = signal_inputs()
with kernel_col:
    st.subheader(t("signal.kernel_header"))
    typed_kernel = kernel_inputs()
# A link with a typo still opens a working page: the course's example stands in.
fallback = t("signal.showing_last_valid")
signal = kit.last_valid(
    f"{KEY}_last_signal", typed_signal, caption=fallback, default=np.array(signals.COURSE_SIGNAL)
)
kernel = kit.last_valid(
    f"{KEY}_last_kernel",
    typed_kernel,
    caption=None if typed_signal is None else fallback,  # said once for both
    default=np.array(signals.COURSE_KERNEL),
)
with signal_col:
    show_values(signal, "signal.samples")
with kernel_col:
    show_values(kernel, "signal.weights")

stride_col, dilation_col, flip_col = st.columns([1, 1, 2], gap="medium")
strides, dilation = (
    int(
        url_number(
            column.number_input,
            t(f"signal.{name}"),
            1,
            maximum,
            key=f"{KEY}_{name}",
            help=t(f"signal.{name}_help"),
        )
    )
    for column, name, maximum in (
        (stride_col, "stride", MAX_STRIDE),
        (dilation_col, "dilation", MAX_DILATION),
    )
)
with flip_col:
    flip = url_toggle("signal.flip", key=f"{KEY}_flip")
    st.caption(t("signal.flip_on") if flip else t("signal.flip_off"))

# The widgets keep every setting in range; this is a safety net.
results = kit.checked(lambda: results_of(signal, kernel, strides, dilation, flip))
if results is None:
    st.stop()
st.session_state[f"{KEY}_results"] = results
listed = max(signal.size, *(r.length for r in results)) <= MAX_LISTED
flip_explanation(signal, kernel, strides, dilation, listed)

st.header(t("signal.results"))
st.markdown(t("signal.results_intro"))
for column, result in zip(st.columns(len(results), gap="medium"), results, strict=True):
    with column:
        result_column(result, listed, strides)
st.caption(t("signal.formula_help"))
if not listed:
    kit.chart(chart_of(signal, results, lang), key=f"{KEY}_chart")
    st.caption(t("signal.chart_caption"))

st.header(t("signal.animation"))
padding_col, position_col = st.columns([1, 1], gap="large", vertical_alignment="bottom")
st.session_state.setdefault(f"{KEY}_pad", "valid")
padding = padding_col.segmented_control(
    t("signal.animation_padding"),
    PADDINGS_1D,
    required=True,
    key=f"{KEY}_pad",
    bind="query-params",
)
chosen = results[PADDINGS_1D.index(padding)]
if chosen.output is None:
    st.warning(t("signal.cannot_animate", reason=str(chosen.error)))
    st.stop()
trace = trace_of(signal, kernel, padding, strides, dilation, flip)
position = position_picker(trace, position_col)
stage(
    stage_data_of(signal, kernel, padding, strides, dilation, flip),
    key=f"{KEY}_stage",
    selected=(0, position, None),
    on_select=select_position,
)
st.subheader(t("signal.inspect", position=position))
step = trace.step_at(position)
st.code("\n".join(step.formula_lines()), language=None, wrap_lines=True)
if kernel.size <= MAX_WINDOW_FIGURE:
    kit.chart(conv_figures.window_figure(step), key=f"{KEY}_window")
