"""Shapes and architectures: one layer worked out, a stack's summary, the classics, a quiz.

Never imports TensorFlow: every number comes from :mod:`cnnviz.core.architectures`,
which follows Keras without building the model.
"""

import json
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import figures
from cnnviz.content import quiz
from cnnviz.core.architectures import (
    ACTIVATIONS,
    ARCHITECTURES,
    CALCULATOR_TYPES,
    TABLE_COLUMNS,
    TABLE_TYPES,
    Summary,
    layer_math,
    parse_shorthand,
    rows_to_spec,
    spec_to_rows,
    summarize,
    to_shorthand,
)
from cnnviz.core.shapes import PADDING_PRESETS
from cnnviz.figures import architecture as figs
from cnnviz.i18n import (
    InputError,
    format_compact,
    format_count,
    format_number,
    get_language,
    labels,
    t,
)
from cnnviz.ui.url_state import url_choice

KEY = "arch"
VIEWS = ("calculator", "builder", "gallery", "quiz")
CELLS = "cells"
MAX_SIDE = 4096
MAX_KERNEL = 64
COURSE_SHORTHAND = "(CR)2P(CR)2P(CR)2PF"
# The textbook's MNIST model (three 3x3 convolutions, 2x2 max pools, a 10-way softmax):
# its Keras summary in the course reads 93,962 parameters.
MNIST_MODEL = "mnist"
MNIST_ROWS = [
    {
        "type": "Conv2D",
        "size": 32,
        "kernel": 3,
        "strides": 1,
        "padding": "valid",
        "activation": "relu",
    },
    {"type": "MaxPooling2D", "kernel": 2},
    {
        "type": "Conv2D",
        "size": 64,
        "kernel": 3,
        "strides": 1,
        "padding": "valid",
        "activation": "relu",
    },
    {"type": "MaxPooling2D", "kernel": 2},
    {
        "type": "Conv2D",
        "size": 128,
        "kernel": 3,
        "strides": 1,
        "padding": "valid",
        "activation": "relu",
    },
    {"type": "MaxPooling2D", "kernel": 2},
    {"type": "Flatten"},
    {"type": "Dense", "size": 10, "activation": "softmax"},
]
STARTS = (MNIST_MODEL, "lenet5", "alexnet", "vgg16", "vgg19")  # chains only: one row per layer
ROWS = f"{KEY}_rows"
ROWS_VERSION = f"{KEY}_rows_version"
SHORTHAND_ERROR = f"{KEY}_sh_error"
QUIZ_KINDS = ("mixed", *quiz.QUESTION_KINDS)
QUIZ_SEED = "quiz_seed"
QUIZ_RESULTS = "quiz_results"
QUIZ_GIVEN = "quiz_given"


# --- cached core calls (keyed by plain values) --------------------------------------------------


@st.cache_data(max_entries=16, show_spinner=False)
def summary_of(name: str) -> Summary:
    """Summarise a classic architecture once per server."""
    architecture = ARCHITECTURES[name]
    return summarize(architecture.spec(), architecture.input_shape)


@st.cache_data(max_entries=64, show_spinner=False)
def stack_summary(spec_json: str, input_shape: tuple[int, ...]) -> Summary:
    """Summarise a stack from the builder (its spec as JSON: a plain, hashable key)."""
    return summarize(json.loads(spec_json), input_shape)


@st.cache_resource(max_entries=32, show_spinner=False)
def blocks_of(spec_json: str, input_shape: tuple[int, ...], grouped: bool, lang: str):
    """Cut a network into its diagram's boxes."""
    spec = json.loads(spec_json)
    return figs.network_blocks(spec, summarize(spec, input_shape), grouped=grouped, lang=lang)


