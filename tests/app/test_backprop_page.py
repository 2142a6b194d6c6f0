"""The backpropagation page in AppTest: every step renders, numbers are the core's, state kept."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.backprop import descent, inputs
from app_pages.backprop.steps import PARTS
from cnnviz.core import tiny_net
from cnnviz.i18n import InputError, format_number, t
from cnnviz.ui.kernel_editor import bank_key
from tests.app import helpers

PAGE = "app_pages/backprop/page.py"
IMAGE_TABLE = "backprop_image_edit6x1s0"
KERNEL_TABLE = "backprop_kernel0_edit6x1s0"


def open_page(lang: str = "en", **params: str) -> AppTest:
    return helpers.open_page(PAGE, lang, **params)


def metric(at: AppTest, key: str, lang: str = "en") -> str:
    label = t(key, lang=lang)
    return next(m.value for m in at.metric if m.label == label)


def problem_of(at: AppTest):
    return at.session_state["backprop_last"]


def edit(at: AppTest, table: str, row: int, col: int, value: object) -> None:
    at.session_state[table] = {
        "edited_rows": {row: {str(col): value}}, "added_rows": [], "deleted_rows": []
    }  # fmt: skip
    at.run()
    assert not at.exception, at.exception


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_step_renders_and_the_loss_is_the_cores(lang):
    at = open_page(lang)
    problem = problem_of(at)
    np.testing.assert_array_equal(problem.image, tiny_net.sample_image(6))
    record = tiny_net.forward(problem.image, problem.params, problem.target)
    loss = format_number(record.loss, digits=4, lang=lang)
    assert any(loss in m.value for m in at.markdown)
    for part in PARTS:
        at.session_state["backprop_part"] = part
        at.run()
        assert not at.exception, (part, at.exception)
        assert not at.error, (part, [e.value for e in at.error])


def test_the_logits_step_writes_p_minus_y_with_the_class_names():
    at = open_page("es", backprop_target="goku")
    problem = problem_of(at)
    assert problem.target == 2
    grads = tiny_net.backward(problem.params, tiny_net.forward(problem.image, problem.params, 2))
    table = next(m.value for m in at.markdown if "| Clase |" in m.value)
    goku = next(line for line in table.splitlines() if line.startswith("| **Goku**"))
    assert goku.endswith(f"− 1 = **{format_number(grads.logits[2], digits=4, lang='es')}** |")
    assert "| perro |" in table and "| bote |" in table


def test_steps_lower_the_loss_survive_reruns_and_reset():
    at = open_page()
    problem = problem_of(at)
    at.number_input(key="backprop_rate").set_value(0.1).run()
    at.button(key="backprop_step").click().run()
    at.button(key="backprop_step").click().run()
    assert not at.exception, at.exception
    losses = at.session_state[descent.RUN]["losses"]
    assert len(losses) == 3 and losses[0] > losses[1] > losses[2]
    # The core's own two steps give the same numbers.
    params = problem.params
    for expected in losses[1:]:
        grads = tiny_net.backward(params, tiny_net.forward(problem.image, params, problem.target))
        params = tiny_net.sgd_step(params, grads, 0.1)
        assert tiny_net.forward(problem.image, params, problem.target).loss == expected
    assert metric(at, "backprop.descent.loss_after") == format_number(losses[2], digits=4)
    assert metric(at, "backprop.descent.steps") == "2"
    at.run()
    assert len(at.session_state[descent.RUN]["losses"]) == 3
    at.button(key="backprop_reset").click().run()
    assert at.session_state[descent.RUN]["losses"] == losses[:1]


def test_a_new_input_starts_the_steps_over():
    at = open_page()
    at.button(key="backprop_step").click().run()
    assert len(at.session_state[descent.RUN]["losses"]) == 2
    edit(at, IMAGE_TABLE, 0, 0, 0.7)
    assert problem_of(at).image[0, 0] == 0.7
    assert len(at.session_state[descent.RUN]["losses"]) == 1


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (None, InputError("backprop.error.cell")),
        (5000, InputError("backprop.error.too_large", name="kernel", value=5000.0, limit=1000.0)),
    ],
)
def test_a_bad_cell_is_refused_and_the_last_input_kept(value, error):
    at = open_page("es")
    edit(at, KERNEL_TABLE, 1, 1, 2.5)
    kept = problem_of(at)
    assert kept.params.kernel[1, 1, 0, 0] == 2.5
    edit(at, KERNEL_TABLE, 1, 1, value)
    assert [e.value for e in at.error] == [error.message("es")]
    assert problem_of(at) is kept
    assert any(t("backprop.showing_last_valid", lang="es") in c.value for c in at.caption)


def test_the_convolution_pages_kernel_is_taken_when_it_is_3x3():
    at = AppTest.from_file(helpers.APP, default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    bank = np.arange(9.0).reshape(3, 3, 1, 1) - 4
    at.session_state[bank_key("conv")] = bank
    at.query_params["backprop_source"] = "conv"
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    np.testing.assert_array_equal(problem_of(at).params.kernel, bank)
    at.session_state[bank_key("conv")] = np.ones((5, 5, 1, 1))
    at.session_state["backprop_source"] = "conv"
    at.run()
    assert any(t("backprop.source.conv_missing") in i.value for i in at.info)


def test_the_finite_difference_check_is_one_click():
    at = open_page()
    at.selectbox(key="backprop_fd_name").set_value("dense_bias").run()
    at.selectbox(key="backprop_fd_index_dense_bias_1").set_value((2,)).run()
    at.button(key="backprop_fd_go").click().run()
    assert not at.exception, at.exception
    problem = problem_of(at)
    check = tiny_net.finite_difference(problem.image, problem.params, 0, "dense_bias", (2,))
    assert metric(at, "backprop.check.numeric") == format_number(check.numeric, digits=8)
    assert metric(at, "backprop.check.analytic") == format_number(check.analytic, digits=8)
    assert check.difference < 1e-8


def test_a_diverging_step_keeps_the_weights_and_says_why():
    at = open_page()
    problem = problem_of(at)
    # Weights far out, as a runaway descent leaves them: the next step overflows.
    wild = tiny_net.TinyParams(
        kernel=problem.params.kernel,
        bias=problem.params.bias,
        dense_weights=np.tile([[-1e303, 1e303, 0.0]], (4, 1)),  # sure of "boat"
        dense_bias=problem.params.dense_bias,
    )
    run = at.session_state[descent.RUN]
    run["params"].append(wild)
    run["losses"].append(tiny_net.forward(problem.image, wild, problem.target).loss)
    at.session_state[descent.RUN] = run
    at.number_input(key="backprop_rate").set_value(1e6).run()
    at.button(key="backprop_step").click().run()
    assert not at.exception, at.exception
    assert at.error[0].value == t("backprop.error.diverged", rate=1e6)
    assert len(at.session_state[descent.RUN]["params"]) == 2


def test_a_digit_and_learned_filters_of_the_bundled_network():
    from cnnviz.nets.datasets import load_mnist_subset
    from cnnviz.nets.model import filters, load_trained_model

    at = helpers.open_page(
        PAGE, "en", timeout=180, backprop_source="digit", backprop_filters="2",
        backprop_digit="7", backprop_first_filter="15",
    )  # fmt: skip
    problem = problem_of(at)
    digit = load_mnist_subset().x_test[7]
    np.testing.assert_array_equal(problem.image, inputs.resize_area(digit, 6))
    assert problem.image.shape == (6, 6) and 0 <= problem.image.min() < problem.image.max() <= 1
    kernel, bias = filters(load_trained_model(), "conv1")
    chosen = kernel[:, :, :1, [15, 0]].astype(np.float64).round(3)  # as the tables write them
    np.testing.assert_array_equal(problem.params.kernel, chosen)
    np.testing.assert_array_equal(problem.params.bias, bias[[15, 0]].astype(np.float64))


def test_resize_area_averages_blocks_for_a_whole_factor():
    pixels = np.random.default_rng(0).integers(0, 256, (24, 24)).astype(np.uint8)
    blocks = pixels.reshape(6, 4, 6, 4).mean(axis=(1, 3)) / 255  # 4x4 squares, then [0, 1]
    np.testing.assert_array_equal(inputs.resize_area(pixels, 6), np.round(blocks, 3))
