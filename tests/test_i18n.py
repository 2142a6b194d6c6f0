"""Tests of cnnviz.i18n: the two catalogs agree, the language is resolved and numbers read well."""

from __future__ import annotations

import contextvars
import json
import string
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz import i18n
from cnnviz.i18n import (
    MINUS,
    InputError,
    format_compact,
    format_count,
    format_number,
    get_language,
    normalize_language,
    resolve_language,
    set_language,
    t,
)

LOCALES = Path(i18n.__file__).with_name("locales")


def load(lang: str) -> dict[str, str]:
    # Read the files, not i18n.catalog's cache: this checks what ships.
    return json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


@pytest.fixture
def restore_language():
    before = get_language()
    yield
    set_language(before)


# --- the catalogs -----------------------------------------------------------------------


def test_catalogs_have_identical_keys():
    es, en = load("es"), load("en")
    assert sorted(set(es) - set(en)) == []  # in Spanish only
    assert sorted(set(en) - set(es)) == []  # in English only
    assert set(i18n.LANGUAGES) == {"es", "en"}


def test_catalogs_have_identical_placeholders_per_key():
    es, en = load("es"), load("en")
    mismatched = {
        key: (sorted(placeholders(es[key])), sorted(placeholders(en[key])))
        for key in es.keys() & en.keys()
        if placeholders(es[key]) != placeholders(en[key])
    }
    assert mismatched == {}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_no_empty_values_and_every_template_formats(lang):
    catalog = load(lang)
    assert catalog
    for key, template in catalog.items():
        assert isinstance(template, str) and template.strip(), key
        # Stray braces would make str.format fail when the message is shown.
        filled = template.format(**dict.fromkeys(placeholders(template), "X"))
        assert "{" not in filled and "}" not in filled, key


def test_translations_are_not_copies():
    # Spanish and English differ wherever there is a sentence to translate.
    es, en = load("es"), load("en")
    same = [k for k in es if k.startswith("error.") and es[k] == en[k]]
    assert same == []


# --- choosing the language --------------------------------------------------------------


@pytest.mark.parametrize(
    ("choice", "query", "locale", "expected"),
    [
        ("en", "es", "es-AR", "en"),  # an explicit choice wins
        ("es", "en", "en-US", "es"),
        (None, "es", "en-US", "es"),  # then ?lang=
        (None, "en", "es-MX", "en"),
        (None, None, "es-MX", "es"),  # then the browser
        (None, None, "es_ES", "es"),
        (None, None, "en-GB", "en"),
        (None, "fr", "es-CL", "es"),  # an unsupported value falls through
        ("de", None, "es", "es"),
        (None, "", "es", "es"),
        (None, None, "fr-FR", "en"),  # else English
        (None, None, None, "en"),
        ("ES", None, None, "es"),  # tags are case-insensitive
    ],
)
def test_resolve_language_order(choice, query, locale, expected):
    assert resolve_language(choice, query, locale) == expected


def test_resolve_language_default_is_english():
    assert resolve_language() == "en" == i18n.DEFAULT_LANGUAGE


@pytest.mark.parametrize(
    ("code", "expected"),
    [("es-AR", "es"), ("EN_us", "en"), (" es ", "es"), ("fr", None), ("", None), (None, None)],
)
def test_normalize_language(code, expected):
    assert normalize_language(code) == expected


def test_set_language_falls_back_to_english(restore_language):
    set_language("es-419")
    assert get_language() == "es"
    set_language("pt-BR")
    assert get_language() == "en"


def test_language_is_per_context(restore_language):
    set_language("en")
    # Another context (as another Streamlit session's thread) sets its own language...
    seen = contextvars.copy_context().run(lambda: (set_language("es"), get_language())[1])
    assert seen == "es"
    # ... without changing this one.
    assert get_language() == "en"


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kwargs", "expected"),
    [
        (-0.25, {"lang": "es"}, "−0,25"),
        (-0.25, {"lang": "en"}, "−0.25"),
        (1234.5, {"lang": "es"}, "1234,5"),
        (1234.5, {"lang": "en"}, "1234.5"),
        (6.0, {"lang": "es"}, "6"),
        (-16, {"lang": "en"}, "−16"),
        (2 / 3, {"lang": "es"}, "0,667"),
        (2 / 3, {"lang": "es", "digits": 1}, "0,7"),
        (-0.0001, {"lang": "es"}, "0"),  # rounds to zero: no "−0"
        (-0.0, {"lang": "en"}, "0"),
        (float("nan"), {"lang": "es"}, "NaN"),
        (float("inf"), {"lang": "en"}, "∞"),
        (float("-inf"), {"lang": "es"}, "−∞"),
        # From 1e16 on, a mantissa and a power of ten (the 309 digits of 1e308 help nobody).
        (9999999999999998.0, {"lang": "en"}, "9999999999999998"),
        (1e16, {"lang": "en"}, "1e16"),
        (-1.23456e300, {"lang": "es"}, "−1,235e300"),
        (-1.23456e300, {"lang": "en"}, "−1.235e300"),
        (1.2345e20, {"lang": "en"}, "1.234e20"),  # an exact tie: to even, as below 1e16
        (9.9996e20, {"lang": "es"}, "1e21"),
        (1.7976931348623157e308, {"lang": "es", "digits": 1}, "1,8e308"),
        (1e100, {"lang": "es", "digits": 0}, "1e100"),
    ],
)
def test_format_number(value, kwargs, expected):
    assert format_number(value, **kwargs) == expected