# Figures are resources, not data: unpickling a Plotly figure re-validates it, which takes
# longer than building it. Nobody mutates them; st.plotly_chart only reads them.
@st.cache_resource(max_entries=32, show_spinner=False)
def figures_of(spec_json: str, input_shape: tuple[int, ...], grouped: bool, lang: str):
    """Build the diagram, cost shares, cost per block and receptive field of a network."""
    spec = json.loads(spec_json)
    summary = summarize(spec, input_shape)
    blocks = blocks_of(spec_json, input_shape, grouped, lang)
    return {
        "wide": figs.widest_row(blocks) > 1,
        "sentence": figs.share_sentence(summary, lang=lang),
        "diagram": figs.diagram(blocks, lang=lang),
        "shares": figs.cost_shares(summary, lang=lang),
        "per_block": figs.cost_per_block(blocks, lang=lang),
        "receptive_field": figs.receptive_field_chart(blocks, input_shape, lang=lang),
    }


@st.cache_data(max_entries=16, show_spinner=False)
def architecture_json(name: str) -> str:
    """Write a classic architecture's spec as JSON, the key of its cached figures."""
    return json.dumps(ARCHITECTURES[name].spec())


# --- shared pieces ---------------------------------------------------------------------------


def shape_text(shape) -> str:
    """``16 × 16 × 10``."""
    return " × ".join(map(str, shape))


def summary_table(summary: Summary) -> None:
    """Every layer of a summary: name, type, shape, parameters, MACs, receptive field, memory."""
    lang = get_language()
    frame = pd.DataFrame(
        [
            {
                "name": layer.name,
                "type": layer.type,
                "shape": shape_text(layer.output_shape),
                "params": format_count(layer.params, lang),
                "macs": format_count(layer.macs, lang),
                "rf": str(layer.receptive_field[0]),
                "jump": format_number(layer.receptive_field[1], digits=3),
                "memory": format_count(layer.activation_memory, lang),
            }
            for layer in summary.layers
        ]
    )
    right = {"alignment": "right"}
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{KEY}_summary_table",
        column_config={
            "name": st.column_config.TextColumn(t("arch.col.name")),
            "type": st.column_config.TextColumn(t("arch.col.type")),
            "shape": st.column_config.TextColumn(t("arch.col.shape"), **right),
            "params": st.column_config.TextColumn(t("arch.col.params"), **right),
            "macs": st.column_config.TextColumn(
                t("arch.col.macs"), help=t("arch.col.macs_help"), **right
            ),
            "rf": st.column_config.TextColumn(
                t("arch.col.rf"), help=t("arch.col.rf_help"), **right
            ),
            "jump": st.column_config.TextColumn(
                t("arch.col.jump"), help=t("arch.col.jump_help"), **right
            ),
            "memory": st.column_config.TextColumn(
                t("arch.col.memory"), help=t("arch.col.memory_help"), **right
            ),
        },
    )


def totals(summary: Summary) -> None:
    """Input and output shapes; parameters, MACs and activations as metrics; exact numbers below."""
    lang = get_language()
    st.markdown(
        t(
            "arch.total.shapes",
            input=shape_text(summary.input_shape),
            output=shape_text(summary.output_shape),
        )
    )
    cols = st.columns(3)
    cols[0].metric(
        t("arch.total.params"),
        format_count(summary.params, lang)
        if summary.params < 10_000_000
        else format_compact(summary.params, lang),
    )
    cols[1].metric(
        t("arch.total.macs"), format_compact(summary.macs, lang), help=t("arch.col.macs_help")
    )
    cols[2].metric(
        t("arch.total.memory"),
        format_compact(summary.activation_memory, lang),
        help=t("arch.col.memory_help"),
    )
    st.caption(
        t(
            "arch.total.exact",
            params=format_count(summary.params, lang),
            trainable=format_count(summary.trainable_params, lang),
            frozen=format_count(summary.non_trainable_params, lang),
            macs=format_count(summary.macs, lang),
            memory=format_count(summary.activation_memory, lang),
            mb=format_number(summary.activation_memory * 4 / 2**20, digits=1),
        )
    )


