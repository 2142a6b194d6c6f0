"""Tests of cnnviz.figures.pool: a pooling step's window, its kept maximum starred."""

from __future__ import annotations

import numpy as np

from cnnviz.core.trace import pool2d_trace
from cnnviz.figures.conv import window_figure
from cnnviz.figures.pool import pool_window_figure
from tests.figures.helpers import validated

POOL_X = np.array(
    [[1, 1, 2, 4, 0], [5, 6, 7, 8, 1], [3, 2, 1, 0, 9], [1, 2, 3, 4, 2], [0, 7, 1, 1, 3]]
)


def test_window_figure_of_a_pooling_step_stars_the_maximum():
    step = pool2d_trace(POOL_X, 2).step(1)
    fig = window_figure(step, lang="en")
    (star,) = [tr for tr in fig.data if tr.type == "scatter"]
    row, col = step.winner[0] - step.top_left[0], step.winner[1] - step.top_left[1]
    assert abs(star.x[0] - col) < 0.5 and abs(star.y[0] - row) < 0.5


def test_pooling_window_leaves_padding_blank_and_window_figure_draws_it_the_same():
    step = pool2d_trace(POOL_X, 2, padding="same").step_at(2, 2)
    fig = validated(pool_window_figure(step, lang="es"))
    (matrix,) = [tr for tr in fig.data if tr.type == "heatmap"]
    assert [list(row) for row in matrix.text] == [["3", ""], ["", ""]]
    (hatching,) = [tr for tr in fig.data if tr.type == "bar"]
    assert len(hatching.x) == 3 and set(hatching.text) == {""}  # pooling skips padding
    assert window_figure(step, lang="es").to_json() == fig.to_json()
    average = pool2d_trace(POOL_X, 2, op="average").step(0)
    assert not [tr for tr in pool_window_figure(average).data if tr.type == "scatter"]
