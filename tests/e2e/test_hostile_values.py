"""Huge numbers in Chromium: the issue's link says what is wrong, and large sums stay readable.

``?k=1e308,1e308;1e308,1e308`` used to open on maps full of ∞, with no message
and 309-digit sums; now the link's kernel is refused with a translated reason.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from cnnviz.content import links, samples
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import format_number, t

from .helpers import no_exception, open_app, stage, stage_cell_point, stage_lines

pytestmark = pytest.mark.e2e

BOUND_KERNEL = "1e100,-1e100;1e100,1e100"  # the largest weights a link may carry


@pytest.mark.parametrize("lang", ["es", "en"])
def test_the_issue_link_says_what_is_wrong(page, app_url, screenshot, lang):
    open_app(page, f"{app_url}/convolution?lang={lang}&k=1e308,1e308;1e308,1e308")
    reason = t(
        "error.overflow_link",
        lang=lang,
        token="1e308",
        row=1,
        col=1,
        max=1e100,
        text="1e308,1e308;1e308,1e308",
    )
    expect(
        page.get_by_text(t("conv.link_kernel_ignored", lang=lang, reason=reason))
    ).to_be_visible()
    stage(page, "conv_stage")  # the page goes on with its default kernel
    no_exception(page)
    assert "Traceback" not in page.locator("[data-testid='stMain']").inner_text()
    screenshot(f"hostile-values-issue-link-{lang}")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_sums_of_the_largest_weights_read_the_same_on_the_stage_and_in_python(page, app_url, lang):
    open_app(page, f"{app_url}/convolution?lang={lang}&k={BOUND_KERNEL}")
    trace = conv2d_trace(
        samples.load_sample("course_matrix"), links.decode_bank(BOUND_KERNEL, channels=1)
    )
    state = stage(page, "conv_stage")
    assert (state["rows"], state["cols"]) == trace.output.shape[:2]
    for row, col in [(0, 1), (2, 3), (state["rows"] - 1, state["cols"] - 1)]:
        x, y = stage_cell_point(page, "conv_stage", row, col)
        page.mouse.move(x, y)
        expected = trace.step_at(row, col, 0).formula_lines(lang)
        expect(page.get_by_test_id("stage-lines").first).to_contain_text(expected[-1])
        assert stage_lines(page) == expected
        assert "e100" in expected[-1]
    digits = re.findall(r"\d+", page.locator("[data-testid='stMain']").inner_text())
    assert max(len(run) for run in digits) < 20  # no 101-digit numbers anywhere
    no_exception(page)


def test_the_stage_writes_huge_numbers_as_python_does(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=en")
    stage(page, "conv_stage")
    rng = np.random.default_rng(11)
    values = [1e16, -1e16, 1.2345e20, 1.2355e20, 9.9996e20, 1e21, 1e100, -1e300]
    values += [float(np.finfo(np.float64).max), 2.0**60, 3.5e17]
    values += (rng.uniform(-1, 1, 100) * 10.0 ** rng.uniform(16, 308, 100)).tolist()
    values += (rng.integers(1, 99_999, 100) * 10.0 ** rng.integers(12, 290, 100)).tolist()
    for lang in ("es", "en"):
        for digits in (0, 1, 3):
            written = page.evaluate(
                "([xs, lang, d]) => xs.map((x) => window.__cnnvizFormat(x, lang, d))",
                [values, lang, digits],
            )
            assert written == [format_number(v, digits=digits, lang=lang) for v in values]


def test_the_png_of_huge_sums_downloads(page, app_url):
    open_app(page, f"{app_url}/convolution?lang=es&k={BOUND_KERNEL}")
    page.get_by_role("button", name=t("conv.export", lang="es")).click()
    button = page.get_by_role("button", name=t("conv.download_png", lang="es"))
    expect(button).to_be_enabled()
    with page.expect_download(timeout=30_000) as download:
        button.click()
    image = Image.open(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert image.format == "PNG" and image.size == (6 * 43, 4 * 43)  # a 4x6 map, 43 px a cell
    no_exception(page)
