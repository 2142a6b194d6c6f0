"""Tests of cnnviz.figures.equivariance: what each figure draws, validated by Plotly."""

from __future__ import annotations

import math

import numpy as np

from cnnviz.figures.equivariance import (
    INTERIOR_COLOR,
    QUIET,
    field_boxes,
    gap_curves,
    prediction_curves,
    shift_maps,
)
from cnnviz.figures.network import WINNER_COLOR
from tests.figures.helpers import rectangle, validated


def test_gap_curves_mark_where_exact_equivariance_can_hold():
    fig = validated(
        gap_curves(
            [-1, 0, 1],
            {"conv1": [0.0, 0.0, 0.0], "pool1": [0.5, 0.0, math.nan]},
            exact={"conv1": [True] * 3, "pool1": [False, True, False]},
            x_title="k",
            y_title="gap",
            lang="es",
        )
    )
    assert [trace.name for trace in fig.data] == ["conv1", "pool1"]
    assert list(fig.data[1].marker.symbol) == ["circle-open", "circle", "circle-open"]
    assert math.isnan(fig.data[1].y[2])  # a gap in the line, not a zero
    assert fig.layout.separators == ", "


def test_gap_curves_without_marks_use_plain_markers():
    fig = validated(gap_curves([0, 1], {"softmax": [0, 0.1]}, x_title="k", y_title="c"))
    assert fig.data[0].marker.symbol is None


def test_prediction_curves_put_the_winner_on_top_and_colour_the_other_answers():
    probabilities = np.array([[0.8, 0.1, 0.1], [0.2, 0.1, 0.7]])
    fig = validated(
        prediction_curves(
            [0, 1], probabilities, highlight=0, others=[0, 2], x_title="k", y_title="p"
        )
    )
    assert [trace.name for trace in fig.data] == ["1", "2", "0"]
    assert fig.data[0].line.color == QUIET
    assert fig.data[1].line.color not in (QUIET, WINNER_COLOR)
    assert fig.data[2].line.color == WINNER_COLOR
    assert list(fig.data[1].y) == [0.1, 0.7]


def test_shift_maps_outline_the_compared_cells_on_every_map():
    maps = np.zeros((5, 6, 3))
    fig = validated(shift_maps(maps, ["a", "b", "c"], (slice(1, 4), slice(2, 6)), lang="en"))
    outlines = [trace for trace in fig.data if trace.type == "scatter" and trace.mode == "lines"]
    assert [trace.xaxis for trace in outlines] == ["x", "x2", "x3"]
    assert all(trace.line.color == INTERIOR_COLOR for trace in outlines)
    assert rectangle(outlines[0].x, outlines[0].y) == (0.5, 1.5, 3.5, 5.5)


def test_shift_maps_outline_nothing_when_no_cell_is_compared():
    fig = validated(shift_maps(np.zeros((3, 3, 2)), ["a", "b"], (slice(0, 0), slice(0, 0))))
    assert not [trace for trace in fig.data if trace.type == "scatter" and trace.mode == "lines"]


def test_field_boxes_draw_each_field_around_its_pixels():
    boxes = [("conv1", 3, 11, 5, 13), ("pool2", 0, 8, 9, 17)]
    fig = validated(field_boxes(np.zeros((28, 28)), boxes, lang="en"))
    drawn = fig.data[-2:]
    assert [trace.name for trace in drawn] == ["conv1", "pool2"]
    assert rectangle(drawn[0].x, drawn[0].y) == (2.5, 10.5, 5.5, 13.5)
    assert rectangle(drawn[1].x, drawn[1].y) == (-0.5, 7.5, 9.5, 17.5)
    assert drawn[0].line.color != drawn[1].line.color


def test_gap_curves_give_ten_layers_ten_different_looks():
    series = {f"layer{i}": [0.0, 1.0] for i in range(10)}
    fig = validated(gap_curves([0, 1], series, x_title="k", y_title="c"))
    looks = {(trace.line.color, trace.line.dash) for trace in fig.data}
    assert len(looks) == 10
