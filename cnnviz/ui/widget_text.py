"""Streamlit's own widget texts in the page's language: one stylesheet, made from the catalog.

Streamlit writes some texts of its widgets itself, in English only: the
instructions under an input being edited ("Press Enter to apply"), the file
uploader's button and size limit, a dropdown's "No results" and its
placeholder, the tooltips of element toolbars ("Copy to clipboard"). No
widget argument reaches most of them, so a Spanish page hides each one with
CSS and shows the catalog's words in its place, through ``::after`` (or
``::before``) ``content``. English pages get no stylesheet: they stay as
Streamlit draws them.

Each English text is matched where Streamlit puts it: by the element's
``data-testid``, or by Streamlit's exact English in an attribute (a
placeholder, a button's ``aria-label``), which :data:`STREAMLIT_TEXTS` lists
(a test checks that the installed Streamlit still writes each one).
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from cnnviz.i18n import DEFAULT_LANGUAGE, get_language, t
from cnnviz.io.images import UPLOAD_EXTENSIONS

STREAMLIT_TEXTS: Mapping[str, str] = {
    "widget.press_enter": "Press Enter to apply",
    "widget.press_enter_form": "Press Enter to submit form",
    "widget.upload": "Upload",
    "widget.drop_file": "Drag and drop a file here",
    "widget.drop_files": "Drag and drop files here",
    "widget.per_file": "per file",
    "widget.no_results": "No results",
    "widget.choose_one": "Choose an option",
    "widget.choose_many": "Choose options",
    "widget.no_options": "No options to select",
    "widget.copy": "Copy to clipboard",
    "widget.copied": "Copied",
    "widget.fullscreen": "Fullscreen",
    "widget.close_fullscreen": "Close fullscreen",
    "widget.download_csv": "Download as CSV",
    "widget.search": "Search",
    "widget.add_row": "Add row",
    "widget.delete_rows": "Delete row(s)",
    "widget.columns": "Show/hide columns",
    "widget.clear_selection": "Clear selection",
    "widget.take_photo": "Take Photo",
    "widget.clear_photo": "Clear photo",
    "widget.camera_refused": "This app would like to use your camera.",
    "widget.camera_allow": "Learn how to allow access.",
    "widget.not_found": "Page not found",
    "widget.not_found_body": (
        "The page that you have requested does not seem to exist. Running the app's main page."
    ),
}
"""Catalog key of each translated text, to the English Streamlit 1.67 writes for it."""

PLACEHOLDER_KEYS = ("widget.choose_one", "widget.choose_many", "widget.no_options")
"""Texts Streamlit puts in a selectbox's or multiselect's ``placeholder`` attribute."""

TOOLTIP_KEYS = (
    "widget.copy",
    "widget.copied",
    "widget.fullscreen",
    "widget.close_fullscreen",
    "widget.download_csv",
    "widget.search",
    "widget.add_row",
    "widget.delete_rows",
    "widget.columns",
    "widget.clear_selection",
)
"""Labels of toolbar buttons whose tooltip shows the label (``aria-label``)."""

UPLOAD_KINDS: tuple[tuple[str, ...], ...] = (tuple(UPLOAD_EXTENSIONS), ("zip",))
"""The file types of the app's uploaders: images (:mod:`cnnviz.io.images`), training zips."""

TEXT_SIZE = "0.875rem"
"""Streamlit's small type (its ``fontSizes.sm``), which most replaced texts use."""

HINT_SIZE = "0.75rem"
"""Streamlit's smallest type (``fontSizes.twoSm``), of the instructions under an input."""

UPLOADER = '[data-testid="stFileUploaderDropzone"]'

# A replaced text keeps its element (its padding, colour and place) with type of size 0,
# and the element's ::after writes the translation at Streamlit's size in its place; as
# a block, so that it sets the element's height (a line of size-0 type has none).
_SWAP = (
    "{sel} {{ font-size: 0 !important; }}\n"
    "{sel}::after {{ content: {text}; font-size: {size}; display: block; }}"
)


