"""What the 1-D signals page draws: the signal's and kernel's widgets, results, position picker.

The core computes (:mod:`cnnviz.core.signals`, through the caches here); these
functions read widgets and render, and the page (``app_pages/signals.py``)
puts them in order. Every widget key starts with :data:`KEY` and, where
bound, is its query parameter.
"""

from __future__ import annotations

import contextlib
import html

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from streamlit.errors import StreamlitAPIException

from cnnviz.core import signals
from cnnviz.core.signals import KERNELS_1D, SIGNALS, PaddingResult
from cnnviz.core.stage import StageData, conv1d_stage_data
from cnnviz.core.trace import Conv1DTrace, conv1d_trace
from cnnviz.figures import signal as signal_figures
from cnnviz.i18n import get_language, t
from cnnviz.ui import kit
from cnnviz.ui.cell_picker import clamped_index
from cnnviz.ui.url_state import catalog_choice, url_number

KEY = "sig"
"""Prefix of the signals page's widget and session-state keys."""

TYPED = "typed"
SOURCES = ("course", TYPED, "noisy_sine", "steps", "eeg_like")
DEFAULT_SOURCE = "course"
DEFAULT_KERNEL = "second_difference"
DEFAULT_TEXT = "1, 2, -5, 4, 2, -1"
DEFAULT_CUSTOM = "1, 0, -1"  # not symmetric: flipping it changes the result
DEFAULT_N = 3
MAX_SEED = 1_000_000
MAX_LISTED = 24  # up to this many values, results are written out; beyond, drawn
NUMBERS_STYLE = (
    "font-family: 'Source Code Pro', monospace; font-size: 1.25rem; line-height: 1.6;"
    " background: #f3f5f9; border-radius: 0.5rem; padding: 0.3rem 0.75rem;"
    " margin-bottom: 0.75rem; overflow-wrap: break-word"
)


# --- cached core calls --------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def signal_of(source: str, text: str, length: int, seed: int, noise: float) -> np.ndarray:
    """Read the typed signal, or have the core generate one."""
    if source == TYPED:
        return signals.parse_numbers(text, name="signal")
    return signals.generate_signal(source, length=length, seed=seed, noise=noise)


@st.cache_data(max_entries=64, show_spinner=False)
def kernel_of(preset: str, n: int, text: str) -> np.ndarray:
    """Build the kernel: a preset, a moving average of ``n``, or typed weights."""
    return signals.kernel_1d(preset, n=n, text=text)


@st.cache_data(max_entries=64, show_spinner=False)
def results_of(
    signal: np.ndarray, kernel: np.ndarray, strides: int, dilation: int, flip: bool
) -> tuple[PaddingResult, ...]:
    """Compute valid, same and full once per signal, kernel and settings."""
    return signals.compare_paddings(
        signal, kernel, strides=strides, dilation_rate=dilation, flip=flip
    )


@st.cache_data(max_entries=32, show_spinner=False)
def trace_of(
    signal: np.ndarray, kernel: np.ndarray, padding: str, strides: int, dilation: int, flip: bool
) -> Conv1DTrace:
    """Trace one padding step by step."""
    return conv1d_trace(
        signal, kernel, padding=padding, strides=strides, dilation_rate=dilation, flip=flip
    )


@st.cache_data(max_entries=32, show_spinner=False)
def stage_data_of(
    signal: np.ndarray, kernel: np.ndarray, padding: str, strides: int, dilation: int, flip: bool
) -> StageData:
    """Pack one padding's convolution for the stage."""
    return conv1d_stage_data(trace_of(signal, kernel, padding, strides, dilation, flip))


# Resources, not data: a Plotly figure read back from st.cache_data is unpickled and
# revalidated on every rerun; nobody mutates these.
@st.cache_resource(max_entries=16, show_spinner=False)
def chart_of(signal: np.ndarray, results: tuple[PaddingResult, ...], lang: str) -> go.Figure:
    """Draw the signal and its three results, stacked (cached per language)."""
    return signal_figures.padding_comparison(signal, results, lang=lang)


