"""Hostile numbers in links: every URL-bound number of every page, opened with bad values.

Each page is opened once cleanly, which gives every bound widget's range and
default; then once per bad value with that value in *all* of the page's bound
number parameters at the same time. Nothing may raise, every widget must
start from its default (or the nearest end of its range), the URL must say
what the widget holds, and a warning must name each parameter that changed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.i18n import t
from cnnviz.ui.url_state import NOTICES
from tests.app.helpers import open_page


@dataclass(frozen=True)
class Bound:
    """A bound widget as the clean page shows it."""

    default: float
    low: float
    high: float
    integer: bool


# page, parameters that bring the widgets out, and the bound number parameters it shows
PAGES: dict[str, tuple[str, dict[str, str], tuple[str, ...]]] = {
    "convolution": (
        "app_pages/convolution.py",
        {"conv_pad": "cells"},
        ("conv_stride_rows", "conv_stride_cols", "conv_dilation_rows", "conv_dilation_cols",
         "conv_bias", "conv_pad_cells"),
    ),
    "pooling": (
        "app_pages/pooling.py",
        # A 64 × 64 photo, not the 4 × 4 example: room for the largest window.
        {"pool_stride_auto": "false", "pool_course": "false", "pool_sample": "camera"},
        ("pool_window_rows", "pool_window_cols", "pool_stride_rows", "pool_stride_cols",
         "pool_up_rows", "pool_up_cols", "pool_tstride_rows", "pool_tstride_cols",
         "pool_shift_by"),
    ),
    "signals": (
        "app_pages/signals.py",
        {"sig_source": "noisy_sine", "sig_kernel": "moving_average"},
        ("sig_length", "sig_seed", "sig_noise", "sig_n", "sig_stride", "sig_dilation"),
    ),
    "calculator": (
        "app_pages/architectures/page.py",
        {},
        ("arch_calc_h", "arch_calc_w", "arch_calc_c", "arch_calc_filters", "arch_calc_k",
         "arch_calc_s", "arch_calc_pad_cells", "arch_calc_d"),
    ),
    "builder": (
        "app_pages/architectures/page.py",
        {"arch_view": "builder"},
        ("arch_in_h", "arch_in_w", "arch_in_c"),
    ),
    "quiz": ("app_pages/architectures/page.py", {"arch_view": "quiz"}, ("quiz_q",)),
    "maps": ("app_pages/trained_network.py", {}, ("digit_index", "net_channel")),
    "filters": ("app_pages/trained_network.py", {"net_view": "filters"}, ("net_filter2",)),
    "saliency": (
        "app_pages/saliency.py",
        {},
        ("digit_index", "sal_samples", "sal_noise", "sal_steps", "sal_window", "sal_stride",
         "sal_opacity"),
    ),
    "adversarial": (
        "app_pages/adversarial/page.py",
        {"adv_method": "pgd"},
        ("digit_index", "adv_eps", "adv_steps", "adv_alpha"),
    ),
    "training": (
        "app_pages/training/page.py",
        {},
        ("train_lr", "train_momentum", "train_epochs", "train_val"),
    ),
    "conv-matrix": (
        "app_pages/conv_matrix.py",
        {"matrix_pad": "cells"},
        ("matrix_size_rows", "matrix_size_cols", "matrix_seed", "matrix_stride_rows",
         "matrix_stride_cols", "matrix_dilation_rows", "matrix_dilation_cols",
         "matrix_pad_cells"),
    ),
    # why_k is left out: its range is the reach's, which the same link changes.
    "why-shift": (
        "app_pages/why_cnns/page.py", {"why_view": "shift"}, ("why_reach", "why_channel")
    ),
    "why-fields": (
        "app_pages/why_cnns/page.py",
        {"why_view": "hierarchy", "why_unit": "chosen"},
        ("why_filter", "why_row", "why_col"),
    ),
}  # fmt: skip

# A bad value: its text in the link, and what the widget must start from (None: no notice).
Case = Callable[[Bound], tuple[str, float | None]]


def _default(text: str) -> Case:
    return lambda b: (text, b.default)


def _half(b: Bound) -> float | None:
    """2.5: not whole, so an integer widget falls back; a fine number for a float one in range."""
    if b.integer:
        return b.default
    return None if b.low <= 2.5 <= b.high else min(max(2.5, b.low), b.high)


CASES: dict[str, Case] = {
    "inf": _default("inf"),
    "-inf": _default("-inf"),
    "nan": _default("nan"),
    "1e400": _default("1e400"),
    "-1e400": _default("-1e400"),
    "1e20": lambda b: ("1e20", b.high),
    "-1e20": lambda b: ("-1e20", b.low),
    "2.5": lambda b: ("2.5", _half(b)),
    "abc": _default("abc"),
    "superscript": _default("²"),
    "arabic-indic": _default("٣"),
    "empty": _default(""),
    "above": lambda b: (repr(b.high + 1), b.high),
    "below": lambda b: (repr(b.low - 1), b.low),
}  # fmt: skip

_clean: dict[str, dict[str, Bound]] = {}


def bounds_of(name: str) -> dict[str, Bound]:
    """Open the page cleanly once (per test session) and read each bound widget's range."""
    if name not in _clean:
        page, params, keys = PAGES[name]
        at = open_page(page, "en", **params)
        widgets = {w.key: w for w in [*at.number_input, *at.slider]}
        assert set(keys) <= set(widgets), set(keys) - set(widgets)
        _clean[name] = {
            key: Bound(
                widgets[key].value,
                widgets[key].min,
                widgets[key].max,
                isinstance(widgets[key].value, int),
            )
            for key in keys
        }
    return _clean[name]


