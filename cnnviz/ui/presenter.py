"""Presenter mode: the app projected in a lecture hall.

``?present=1`` (or the sidebar's switch) turns it on for the session: the
sidebar and Streamlit's header are hidden, the type is 1.5 times larger, the
page uses the whole width, and the settings that normally live in the sidebar
move to a compact bar at the top of the page, beside the pages, the presenter
link and a button that leaves the mode.

Widgets that belong in the sidebar are written into :func:`settings_container`,
which is the sidebar normally and the bar's settings popover in presenter
mode; their keys, and so their state and their query parameters, are the same
in both.

``app.py`` calls, in this order: ``language_selector()``, :func:`presenter_mode`,
:func:`presenter_navigation` (instead of ``st.navigation``), the page's
``run()``, then :func:`refresh_presenter_link`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.scriptrunner import get_script_run_ctx

from cnnviz.i18n import t

PARAM = "present"
"""The query parameter that turns presenter mode on (``?present=1``)."""

STATE_KEY = "presenter_on"
"""Session-state key: whether this session is in presenter mode."""

TOGGLE_KEY = "presenter_toggle"
"""Widget key of the sidebar's switch."""

BAR_KEY = "presenter_bar"
"""Key of the bar's container (its CSS class is ``st-key-presenter_bar``)."""

PANEL_KEY = "presenter_panel_"
"""Prefix of the keys of the containers inside the bar's popovers."""

SCALE = 1.5
"""How much larger the type is in presenter mode."""

_ON_VALUES = frozenset({"1", "true", "yes", "on"})

# Streamlit sizes nearly everything in rem, so scaling the root font scales type,
# widgets and spacing together. Its header is hidden (its menu is not needed to
# present), and so are the headings' anchor links, which wrap to a line of their
# own under a title that fills the width.
_CSS = """
<style>
html {{ font-size: {root_px:g}px; }}
[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"],
[data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"],
[data-testid="stHeader"],
[data-testid="stToolbar"],
[data-testid="stDecoration"],
[data-testid="stHeaderActionElements"] {{ display: none !important; }}
[data-testid="stMainBlockContainer"] {{
  max-width: none;
  padding: 0.4rem 0.75rem 3rem;
}}
/* The bar: type at the normal size, held at the top while the page scrolls. */
[data-testid="stLayoutWrapper"]:has(> .st-key-{bar}) {{
  position: sticky;
  top: 0;
  z-index: 990;
  zoom: {bar_zoom:g};
  background: var(--st-background-color, #fff);
  border-bottom: 1px solid rgba(49, 51, 63, 0.2);
}}
.st-key-{bar} {{ padding: 0.3rem 0; }}
/* What the bar's popovers hold is at the normal size too: all the settings fit. */
[class*="st-key-{panel}"] {{ zoom: {bar_zoom:g}; }}
/* Nothing is cut: choice buttons wrap instead of hiding their last options off to
   the side, labels that Streamlit ends with an ellipsis (metrics, buttons) wrap
   between words, and buttons take less room on their sides. */
[data-testid="stButtonGroup"] [role="radiogroup"] {{ flex-wrap: wrap; }}
[data-testid="stMain"] .stMarkdownEllipsis,
[data-testid="stMain"] .stMarkdownEllipsis * {{
  white-space: normal !important;
  text-overflow: clip !important;
  overflow: visible !important;
  overflow-wrap: normal !important;
  word-break: normal !important;
}}
[data-testid="stMain"] button {{ padding-left: 0.4rem; padding-right: 0.4rem; }}
</style>
"""

_run = threading.local()


def page_link(
    url: str | None, params: Mapping[str, str | Sequence[str]], *, present: bool = False
) -> str:
    """Return the link that opens ``url`` with ``params``, in presenter mode or not.

    Parameters
    ----------
    url : str or None
        The page's address (``st.context.url``); a query string or fragment in
        it is replaced. None (no browser, as in tests) gives a relative link.
    params : mapping of str to str or sequence of str
        The page's query parameters (``st.query_params``); a sequence is a
        repeated parameter.
    present : bool, default False
        Whether the link opens in presenter mode (``present=1``, set where it
        stands if there is one); otherwise any ``present`` is left out, so a
        teacher's link to students opens the ordinary page.

    Returns
    -------
    str
        ``url?params``. Kernel separators (``,;|/``) stay readable.

    Examples
    --------
    >>> page_link("http://localhost:8501/convolution?x=1", {"lang": "es", "present": "1"})
    'http://localhost:8501/convolution?lang=es'
    """
    query = {
        name: value if isinstance(value, str) else list(value) for name, value in params.items()
    }
    if present:
        query[PARAM] = "1"
    else:
        query.pop(PARAM, None)
    scheme, netloc, path, _, _ = urlsplit(url or "")
    encoded = urlencode(query, doseq=True, safe=",;|/")
    return urlunsplit((scheme, netloc, path, encoded, ""))


def presenter_link(url: str | None, params: Mapping[str, str | Sequence[str]]) -> str:
    """Return the link that opens ``url`` with ``params`` in presenter mode.

    Examples
    --------
    >>> presenter_link("http://localhost:8501/convolution?x=1", {"lang": "es", "k": "1,0;0,1"})
    'http://localhost:8501/convolution?lang=es&k=1,0;0,1&present=1'
    >>> presenter_link(None, {"present": "0", "lang": "en"})
    '?present=1&lang=en'
    """
    return page_link(url, params, present=True)


