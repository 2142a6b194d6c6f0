"""The builder view: edit a stack (as a table, in the course's shorthand or from a classic).

The table lives in the session state (:data:`ROWS`); loading new rows bumps
:data:`ROWS_VERSION`, which is part of the editor's key, so the old editor's
edits are dropped instead of applied to the new rows.
"""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app_pages.architectures.shared import (
    KEY,
    MAX_SIDE,
    network_figures,
    stack_summary,
    summary_table,
    totals,
)
from cnnviz.content.gallery import ARCHITECTURES, course_mnist
from cnnviz.core.builder_rows import TABLE_COLUMNS, TABLE_TYPES, rows_to_spec, spec_to_rows
from cnnviz.core.shorthand import parse_shorthand, to_shorthand
from cnnviz.core.spec import ACTIVATIONS
from cnnviz.i18n import InputError, get_language, t
from cnnviz.ui.url_state import url_choice, url_number

COURSE_SHORTHAND = "(CR)2P(CR)2P(CR)2PF"
# The textbook's MNIST model (three 3x3 convolutions, 2x2 max pools, a 10-way softmax):
# its Keras summary in the course reads 93,962 parameters.
MNIST_MODEL = "mnist"
MNIST_INPUT = (28, 28, 1)
STARTS = (MNIST_MODEL, "lenet5", "alexnet", "vgg16", "vgg19")  # chains only: one row per layer
ROWS = f"{KEY}_rows"
ROWS_VERSION = f"{KEY}_rows_version"
SHORTHAND_ERROR = f"{KEY}_sh_error"


def load_rows(rows: list[dict]) -> None:
    """Put new rows in the table (a new editor key drops the old editor's edits).

    A shorthand refused earlier no longer describes the table: its message goes.
    """
    st.session_state[ROWS] = rows
    st.session_state[ROWS_VERSION] = st.session_state.get(ROWS_VERSION, 0) + 1
    st.session_state.pop(SHORTHAND_ERROR, None)


def shorthand_rows() -> list[dict]:
    """Read the shorthand and its options from their widgets into rows of the table."""
    spec = parse_shorthand(
        st.session_state[f"{KEY}_sh"],
        filters=int(st.session_state[f"{KEY}_sh_filters"]),
        kernel_size=int(st.session_state[f"{KEY}_sh_kernel"]),
        padding=st.session_state[f"{KEY}_sh_padding"],
        units=int(st.session_state[f"{KEY}_sh_units"]),
    )
    return spec_to_rows(spec)


def on_shorthand() -> None:
    """Build the table from the shorthand (its text changed or its button was pressed).

    A refused shorthand (unreadable, or past a bound of :mod:`cnnviz.core.shorthand`:
    it is counted before it is expanded) leaves the table as it was, with its message.
    """
    try:
        load_rows(shorthand_rows())
    except InputError as err:
        st.session_state[SHORTHAND_ERROR] = err


def on_start() -> None:
    """Load the chosen starting model into the table, and its input shape."""
    name = st.session_state[f"{KEY}_start"]
    if name == MNIST_MODEL:
        spec, shape = course_mnist(), MNIST_INPUT
    else:
        spec, shape = ARCHITECTURES[name].spec(), ARCHITECTURES[name].input_shape
    load_rows(spec_to_rows(spec))
    for axis, n in zip(("h", "w", "c"), shape, strict=True):
        st.session_state[f"{KEY}_in_{axis}"] = n


def start_labels():
    """Name the starting models in today's language (fixed now: see ``i18n.labels``)."""
    lang = get_language()
    return lambda name: t(
        "arch.build.mnist" if name == MNIST_MODEL else f"arch.{name}.title", lang=lang
    )


def first_rows() -> None:
    """Fill the table once per session: a shared shorthand, or the course's model.

    A link's shorthand is refused as a typed one is: the course's model stays, the
    message says why (a twenty-character link may stand for millions of layers).
    """
    if ROWS in st.session_state:
        return
    st.session_state[ROWS_VERSION] = 0
    st.session_state[ROWS] = spec_to_rows(course_mnist())
    linked = st.query_params.get(f"{KEY}_sh")
    if linked and linked != COURSE_SHORTHAND:
        try:
            st.session_state[ROWS] = spec_to_rows(parse_shorthand(linked))
        except InputError as err:
            st.session_state[SHORTHAND_ERROR] = err