def css_string(text: str) -> str:
    r"""Quote ``text`` as a CSS string that cannot end the string, the rule or the ``<style>``.

    Letters, digits, spaces and punctuation other than ``\ " ' < > &`` stay as
    they are; every other character (accents included) is written as a CSS
    escape, its code in hexadecimal and one space that ends the escape (CSS
    drops that space, so one that follows in the text stays).

    Parameters
    ----------
    text : str
        Any text, such as a catalog value.

    Returns
    -------
    str
        The CSS string, quotes included.

    Examples
    --------
    >>> print(css_string('Sin "resultados"'), css_string("Añadir </style> • ZIP"))
    "Sin \22 resultados\22 " "A\F1 adir \3C /style\3E  \2022  ZIP"
    """
    escaped = "".join(
        ch if " " <= ch <= "~" and ch not in "\\\"'<>&" else f"\\{ord(ch):X} " for ch in text
    )
    return f'"{escaped}"'


def upload_types(extensions: tuple[str, ...]) -> str:
    """Write an uploader's file types as Streamlit does: upper case, each once, ``PNG, JPG``.

    ``jpeg`` and ``tiff`` are the same types as ``jpg`` and ``tif``; Streamlit
    lists only the short name.

    Examples
    --------
    >>> upload_types(("png", "jpg", "jpeg", "tif", "tiff", "zip"))
    'PNG, JPG, TIF, ZIP'
    """
    same = {"jpeg": "jpg", "tiff": "tif"}
    names = dict.fromkeys(same.get(ext.lower(), ext.lower()).upper() for ext in extensions)
    return ", ".join(names)


def widget_css(lang: str, max_upload_mb: int) -> str:
    """Return the stylesheet that writes Streamlit's widget texts in ``lang``; none in English.

    Parameters
    ----------
    lang : str
        The page's language.
    max_upload_mb : int
        The upload limit the uploaders state (Streamlit's ``server.maxUploadSize``).

    Returns
    -------
    str
        CSS rules, without ``<style>`` tags; empty for English.
    """
    if lang == DEFAULT_LANGUAGE:
        return ""

    def text(key: str, **fields: object) -> str:
        return css_string(t(key, lang=lang, **fields))

    instructions = '[data-testid="InputInstructions"] > span:first-child'
    rules = [
        _SWAP.format(sel=instructions, text=text("widget.press_enter"), size=HINT_SIZE),
        _SWAP.format(
            sel=f'[data-testid="stForm"] {instructions}',
            text=text("widget.press_enter_form"),
            size=HINT_SIZE,
        ),
        _SWAP.format(
            sel=f"{UPLOADER} button [data-testid='stMarkdownContainer'] p",
            text=text("widget.upload"),
            size=TEXT_SIZE,
        ),
        # While a file is dragged over it, the uploader shows a line of its own after the input.
        _SWAP.format(
            sel=f"{UPLOADER} > input + div > span", text=text("widget.drop_file"), size=TEXT_SIZE
        ),
        f"{UPLOADER}:has(> input[multiple]) > input + div > span::after"
        f" {{ content: {text('widget.drop_files')}; }}",
        _SWAP.format(
            sel='[role="listbox"][data-empty="true"] [role="option"] > span',
            text=text("widget.no_results"),
            size=TEXT_SIZE,
        ),
        *_upload_limits(lang, max_upload_mb),
        *_camera(lang),
        *_page_not_found(lang),
        *_placeholders(lang),
        *_tooltips(lang),
    ]
    return "\n".join(rules)


def _upload_limits(lang: str, max_upload_mb: int) -> list[str]:
    """Rewrite the uploaders' "20MB per file • PNG, JPG" line, with the types of the app's kinds."""
    where = UPLOADER
    line = '[data-testid="stFileUploaderDropzoneInstructions"] span'
    limit = t("widget.per_file", lang=lang, size=max_upload_mb)
    rules = [
        _SWAP.format(sel=f"{where} {line}", text=css_string(limit), size=TEXT_SIZE),
        # Spanish is longer: wrap rather than cut the list of types off.
        f"{where} {line}::after {{ white-space: normal; }}",
    ]
    for kind in UPLOAD_KINDS:
        # Streamlit's accept attribute lists the types as ".png,.jpg,...".
        sel = f'{where}:has(input[accept*=".{kind[0]}"]) {line}::after'
        rules.append(f"{sel} {{ content: {css_string(f'{limit} • {upload_types(kind)}')}; }}")
    return rules


