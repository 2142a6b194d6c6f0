"""Backpropagation in Chromium: gradients play on the stage, the loss falls step by step."""

import pytest
from playwright.sync_api import expect

from cnnviz.core import tiny_net
from cnnviz.i18n import format_number, t

from .helpers import no_exception, open_app, open_titled, play, settle, stage

pytestmark = pytest.mark.e2e


def metric_value(page, label: str):
    box = page.get_by_test_id("stMetric").filter(has_text=label).first
    return box.get_by_test_id("stMetricValue")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_kernel_gradient_plays_on_the_stage(page, app_url, screenshot, lang):
    open_titled(
        page, f"{app_url}/backprop?lang={lang}&backprop_part=kernel", t("backprop.title", lang=lang)
    )
    # The input X correlated with dL/dZ (4x4 for a 6x6 input): dL/dK is 3x3.
    state = stage(page, "backprop_dk_stage")
    assert (state["rows"], state["cols"]) == (3, 3)
    play(page, "backprop_dk_stage")
    screenshot(f"backprop-{lang}-kernel")


def test_the_input_gradient_stage_turns_the_kernel(page, app_url, screenshot):
    open_app(page, f"{app_url}/backprop?lang=es&backprop_part=input")
    # The full convolution of dL/dZ (4x4, padded by 2) gives a 6x6 map: the input's shape.
    state = stage(page, "backprop_dx_stage")
    assert (state["rows"], state["cols"]) == (6, 6)
    expect(page.get_by_text(t("backprop.input.rotated", lang="es")).first).to_be_attached()
    no_exception(page)
    screenshot("backprop-es-input")


def test_step_again_lowers_the_loss_as_the_core_does(page, app_url, screenshot):
    open_app(page, f"{app_url}/backprop?lang=en")
    page.get_by_role("button", name=t("backprop.step", lang="en")).click()
    settle(page)
    page.get_by_role("button", name=t("backprop.step_again", lang="en")).click()
    settle(page)
    image = tiny_net.sample_image(6)
    params = tiny_net.tiny_params(
        tiny_net.initial_params((6, 6), seed=0).kernel.round(3),
        [0.0],
        tiny_net.initial_params((6, 6), seed=0).dense_weights,
        [0.0, 0.0, 0.0],
    )
    losses = [tiny_net.forward(image, params, 0).loss]
    for _ in range(2):
        record = tiny_net.forward(image, params, 0)
        params = tiny_net.sgd_step(params, tiny_net.backward(params, record), 0.1)
        losses.append(tiny_net.forward(image, params, 0).loss)
    assert losses[0] > losses[1] > losses[2]
    after = format_number(losses[2], digits=4, lang="en")
    expect(metric_value(page, t("backprop.descent.loss_after", lang="en"))).to_have_text(after)
    expect(metric_value(page, t("backprop.descent.steps", lang="en"))).to_have_text("2")
    page.get_by_role("button", name=t("backprop.check.button", lang="en"), exact=True).click()
    settle(page)
    expect(metric_value(page, t("backprop.check.difference", lang="en"))).to_be_visible()
    no_exception(page)
    screenshot("backprop-en-two-steps")
