"""The layers section: a preset to start from, one row per layer, the summary, what is wrong.

The stack lives in ``st.session_state[STACK]`` as ``[(uid, layer dict)]``: each
row's widgets are keyed by its uid, so a row keeps its values when the rows
above it move or go.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app_pages.training import KEY
from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.core.architectures import Summary, summarize
from cnnviz.core.builder_rows import BUILDER_TYPES, new_layer
from cnnviz.i18n import InputError, format_count, format_shape, get_language, t
from cnnviz.nets.limits import LIMITS
from cnnviz.nets.training import check_model

STACK = f"{KEY}_stack"  # [(uid, layer dict)]: the builder's layers, in order
UID = f"{KEY}_uid"  # the last uid given to a row
BUILDER_ACTIVATIONS: tuple[str, ...] = (
    "relu", "sigmoid", "tanh", "elu", "leaky_relu", "gelu", "softmax", "linear",
)  # fmt: skip
"""The activations a row offers: a short list of ``cnnviz.core.spec.ACTIVATIONS``.

A stack from elsewhere (a preset) may use another; its row then offers that one too."""
NUMBER_FIELDS = {  # field: (min, max, step)
    "filters": (1, 512, 1),
    "units": (1, 1024, 1),
    "kernel_size": (1, 11, 1),
    "strides": (1, 4, 1),
    "pool_size": (1, 4, 1),
    "rate": (0.0, 0.9, 0.05),
}
FIELDS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size",),
    "AveragePooling2D": ("pool_size",),
    "Dropout": ("rate",),
    "Dense": ("units", "activation"),
}
COLUMN = {  # where each field sits in a layer's row, so that the rows line up
    "filters": 1, "units": 1, "pool_size": 1, "rate": 1,
    "kernel_size": 2, "strides": 3, "padding": 4, "activation": 5,
}  # fmt: skip


NETWORK_KEYS = {name: f"train.preset.{name}" for name in NETWORK_PRESETS} | {
    "course_cifar": "trainset.net.course_cifar",
    "quick_cifar": "trainset.net.quick_cifar",
}
"""Each preset network's catalog key (``.note`` under it says where it comes from)."""


def load_preset() -> None:
    """Replace the stack by the chosen preset (new widget keys, so they take its values)."""
    state = st.session_state
    set_stack(NETWORK_PRESETS[state[f"{KEY}_preset"]](state[f"{KEY}_classes"]))


def set_stack(spec: list[dict[str, Any]]) -> None:
    """Make ``spec`` the builder's rows, each under a new uid (so its widgets take its values)."""
    state = st.session_state
    state.setdefault(UID, 0)
    stack = []
    for layer in spec:
        state[UID] += 1
        stack.append((state[UID], dict(layer)))
    state[STACK] = stack


def move(index: int, step: int) -> None:
    """Move layer ``index`` up (-1) or down (+1)."""
    stack = st.session_state[STACK]
    other = index + step
    stack[index], stack[other] = stack[other], stack[index]


def remove(index: int) -> None:
    """Delete layer ``index``."""
    del st.session_state[STACK][index]


def add_layer() -> None:
    """Append a layer of the chosen type."""
    state = st.session_state
    state[UID] += 1
    state[STACK].append((state[UID], new_layer(state[f"{KEY}_add_type"])))


def fit_output(uid: int, classes: int) -> None:
    """Give the last Dense layer one unit per class."""
    st.session_state[f"{KEY}_l{uid}_units"] = classes


def layer_stack(classes: int) -> list[tuple[int, dict[str, Any]]]:
    """Show the preset picker, one row per layer and the row to add one; return the stack.

    Parameters
    ----------
    classes : int
        Classes of the data: a preset ends in that many outputs.

    Returns
    -------
    list of (int, dict)
        The rows' uids and layers, the layers updated from their widgets.
    """
    state = st.session_state
    lang = get_language()  # fixed here: a format function may run in another thread
    state.setdefault(UID, 0)
    state[f"{KEY}_classes"] = classes  # read by load_preset, a callback
    preset_col, load_col = st.columns([3, 1], vertical_alignment="bottom")
    preset_col.selectbox(
        t("train.preset"),
        tuple(NETWORK_PRESETS),
        format_func=lambda name: t(NETWORK_KEYS[name], lang=lang),
        key=f"{KEY}_preset",
    )
    load_col.button(t("train.preset.load"), key=f"{KEY}_load", on_click=load_preset)
    st.caption(t(NETWORK_KEYS[state[f"{KEY}_preset"]] + ".note"))
    if STACK not in state:
        load_preset()
    stack = state[STACK]
    for index, (uid, layer) in enumerate(stack):
        layer_row(index, uid, layer, len(stack))
    add_col, add_button = st.columns([3, 1], vertical_alignment="bottom")
    add_col.selectbox(t("train.layer.add_type"), BUILDER_TYPES, key=f"{KEY}_add_type")
    add_button.button(t("train.layer.add"), key=f"{KEY}_add", on_click=add_layer)
    return stack


