"""Tests of cnnviz.io.export: the PNG's colours, CSV round trips, the GIF's frames and boxes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image, ImageSequence

from cnnviz.content.samples import load_sample
from cnnviz.core.conv import MAX_MAGNITUDE
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import InputError
from cnnviz.io import export
from cnnviz.io.export import (
    NEUTRAL,
    PADDING_COLOUR,
    WINDOW_COLOUR,
    check_feature_map,
    conv_animation_gif,
    conv_animation_layout,
    feature_map_png,
    matrix_csv,
)

COURSE_KERNEL = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])


def open_png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.convert("RGB")


def gif_frames(data: bytes) -> list[Image.Image]:
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF"
    return [frame.convert("RGB") for frame in ImageSequence.Iterator(gif)]


def close(a: tuple[int, ...], b: tuple[int, ...], tol: int = 6) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))


# --- PNG --------------------------------------------------------------------------------


def test_png_of_a_signed_map_is_centred_on_the_neutral_colour():
    matrix = np.array([[-2.0, 0.0, 1.0], [0.5, 0.0, -0.25], [2.0, -1.0, 0.0]])
    image = open_png(feature_map_png(matrix, scale=10))
    assert image.size == (30, 30)
    assert image.getpixel((15, 15)) == NEUTRAL  # the centre cell holds 0
    # Negative blue, positive red, as the page's heatmaps (RdBu reversed).
    assert image.getpixel((5, 5)) == (5, 48, 97)  # -2: RdBu's darkest blue
    assert image.getpixel((5, 25)) == (103, 0, 31)  # +2: its darkest red
    red, _, blue = image.getpixel((25, 5))  # +1: a lighter red
    assert red > blue


def test_png_of_a_non_negative_map_is_gray_from_black_to_its_maximum():
    image = open_png(feature_map_png([[0.0, 2.0], [4.0, 1.0]], scale=1))
    assert image.getpixel((0, 0)) == (0, 0, 0)
    assert image.getpixel((0, 1)) == (255, 255, 255)
    assert image.getpixel((1, 0)) == (128, 128, 128)  # half of the maximum


def test_png_of_an_image_in_unit_range_keeps_1_as_white():
    # As the page shows it: a dim image stays dim rather than being stretched.
    image = open_png(feature_map_png([[0.0, 0.5, 1.0], [0.25, 0.5, 0.5]], scale=1))
    assert image.getpixel((1, 0)) == (128, 128, 128)
    assert image.getpixel((2, 0)) == (255, 255, 255)
    dim = open_png(feature_map_png([[0.0, 0.5]], scale=1))
    assert dim.getpixel((1, 0)) == (128, 128, 128)


def test_png_colour_choice_can_be_forced():
    signed = open_png(feature_map_png([[0.0, 1.0]], signed=True, scale=1))
    assert signed.getpixel((0, 0)) == NEUTRAL
    gray = open_png(feature_map_png([[-1.0, 0.0, 1.0]], signed=False, scale=1))
    assert gray.getpixel((0, 0)) == (0, 0, 0)  # black at the minimum
    assert gray.getpixel((1, 0)) == (128, 128, 128)
    assert gray.getpixel((2, 0)) == (255, 255, 255)


def test_png_of_a_constant_map():
    assert open_png(feature_map_png(np.zeros((2, 2)), scale=1)).getpixel((0, 0)) == (0, 0, 0)
    zero_signed = feature_map_png(np.zeros((2, 2)), signed=True, scale=1)
    assert open_png(zero_signed).getpixel((1, 1)) == NEUTRAL


def test_png_upscales_small_maps_with_sharp_cells():
    image = open_png(feature_map_png(np.arange(15.0).reshape(3, 5)))
    assert image.size == (5 * 52, 3 * 52)  # the smallest factor reaching 256 px
    # Nearest neighbour: every pixel of a cell has the cell's colour.
    cell = np.asarray(image)[52:104, 104:156]
    assert (cell == cell[0, 0]).all()
    large = open_png(feature_map_png(np.ones((300, 20))))
    assert large.size == (20, 300)


@pytest.mark.parametrize(
    ("matrix", "kwargs", "key"),
    [
        (np.ones((2, 2, 2)), {}, "error.export_not_2d"),
        (np.ones(3), {}, "error.export_not_2d"),
        ([[1, np.nan]], {}, "export.not_finite"),
        (np.ones((2, 2)), {"scale": 0}, "error.export_scale"),
        (np.ones((2, 2)), {"scale": 5000}, "error.export_scale"),
        (np.ones((2, 2)), {"scale": 2.0}, "error.export_scale"),
    ],
)
def test_png_errors(matrix, kwargs, key):
    with pytest.raises(InputError) as info:
        feature_map_png(matrix, **kwargs)
    assert info.value.key == key
    assert info.value.message("es") and info.value.message("en")


# --- CSV --------------------------------------------------------------------------------


def test_csv_of_a_matrix_round_trips_with_loadtxt():
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(5, 7)) * 10.0 ** rng.integers(-8, 8, size=(5, 7))
    text = matrix_csv(matrix)
    assert text.count("\n") == 5 and text.endswith("\n")
    np.testing.assert_array_equal(np.loadtxt(io.StringIO(text), delimiter=","), matrix)


def test_csv_is_compact_with_points_and_ascii_minus():
    assert matrix_csv([[1, -0.5], [0.125, 2]]) == "1,-0.5\n0.125,2\n"
    assert matrix_csv(np.array([[1 / 3]], dtype=np.float32)) == "0.33333334\n"


def test_csv_of_the_course_output():
    output = conv2d_trace(load_sample("course_matrix"), COURSE_KERNEL).output
    lines = matrix_csv(output).splitlines()
    assert lines[0].split(",")[0] == "6"  # the course's worked value
    np.testing.assert_array_equal(
        np.loadtxt(io.StringIO(matrix_csv(output)), delimiter=","), output
    )


def test_csv_of_a_signal_is_one_line():
    assert matrix_csv([8, -16, 11, 1]) == "8,-16,11,1\n"


def test_csv_of_a_stack_has_one_block_per_filter():
    stack = np.arange(24.0).reshape(2, 3, 4) - 10.5  # (H, W, F) = (2, 3, 4)
    text = matrix_csv(stack)
    assert text.splitlines()[0] == "# filter 0"
    assert text.count("# filter") == 4
    flat = np.loadtxt(io.StringIO(text), delimiter=",")
    assert flat.shape == (4 * 2, 3)
    np.testing.assert_array_equal(flat.reshape(4, 2, 3).transpose(1, 2, 0), stack)


@pytest.mark.parametrize("matrix", [np.ones((2, 2, 2, 2)), np.zeros((0, 2)), [[np.inf]], [["a"]]])
def test_csv_errors(matrix):
    with pytest.raises(InputError):
        matrix_csv(matrix)


# --- GIF --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def course_trace():
    # The course's example with "same" padding: 5x7 output, a ring of zero padding.
    return conv2d_trace(load_sample("course_matrix"), COURSE_KERNEL, padding="same")


def test_gif_has_one_frame_per_step_and_loops(course_trace):
    data = conv_animation_gif(course_trace, frame_ms=300, lang="es")
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == len(course_trace) == 35
    assert gif.info.get("loop") == 0
    assert gif.info.get("duration") == 300
    gif.seek(34)
    assert gif.info.get("duration") == 1200  # the finished map stays longer


def test_gif_first_frame_outlines_the_first_window_and_cell(course_trace):
    layout = conv_animation_layout(course_trace, cell_px=30)
    frames = gif_frames(conv_animation_gif(course_trace, cell_px=30, lang="en"))
    first = frames[0]
    assert first.size == layout.size
    # The first window covers padded rows 0-2 and columns 0-2: the grid's corner.
    x0, y0, x1, y1 = layout.window_box(course_trace.step(0))
    assert (x0, y0) == layout.input_origin
    assert (x1 - x0, y1 - y0) == (3 * 30, 3 * 30)
    middle_y, middle_x = (y0 + y1) // 2, (x0 + x1) // 2
    for x, y in [(x0, middle_y), (x1 - 1, middle_y), (middle_x, y0), (middle_x, y1 - 1)]:
        assert close(first.getpixel((x, y)), WINDOW_COLOUR), (x, y)
    # Inside, away from the outline, no window colour; outside it neither.
    assert not close(first.getpixel((x0 + 8, y0 + 8)), WINDOW_COLOUR)
    assert not close(first.getpixel((x1 + 8, middle_y)), WINDOW_COLOUR)
    # The top-left cell is padding (hatched), and the current output cell is outlined.
    assert any(close(first.getpixel((x0 + dx, y0 + 12)), PADDING_COLOUR) for dx in range(4, 26))
    ox0, oy0, _, oy1 = layout.output_box(0, 0)
    assert close(first.getpixel((ox0, (oy0 + oy1) // 2)), WINDOW_COLOUR)


def test_gif_window_moves_by_the_stride(course_trace):
    layout = conv_animation_layout(course_trace, cell_px=30)
    frames = gif_frames(conv_animation_gif(course_trace, cell_px=30, lang="en"))
    step = course_trace.step_at(2, 3)  # frame 2 * 7 + 3 = 17
    x0, y0, _, y1 = layout.window_box(step)
    assert (x0, y0) == (layout.input_origin[0] + 3 * 30, layout.input_origin[1] + 2 * 30)
    frame = frames[17]
    assert close(frame.getpixel((x0, (y0 + y1) // 2)), WINDOW_COLOUR)
    # The previous frame's window started one column (one stride) to the left; that edge is clear.
    assert close(frames[16].getpixel((x0 - 30, (y0 + y1) // 2)), WINDOW_COLOUR)
    assert not close(frame.getpixel((x0 - 30, (y0 + y1) // 2)), WINDOW_COLOUR)


def test_gif_output_fills_in(course_trace):
    layout = conv_animation_layout(course_trace, cell_px=30)
    frames = gif_frames(conv_animation_gif(course_trace, cell_px=30, lang="en"))

    def corner_of(frame, row, col):
        x0, y0, _, _ = layout.output_box(row, col)
        return frame.getpixel((x0 + 3, y0 + 3))  # a corner of the cell, away from its number

    assert corner_of(frames[0], 4, 6) == (255, 255, 255)  # the last cell is still empty
    assert corner_of(frames[-1], 4, 6) != (255, 255, 255)  # and filled at the end
    assert corner_of(frames[10], 0, 0) == corner_of(frames[-1], 0, 0)  # filled cells stay


def test_gif_region_and_its_order():
    trace = conv2d_trace(np.arange(400.0).reshape(20, 20), np.ones((3, 3)), strides=(1, 2))
    assert trace.output.shape == (18, 9)
    default = conv_animation_layout(trace)
    assert default.region == (0, 16, 0, 9)  # at most 16 rows, all 9 columns
    layout = conv_animation_layout(trace, region=(2, 5, 1, 3), cell_px=20)
    assert layout.input_rows == (2, 7) and layout.input_cols == (2, 7)
    data = conv_animation_gif(trace, region=(2, 5, 1, 3), cell_px=20)
    frames = gif_frames(data)
    assert len(frames) == 3 * 2
    # Frame 1 is cell (2, 2): its window starts at padded column 2 * 2 = 4.
    x0, y0, _, y1 = layout.window_box(trace.step_at(2, 2))
    assert x0 == layout.input_origin[0] + (4 - 2) * 20
    assert close(frames[1].getpixel((x0, (y0 + y1) // 2)), WINDOW_COLOUR)


def test_gif_of_a_full_16x16_region_is_small_enough():
    trace = conv2d_trace(load_sample("camera", size=32), np.ones((3, 3)) / 9, padding="same")
    data = conv_animation_gif(trace, region=(8, 24, 8, 24))
    assert Image.open(io.BytesIO(data)).n_frames == 256
    assert len(data) < 5_000_000


def test_gif_of_a_filter_bank_and_of_rgb_channels():
    image = load_sample("chelsea", size=12)
    bank = np.stack([np.ones((3, 3, 3)), -np.ones((3, 3, 3))], axis=-1)
    trace = conv2d_trace(image, bank, strides=2, activation="relu")
    assert trace.map_axis == "filter"
    assert trace.output.shape == (3, 5, 2)  # chelsea at 12 px is 8 x 12
    assert Image.open(io.BytesIO(conv_animation_gif(trace, filter=1))).n_frames == 3 * 5
    # One 2-D kernel on each channel: map f is channel f; the kernel panel is drawn.
    per_channel = conv2d_trace(image, np.ones((2, 2)), dilation_rate=2)
    assert conv_animation_layout(per_channel, filter=2).kernel_origin is not None
    assert conv_animation_layout(trace, filter=1).kernel_origin is None
    assert Image.open(io.BytesIO(conv_animation_gif(per_channel, filter=2))).n_frames > 1


def test_gif_captions_in_both_languages_do_not_fail_with_the_builtin_font(monkeypatch):
    monkeypatch.setattr(export, "FONT_FILE", "no-such-font.ttf")
    export._font.cache_clear()
    try:
        trace = conv2d_trace(load_sample("course_matrix"), COURSE_KERNEL)
        for lang in ("es", "en"):
            assert Image.open(io.BytesIO(conv_animation_gif(trace, lang=lang))).n_frames == 15
        assert export._printable("características −1", False) == "caracteristicas -1"
    finally:
        export._font.cache_clear()


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"region": (0, 17, 0, 3)}, "error.export_region"),
        ({"region": (0, 3, 0, 8)}, "error.export_region"),  # the output has 7 columns
        ({"region": (2, 2, 0, 3)}, "error.export_region"),
        ({"region": (0, 3)}, "error.export_region"),
        ({"region": (0.0, 3, 0, 3)}, "error.export_region"),
        ({"region": 3}, "error.export_region"),
        ({"frame_ms": 0}, "error.export_frame_ms"),
        ({"cell_px": 4}, "error.export_cell_px"),
        ({"filter": 1}, "error.trace_single_map"),
    ],
)
def test_gif_errors(course_trace, kwargs, key):
    with pytest.raises(InputError) as info:
        conv_animation_gif(course_trace, **kwargs)
    assert info.value.key == key
    assert info.value.message("es") and info.value.message("en")


def test_gif_filter_out_of_range_uses_the_trace_message():
    trace = conv2d_trace(np.ones((4, 4)), np.ones((2, 2, 1, 2)))
    with pytest.raises(InputError) as info:
        conv_animation_gif(trace, filter=2)
    assert info.value.key == "error.trace_filter_out_of_range"


# --- huge and non-finite values ------------------------------------------------------------

BIGGEST = float(np.finfo(np.float64).max)  # about 1.8e308


def overflowed_trace():
    """The issue's link: ``?k=1e308,1e308;1e308,1e308`` on the course's matrix."""
    return conv2d_trace(load_sample("course_matrix"), np.full((2, 2), 1e308))


def test_the_issue_link_overflows_and_every_export_says_why():
    trace = overflowed_trace()
    assert trace.overflowed
    inf_count = int(np.count_nonzero(~np.isfinite(trace.output)))
    assert inf_count == 19  # every window but the 5 of only zeros
    exports = [
        lambda: feature_map_png(trace.output),
        lambda: matrix_csv(trace.output),
        lambda: matrix_csv(trace.output[..., None]),
        lambda: conv_animation_layout(trace),
        lambda: conv_animation_gif(trace),  # was IndexError: NaN colours as a table index
    ]
    for make in exports:
        with pytest.raises(InputError) as info:
            make()
        assert info.value.key == "export.not_finite"
        assert info.value.fields["count"] == inf_count and info.value.fields["size"] == 24
        assert "1e100" in info.value.message("en") and "1e100" in info.value.message("es")


def test_the_message_counts_infinities_and_nans():
    with pytest.raises(InputError) as info:
        check_feature_map([[np.inf, -np.inf], [np.nan, 1.0]])
    assert (info.value.fields["count"], info.value.fields["size"]) == (3, 4)
    assert info.value.fields["max"] == MAX_MAGNITUDE
    assert info.value.message("es").startswith(
        "No se puede guardar el mapa de características: 3 de"
    )


def test_png_of_the_largest_floats_has_the_right_colours():
    # max - (-max) is infinite in float64: the colours must not come from it.
    signed = open_png(feature_map_png([[-BIGGEST, 0.0, BIGGEST]], scale=1))
    assert signed.getpixel((0, 0)) == (5, 48, 97)  # darkest blue
    assert signed.getpixel((1, 0)) == NEUTRAL
    assert signed.getpixel((2, 0)) == (103, 0, 31)  # darkest red
    gray = open_png(feature_map_png([[-BIGGEST, 0.0, BIGGEST]], signed=False, scale=1))
    assert [gray.getpixel((x, 0)) for x in range(3)] == [(0,) * 3, (128,) * 3, (255,) * 3]
    half = open_png(feature_map_png([[0.0, BIGGEST / 2, BIGGEST]], scale=1))
    assert half.getpixel((1, 0)) == (128, 128, 128)


def test_csv_writes_huge_numbers_in_a_few_characters():
    text = matrix_csv([[BIGGEST, -1e300], [1e100, 2.5e-300]])
    assert text == "1.7976931348623157e308,-1e300\n1e100,2.5e-300\n"
    np.testing.assert_array_equal(
        np.loadtxt(io.StringIO(text), delimiter=","), [[BIGGEST, -1e300], [1e100, 2.5e-300]]
    )


def test_gif_of_huge_finite_values_has_every_frame_and_true_colours():
    # Input cells -max and +max: black and white, as a map of [0, 1] would be.
    trace = conv2d_trace([[-BIGGEST, BIGGEST, 0.0]], [[1.0]])
    frames = gif_frames(conv_animation_gif(trace, cell_px=40))
    assert len(frames) == 3
    layout = conv_animation_layout(trace, cell_px=40)
    corner = [layout.input_box(0, col)[:2] for col in range(3)]
    colours = [frames[-1].getpixel((x + 3, y + 3)) for x, y in corner]
    assert colours[0] == (0, 0, 0) and colours[1] == (255, 255, 255)
    # The largest sums the bounds allow: 1e100 weights on 1e100 inputs, 2e200 each.
    big = conv2d_trace(np.full((2, 3), MAX_MAGNITUDE), [[MAX_MAGNITUDE, MAX_MAGNITUDE]])
    assert not big.overflowed and big.output[0, 0] == 2e200
    assert len(gif_frames(conv_animation_gif(big, lang="es"))) == 4


finite_maps = arrays(
    np.float64,
    st.tuples(st.integers(1, 4), st.integers(1, 4)),
    elements=st.floats(allow_nan=False, allow_infinity=False),
)


@given(finite_maps)
def test_any_finite_map_exports_and_its_csv_reads_back(matrix):
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # no overflow hidden
        image = open_png(feature_map_png(matrix, scale=1))
        text = matrix_csv(matrix)
    assert image.size == matrix.shape[::-1]
    np.testing.assert_array_equal(
        np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2),
        matrix + 0.0,  # -0.0 is written 0
    )


@given(finite_maps, st.data())
def test_any_map_with_a_non_finite_value_is_refused_with_the_overflow_message(matrix, data):
    row = data.draw(st.integers(0, matrix.shape[0] - 1))
    col = data.draw(st.integers(0, matrix.shape[1] - 1))
    matrix[row, col] = data.draw(st.sampled_from([np.inf, -np.inf, np.nan]))
    for make in (feature_map_png, matrix_csv, check_feature_map):
        with pytest.raises(InputError) as info:
            make(matrix)
        assert info.value.key == "export.not_finite" and info.value.fields["count"] >= 1
