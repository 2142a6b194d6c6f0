"""Small widgets every page repeats, written once: charts, bullet lists.

Pages import these instead of repeating Streamlit options, so a change of
look (say, showing Plotly's toolbar) is one line here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import streamlit as st

CHART_CONFIG: dict[str, Any] = {"displayModeBar": False}
"""Plotly's options for every chart: no toolbar over a projected figure."""


def chart(figure: go.Figure, *, key: str, where: Any = st, **options: Any) -> Any:
    """Show a Plotly figure without its toolbar.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        What to draw.
    key : str
        The element's key (needed for a selection and for a stable element).
    where : streamlit container, default ``st``
        Where to draw: a column, a container, the sidebar.
    **options
        Passed on to ``st.plotly_chart`` (``on_select``, ``selection_mode``, ...).

    Returns
    -------
    object
        What ``st.plotly_chart`` returns (the selection, with ``on_select``).
    """
    return where.plotly_chart(figure, key=key, config=CHART_CONFIG, **options)


def bullets(lines: Iterable[str], *, where: Any = st) -> None:
    """Show lines as a Markdown bullet list."""
    where.markdown(bullet_text(lines))


def bullet_text(lines: Iterable[str]) -> str:
    """Return lines as a Markdown bullet list (one ``- line`` each), to embed in a longer text."""
    return "\n".join(f"- {line}" for line in lines)