def layer_row(index: int, uid: int, layer: dict[str, Any], count: int) -> None:
    """One row of the builder: the layer's type, its settings, and move/delete buttons.

    The widgets' values are written back into ``layer``.
    """
    kind = layer["type"]
    names = FIELDS.get(kind, ())
    with st.container(border=True):
        cols = st.columns([1.7, 1, 1, 1, 1.1, 1.6, 0.4, 0.4, 0.4], vertical_alignment="bottom")
        cols[0].markdown(f"**{index + 1} · {kind}**")
        if not names:
            cols[5].caption(t(f"train.layer.note.{kind}"))
        for name in names:
            layer[name] = field_widget(cols[COLUMN[name]], f"{KEY}_l{uid}_{name}", name, layer)
        buttons = (  # icon, key, help, disabled, on_click, args
            ("arrow_upward", "up", "up", index == 0, move, (index, -1)),
            ("arrow_downward", "down", "down", index == count - 1, move, (index, 1)),
            ("delete", "del", "delete", count == 1, remove, (index,)),
        )
        for col, (icon, key, help_, disabled, on_click, args) in zip(
            cols[6:], buttons, strict=True
        ):
            col.button(
                "", icon=f":material/{icon}:", key=f"{KEY}_{key}{uid}",
                help=t(f"train.layer.{help_}"), disabled=disabled, on_click=on_click, args=args,
            )  # fmt: skip


def field_widget(col: Any, key: str, name: str, layer: dict[str, Any]) -> Any:
    """Show the widget of one setting of a layer (its value seeded from the layer); return it."""
    state = st.session_state
    if key not in state:
        state[key] = layer.get(name, new_layer(layer["type"]).get(name, 1))
        if name == "activation" and state[key] is None:
            state[key] = "linear"
    label = t(f"train.field.{name}")
    if name in NUMBER_FIELDS:
        low, high, step = NUMBER_FIELDS[name]
        return col.number_input(label, min_value=low, max_value=high, step=step, key=key)
    if name == "padding":
        return col.selectbox(label, ("valid", "same"), key=key)
    options = BUILDER_ACTIVATIONS
    if state[key] not in options:
        options = (*options, state[key])
    return col.selectbox(label, options, key=key)


def check_stack(
    stack: list[tuple[int, dict[str, Any]]], input_shape: tuple[int, ...], classes: int, lang: str
) -> tuple[Summary | None, InputError | None]:
    """Show the stack's summary table, or why it cannot train (with a fix when there is one).

    Returns
    -------
    summary : Summary or None
        None when the shapes collapse.
    problem : InputError or None
        Why the stack cannot train here; None when it can.
    """
    spec = [dict(layer) for _, layer in stack]
    problem: InputError | None = None
    summary = None
    try:
        summary = summarize(spec, input_shape)
        check_model(spec, input_shape, classes)
    except InputError as err:
        problem = err
    if summary is not None:
        summary_table(summary, lang)
    if problem is not None:
        st.error(t("train.refused", reason=problem.message()))
        if problem.key == "train.error.output" and stack and stack[-1][1]["type"] == "Dense":
            st.button(
                t("train.fix_output", classes=classes),
                key=f"{KEY}_fix",
                on_click=fit_output,
                args=(stack[-1][0], classes),
            )
    return summary, problem


def summary_table(summary: Summary, lang: str) -> None:
    """Show each layer's name, type, output shape and weights, then the totals."""
    st.markdown(f"**{t('train.summary.title')}**")
    layers = summary.layers
    st.dataframe(
        pd.DataFrame(
            {
                t("train.summary.layer"): [s.name for s in layers],
                t("train.summary.type"): [s.type for s in layers],
                t("train.summary.shape"): [format_shape(s.output_shape) for s in layers],
                t("train.summary.params"): [format_count(s.params, lang) for s in layers],
            }
        ),
        hide_index=True,
        key=f"{KEY}_summary",
    )
    st.caption(
        t(
            "train.summary.total",
            params=format_count(summary.params, lang),
            trainable=format_count(summary.trainable_params, lang),
            macs=format_count(summary.macs, lang),
            limit=format_count(LIMITS.max_params, lang),
        )
    )
