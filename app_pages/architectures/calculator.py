"""The calculator view: one layer's settings, its output shape and parameters, every formula."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.architectures.shared import KEY, MAX_SIDE
from cnnviz.core.layer_math import CALCULATOR_TYPES, LayerMath, layer_math
from cnnviz.core.shapes import PADDING_PRESETS
from cnnviz.i18n import InputError, format_count, format_shape, get_language, labels, t
from cnnviz.ui import kit
from cnnviz.ui.url_state import url_choice, url_number

CELLS = "cells"
"""The padding choice "so many cells on each side", beside Keras' named paddings."""
MAX_KERNEL = 64
LENGTH_FORMULAS = {
    "Conv2D": r"O = \left\lfloor \frac{I - k + p + s}{s} \right\rfloor",
    "MaxPooling2D": r"O = \left\lfloor \frac{I - k + p + s}{s} \right\rfloor",
    "Conv2DTranspose": r"O = I \cdot s + \max(k - s,\, 0) \;\; (\texttt{valid})"
    r"\qquad O = I \cdot s \;\; (\texttt{same})",
}
PARAMS_FORMULA = r"P = (k_h \cdot k_w \cdot C_{in} + 1) \cdot F"
MACS_FORMULAS = {
    "Conv2D": r"\mathrm{MACs} = H_o \cdot W_o \cdot F \cdot k_h \cdot k_w \cdot C_{in}",
    "Conv2DTranspose": r"\mathrm{MACs} = H \cdot W \cdot F \cdot k_h \cdot k_w \cdot C_{in}",
}


def number(where: Any, label: str, low: int, high: int, value: int, name: str, **opts: Any) -> int:
    """Read one of the layer's numbers; its key is ``arch_calc_<name>``, kept in the URL."""
    return int(
        url_number(where.number_input, label, low, high, value, key=f"{KEY}_calc_{name}", **opts)
    )


def padding_input() -> str | int:
    """Read the padding: one of Keras' names, or cells on every side (the course's formula)."""
    preset = url_choice(
        st.selectbox,
        t("settings.padding"),
        [*PADDING_PRESETS, CELLS],
        key=f"{KEY}_calc_pad",
        format_func=labels("settings.padding.{}"),
        default=CELLS,
        help=t("arch.calc.padding_help"),
    )
    if preset != CELLS:
        return preset
    return number(st, t("settings.pad_cells"), 0, MAX_KERNEL, 2, "pad_cells")


def layer_settings(pooling: bool) -> dict[str, Any]:
    """Read the layer's widgets into :func:`cnnviz.core.layer_math.layer_math`'s arguments."""
    cols = st.columns(4)
    h = number(cols[0], t("arch.calc.rows"), 1, MAX_SIDE, 16, "h")
    w = number(cols[1], t("arch.calc.cols"), 1, MAX_SIDE, 16, "w")
    c = number(cols[2], t("arch.calc.channels"), 1, MAX_SIDE, 3, "c")
    filters = number(
        cols[3],
        t("arch.calc.filters"),
        1,
        MAX_SIDE,
        10,
        "filters",
        disabled=pooling,
        help=t("arch.calc.filters_help"),
    )
    cols = st.columns(4)
    # 0 is allowed on purpose: the core explains why a stride or a kernel of 0 cannot work.
    label = t("arch.calc.pool" if pooling else "arch.calc.kernel")
    k = number(cols[0], label, 0, MAX_KERNEL, 5, "k")
    s = number(
        cols[1], t("arch.calc.strides"), 0, MAX_KERNEL, 1, "s", help=t("arch.calc.strides_help")
    )
    with cols[2]:
        padding = padding_input()
    d = number(cols[3], t("arch.calc.dilation"), 0, 16, 1, "d", disabled=pooling)
    use_bias = st.toggle(
        t("arch.calc.use_bias"),
        value=True,
        key=f"{KEY}_calc_bias",
        bind="query-params",
        disabled=pooling,
    )
    return {
        "input_shape": (h, w, c),
        "filters": filters,
        "kernel_size": k,
        "strides": s,
        "padding": padding,
        "dilation_rate": d,
        "use_bias": use_bias,
    }


def show_metrics(result: LayerMath) -> None:
    """Show the input and output shapes, the parameters and the MACs, side by side."""
    lang = get_language()
    cols = st.columns(4)
    cols[0].metric(t("arch.calc.input"), format_shape(result.input_shape))
    cols[1].metric(t("arch.calc.output"), format_shape(result.output_shape))
    cols[2].metric(t("arch.calc.params"), format_count(result.params, lang))
    cols[3].metric(
        t("arch.calc.macs"), format_count(result.macs, lang), help=t("arch.col.macs_help")
    )


def show_shape(result: LayerMath, pooling: bool) -> None:
    """Show how the output shape comes out: the formula, then each length and the channels."""
    st.subheader(t("arch.calc.how_shape"))
    st.latex(LENGTH_FORMULAS[result.type])
    st.caption(t("arch.calc.legend"))
    lines = [
        t("arch.calc.line.rows", formula=result.length_formulas[0]),
        t("arch.calc.line.cols", formula=result.length_formulas[1]),
    ]
    if result.pads is not None and any(map(any, result.pads)):
        (top, bottom), (left, right) = result.pads
        lines.append(
            t(
                "arch.calc.line.pads",
                top=top,
                bottom=bottom,
                left=left,
                right=right,
                rows=top + bottom,
                cols=left + right,
            )
        )
    key = "arch.calc.line.pool_channels" if pooling else "arch.calc.line.channels"
    lines.append(t(key, c=result.output_shape[2], filters=result.output_shape[2]))
    kit.bullets(lines)


def show_params(result: LayerMath, kernel_size: int, use_bias: bool) -> None:
    """Show how the parameters add up, and the classic slip of forgetting the input's channels."""
    st.latex(PARAMS_FORMULA)
    kit.bullets(
        [
            t("arch.calc.line.weights", formula=result.weights_formula),
            t(
                "arch.calc.line.params" if use_bias else "arch.calc.line.params_no_bias",
                formula=result.params_formula,
            ),
        ]
    )
    channels = result.input_shape[2]
    if channels > 1:
        st.info(
            t(
                "arch.calc.slip",
                k=kernel_size,
                c=channels,
                right=kernel_size**2 * channels,
                wrong=kernel_size**2,
            ),
            icon=":material/lightbulb:",
        )


def show() -> None:
    """One layer: its settings, its output shape and parameters, every formula with numbers."""
    st.markdown(t("arch.calc.intro"))
    kind = url_choice(
        st.segmented_control,
        t("arch.calc.type"),
        CALCULATOR_TYPES,
        key=f"{KEY}_calc_type",
        format_func=labels("arch.calc.type.{}"),
    )
    pooling = kind == "MaxPooling2D"
    settings = layer_settings(pooling)
    try:
        result = layer_math(kind, **settings)
    except InputError as err:
        st.error(str(err))
        return
    show_metrics(result)
    show_shape(result, pooling)
    st.subheader(t("arch.calc.how_params"))
    if pooling:
        kit.bullets([t("arch.calc.line.pool_params")])
        return
    show_params(result, settings["kernel_size"], settings["use_bias"])
    st.subheader(t("arch.calc.how_macs"))
    st.latex(MACS_FORMULAS[kind])
    key = "arch.calc.line.macs_transpose" if kind == "Conv2DTranspose" else "arch.calc.line.macs"
    kit.bullets([t(key, formula=result.macs_formula)])
