"""The language selector: the URL's ``?lang=``, else the browser's language, else English."""

from __future__ import annotations

import streamlit as st

from cnnviz.i18n import LANGUAGE_NAMES, LANGUAGES, resolve_language, set_language

LANGUAGE_KEY = "lang"
"""Widget key of the selector, and so the name of its query parameter."""


def language_selector() -> str:
    """Show the language selector in the sidebar and make its choice the current language.

    The selector is bound to the ``lang`` query parameter, so a shared link
    opens in the language it was sent in; without one, the browser's language
    is the default.

    Returns
    -------
    str
        The chosen language code.
    """
    default = resolve_language(locale=st.context.locale)
    lang = st.sidebar.selectbox(
        "Idioma / Language",
        LANGUAGES,
        index=LANGUAGES.index(default),
        format_func=LANGUAGE_NAMES.__getitem__,
        key=LANGUAGE_KEY,
        bind="query-params",
    )
    set_language(lang)
    return lang
