"""Tests of cnnviz.figures: what the figures show is what the traces computed."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from cnnviz import figures
from cnnviz.figures import (
    CELL_GROUP,
    DIVERGING,
    GRAY,
    CellPick,
    Region,
    cell_from_selection,
    check_region,
    conv1d_animation,
    conv_animation,
    default_region,
    feature_map_grid,
    heatmap,
    image_figure,
    pick_from_selection,
    pool_animation,
    region_around,
    region_at,
    window_figure,
)
from cnnviz.i18n import InputError, format_number, get_language, set_language, t
from cnnviz.trace import conv1d_trace, conv2d_trace, pool2d_trace

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


@pytest.fixture
def restore_language():
    before = get_language()
    yield
    set_language(before)


# --- helpers: read a figure back -------------------------------------------------------


def base(fig: go.Figure, role: str):
    """The figure's own trace of a moving role: it holds what does not change per frame."""
    roles = ("window", "cover", "outline", "formula")
    return fig.data[fig.frames[0].traces[roles.index(role)]]


def moving(fig: go.Figure, k: int) -> dict[str, dict]:
    """Frame k's four moving traces, by role, as plain dicts."""
    frame = fig.frames[k]
    return dict(zip(("window", "cover", "outline", "formula"), frame.data, strict=True))


def formula_lines(fig: go.Figure, k: int) -> list[str]:
    """The arithmetic written in frame k: [header, line, line, ...], breaks undone.

    The documented format: header, then formula lines, separated by blank lines;
    a break inside a line replaces a space.
    """
    head, *lines = moving(fig, k)["formula"].text[0].split("<br><br>")
    header = head.replace("<b>", "").replace("</b>", "").replace("<br>", " ")
    return [header] + [line.replace("<br>", " ") for line in lines]


def rectangle(x, y) -> tuple[float, float, float, float]:
    """(top, left, bottom, right) of the first closed rectangle of a path."""
    xs, ys = list(x[:5]), list(y[:5])
    return min(ys), min(xs), max(ys), max(xs)


def traces_named(fig: go.Figure, name: str) -> list:
    return [trace for trace in fig.data if trace.name == name]


def output_heatmap(fig: go.Figure):
    (trace,) = [tr for tr in fig.data if tr.type == "heatmap" and tr.xaxis == "x2"]
    return trace


def input_heatmap(fig: go.Figure):
    (trace,) = [tr for tr in fig.data if tr.type in ("heatmap", "image") and tr.xaxis == "x"]
    return trace


def padding_cells(fig: go.Figure, lang: str = "en") -> set[tuple[int, int]]:
    bars = [tr for tr in fig.data if tr.type == "bar" and tr.name == t("fig.padding", lang=lang)]
    if not bars:
        return set()
    (bar,) = bars
    return {(round(base + 0.5), round(x)) for x, base in zip(bar.x, bar.base, strict=True)}


def inside(polygon_x, polygon_y, px: float, py: float) -> bool:
    """Ray casting: whether (px, py) is inside the closed polygon."""
    xs = [v for v in polygon_x if v is not None]
    ys = [v for v in polygon_y if v is not None]
    result = False
    j = len(xs) - 1
    for i in range(len(xs)):
        if (ys[i] > py) != (ys[j] > py) and px < (xs[j] - xs[i]) * (py - ys[i]) / (
            ys[j] - ys[i]
        ) + xs[i]:
            result = not result
        j = i
    return result


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


# --- the 2-D convolution animation ---------------------------------------------------------


