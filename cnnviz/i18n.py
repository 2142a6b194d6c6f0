"""Words: the Spanish and English catalogs, the current language and number formatting.

Every user-facing string goes through :func:`t`. The catalogs live in
``cnnviz/locales/{es,en}.json`` with identical keys (a test checks it). The
current language is held in a :class:`contextvars.ContextVar`, so each
Streamlit session (its own script thread) has its own without passing it
around; the page sets it once per run with :func:`set_language`.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from functools import cache
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("es", "en")
"""Supported languages, as ISO 639-1 codes."""

DEFAULT_LANGUAGE = "en"
"""The language used when neither the user, the URL nor the browser names a supported one."""

LANGUAGE_NAMES: Mapping[str, str] = {"es": "Español", "en": "English"}
"""Each language's name in itself, for the language selector."""

MINUS = "\u2212"
"""The typographic minus sign used for negative numbers on screen."""

SCIENTIFIC_FROM = 1e16
"""Magnitude from which :func:`format_number` writes ``1.5e20`` instead of all the digits.

From 10^16 on, float64 cannot hold every whole number (2^53 ≈ 9·10^15), so the
digits past the 16th are noise; and 1e300 written out is a 301-digit line.
"""

_LOCALES = Path(__file__).with_name("locales")
_current: ContextVar[str] = ContextVar("cnnviz_language", default=DEFAULT_LANGUAGE)


@cache
def catalog(lang: str) -> Mapping[str, str]:
    """Return the message catalog of one language.

    Parameters
    ----------
    lang : str
        One of :data:`LANGUAGES`.

    Returns
    -------
    Mapping[str, str]
        Message keys to templates in :meth:`str.format` syntax.
    """
    if lang not in LANGUAGES:
        raise KeyError(f"Unknown language {lang!r}; expected one of {LANGUAGES}.")
    return json.loads((_LOCALES / f"{lang}.json").read_text(encoding="utf-8"))


def normalize_language(code: str | None) -> str | None:
    """Map a language tag such as ``"es-AR"`` or ``"EN_us"`` to a supported language.

    Parameters
    ----------
    code : str or None
        A BCP 47 tag, a POSIX locale name or a bare language code.

    Returns
    -------
    str or None
        The supported language it names, or None.

    Examples
    --------
    >>> normalize_language("es-AR"), normalize_language("fr"), normalize_language(None)
    ('es', None, None)
    """
    if not code:
        return None
    base = str(code).strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def resolve_language(
    choice: str | None = None, query: str | None = None, locale: str | None = None
) -> str:
    """Pick the language: an explicit choice, else ``?lang=``, else the browser's, else English.

    Parameters
    ----------
    choice : str, optional
        What the user picked in the language selector.
    query : str, optional
        The ``lang`` query parameter of the URL.
    locale : str, optional
        The browser's locale (``st.context.locale``).

    Returns
    -------
    str
        One of :data:`LANGUAGES`.

    Examples
    --------
    >>> resolve_language(None, "es", "en-US")
    'es'
    >>> resolve_language(None, "xx", "es-MX")
    'es'
    >>> resolve_language()
    'en'
    """
    for candidate in (choice, query, locale):
        lang = normalize_language(candidate)
        if lang:
            return lang
    return DEFAULT_LANGUAGE


def set_language(lang: str) -> None:
    """Make ``lang`` the current language of this thread of execution.

    Parameters
    ----------
    lang : str
        A language code; unsupported ones fall back to English.
    """
    _current.set(normalize_language(lang) or DEFAULT_LANGUAGE)


def get_language() -> str:
    """Return the current language code."""
    return _current.get()


def format_number(value: float, *, digits: int = 3, lang: str | None = None) -> str:
    """Format a number for reading: few decimals, decimal comma in Spanish, a true minus.

    Parameters
    ----------
    value : float
        The number. Integers (and floats equal to one) print without decimals.
    digits : int, default 3
        Decimals kept at most; trailing zeros are dropped.
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    str
        For instance ``"−0,25"`` in Spanish and ``"−0.25"`` in English.

    Examples
    --------
    >>> format_number(-0.25, lang="es"), format_number(1234.5, lang="en"), format_number(6.0)
    ('−0,25', '1234.5', '6')
    >>> format_number(-1.23456e300, lang="es"), format_number(1e20, lang="en")
    ('−1,235e300', '1e20')

    Notes
    -----
    From :data:`SCIENTIFIC_FROM` on, a number is written as a mantissa with at
    most ``digits`` decimals and a power of ten, as a calculator (and the
    app's links and tables, which read it back) write it: ``1.5e20``, with
    no ``+`` in the exponent. Rounding is Python's: correct, ties to even
    (the stage's ``formatNumber`` in ``stage.js`` writes the same text).
    """
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "∞" if value > 0 else f"{MINUS}∞"
    if abs(value) >= SCIENTIFIC_FROM:
        mantissa, exponent = f"{value:.{digits}e}".split("e")
        text = f"{mantissa.rstrip('0').rstrip('.') if digits > 0 else mantissa}e{int(exponent)}"
    else:
        text = f"{value:.{digits}f}".rstrip("0").rstrip(".") if digits > 0 else f"{value:.0f}"
    if text in ("-0", ""):
        text = "0"
    text = text.replace("-", MINUS)
    if (lang or get_language()) == "es":
        text = text.replace(".", ",")
    return text


