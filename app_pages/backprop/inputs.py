"""The tiny network's settings, its input and kernel: typed, from the convolution page, or a digit.

Every table starts from its source's values; its widget key names the source
and the settings, so a new size or digit reloads it while edits to the same
one are kept. A cell that is empty or not a number leaves the page on the
last valid input, under a translated message.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from app_pages.backprop import KEY
from cnnviz.core import tiny_net
from cnnviz.i18n import InputError, labels, t
from cnnviz.ui import kit
from cnnviz.ui.kernel_editor import bank_key
from cnnviz.ui.url_state import url_choice, url_number

SOURCES = ("edit", "conv", "digit")
"""Where the input and kernel come from: typed, the convolution page, a digit and a filter."""

FIRST_LAYER = "conv1"
"""The bundled network's first convolution (16 filters of 3x3 on one channel)."""


@dataclass(frozen=True)
class Setup:
    """The page's settings."""

    side: int
    filters: int
    target: int
    seed: int
    source: str


@dataclass(frozen=True)
class Problem:
    """What the network learns from: one input, its starting weights, the true class."""

    image: np.ndarray
    params: tiny_net.TinyParams
    target: int


def settings() -> Setup:
    """Show the settings panel (sidebar or presenter bar) and return its values."""
    with kit.settings_panel():
        source = url_choice(
            st.radio,
            t("backprop.source"),
            SOURCES,
            key=f"{KEY}_source",
            format_func=labels("backprop.source.{}"),
        )
        side = url_number(
            st.slider,
            t("backprop.side"),
            tiny_net.MIN_SIDE,
            tiny_net.MAX_SIDE,
            6,
            key=f"{KEY}_side",
        )
        filters = url_number(
            st.slider, t("backprop.filters"), 1, tiny_net.MAX_FILTERS, 1, key=f"{KEY}_filters"
        )
        target = url_choice(
            st.radio,
            t("backprop.target"),
            tiny_net.CLASSES,
            key=f"{KEY}_target",
            format_func=labels("backprop.class.{}"),
            horizontal=True,
        )
        seed = url_number(
            st.number_input, t("backprop.seed"), 0, 9999, 0, key=f"{KEY}_seed",
            help=t("backprop.seed_help"),
        )  # fmt: skip
    return Setup(int(side), int(filters), tiny_net.CLASSES.index(target), int(seed), source)


def resize_area(pixels: np.ndarray, side: int) -> np.ndarray:
    """Shrink a grey picture to ``side`` x ``side`` by area averaging (Pillow's box filter).

    Parameters
    ----------
    pixels : ndarray, shape (H, W)
        Values in [0, 255] (uint8) or any floats.
    side : int
        The new side.

    Returns
    -------
    ndarray, shape (side, side)
        float64; each cell the mean of the area it covers, rounded to 3 decimals
        so the tables and the stage write what the network reads.
    """
    image = Image.fromarray(np.asarray(pixels, dtype=np.float32), mode="F")
    small = np.asarray(image.resize((side, side), Image.Resampling.BOX), dtype=np.float64)
    scale = 255.0 if np.asarray(pixels).dtype == np.uint8 else 1.0
    return np.round(small / scale, 3)


def _from_conv_page(setup: Setup, seeded: np.ndarray) -> np.ndarray:
    """Take the convolution page's first channel per filter; seeded weights for any missing."""
    bank = st.session_state.get(bank_key("conv"))
    if bank is None or tuple(bank.shape[:2]) != (3, 3):
        st.info(t("backprop.source.conv_missing"))
        return seeded
    kernel = seeded.copy()
    taken = min(setup.filters, bank.shape[3])
    kernel[:, :, 0, :taken] = bank[:, :, 0, :taken]
    return kernel


def _from_digit(setup: Setup) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Pick a test digit shrunk to the input's size and learned first-layer filters (TensorFlow)."""
    from cnnviz.ui import network  # the bundled network: only for this source

    digits = network.test_digits()
    left, right = st.columns(2)
    index = int(
        url_number(left.number_input, t("backprop.digit"), 0, len(digits.x_test) - 1, 0,
                   key=f"{KEY}_digit")
    )  # fmt: skip
    bank, bias = network.learned_filters(
        network.Network(network.trained_model(), "bundled", ""), FIRST_LAYER
    )
    count = bank.shape[3]
    first = int(
        url_number(right.number_input, t("backprop.first_filter"), 0, count - 1, 0,
                   key=f"{KEY}_first_filter")
    )  # fmt: skip
    chosen = [(first + f) % count for f in range(setup.filters)]
    image = resize_area(digits.x_test[index], setup.side)
    tag = f"d{index}f{first}"
    st.caption(t("backprop.digit_caption", label=int(digits.y_test[index]), side=setup.side))
    return image, bank[:, :, :1, chosen].astype(np.float64), bias[chosen].astype(np.float64), tag


def _tables(image: np.ndarray, kernel: np.ndarray, tag: str) -> tuple[np.ndarray | None, list]:
    """Show the input and each filter in an editable table; return what they hold."""
    st.markdown(f"**{t('backprop.input_table')}**")
    typed = kit.matrix_table(image, key=f"{KEY}_image_{tag}", cell_width="small", width="content")
    kernels = []
    for f, column in enumerate(st.columns(tiny_net.MAX_FILTERS)[: kernel.shape[3]]):
        with column:
            st.markdown(f"**{t('backprop.kernel_table', number=f)}**")
            kernels.append(
                kit.matrix_table(
                    kernel[:, :, 0, f], key=f"{KEY}_kernel{f}_{tag}", cell_width="small",
                    width="content",
                )
            )  # fmt: skip
    return typed, kernels


def _build(setup: Setup, typed: np.ndarray | None, kernels: list, bias: np.ndarray) -> Problem:
    """Check the tables and assemble the problem (raises a translated error)."""
    if typed is None or any(k is None for k in kernels):
        raise InputError("backprop.error.cell")
    seeded = tiny_net.initial_params(typed.shape, setup.filters, seed=setup.seed)
    params = tiny_net.tiny_params(
        np.stack(kernels, axis=-1)[:, :, None, :], bias, seeded.dense_weights, seeded.dense_bias
    )
    tiny_net.forward(typed, params, setup.target)  # refuses what the network cannot read
    return Problem(typed, params, setup.target)


def choose_problem(setup: Setup, alerts: st.delta_generator.DeltaGenerator) -> Problem | None:
    """Show the input's source and tables; return the problem, or the last valid one.

    Parameters
    ----------
    setup : Setup
        The settings.
    alerts : container
        Where a refusal is written (above the fold).

    Returns
    -------
    Problem or None
        None only before any valid input (a first run with a broken table).
    """
    seeded = tiny_net.initial_params((setup.side, setup.side), setup.filters, seed=setup.seed)
    bias = np.zeros(setup.filters)
    tag = f"{setup.source}{setup.side}x{setup.filters}s{setup.seed}"
    if setup.source == "digit":
        image, kernel, bias, digit_tag = _from_digit(setup)
        tag += digit_tag
    else:
        image = tiny_net.sample_image(setup.side)
        kernel = seeded.kernel if setup.source == "edit" else _from_conv_page(setup, seeded.kernel)
    kernel = np.round(kernel, 3)  # what the table writes is what the network uses
    typed, kernels = _tables(image, kernel, tag)
    problem = kit.checked(lambda: _build(setup, typed, kernels, bias), where=alerts)
    return kit.last_valid(
        f"{KEY}_last", problem, where=alerts, caption=t("backprop.showing_last_valid")
    )