CONV_CASES = {
    "course_same": (conv2d_trace(COURSE_X, COURSE_K, padding="same"), {}, None),
    "course_valid": (conv2d_trace(COURSE_X, COURSE_K), {}, None),
    "stride_pad": (
        conv2d_trace(np.arange(81.0).reshape(9, 9), np.ones((3, 3)), strides=2, padding=2),
        {"region": (1, 4, 0, 3)},
        None,
    ),
    "dilated": (
        conv2d_trace(np.arange(49.0).reshape(7, 7), COURSE_K[:2, :2], dilation_rate=2, padding=2),
        {},
        None,
    ),
    "rgb_bank": (
        conv2d_trace(RGB, BANK, padding="same", bias=[0.5, -1, 0, 2], activation="relu"),
        {"filter": 1, "region": (20, 36, 30, 40)},
        1,
    ),
    "kernel_per_channel": (
        conv2d_trace(RGB[:6, :6], COURSE_K, padding="same", pad_mode="reflect"),
        {"filter": 2},
        2,
    ),
}


def region_of(trace, kwargs) -> Region:
    return check_region(kwargs.get("region"), trace.output.shape)


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_animation_frames_follow_the_trace(case):
    trace, kwargs, fmap = CONV_CASES[case]
    fig = conv_animation(trace, lang="en", **kwargs)
    region = region_of(trace, kwargs)
    assert len(fig.frames) == region.size
    assert [frame.name for frame in fig.frames] == [str(k) for k in range(region.size)]
    (top, _), (left, _) = trace.pads
    for k in range(region.size):
        step = trace.step_at(*region.cell(k), fmap)
        parts = moving(fig, k)
        # The window covers the step's rows and columns, in image coordinates.
        assert rectangle(parts["window"].x, parts["window"].y) == (
            step.rows[0] - top - 0.5,
            step.cols[0] - left - 0.5,
            step.rows[-1] - top + 0.5,
            step.cols[-1] - left + 0.5,
        )
        # The output cell being computed is outlined.
        assert rectangle(parts["outline"].x, parts["outline"].y) == (
            step.row - 0.5,
            step.col - 0.5,
            step.row + 0.5,
            step.col + 0.5,
        )


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_animation_padding_cells_are_the_traces(case):
    trace, kwargs, fmap = CONV_CASES[case]
    fig = conv_animation(trace, lang="en", **kwargs)
    region = region_of(trace, kwargs)
    (top, _), (left, _) = trace.pads
    hatched = padding_cells(fig)
    height, width = trace.image.shape[:2]
    # Every hatched cell lies outside the image, every view cell outside it is hatched.
    assert all(not (0 <= r < height and 0 <= c < width) for r, c in hatched)
    for k in range(region.size):
        step = trace.step_at(*region.cell(k), fmap)
        for m, r in enumerate(step.rows):
            for n, c in enumerate(step.cols):
                assert ((r - top, c - left) in hatched) == bool(step.is_padding[m, n])


def test_padding_is_named_in_the_legend_and_the_edge_is_dashed(restore_language):
    fig = conv_animation(CONV_CASES["course_same"][0], lang="es")
    (bar,) = traces_named(fig, "relleno (padding)")
    assert bar.type == "bar" and bar.marker.pattern.shape == "/"
    (edge,) = traces_named(fig, t("fig.image_edge", lang="es"))
    assert edge.line.dash == "dash"
    # The edge runs around the real image: rows 0..4 and columns 0..6.
    assert rectangle(edge.x, edge.y) == (-0.5, -0.5, 4.5, 6.5)
    # Padding values are written (zeros here), as the trace's padded input holds them.
    assert set(bar.text) == {"0"}
    no_padding = conv_animation(CONV_CASES["course_valid"][0], lang="es")
    assert traces_named(no_padding, "relleno (padding)") == []


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv_animation_shows_the_traces_output(case):
    trace, kwargs, fmap = CONV_CASES[case]
    fig = conv_animation(trace, lang="es", **kwargs)
    region = region_of(trace, kwargs)
    whole = trace.output if fmap is None else trace.output[..., fmap]
    expected = whole[region.row_start : region.row_stop, region.col_start : region.col_stop]
    shown = output_heatmap(fig)
    np.testing.assert_array_equal(np.asarray(shown.z, dtype=float), expected)
    assert list(shown.x) == list(range(region.col_start, region.col_stop))
    assert list(shown.y) == list(range(region.row_start, region.row_stop))
    assert [list(row) for row in shown.text] == [
        [format_number(v, digits=2, lang="es") for v in row] for row in expected.tolist()
    ]


