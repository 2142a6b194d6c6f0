"""Presenter mode in AppTest: every page runs in it, the settings move to the bar and back,
and the presenter link is built from the page's address and parameters."""

import pytest
from streamlit.testing.v1.element_tree import Block

from cnnviz.i18n import t
from cnnviz.ui.pages import PAGES as REGISTRY
from cnnviz.ui.presenter import presenter_link
from tests.app.helpers import open_page

PAGES = [entry.path for entry in REGISTRY]


def sidebar_keys(at) -> set[str]:
    return {getattr(widget, "key", None) for widget in at.sidebar} - {None}


def popover(node, label: str):
    """The popover labelled ``label`` under ``node`` (AppTest has no accessor for popovers)."""
    if isinstance(node, Block):
        if node.type == "popover" and node.proto.popover.label == label:
            return node
        for child in node.children.values():
            found = popover(child, label)
            if found is not None:
                return found
    return None


def shown_link(at, lang: str) -> str:
    box = popover(at.main, t("presenter.copy_link", lang=lang))
    if box is None:
        box = popover(at.sidebar, t("presenter.copy_link", lang=lang))
    (code,) = box.code
    return code.value


# --- the link ---------------------------------------------------------------------------


def test_presenter_link_keeps_the_page_and_its_parameters():
    link = presenter_link(
        "http://localhost:8501/convolution",
        {"lang": "es", "k": "1,0,-1;2,0,-2", "conv_pad": "same"},
    )
    assert (
        link == "http://localhost:8501/convolution?lang=es&k=1,0,-1;2,0,-2&conv_pad=same&present=1"
    )


def test_presenter_link_replaces_an_old_query_and_fragment_and_sets_present_in_place():
    link = presenter_link("https://example.org/app/pooling?x=1#top", {"present": "0", "lang": "en"})
    assert link == "https://example.org/app/pooling?present=1&lang=en"


def test_presenter_link_encodes_what_a_query_string_cannot_hold_and_repeats_lists():
    link = presenter_link(None, {"q": "a b&c=d", "tag": ["x", "y"]})
    assert link == "?q=a+b%26c%3Dd&tag=x&tag=y&present=1"


# --- the pages --------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_in_presenter_mode(page, lang):
    at = open_page(page, lang, present="1")
    assert not at.exception
    # Nothing is left in the (hidden) sidebar: the language is in the bar's settings.
    assert sidebar_keys(at) == set()
    assert at.selectbox(key="lang").value == lang
    assert at.button(key="presenter_exit").label == t("presenter.exit", lang=lang)
    assert at.query_params["present"] == "1"
    params = shown_link(at, lang).split("?")[1].split("&")
    assert "present=1" in params
    assert f"lang={lang}" in params


@pytest.mark.parametrize("lang", ["es", "en"])
def test_convolution_settings_keep_their_keys_and_links_in_the_bar(lang):
    at = open_page(
        "app_pages/convolution.py", lang, present="1", conv_stride_rows="2", conv_pad="same"
    )
    assert at.number_input(key="conv_stride_rows").value == 2
    assert at.selectbox(key="conv_pad").value == "same"
    at.selectbox(key="conv_mode").set_value("reflect").run()
    assert not at.exception
    assert at.query_params["conv_mode"] == "reflect"
    assert at.query_params["present"] == "1"
    # The page writes this choice to the URL while it runs; the link is refreshed after it.
    params = shown_link(at, lang).split("?")[1].split("&")
    assert {"conv_mode=reflect", "conv_pad=same", "present=1"} <= set(params)


def test_pooling_settings_are_in_the_bar():
    at = open_page("app_pages/pooling.py", "es", present="1", pool_window_rows="3")
    assert "pool_window_rows" not in sidebar_keys(at)
    assert at.number_input(key="pool_window_rows").value == 3


def test_the_switch_turns_presenter_mode_on_and_the_exit_button_off():
    at = open_page("app_pages/convolution.py", "en")
    assert {"lang", "presenter_toggle", "conv_pad"} <= sidebar_keys(at)
    assert "present" not in at.query_params
    at.sidebar.toggle(key="presenter_toggle").set_value(True).run()
    assert not at.exception
    assert at.query_params["present"] == "1"
    assert sidebar_keys(at) == set()
    assert at.selectbox(key="conv_pad").value == "valid"

    at.button(key="presenter_exit").click().run()
    assert not at.exception
    assert "present" not in at.query_params
    assert {"lang", "presenter_toggle", "conv_pad"} <= sidebar_keys(at)
    assert at.sidebar.toggle(key="presenter_toggle").value is False


def test_presenter_mode_lasts_the_session_across_pages():
    at = open_page("app_pages/convolution.py", "es", present="1")
    at.switch_page("app_pages/pooling.py").run()
    assert not at.exception
    assert at.query_params["present"] == "1"
    assert sidebar_keys(at) == set()
    assert at.selectbox(key="lang").value == "es"


def test_switching_language_in_the_bar_translates_the_bar():
    at = open_page("app_pages/home.py", "en", present="1")
    at.selectbox(key="lang").set_value("es").run()
    assert not at.exception
    assert at.button(key="presenter_exit").label == t("presenter.exit", lang="es")
