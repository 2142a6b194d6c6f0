"""The pooling page through AppTest: widgets driven by key, results checked against the core."""

import base64
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from cnnviz.content import samples
from cnnviz.core.conv import conv2d_transpose
from cnnviz.core.pooling import COURSE_EXAMPLE, compare_shifted, pool2d, upsample2d
from cnnviz.core.shapes import pool_output_shape
from cnnviz.i18n import InputError, t
from tests.app import helpers

COURSE = np.array(COURSE_EXAMPLE, dtype=float)


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page("app_pages/pooling.py", lang, **params)


def traces(at: AppTest):
    return at.session_state["pool_last"][0]


def input_of(at: AppTest) -> np.ndarray:
    return at.session_state["pool_last"][1].pixels


def metric(at: AppTest, label_key: str, lang: str = "en") -> str:
    label = t(label_key, lang=lang)
    return next(m.value for m in at.metric if m.label == label)


def chart_values(at: AppTest, key: str) -> np.ndarray:
    """The z values of the first trace of the chart with widget key ``key``."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(f"-{key}"))
    z = json.loads(chart.proto.spec)["data"][0]["z"]
    if isinstance(z, dict):  # Plotly's typed-array encoding
        flat = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"])
        return flat.reshape([int(n) for n in str(z["shape"]).split(",")])
    return np.array(z, dtype=float)


def markdown_with(at: AppTest, text: str) -> str:
    return next(m.value for m in at.markdown if text in m.value)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_page_runs_in_both_languages(lang):
    at = open_page(lang)
    assert at.title[0].value == t("pool.title", lang=lang)
    assert not at.error
    at.run()  # a second run keeps working (labels fixed to the page's language)
    assert not at.exception


def test_the_course_example_gives_the_slides_result():
    at = open_page()
    np.testing.assert_array_equal(input_of(at), COURSE)
    result = traces(at)
    np.testing.assert_array_equal(result["max"].output, [[6, 8], [3, 4]])
    np.testing.assert_array_equal(result["average"].output, [[3.25, 5.25], [2, 2]])
    assert metric(at, "pool.shape.output") == "2 × 2"
    assert metric(at, "pool.global.max") == "8"
    assert metric(at, "pool.global.average") == "3.125"
    assert at.code[0].value == "max(1, 1, 5, 6) = 6"
    np.testing.assert_array_equal(chart_values(at, "pool_map_max"), [[6, 8], [3, 4]])


def test_the_matrix_source_is_pooled():
    at = open_page()
    at.toggle(key="pool_course").set_value(False).run()
    at.segmented_control(key="pool_source").set_value("table").run()
    assert not at.exception
    matrix = samples.load_sample("course_matrix")
    np.testing.assert_array_equal(input_of(at), matrix)
    np.testing.assert_array_equal(traces(at)["max"].output, pool2d(matrix, 2))
    assert traces(at)["max"].output.shape == (2, 3)


def test_average_and_same_padding_follow_tensorflow():
    at = open_page(pool_course="false", pool_source="table")  # the 5x7 matrix
    at.selectbox(key="pool_pad").set_value("same")
    at.segmented_control(key="pool_op").set_value("average").run()
    assert not at.exception
    matrix = samples.load_sample("course_matrix")
    average = traces(at)["average"]
    assert average.output.shape == (3, 4)  # ⌈5 / 2⌉ × ⌈7 / 2⌉
    np.testing.assert_array_equal(average.output, pool2d(matrix, 2, padding="same", op="average"))
    assert metric(at, "pool.shape.output") == "3 × 4"
    assert average.pads == ((0, 1), (0, 1))
    # The bottom-right window holds one real cell: the average divides by 1, not 4.
    at.number_input(key="pool_row").set_value(2)
    at.number_input(key="pool_col").set_value(3).run()
    assert at.code[0].value == f"(0) / 1 = {average.output[2, 3]:g}"


def test_the_stride_defaults_to_the_pool_size():
    at = open_page()
    at.number_input(key="pool_window_rows").set_value(3).run()
    max_trace = traces(at)["max"]
    assert max_trace.pool_size == (3, 2)
    assert max_trace.strides == (3, 2)
    np.testing.assert_array_equal(max_trace.output, pool2d(COURSE, (3, 2)))
    at.toggle(key="pool_stride_auto").set_value(False).run()
    max_trace = traces(at)["max"]
    assert max_trace.strides == (1, 1)  # the stride inputs start at 1
    assert max_trace.output.shape == (2, 3)
    at.number_input(key="pool_stride_cols").set_value(2).run()
    np.testing.assert_array_equal(traces(at)["max"].output, pool2d(COURSE, (3, 2), strides=(1, 2)))


@pytest.mark.parametrize("lang", ["es", "en"])
def test_a_pool_larger_than_the_input_is_explained_and_keeps_the_last_result(lang):
    at = open_page(lang)
    at.number_input(key="pool_window_rows").set_value(5).run()
    assert not at.exception
    with pytest.raises(InputError) as err:
        pool_output_shape((4, 4), (5, 2), padding="valid")
    assert [e.value for e in at.error] == [err.value.message(lang)]
    np.testing.assert_array_equal(traces(at)["max"].output, [[6, 8], [3, 4]])
    assert any(c.value == t("pool.showing_last_valid", lang=lang) for c in at.caption)
    assert at.number_input(key="pool_window_rows").value == 5  # the user's setting stays
    at.selectbox(key="pool_pad").set_value("same").run()  # the fix the message suggests
    assert not at.error
    assert traces(at)["max"].output.shape == (1, 2)


def test_the_link_opens_the_same_settings():
    at = open_page(pool_window_rows="1", pool_window_cols="4", pool_op="average", pool_pad="same")
    average = traces(at)["average"]
    assert average.pool_size == (1, 4)
    np.testing.assert_array_equal(average.output, pool2d(COURSE, (1, 4), op="average"))
    assert at.segmented_control(key="pool_op").value == "average"
    assert at.code[0].value == "(1 + 1 + 2 + 4) / 4 = 2"


def test_the_step_buttons_walk_through_the_cells():
    at = open_page()
    at.button(key="pool_forward").click().run()
    assert (at.number_input(key="pool_row").value, at.number_input(key="pool_col").value) == (0, 1)
    assert at.code[0].value == "max(2, 4, 7, 8) = 8"
    at.button(key="pool_forward").click().run()
    at.button(key="pool_forward").click().run()
    at.button(key="pool_forward").click().run()  # stops at the last cell
    assert at.code[0].value == "max(1, 0, 3, 4) = 4"
    at.button(key="pool_back").click().run()
    assert at.code[0].value == "max(3, 2, 1, 2) = 3"


@pytest.mark.parametrize(
    ("method", "size"), [("nearest", (2, 2)), ("bilinear", (3, 2)), ("bed_of_nails", (2, 3))]
)
def test_upsampling_shapes_and_values(method, size):
    at = open_page()
    at.segmented_control(key="pool_up_method").set_value(method)
    at.number_input(key="pool_up_rows").set_value(size[0])
    at.number_input(key="pool_up_cols").set_value(size[1]).run()
    assert not at.exception
    expected = upsample2d(np.array([[6.0, 8.0], [3.0, 4.0]]), size, method=method)
    np.testing.assert_allclose(chart_values(at, "pool_up_result_fig"), expected)
    rows, cols = expected.shape
    assert markdown_with(at, "→").startswith(f"**2 × 2 → {rows} × {cols}**")


def test_upsampling_the_input():
    at = open_page()
    at.segmented_control(key="pool_up_source").set_value("input").run()
    np.testing.assert_array_equal(chart_values(at, "pool_up_result_fig"), upsample2d(COURSE, 2))
    assert markdown_with(at, "→").startswith("**4 × 4 → 8 × 8**")


def test_the_transposed_convolution_of_ones_is_nearest_neighbour():
    at = open_page()
    pooled = np.array([[6.0, 8.0], [3.0, 4.0]])
    np.testing.assert_array_equal(chart_values(at, "pool_tconv_result_fig"), upsample2d(pooled, 2))
    assert "- Rows: 2·2 + max(2 − 2, 0) = 4" in markdown_with(at, "max(2 − 2")
    kernel = np.arange(9.0).reshape(3, 3)
    at.session_state["pool_tk"] = kernel
    at.segmented_control(key="pool_tpad").set_value("valid").run()
    np.testing.assert_array_equal(
        chart_values(at, "pool_tconv_result_fig"), conv2d_transpose(pooled, kernel, strides=2)
    )
    assert "- Rows: 2·2 + max(3 − 2, 0) = 5" in markdown_with(at, "max(3 − 2")
    assert at.query_params["pool_tk"] == "0,1,2;3,4,5;6,7,8"
    assert at.number_input(key="pool_tk_rows").value == 3
    at.segmented_control(key="pool_tpad").set_value("same").run()
    assert chart_values(at, "pool_tconv_result_fig").shape == (4, 4)
    assert "- Rows: 2·2 = 4" in markdown_with(at, "2·2 = 4")


def test_the_transposed_kernel_comes_from_the_link():
    at = open_page(pool_tk="1,2;3,4")
    np.testing.assert_array_equal(at.session_state["pool_tk"], [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(
        chart_values(at, "pool_tconv_result_fig"),
        conv2d_transpose(np.array([[6.0, 8.0], [3.0, 4.0]]), np.array([[1, 2], [3, 4]]), strides=2),
    )


def test_a_broken_kernel_link_is_ignored_with_a_message():
    at = open_page(pool_tk="1,x;3,4")
    assert not at.exception
    assert at.warning
    np.testing.assert_array_equal(at.session_state["pool_tk"], np.ones((2, 2)))


@pytest.mark.parametrize("direction", ["right", "left", "down", "up"])
def test_the_translation_demo_counts_the_changed_cells(direction):
    at = open_page()
    at.segmented_control(key="pool_shift_dir").set_value(direction).run()
    shift = {"right": (0, 1), "left": (0, -1), "down": (1, 0), "up": (-1, 0)}[direction]
    for op in ("max", "average"):
        expected = compare_shifted(COURSE, shift, 2, op=op)
        assert metric(at, f"pool.shift.changed.{op}") == (
            f"{expected.count} of 4 ({round(100 * expected.count / 4)}\u00a0%)"
        )
    expected = compare_shifted(COURSE, shift, 2, op="max")
    np.testing.assert_array_equal(chart_values(at, "pool_shift_after_fig"), expected.after)
    np.testing.assert_array_equal(
        chart_values(at, "pool_shift_changed_fig"), expected.changed.astype(float)
    )


def test_the_course_shift_to_the_right():
    at = open_page("es")
    assert metric(at, "pool.shift.changed.max", "es") == "3 de 4 (75\u00a0%)"
    np.testing.assert_array_equal(chart_values(at, "pool_shift_after_fig"), [[5, 7], [3, 3]])


def test_a_colour_photo_is_pooled_channel_by_channel():
    at = open_page(pool_course="false", pool_sample="astronaut", pool_size="32")
    image = input_of(at)
    assert image.shape == (32, 32, 3)
    np.testing.assert_array_equal(traces(at)["max"].output, pool2d(image, 2))
    at.segmented_control(key="pool_channel").set_value("G").run()
    assert not at.exception
    step = traces(at)["max"].step_at(0, 0, 1)
    assert at.code[0].value == step.formula(lang="en")