def format_count(n: int, lang: str | None = None) -> str:
    """Write a whole number with its thousands grouped as the language does.

    Parameters
    ----------
    n : int
        The number.
    lang : str, optional
        ``"en"``: commas (``138,357,544``); ``"es"``: no-break spaces from five
        digits on (``138 357 544``, ``1792``), as the RAE recommends. The current
        language by default.

    Returns
    -------
    str
        The number, a true minus sign if negative.

    Examples
    --------
    >>> format_count(138357544, "en"), format_count(61706, "es").split(), format_count(760, "es")
    ('138,357,544', ['61', '706'], '760')
    """
    lang = lang or get_language()
    text = f"{abs(int(n)):,}"
    if lang == "es":
        text = text.replace(",", "\u00a0") if abs(int(n)) >= 10_000 else text.replace(",", "")
    return (MINUS if n < 0 else "") + text


def format_compact(n: float, lang: str | None = None) -> str:
    """Write a large number short, with one decimal and k, M or G: ``138.4 M``, ``3,7 G``.

    The number and its letter are joined by a no-break space, so they never part.

    Parameters
    ----------
    n : float
        The number.
    lang : str, optional
        Language (decimal comma in Spanish); the current one by default.

    Returns
    -------
    str
        Below a thousand, the number itself.

    Examples
    --------
    >>> format_compact(138357544, "en").split(), format_compact(3_671_834_624, "es").split()
    (['138.4', 'M'], ['3,7', 'G'])
    >>> format_compact(320)
    '320'
    """
    lang = lang or get_language()
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= factor:
            return f"{format_number(n / factor, digits=1, lang=lang)}\u00a0{suffix}"
    return format_number(n, digits=0, lang=lang)


def format_shape(shape: Iterable[int]) -> str:
    """Write an array shape as the pages and figures do: sizes joined by a spaced ``×``.

    Examples
    --------
    >>> format_shape((16, 16, 10)), format_shape([28])
    ('16 × 16 × 10', '28')
    """
    return " × ".join(str(int(n)) for n in shape)


def _format_field(value: object, lang: str) -> object:
    """Render numbers in a message the way the language writes them; leave the rest alone.

    Whole numbers (Python's and NumPy's, not bools, which read ``True``) get their
    thousands grouped by :func:`format_count`; floats go through
    :func:`format_number`. A number that must be read back exactly, such as a
    seed a link carries, is passed as text by its caller.
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return format_count(int(value), lang)
    if isinstance(value, float):
        return format_number(value, lang=lang, digits=4)
    return value


def t(key: str, /, *, lang: str | None = None, **fields: object) -> str:
    """Translate a message key into the current language, filling in its fields.

    Parameters
    ----------
    key : str
        A key of the catalogs, such as ``"error.stride_below_one"``.
    lang : str, optional
        Language to use instead of the current one.
    **fields
        Values for the template's ``{placeholders}``; numbers are written as
        the language writes them: floats with a decimal comma in Spanish,
        whole numbers with their thousands grouped (``199,999,999`` in English,
        ``199 999 999`` in Spanish, ``1998`` in both).

    Returns
    -------
    str
        The message. An unknown key returns the key itself, so a missing
        translation is visible rather than fatal (a test checks there are none).

    Examples
    --------
    >>> t("app.title", lang="es")
    'cnnviz: redes convolucionales, número a número'
    """
    lang = lang or get_language()
    template = catalog(lang).get(key)
    if template is None:
        return key
    if not fields:
        return template
    return template.format(**{name: _format_field(v, lang) for name, v in fields.items()})


def labels(template: str, **fields: object) -> Callable[[object], str]:
    """Return a widget's ``format_func``: an option value to its label, in today's language.

    The language is fixed when the function is made, because a format
    function may be called later from another thread (Streamlit's AppTest does),
    where the current language is not the page's.

    Parameters
    ----------
    template : str
        The catalog key with ``{}`` where the option value goes.
    **fields
        Fields of the message, as for :func:`t`.

    Returns
    -------
    callable
        ``value -> t(template.format(value))``.

    Examples
    --------
    >>> labels("settings.padding.{}")("valid") == t("settings.padding.valid")
    True
    """
    lang = get_language()
    return lambda value: t(template.format(value), lang=lang, **fields)


class InputError(ValueError):
    """A setting or input a student can fix, with a message in the current language.

    The message is looked up when the error is shown, not when it is raised, so
    it always appears in the language the page is in.

    Parameters
    ----------
    key : str
        Catalog key of the message, under ``error.``.
    **fields
        Values the message quotes: what was received and what was expected.

    Examples
    --------
    >>> err = InputError("error.stride_below_one", name="strides", value=0)
    >>> isinstance(err, ValueError), err.key
    (True, 'error.stride_below_one')
    """

    def __init__(self, key: str, /, **fields: object) -> None:
        super().__init__(key)
        self.key = key
        self.fields = fields

    def __str__(self) -> str:
        return self.message()

    def message(self, lang: str | None = None) -> str:
        """Return the message in ``lang`` (the current language by default).

        A ``name`` field (``"image"``, ``"strides"``...) is shown through the
        catalog key ``arg.<name>``, so that it reads naturally in each language.
        """
        lang = lang or get_language()
        fields = dict(self.fields)
        name = fields.get("name")
        if isinstance(name, str) and f"arg.{name}" in catalog(lang):
            fields["name"] = t(f"arg.{name}", lang=lang)
        return t(self.key, lang=lang, **fields)
