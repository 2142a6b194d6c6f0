"""Tests of cnnviz.core._checks: the core's argument checks, each written once."""

from __future__ import annotations

import fractions

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnviz.content import links
from cnnviz.core import conv, kernels, pooling, shapes
from cnnviz.core._checks import (
    GENERIC_KEYS,
    KERNEL_KEYS,
    as_float_array,
    as_pair,
    check_image,
    is_int,
)
from cnnviz.i18n import InputError

PROPERTY = settings(max_examples=60, deadline=None)


# --- is_int ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, True),
        (-3, True),
        (np.int8(4), True),
        (np.uint64(4), True),
        (True, False),
        (np.bool_(True), False),
        (2.0, False),
        (np.float64(2.0), False),
        ("2", False),
        (None, False),
        (fractions.Fraction(2, 1), False),
        ([2], False),
    ],
)
def test_is_int(value: object, expected: bool) -> None:
    assert is_int(value) is expected


@PROPERTY
@given(st.integers())
def test_every_python_int_is_an_int(value: int) -> None:
    assert is_int(value)


@PROPERTY
@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_is_an_int(value: float) -> None:
    assert not is_int(value)


# --- as_pair -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3, (3, 3)), ((1, 2), (1, 2)), ([4, 5], (4, 5)), (np.int64(2), (2, 2)), ((0, -1), (0, -1))],
)
def test_as_pair(value: object, expected: tuple[int, int]) -> None:
    pair = as_pair(value, "strides")
    assert pair == expected
    assert all(type(v) is int for v in pair)  # NumPy ints come back as plain ints


@pytest.mark.parametrize("value", [2.5, True, "22", (1, 2, 3), (1,), (1.0, 2), None, (True, 1)])
def test_as_pair_refuses(value: object) -> None:
    with pytest.raises(InputError) as info:
        as_pair(value, "kernel_size")
    assert info.value.key == "error.not_int_or_pair"
    assert info.value.fields == {"name": "kernel_size", "value": repr(value)}


def test_shapes_reads_pairs_with_the_one_function() -> None:
    assert shapes.as_pair is as_pair


@PROPERTY
@given(st.integers(-(2**40), 2**40), st.integers(-(2**40), 2**40))
def test_as_pair_keeps_any_pair(rows: int, cols: int) -> None:
    assert as_pair((rows, cols), "size") == (rows, cols)
    assert as_pair(rows, "size") == (rows, rows)


# --- as_float_array ------------------------------------------------------------------------


def test_as_float_array_reads_what_numpy_converts() -> None:
    np.testing.assert_array_equal(as_float_array([[1, 2], [3, 4]], "x"), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(as_float_array([True, False], "x"), [1.0, 0.0])
    np.testing.assert_array_equal(as_float_array(["0.5", "-2"], "x"), [0.5, -2.0])
    assert as_float_array(7, "x").shape == ()
    assert as_float_array(np.arange(3), "x").dtype == np.float64


def test_as_float_array_copies_only_to_convert() -> None:
    floats = np.ones(3)
    assert as_float_array(floats, "x") is floats
    ints = np.ones(3, dtype=np.int32)
    assert as_float_array(ints, "x") is not ints


@pytest.mark.parametrize(
    ("values", "key", "fields"),
    [
        ([[1, "a"]], "not_numeric", {"name": "image", "value": "'a'"}),
        ([[1 + 2j]], "not_numeric", {"name": "image", "value": "(1+2j)"}),
        (np.array([1j, 2]), "not_numeric", {"name": "image", "value": "1j"}),
        ([[1, 2], [3]], "not_numeric", {"name": "image", "value": "[1, 2]"}),  # ragged rows
        ([[None]], "not_finite", {"name": "image", "count": 1, "size": 1}),  # None reads as NaN
        (np.zeros((0, 3)), "empty", {"name": "image", "shape": (0, 3)}),
        ([], "empty", {"name": "image", "shape": (0,)}),
        ([[1, np.nan], [np.inf, -np.inf]], "not_finite", {"name": "image", "count": 3, "size": 4}),
    ],
)
@pytest.mark.parametrize("keys", [GENERIC_KEYS, KERNEL_KEYS])
def test_as_float_array_refuses(values, key, fields, keys) -> None:
    with pytest.raises(InputError) as info:
        as_float_array(values, "image", keys=keys)
    assert info.value.key == getattr(keys, key)
    assert info.value.fields == fields
    for lang in ("en", "es"):
        message = info.value.message(lang)
        assert "{" not in message and "error." not in message


@PROPERTY
@given(hnp.arrays(np.complex128, hnp.array_shapes(max_dims=3, max_side=3)))
def test_complex_input_is_always_refused(values: np.ndarray) -> None:
    """Even with zero imaginary parts: the rule depends on the type, not on luck."""
    with pytest.raises(InputError) as info:
        as_float_array(values, "kernel")
    assert info.value.key == "error.not_numeric"


@PROPERTY
@given(hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=4)))
def test_as_float_array_accepts_exactly_the_finite_arrays(values: np.ndarray) -> None:
    bad = int(values.size - np.isfinite(values).sum())
    if bad:
        with pytest.raises(InputError) as info:
            as_float_array(values, "signal")
        assert info.value.fields["count"] == bad
    else:
        np.testing.assert_array_equal(as_float_array(values, "signal"), values)