def network_figures(spec_json: str, input_shape: tuple[int, ...], key: str) -> None:
    """Show the diagram beside the cost shares and the receptive field; the cost per block below.

    A network with parallel branches (an inception block) gets the whole width
    for its diagram, so that the branches' labels fit side by side.
    """
    grouped = st.toggle(
        t("arch.grouped"),
        value=True,
        key=f"{key}_grouped",
        bind="query-params",
        help=t("arch.grouped_help"),
    )
    charts = figures_of(spec_json, tuple(input_shape), grouped, get_language())
    config = {"displayModeBar": False}
    if charts["wide"]:
        diagram_col = st.container()
        shares_col, rf_col = st.columns(2, gap="large")
    else:
        diagram_col, side = st.columns([11, 9], gap="large")
        shares_col = rf_col = side
    with diagram_col:
        st.markdown(f"**{t('arch.diagram')}**")
        st.caption(t("arch.diagram_help"))
        st.plotly_chart(charts["diagram"], key=f"{key}_diagram", config=config)
    with shares_col:
        st.markdown(f"**{t('arch.shares')}**")
        st.plotly_chart(charts["shares"], key=f"{key}_shares", config=config)
        st.caption(charts["sentence"])
    with rf_col:
        st.markdown(f"**{t('arch.rf')}**")
        st.caption(t("arch.rf_help"))
        st.plotly_chart(charts["receptive_field"], key=f"{key}_rf", config=config)
    st.markdown(f"**{t('arch.per_block')}**")
    st.plotly_chart(charts["per_block"], key=f"{key}_per_block", config=config)


# --- one layer -------------------------------------------------------------------------------

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


def bullets(lines: list[str]) -> None:
    """Write lines as a bulleted list."""
    st.markdown("\n".join(f"- {line}" for line in lines))


def calculator() -> None:
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
    cols = st.columns(4)
    h = cols[0].number_input(
        t("arch.calc.rows"), 1, MAX_SIDE, 16, key=f"{KEY}_calc_h", bind="query-params"
    )
    w = cols[1].number_input(
        t("arch.calc.cols"), 1, MAX_SIDE, 16, key=f"{KEY}_calc_w", bind="query-params"
    )
    c = cols[2].number_input(
        t("arch.calc.channels"), 1, MAX_SIDE, 3, key=f"{KEY}_calc_c", bind="query-params"
    )
    filters = cols[3].number_input(
        t("arch.calc.filters"),
        1,
        MAX_SIDE,
        10,
        key=f"{KEY}_calc_filters",
        bind="query-params",
        disabled=pooling,
        help=t("arch.calc.filters_help"),
    )
    cols = st.columns(4)
    # 0 is allowed on purpose: the core explains why a stride or a kernel of 0 cannot work.
    k = cols[0].number_input(
        t("arch.calc.pool" if pooling else "arch.calc.kernel"),
        0,
        MAX_KERNEL,
        5,
        key=f"{KEY}_calc_k",
        bind="query-params",
    )
    s = cols[1].number_input(
        t("arch.calc.strides"),
        0,
        MAX_KERNEL,
        1,
        key=f"{KEY}_calc_s",
        bind="query-params",
        help=t("arch.calc.strides_help"),
    )
    with cols[2]:
        preset = url_choice(
            st.selectbox,
            t("settings.padding"),
            [*PADDING_PRESETS, CELLS],
            key=f"{KEY}_calc_pad",
            format_func=labels("settings.padding.{}"),
            default=CELLS,
            help=t("arch.calc.padding_help"),
        )
        padding = preset
        if preset == CELLS:
            padding = int(
                st.number_input(
                    t("settings.pad_cells"),
                    0,
                    MAX_KERNEL,
                    2,
                    key=f"{KEY}_calc_pad_cells",
                    bind="query-params",
                )
            )
    d = cols[3].number_input(
        t("arch.calc.dilation"),
        0,
        16,
        1,
        key=f"{KEY}_calc_d",
        bind="query-params",
        disabled=pooling,
    )
    use_bias = st.toggle(
        t("arch.calc.use_bias"),
        value=True,
        key=f"{KEY}_calc_bias",
        bind="query-params",
        disabled=pooling,
    )
    try:
        result = layer_math(
            kind,
            (int(h), int(w), int(c)),
            filters=int(filters),
            kernel_size=int(k),
            strides=int(s),
            padding=padding,
            dilation_rate=int(d),
            use_bias=use_bias,
        )
    except InputError as err:
        st.error(str(err))
        return
    lang = get_language()
    cols = st.columns(4)
    cols[0].metric(t("arch.calc.input"), shape_text(result.input_shape))
    cols[1].metric(t("arch.calc.output"), shape_text(result.output_shape))
    cols[2].metric(t("arch.calc.params"), format_count(result.params, lang))
    cols[3].metric(
        t("arch.calc.macs"), format_count(result.macs, lang), help=t("arch.col.macs_help")
    )
    st.subheader(t("arch.calc.how_shape"))
    st.latex(LENGTH_FORMULAS[kind])
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
    bullets(lines)
    st.subheader(t("arch.calc.how_params"))
    if pooling:
        bullets([t("arch.calc.line.pool_params")])
        return
    st.latex(PARAMS_FORMULA)
    bullets(
        [
            t("arch.calc.line.weights", formula=result.weights_formula),
            t(
                "arch.calc.line.params" if use_bias else "arch.calc.line.params_no_bias",
                formula=result.params_formula,
            ),
        ]
    )
    if result.input_shape[2] > 1:
        st.info(
            t(
                "arch.calc.slip",
                k=int(k),
                c=result.input_shape[2],
                right=int(k) ** 2 * result.input_shape[2],
                wrong=int(k) ** 2,
            ),
            icon=":material/lightbulb:",
        )
    st.subheader(t("arch.calc.how_macs"))
    st.latex(MACS_FORMULAS[kind])
    key = "arch.calc.line.macs_transpose" if kind == "Conv2DTranspose" else "arch.calc.line.macs"
    bullets([t(key, formula=result.macs_formula)])


