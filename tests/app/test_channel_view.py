"""The channel view through AppTest: a tiny script shows a colour layer's bank and one map's sum."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.core.channels import RGB, cell_lines
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import format_number, t

RNG = np.random.default_rng(12)
IMAGE = RNG.uniform(0, 1, (8, 8, 3))
KERNEL = RNG.normal(0, 0.4, (3, 3, 3, 6))
BIAS = np.linspace(-0.5, 0.5, 6)


def script():
    import numpy as np
    import streamlit as st

    from cnnviz.ui.channel_view import show_channel_sum, show_filter_bank
    from cnnviz.ui.language import language_selector

    language_selector()  # ?lang=, as app.py does
    rng = np.random.default_rng(12)  # the module's arrays, drawn again in the app's process
    image = rng.uniform(0, 1, (8, 8, 3))
    kernel = rng.normal(0, 0.4, (3, 3, 3, 6))
    bias = np.linspace(-0.5, 0.5, 6)
    index = show_filter_bank(kernel, bias, key="ch")
    st.session_state["picked"] = index
    show_channel_sum(image, kernel, bias, index, padding="same", key="ch")


def run(lang: str = "en", **params: str) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["lang"] = lang
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    assert not at.exception, at.exception
    return at


def expected_lines(index: int, row: int, col: int, lang: str) -> str:
    trace = conv2d_trace(IMAGE, KERNEL[..., index], bias=BIAS[index], padding="same")
    return "\n".join(cell_lines(trace.step_at(row, col), RGB, lang))


@pytest.mark.parametrize("lang", ["en", "es"])
def test_opens_on_filter_0_cell_0_0_in_both_languages(lang):
    at = run(lang)
    assert at.session_state["picked"] == 0
    assert [s.value for s in at.subheader] == [
        t("channels.bank.title", lang=lang, count=6),
        t("channels.sum.title", lang=lang, number=0),
    ]
    (code,) = at.code
    assert code.value == expected_lines(0, 0, 0, lang)
    assert len(at.get("plotly_chart")) == 6  # bank, channels, equation: each wide and phone
    bias = format_number(BIAS[0], digits=3, lang=lang)
    assert any(bias in m.value for m in at.markdown)


def test_another_filter_and_cell_change_every_number():
    at = run("en")
    at.number_input(key="ch_filter").set_value(4).run()
    at.number_input(key="ch_row").set_value(7).run()
    at.number_input(key="ch_col").set_value(2).run()
    assert not at.exception and at.session_state["picked"] == 4
    assert at.code[0].value == expected_lines(4, 7, 2, "en")
    assert at.code[0].value.endswith(
        format_number(
            conv2d_trace(IMAGE, KERNEL[..., 4], bias=BIAS[4], padding="same").totals[7, 2]
        )
    )
    assert at.query_params["ch_filter"] == "4" and at.query_params["ch_row"] == "7"
    assert t("channels.sum.title", number=4) in [s.value for s in at.subheader]


def test_the_step_button_walks_the_cells():
    at = run("en")
    at.button(key="ch_forward").click().run()
    assert (at.session_state["ch_row"], at.session_state["ch_col"]) == (0, 1)
    assert at.code[0].value == expected_lines(0, 0, 1, "en")


def test_a_shared_link_opens_its_filter_and_cell_and_clamps_a_wrong_one():
    at = run("es", ch_filter="5", ch_row="3", ch_col="6")
    assert at.session_state["picked"] == 5
    assert at.code[0].value == expected_lines(5, 3, 6, "es")
    at = run("en", ch_filter="99")
    assert at.session_state["picked"] == 5  # the nearest end of 0..5
    assert at.warning  # the link said what the widget could not take
