"""Tests of cnnviz.content.links: kernels written into a URL and read back, or a message."""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnviz.content.links import (
    MAX_KERNELS,
    MAX_NUMBER_TEXT,
    MAX_TEXT,
    LinkNumber,
    compact_number,
    decode_bank,
    decode_kernel,
    decode_kernels,
    encode_bank,
    encode_kernel,
    encode_kernels,
    read_link_number,
)
from cnnviz.core.conv import MAX_MAGNITUDE
from cnnviz.core.kernels import PRESETS, get_kernel
from cnnviz.i18n import InputError

SOBEL_X = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1"),
        (1.0, "1"),
        (-0.5, "-0.5"),
        (0.125, "0.125"),
        (0.1, "0.1"),
        (1 / 9, "0.1111111111111111"),
        (-2.0, "-2"),
        (100.0, "100"),
        (1e-7, "1e-7"),
        (1.5e-10, "1.5e-10"),
        (2.5e20, "2.5e20"),
        (123456.0, "123456"),
        (0.0, "0"),
        (-0.0, "0"),
        (np.float32(0.1), "0.1"),
        (np.int64(-3), "-3"),
    ],
)
def test_compact_number(value, text):
    assert compact_number(value) == text


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_compact_number_reads_back_exactly_and_never_writes_a_plus(value):
    text = compact_number(value)
    assert float(text) == value
    assert "+" not in text and " " not in text
    assert not text.endswith(".")


# --- one kernel -------------------------------------------------------------------------


def test_encode_the_course_edge_kernel():
    assert encode_kernel(SOBEL_X) == "-1,0,1;-2,0,2;-1,0,1"


def test_encode_fractions_compactly():
    ninth = ",".join(["0.1111111111111111"] * 3)
    assert encode_kernel(np.full((3, 3), 1 / 9)) == ";".join([ninth] * 3)
    assert encode_kernel([[0.25, 0.5, 0.25]]) == "0.25,0.5,0.25"
    assert encode_kernel([[True, False]]) == "1,0"


def test_decode_the_design_example():
    np.testing.assert_array_equal(decode_kernel("1,0,-1;2,0,-2;1,0,-1"), -np.array(SOBEL_X))


def test_decode_is_lenient_with_spaces_and_the_typographic_minus():
    expected = np.array([[-1.0, 0.5], [2.0, -0.25]])
    np.testing.assert_array_equal(decode_kernel(" -1 , 0.5 ; 2,−0.25 "), expected)
    np.testing.assert_array_equal(decode_kernel("+1,.5,1.,1e-3,2E2"), [[1, 0.5, 1, 0.001, 200]])


def test_decoded_kernel_is_a_new_float64_array():
    kernel = decode_kernel("1,2;3,4")
    assert kernel.dtype == np.float64 and kernel.flags.writeable and kernel.shape == (2, 2)


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_round_trips_exactly(key):
    kernel = get_kernel(key)
    assert np.array_equal(decode_kernel(encode_kernel(kernel)), kernel)


@pytest.mark.parametrize(("rows", "cols"), [(1, 1), (1, 7), (7, 1), (7, 7), (2, 5)])
def test_sizes_from_1_to_7(rows, cols):
    kernel = np.arange(rows * cols, dtype=float).reshape(rows, cols) - 3
    assert np.array_equal(decode_kernel(encode_kernel(kernel)), kernel)


kernels_2d = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 7), st.integers(1, 7)),
    elements=st.floats(-1000, 1000, allow_nan=False).map(lambda v: round(v, 4)),
)