# --- the stack builder ---------------------------------------------------------------------


def load_rows(rows: list[dict]) -> None:
    """Put new rows in the table (a new editor key drops the old editor's edits)."""
    st.session_state[ROWS] = rows
    st.session_state[ROWS_VERSION] = st.session_state.get(ROWS_VERSION, 0) + 1


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
    """Build the table from the shorthand (its text changed or its button was pressed)."""
    try:
        load_rows(shorthand_rows())
        st.session_state.pop(SHORTHAND_ERROR, None)
    except InputError as err:
        st.session_state[SHORTHAND_ERROR] = err


def on_start() -> None:
    """Load the chosen starting model into the table."""
    name = st.session_state[f"{KEY}_start"]
    load_rows(MNIST_ROWS if name == MNIST_MODEL else spec_to_rows(ARCHITECTURES[name].spec()))
    shape = (28, 28, 1) if name == MNIST_MODEL else ARCHITECTURES[name].input_shape
    for axis, n in zip(("h", "w", "c"), shape, strict=True):
        st.session_state[f"{KEY}_in_{axis}"] = n


def start_labels():
    """Name the starting models in today's language (fixed now: see ``i18n.labels``)."""
    lang = get_language()
    return lambda name: t(
        "arch.build.mnist" if name == MNIST_MODEL else f"arch.{name}.title", lang=lang
    )


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