@st.cache_resource(max_entries=16, show_spinner=False)
def signal_figure(signal: np.ndarray, lang: str) -> go.Figure:
    """Draw a long signal small (cached per language)."""
    return signal_figures.signal_chart(signal, lang=lang)


# --- callbacks and URL ------------------------------------------------------------------


def set_bound(key: str, value: int | float | str) -> None:
    """Set a URL-bound number from a callback, and make sure the URL says it too.

    Streamlit writes a bound widget's value into the URL when it changes on the
    page; a widget that only appears in the next run (the moving average's N,
    right after the kernel changes) keeps the URL without it, and a copied link
    would open with the default. So the query parameter is written as well;
    for a widget already on the page Streamlit refuses that, and syncs the URL
    itself.
    """
    st.session_state[key] = value
    with contextlib.suppress(StreamlitAPIException):
        st.query_params[key] = str(value)


# --- callbacks ----------------------------------------------------------------------------


def on_source_change() -> None:
    """Start a generated signal from its own length and noise."""
    preset = SIGNALS.get(st.session_state[f"{KEY}_source"])
    if preset is not None and preset.length is not None:
        set_bound(f"{KEY}_length", preset.length)
        set_bound(f"{KEY}_noise", preset.noise)


def load_demo(source: str, kernel: str, n: int, padding: str) -> None:
    """Load one of the course's demos: every setting at once."""
    state = st.session_state
    state[f"{KEY}_source"] = source
    on_source_change()
    state[f"{KEY}_kernel"] = kernel
    if kernel == "moving_average":
        set_bound(f"{KEY}_n", n)
    for name in ("seed", "stride", "dilation"):
        if f"{KEY}_{name}" in state:
            state[f"{KEY}_{name}"] = 0 if name == "seed" else 1
    state[f"{KEY}_flip"] = False
    set_bound(f"{KEY}_pad", padding)
    state[f"{KEY}_pos"] = 0


def step_position(delta: int, count: int) -> None:
    """Move to the previous or next output position (the ◀ ▶ buttons)."""
    key = f"{KEY}_pos"
    st.session_state[key] = min(max(st.session_state.get(key, 0) + delta, 0), count - 1)


# --- pieces of the page -------------------------------------------------------------------


def numbers_block(values: np.ndarray) -> None:
    """Write a row of numbers large enough to read from the back of a room."""
    text = html.escape(signals.format_numbers(values))
    st.markdown(f'<div style="{NUMBERS_STYLE}">{text}</div>', unsafe_allow_html=True)


def numbers_input(label: str, default: str, *, key: str) -> str:
    """Show a text box for numbers separated by commas or spaces (kept in ``?key=``)."""
    return st.text_input(
        label, default, key=key, bind="query-params", help=t("signal.numbers_help")
    )


def signal_inputs() -> np.ndarray | None:
    """Show the signal's widgets; return the signal, or None (with a message) if invalid."""
    source = catalog_choice(
        st.selectbox,
        "signal.source",
        SOURCES,
        key=f"{KEY}_source",
        item="signal.{}.name",
        default=DEFAULT_SOURCE,
        on_change=on_source_change,
    )
    text, length, seed, noise = DEFAULT_TEXT, 2, 0, 0.0
    if source == TYPED:
        text = numbers_input(t("signal.text"), DEFAULT_TEXT, key=f"{KEY}_text")
    elif source != "course":
        preset = SIGNALS[source]
        # The preset's own length and noise when neither the link nor the user has set them.
        length_col, seed_col, noise_col = st.columns(3)
        length = url_number(
            length_col.number_input,
            t("signal.length"),
            2,
            signals.MAX_LENGTH,
            preset.length,
            key=f"{KEY}_length",
        )
        seed = url_number(
            seed_col.number_input,
            t("signal.seed"),
            0,
            MAX_SEED,
            key=f"{KEY}_seed",
            help=t("signal.seed_help"),
        )
        noise = url_number(
            noise_col.number_input,
            t("signal.noise"),
            0.0,
            signals.MAX_NOISE,
            float(preset.noise),
            step=0.1,
            format="%.2f",
            key=f"{KEY}_noise",
            help=t("signal.noise_help"),
        )
    st.caption(t("signal.typed_description") if source == TYPED else SIGNALS[source].description())
    return kit.checked(lambda: signal_of(source, text, int(length), int(seed), float(noise)))


