"""The app runs with no exception in both languages (Streamlit's AppTest, no browser)."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.i18n import t

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def run_app(lang: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["lang"] = lang
    return at.run()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_home_runs_in_both_languages(lang):
    at = run_app(lang)
    assert not at.exception
    assert at.title[0].value == t("home.title", lang=lang)
    assert at.sidebar.selectbox(key="lang").value == lang


@pytest.mark.parametrize("lang", ["es", "en"])
def test_home_example_shows_course_formula(lang):
    at = run_app(lang)
    formula = at.code[0].value
    assert formula == "0·1 + 5·(−2) + 0·3 + 1·4 + 6·(−5) + 0·6 + 2·(−7) + 7·8 + 0·(−9) = 6"


def test_picking_another_output_cell_changes_the_formula():
    at = run_app("en")
    at.number_input(key="home_row").set_value(2)
    at.number_input(key="home_col").set_value(4).run()
    assert not at.exception
    # Window rows 2..4, cols 4..6 of the 5x7 input: 7·1 + 2·(−2) + 0·3 + 6·4 + 1·(−5) + 0·6
    # + 5·(−7) + 0·8 + 0·(−9) = −13.
    assert at.code[0].value.endswith("= −13")


def test_switching_language_translates_the_page():
    at = run_app("en")
    at.sidebar.selectbox(key="lang").set_value("es").run()
    assert not at.exception
    assert at.title[0].value == t("home.title", lang="es")