def test_course_input_panel_shows_the_padded_input_in_image_coordinates():
    trace = CONV_CASES["course_same"][0]
    fig = conv_animation(trace, lang="en")
    cells = input_heatmap(fig)
    assert list(cells.x) == list(range(-1, 8)) and list(cells.y) == list(range(-1, 6))
    z = np.asarray(cells.z, dtype=float)
    np.testing.assert_array_equal(z[1:-1, 1:-1], COURSE_X)  # the image itself
    assert np.isnan(z[0]).all() and np.isnan(z[:, 0]).all()  # padding: hatched, not coloured
    assert cells.texttemplate == "%{text}" and cells.textfont.size >= 16  # numbers in cells


def test_kernel_per_channel_shows_the_chosen_channel():
    trace, kwargs, _ = CONV_CASES["kernel_per_channel"]
    fig = conv_animation(trace, lang="en", **kwargs)
    z = np.asarray(input_heatmap(fig).z, dtype=float)
    np.testing.assert_allclose(z[1:-1, 1:-1], RGB[:6, :6, 2])
    assert t("fig.input_channel", lang="en", channel=2) in json.dumps(fig.layout.to_plotly_json())


def test_rgb_filter_draws_the_input_in_colour():
    trace, kwargs, _ = CONV_CASES["rgb_bank"]
    fig = conv_animation(trace, lang="en", **kwargs)
    image = input_heatmap(fig)
    assert image.type == "image"
    # Region rows 20..35 and columns 30..39 of a 3x3 "same" convolution read image
    # rows 19..36 and columns 29..40 (the last column is padding).
    assert (image.y0, image.x0) == (19, 29)
    pixels = np.array([[list(px) for px in row] for row in image.z])
    assert pixels.shape == (18, 12, 3)
    np.testing.assert_array_equal(pixels[:, :11], np.round(RGB[19:37, 29:40] * 255))
    assert padding_cells(fig) == {(r, 40) for r in range(19, 37)}


def test_an_8_bit_image_keeps_its_colours_through_a_trace():
    image = (RNG.random((10, 10, 3)) * 255).astype(np.uint8)
    fig = conv_animation(conv2d_trace(image, np.ones((3, 3, 3))), lang="en")
    pixels = np.array([[list(px) for px in row] for row in input_heatmap(fig).z])
    np.testing.assert_array_equal(pixels, image)  # the trace's floats 0..255, not clipped to 1


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("case", ["course_same", "rgb_bank", "kernel_per_channel", "dilated"])
def test_each_frame_writes_the_steps_formula(case, lang, restore_language):
    trace, kwargs, fmap = CONV_CASES[case]
    set_language(lang)  # the current language, not an argument
    fig = conv_animation(trace, **kwargs)
    region = region_of(trace, kwargs)
    for k in range(region.size):
        step = trace.step_at(*region.cell(k), fmap)
        header, *lines = formula_lines(fig, k)
        assert lines == step.formula_lines(lang, digits=2)
        assert f"{step.row}" in header and f"{step.col}" in header
    if case == "rgb_bank":
        # Three channel lines, the parts plus the bias, then the activation.
        assert len(lines) == 5 and lines[-1].startswith("relu(")


def test_formula_breaks_one_kernel_row_per_line():
    fig = conv_animation(conv2d_trace(COURSE_X, COURSE_K), lang="en")
    text = moving(fig, 0)["formula"].text[0]
    assert text.split("<br><br>")[1] == (
        "0·1 + 5·(−2) + 0·3<br>+ 1·4 + 6·(−5) + 0·6<br>+ 2·(−7) + 7·8 + 0·(−9) = 6"
    )


def test_digits_reach_cells_and_formulas():
    trace = conv2d_trace([[0.123456, 1.5], [2.25, -3.0]], [[1.0]])
    fig = conv_animation(trace, digits=3, lang="en")
    assert formula_lines(fig, 0)[1] == trace.step(0).formula("en", digits=3) == "0.123·1 = 0.123"
    assert list(output_heatmap(fig).text[0]) == ["0.123", "1.5"]