def presenting() -> bool:
    """Whether this session is in presenter mode (started by ``?present=1`` or the switch)."""
    st.session_state.setdefault(
        STATE_KEY, str(st.query_params.get(PARAM, "")).strip().lower() in _ON_VALUES
    )
    return bool(st.session_state[STATE_KEY])


def _this_run() -> dict[str, Any]:
    """Return a dictionary that lives for one script run, as the containers made in it do.

    Streamlit gives each run a fresh ``cursors`` dictionary; it marks the run.
    """
    ctx = get_script_run_ctx()
    token = ctx.cursors if ctx is not None else None
    if token is None or getattr(_run, "token", None) is not token:
        _run.token, _run.parts = token, {}
    return _run.parts


def _bar() -> dict[str, Any]:
    """Return this run's presenter bar, made the first time it is asked for."""
    parts = _this_run()
    if "bar" not in parts:
        bar = st.container(key=BAR_KEY, horizontal=True, vertical_alignment="center", gap="small")
        parts["bar"] = bar
        parts["settings"] = _panel(bar, "settings", ":material/tune:")
    return parts


def settings_container() -> DeltaGenerator:
    """Where the sidebar's settings go: the sidebar, or the bar's settings popover.

    Returns
    -------
    DeltaGenerator
        Use it as ``with settings_container():`` or call widgets on it.
    """
    return _bar()["settings"] if presenting() else st.sidebar


def _start() -> None:
    st.session_state[STATE_KEY] = True


def _stop() -> None:
    st.session_state[STATE_KEY] = False


def _panel(container: DeltaGenerator, name: str, icon: str) -> DeltaGenerator:
    """Add a popover labelled ``presenter.{name}`` and return the keyed container inside it."""
    return container.popover(t(f"presenter.{name}"), icon=icon).container(key=PANEL_KEY + name)


def _link_popover(container: DeltaGenerator) -> None:
    with _panel(container, "copy_link", ":material/link:"):
        _this_run()["link"] = st.empty()
        st.caption(t("presenter.copy_link_help"))
    refresh_presenter_link()


def presenter_mode() -> bool:
    """Turn presenter mode on or off for this run; call it right after the language selector.

    Keeps ``?present=1`` in the URL while the mode is on, so the address bar
    always carries it. Normally it adds the switch and the presenter link to
    the sidebar; in presenter mode it hides the sidebar and the header, scales
    the type and fills the bar at the top of the page.

    Returns
    -------
    bool
        Whether presenter mode is on.
    """
    on = presenting()
    if on:
        st.query_params[PARAM] = "1"
        root_px = float(st.get_option("theme.baseFontSize") or 16) * SCALE
        st.html(_CSS.format(root_px=root_px, bar=BAR_KEY, panel=PANEL_KEY, bar_zoom=1 / SCALE))
        parts = _bar()
        parts["pages"] = _panel(parts["bar"], "pages", ":material/menu:")
        _link_popover(parts["bar"])
        parts["bar"].button(
            t("presenter.exit"),
            key="presenter_exit",
            icon=":material/close_fullscreen:",
            on_click=_stop,
            type="tertiary",
        )
    else:
        st.query_params.pop(PARAM, None)
        # Off whenever it is shown: switched on, it is replaced by the bar's exit button.
        st.session_state[TOGGLE_KEY] = False
        with st.sidebar:
            st.toggle(
                t("presenter.toggle"),
                key=TOGGLE_KEY,
                on_change=_start,
                help=t("presenter.toggle_help"),
            )
            _link_popover(st.sidebar)
    return on


def presenter_navigation(pages: Mapping[str, Iterable[Any]]) -> Any:
    """``st.navigation`` over ``pages``, in the sidebar, or as links in the bar in presenter mode.

    Parameters
    ----------
    pages : mapping of section title to ``st.Page`` objects
        The app's page registry.

    Returns
    -------
    StreamlitPage
        The page to run.
    """
    on = presenting()
    page = st.navigation(
        {section: list(items) for section, items in pages.items()},
        position="hidden" if on else "sidebar",
        # Every page listed: folded, Streamlit writes "View 3 more" in English.
        expanded=True,
    )
    if on:
        with _bar()["pages"]:
            for section, items in pages.items():
                st.caption(section)
                for item in items:
                    st.page_link(item)
    return page


def refresh_presenter_link() -> None:
    """Write the presenter link of the current URL; call it again after the page has run.

    A page writes its own parameters (kernel, choices) to the URL while it
    runs, so the link made before the page is refreshed after it.
    """
    placeholder = _this_run().get("link")
    if placeholder is not None:
        placeholder.code(presenter_link(st.context.url, query_params()), language=None)


def query_params() -> dict[str, str | list[str]]:
    """Return the URL's parameters as a plain dict (a repeated one as a list)."""
    params: dict[str, str | list[str]] = {}
    for name in st.query_params:
        values = st.query_params.get_all(name)
        params[name] = values[0] if len(values) == 1 else values
    return params
