"""Sparse interactions and parameter sharing: each convolution against a dense layer."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from cnnviz.core.equivariance import LayerCost
from cnnviz.i18n import format_count, format_number, format_shape, t
from cnnviz.ui import pages
from cnnviz.ui.kit import bullets
from cnnviz.ui.network import Network

MATRIX_PAGE = "conv-matrix"
"""The "Convolution as a matrix" page's address, linked when the app has it."""


@st.cache_resource(show_spinner=False, max_entries=8)
def _costs(_model: Any, model_id: str) -> dict[str, LayerCost]:
    from cnnviz.nets.equivariance import conv_costs

    return conv_costs(_model)


def cost_table(costs: dict[str, LayerCost], lang: str) -> pd.DataFrame:
    """One row per layer and measure: the convolution's count, the dense layer's, the ratio."""
    rows = []
    for name, cost in costs.items():
        counts = (
            ("connections", cost.connections, cost.dense_connections),
            ("params", cost.params, cost.dense_params),
            ("macs", cost.macs, cost.dense_macs),
        )
        for (what, conv, dense), ratio in zip(counts, cost.ratios, strict=True):
            rows.append(
                {
                    t("why.sparse.layer"): name,
                    t("why.sparse.measure"): t(f"why.sparse.{what}"),
                    t("why.sparse.conv"): format_count(conv, lang),
                    t("why.sparse.dense"): format_count(dense, lang),
                    t("why.sparse.ratio"): f"{format_count(round(ratio), lang)}×",
                }
            )
    return pd.DataFrame(rows)


def matrix_page() -> pages.PageEntry | None:
    """Return the "Convolution as a matrix" page's entry, or None in a build without it."""
    return next((entry for entry in pages.PAGES if entry.url_path == MATRIX_PAGE), None)


def show(network: Network, lang: str) -> None:
    """Show the costs of every convolution, what they mean, and a link to the matrix page."""
    costs = _costs(network.model, network.model_id)
    if not costs:  # a session's own network may be dense only
        st.info(t("why.no_conv"))
        return
    st.dataframe(cost_table(costs, lang), hide_index=True)  # the picture first
    st.markdown(t("why.sparse.explain"))
    lines = []
    for name, cost in costs.items():
        share = format_number(100 * cost.share, digits=1, lang=lang)
        lines.append(
            t(
                "why.sparse.line",
                layer=name,
                input=format_shape(cost.input_shape),
                output=format_shape(cost.output_shape),
                seen=format_count(cost.connections, lang),
                total=format_count(cost.dense_connections, lang),
                share=share,
                filters=cost.output_shape[2],
                positions=format_count(cost.positions, lang),
            )
        )
    bullets(lines)
    st.caption(t("why.sparse.dense_note"))
    matrix = matrix_page()
    if matrix is not None:
        st.page_link(matrix.path, label=t("why.sparse.matrix_link"), icon=matrix.icon)
