"""The convolution page through AppTest: widgets driven by key, results checked against the core."""

import io

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from cnnviz.content import samples
from cnnviz.core.conv import conv2d
from cnnviz.core.kernels import get_kernel
from cnnviz.i18n import t
from tests.app import helpers


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page("app_pages/convolution.py", lang, **params)


def last_trace(at: AppTest):
    return at.session_state["conv_last_trace"][0]


def metric(at: AppTest, label_key: str) -> str:
    label = t(label_key, lang="en")
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_runs_in_both_languages(lang):
    at = open_page(lang)
    assert at.title[0].value == t("conv.title", lang=lang)
    assert not at.error


def test_default_output_is_the_course_kernel_on_the_first_sample():
    at = open_page()
    first = next(iter(samples.SAMPLES))
    image = at.session_state["conv_last_trace"][1]
    expected = conv2d(image, get_kernel("vertical_edges")[:, :, None, None])
    np.testing.assert_array_equal(last_trace(at).output, expected)
    assert first == at.session_state["conv_sample"]


def test_a_preset_changes_the_feature_map():
    at = open_page()
    before = last_trace(at).output.copy()
    at.selectbox(key="conv_preset_0").set_value("sobel_y").run()
    assert not at.exception
    image = at.session_state["conv_last_trace"][1]
    after = last_trace(at).output
    assert not np.array_equal(before, after)
    np.testing.assert_array_equal(after, conv2d(image, get_kernel("sobel_y")[:, :, None, None]))


def test_same_padding_and_stride_give_the_tensorflow_shape():
    at = open_page()
    image = at.session_state["conv_last_trace"][1]
    at.selectbox(key="conv_pad").set_value("same")
    at.number_input(key="conv_stride_rows").set_value(2)
    at.number_input(key="conv_stride_cols").set_value(3).run()
    assert not at.exception
    rows, cols = image.shape[:2]
    assert last_trace(at).output.shape[:2] == (-(-rows // 2), -(-cols // 3))
    assert metric(at, "conv.shape.output").startswith(f"{-(-rows // 2)} × {-(-cols // 3)}")


def test_the_kernel_from_session_state_drives_the_result():
    at = open_page()
    bank = np.array([[1.0, 2.0], [3.0, 4.0]])[:, :, None, None]
    at.session_state["conv_bank"] = bank
    at.run()
    image = at.session_state["conv_last_trace"][1]
    np.testing.assert_array_equal(last_trace(at).output, conv2d(image, bank))


def test_a_nan_in_the_kernel_keeps_the_last_valid_result():
    at = open_page()
    before = last_trace(at).output.copy()
    at.session_state["conv_bank"] = np.full((3, 3, 1, 1), np.nan)
    at.run()
    assert not at.exception
    assert at.error, "a translated message is shown"
    np.testing.assert_array_equal(last_trace(at).output, before)


def test_a_kernel_larger_than_the_input_is_explained():
    at = open_page(conv_source="table")  # the course's 5x7 matrix
    at.session_state["conv_bank"] = np.ones((7, 7, 1, 1))
    at.run()
    assert not at.exception
    assert any("Output would be empty: input 5, kernel 7" in e.value for e in at.error)


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_uploaded_image_is_convolved():
    at = open_page()
    at.segmented_control(key="conv_source").set_value("upload").run()
    picture = np.zeros((20, 30), dtype=np.uint8)
    picture[:, 15:] = 255
    at.file_uploader(key="conv_upload").set_value(("edge.png", png_bytes(picture), "image/png"))
    at.run()
    assert not at.exception
    trace = last_trace(at)
    assert trace.output.shape[:2] == (18, 28)
    assert trace.output.max() == pytest.approx(4.0)  # the vertical-edge kernel on a 0→1 step


def test_a_corrupt_upload_shows_a_message_and_keeps_the_last_input():
    at = open_page()
    before = last_trace(at).output.copy()
    at.segmented_control(key="conv_source").set_value("upload").run()
    at.file_uploader(key="conv_upload").set_value(("broken.png", b"not an image", "image/png"))
    at.run()
    assert not at.exception
    assert at.error
    np.testing.assert_array_equal(last_trace(at).output, before)


def test_the_link_carries_the_kernel():
    at = open_page(k="1,0;0,-1")
    np.testing.assert_array_equal(
        at.session_state["conv_bank"][:, :, 0, 0], np.array([[1.0, 0.0], [0.0, -1.0]])
    )
    assert at.query_params["k"] == "1,0;0,-1"


def test_inspecting_a_cell_shows_its_formula():
    at = open_page(conv_source="table")
    at.number_input(key="conv_row").set_value(0)
    at.number_input(key="conv_col").set_value(0).run()
    # The course's 5x7 matrix with the course's vertical-edge kernel, top-left window.
    step = last_trace(at).step_at(0, 0, 0)
    assert at.code[0].value.splitlines()[0] == step.formula(lang="en")


def test_normalising_an_all_zero_kernel_is_explained():
    at = open_page()
    at.session_state["conv_bank"] = np.zeros((3, 3, 1, 1))
    at.run()
    at.button(key="conv_normalize_0").click().run()
    assert not at.exception
    assert any(e.value == t("error.kernel_all_zero", lang="en") for e in at.error)


def test_links_hold_option_values_not_translated_labels():
    at = open_page("es", conv_source="table", conv_pad="same")
    assert last_trace(at).output.shape[:2] == (5, 7)  # the 5x7 matrix, "same" padding
    at.selectbox(key="conv_mode").set_value("reflect").run()
    assert at.query_params["conv_mode"] == "reflect"
    assert at.query_params["conv_pad"] == "same"
    assert at.query_params["conv_source"] == "table"


def test_fewer_filters_keep_a_valid_map_choice():
    at = open_page()
    at.number_input(key="conv_filters").set_value(3).run()
    at.segmented_control(key="conv_fmap").set_value(2).run()
    at.number_input(key="conv_filters").set_value(2).run()
    assert not at.exception
    assert at.segmented_control(key="conv_fmap").value == 1


def test_a_link_reopens_on_its_cell_and_keeps_it_in_the_url():
    # The stage's own click is a browser event: tests/e2e/test_stage.py clicks it.
    at = open_page(conv_row="2", conv_col="3")
    step = last_trace(at).step_at(2, 3, 0)
    assert at.code[0].value == "\n".join(step.formula_lines("en"))
    at.number_input(key="conv_col").set_value(4).run()
    assert (at.query_params["conv_row"], at.query_params["conv_col"]) == ("2", "4")


@pytest.mark.parametrize("value", ["99", "-3", "x", "1e400"])
def test_a_cell_outside_the_map_in_a_link_is_clamped(value):
    at = open_page(conv_row=value)
    rows = last_trace(at).output.shape[0]
    assert 0 <= at.session_state["conv_row"] < rows
    assert not at.exception


@pytest.mark.parametrize("value", ["\u0663", "\u00b2", "inf", "nan", "2.5"])
def test_a_cell_in_a_link_is_read_as_ascii_whole_digits_only(value):
    # An Arabic-Indic 3 or a superscript 2 is not a row number: the link falls back to row 0.
    at = open_page(conv_row=value)
    assert at.session_state["conv_row"] == 0
    assert not at.exception