def test_cover_hides_exactly_the_cells_not_computed_yet():
    trace, kwargs, _ = CONV_CASES["rgb_bank"]
    fig = conv_animation(trace, lang="en", **kwargs)
    region = region_of(trace, kwargs)
    for k in (0, 7, region.shape[1] - 1, region.shape[1], region.size - 2, region.size - 1):
        cover = moving(fig, k)["cover"]
        for position in range(region.size):
            row, col = region.cell(position)
            assert inside(cover.x, cover.y, col, row) == (position > k), (k, position)


def test_window_weights_are_written_for_a_roomy_single_channel_kernel():
    fig = conv_animation(conv2d_trace(COURSE_X, COURSE_K), show_weights=True, lang="es")
    window = base(fig, "window")
    texts = [s for s in window.text if s]
    assert texts == ["×" + format_number(w, lang="es") for w in COURSE_K.ravel().tolist()]
    # Each weight sits on a badge, drawn at its window cell in every frame.
    sizes = list(window.marker.size)
    labelled = [i for i, s in enumerate(window.text) if s]
    assert all(sizes[i] > 0 for i in labelled) and sum(1 for v in sizes if v) == 9
    for k, step in enumerate(conv2d_trace(COURSE_X, COURSE_K)):
        frame = moving(fig, k)["window"]
        cells = {(round(frame.y[i]), round(frame.x[i])) for i in labelled}
        assert cells == {(r, c) for r in step.rows for c in step.cols}
    without = conv_animation(conv2d_trace(COURSE_X, COURSE_K), show_weights=False, lang="es")
    assert base(without, "window").text is None


def test_dilated_window_outlines_each_tap():
    trace = CONV_CASES["dilated"][0]
    fig = conv_animation(trace, lang="en")
    window = moving(fig, 0)["window"]
    pieces = " ".join("|" if v is None else "x" for v in window.x).split("|")
    assert len(pieces) >= 1 + 4  # the outline and one square per tap of the 2x2 kernel


def test_active_step_sets_the_slider_the_first_picture_and_the_play_order():
    trace = CONV_CASES["course_same"][0]
    fig = conv_animation(trace, active_step=12, lang="en")
    slider = fig.layout.sliders[0]
    assert slider.active == 12 and len(slider.steps) == 35
    assert [step.label for step in slider.steps] == [str(k) for k in range(35)]
    first = moving(fig, 12)
    (window,) = [
        tr for tr in fig.data if tr.type == "scatter" and tr.fill == "toself" and tr.xaxis == "x"
    ]
    assert list(window.x) == list(first["window"].x)
    play = fig.layout.updatemenus[0].buttons[0]
    assert list(play.args[0][:2]) == ["12", "13"] and play.args[0][-1] == "11"
    assert play.args[1]["fromcurrent"] is True
    with pytest.raises(InputError) as info:
        conv_animation(trace, active_step=35)
    assert info.value.key == "error.trace_step_out_of_range"


def test_controls_redraw_every_frame_and_offer_speeds():
    fig = conv_animation(CONV_CASES["course_valid"][0], frame_duration=800, lang="es")
    buttons = fig.layout.updatemenus[0].buttons
    labels = [button.label for button in buttons]
    assert labels[0] == "▶ Reproducir" and labels[1] == "❚❚ Pausa"
    assert labels[2:] == ["▶ 0,5×", "▶ 2×", "▶ 4×"]
    durations = [button.args[1]["frame"]["duration"] for button in buttons]
    assert durations == [800, 0, 1600, 400, 200]
    # Plotly.js 4 drops the heatmaps of a subplot whose traces move without a redraw.
    assert all(button.args[1]["frame"]["redraw"] for button in buttons)
    assert all(step.args[1]["frame"]["redraw"] for step in fig.layout.sliders[0].steps)
    assert fig.layout.sliders[0].currentvalue.prefix == "Paso "