def builder() -> None:
    """Edit a stack (table, shorthand or a classic), see its summary and its shorthand."""
    st.markdown(t("arch.build.intro"))
    if ROWS not in st.session_state:  # once per session: a shared shorthand, or the course's model
        st.session_state[ROWS_VERSION] = 0
        st.session_state[ROWS] = MNIST_ROWS
        linked = st.query_params.get(f"{KEY}_sh")
        if linked and linked != COURSE_SHORTHAND:
            try:
                st.session_state[ROWS] = spec_to_rows(parse_shorthand(linked))
            except InputError as err:
                st.session_state[SHORTHAND_ERROR] = err
    shorthand_col, start_col = st.columns([3, 2], gap="large")
    with shorthand_col:
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
    with start_col:
        st.selectbox(t("arch.build.start"), STARTS, format_func=start_labels(), key=f"{KEY}_start")
        st.button(t("arch.build.load"), key=f"{KEY}_start_load", on_click=on_start)
        st.caption(t("arch.build.start_help"))
    cols = st.columns(3)
    defaults = {"h": 28, "w": 28, "c": 1}
    shape = []
    for col, axis in zip(cols, ("h", "w", "c"), strict=True):
        key = f"{KEY}_in_{axis}"
        # "Load" sets these through the session state: then no default value may be passed.
        default = {} if key in st.session_state else {"value": defaults[axis]}
        shape.append(
            int(
                col.number_input(
                    t(f"arch.build.in_{axis}"),
                    1,
                    MAX_SIDE,
                    key=key,
                    bind="query-params",
                    **default,
                )
            )
        )
    shape = tuple(shape)
    edited = st.data_editor(
        table_frame(st.session_state[ROWS]),
        key=f"{KEY}_table_{st.session_state[ROWS_VERSION]}",
        num_rows="dynamic",
        hide_index=True,
        placeholder="",
        column_config={
            "name": st.column_config.TextColumn(t("arch.col.name"), help=t("arch.build.name_help")),
            "type": st.column_config.SelectboxColumn(
                t("arch.col.type"), options=list(TABLE_TYPES), required=True
            ),
            "size": st.column_config.NumberColumn(
                t("arch.build.col.size"), min_value=1, step=1, help=t("arch.build.size_help")
            ),
            "kernel": st.column_config.NumberColumn(
                t("arch.build.col.kernel"), min_value=1, step=1, help=t("arch.build.kernel_help")
            ),
            "strides": st.column_config.NumberColumn(
                t("arch.build.col.strides"), min_value=1, step=1, width="small"
            ),
            "padding": st.column_config.SelectboxColumn(
                t("arch.build.col.padding"), options=["valid", "same"]
            ),
            "activation": st.column_config.SelectboxColumn(
                t("arch.build.col.activation"), options=list(ACTIVATIONS)
            ),
        },
    )
    spec = rows_to_spec(edited.to_dict("records"))
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


# --- the gallery -----------------------------------------------------------------------------


def gallery() -> None:
    """Show a classic architecture: variant and source, totals, diagram, charts, summary."""
    name = url_choice(
        st.selectbox,
        t("arch.gallery.pick"),
        list(ARCHITECTURES),
        key=f"{KEY}_model",
        format_func=labels("arch.{}.title"),
    )
    architecture = ARCHITECTURES[name]
    st.subheader(t(architecture.title_key))
    st.info(t(architecture.note_key), icon=":material/menu_book:")
    summary = summary_of(name)
    totals(summary)
    network_figures(architecture_json(name), architecture.input_shape, f"{KEY}_gallery")
    with st.expander(t("arch.gallery.table", count=len(summary.layers))):
        summary_table(summary)


# --- the quiz --------------------------------------------------------------------------------


def quiz_seed() -> int:
    """Return the quiz's seed: the link's, else a new one; always written back to the URL."""
    if QUIZ_SEED not in st.session_state:
        linked = quiz.read_seed(st.query_params.get(QUIZ_SEED))
        st.session_state[QUIZ_SEED] = quiz.new_seed() if linked is None else linked
    seed = st.session_state[QUIZ_SEED]
    st.query_params[QUIZ_SEED] = str(seed)
    return seed


def on_next() -> None:
    """Go to the next question."""
    st.session_state["quiz_q"] = int(st.session_state.get("quiz_q", 1)) + 1


def on_new_quiz() -> None:
    """Start a new quiz: a new seed, question 1, a fresh score."""
    st.session_state[QUIZ_SEED] = quiz.new_seed()
    st.session_state["quiz_q"] = 1
    st.session_state[QUIZ_RESULTS] = {}
    st.session_state[QUIZ_GIVEN] = {}


def on_answer(qid: str, question: quiz.Question) -> None:
    """Read the answer; the first readable answer to a question counts for the score."""
    text = st.session_state.get(f"quiz_answer_{qid}", "")
    st.session_state[QUIZ_GIVEN][qid] = text
    try:
        feedback = quiz.check_answer(question, text)
    except InputError:
        return  # shown as a warning below, not counted
    st.session_state[QUIZ_RESULTS].setdefault(qid, feedback.correct)


