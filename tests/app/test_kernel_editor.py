"""The kernel editor's preset box names a preset only while the weights are that preset's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from cnnviz.core.kernels import PRESETS, get_kernel
from cnnviz.i18n import t
from cnnviz.ui.kernel_editor import CUSTOM, shown_preset
from tests.app import helpers


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page("app_pages/convolution.py", lang, **params)


def edit_cell(at: AppTest, row: int, col: int, value: float, version: int = 0) -> None:
    """Type ``value`` in a cell of filter 0's table, as the browser sends it."""
    edits = {"edited_rows": {row: {str(col): value}}, "added_rows": [], "deleted_rows": []}
    at.session_state[f"conv_table_0_0_v{version}"] = edits
    at.run()
    assert not at.exception, at.exception


# --- shown_preset, the rule ---------------------------------------------------------------------


def test_shown_preset_by_hand():
    sobel = get_kernel("sobel_x")
    assert shown_preset(sobel[:, :, None], "sobel_x") == "sobel_x"
    # The same weights on three channels (a colour image) are still the preset.
    assert shown_preset(np.repeat(sobel[:, :, None], 3, axis=2), "sobel_x") == "sobel_x"
    edited = sobel.copy()
    edited[1, 1] = 0.5
    assert shown_preset(edited[:, :, None], "sobel_x") == CUSTOM
    # One channel edited out of three: custom.
    colour = np.repeat(sobel[:, :, None], 3, axis=2)
    colour[0, 0, 2] = 7
    assert shown_preset(colour, "sobel_x") == CUSTOM
    # Another size is another kernel, even if it starts with the same weights.
    assert shown_preset(np.zeros((5, 5, 1)), "identity") == CUSTOM
    assert shown_preset(sobel[:, :, None], CUSTOM) == CUSTOM
    # A box blur typed back to the cell's shown precision is not 1/9: custom.
    assert shown_preset(np.full((3, 3, 1), 0.111), "box_blur_3x3") == CUSTOM
    assert shown_preset(np.full((3, 3, 1), 1 / 9), "box_blur_3x3") == "box_blur_3x3"


@given(
    st.sampled_from(sorted(set(PRESETS) - {"gaussian"})),
    st.integers(0, 8),
    st.floats(-10, 10, allow_nan=False).filter(lambda v: abs(v) > 1e-6),
)
def test_shown_preset_one_cell_changed_is_custom_and_changed_back_is_the_preset(name, cell, delta):
    weights = get_kernel(name)[:, :, None].copy()
    row, col = divmod(cell % weights[:, :, 0].size, weights.shape[1])
    original = weights[row, col, 0]
    weights[row, col, 0] = original + delta
    assert shown_preset(weights, name) == CUSTOM
    weights[row, col, 0] = original
    assert shown_preset(weights, name) == name


# --- the box on the convolution page ------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "es"])
def test_one_edited_cell_makes_the_box_say_custom_and_drops_the_explanation(lang):
    at = open_page(lang)
    box = at.selectbox(key="conv_preset_0")
    assert box.value == "vertical_edges"
    explanation = PRESETS["vertical_edges"].explanation(lang)
    assert explanation in [c.value for c in at.caption]
    edit_cell(at, 0, 0, 5.0)
    assert at.selectbox(key="conv_preset_0").value == CUSTOM
    assert at.selectbox(key="conv_preset_0").format_func(CUSTOM) == t(
        "kernel_editor.custom", lang=lang
    )
    captions = [c.value for c in at.caption]
    assert explanation not in captions
    name = PRESETS["vertical_edges"].name(lang)
    assert t("kernel_editor.edited", lang=lang, preset=name) in captions
    assert at.session_state["conv_bank"][0, 0, 0, 0] == 5.0


def test_typing_the_preset_value_back_names_the_preset_again():
    at = open_page("en")
    original = float(get_kernel("vertical_edges")[0, 0])
    edit_cell(at, 0, 0, 5.0)
    assert at.selectbox(key="conv_preset_0").value == CUSTOM
    edit_cell(at, 0, 0, original)
    assert at.selectbox(key="conv_preset_0").value == "vertical_edges"
    assert PRESETS["vertical_edges"].explanation("en") in [c.value for c in at.caption]


def test_reset_after_an_edit_brings_the_picked_preset_back():
    at = open_page("en")
    at.selectbox(key="conv_preset_0").set_value("sharpen").run()
    edit_cell(at, 1, 1, 9.0, version=1)  # choosing a preset redraws the tables (version 1)
    assert at.selectbox(key="conv_preset_0").value == CUSTOM
    at.button(key="conv_reset_0").click().run()
    np.testing.assert_array_equal(at.session_state["conv_bank"][:, :, 0, 0], get_kernel("sharpen"))
    assert at.selectbox(key="conv_preset_0").value == "sharpen"


def test_a_kernel_from_a_link_is_custom_and_resets_to_the_identity():
    at = open_page("en", k="1,2;3,4")
    assert at.selectbox(key="conv_preset_0").value == CUSTOM
    assert not [c.value for c in at.caption if "edited from" in c.value]
    at.button(key="conv_reset_0").click().run()
    np.testing.assert_array_equal(at.session_state["conv_bank"][:, :, 0, 0], get_kernel("identity"))


def test_tables_keep_their_first_data_so_an_edit_is_counted_from_it():
    # The browser counts a table's edits from the data the table was drawn with; fed the
    # edited bank, it would read a weight typed back as "no edit" and keep showing the edit.
    at = open_page("en")
    edit_cell(at, 0, 0, 5.0)
    version, base, _ = at.session_state["conv_table_base"]
    assert version == 0 and base[0, 0, 0, 0] == -1.0
    assert at.session_state["conv_bank"][0, 0, 0, 0] == 5.0
    # A bank set from elsewhere (here a test, in the app a link) redraws the tables from it.
    at.session_state["conv_bank"] = np.full((3, 3, 1, 1), 2.0)
    at.run()
    version, base, _ = at.session_state["conv_table_base"]
    assert version == 1 and (base == 2.0).all()
    np.testing.assert_array_equal(at.session_state["conv_bank"], np.full((3, 3, 1, 1), 2.0))