def test_frames_move_only_small_scatter_traces():
    fig = conv_animation(CONV_CASES["course_same"][0], lang="en")
    indices = fig.frames[0].traces
    assert len(indices) == 4
    assert all(fig.data[i].type == "scatter" for i in indices)
    assert all(tr.type == "scatter" for frame in fig.frames for tr in frame.data)


def test_filter_and_channel_are_checked_with_the_traces_messages():
    trace = CONV_CASES["rgb_bank"][0]
    with pytest.raises(InputError) as info:
        conv_animation(trace, filter=4)
    assert info.value.key == "error.trace_filter_out_of_range"
    with pytest.raises(InputError) as info:
        conv_animation(CONV_CASES["course_same"][0], filter=1)
    assert info.value.key == "error.trace_single_map"
    with pytest.raises(InputError) as info:
        conv_animation(trace, input_channel=3)
    assert info.value.key == "error.trace_channel_out_of_range"
    with pytest.raises(InputError) as info:
        conv_animation(trace, region=(0, 20, 0, 20))
    assert info.value.key == "fig.error.region_too_large"


def test_input_channel_draws_that_channel_as_numbers():
    trace = CONV_CASES["rgb_bank"][0]
    fig = conv_animation(trace, filter=0, region=(0, 4, 0, 4), input_channel=1, lang="en")
    z = np.asarray(input_heatmap(fig).z, dtype=float)
    np.testing.assert_allclose(z[1:, 1:], RGB[0:5, 0:5, 1])


def test_the_animations_figures_are_valid_plotly():
    for trace, kwargs, _ in CONV_CASES.values():
        validated(conv_animation(trace, **kwargs))


# --- size ------------------------------------------------------------------------------


def test_largest_region_animation_stays_under_three_megabytes():
    rng = np.random.default_rng(3)
    image, bank = rng.random((256, 256, 3)), rng.standard_normal((3, 3, 3, 4))
    fig = conv_animation(conv2d_trace(image, bank, padding="same"), filter=3, lang="es")
    assert len(fig.frames) == 256
    assert len(fig.to_json().encode()) < 3_000_000
    big_kernel = conv2d_trace(rng.random((80, 80)), rng.standard_normal((7, 7)), padding="same")
    fig = conv_animation(big_kernel, show_values=True, show_weights=True, lang="es")
    assert len(fig.to_json().encode()) < 3_000_000


# --- pooling -------------------------------------------------------------------------------


POOL_X = np.array(
    [[1, 1, 2, 4, 0], [5, 6, 7, 8, 1], [3, 2, 1, 0, 9], [1, 2, 3, 4, 2], [0, 7, 1, 1, 3]]
)


@pytest.mark.parametrize("op", ["max", "average"])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_pool_animation_frames_follow_the_trace(op, lang, restore_language):
    trace = pool2d_trace(POOL_X, 2, padding="same", op=op)
    set_language(lang)
    fig = pool_animation(trace)
    assert len(fig.frames) == len(trace) == 9
    np.testing.assert_array_equal(np.asarray(output_heatmap(fig).z, dtype=float), trace.output)
    hatched = padding_cells(fig, lang)
    assert hatched == {(5, c) for c in range(6)} | {(r, 5) for r in range(6)}
    for k, step in enumerate(trace):
        parts = moving(fig, k)
        assert rectangle(parts["window"].x, parts["window"].y) == (
            step.rows[0] - 0.5,
            step.cols[0] - 0.5,
            step.rows[-1] + 0.5,
            step.cols[-1] + 0.5,
        )
        header, *lines = formula_lines(fig, k)
        assert lines == step.formula_lines(lang, digits=2)
        if op == "average":
            assert f"/ {step.count} =" in lines[0]  # the divisor: real cells only
            assert str(step.count) in header


