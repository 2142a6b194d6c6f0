"""Huge numbers on the convolution page: refused where they come in, said once when they overflow.

The issue: ``?k=1e308,1e308;1e308,1e308`` gave maps full of ∞ with no message,
309-digit sums in the inspector, and exports that failed silently.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.core.conv import MAX_MAGNITUDE
from cnnviz.core.kernels import get_kernel
from cnnviz.i18n import format_number, t
from tests.app import helpers

ISSUE_LINK = "1e308,1e308;1e308,1e308"
MAP_EXPORTS = ("conv_png", "conv_gif", "conv_output_csv")


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page("app_pages/convolution.py", lang, **params)


def last_trace(at: AppTest):
    return at.session_state["conv_last_trace"][0]


def disabled(at: AppTest) -> dict[str, bool]:
    return {b.key: b.proto.disabled for b in at.get("download_button")}


def overflow_notice(lang: str) -> str:
    largest = format_number(np.finfo(np.float64).max, digits=1, lang=lang)
    return t("error.overflow_result", lang=lang, largest=largest, max=MAX_MAGNITUDE)


def longest_digit_run(text: str) -> int:
    return max((len(run) for run in re.findall(r"\d+", text)), default=0)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_issue_link_is_refused_with_the_bound_and_the_page_keeps_working(lang):
    at = open_page(lang, k=ISSUE_LINK)
    (warning,) = at.warning
    expected = (
        "El número 1e308 de la fila 1, columna 1" if lang == "es" else "The number 1e308 in row 1"
    )
    assert expected in warning.value
    assert f"−1e100 {'y' if lang == 'es' else 'and'} 1e100" in warning.value
    # The default kernel stands in: finite maps, every export offered, no overflow notice.
    np.testing.assert_array_equal(
        at.session_state["conv_bank"][:, :, 0, 0], get_kernel("vertical_edges")
    )
    assert np.isfinite(last_trace(at).output).all()
    assert not any(disabled(at).values())
    assert not at.error


@pytest.mark.parametrize("link", ["1e300", "0,1;-1e101,0", "1e100,1e100|1,-1e300"])
def test_any_weight_above_the_bound_in_a_link_is_refused(link):
    at = open_page("es", k=link)
    assert "demasiado grande" in at.warning[0].value
    assert np.abs(at.session_state["conv_bank"]).max() <= MAX_MAGNITUDE


def test_the_bound_itself_on_a_large_photo_gives_readable_sums():
    at = open_page(conv_sample="camera", conv_size="256", k="1e100,-1e100;1e100,1e100")
    trace = last_trace(at)
    assert trace.output.shape == (255, 255, 1) and not trace.overflowed
    assert not at.warning and not at.error
    formula = at.code[0].value
    assert formula.endswith("e100") and "·1e100 + " in formula and "·(−1e100)" in formula
    # No 309-digit (nor 101-digit) numbers anywhere the page writes text.
    assert longest_digit_run(formula) < 20
    assert not any(disabled(at).values())


def test_a_bias_of_1e308_in_a_link_never_reaches_the_sums():
    at = open_page(conv_bias="1e308")
    trace = last_trace(at)
    assert abs(float(trace.bias[0])) <= 100 and not trace.overflowed
    assert not at.error


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_weight_typed_above_the_bound_is_refused_and_the_kernel_kept(lang):
    at = open_page(lang)
    before = at.session_state["conv_bank"].copy()
    edits = {"edited_rows": {0: {"1": -2e100}}, "added_rows": [], "deleted_rows": []}
    at.session_state["conv_table_0_0_v0"] = edits
    at.run()
    assert not at.exception
    table = t("kernel_editor.weights", lang=lang)
    message = t("error.overflow_kernel_cell", lang=lang, table=table, value=-2e100, max=1e100)
    assert [e.value for e in at.error] == [message]
    assert "−2e100" in message
    np.testing.assert_array_equal(at.session_state["conv_bank"], before)


def test_a_matrix_value_typed_above_the_bound_is_refused_and_the_matrix_kept():
    at = open_page("es", conv_source="table")
    before = at.session_state["conv_last_trace"][1].copy()
    edits = {"edited_rows": {0: {"1": 1e300}}, "added_rows": [], "deleted_rows": []}
    at.session_state["conv_matrix"] = edits
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        t("error.overflow_matrix_cell", lang="es", value=1e300, max=1e100)
    ]
    np.testing.assert_array_equal(at.session_state["conv_last_trace"][1], before)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_an_overflow_that_gets_through_is_said_once_and_exports_explain_why(lang):
    # Session state bypasses the editor's bound: the page must still say what happened.
    at = open_page(lang)
    at.session_state["conv_bank"] = np.full((2, 2, 1, 1), 1e308)
    at.run()  # pytest turns NumPy's overflow warnings into errors: the page raises none
    assert not at.exception
    trace = last_trace(at)
    assert trace.overflowed
    assert [w.value for w in at.warning] == [overflow_notice(lang)]
    assert "1,8e308" in at.warning[0].value if lang == "es" else "1.8e308" in at.warning[0].value
    assert at.code[0].value.endswith("= ∞")
    assert longest_digit_run(at.code[0].value) < 20
    states = disabled(at)
    assert all(states[key] for key in MAP_EXPORTS) and not states["conv_kernel_csv"]
    inf_count = int(np.count_nonzero(~np.isfinite(trace.output)))
    reason = t("export.not_finite", lang=lang, count=inf_count, size=trace.output.size, max=1e100)
    assert [e.value for e in at.error].count(reason) == 1  # once for the three files
