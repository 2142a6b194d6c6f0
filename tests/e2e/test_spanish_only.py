"""No English in the Spanish interface, in Chromium: every page, with its hidden texts shown.

Streamlit writes some texts of its widgets itself, in English ("Press Enter to
apply", "Upload", "No results", "Copy to clipboard"...). Each page is opened in
Spanish and in English, the widgets that show such texts are made to show them
(an input being edited, a dropdown searched for nothing and emptied, a code
block's copy button hovered, the uploaders shown), and everything a person
sees is read: text, ``::before``/``::after`` content, placeholders, ``title``
tooltips and open tooltips. Spanish pages must show none of Streamlit's English
and its Spanish in place; English pages must still show Streamlit's English.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from cnnviz.i18n import t

from .helpers import no_exception, open_app, settle

pytestmark = pytest.mark.e2e

# Taken from Streamlit 1.67's frontend (static/js: FileUploader, InputInstructions,
# Selectbox, Multiselect, utils, useCopyToClipboard, element toolbars), and our own
# catalog's one English leftover. Older Streamlit wrote the uploader's first two.
ENGLISH = (
    "Drag and drop",
    "Browse files",
    "Upload",
    "per file",
    "Press Enter to",
    "Press Ctrl+Enter",
    "No results",
    "Choose an option",
    "Choose options",
    "No options to select",
    "Copy to clipboard",
    "Copied",
    "Fullscreen",
    "Download as CSV",
    "Search",
    "Show/hide columns",
    "View",  # "View 3 more" / "View less" under a folded page list
    "Bed of nails",
)
_ENGLISH = re.compile("|".join(rf"\b{re.escape(phrase)}\b" for phrase in ENGLISH))

# What the interactions below make Streamlit show, in English, and the catalog's Spanish.
SHOWN = {
    "Press Enter to apply": "widget.press_enter",
    "Upload": "widget.upload",
    "Drag and drop a file here": "widget.drop_file",
    "per file": "widget.per_file",
    "No results": "widget.no_results",
    "Choose an option": "widget.choose_one",
    "Copy to clipboard": "widget.copy",
    "Show/hide columns": "widget.columns",
    "Download as CSV": "widget.download_csv",
    "Fullscreen": "widget.fullscreen",
}

# Each page, and the states of it that show an uploader or another view.
PAGES = (
    "/",
    "/convolution",
    "/convolution?conv_source=upload",
    "/pooling",
    "/signals",
    "/architectures",
    "/architectures?arch_view=builder",
    "/architectures?arch_view=quiz",
    "/trained-network?digit_source=upload",
    "/trained-network?net_view=features",
    "/saliency",
    "/adversarial",
    "/training",
    "/training?train_source=zip",
    "/transfer",
    "/backprop?backprop_source=conv",  # its tables open (they sit in a closed expander)
    "/conv-matrix",
    "/why-cnns?why_view=shift",
)

# Everything on the page a person can see: text in rendered, non-empty boxes with type
# bigger than 0 (Streamlit hides screen-reader-only text in 1-pixel boxes), the content
# of ::before and ::after, placeholders shown in empty inputs, and title tooltips.
VISIBLE_TEXT = """() => {
  const out = [];
  const seen = (el) => {
    if (!el.checkVisibility({visibilityProperty: true, opacityProperty: true})) return false;
    const box = el.getBoundingClientRect();
    return box.width > 1 && box.height > 1;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.data.trim() || !el || ['SCRIPT', 'STYLE'].includes(el.tagName)) continue;
    if (seen(el) && parseFloat(getComputedStyle(el).fontSize) > 0) out.push(node.data);
  }
  for (const el of document.body.querySelectorAll('*')) {
    if (!seen(el)) continue;
    for (const pseudo of ['::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      const content = style.content;
      if (content && content.startsWith('"') && parseFloat(style.fontSize) > 0) out.push(content);
    }
    if (el.title) out.push(el.title);
    const shown = getComputedStyle(el, '::placeholder').color;
    if (el.placeholder && !el.value && !/rgba\\(.*, 0\\)|transparent/.test(shown)) {
      out.push(el.placeholder);
    }
  }
  return out;
}"""


def _read(page, texts: list[str]) -> None:
    texts.extend(page.evaluate(VISIBLE_TEXT))


def _edit_an_input(page, texts: list[str]) -> None:
    """Type into the widest text or number input: Streamlit then says how to apply it."""
    inputs = page.locator(
        "[data-testid='stMain'] :is([data-testid='stNumberInputField'], "
        "[data-testid='stTextInputRootElement'] input)"
    )
    widest = max(
        inputs.all(),
        key=lambda field: (field.bounding_box() or {"width": 0})["width"],
        default=None,
    )
    if widest is None:
        return
    widest.click()
    widest.press("End")
    widest.press_sequentially("1")
    page.wait_for_timeout(300)
    _read(page, texts)
    widest.press("Control+z")  # leave the value as it was: Escape is not undo everywhere
    page.keyboard.press("Tab")


def _search_a_dropdown(page, texts: list[str]) -> None:
    """Search the first dropdown for nothing ("No results"), then empty it (its placeholder)."""
    box = page.locator("[data-testid='stMain'] [data-testid='stSelectbox'] input").first
    if not box.count():
        return
    box.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("zzqx")
    page.wait_for_timeout(300)
    _read(page, texts)
    page.keyboard.press("Backspace")
    page.keyboard.press("Control+a")
    page.keyboard.press("Backspace")
    page.wait_for_timeout(300)
    _read(page, texts)
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")


def _hover_toolbars(page, texts: list[str]) -> None:
    """Hover code blocks, tables and charts, then each button of their toolbar (its tooltip)."""
    for kind in ("stCode", "stDataFrame", "stPlotlyChart"):
        holders = page.locator(
            f"[data-testid='stMain'] [data-testid='stElementContainer']:has([data-testid='{kind}'])"
        )
        # A chart in a closed expander is not on screen: nobody can point at it.
        for holder in [holder for holder in holders.all() if holder.is_visible()][:2]:
            holder.scroll_into_view_if_needed()
            holder.hover()
            for button in holder.locator("[data-testid='stElementToolbarButton'] button").all():
                holder.hover(position={"x": 5, "y": 5})  # the toolbar shows while over its element
                try:
                    button.hover(timeout=5_000)
                except PlaywrightTimeout:
                    # A table's toolbar can sit over the table's top edge until it shows, where
                    # the hover's check finds the table's grid on top: move there as a hand would.
                    box = button.bounding_box()
                    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                # Its tooltip holds its label (CSS may write another text over it).
                page.wait_for_function(
                    "label => [...document.querySelectorAll('[role=tooltip]')].some(tip =>"
                    " tip.textContent === label && tip.querySelector('p').checkVisibility("
                    "{opacityProperty: true, visibilityProperty: true}))",
                    arg=button.get_attribute("aria-label"),
                    timeout=5_000,
                )
                _read(page, texts)


def _drag_over_uploaders(page, texts: list[str]) -> None:
    """Drag a file over each uploader: it shows what to do while the file is held over it."""
    held = page.evaluate_handle(
        "() => { const d = new DataTransfer();"
        " d.items.add(new File(['x'], 'a.png', {type: 'image/png'})); return d; }"
    )
    for zone in page.locator("[data-testid='stFileUploaderDropzone']").all():
        zone.dispatch_event("dragenter", {"dataTransfer": held})
        zone.locator(":scope > input + div > span").wait_for(timeout=5_000)
        _read(page, texts)
        zone.dispatch_event("dragleave", {"dataTransfer": held})


def visible_texts(page, url: str) -> list[str]:
    """Open ``url``, make its widgets show their hidden texts, and return all that was seen."""
    open_app(page, url)
    settle(page)
    no_exception(page)
    texts: list[str] = []
    _read(page, texts)
    _hover_toolbars(page, texts)
    _drag_over_uploaders(page, texts)
    _edit_an_input(page, texts)
    _search_a_dropdown(page, texts)
    return texts


@pytest.fixture(scope="module")
def seen(browser, app_url) -> dict[str, dict[str, list[str]]]:
    """What each page shows in each language: ``seen[lang][path]`` is its list of texts."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        return {
            lang: {
                path: visible_texts(
                    page, f"{app_url}{path}{'&' if '?' in path else '?'}lang={lang}"
                )
                for path in PAGES
            }
            for lang in ("es", "en")
        }
    finally:
        context.close()


