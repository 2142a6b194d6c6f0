"""Sidebar settings of a convolution: padding, pad mode, stride, dilation, flip, bias, activation.

Every widget is bound to a query parameter of the same name as its key, so a
teacher's link opens the same demo.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from cnnviz.core.conv import ACTIVATION_FUNCTIONS, PAD_MODES
from cnnviz.core.shapes import PADDING_PRESETS, Padding2D
from cnnviz.i18n import t
from cnnviz.ui.kit import pair_inputs, settings_panel
from cnnviz.ui.url_state import catalog_choice, url_number, url_toggle

CELLS = "cells"
MAX_PAD_CELLS = 10
MAX_STRIDE = 8
MAX_DILATION = 4


@dataclass(frozen=True)
class ConvSettings:
    """The keyword arguments of :func:`cnnviz.core.conv.conv2d` chosen in the sidebar."""

    padding: Padding2D
    pad_mode: str
    strides: tuple[int, int]
    dilation_rate: tuple[int, int]
    flip: bool
    bias: float
    activation: str | None

    def as_kwargs(self) -> dict:
        """Return the settings as ``conv2d`` keyword arguments."""
        return {
            "padding": self.padding,
            "pad_mode": self.pad_mode,
            "strides": self.strides,
            "dilation_rate": self.dilation_rate,
            "flip": self.flip,
            "bias": self.bias,
            "activation": self.activation,
        }


def conv_settings(*, key: str = "conv", linear: bool = False) -> ConvSettings:
    """Show the convolution settings and return them as :class:`ConvSettings`.

    They go where :func:`cnnviz.ui.kit.settings_panel` puts them; each widget's
    key starts with ``key`` and is its query parameter too. ``linear=True``
    leaves out the bias and the activation (a page about the linear map alone).
    """
    with settings_panel():
        preset = catalog_choice(
            st.selectbox,
            "settings.padding",
            [*PADDING_PRESETS, CELLS],
            key=f"{key}_pad",
            help=t("settings.padding_help"),
        )
        padding: Padding2D = preset
        if preset == CELLS:
            padding = url_number(
                st.number_input,
                t("settings.pad_cells"),
                0,
                MAX_PAD_CELLS,
                1,
                key=f"{key}_pad_cells",
            )
        pad_mode = catalog_choice(
            st.selectbox,
            "settings.pad_mode",
            PAD_MODES,
            key=f"{key}_mode",
            help=t("settings.pad_mode_help"),
        )
        strides = pair_inputs(t("settings.strides"), f"{key}_stride", MAX_STRIDE)
        dilation = pair_inputs(t("settings.dilation"), f"{key}_dilation", MAX_DILATION)
        bias, activation = 0.0, "linear"
        if not linear:
            bias = url_number(
                st.number_input, t("settings.bias"), -100.0, 100.0, 0.0, step=0.1, key=f"{key}_bias"
            )
            activation = catalog_choice(
                st.selectbox, "settings.activation", list(ACTIVATION_FUNCTIONS), key=f"{key}_act"
            )
        flip = url_toggle("settings.flip", key=f"{key}_flip")
        st.caption(t("settings.flip_true") if flip else t("settings.flip_false"))
    return ConvSettings(
        padding=padding,
        pad_mode=pad_mode,
        strides=strides,
        dilation_rate=dilation,
        flip=flip,
        bias=float(bias),
        activation=None if activation == "linear" else activation,
    )
