"""The language selector: an explicit choice, else the URL's ``?lang=``, else the browser's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

from cnnviz.i18n import LANGUAGE_NAMES, LANGUAGES, resolve_language, set_language
from cnnviz.ui.presenter import settings_container

LANGUAGE_KEY = "lang"
"""Widget key of the selector, and the name of its query parameter."""


def language_selector() -> str:
    """Show the language selector with the settings and make its choice the current language.

    The first run of a session starts from ``?lang=`` or the browser's
    language; from then on the user's choice wins. The choice is written back
    to the URL on every run, so a copied link always opens in the same language.
    The selector sits in the sidebar, or in presenter mode's settings bar
    (:func:`cnnviz.ui.presenter.settings_container`).

    Returns
    -------
    str
        The chosen language code.
    """
    st.session_state.setdefault(
        LANGUAGE_KEY,
        resolve_language(query=st.query_params.get(LANGUAGE_KEY), locale=st.context.locale),
    )
    # Already the current language before the selector is drawn: the settings bar,
    # made on first use, is labelled in it.
    set_language(st.session_state[LANGUAGE_KEY])
    lang = settings_container().selectbox(
        "Idioma / Language",
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANGUAGE_KEY,
    )
    st.query_params[LANGUAGE_KEY] = lang
    set_language(lang)
    return lang


def fragment(func: Callable[..., Any]) -> Callable[..., Any]:
    """Make ``func`` a Streamlit fragment that writes in the session's language.

    A fragment's own reruns (a click inside it) skip ``app.py``, where the
    language is set, so each run of the fragment sets it again first.

    Parameters
    ----------
    func : callable
        The fragment's body.

    Returns
    -------
    callable
        ``st.fragment`` of ``func``, with the language set on every run.
    """

    @functools.wraps(func)
    def in_language(*args: Any, **kwargs: Any) -> Any:
        if LANGUAGE_KEY in st.session_state:
            set_language(st.session_state[LANGUAGE_KEY])
        return func(*args, **kwargs)

    return st.fragment(in_language)
