"""The Shapley figures: one colour per region, white at 0, values written while readable."""

from __future__ import annotations

import numpy as np
import pytest

from cnnviz.core.shapley import grid_regions
from cnnviz.figures import shapley as figures
from cnnviz.i18n import InputError


def test_region_map_paints_each_region_with_its_value_symmetric_about_zero():
    labels = grid_regions(28, 28, 3, 3)
    values = np.linspace(-0.2, 0.6, 9)
    fig = figures.region_map(np.zeros((28, 28)), labels, values, highlight=4, lang="es")
    heat = fig.data[1]
    np.testing.assert_array_equal(np.asarray(heat.z), values[labels])
    assert (heat.zmin, heat.zmax) == (-0.6, 0.6)  # 0 sits in the middle: white
    assert dict(heat.colorscale)[0.5] == "rgb(255,255,255)"
    centres = fig.data[2]
    assert centres.text[0] == "−0,2" and centres.text[8] == "0,6"
    assert list(centres.customdata) == list(range(9))  # a click names the region
    # two inner lines each way, and the orange frame around region 4 (rows 9-18, cols 9-18)
    lines, frame = fig.layout.shapes[:4], fig.layout.shapes[4]
    assert sorted(s.y0 for s in lines if s.y0 == s.y1) == [8.5, 18.5]
    assert (frame.x0, frame.x1, frame.y0, frame.y1) == (8.5, 18.5, 8.5, 18.5)


def test_region_map_writes_values_up_to_six_by_six_and_hovers_the_error():
    labels = grid_regions(28, 28, 7, 7)
    fig = figures.region_map(
        np.zeros((28, 28)), labels, np.zeros(49), errors=np.full(49, 0.01), lang="en"
    )
    assert fig.data[2].mode == "markers"  # 49 regions: too many to write
    assert "0 ± 0.01" in fig.data[2].hovertext[0]
    assert len(fig.layout.shapes) == 12
    small = figures.region_map(np.zeros((8, 8)), grid_regions(8, 8, 6, 6), np.ones(36), lang="en")
    assert small.data[2].mode == "text"


def test_region_map_refuses_values_that_do_not_match_the_regions():
    with pytest.raises(InputError):
        figures.region_map(np.zeros((4, 4)), grid_regions(4, 4, 2, 2), [1.0, 2.0], lang="en")


def test_permutation_chain_highlights_the_regions_step():
    fig = figures.permutation_chain([0.0, 0.1, 0.5, 0.7], [2, 0, 1], 0, lang="en")
    assert list(fig.data[0].y) == [0.0, 0.1, 0.5, 0.7]
    assert list(fig.data[1].x) == [1, 2] and list(fig.data[1].y) == [0.1, 0.5]
    assert fig.data[0].text[1] == "region 3 joins"