def test_max_pooling_stars_the_winning_cell():
    trace = pool2d_trace(POOL_X, 2, padding="same")
    fig = pool_animation(trace, lang="en")
    assert traces_named(fig, "maximum (kept)")
    (top, _), (left, _) = trace.pads
    sizes = list(base(fig, "window").marker.size)
    assert base(fig, "window").marker.symbol == "star"
    assert sizes[-1] > 0 and not any(sizes[:-1])  # one star, the last point
    for k, step in enumerate(trace):
        window = moving(fig, k)["window"]
        assert len(window.x) == len(sizes)
        # Inside the winner's cell (in its top-right corner, its value stays readable).
        assert abs(window.x[-1] - (step.winner[1] - left)) < 0.5
        assert abs(window.y[-1] - (step.winner[0] - top)) < 0.5


def test_pooling_padding_is_ignored_not_valued():
    trace = pool2d_trace(POOL_X, 2, padding="same")
    fig = pool_animation(trace, lang="es")
    (bar,) = traces_named(fig, "relleno (padding)")
    assert not bar.text  # -inf is not a value to show
    assert all("ignora" in text for text in bar.hovertext)


def test_pool_animation_channels_and_default_region():
    x = RNG.random((64, 64, 2))
    trace = pool2d_trace(x, 2)
    fig = pool_animation(trace, channel=1, lang="en")
    assert len(fig.frames) == 64  # 8 x 8 outputs: a 16 x 16 block of the input
    np.testing.assert_array_equal(
        np.asarray(output_heatmap(fig).z, dtype=float), trace.output[:8, :8, 1]
    )
    with pytest.raises(InputError) as info:
        pool_animation(trace, channel=2)
    assert info.value.key == "error.trace_channel_out_of_range"
    validated(fig)


# --- 1-D -----------------------------------------------------------------------------------


@pytest.mark.parametrize("padding", ["valid", "same", "full"])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_conv1d_animation_follows_the_trace(padding, lang, restore_language):
    trace = conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1], padding=padding)
    set_language(lang)
    fig = conv1d_animation(trace)
    assert len(fig.frames) == len(trace)
    before = trace.pads[0]
    np.testing.assert_array_equal(np.asarray(output_heatmap(fig).z, dtype=float)[0], trace.output)
    hatched = {c for _, c in padding_cells(fig, lang)}
    for k, step in enumerate(trace):
        parts = moving(fig, k)
        _, left, _, right = rectangle(parts["window"].x, parts["window"].y)
        assert (left, right) == (
            step.positions[0] - before - 0.5,
            step.positions[-1] - before + 0.5,
        )
        assert [p - before in hatched for p in step.positions] == step.is_padding.tolist()
        assert formula_lines(fig, k)[1:] == step.formula_lines(lang, digits=2)
    validated(fig)


def test_conv1d_long_signal_and_regions():
    trace = conv1d_trace(np.sin(np.arange(200.0)), [1, 0, -1], padding="same")
    fig = conv1d_animation(trace, lang="en")
    assert len(fig.frames) == 200
    assert len(fig.to_json().encode()) < 3_000_000
    part = conv1d_animation(trace, region=(190, 400), lang="en")
    assert len(part.frames) == 10
    assert moving(part, 0)["outline"].x[0] == 189.5
    for span, key in [
        ((5, 5), "fig.error.span_empty"),
        ((200, 210), "fig.error.span_outside"),
        ((0, 150), "fig.error.span_too_large"),
        ("ab", "fig.error.span_not_ints"),
    ]:
        with pytest.raises(InputError) as info:
            conv1d_animation(trace, region=span, max_cells=100)
        assert info.value.key == key
        assert info.value.message("es") != info.value.message("en")


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
    # The recorded curve and point are the animation's click targets for that cell.
    fig = conv_animation(CONV_CASES["course_same"][0], lang="en")
    targets = fig.data[4]
    assert targets.legendgroup == CELL_GROUP
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
    rgb_step = CONV_CASES["rgb_bank"][0].step_at(0, 0, 1)
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
    from cnnviz.figures import PADDING_COLOURS, padding_comparison
    from cnnviz.signals import compare_paddings

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
