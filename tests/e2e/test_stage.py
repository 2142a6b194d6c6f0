"""The stage in Chromium: keyboard, hover, click, link, sizes, and its numbers against the core."""

import json
import random
import re
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest
from playwright.sync_api import expect

from cnnviz.content import links, samples
from cnnviz.core.pooling import COURSE_EXAMPLE
from cnnviz.core.trace import conv2d_trace, pool2d_trace
from cnnviz.i18n import format_number

from .helpers import no_exception, open_app, stage, stage_cell_point, stage_lines

pytestmark = pytest.mark.e2e

# An RGB photo, two 3x3x3 filters with a bias, "same" padding and stride 2 across the
# columns: every kind of line the arithmetic has (channel parts, bias, activation).
BANK = np.stack(
    [
        np.stack([np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])] * 3, axis=-1) * 0.5,
        np.stack([np.array([[0.25, -1, 0.5], [1, 0, -0.5], [0.125, 2, -2]])] * 3, axis=-1),
    ],
    axis=-1,
)
RGB_QUERY = (
    f"conv_sample=astronaut&conv_size=32&k={links.encode_bank(BANK)}&conv_pad=same"
    "&conv_stride_rows=1&conv_stride_cols=2&conv_bias=0.25&conv_act=relu"
)


def rgb_trace():
    image = samples.load_sample("astronaut", size=32)
    return conv2d_trace(image, BANK, padding="same", strides=(1, 2), bias=0.25, activation="relu")


def hover(page, key, row, col, fmap=0):
    x, y = stage_cell_point(page, key, row, col, fmap)
    page.mouse.move(x, y)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_hovered_cells_show_the_cores_arithmetic(page, app_url, lang):
    open_app(page, f"{app_url}/convolution?lang={lang}&{RGB_QUERY}")
    no_exception(page)
    trace = rgb_trace()
    state = stage(page, "conv_stage")
    assert (state["rows"], state["cols"], state["maps"]) == trace.output.shape
    rng = random.Random(7)
    for fmap in range(2):
        page.get_by_test_id("stage-map").nth(fmap).click()
        for _ in range(6):
            row, col = rng.randrange(trace.output.shape[0]), rng.randrange(trace.output.shape[1])
            hover(page, "conv_stage", row, col)
            step = trace.step_at(row, col, fmap)
            expect(page.get_by_test_id("stage-lines").first).to_contain_text(
                step.formula_lines(lang)[-1]
            )
            assert stage_lines(page) == step.formula_lines(lang)


@pytest.mark.parametrize("op", ["max", "average"])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_pooled_cells_show_the_cores_arithmetic(page, app_url, lang, op):
    open_app(page, f"{app_url}/pooling?lang={lang}&pool_op={op}&pool_pad=same&pool_window_rows=3")
    trace = pool2d_trace(
        np.array(COURSE_EXAMPLE, dtype=float), (3, 2), strides=(3, 2), padding="same", op=op
    )
    state = stage(page, "pool_stage")
    assert (state["rows"], state["cols"]) == trace.output.shape
    for row in range(state["rows"]):
        for col in range(state["cols"]):
            hover(page, "pool_stage", row, col)
            assert stage_lines(page) == trace.step_at(row, col).formula_lines(lang)


def test_keyboard_plays_pauses_and_steps(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=en")
    page.get_by_test_id("stage-input").first.click()  # focus the stage (a click on the input)
    assert stage(page, "conv_stage")["step"] == 0
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert stage(page, "conv_stage")["step"] == 2
    assert page.get_by_test_id("stage-cell").first.text_content() == "Output cell (0, 2)"
    page.keyboard.press("ArrowDown")
    assert stage(page, "conv_stage")["step"] == 2 + stage(page, "conv_stage")["cols"]
    page.keyboard.press("End")
    last = stage(page, "conv_stage")
    assert last["step"] == last["rows"] * last["cols"] - 1
    page.keyboard.press("Home")
    page.keyboard.press("+")
    page.keyboard.press("+")
    assert stage(page, "conv_stage")["speed"] == 4
    page.keyboard.press(" ")
    assert stage(page, "conv_stage")["playing"]
    page.wait_for_function("() => window.__cnnvizStages.conv_stage.step >= 3")
    page.keyboard.press(" ")
    paused = stage(page, "conv_stage")
    assert not paused["playing"]
    page.wait_for_timeout(600)
    assert stage(page, "conv_stage")["step"] == paused["step"]
    expect(page.get_by_test_id("stage-play").first).to_have_attribute("aria-pressed", "false")
    no_exception(page)


def test_a_clicked_cell_goes_to_the_inspector_and_the_link(page, app_url, browser):
    open_app(page, f"{app_url}/convolution?lang=en")
    x, y = stage_cell_point(page, "conv_stage", 2, 3)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"(?=.*conv_row=2)(?=.*conv_col=3)"))
    step = conv2d_trace(np.array(samples.COURSE_MATRIX), links_default_kernel()).step_at(2, 3)
    expect(page.locator("[data-testid='stCode']").first).to_have_text(step.formula("en"))
    # A fresh browser opened on that link shows the same cell, on the stage and below.
    other = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    open_app(other, page.url)
    assert stage(other, "conv_stage")["step"] == 2 * stage(other, "conv_stage")["cols"] + 3
    expect(other.get_by_test_id("stage-cell").first).to_have_text("Output cell (2, 3)")
    expect(other.locator("[data-testid='stCode']").first).to_have_text(step.formula("en"))
    query = parse_qs(urlparse(other.url).query)
    assert query["conv_row"] == ["2"] and query["conv_col"] == ["3"]
    other.context.close()