def kernel_inputs() -> np.ndarray | None:
    """Show the kernel's widgets; return the kernel, or None (with a message) if invalid."""
    preset = catalog_choice(
        st.selectbox,
        "signal.kernel",
        tuple(KERNELS_1D),
        key=f"{KEY}_kernel",
        item="kernel1d.{}.name",
        default=DEFAULT_KERNEL,
    )
    n, text = DEFAULT_N, ""
    if preset == "moving_average":
        n = url_number(
            st.number_input, t("signal.n"), 1, signals.MAX_LENGTH, DEFAULT_N, key=f"{KEY}_n"
        )
    elif preset == "custom":
        text = numbers_input(t("signal.custom"), DEFAULT_CUSTOM, key=f"{KEY}_custom")
    st.caption(KERNELS_1D[preset].explanation())
    return kit.checked(lambda: kernel_of(preset, int(n), text))


def show_values(values: np.ndarray, count_key: str) -> None:
    """Show the signal's or kernel's values: written out when few, drawn when many."""
    st.markdown(t(count_key, count=values.size))
    if values.size <= MAX_LISTED:
        numbers_block(values)
    elif count_key == "signal.samples":
        kit.chart(signal_figure(values, get_language()), key=f"{KEY}_signal_fig")


def flip_explanation(
    signal: np.ndarray, kernel: np.ndarray, strides: int, dilation: int, listed: bool
) -> None:
    """Cross-correlation or convolution: say whether it matters for this kernel, and show it."""
    text = signals.format_numbers(kernel)
    if signals.is_symmetric(kernel) or kernel.size > MAX_LISTED:
        if signals.is_symmetric(kernel):
            st.caption(t("signal.flip_symmetric"))
        return
    lines = [t("signal.flip_differs", kernel=text, reversed=signals.format_numbers(kernel[::-1]))]
    if listed:
        plain = results_of(signal, kernel, strides, dilation, False)[0]
        flipped = results_of(signal, kernel, strides, dilation, True)[0]
        if plain.output is not None:
            lines.append(
                t(
                    "signal.flip_compare",
                    correlation=signals.format_numbers(plain.output),
                    convolution=signals.format_numbers(flipped.output),
                )
            )
    st.info("\n\n".join(lines), icon="🔁")


def result_column(result: PaddingResult, listed: bool, strides: int) -> None:
    """One padding's result: its name, the zeros added, its length written out, its values."""
    st.subheader(result.padding)
    st.caption(t(f"signal.about.{result.padding}"))
    before, after = result.pads
    st.markdown(t("signal.pads", before=before, after=after))
    if result.output is None:
        st.warning(str(result.error))
        return
    st.markdown(t("signal.length_line", count=result.length, formula=result.formula))
    if listed:
        numbers_block(result.output)
    if result.padding == "same" and before != after and strides == 1:
        st.caption(t("signal.numpy_same"))


def select_position(row: int, col: int, fmap: int | None) -> None:
    """Inspect the output position clicked on the stage (its callback)."""
    st.session_state[f"{KEY}_pos"] = col


def position_picker(trace: Conv1DTrace, column) -> int:
    """Choose an output position: typed, or one step back or forward. Return it."""
    count = len(trace)
    key = f"{KEY}_pos"
    clamped_index(key, count)  # a link reopens on its position
    with column:
        back, position_col, forward = st.columns([1, 3, 1], vertical_alignment="bottom")
    back.button(
        "◀",
        key=f"{KEY}_back",
        on_click=step_position,
        args=(-1, count),
        help=t("signal.step_back"),
        width="stretch",
    )
    position = position_col.number_input(t("signal.position"), 0, count - 1, key=key)
    forward.button(
        "▶",
        key=f"{KEY}_forward",
        on_click=step_position,
        args=(1, count),
        help=t("signal.step_forward"),
        width="stretch",
    )
    return int(position)
