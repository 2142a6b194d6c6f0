"""Tests of cnnviz.figures._base: shared scales, texts, axes and layouts."""

from __future__ import annotations

import numpy as np
import pytest

import cnnviz.figures._base as base
from cnnviz.i18n import InputError


def test_pick_scale_diverging_symmetric_or_grey_up_to_the_white_point():
    signed = base.pick_scale(np.array([-1.0, 3.0, np.nan]))
    assert signed.colorscale == base.DIVERGING and (signed.zmin, signed.zmax) == (-3.0, 3.0)
    moved = base.pick_scale(np.array([1.0, 4.0]), signed=True, zmid=2.0)
    assert (moved.zmin, moved.zmax) == (0.0, 4.0)
    grey = base.pick_scale(np.array([0.2, 0.5]))
    assert grey.colorscale == base.GRAY and (grey.zmin, grey.zmax) == (0.0, 1.0)
    assert base.pick_scale(np.array([0.0, 128.0]), white=255.0).zmax == 255.0
    assert base.pick_scale(np.array([3.0, 3.0]), white=1.0).zmax == 3.0
    assert base.pick_scale(np.array([np.nan])).zmax == 1.0  # nothing finite: 0 to 1


def test_cell_texts_and_whether_they_fit():
    texts = base.cell_texts(np.array([[-0.125, np.inf], [2.0, 1234.5]]), "es", 2)
    assert texts == [["−0,12", ""], ["2", "1234,5"]]
    assert base.values_fit([["1"]], 26) and not base.values_fit([["1"]], 25)
    assert not base.values_fit([["−0,12"]], 50) and base.values_fit([["−0,12"]], 56)


def test_as_maps_and_check_matrix_refuse_what_is_not_a_map():
    assert base.as_maps([[1, 2]]).shape == (1, 2, 1)
    for bad in ([1, 2], np.zeros((2, 2, 2, 2)), np.zeros((0, 2)), [["a", "b"]]):
        with pytest.raises(InputError) as info:
            base.as_maps(bad)
        assert info.value.key == "fig.error.maps_shape"
    with pytest.raises(InputError) as info:
        base.check_matrix(np.zeros((2, 2, 1)))
    assert info.value.key == "fig.error.not_2d"


def test_cell_axis_ticks_every_cell_of_a_small_map_only():
    small = base.cell_axis(0, 9, domain=(0, 1), anchor="y", reverse=True, scaleanchor="x")
    assert small["range"] == [9.5, -0.5] and small["dtick"] == 1
    assert small["scaleanchor"] == "x" and small["constraintoward"] == "top"
    large = base.cell_axis(0, 24, domain=(0, 1), anchor="y")
    assert "dtick" not in large and large["range"] == [-0.5, 24.5]


def test_base_layout_and_paper_text():
    layout = base.base_layout("es", height=200, margin=(1, 2, 3, 4), annotations=[])
    assert layout["separators"] == ", " and layout["dragmode"] is False
    assert layout["margin"] == {"l": 1, "r": 2, "t": 3, "b": 4} and layout["annotations"] == []
    assert base.base_layout("en", height=1, margin=(0, 0, 0, 0))["separators"] == ".,"
    note = base.paper_text("a", 0.5, 1, size=14, yanchor="top")
    assert (note["xref"], note["yref"], note["yanchor"], note["font"]) == (
        "paper",
        "paper",
        "top",
        {"size": 14},
    )
