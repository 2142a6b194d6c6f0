"""Tests of cnnviz.figures.cells: regions a GIF animates, the cell a click picked."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.trace import conv2d_trace
from cnnviz.figures.cells import (
    CELL_GROUP,
    CellPick,
    Region,
    cell_from_selection,
    check_region,
    click_targets,
    default_region,
    pick_from_selection,
    region_around,
    region_at,
)
from cnnviz.figures.conv import feature_map_grid, heatmap
from cnnviz.i18n import InputError
from tests.figures.helpers import COURSE_K, COURSE_X

RNG = np.random.default_rng(7)

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


def test_click_targets_switch_to_webgl_without_customdata_beyond_4096_cells():
    small = click_targets(64, 64, texts=None, xaxis="x2", yaxis="y2", lang="en")
    assert small["type"] == "scatter" and len(small["customdata"]) == 64 * 64
    assert small["customdata"][65] == [1, 1] and small["xaxis"] == "x2"
    big = click_targets(64, 65, texts=None, xaxis="x", yaxis="y", lang="en")
    assert big["type"] == "scattergl" and "customdata" not in big
    assert big["hoverinfo"] == "skip" and (big["x"][65], big["y"][65]) == (0, 1)