@pytest.mark.parametrize(
    "read",
    [
        lambda k: conv.conv2d(np.ones((3, 3)), k),
        lambda k: conv.conv1d([1, 2, 3], np.ravel(k)),
        lambda k: kernels.normalize_kernel(k),
        lambda k: links.encode_kernel(k),
        lambda k: pooling.pool2d(k, 1),
    ],
    ids=["conv2d", "conv1d", "normalize_kernel", "encode_kernel", "pool2d"],
)
def test_every_reader_refuses_complex_kernels(read) -> None:
    """The kernel editor and links used to drop an imaginary part; now all refuse it."""
    with pytest.raises(InputError) as info:
        read(np.array([[1 + 0j, 2]]))
    assert info.value.key in ("error.not_numeric", "error.kernel_not_numeric")


def test_kernel_messages_keep_their_keys() -> None:
    with pytest.raises(InputError) as info:
        kernels.normalize_kernel([[1.0, np.nan]])
    assert (info.value.key, info.value.fields["count"]) == ("error.kernel_not_finite", 1)
    with pytest.raises(InputError) as info:
        links.encode_kernel(np.zeros((0, 2)))
    assert info.value.key == "error.kernel_empty"


# --- check_image -----------------------------------------------------------------------


def test_check_image_accepts_2d_and_3d() -> None:
    assert check_image([[1, 2]]).shape == (1, 2)
    assert check_image(np.zeros((2, 2, 3))).shape == (2, 2, 3)


@pytest.mark.parametrize("shape", [(3,), (1, 1, 1, 1), ()])
def test_check_image_refuses_other_ranks(shape: tuple[int, ...]) -> None:
    with pytest.raises(InputError) as info:
        check_image(np.ones(shape))
    assert info.value.key == "error.image_rank"
    assert info.value.fields == {"shape": shape, "ndim": len(shape)}


def test_check_image_checks_values_first() -> None:
    with pytest.raises(InputError) as info:
        check_image([[np.nan]], "x")
    assert (info.value.key, info.value.fields["name"]) == ("error.not_finite", "x")


@pytest.mark.parametrize(
    "read",
    [
        lambda x: conv.conv2d(x, [[1]]),
        lambda x: conv.conv2d_transpose(x, [[1]]),
        lambda x: pooling.pool2d(x, 1),
        lambda x: pooling.global_pool2d(x),
        lambda x: pooling.upsample2d(x),
        lambda x: pooling.shift_image(x),
    ],
)
def test_every_image_reader_uses_the_one_rank_check(read) -> None:
    with pytest.raises(InputError) as info:
        read(np.ones(4))
    assert info.value.key == "error.image_rank"
