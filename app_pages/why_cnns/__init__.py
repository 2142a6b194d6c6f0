"""The "Why CNNs work" page, in parts: sparse, shifts, hierarchy; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are imported once
(``from app_pages.why_cnns import shifts``) and hold functions that take what they need.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from cnnviz.core.equivariance import FieldPair
from cnnviz.ui.network import Network
from cnnviz.ui.url_state import url_number

KEY = "why"
"""Prefix of every widget and session key of the page."""


def bounded_number(
    widget: Callable[..., Any],
    label: str,
    low: int,
    high: int,
    default: int,
    key: str,
    **kwargs: Any,
) -> int:
    """Show a whole-number widget in the URL whose range follows another choice (a layer's size).

    A value kept from a wider range is brought inside the new one before the widget is drawn
    (Streamlit refuses a value outside its range).
    """
    full = f"{KEY}_{key}"
    if full in st.session_state:
        st.session_state[full] = min(max(int(st.session_state[full]), low), high)
    return int(
        url_number(widget, label, low, high, min(max(default, low), high), key=full, **kwargs)
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def _fields(_model: Any, model_id: str) -> dict[str, FieldPair]:
    from cnnviz.nets.equivariance import layer_fields

    return layer_fields(_model)


def fields(network: Network) -> dict[str, FieldPair]:
    """Return the receptive field of every spatial layer of the network (read once per network)."""
    return _fields(network.model, network.model_id)
