"""The language selector: an explicit choice, else the URL's ``?lang=``, else the browser's."""

from __future__ import annotations

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
