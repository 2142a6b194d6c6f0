"""The channel view in Chromium, through a tiny script: clicks on a tile and on a map's cell.

No page shows the view yet (the trained-network page will), so this runs its own
``streamlit run`` of a script that calls it on random data (no TensorFlow).
AppTest cannot click a Plotly chart; this checks that a click picks the filter
and the cell, and that a phone gets the stacked figures instead of the wide ones.
"""

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from playwright.sync_api import expect

from cnnviz.core.channels import RGB, cell_lines
from cnnviz.core.trace import conv2d_trace
from deploy.serve import healthy

from .helpers import no_exception, open_app
from .server import ROOT, free_port

pytestmark = pytest.mark.e2e

SCRIPT = """
import numpy as np
import streamlit as st

from cnnviz.ui.channel_view import show_channel_sum, show_filter_bank
from cnnviz.ui.language import language_selector

st.set_page_config(layout="wide")
language_selector()
rng = np.random.default_rng(12)
image = rng.uniform(0, 1, (8, 8, 3))
kernel = rng.normal(0, 0.4, (3, 3, 3, 6))
bias = np.linspace(-0.5, 0.5, 6)
index = show_filter_bank(kernel, bias, key="ch")
show_channel_sum(image, kernel, bias, index, padding="same", key="ch")
"""

RNG = np.random.default_rng(12)
IMAGE = RNG.uniform(0, 1, (8, 8, 3))
KERNEL = RNG.normal(0, 0.4, (3, 3, 3, 6))
BIAS = np.linspace(-0.5, 0.5, 6)


@pytest.fixture(scope="module")
def view_url(tmp_path_factory):
    """Serve the tiny script on a free localhost port."""
    script = tmp_path_factory.mktemp("channel_view") / "view.py"
    script.write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "streamlit", "run", str(script)),
            *("--server.port", str(port), "--server.address", "127.0.0.1"),
            *("--server.headless", "true"),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not healthy(url):
            if time.monotonic() > deadline:
                pytest.fail("the channel view's script did not answer in 60 s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def lines(index: int, row: int, col: int, lang: str) -> str:
    trace = conv2d_trace(IMAGE, KERNEL[..., index], bias=BIAS[index], padding="same")
    return "\n".join(cell_lines(trace.step_at(row, col), RGB, lang))


def click_until(page, target, check) -> None:
    """Click a chart's point until ``check`` passes: Plotly binds its handlers after drawing."""
    for _ in range(5):
        target.scroll_into_view_if_needed()
        target.click(force=True)  # Plotly's drag layer lies over the points
        try:
            check(4_000)
            return
        except AssertionError:
            continue
    check(10_000)


def test_clicking_a_tile_picks_its_filter_and_a_map_cell_its_arithmetic(page, view_url, screenshot):
    open_app(page, f"{view_url}/?lang=es")
    code = page.locator("[data-testid='stCode']").first
    expect(code).to_have_text(lines(0, 0, 0, "es"))
    bank = page.locator(".st-key-ch_rgb_wide_box [data-testid='stPlotlyChart']")
    tile = bank.locator(".scatterlayer .point").nth(4)
    click_until(page, tile, lambda ms: expect(code).to_have_text(lines(4, 0, 0, "es"), timeout=ms))
    expect(page.get_by_role("spinbutton", name="Filtro")).to_have_value("4")
    # The map's click targets, one per cell in row-major order: (2, 5) is point 21.
    equation = page.locator(".st-key-ch_sum_wide_box [data-testid='stPlotlyChart']")
    cell = equation.locator(".scatterlayer .point").nth(2 * 8 + 5)
    click_until(page, cell, lambda ms: expect(code).to_have_text(lines(4, 2, 5, "es"), timeout=ms))
    no_exception(page)
    screenshot("channel-view-es-filter-4-cell-2-5")


def test_a_phone_gets_the_stacked_figures(page, view_url, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    open_app(page, f"{view_url}/?lang=en")
    expect(page.locator(".st-key-ch_sum_phone_box")).to_be_visible()
    expect(page.locator(".st-key-ch_sum_wide_box")).to_be_hidden()
    expect(page.locator(".st-key-ch_rgb_phone_box")).to_be_visible()
    page.set_viewport_size({"width": 1024, "height": 768})
    expect(page.locator(".st-key-ch_sum_wide_box")).to_be_visible()
    expect(page.locator(".st-key-ch_sum_phone_box")).to_be_hidden()
    no_exception(page)
    screenshot("channel-view-en-1024")
