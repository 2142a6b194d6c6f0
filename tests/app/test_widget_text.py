"""Tests of cnnviz.ui.widget_text: Streamlit's widget texts rewritten from the catalog, in CSS."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import streamlit
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from cnnviz.i18n import catalog, t
from cnnviz.ui.widget_text import (
    PLACEHOLDER_KEYS,
    STREAMLIT_TEXTS,
    TOOLTIP_KEYS,
    css_string,
    upload_types,
    widget_css,
)

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FRONTEND = Path(streamlit.__file__).parent / "static" / "static" / "js"


def css_unescape(quoted: str) -> str:
    """Read a CSS string token back as a browser does (CSS Syntax 3, "consume a string")."""
    assert quoted[0] == quoted[-1] == '"'
    body, out, i = quoted[1:-1], [], 0
    while i < len(body):
        if body[i] != "\\":
            out.append(body[i])
            i += 1
            continue
        match = re.match(r"([0-9A-Fa-f]{1,6}) ?", body[i + 1 :])
        if match:
            code = int(match.group(1), 16)
            out.append(chr(code) if 0 < code <= 0x10FFFF else "\ufffd")
            i += 1 + match.end()
        else:
            out.append(body[i + 1])
            i += 2
    return "".join(out)


@pytest.fixture(scope="module")
def frontend() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in FRONTEND.glob("*.js"))


def test_streamlit_still_writes_each_english_text(frontend):
    # The selectors match Streamlit's exact English: an upgrade that rewords one fails here.
    # The instructions are one template, "Press Enter to ${e}", e being `apply` or `submit form`.
    pieces = {
        "Press Enter to apply": ("Press Enter to ${", "`apply`"),
        "Press Enter to submit form": ("Press Enter to ${", "`submit form`"),
        # The unknown page's sentence is two pieces too (the rule replaces either variant).
        STREAMLIT_TEXTS["widget.not_found_body"]: (
            "The page that you have requested does not seem to exist",
            ". Running the app's main page.",
        ),
    }
    missing = [
        text
        for text in STREAMLIT_TEXTS.values()
        if not all(piece in frontend for piece in pieces.get(text, (text,)))
    ]
    assert missing == []


def test_the_english_catalog_holds_streamlits_words():
    english = catalog("en")
    assert {key: english[key] for key in STREAMLIT_TEXTS if key != "widget.per_file"} == {
        key: text for key, text in STREAMLIT_TEXTS.items() if key != "widget.per_file"
    }
    assert english["widget.per_file"].format(size=20) == "20MB per file"  # as Streamlit writes it


def test_english_pages_get_no_stylesheet():
    assert widget_css("en", 20) == ""


def test_the_spanish_stylesheet_writes_every_text_from_the_catalog():
    css = widget_css("es", 20)
    contents = [css_unescape(s) for s in re.findall(r'content: ("(?:[^"\\]|\\.)*")', css)]
    expected = {t(key, lang="es", size=20) for key in STREAMLIT_TEXTS if key != "widget.per_file"}
    assert expected <= set(contents)
    assert "20 MB por archivo" in contents
    assert "20 MB por archivo • PNG, JPG, WEBP, BMP, GIF, TIF" in contents
    assert "20 MB por archivo • ZIP" in contents
    # Each placeholder and tooltip is matched by Streamlit's English in its attribute.
    for key in (*PLACEHOLDER_KEYS, *TOOLTIP_KEYS):
        assert f"={css_string(STREAMLIT_TEXTS[key])}]" in css
    assert css.count("{") == css.count("}")
    assert "<" not in css and "&" not in css  # nothing can close the <style> it goes in


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sin resultados", '"Sin resultados"'),
        ('Di "hola"', '"Di \\22 hola\\22 "'),
        ("Elige una opción", '"Elige una opci\\F3 n"'),
        ("a\\b", '"a\\5C b"'),
        ("</style><script>", '"\\3C /style\\3E \\3C script\\3E "'),
        ("1 • 2", '"1 \\2022  2"'),
        ("línea\nnueva", '"l\\ED nea\\A nueva"'),
    ],
)
def test_css_string_by_hand(text, expected):
    assert css_string(text) == expected


@given(st.text(st.characters(blacklist_characters="\x00")))  # CSS reads NUL as U+FFFD
def test_css_string_reads_back_and_cannot_break_out(text):
    quoted = css_string(text)
    assert css_unescape(quoted) == text
    inner = quoted[1:-1]
    assert not set(inner) & set("\"'<>&\n\r\f")
    assert all(" " <= ch <= "~" for ch in inner)


def test_upload_types_as_streamlit_lists_them():
    assert upload_types(("png", "jpg", "jpeg", "webp", "tif", "tiff")) == "PNG, JPG, WEBP, TIF"
    assert upload_types(("zip",)) == "ZIP"
    assert upload_types(("JPEG", "jpg")) == "JPG"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_app_adds_the_stylesheet_only_in_spanish(lang):
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    styles = [node.proto.body for node in at.get("html") if "InputInstructions" in node.proto.body]
    if lang == "es":
        assert len(styles) == 1 and css_string(t("widget.press_enter", lang="es")) in styles[0]
    else:
        assert styles == []


def _cache_decorators(tree: ast.Module):
    """Every ``st.cache_data``/``st.cache_resource`` decorator in a module, as written."""
    for node in ast.walk(tree):
        for decorator in getattr(node, "decorator_list", ()):
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in (
                "cache_data",
                "cache_resource",
            ):
                yield decorator


ROOT = Path(APP).parent
CODE = sorted((*ROOT.glob("cnnviz/**/*.py"), *ROOT.glob("app_pages/**/*.py"), ROOT / "app.py"))


def test_no_cache_shows_streamlit_s_english_spinner():
    # A cached function's default spinner says "Running f(...)." in English, on any page.
    bare = [
        f"{path.relative_to(ROOT)}:{decorator.lineno}"
        for path in CODE
        for decorator in _cache_decorators(ast.parse(path.read_text(encoding="utf-8")))
        if not isinstance(decorator, ast.Call)
        or "show_spinner" not in {k.arg for k in decorator.keywords}
    ]
    assert len(CODE) > 50 and bare == []