def test_format_number_uses_a_true_minus():
    text = format_number(-1.5, lang="en")
    assert text.startswith(MINUS) and MINUS == "\u2212" and "-" not in text


def test_format_number_follows_the_current_language(restore_language):
    set_language("es")
    assert format_number(0.5) == "0,5"
    set_language("en")
    assert format_number(0.5) == "0.5"


def test_float_fields_are_written_the_languages_way():
    assert "0,5" in t("error.below_one", lang="es", name="x", value=0.5)
    assert "0.5" in t("error.below_one", lang="en", name="x", value=0.5)
    assert "−0,5" in t("error.below_one", lang="es", name="x", value=-0.5)


def test_unknown_key_is_shown_rather_than_fatal():
    assert t("no.such.key", lang="es") == "no.such.key"


# --- errors in the current language -----------------------------------------------------


def test_input_error_renders_in_the_current_language(restore_language):
    err = InputError("error.stride_below_one", name="strides", value=0)
    assert isinstance(err, ValueError)
    set_language("es")
    spanish = str(err)
    assert spanish == err.message() == err.message("es")
    set_language("en")
    english = str(err)
    assert english == err.message("en")
    assert spanish != english
    for message in (spanish, english):
        assert "0" in message and "strides" in message and "{" not in message
    assert "paso" in spanish


def test_input_error_names_read_naturally_in_each_language():
    err = InputError("error.empty_array", name="image", shape=(0, 3))
    assert t("arg.image", lang="es") in err.message("es")
    assert t("arg.image", lang="en") in err.message("en")
    assert "(0, 3)" in err.message("es") and "(0, 3)" in err.message("en")


def test_counts_are_grouped_as_each_language_writes_them():
    assert format_count(138_357_544, "en") == "138,357,544"
    assert format_count(138_357_544, "es") == "138\u00a0357\u00a0544"
    assert format_count(1792, "es") == "1792" and format_count(1792, "en") == "1,792"
    assert format_count(0, "es") == "0" and format_count(-5, "en") == "\u22125"
    assert format_compact(15_470_264_320, "en") == "15.5\u00a0G"
    assert format_compact(62_378_344, "es") == "62,4\u00a0M"
    assert format_compact(61_706, "en") == "61.7\u00a0k"
    assert format_compact(999, "es") == "999"


# --- whole numbers in messages ----------------------------------------------------------


def test_whole_number_fields_are_grouped_by_hand_values():
    english = t("train.limit.params", lang="en", value=199_999_999, limit=1_000_000)
    assert english.startswith("The network has 199,999,999 parameters")
    assert "at most 1,000,000." in english
    spanish = t("train.limit.params", lang="es", value=199_999_999, limit=1_000_000)
    assert spanish.startswith("La red tiene 199\u00a0999\u00a0999 parámetros")
    # Spanish groups from five digits on (RAE): a four-digit number reads as it is typed.
    assert "1792" in t("error.below_one", lang="es", name="x", value=1792)
    assert "−12\u00a0345" in t("error.below_one", lang="es", name="x", value=-12_345)


@given(
    n=st.integers(min_value=-(10**30), max_value=10**30),
    lang=st.sampled_from(["es", "en"]),
)
def test_any_whole_number_field_is_written_as_format_count(n, lang):
    message = t("train.limit.layers", lang=lang, value=n, limit=n)
    assert message.count(format_count(n, lang)) == 2
    digits = "".join(ch for ch in format_count(n, lang) if ch.isdigit())
    assert digits == str(abs(n))  # grouping adds separators only: no digit lost or added


@given(
    n=st.integers(min_value=np.iinfo(np.int64).min, max_value=np.iinfo(np.int64).max),
    dtype=st.sampled_from([np.int64, np.int32, np.uint8, np.int16]),
)
def test_numpy_whole_numbers_read_like_python_ones(n, dtype):
    info = np.iinfo(dtype)
    value = dtype(min(max(n, info.min), info.max))
    assert t("error.below_one", lang="en", name="x", value=value) == t(
        "error.below_one", lang="en", name="x", value=int(value)
    )


@pytest.mark.parametrize("lang", ["es", "en"])
def test_bools_and_text_fields_are_left_as_they_are(lang):
    assert "True" in t("error.below_one", lang=lang, name="x", value=True)
    # A number the caller passes as text (a seed, which a link writes ungrouped) stays so.
    assert "12345" in t("quiz.share_help", lang=lang, seed="12345")