def shorthand_inputs() -> None:
    """Show the shorthand, its options and its button; explain a shorthand that cannot be read."""
    st.text_input(
        t("arch.build.shorthand"),
        COURSE_SHORTHAND,
        key=f"{KEY}_sh",
        on_change=on_shorthand,
        help=t("arch.build.shorthand_help"),
        bind="query-params",
    )
    opts = st.columns(4)
    opts[0].number_input(t("arch.build.sh_filters"), 1, 1024, 32, key=f"{KEY}_sh_filters")
    opts[1].number_input(t("arch.build.sh_kernel"), 1, 15, 3, key=f"{KEY}_sh_kernel")
    with opts[2]:
        url_choice(
            st.selectbox,
            t("settings.padding"),
            ["same", "valid"],
            key=f"{KEY}_sh_padding",
            format_func=str,
        )
    opts[3].number_input(t("arch.build.sh_units"), 1, 4096, 10, key=f"{KEY}_sh_units")
    st.button(t("arch.build.from_shorthand"), key=f"{KEY}_sh_build", on_click=on_shorthand)
    if SHORTHAND_ERROR in st.session_state:
        st.error(str(st.session_state[SHORTHAND_ERROR]))


def input_shape() -> tuple[int, int, int]:
    """Read the stack's input shape (rows, columns, channels)."""
    shape = []
    for col, axis, start in zip(st.columns(3), ("h", "w", "c"), MNIST_INPUT, strict=True):
        key = f"{KEY}_in_{axis}"
        # "Load" sets these through the session state; url_number then keeps that value.
        label = t(f"arch.build.in_{axis}")
        shape.append(int(url_number(col.number_input, label, 1, MAX_SIDE, start, key=key)))
    return tuple(shape)


def table_frame(rows: list[dict]) -> pd.DataFrame:
    """Rows as a frame with whole-number columns that may be blank."""
    frame = pd.DataFrame(rows, columns=list(TABLE_COLUMNS))
    return frame.astype(
        {
            "name": "string",
            "type": "string",
            "size": "Int64",
            "kernel": "Int64",
            "strides": "Int64",
            "padding": "string",
            "activation": "string",
        }
    )


def edit_table() -> list[dict]:
    """Show the stack's table in an editor; return its rows as the student left them."""
    number = st.column_config.NumberColumn
    choice = st.column_config.SelectboxColumn
    edited = st.data_editor(
        table_frame(st.session_state[ROWS]),
        key=f"{KEY}_table_{st.session_state[ROWS_VERSION]}",
        num_rows="dynamic",
        hide_index=True,
        placeholder="",
        column_config={
            "name": st.column_config.TextColumn(t("arch.col.name"), help=t("arch.build.name_help")),
            "type": choice(t("arch.col.type"), options=list(TABLE_TYPES), required=True),
            "size": number(
                t("arch.build.col.size"), min_value=1, step=1, help=t("arch.build.size_help")
            ),
            "kernel": number(
                t("arch.build.col.kernel"), min_value=1, step=1, help=t("arch.build.kernel_help")
            ),
            "strides": number(t("arch.build.col.strides"), min_value=1, step=1, width="small"),
            "padding": choice(t("arch.build.col.padding"), options=["valid", "same"]),
            "activation": choice(t("arch.build.col.activation"), options=list(ACTIVATIONS)),
        },
    )
    return edited.to_dict("records")


def show() -> None:
    """Edit a stack (table, shorthand or a classic), see its summary and its shorthand."""
    st.markdown(t("arch.build.intro"))
    first_rows()
    shorthand_col, start_col = st.columns([3, 2], gap="large")
    with shorthand_col:
        shorthand_inputs()
    with start_col:
        st.selectbox(t("arch.build.start"), STARTS, format_func=start_labels(), key=f"{KEY}_start")
        st.button(t("arch.build.load"), key=f"{KEY}_start_load", on_click=on_start)
        st.caption(t("arch.build.start_help"))
    shape = input_shape()
    spec = rows_to_spec(edit_table())
    if not spec:
        st.info(t("arch.build.empty"))
        return
    try:
        spec_json = json.dumps(spec)
        summary = stack_summary(spec_json, shape)
    except InputError as err:
        st.error(str(err))
        return
    try:
        written = to_shorthand(spec)
    except InputError as err:
        st.markdown(t("arch.build.no_shorthand", reason=str(err)))
    else:
        st.markdown(t("arch.build.as_shorthand", shorthand=written))
    totals(summary)
    summary_table(summary)
    network_figures(spec_json, shape, f"{KEY}_build")
