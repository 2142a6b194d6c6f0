"""Tests of cnnviz.figures.backprop: the matrices written out, muted cells, operators, curves."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from cnnviz.figures._base import ASSUMED_WIDTH
from cnnviz.figures.backprop import (
    CELL_PX,
    EDGE_PX,
    GAP_PX,
    Panel,
    class_bars,
    loss_curve,
    panels_figure,
)
from cnnviz.i18n import format_number
from tests.figures.helpers import validated


def heatmaps(fig) -> list:
    return [trace for trace in fig.data if trace.type == "heatmap"]


def test_every_cell_writes_its_own_value_in_the_pages_language():
    values = np.array([[0.125, -1.5], [2.0, 0.0]])
    fig = validated(panels_figure([Panel(values, "∂L/∂Z")], lang="es"))
    texts = np.array(heatmaps(fig)[0].text)
    expected = [[format_number(v, lang="es", digits=3) for v in row] for row in values]
    assert texts.tolist() == expected  # "0,125", "−1,5": decimal comma, true minus
    assert fig.layout.annotations[0].text == "<b>∂L/∂Z</b>"


def test_panels_sit_left_to_right_with_an_operator_between_neighbours():
    panels = [Panel(np.ones((3, 3)), "X"), Panel(np.ones((2, 2)), "K"), Panel(np.ones((1, 1)), "Z")]
    fig = validated(panels_figure(panels, operators=["⋆", "="], lang="en"))
    assert len(heatmaps(fig)) == 3
    domains = [fig.layout[f"xaxis{s}"].domain for s in ("", "2", "3")]
    assert all(a[1] < b[0] for a, b in itertools.pairwise(domains))
    # Cells are square and the same size in every panel: widths in proportion to columns.
    widths = [d[1] - d[0] for d in domains]
    assert widths[0] / widths[1] == pytest.approx(3 / 2) and widths[1] / widths[2] == pytest.approx(
        2
    )
    operators = [a.text for a in fig.layout.annotations if not a.text.startswith("<b>")]
    assert operators == ["⋆", "="]


def test_muted_cells_are_hatched_but_keep_their_zero_written():
    muted = np.array([[True, False], [False, True]])
    fig = validated(panels_figure([Panel(np.zeros((2, 2)), "∂L/∂A", muted=muted)], lang="en"))
    assert np.array(heatmaps(fig)[0].text).tolist() == [["", "0"], ["0", ""]]
    (hatching,) = [trace for trace in fig.data if trace.type == "bar"]
    # one hatched bar per muted cell, (0, 0) and (1, 1): column as x, from row − ½ to row + ½
    assert list(hatching.x) == [0, 1] and list(hatching.base) == [-0.5, 0.5]
    assert list(hatching.text) == ["0", "0"]


def test_a_narrow_row_keeps_room_at_the_edges_for_overhanging_titles():
    # 19 columns and four operators at the default width: the cells shrink, the edges stay.
    panels = [Panel(np.ones((6, 6)), "X"), Panel(np.ones((3, 3)), "K"),
              Panel(np.ones((4, 4)), "Z"), Panel(np.ones((4, 4)), "A"),
              Panel(np.ones((2, 2)), "P = max 2×2")]  # fmt: skip
    fig = validated(panels_figure(panels, operators=["⋆", "=", "→", "→"], lang="en"))
    cell = (ASSUMED_WIDTH - 4 * GAP_PX[1] - 2 * EDGE_PX) / 19
    assert cell < CELL_PX
    first, last = fig.layout.xaxis.domain, fig.layout.xaxis5.domain
    assert first[0] == pytest.approx(EDGE_PX / ASSUMED_WIDTH)
    assert 1 - last[1] == pytest.approx(EDGE_PX / ASSUMED_WIDTH)


def test_a_wider_column_gives_larger_cells_and_type():
    panels = [Panel(np.full((6, 6), -0.25), "X"), Panel(np.ones((4, 4)), "Z")]
    narrow = panels_figure(panels, operators=["→"], width_px=540, lang="en")
    wide = panels_figure(panels, operators=["→"], width_px=980, lang="en")
    assert wide.layout.height > narrow.layout.height
    assert heatmaps(wide)[0].textfont.size > heatmaps(narrow)[0].textfont.size


def test_class_bars_name_the_lectures_classes_and_the_loss_curve_starts_at_step_zero():
    bars = validated(class_bars(np.array([0.5, 0.3, 0.2]), ["perro", "bote", "Goku"], lang="es"))
    assert list(bars.data[0].x) == ["perro", "bote", "Goku"]
    assert bars.layout.xaxis.title.text == "Clase"
    curve = validated(loss_curve([0.75, 0.5, 0.25], lang="en"))
    assert list(curve.data[0].x) == [0, 1, 2] and list(curve.data[0].y) == [0.75, 0.5, 0.25]
