"""The training page, in parts: data, builder, settings, run, results; ``page.py`` joins them.

Streamlit runs ``page.py`` as a script on every rerun; the other modules are
imported once (``from app_pages.training import builder``) and hold functions
that take what they need as arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from cnnviz.i18n import format_number, labels, t
from cnnviz.ui.url_state import url_choice

if TYPE_CHECKING:  # pragma: no cover
    from cnnviz.nets.training import TrainingRun

KEY = "train"
"""Prefix of every widget and session key of the page."""


def choice(
    widget: Callable[..., Any],
    label_key: str,
    options: Sequence[str],
    key: str,
    *,
    prefix: str = KEY,
    **kwargs: Any,
) -> str:
    """Show a choice labelled ``t(label_key)`` whose options read ``t(f"{label_key}.{option}")``.

    The choice goes to the URL by value (:func:`cnnviz.ui.url_state.url_choice`),
    under the widget key ``f"{prefix}_{key}"``; ``kwargs`` go to ``widget``.
    """
    return url_choice(
        widget,
        t(label_key),
        options,
        key=f"{prefix}_{key}",
        format_func=labels(label_key + ".{}"),
        **kwargs,
    )


def percent(value: float, lang: str) -> str:
    """``97,1 %`` or ``97.1%``."""
    return t("train.percent", lang=lang, value=format_number(100 * value, digits=1, lang=lang))


def run_label(run: TrainingRun, lang: str) -> str:
    """``Run 2 · 97.1%``."""
    return t(  # in the page's language: a selectbox may call this from another thread
        "train.use.label",
        lang=lang,
        number=run.number,
        accuracy=percent(run.result.test_accuracy, lang),
    )