def quiz_view() -> None:
    """Predict, then check: a question, an answer, the worked formula, a score."""
    st.markdown(t("quiz.intro"))
    seed = quiz_seed()
    st.session_state.setdefault(QUIZ_RESULTS, {})
    st.session_state.setdefault(QUIZ_GIVEN, {})
    results = st.session_state[QUIZ_RESULTS]
    kind = url_choice(
        st.segmented_control,
        t("quiz.kind"),
        QUIZ_KINDS,
        key="quiz_kind",
        format_func=labels("quiz.kind.{}"),
    )
    top = st.columns([2, 2, 3], vertical_alignment="bottom")
    number = int(
        # No default value: "next question" sets it through the session state (1 is the minimum).
        top[0].number_input(t("quiz.number_input"), 1, 999, key="quiz_q", bind="query-params")
    )
    correct = sum(results.values())
    top[1].metric(t("quiz.score"), f"{correct} / {len(results)}", help=t("quiz.score_help"))
    question = quiz.make_question(seed, number - 1, None if kind == "mixed" else kind)
    qid = f"{seed}-{number}-{kind}"
    st.subheader(t("quiz.question", number=number))
    st.markdown(question.text())
    if question.kind == "cell":
        left, right, _ = st.columns([3, 2, 2])
        lang = get_language()
        with left:
            st.plotly_chart(
                quiz_matrix(question.image, t("quiz.input"), lang),
                key="quiz_image",
                config={"displayModeBar": False},
            )
        with right:
            st.plotly_chart(
                quiz_matrix(question.kernel, t("quiz.kernel"), lang),
                key="quiz_kernel",
                config={"displayModeBar": False},
            )
    form_col, _ = st.columns([2, 3])
    with form_col, st.form("quiz_form", border=False):
        st.text_input(
            t(f"quiz.answer.{question.kind}"),
            key=f"quiz_answer_{qid}",
            placeholder=t(f"quiz.placeholder.{question.kind}"),
        )
        st.form_submit_button(
            t("quiz.check"),
            key="quiz_check",
            type="primary",
            on_click=on_answer,
            args=(qid, question),
        )
    given = st.session_state[QUIZ_GIVEN].get(qid)
    if given is not None:
        try:
            feedback = quiz.check_answer(question, given)
        except InputError as err:
            st.warning(str(err))
        else:
            if feedback.correct:
                st.success(t("quiz.right", expected=feedback.expected), icon=":material/check:")
            else:
                st.error(
                    t("quiz.wrong", answer=feedback.answer, expected=feedback.expected),
                    icon=":material/close:",
                )
                if feedback.hint:
                    st.info(feedback.hint, icon=":material/lightbulb:")
            st.markdown(f"**{t('quiz.worked')}**")
            st.code("\n".join(feedback.formula), language=None, wrap_lines=True)
    with st.container(horizontal=True):  # each button as wide as its label, side by side
        st.button(
            t("quiz.next"), key="quiz_next", on_click=on_next, icon=":material/arrow_forward:"
        )
        st.button(t("quiz.new"), key="quiz_new", on_click=on_new_quiz, icon=":material/refresh:")
    share = {
        k: st.query_params[k] for k in ("lang", QUIZ_SEED, "quiz_kind") if k in st.query_params
    }
    base = (st.context.url or "").split("?")[0]
    st.markdown(f"**{t('quiz.share')}**")
    st.code(f"{base}?{urlencode(share)}", language=None)
    st.caption(t("quiz.share_help", seed=seed))


@st.cache_resource(max_entries=64, show_spinner=False)
def quiz_matrix(matrix: tuple[tuple[int, ...], ...], title: str, lang: str):
    """Draw a small integer matrix with its numbers, rows and columns from 0."""
    array = np.array(matrix, dtype=np.float64)
    return figures.heatmap(
        array,
        title=title,
        clickable=False,
        colorbar=False,
        show_values=True,
        digits=0,
        height=60 * array.shape[0] + 90,
        lang=lang,
    )


# --- the page --------------------------------------------------------------------------------

st.title(t("arch.title"))
default_view = "quiz" if QUIZ_SEED in st.query_params else "calculator"
view = url_choice(
    st.segmented_control,
    t("arch.view"),
    VIEWS,
    key=f"{KEY}_view",
    format_func=labels("arch.view.{}"),
    default=default_view,
    label_visibility="collapsed",
)
{"calculator": calculator, "builder": builder, "gallery": gallery, "quiz": quiz_view}[view]()