def test_spanish_pages_show_no_english(seen):
    found = {
        path: sorted({match.group() for text in texts for match in _ENGLISH.finditer(text)})
        for path, texts in seen["es"].items()
    }
    assert {path: words for path, words in found.items() if words} == {}


def test_spanish_pages_show_the_spanish_in_its_place(seen):
    everything = "\n".join(text for texts in seen["es"].values() for text in texts)
    wanted = {key: t(key, lang="es", size=20) for key in SHOWN.values()}
    assert {key: text for key, text in wanted.items() if text not in everything} == {}


def test_english_pages_still_show_streamlit_english(seen):
    everything = "\n".join(text for texts in seen["en"].values() for text in texts)
    assert {english for english in SHOWN if english not in everything} == set()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_unknown_address_says_so_in_the_pages_language(browser, app_url, lang):
    # Streamlit opens its own "Page not found" dialog over the home page.
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        open_app(page, f"{app_url}/no-such-page?lang={lang}")
        page.locator("[role='dialog'] h2").wait_for(timeout=30_000)
        texts = page.evaluate(VISIBLE_TEXT)
    finally:
        context.close()
    everything = "\n".join(texts)
    for key in ("widget.not_found", "widget.not_found_body"):
        assert t(key, lang=lang) in everything
    english = ("Page not found", "does not seem to exist")
    assert any(word in everything for word in english) == (lang == "en")
