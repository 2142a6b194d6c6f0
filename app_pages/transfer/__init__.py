"""The transfer-learning page, in parts: data, run, results; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.transfer import data``) and hold functions that
take what they need as arguments. The live training reuses the training page's
machinery: the server's runs (:mod:`cnnviz.nets.run_store`), its training
slots and limits (:mod:`cnnviz.nets.limits`) and :func:`cnnviz.nets.training.train`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from cnnviz.i18n import labels, t
from cnnviz.ui.url_state import url_choice

KEY = "transfer"
"""Prefix of every widget and session key of the page."""


def choice(
    widget: Callable[..., Any], label_key: str, options: Sequence[str], key: str, **kwargs: Any
) -> str:
    """Show a choice labelled ``t(label_key)`` whose options read ``t(f"{label_key}.{option}")``.

    The value goes to the URL (:func:`cnnviz.ui.url_state.url_choice`) under
    the widget key ``f"{KEY}_{key}"``.
    """
    return url_choice(
        widget,
        t(label_key),
        options,
        key=f"{KEY}_{key}",
        format_func=labels(label_key + ".{}"),
        **kwargs,
    )
