"""The page "Convolution as a matrix" through AppTest: widgets by key, numbers from the core."""

import zlib

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.core.conv import conv2d
from cnnviz.core.conv_matrix import conv_matrix, matrix_counts
from cnnviz.core.kernels import get_kernel
from cnnviz.i18n import MINUS, format_count, t
from cnnviz.ui.conv_settings import ConvSettings
from cnnviz.ui.matrix_view import _sum_text, drawing_data, example_input
from tests.app import helpers

PAGE = "app_pages/conv_matrix.py"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page(PAGE, lang, **params)


def last(at: AppTest):
    return at.session_state["matrix_last"]


def metric(at: AppTest, label_key: str, lang: str = "en") -> str:
    label = t(label_key, lang=lang)
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_runs_in_both_languages(lang):
    at = open_page(lang)
    assert at.title[0].value == t("matrix.title", lang=lang)
    assert not at.error
    # The proof: M x equals conv2d, to the last digit, said in the page's language.
    assert at.success[0].value == t("matrix.proof.forward", lang=lang, shape="4 × 4", diff="0")
    at.run()
    assert not at.exception


def test_default_is_a_6x6_input_and_the_course_kernel():
    at = open_page()
    result, image, kernel, _ = last(at)
    np.testing.assert_array_equal(image, example_input(6, 6, 0))
    np.testing.assert_array_equal(kernel, get_kernel("vertical_edges"))
    assert result.cm.shape == (16, 36)
    np.testing.assert_array_equal(result.product.by_matrix, conv2d(image, kernel))
    # 16 windows x 9 taps in 576 cells; 10 parameters against a dense layer's 36*16 + 16.
    assert metric(at, "matrix.count.cells") == "576"
    assert metric(at, "matrix.count.nonzeros") == "144"
    assert metric(at, "matrix.count.density") == "25 %"
    assert metric(at, "matrix.count.distinct") == "9"
    assert metric(at, "matrix.dense.conv_params") == "10"
    assert metric(at, "matrix.dense.dense_params") == "592"
    assert metric(at, "matrix.dense.conv_macs") == "144"
    assert metric(at, "matrix.dense.dense_macs") == "576"


def test_8x8_same_gives_a_64x64_matrix():
    at = open_page()
    at.number_input(key="matrix_size_rows").set_value(8)
    at.number_input(key="matrix_size_cols").set_value(8)
    at.selectbox(key="matrix_pad").set_value("same").run()
    result, image, kernel, _ = last(at)
    assert result.cm.shape == (64, 64)
    counts = matrix_counts(conv_matrix((8, 8), kernel, padding="same"))
    assert metric(at, "matrix.count.cells") == format_count(4096)
    # 4 corner windows lose 5 taps, 24 edge windows 3: 576 - 20 - 72.
    assert metric(at, "matrix.count.nonzeros") == "484" == str(counts.nonzeros)
    np.testing.assert_allclose(
        result.product.by_matrix, conv2d(image, kernel, padding="same"), atol=1e-12
    )


def test_a_matrix_too_large_keeps_the_last_one_and_the_settings():
    at = open_page()
    at.number_input(key="matrix_size_rows").set_value(8)
    at.number_input(key="matrix_size_cols").set_value(8)
    at.selectbox(key="matrix_kernel").set_value("box_blur_5x5")
    at.selectbox(key="matrix_pad").set_value("full")
    at.number_input(key="matrix_dilation_rows").set_value(4)
    at.number_input(key="matrix_dilation_cols").set_value(4).run()
    assert not at.exception
    # 5x5 dilated by 4 spans 17 cells; "full" gives 24 x 24 = 576 rows of 64 columns.
    assert at.error[0].value == t(
        "matrix.error.too_large", rows=576, cols=64, cells=576 * 64, cap=16384
    )
    assert at.caption[0].value == t("matrix.showing_last_valid")
    assert last(at)[0].cm.shape == (16, 36)  # the default, still on show
    assert at.number_input(key="matrix_dilation_rows").value == 4


def test_transpose_with_stride_1_is_keras_conv2d_transpose():
    at = open_page(matrix_view="transpose")
    assert at.success[0].value == t(
        "matrix.proof.keras_same", in_shape="6 × 6", out_shape="4 × 4", padding="valid", diff="0"
    )
    result = last(at)[0]
    np.testing.assert_allclose(result.transposed.by_matrix, result.transposed.keras, atol=1e-12)


def test_transpose_with_stride_2_says_where_keras_differs():
    at = open_page(matrix_view="transpose", matrix_stride_rows="2", matrix_stride_cols="2")
    # Windows at 0 and 2 of a 6-cell side: the layer rebuilds (2 - 1) * 2 + 3 = 5 cells.
    assert at.warning[0].value == t(
        "matrix.proof.keras_differs",
        in_shape="6 × 6",
        out_shape="2 × 2",
        keras_shape="5 × 5",
        padding="valid",
    )