@given(kernels_2d)
def test_round_trip_of_short_decimals(kernel):
    text = encode_kernel(kernel)
    assert np.array_equal(decode_kernel(text), kernel)
    assert len(text) <= kernel.size * 11  # "-1000.1234" and a separator at most


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 7), st.integers(1, 7)),
        elements=st.floats(-MAX_MAGNITUDE, MAX_MAGNITUDE, allow_nan=False),
    )
)
def test_round_trip_of_any_finite_float_is_bit_exact(kernel):
    decoded = decode_kernel(encode_kernel(kernel))
    # -0.0 is written "0": equal as numbers, which is all a kernel weight means.
    assert np.array_equal(decoded, kernel)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("", "error.link_empty"),
        ("   ", "error.link_empty"),
        ("1,0;", "error.link_missing_number"),
        ("1,,0", "error.link_missing_number"),
        (";1", "error.link_missing_number"),
        ("1,a", "error.link_number"),
        ("1,2|3,4", "error.link_number"),  # several kernels belong to decode_kernels
        ("1,2/3,4", "error.link_number"),
        ("nan", "error.link_number"),
        ("inf,1", "error.link_number"),
        ("1_000", "error.link_number"),
        ("0x10", "error.link_number"),
        ("1 2", "error.link_number"),
        ("1e999", "error.link_not_finite"),
        ("1e308,1e308;1e308,1e308", "error.overflow_link"),  # the link: sums of ∞
        ("1,-1.0000001e100", "error.overflow_link"),
        ("1,2;3", "error.link_ragged"),
        ("1;2,3", "error.link_ragged"),
        (",".join(["1"] * 8), "error.link_too_large"),
        (";".join(["1"] * 8), "error.link_too_large"),
        ("1" * (MAX_TEXT + 1), "error.link_too_long"),
    ],
)
def test_invalid_text_raises_an_input_error(text, key):
    with pytest.raises(InputError) as info:
        decode_kernel(text)
    assert info.value.key == key
    # Every message can be shown, in both languages.
    assert info.value.message("es") and info.value.message("en")


def test_error_quotes_the_received_text_shortened():
    text = "1,2,3;4,5,x;" + "7,8,9;" * 4 + "7,8,9"  # 7 rows, 41 characters
    with pytest.raises(InputError) as info:
        decode_kernel(text)
    message = info.value.message("en")
    assert "row 2, column 3" in message and '"x"' in message
    assert text[:40] + "…" in message and text not in message


def test_max_size_can_be_lowered():
    assert decode_kernel("1,2,3", max_size=3).shape == (1, 3)
    with pytest.raises(InputError, match="at most 2"):
        decode_kernel("1,2,3", max_size=2)


@settings(max_examples=300)
@given(st.text(max_size=60))
def test_garbage_only_ever_raises_input_error(text):
    try:
        kernel = decode_kernel(text)
    except InputError:
        return
    assert kernel.ndim == 2 and min(kernel.shape) >= 1 and max(kernel.shape) <= 7
    assert np.isfinite(kernel).all()


@settings(max_examples=300)
@given(st.text(alphabet="0123456789-+.,;|/ eE−\u00a0x", max_size=40))
def test_near_miss_text_only_ever_raises_input_error(text):
    for decode in (decode_kernel, decode_kernels, lambda s: decode_bank(s, channels=3)):
        with contextlib.suppress(InputError):
            decode(text)


@pytest.mark.parametrize(
    "kernel",
    [np.zeros((0, 3)), np.zeros(3), np.zeros((2, 2, 2)), [[1, np.nan]], [[np.inf]], [[1j]]],
)
def test_encoding_an_invalid_kernel_raises_an_input_error(kernel):
    with pytest.raises(InputError):
        encode_kernel(kernel)


# --- several kernels --------------------------------------------------------------------


def test_up_to_four_kernels_joined_by_a_bar():
    kernels = [get_kernel("sobel_x"), get_kernel("sobel_y"), [[1]], [[0.5, 0.5]]]
    text = encode_kernels(kernels)
    assert text.count("|") == 3
    decoded = decode_kernels(text)
    assert len(decoded) == 4
    for got, want in zip(decoded, kernels, strict=True):
        assert np.array_equal(got, want)


def test_a_single_kernel_is_a_list_of_one():
    (kernel,) = decode_kernels("1,0,-1;2,0,-2;1,0,-1")
    assert kernel.shape == (3, 3)