def assert_link_number(at: AppTest, key: str, bound: Bound, expected: float) -> None:
    """The widget holds ``expected``; the URL says it (or nothing, for the default)."""
    value = at.session_state[key]
    assert math.isclose(value, expected), (key, value, expected)
    assert isinstance(value, int) is bound.integer, (key, value)
    if expected == bound.default:
        assert key not in at.query_params, (key, at.query_params[key])
    else:
        assert math.isclose(float(at.query_params[key]), expected), (key, at.query_params[key])


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("name", list(PAGES))
def test_a_bad_number_in_every_parameter_opens_the_page_with_a_notice(name, case, lang):
    page, params, _ = PAGES[name]
    bounds = bounds_of(name)
    links = {key: CASES[case](bound) for key, bound in bounds.items()}
    at = open_page(page, lang, **params, **{key: text for key, (text, _) in links.items()})

    warnings = "\n".join(w.value for w in at.warning)
    for key, bound in bounds.items():
        text, expected = links[key]
        noticed = expected is not None
        assert_link_number(at, key, bound, expected if noticed else float(text))
        assert (f"(`{key}`)" in warnings) is noticed, (key, warnings)
    if any(expected is not None for _, expected in links.values()):
        kind = t("url.number.whole", lang=lang)
        assert kind in warnings
        assert ("El enlace da a" if lang == "es" else "The link gives") in warnings


def test_one_notice_above_the_page_says_what_the_link_held_until_the_user_changes_it():
    at = open_page("app_pages/convolution.py", "es", conv_stride_rows="1e20", conv_bias="inf")
    assert len(at.warning) == 1  # both parameters in one warning, above the page
    assert at.warning[0].value.split("\n\n") == [
        t(
            "url.number.replaced",
            lang="es",
            label="Paso (stride): filas",
            param="conv_stride_rows",
            received="1e20",
            kind="un número entero",
            low=1,
            high=8,
            value=8,
        ),
        "El enlace da a **Sesgo (bias)** (`conv_bias`) el valor `inf`, pero admite un número"
        " entre −100 y 100. Se usa 0 en su lugar.",
    ]
    assert at.query_params["conv_stride_rows"] == "8" and "conv_bias" not in at.query_params

    at.number_input(key="conv_stride_rows").set_value(2).run()
    assert not at.exception
    assert [w.value for w in at.warning] == [at.warning[0].value]
    assert "conv_stride_rows" not in at.warning[0].value and "conv_bias" in at.warning[0].value
    assert set(at.session_state[NOTICES]) == {"conv_bias"}
    assert at.query_params["conv_stride_rows"] == "2"


def test_a_good_link_opens_as_it_says_with_no_notice():
    at = open_page(
        "app_pages/convolution.py",
        "en",
        conv_stride_rows="3",
        conv_dilation_cols=" 2",  # "+2" arrives as " 2"
        conv_bias="-2.5",
    )
    assert not at.warning
    assert (at.session_state["conv_stride_rows"], at.session_state["conv_bias"]) == (3, -2.5)
    assert at.session_state["conv_dilation_cols"] == 2
    assert at.query_params["conv_dilation_cols"] == "2"  # written back the way the app writes it


def test_a_link_without_numbers_leaves_them_out_of_the_url():
    at = open_page("app_pages/convolution.py", "en")
    assert not any(key.startswith(("conv_stride", "conv_dilation")) for key in at.query_params)
    at.number_input(key="conv_stride_cols").set_value(2).run()
    assert at.query_params["conv_stride_cols"] == "2"
    at.number_input(key="conv_stride_cols").set_value(1).run()
    assert "conv_stride_cols" not in at.query_params


@pytest.mark.parametrize("seed", ["²", "٣", "inf", "1e400", "-1", ""])
def test_a_bad_quiz_seed_starts_a_new_quiz(seed):
    at = open_page("app_pages/architectures/page.py", "es", quiz_seed=seed)
    assert at.query_params["quiz_seed"].isascii() and at.query_params["quiz_seed"].isdigit()
    assert at.query_params["quiz_seed"] != seed
