"""The gallery view: a classic architecture with its totals, diagram, charts and summary."""

from __future__ import annotations

import streamlit as st

from app_pages.architectures.shared import (
    KEY,
    architecture_json,
    network_figures,
    summary_of,
    summary_table,
    totals,
)
from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.i18n import labels, t
from cnnviz.ui.url_state import url_choice


def show() -> None:
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