def test_the_convolution_pages_first_filter_is_offered_first():
    at = AppTest.from_file(helpers.APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    bank = np.arange(8.0).reshape(2, 2, 1, 2)
    at.session_state["conv_bank"] = bank
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.selectbox(key="matrix_kernel").value == "conv"
    np.testing.assert_array_equal(last(at)[2], bank[:, :, 0, 0])
    assert last(at)[0].cm.shape == (25, 36)


def test_the_seed_gives_another_input():
    at = open_page(matrix_seed="7")
    np.testing.assert_array_equal(last(at)[1], example_input(6, 6, 7))
    assert not np.array_equal(example_input(6, 6, 7), example_input(6, 6, 0))


def test_an_edited_input_is_used_and_a_bad_cell_keeps_the_last_one():
    at = open_page()
    example = example_input(6, 6, 0)
    key = f"matrix_table_6x6_{zlib.crc32(example.tobytes())}"
    at.session_state[key] = {"edited_rows": {1: {"2": 100}}, "added_rows": [], "deleted_rows": []}
    at.run()
    edited = example.copy()
    edited[1, 2] = 100
    result, image, kernel, _ = last(at)
    np.testing.assert_array_equal(image, edited)
    np.testing.assert_array_equal(result.product.by_matrix, conv2d(edited, kernel))
    at.session_state[key] = {"edited_rows": {0: {"0": None}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert t("matrix.edit_invalid") in [e.value for e in at.error]
    assert at.caption[0].value == t("matrix.showing_last_valid")
    np.testing.assert_array_equal(last(at)[1], edited)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("matrix_size_rows", "999"),
        ("matrix_size_cols", "-3"),
        ("matrix_seed", "1e400"),
        ("matrix_kernel", "<script>"),
        ("matrix_view", "inverse"),
        ("matrix_pad", "everything"),
        ("matrix_stride_rows", "nan"),
    ],
)
def test_a_hostile_link_opens_a_working_page(param, value):
    at = open_page("es", **{param: value})
    assert not at.exception
    if "matrix_last" not in at.session_state:  # 1 column, clamped from -3: a 3x3 kernel has no room
        assert at.error[0].value.startswith("La salida quedaría vacía: entrada 1, kernel 3")
        return
    result, image, _, _ = last(at)
    assert image.shape[0] <= 8 and image.shape[1] <= 8
    assert result.cm.shape[0] * result.cm.shape[1] <= 16_384


# --- what the browser is sent ---------------------------------------------------------------


def test_sums_are_written_with_one_sign_between_terms():
    text = _sum_text(np.array([-1.0, 2.0, -3.0]), np.array([4.0, -5.0, 6.0]), "en")
    assert text == f"{MINUS}1×4 + 2×({MINUS}5) {MINUS} 3×6"
    assert _sum_text(np.array([]), np.array([]), "en") == "0"


def test_drawing_data_of_the_hand_example():
    # A 3x3 input 0..8 and a 2x2 kernel: the 4x9 matrix of the core's test, row by row.
    image = np.arange(9.0).reshape(3, 3)
    kernel = np.array([[1.0, 2.0], [3.0, 4.0]])
    settings = ConvSettings("valid", "zeros", (1, 1), (1, 1), False, 0.0, None)
    data = drawing_data(image, kernel, settings, "matrix", "en")
    assert (data["matrix"]["rows"], data["matrix"]["cols"]) == (4, 9)
    assert data["matrix"]["cells"][:4] == [[0, 0, 0], [0, 1, 1], [0, 3, 2], [0, 4, 3]]
    assert data["result"]["texts"] == ["27", "37", "57", "67"]
    assert data["readouts"]["rows"][0] == "Row 0 → output (0, 0) = 1×0 + 2×1 + 3×3 + 4×4 = 27"
    assert data["readouts"]["cols"][4] == (
        "Column 4 → input (1, 1) = 4 feeds 4 output cells: (0, 0), (0, 1), (1, 0), (1, 1)"
    )
    transposed = drawing_data(image, kernel, settings, "transpose", "es")
    assert (transposed["matrix"]["rows"], transposed["matrix"]["cols"]) == (9, 4)
    assert transposed["operand"]["texts"] == ["27", "37", "57", "67"]
    # M^T y at (1, 1): every window covers it, with weights 4, 3, 2, 1.
    assert transposed["result"]["texts"][4] == str(4 * 27 + 3 * 37 + 2 * 57 + 1 * 67)
