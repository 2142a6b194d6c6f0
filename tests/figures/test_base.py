"""Tests of cnnviz.figures: what the figures show is what the traces computed."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnviz import figures
from cnnviz.core.trace import conv2d_trace, pool2d_trace
from cnnviz.figures import (
    CELL_GROUP,
    DIVERGING,
    GRAY,
    CellPick,
    Region,
    cell_from_selection,
    check_region,
    default_region,
    feature_map_grid,
    heatmap,
    image_figure,
    pick_from_selection,
    region_around,
    region_at,
    window_figure,
)
from cnnviz.i18n import InputError, format_number, t

COURSE_X = np.array(
    [
        [0, 5, 0, 0, 9, 4, 0],
        [1, 6, 0, 0, 8, 3, 0],
        [2, 7, 0, 0, 7, 2, 0],
        [3, 8, 0, 0, 6, 1, 0],
        [4, 9, 0, 0, 5, 0, 0],
    ]
)
COURSE_K = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])
RNG = np.random.default_rng(7)
RGB = RNG.random((40, 40, 3))
BANK = RNG.standard_normal((3, 3, 3, 4))
POOL_X = np.array(
    [[1, 1, 2, 4, 0], [5, 6, 7, 8, 1], [3, 2, 1, 0, 9], [1, 2, 3, 4, 2], [0, 7, 1, 1, 3]]
)


# --- helpers: read a figure back -------------------------------------------------------


def rectangle(x, y) -> tuple[float, float, float, float]:
    """(top, left, bottom, right) of the first closed rectangle of a path."""
    xs, ys = list(x[:5]), list(y[:5])
    return min(ys), min(xs), max(ys), max(xs)


def validated(fig: go.Figure) -> go.Figure:
    # The builders skip Plotly's validation for speed; every property must still be valid.
    return go.Figure(fig.to_dict())


# --- regions --------------------------------------------------------------------------


def test_default_region_whole_or_top_left():
    assert default_region((3, 5)) == Region(0, 3, 0, 5)
    assert default_region((254, 30, 4)) == Region(0, 16, 0, 16)
    assert default_region((40, 40), max_cells=8) == Region(0, 8, 0, 8)


def test_region_cells_positions_and_size():
    region = Region(2, 4, 5, 8)
    assert region.shape == (2, 3) and region.size == 6
    assert [region.cell(k) for k in range(6)] == [(2, 5), (2, 6), (2, 7), (3, 5), (3, 6), (3, 7)]
    assert [region.position(*region.cell(k)) for k in range(6)] == list(range(6))
    assert region.contains(3, 7) and not region.contains(4, 7)
    with pytest.raises(InputError) as info:
        region.position(0, 0)
    assert info.value.key == "fig.error.cell_outside_region"


def test_check_region_clamps_stops_past_the_edge():
    assert check_region((10, 30, 0, 4), (20, 20)) == Region(10, 20, 0, 4)
    assert check_region([0, 99, 3, 99], (5, 7)) == Region(0, 5, 3, 7)
    assert check_region(None, (40, 40)) == Region(0, 16, 0, 16)
    assert check_region(np.array([1, 3, 1, 3]), (5, 5)) == Region(1, 3, 1, 3)


@pytest.mark.parametrize(
    ("region", "key", "quoted"),
    [
        ("abcd", "fig.error.region_not_ints", "abcd"),
        ((0, 2, 0), "fig.error.region_not_ints", "(0, 2, 0)"),
        ((0, 2.5, 0, 3), "fig.error.region_not_ints", "2.5"),
        ((3, 3, 0, 2), "fig.error.region_empty", "3"),
        ((0, 2, 4, 1), "fig.error.region_empty", "4"),
        ((-1, 3, 0, 3), "fig.error.region_outside", "−1"),
        ((20, 22, 0, 3), "fig.error.region_outside", "20"),
        ((0, 17, 0, 3), "fig.error.region_too_large", "17"),
    ],
)
def test_check_region_refuses_nonsense_in_both_languages(region, key, quoted):
    with pytest.raises(InputError) as info:
        check_region(region, (20, 20))
    assert info.value.key == key
    spanish, english = info.value.message("es"), info.value.message("en")
    assert spanish != english
    for message in (spanish, english):
        assert "{" not in message and "fig." not in message
        assert quoted.replace("−", "-") in message.replace("−", "-")
    if key == "fig.error.region_outside":
        assert "19" in english and "19" in spanish  # the last valid row, for the fix


def test_region_around_and_region_at():
    assert region_around((254, 254), 40, 3) == Region(32, 48, 0, 16)
    assert region_around((20, 20), 19, 19) == Region(16, 20, 16, 20)
    assert region_at((254, 254), 250, 3) == Region(238, 254, 3, 19)
    assert region_at((5, 7), 2, 2) == Region(0, 5, 0, 7)
    with pytest.raises(InputError) as info:
        region_around((10, 10), 10, 0)
    assert info.value.key == "error.trace_cell_out_of_range"


# --- clicking a cell -----------------------------------------------------------------------

# Recorded from Streamlit 1.67 (st.plotly_chart(fig, on_select="rerun",
# selection_mode="points", key=...)) after clicking output cell (2, 3) of the course
# animation in Chromium.
CLICK_ON_ANIMATION = {
    "selection": {
        "points": [
            {
                "curve_number": 4,
                "point_number": 17,
                "point_index": 17,
                "x": 3,
                "y": 2,
                "customdata": [2, 3],
                "text": "12",
                "legendgroup": "cnnviz-cell",
            }
        ],
        "point_indices": [17],
        "box": [],
        "lasso": [],
    }
}
EMPTY = {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}}


def test_recorded_click_maps_to_the_output_cell():
    assert cell_from_selection(CLICK_ON_ANIMATION) == (2, 3)
    assert cell_from_selection(CLICK_ON_ANIMATION["selection"]) == (2, 3)
    # The recorded point is the click target of that cell on the course's output map.
    fig = heatmap(conv2d_trace(COURSE_X, COURSE_K, padding="same").output, lang="en")
    (targets,) = [tr for tr in fig.data if tr.legendgroup == CELL_GROUP]
    assert list(targets.customdata[17]) == [2, 3]
    assert targets.x[17] == 3 and targets.y[17] == 2


def test_no_cell_when_nothing_or_something_else_is_clicked():
    assert cell_from_selection(None) is None
    assert cell_from_selection({}) is None
    assert cell_from_selection(EMPTY) is None
    padding_click = {
        "selection": {
            "points": [{"curve_number": 1, "point_number": 0, "point_index": 0, "x": -1, "y": 1}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    assert cell_from_selection(padding_click) is None
    other_group = {"selection": {"points": [{"x": 1, "y": 1, "legendgroup": "padding"}]}}
    assert cell_from_selection(other_group) is None


def test_click_on_a_grid_map_and_on_a_large_map():
    grid_click = {
        "selection": {
            "points": [
                {
                    "curve_number": 6,
                    "point_index": 41,
                    "x": 1,
                    "y": 4,
                    "customdata": [4, 1, 2],
                    "legendgroup": "cnnviz-cell:2",
                }
            ]
        }
    }
    assert pick_from_selection(grid_click) == CellPick(4, 1, 2)
    assert cell_from_selection(grid_click) == (4, 1)
    # Large maps send WebGL targets without customdata: x and y are the column and row.
    big = heatmap(RNG.random((100, 100)))
    (targets,) = [tr for tr in big.data if tr.legendgroup == CELL_GROUP]
    assert targets.type == "scattergl" and targets.customdata is None
    webgl_click = {"selection": {"points": [{"x": 57.0, "y": 12.0, "legendgroup": CELL_GROUP}]}}
    assert cell_from_selection(webgl_click) == (12, 57)


def test_feature_map_grid_targets_carry_the_map():
    maps = RNG.standard_normal((5, 6, 3))
    fig = feature_map_grid(maps, lang="en")
    targets = [tr for tr in fig.data if (tr.legendgroup or "").startswith(CELL_GROUP)]
    assert [tr.legendgroup for tr in targets] == [f"{CELL_GROUP}:{f}" for f in range(3)]
    for f, tr in enumerate(targets):
        k = 13
        row, col, fmap = tr.customdata[k]
        assert (row, col, fmap) == (k // 6, k % 6, f) and (tr.x[k], tr.y[k]) == (col, row)


# --- heatmaps, grids, images ------------------------------------------------------------------


def test_signed_heatmap_is_diverging_and_centred_at_zero():
    fig = heatmap([[-1.0, 0.5], [3.0, 0.0]], lang="es")
    trace = fig.data[0]
    assert [tuple(stop) for stop in trace.colorscale] == list(DIVERGING)
    assert trace.zmin == -3.0 and trace.zmax == 3.0  # symmetric: 0 is the white middle
    assert DIVERGING[len(DIVERGING) // 2] == (0.5, "rgb(247,247,247)")
    assert DIVERGING[0][1] != DIVERGING[-1][1]
    assert [list(row) for row in trace.text] == [["−1", "0,5"], ["3", "0"]]
    assert trace.texttemplate == "%{text}" and trace.textfont.size >= 16
    assert fig.layout.separators.startswith(",")  # hover numbers with a decimal comma
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]  # row 0 at the top
    assert fig.layout.yaxis.scaleanchor == "x"  # square cells
    moved = heatmap([[1.0, 2.0], [4.0, 3.0]], signed=True, zmid=2.0)
    assert (moved.data[0].zmin, moved.data[0].zmax) == (0.0, 4.0)


def test_non_negative_heatmap_is_grey_like_an_image():
    fig = heatmap(np.array([[0.0, 0.25], [0.5, 1.0]]))
    trace = fig.data[0]
    assert [tuple(stop) for stop in trace.colorscale] == list(GRAY)
    assert GRAY[0][1] == "rgb(0,0,0)" and GRAY[-1][1] == "rgb(255,255,255)"
    assert (trace.zmin, trace.zmax) == (0.0, 1.0)  # 0 black, 1 white
    assert heatmap(np.array([[0, 128]], dtype=np.uint8)).data[0].zmax == 255.0
    assert heatmap([[0.0, 7.5]]).data[0].zmax == 7.5
    assert heatmap([[0.0, 1.0]], signed=True).data[0].zmin == -1.0


def test_heatmap_hover_and_values_follow_the_language():
    es = heatmap([[0.25]], lang="es").data[0]
    en = heatmap([[0.25]], lang="en").data[0]
    assert es.hovertemplate.startswith("Fila %{y}, columna %{x}")
    assert en.hovertemplate.startswith("Row %{y}, column %{x}")
    assert list(es.text[0]) == ["0,25"] and list(en.text[0]) == ["0.25"]


def test_large_heatmap_has_no_numbers_in_cells_but_stays_small():
    fig = heatmap(RNG.standard_normal((128, 128)))
    assert fig.data[0].texttemplate is None
    assert len(fig.to_json().encode()) < 1_500_000


def test_heatmap_refuses_non_matrices():
    for bad in ([1, 2, 3], np.zeros((2, 2, 2)), np.zeros((0, 3)), [["a", "b"]]):
        with pytest.raises(InputError) as info:
            heatmap(bad)
        assert info.value.key == "fig.error.not_2d"


def test_heatmap_highlights_the_inspected_cell():
    fig = heatmap(np.zeros((4, 4)), highlight=(1, 2))
    outline = fig.data[-1]
    assert rectangle(outline.x, outline.y) == (0.5, 1.5, 1.5, 2.5)


def test_feature_map_grid_scales():
    maps = np.stack([np.full((3, 3), -1.0), np.full((3, 3), 4.0)], axis=-1)
    shared = feature_map_grid(maps, lang="en")
    assert [(tr.zmin, tr.zmax) for tr in shared.data[:2]] == [(-4.0, 4.0), (-4.0, 4.0)]
    own = feature_map_grid(maps, shared_scale=False, lang="en")
    assert [(tr.zmin, tr.zmax) for tr in own.data[:2]] == [(-1.0, 1.0), (-4.0, 4.0)]
    titles = [a.text for a in shared.layout.annotations]
    assert titles == [t("fig.feature_map_n", lang="en", index=i) for i in range(2)]
    with pytest.raises(InputError) as info:
        feature_map_grid(np.zeros((3, 3, 5)))
    assert info.value.key == "fig.error.maps_shape"
    validated(shared)


def test_image_figure_rgb_and_grey():
    image = np.array([[[0.0, 0.5, 1.0], [1.0, 1.0, 1.0]]])
    fig = image_figure(image, lang="es")
    assert fig.data[0].type == "image"
    assert [list(px) for px in fig.data[0].z[0]] == [[0, 128, 255], [255, 255, 255]]
    assert fig.data[0].hovertext[0][0] == "R 0; G 0,5; B 1"
    big = image_figure(RNG.random((100, 120, 3)))
    assert big.data[0].source.startswith("data:image/png;base64,")
    grey = image_figure(np.array([[0.0, 1.0]]))
    assert [tuple(s) for s in grey.data[0].colorscale] == list(GRAY)
    with pytest.raises(InputError):
        image_figure(np.zeros((2, 2, 4)))
    for each in (fig, big, grey):
        validated(each)


def test_window_figure_writes_values_weights_and_products():
    trace = conv2d_trace(COURSE_X, COURSE_K, padding="same")
    step = trace.step(0)
    fig = window_figure(step, lang="es")
    values, weights, products = (
        [list(row) for row in trace_.text] for trace_ in fig.data if trace_.type == "heatmap"
    )
    assert weights == [[format_number(w, lang="es") for w in row] for row in COURSE_K.tolist()]
    assert products[1][1] == format_number(step.products[1, 1], lang="es")
    # Padding cells are hatched, with their value written on the hatching.
    (bar,) = [tr for tr in fig.data if tr.type == "bar"]
    assert len(bar.x) == int(step.is_padding.sum())
    assert values[1][1] == "0" and values[0][0] == ""
    rgb_bank = conv2d_trace(RGB, BANK, padding="same", bias=[0.5, -1, 0, 2], activation="relu")
    rgb_step = rgb_bank.step_at(0, 0, 1)
    assert "canal 2" in json.dumps(
        window_figure(rgb_step, channel=2, lang="es").layout.to_plotly_json(), ensure_ascii=False
    )
    validated(fig)


def test_window_figure_of_a_pooling_step_stars_the_maximum():
    step = pool2d_trace(POOL_X, 2).step(1)
    fig = window_figure(step, lang="en")
    (star,) = [tr for tr in fig.data if tr.type == "scatter"]
    row, col = step.winner[0] - step.top_left[0], step.winner[1] - step.top_left[1]
    assert abs(star.x[0] - col) < 0.5 and abs(star.y[0] - row) < 0.5


def test_public_names_exist():
    for name in figures.__all__:
        assert hasattr(figures, name), name


def test_padding_comparison_draws_each_output_under_its_window():
    from cnnviz.core.signals import compare_paddings
    from cnnviz.figures import PADDING_COLOURS, padding_comparison

    signal = [1.0, 2, -5, 4, 2, -1]
    results = compare_paddings(signal, [-1.0, 2, -1])
    fig = padding_comparison(signal, results, lang="en")
    outputs = [trace for trace in fig.data if trace.line.color in PADDING_COLOURS.values()]
    assert [list(trace.y) for trace in outputs] == [
        [8, -16, 11, 1],
        [0, 8, -16, 11, 1, -4],
        [-1, 0, 8, -16, 11, 1, -4, 1],
    ]
    # Window centres: valid starts under sample 1, full one sample before the signal.
    assert list(outputs[0].x) == [1, 2, 3, 4]
    assert list(outputs[2].x) == [-1, 0, 1, 2, 3, 4, 5, 6]