def _camera(lang: str) -> list[str]:
    """Rewrite the camera's button and the message it shows when the browser refuses the camera.

    The button holds its text directly while the camera is live ("Take Photo")
    and in a ``<span>`` once a photo is taken ("Clear photo"). The refusal is a
    sentence followed by a help link, in a box of its own.
    """
    button = '[data-testid="stCameraInputButton"]'
    refusal = '[data-testid="stCameraInput"] p:has(> a[target="_blank"])'
    return [
        _SWAP.format(
            sel=f"{button}:not(:has(> span))",
            text=css_string(t("widget.take_photo", lang=lang)),
            size=TEXT_SIZE,
        ),
        _SWAP.format(
            sel=f"{button} > span:first-child",
            text=css_string(t("widget.clear_photo", lang=lang)),
            size=TEXT_SIZE,
        ),
        f"{refusal} {{ font-size: 0 !important; }}",
        f"{refusal}::before {{ content: {css_string(t('widget.camera_refused', lang=lang))};"
        f" font-size: {TEXT_SIZE}; display: block; }}",
        f"{refusal} > a::after {{ content: {css_string(t('widget.camera_allow', lang=lang))};"
        f" font-size: {TEXT_SIZE}; }}",
    ]


def _page_not_found(lang: str) -> list[str]:
    """Rewrite the dialog an unknown address opens ("Page not found") over the home page.

    It is Streamlit's only dialog here (the app opens none with ``st.dialog``,
    whose dialogs hold element blocks): a title and one sentence.
    """
    dialog = '[role="dialog"]:not(:has([data-testid="stVerticalBlock"]))'
    return [
        _SWAP.format(
            sel=f"{dialog} > h2", text=css_string(t("widget.not_found", lang=lang)), size="1.5rem"
        ),
        _SWAP.format(
            sel=f"{dialog} > h2 + div > div",
            text=css_string(t("widget.not_found_body", lang=lang)),
            size="1rem",
        ),
    ]


def _placeholders(lang: str) -> list[str]:
    """Draw a dropdown's placeholder over its input's own, which turns transparent."""
    fields = '[data-testid="stSelectbox"], [data-testid="stMultiSelect"]'
    rules = [
        f":is({fields}) input::placeholder {{ color: transparent; }}",
        f':is({fields}) [role="group"] {{ position: relative; }}',
    ]
    for key in PLACEHOLDER_KEYS:
        english = css_string(STREAMLIT_TEXTS[key])
        sel = f':is({fields}) [role="group"]:has(input[placeholder={english}]:placeholder-shown)'
        rules.append(
            f"{sel}::before {{ content: {css_string(t(key, lang=lang))}; position: absolute;"
            f" left: 0.5rem; top: 50%; transform: translateY(-50%); pointer-events: none;"
            f" font-size: {TEXT_SIZE}; opacity: 0.6; white-space: nowrap; }}"
        )
    return rules


def _tooltips(lang: str) -> list[str]:
    """Rewrite the tooltip of a hovered or focused toolbar button, which shows its label.

    Tooltips are drawn apart from their button, at the end of the page: the rule
    applies to the open tooltip while a button with that English label is hovered.
    """
    content = '[role="tooltip"] [data-testid="stTooltipContent"] p'
    rules = []
    for key in TOOLTIP_KEYS:
        english = css_string(STREAMLIT_TEXTS[key])
        button = f"button[aria-label={english}]"
        sel = f"body:has({button}:hover, {button}:focus-visible) {content}"
        rules.append(_SWAP.format(sel=sel, text=css_string(t(key, lang=lang)), size=TEXT_SIZE))
    return rules


def widget_text() -> None:
    """Write Streamlit's widget texts in the current language; call once per run, from ``app.py``.

    The stylesheet goes to Streamlit's event container (``st.html`` with only a
    ``<style>``), so it takes no room on the page.
    """
    limit = int(st.get_option("server.maxUploadSize"))
    css = widget_css(get_language(), limit)
    if css:
        st.html(f"<style>\n{css}\n</style>")
