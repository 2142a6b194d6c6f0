"""The page "Convolution as a matrix" in Chromium: hover, tap, keys, play, sizes, and what the
browser writes against the core."""

import numpy as np
import pytest
from playwright.sync_api import expect

from cnnviz.core.conv_matrix import conv_matrix
from cnnviz.core.kernels import get_kernel
from cnnviz.ui.conv_settings import ConvSettings
from cnnviz.ui.matrix_view import drawing_data, example_input

from .helpers import no_exception, open_app

pytestmark = pytest.mark.e2e

KEY = "matrix_drawing"
IMAGE = example_input(6, 6, 0)
KERNEL = get_kernel("vertical_edges")
VALID = ConvSettings("valid", "zeros", (1, 1), (1, 1), False, 0.0, None)


def view(page) -> dict:
    page.wait_for_function(f"() => window.__cnnvizMatrices && window.__cnnvizMatrices[{KEY!r}]")
    return page.evaluate(
        f"""() => {{ const v = window.__cnnvizMatrices[{KEY!r}];
        return {{rows: v.rows, cols: v.cols, cell: v.cell, pinned: v.pinned,
                 playing: v.playing}}; }}"""
    )


def cell_point(page, row: int, col: int) -> tuple[float, float]:
    canvas = page.get_by_test_id("matrix-canvas")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    size = view(page)["cell"]
    return box["x"] + (col + 0.5) * size, box["y"] + (row + 0.5) * size


def lit(page, box: str, cls: str) -> list[int]:
    cells = page.get_by_test_id(box).locator(f".{cls}")
    return sorted(int(i) for i in cells.evaluate_all("els => els.map(e => e.dataset.i)"))


def readout(page) -> list[str]:
    return page.get_by_test_id("matrix-readout").locator("span").all_text_contents()


@pytest.mark.parametrize("lang", ["es", "en"])
def test_pointing_at_a_cell_lights_its_row_and_column(page, app_url, lang, screenshot):
    open_app(page, f"{app_url}/conv-matrix?lang={lang}")
    no_exception(page)
    assert (view(page)["rows"], view(page)["cols"]) == (16, 36)
    expected = drawing_data(IMAGE, KERNEL, VALID, "matrix", lang)["readouts"]
    # Which cells the matrix stores (a weight of 0 is stored too: it is a parameter).
    structure = conv_matrix(IMAGE.shape, KERNEL).matrix.copy()
    structure.data[:] = 1
    matrix = structure.toarray()
    page.mouse.move(*cell_point(page, 6, 10))
    # Row 6 is output cell (1, 2): it reads its 3x3 window; column 10, input (1, 4), feeds 4.
    expect(page.get_by_test_id("matrix-readout")).to_contain_text(expected["rows"][6])
    assert readout(page) == [expected["rows"][6], expected["cols"][10]]
    assert lit(page, "matrix-result", "row") == [6]
    assert lit(page, "matrix-operand", "reads") == list(np.flatnonzero(matrix[6]))
    assert lit(page, "matrix-operand", "col") == [10]
    assert lit(page, "matrix-result", "feeds") == list(np.flatnonzero(matrix[:, 10]))
    assert lit(page, "matrix-operand-vector", "reads") == list(np.flatnonzero(matrix[6]))
    # Which weight: column 10 of row 6 is the window's tap (0, 2).
    assert lit(page, "matrix-kernel", "tap") == [2]
    screenshot(f"conv-matrix-hover-{lang}")


def test_a_tap_pins_and_the_keys_move(page, app_url):
    open_app(page, f"{app_url}/conv-matrix?lang=en")
    page.mouse.click(*cell_point(page, 2, 3))
    page.mouse.move(5, 5)  # the pointer leaves: a pinned cell stays lit (a phone has no hover)
    assert view(page)["pinned"] == {"r": 2, "c": 3}
    assert lit(page, "matrix-result", "row") == [2]
    page.get_by_test_id("matrix-canvas").focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowRight")
    assert view(page)["pinned"] == {"r": 3, "c": 4}
    page.keyboard.press("Escape")
    assert view(page)["pinned"] is None
    assert lit(page, "matrix-result", "row") == []


def test_row_by_row_walks_the_rows(page, app_url):
    open_app(page, f"{app_url}/conv-matrix?lang=en")
    page.get_by_test_id("matrix-play").click()
    page.wait_for_function(f"() => (window.__cnnvizMatrices[{KEY!r}].pinned || {{r: 0}}).r >= 2")
    assert view(page)["playing"]
    page.get_by_test_id("matrix-play").click()
    assert not view(page)["playing"]


def test_the_transpose_names_both_shapes(page, app_url):
    open_app(page, f"{app_url}/conv-matrix?lang=en&matrix_view=transpose")
    assert (view(page)["rows"], view(page)["cols"]) == (36, 16)
    data = drawing_data(IMAGE, KERNEL, VALID, "transpose", "en")
    for test_id, text in (
        ("matrix-operand", data["labels"]["operand"]),
        ("matrix-result", data["labels"]["result"]),
    ):
        caption = page.get_by_test_id(test_id).locator("xpath=..").locator("figcaption")
        expect(caption).to_have_text(text)
    assert "(4 × 4)" in data["labels"]["operand"] and "(6 × 6)" in data["labels"]["result"]
    page.mouse.move(*cell_point(page, 14, 5))
    assert readout(page) == [data["readouts"]["rows"][14], data["readouts"]["cols"][5]]
    no_exception(page)


@pytest.mark.parametrize(
    ("width", "height", "present"),
    [(1024, 768, False), (1024, 768, True), (1280, 720, False), (390, 844, False)],
)
def test_a_64x64_matrix_fits_the_window(page, app_url, width, height, present, screenshot):
    page.set_viewport_size({"width": width, "height": height})
    query = "matrix_size_rows=8&matrix_size_cols=8&matrix_pad=same"
    open_app(page, f"{app_url}/conv-matrix?lang=es&{query}{'&present=1' if present else ''}")
    no_exception(page)
    state = view(page)
    assert (state["rows"], state["cols"]) == (64, 64)
    assert state["cell"] >= 4
    component = page.get_by_test_id("matrix-canvas").locator("xpath=ancestor::div[@class]").first
    overflow = component.evaluate(
        "el => el.closest('.mx').scrollWidth - el.closest('.mx').clientWidth"
    )
    assert overflow <= 1
    box = page.get_by_test_id("matrix-canvas").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    if width > 400:  # the whole matrix in the first screen, no scrolling hunt
        assert box["y"] + box["height"] <= height
    screenshot(f"conv-matrix-64-{width}x{height}{'-present' if present else ''}")
