"""The language selector: an explicit choice, else the URL's ``?lang=``, else the browser's."""

from __future__ import annotations

import streamlit as st

from cnnviz.i18n import LANGUAGE_NAMES, LANGUAGES, resolve_language, set_language

LANGUAGE_KEY = "lang"
"""Widget key of the selector, and the name of its query parameter."""


def language_selector() -> str:
    """Show the language selector in the sidebar and make its choice the current language.

    The first run of a session starts from ``?lang=`` or the browser's
    language; from then on the user's choice wins. The choice is written back
    to the URL on every run, so a copied link always opens in the same language.

    Returns
    -------
    str
        The chosen language code.
    """
    st.session_state.setdefault(
        LANGUAGE_KEY,
        resolve_language(query=st.query_params.get(LANGUAGE_KEY), locale=st.context.locale),
    )
    lang = st.sidebar.selectbox(
        "Idioma / Language",
        LANGUAGES,
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANGUAGE_KEY,
    )
    st.query_params[LANGUAGE_KEY] = lang
    set_language(lang)
    return lang