def test_a_stacked_array_of_kernels_encodes_one_per_leading_index():
    assert encode_kernels(np.stack([np.eye(2), -np.eye(2)])) == "1,0;0,1|-1,0;0,-1"


def test_too_many_or_no_kernels():
    with pytest.raises(InputError) as info:
        decode_kernels("|".join(["1"] * (MAX_KERNELS + 1)))
    assert info.value.key == "error.link_too_many_filters"
    with pytest.raises(InputError):
        encode_kernels([[[1]]] * 5)
    with pytest.raises(InputError) as info:
        encode_kernels([])
    assert info.value.key == "error.link_no_filters"
    with pytest.raises(InputError) as info:
        decode_kernels("1|")
    assert info.value.key == "error.link_empty"


def test_same_shape_is_checked_only_when_asked():
    assert [k.shape for k in decode_kernels("1,2|3")] == [(1, 2), (1, 1)]
    with pytest.raises(InputError) as info:
        decode_kernels("1,2|3", same_shape=True)
    assert info.value.key == "error.link_shapes_differ"


@given(st.lists(kernels_2d, min_size=1, max_size=4))
def test_kernels_round_trip(kernels):
    decoded = decode_kernels(encode_kernels(kernels))
    assert len(decoded) == len(kernels)
    assert all(np.array_equal(a, b) for a, b in zip(decoded, kernels, strict=True))


# --- a filter bank ----------------------------------------------------------------------


def test_bank_with_equal_channels_is_written_once():
    bank = np.repeat(np.array(SOBEL_X, float)[:, :, None, None], 3, axis=2)
    assert encode_bank(bank) == "-1,0,1;-2,0,2;-1,0,1"
    np.testing.assert_array_equal(decode_bank(encode_bank(bank), channels=3), bank)
    # The same link opens on a grayscale image.
    np.testing.assert_array_equal(decode_bank(encode_bank(bank), channels=1), bank[:, :, :1])


def test_bank_with_different_channels_writes_each():
    bank = np.zeros((1, 2, 3, 2))
    bank[..., 0] = np.array([[1, 2], [3, 4], [5, 6]]).T[None]  # R 1,2; G 3,4; B 5,6
    bank[..., 1] = 7
    text = encode_bank(bank)
    assert text == "1,2/3,4/5,6|7,7"
    np.testing.assert_array_equal(decode_bank(text, channels=3), bank)


def test_bank_channel_count_must_match():
    with pytest.raises(InputError) as info:
        decode_bank("1,2/3,4/5,6", channels=1)
    assert info.value.key == "error.link_channels"
    assert "3" in info.value.message("en")


def test_bank_slices_must_share_a_shape():
    with pytest.raises(InputError) as info:
        decode_bank("1,2/3", channels=2)
    assert info.value.key == "error.link_shapes_differ"
    with pytest.raises(InputError):
        decode_bank("1,2|3", channels=1)


def test_bank_must_be_4d():
    with pytest.raises(InputError) as info:
        encode_bank(np.ones((3, 3)))
    assert info.value.key == "error.link_encode_shape"


@given(
    hnp.arrays(
        np.float64, st.tuples(st.integers(1, 7), st.integers(1, 7)), elements=st.integers(-9, 9)
    ),
    st.floats(MAX_MAGNITUDE, 1e308, exclude_min=True),
    st.data(),
)
def test_a_weight_above_the_bound_is_refused_where_it_is(kernel, big, data):
    row = data.draw(st.integers(0, kernel.shape[0] - 1))
    col = data.draw(st.integers(0, kernel.shape[1] - 1))
    kernel[row, col] = data.draw(st.sampled_from([big, -big]))
    with pytest.raises(InputError) as info:
        decode_bank(encode_kernel(kernel), channels=3)
    assert info.value.key == "error.overflow_link"
    assert (info.value.fields["row"], info.value.fields["col"]) == (row + 1, col + 1)
    assert "1e100" in info.value.message("en") and "1e100" in info.value.message("es")


def test_the_bound_itself_is_accepted():
    assert decode_kernel("1e100,-1e100").tolist() == [[1e100, -1e100]]


