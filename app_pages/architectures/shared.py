"""What several views of the architectures page show: a summary's totals, its table, its charts."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import Summary, summarize
from cnnviz.figures import architecture as figs
from cnnviz.i18n import format_compact, format_count, format_number, format_shape, get_language, t
from cnnviz.ui import kit

KEY = "arch"
"""Prefix of the page's widget keys (and so of its query parameters)."""
MAX_SIDE = 4096
"""The largest input side (and channel count) the number inputs accept."""


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


# --- a summary, shown ---------------------------------------------------------------------------


def summary_table(summary: Summary) -> None:
    """Every layer of a summary: name, type, shape, parameters, MACs, receptive field, memory."""
    lang = get_language()
    frame = pd.DataFrame(
        [
            {
                "name": layer.name,
                "type": layer.type,
                "shape": format_shape(layer.output_shape),
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
    column = st.column_config.TextColumn
    st.dataframe(
        frame,
        hide_index=True,
        key=f"{KEY}_summary_table",
        column_config={
            "name": column(t("arch.col.name")),
            "type": column(t("arch.col.type")),
            "shape": column(t("arch.col.shape"), **right),
            "params": column(t("arch.col.params"), **right),
            **{
                name: column(t(f"arch.col.{name}"), help=t(f"arch.col.{name}_help"), **right)
                for name in ("macs", "rf", "jump", "memory")
            },
        },
    )


def totals(summary: Summary) -> None:
    """Input and output shapes; parameters, MACs and activations as metrics; exact numbers below."""
    lang = get_language()
    st.markdown(
        t(
            "arch.total.shapes",
            input=format_shape(summary.input_shape),
            output=format_shape(summary.output_shape),
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
    if charts["wide"]:
        diagram_col = st.container()
        shares_col, rf_col = st.columns(2, gap="large")
    else:
        diagram_col, side = st.columns([11, 9], gap="large")
        shares_col = rf_col = side
    with diagram_col:
        st.markdown(f"**{t('arch.diagram')}**")
        st.caption(t("arch.diagram_help"))
        kit.chart(charts["diagram"], key=f"{key}_diagram")
    with shares_col:
        st.markdown(f"**{t('arch.shares')}**")
        kit.chart(charts["shares"], key=f"{key}_shares")
        st.caption(charts["sentence"])
    with rf_col:
        st.markdown(f"**{t('arch.rf')}**")
        st.caption(t("arch.rf_help"))
        kit.chart(charts["receptive_field"], key=f"{key}_rf")
    st.markdown(f"**{t('arch.per_block')}**")
    kit.chart(charts["per_block"], key=f"{key}_per_block")
