"""Tests of cnnviz.figures.conv: what the figures show is what the traces computed."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cnnviz.core.trace import conv1d_trace, conv2d_trace
from cnnviz.figures._base import DIVERGING, GRAY
from cnnviz.figures.conv import (
    feature_map_grid,
    heatmap,
    image_figure,
    input_figure,
    window_figure,
)
from cnnviz.i18n import InputError, format_number, t
from tests.figures.helpers import COURSE_K, COURSE_X, rectangle, validated

RNG = np.random.default_rng(7)
RGB = RNG.random((40, 40, 3))
BANK = RNG.standard_normal((3, 3, 3, 4))

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


def test_window_figure_of_a_1d_step_is_one_row_and_checks_the_channel():
    step = conv1d_trace([1.0, 2, -5, 4, 2, -1], [-1.0, 2, -1], padding="same").step(0)
    fig = validated(window_figure(step, lang="en"))
    values, weights, products = (tr for tr in fig.data if tr.type == "heatmap")
    assert [list(row) for row in weights.text] == [["−1", "2", "−1"]]
    assert [list(row) for row in products.text] == [["0", "2", "−2"]]
    assert list(values.text[0]) == ["", "1", "2"]  # the padding cell is written on its hatching
    assert [a.text for a in fig.layout.annotations if a.text in ("×", "=")] == ["×", "="]
    rgb_step = conv2d_trace(RGB, BANK, padding="same").step_at(0, 0, 1)
    with pytest.raises(InputError) as info:
        window_figure(rgb_step, channel=3)
    assert info.value.key == "error.trace_channel_out_of_range"


def test_input_figure_is_image_figure():
    image = RNG.random((4, 5))
    assert input_figure(image, lang="en").to_json() == image_figure(image, lang="en").to_json()