@given(
    hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.sampled_from([1, 3]), st.integers(1, 4)),
        elements=st.floats(-10, 10, allow_nan=False).map(lambda v: round(v, 3)),
    )
)
def test_bank_round_trip(bank):
    decoded = decode_bank(encode_bank(bank), channels=bank.shape[2])
    assert decoded.shape == bank.shape
    assert np.array_equal(decoded, bank)


def test_link_text_is_short_for_integer_presets():
    # A shareable link stays readable: a 3x3 integer kernel is under 30 characters.
    assert encode_kernel(get_kernel("laplacian_8")) == "1,1,1;1,-8,1;1,1,1"


# --- a widget's number ----------------------------------------------------------------------

HOSTILE = ["inf", "-inf", "nan", "NaN", "Infinity", "1e400", "-1e400", "abc", "²", "٣", "１",
           "", " ", "0x10", "1_000", "1,5", "--1", "1e", ".", "e3", "3 4"]  # fmt: skip


@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize("integer", [True, False])
def test_what_is_not_a_finite_ascii_number_is_refused(text, integer):
    assert read_link_number(text, low=-10, high=10, integer=integer) is None


@pytest.mark.parametrize(
    ("text", "integer", "expected"),
    [
        ("3", True, LinkNumber(3, False)),
        (" 3 ", True, LinkNumber(3, False)),  # a "+" in a query string arrives as a space
        ("+3", True, LinkNumber(3, False)),
        ("3.0", True, LinkNumber(3, False)),
        ("4e0", True, LinkNumber(4, False)),
        ("\u22122", True, LinkNumber(-2, False)),  # the app's own minus, copied from a page
        ("1e20", True, LinkNumber(8, True)),
        ("99", True, LinkNumber(8, True)),
        ("-3", True, LinkNumber(-2, True)),
        ("-1e20", True, LinkNumber(-2, True)),
        ("2.5", True, None),  # not whole: the widget's default, not a rounded guess
        ("2.5", False, LinkNumber(2.5, False)),
        (".5", False, LinkNumber(0.5, False)),
        ("9.75", False, LinkNumber(8.0, True)),
        ("-0", False, LinkNumber(0.0, False)),
        ("1e-400", False, LinkNumber(0.0, False)),  # underflows to 0: finite, in range
    ],
)
def test_numbers_are_read_and_moved_into_the_range(text, integer, expected):
    assert read_link_number(text, low=-2, high=8, integer=integer) == expected


def test_integer_results_are_ints_and_minus_zero_is_zero():
    value = read_link_number("7.0", low=0, high=9, integer=True).value
    assert type(value) is int and value == 7
    assert str(read_link_number("-0", low=-1.0, high=1.0).value) == "0.0"


def test_long_text_is_refused_before_it_is_read():
    assert read_link_number("1" * MAX_NUMBER_TEXT, low=0, high=9, integer=True) == LinkNumber(
        9, True
    )
    assert read_link_number("1" * (MAX_NUMBER_TEXT + 1), low=0, high=9, integer=True) is None
    assert read_link_number(None, low=0, high=9) is None
    assert read_link_number(3, low=0, high=9) is None  # only a link's text


@given(
    st.one_of(
        st.text(max_size=40),
        st.from_regex(r"\A[+-]?[0-9]{0,25}(\.[0-9]{0,5})?(e[+-]?[0-9]{1,4})?\Z"),
    ),
    st.integers(-1000, 1000),
    st.integers(0, 1000),
    st.booleans(),
)
def test_any_text_gives_none_or_a_number_within_bounds(text, low, span, integer):
    high = low + span
    bounds = (low, high) if integer else (low / 8, high / 8)
    read = read_link_number(text, low=bounds[0], high=bounds[1], integer=integer)
    if read is None:
        return
    assert math.isfinite(read.value) and bounds[0] <= read.value <= bounds[1]
    assert isinstance(read.value, int) is integer
    unclamped = float(text.strip().replace("\u2212", "-"))
    assert read.clamped == (read.value != unclamped)