def links_default_kernel():
    """The convolution page's first filter when nothing is chosen: the course's vertical edges."""
    from cnnviz.core.kernels import get_kernel

    return get_kernel("vertical_edges")


def test_hovering_an_input_cell_marks_the_cells_it_feeds(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=en")
    stage(page, "conv_stage")
    canvas = page.get_by_test_id("stage-input").first
    box = canvas.bounding_box()
    cell = page.evaluate("() => window.__cnnvizStages.conv_stage.inCell")
    page.mouse.move(box["x"] + 2.5 * cell, box["y"] + 1.5 * cell)  # input cell (1, 2)
    fed = page.evaluate("() => window.__cnnvizStages.conv_stage.fedBy(1, 2)")
    # A 3x3 window with stride 1 over a 5x7 input: (1, 2) feeds rows 0-1, columns 0-2.
    assert sorted(map(tuple, fed)) == [(r, c) for r in (0, 1) for c in (0, 1, 2)]
    assert page.evaluate("() => window.__cnnvizStages.conv_stage.hover.kind") == "in"


def _boxes(page) -> list[dict]:
    """Bounding boxes of the stage's text and controls, as the eye sees them."""
    return page.evaluate(
        """() => { const host = [...document.querySelectorAll('*')].find(e => e.shadowRoot
              && e.shadowRoot.querySelector('.stage'));
            const root = host.shadowRoot;
            return [...root.querySelectorAll('.title, .cell-label, canvas, .lines, .controls > *')]
              .filter(e => e.offsetParent !== null)
              .map(e => { const r = e.getBoundingClientRect();
                 return {name: e.className || e.tagName,
                         x: r.x, y: r.y, w: r.width, h: r.height}; })
              .filter(b => b.w > 0 && b.h > 0); }"""
    )


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["x"] + 1 < b["x"] + b["w"]
        and b["x"] + 1 < a["x"] + a["w"]
        and a["y"] + 1 < b["y"] + b["h"]
        and b["y"] + 1 < a["y"] + a["h"]
    )


SIZES = {"projector": (1024, 768), "laptop": (1280, 720), "phone": (390, 844)}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize(
    ("path", "key", "query"),
    [
        ("convolution", "conv_stage", ""),
        ("convolution", "conv_stage", RGB_QUERY),
        ("pooling", "pool_stage", ""),
        ("signals", "sig_stage", ""),
    ],
    ids=["conv", "conv-rgb", "pool", "signals"],
)
def test_nothing_overlaps_and_screenshots(browser, app_url, path, key, query, lang, size):
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    open_app(page, f"{app_url}/{path}?lang={lang}&{query}")
    stage(page, key)
    if path == "convolution" and not query and size != "phone":
        # A teacher sees input, kernel (in the window grids), map, sum and controls at once.
        controls = page.get_by_test_id("stage-play").first.bounding_box()
        lines = page.get_by_test_id("stage-lines").first.bounding_box()
        assert max(controls["y"] + controls["height"], lines["y"] + lines["height"]) <= height
    page.get_by_test_id("stage-input").first.scroll_into_view_if_needed()
    boxes = _boxes(page)
    clashes = [
        (a["name"], b["name"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if _overlap(a, b)
    ]
    assert not clashes, json.dumps(clashes)
    main = page.locator("[data-testid='stMain']").bounding_box()
    for box in boxes:  # nothing cut at the main column's right edge
        assert box["x"] + box["w"] <= main["x"] + main["width"] + 1, box
    from .conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = f"stage-{path}{'-rgb' if query else ''}-{lang}-{size}.png"
    page.screenshot(path=str(SCREENSHOTS / name))
    no_exception(page)
    context.close()


def test_formatting_matches_python_on_hard_numbers(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=en")
    stage(page, "conv_stage")
    rng = np.random.default_rng(3)
    values = [0.0625, -0.0625, 1.0005, -2.5, 0.0005, -0.0004, 1e21, 123456.7895, 1 / 3]
    values += rng.normal(scale=100, size=50).tolist()
    values += (rng.integers(-4000, 4000, size=50) / 16).tolist()  # exact ties in binary
    values += np.float32(rng.random(50)).astype(float).tolist()
    for lang in ("es", "en"):
        written = page.evaluate(
            "([xs, lang]) => xs.map((x) => window.__cnnvizFormat(x, lang))", [values, lang]
        )
        assert written == [format_number(v, lang=lang) for v in values]
