"""The UI kit through AppTest: tiny scripts that use one widget each, driven by key."""

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.i18n import t
from cnnviz.ui import kit


def run(script, **state) -> AppTest:
    at = AppTest.from_function(script, default_timeout=30)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def keep_last_valid_script():
    import streamlit as st

    from cnnviz.i18n import InputError
    from cnnviz.ui import kit

    def parse(text):
        if not text.isdigit():
            raise InputError("error.matrix_cells")
        return int(text)

    typed = st.text_input("n", "3", key="typed")
    value = kit.checked(lambda: parse(typed))
    st.session_state["shown"] = kit.last_valid("last", value, default=0, caption="falling back")


def test_last_valid_keeps_the_last_good_value_and_says_so():
    at = run(keep_last_valid_script)
    assert at.session_state["shown"] == 3
    assert not at.error and not at.caption
    at.text_input(key="typed").input("x").run()
    assert [e.value for e in at.error] == [t("error.matrix_cells")]
    assert at.session_state["shown"] == 3
    assert [c.value for c in at.caption] == ["falling back"]
    at.text_input(key="typed").input("7").run()
    assert at.session_state["shown"] == 7
    assert not at.error and not at.caption


def test_last_valid_falls_back_to_the_default_first():
    at = run(keep_last_valid_script, typed="x")
    assert at.session_state["shown"] == 0
    assert "last" not in at.session_state
    assert [c.value for c in at.caption] == ["falling back"]


def test_last_valid_without_a_default_has_nothing_to_show():
    def script():
        import streamlit as st

        from cnnviz.ui import kit

        st.session_state["shown"] = kit.last_valid("last", None, caption="falling back")

    at = run(script)
    assert at.session_state["shown"] is None
    assert not at.caption  # nothing shown, so nothing to explain


def matrix_script():
    import numpy as np
    import streamlit as st

    from cnnviz.ui import kit

    st.session_state["values"] = kit.matrix_table(np.array([[1.0, 2.0], [3.0, 4.0]]), key="m")


def test_matrix_table_returns_the_numbers():
    at = run(matrix_script)
    np.testing.assert_array_equal(at.session_state["values"], [[1.0, 2.0], [3.0, 4.0]])


def test_matrix_table_refuses_an_empty_cell():
    at = run(matrix_script, m={"edited_rows": {"1": {"0": None}}})
    assert at.session_state["values"] is None


def test_matrix_table_takes_an_edit():
    at = run(matrix_script, m={"edited_rows": {"0": {"1": -5}}})
    np.testing.assert_array_equal(at.session_state["values"], [[1.0, -5.0], [3.0, 4.0]])


def test_share_link_shows_the_page_address_with_its_settings():
    def script():
        import streamlit as st

        from cnnviz.ui import kit

        st.query_params["k"] = "1,0;0,1"
        kit.share_link("opens the same demo")

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["present"] = "1"
    at.query_params["lang"] = "es"
    at.run()
    assert not at.exception
    # No browser, no address: the link is relative; presenter mode is left out.
    assert at.code[0].value == "?lang=es&k=1,0;0,1"
    assert at.caption[0].value == "opens the same demo"


def test_pair_inputs_start_from_the_link():
    def script():
        import streamlit as st

        from cnnviz.ui import kit

        st.session_state["pair"] = kit.pair_inputs("Stride", "s", 4, 2)

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["s_cols"] = "3"
    at.run()
    assert at.session_state["pair"] == (2, 3)
    at.number_input(key="s_rows").set_value(4).run()
    assert at.session_state["pair"] == (4, 3)


def test_from_link_once_reads_the_link_only_on_the_first_run():
    def script():
        import streamlit as st

        from cnnviz.content import links
        from cnnviz.ui import kit

        value = kit.from_link_once("pk", links.decode_kernel, warning="pool.tconv.link_ignored")
        st.session_state.setdefault("seen", []).append(None if value is None else value.tolist())

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["pk"] = "1,2;3,4"
    at.run()
    at.run()
    assert at.session_state["seen"] == [[[1.0, 2.0], [3.0, 4.0]], None]


def test_from_link_once_warns_about_a_broken_link():
    def script():
        from cnnviz.content import links
        from cnnviz.ui import kit

        kit.from_link_once("pk", links.decode_kernel, warning="pool.tconv.link_ignored")

    at = AppTest.from_function(script, default_timeout=30)
    at.query_params["pk"] = "1,x"
    at.run()
    assert not at.exception
    assert len(at.warning) == 1


@pytest.mark.parametrize(
    ("lines", "text"), [(["a"], "- a"), (["a", "b c"], "- a\n- b c"), ([], "")]
)
def test_bullet_text(lines, text):
    assert kit.bullet_text(lines) == text
