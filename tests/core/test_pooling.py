"""Tests of cnnviz.core.pooling: hand-computed values, Keras layers on random inputs, errors."""

from __future__ import annotations

import os
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import hypothesis.extra.numpy as hnp
import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import shapes
from cnnviz.core.conv import conv2d_transpose
from cnnviz.core.pooling import (
    PoolWindows,
    global_pool2d,
    pool2d,
    pool_windows,
    upsample2d,
    upsample_kernel,
)
from cnnviz.i18n import InputError

COURSE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
ARANGE_3X3 = np.arange(9).reshape(3, 3)


# --- hand-computed values ---------------------------------------------------------------


def test_course_max_pool_2x2_stride_2():
    out = pool2d(COURSE, 2)
    np.testing.assert_array_equal(out, [[6, 8], [3, 4]])
    assert out.dtype == np.float64
    assert out.shape == (2, 2)


def test_average_pool_2x2_stride_2():
    # (1+1+5+6)/4, (2+4+7+8)/4, (3+2+1+2)/4, (1+0+3+4)/4
    np.testing.assert_array_equal(pool2d(COURSE, 2, op="average"), [[3.25, 5.25], [2.0, 2.0]])


def test_pool_stride_1_overlapping_windows():
    np.testing.assert_array_equal(pool2d(ARANGE_3X3, 2, strides=1), [[4, 5], [7, 8]])
    np.testing.assert_array_equal(pool2d(ARANGE_3X3, 2, strides=1, op="average"), [[2, 3], [5, 6]])


def test_same_average_divides_by_real_cells_only():
    # 3x3 input, pool 2, stride 2, "same": one padded row at the bottom and one padded
    # column at the right. Windows: {0,1,3,4} -> 2; {2,5} -> 3.5; {6,7} -> 6.5; {8} -> 8.
    out = pool2d(ARANGE_3X3, 2, padding="same", op="average")
    np.testing.assert_array_equal(out, [[2.0, 3.5], [6.5, 8.0]])
    # Dividing by the full window (counting padded zeros) would give something else.
    assert not np.allclose(out, [[2.0, 1.75], [3.25, 2.0]])


def test_same_max_ignores_padding_even_when_all_negative():
    np.testing.assert_array_equal(pool2d(ARANGE_3X3, 2, padding="same"), [[4, 5], [7, 8]])
    # Were the padding zeros, the right column and bottom row would read 0.
    np.testing.assert_array_equal(pool2d(-1 - ARANGE_3X3, 2, padding="same"), [[-1, -3], [-7, -9]])


def test_rectangular_pool_and_strides():
    # Pool 1 row x 2 columns, moving 2 rows and 1 column at a time.
    out = pool2d(COURSE, (1, 2), strides=(2, 1))
    np.testing.assert_array_equal(out, [[1, 2, 4], [3, 2, 1]])


def test_stride_larger_than_pool_skips_cells():
    np.testing.assert_array_equal(pool2d(COURSE, 1, strides=3), [[1, 4], [1, 4]])


def test_channels_are_pooled_separately():
    x = np.dstack([COURSE, -COURSE])
    out = pool2d(x, 2)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[..., 0], [[6, 8], [3, 4]])
    np.testing.assert_array_equal(out[..., 1], [[-1, -2], [-1, 0]])


def test_pool_accepts_lists_and_leaves_input_untouched():
    x = COURSE.copy()
    np.testing.assert_array_equal(pool2d(x.tolist(), 2), [[6, 8], [3, 4]])
    pool2d(x, 2, padding="same", op="average")
    np.testing.assert_array_equal(x, COURSE)


def test_global_pooling():
    assert global_pool2d(COURSE) == 8.0
    assert global_pool2d(COURSE, op="average") == 3.125  # 50 / 16
    assert isinstance(global_pool2d(COURSE), float)
    x = np.dstack([COURSE, 10 - COURSE, np.full((4, 4), -2.5)])
    np.testing.assert_array_equal(global_pool2d(x), [8.0, 10.0, -2.5])
    np.testing.assert_array_equal(global_pool2d(x, op="average"), [3.125, 6.875, -2.5])


def test_upsample_nearest_2x2():
    out = upsample2d([[1, 2], [3, 4]], 2)
    np.testing.assert_array_equal(out, [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    assert out.dtype == np.float64


def test_upsample_nearest_rectangular_size():
    np.testing.assert_array_equal(
        upsample2d([[1, 2], [3, 4]], (1, 3)), [[1, 1, 1, 2, 2, 2], [3, 3, 3, 4, 4, 4]]
    )


def test_upsample_bed_of_nails_2x2():
    np.testing.assert_array_equal(
        upsample2d([[1, 2], [3, 4]], 2, method="bed_of_nails"),
        [[1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 4, 0], [0, 0, 0, 0]],
    )
    out = upsample2d(np.dstack([[[1, 2]], [[5, 6]]]), (2, 1), method="bed_of_nails")
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[..., 1], [[5, 6], [0, 0]])


def test_upsample_bilinear_half_pixel_centres():
    # Output column o reads input column (o + 1/2)/2 - 1/2: -0.25, 0.25, 0.75, 1.25,
    # clamped to [0, 1]. So the weights of (a, b) are (1, 0), (3/4, 1/4), (1/4, 3/4), (0, 1).
    np.testing.assert_allclose(
        upsample2d([[0, 4]], (1, 2), method="bilinear"), [[0, 1, 3, 4]], rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(
        upsample2d([[1, 2], [3, 4]], 2, method="bilinear"),
        [
            [1.0, 1.25, 1.75, 2.0],
            [1.5, 1.75, 2.25, 2.5],
            [2.5, 2.75, 3.25, 3.5],
            [3.0, 3.25, 3.75, 4.0],
        ],
        rtol=0,
        atol=1e-12,
    )


def test_upsample_size_1_is_identity():
    for method in ("nearest", "bilinear", "bed_of_nails"):
        np.testing.assert_array_equal(upsample2d(COURSE, 1, method=method), COURSE)


def test_pool_windows_for_a_trace():
    w = pool_windows(ARANGE_3X3, 2, padding="same")
    assert isinstance(w, PoolWindows)
    assert w.pads == ((0, 1), (0, 1))
    assert w.pool_size == (2, 2) and w.strides == (2, 2)
    assert w.output_shape == (2, 2) and w.op == "max"
    assert w.padded.shape == (4, 4) and w.real.shape == (4, 4)
    assert np.isneginf(w.padded[3]).all() and np.isneginf(w.padded[:, 3]).all()
    np.testing.assert_array_equal(w.padded[:3, :3], ARANGE_3X3)
    assert w.real.sum() == 9 and not w.real[3].any() and not w.real[:, 3].any()
    rows, cols = w.window(0, 1)
    assert (rows, cols) == (slice(0, 2), slice(2, 4))
    np.testing.assert_array_equal(w.padded[rows, cols], [[2, -np.inf], [5, -np.inf]])
    with pytest.raises(IndexError):
        w.window(2, 0)
    avg = pool_windows(np.dstack([ARANGE_3X3] * 2), 2, padding="same", op="average")
    assert avg.padded.shape == (4, 4, 2) and avg.real.shape == (4, 4)
    assert (avg.padded[3] == 0).all()


def test_pool_windows_reproduce_pool2d():
    x = np.arange(35.0).reshape(5, 7) % 6
    kwargs = {"pool_size": (3, 2), "strides": (2, 3), "padding": "same"}
    for op in ("max", "average"):
        w = pool_windows(x, **kwargs, op=op)
        out = pool2d(x, **kwargs, op=op)
        for i in range(out.shape[0]):
            for j in range(out.shape[1]):
                rows, cols = w.window(i, j)
                values, real = w.padded[rows, cols], w.real[rows, cols]
                expected = values.max() if op == "max" else values[real].mean()
                assert out[i, j] == pytest.approx(expected)


def test_importing_pooling_does_not_import_tensorflow():
    code = "import sys, cnnviz.core.pooling; print('tensorflow' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    )
    assert result.stdout.strip() == "False"


# --- against Keras ----------------------------------------------------------------------

TOL = {"rtol": 1e-5, "atol": 1e-5}
sizes = st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 4), st.integers(1, 4)))


@st.composite
def feature_maps(draw: st.DrawFn) -> np.ndarray:
    """A float32 (H, W, C) input, H and W in 1..12, C in 1..3."""
    shape = (draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 3)))
    elements = st.floats(-10, 10, width=32, allow_subnormal=False)
    return draw(hnp.arrays(np.float32, shape, elements=elements))


def _keras(layer: keras.layers.Layer, x: np.ndarray) -> np.ndarray:
    return np.asarray(layer(x[None].astype("float32")))[0]


def _ours_on_rank(fn, x: np.ndarray, rank2: bool, **kwargs) -> np.ndarray:
    """Run ``fn`` on (H, W, C), or on each channel as (H, W), restacked as (H', W', C)."""
    if not rank2:
        return fn(x, **kwargs)
    outs = [fn(x[..., c], **kwargs) for c in range(x.shape[2])]
    assert all(out.ndim == 2 for out in outs)
    return np.stack(outs, axis=-1)


@settings(max_examples=40, deadline=None)
@given(
    x=feature_maps(),
    pool_size=sizes,
    strides=st.one_of(st.none(), sizes),
    padding=st.sampled_from(["valid", "same"]),
    op=st.sampled_from(["max", "average"]),
    rank2=st.booleans(),
)
def test_pool2d_matches_keras(x, pool_size, strides, padding, op, rank2):
    layer_cls = keras.layers.MaxPooling2D if op == "max" else keras.layers.AveragePooling2D
    layer = layer_cls(pool_size=pool_size, strides=strides, padding=padding)
    pool = shapes.as_pair(pool_size, "pool_size")
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding, "op": op}
    if padding == "valid" and (pool[0] > x.shape[0] or pool[1] > x.shape[1]):
        # Keras refuses a pool larger than a "valid" input; so do we, with a reason.
        with pytest.raises(ValueError, match="zero or negative"):
            layer.compute_output_shape((1, *x.shape))
        with pytest.raises(InputError) as info:
            pool2d(x, **kwargs)
        assert info.value.key == "error.pool_output_empty"
        return
    expected = _keras(layer, x)
    out = _ours_on_rank(pool2d, x, rank2, **kwargs)
    assert out.shape == expected.shape
    assert expected.shape == tuple(layer.compute_output_shape((1, *x.shape))[1:])
    assert expected.shape == shapes.pool_output_shape(
        x.shape, pool_size, strides=strides, padding=padding
    )
    np.testing.assert_allclose(out, expected, **TOL)


@settings(max_examples=40, deadline=None)
@given(x=feature_maps(), op=st.sampled_from(["max", "average"]), rank2=st.booleans())
def test_global_pool2d_matches_keras(x, op, rank2):
    layer_cls = (
        keras.layers.GlobalMaxPooling2D if op == "max" else keras.layers.GlobalAveragePooling2D
    )
    layer = layer_cls()
    expected = _keras(layer, x)
    assert expected.shape == tuple(layer.compute_output_shape((1, *x.shape))[1:])
    if rank2:
        out = global_pool2d(x[..., 0], op=op)
        assert isinstance(out, float)
        np.testing.assert_allclose(out, expected[0], **TOL)
    else:
        out = global_pool2d(x, op=op)
        assert out.shape == expected.shape == (x.shape[2],)
        np.testing.assert_allclose(out, expected, **TOL)


@settings(max_examples=40, deadline=None)
@given(
    x=feature_maps(),
    size=sizes,
    method=st.sampled_from(["nearest", "bilinear"]),
    rank2=st.booleans(),
)
def test_upsample2d_matches_keras(x, size, method, rank2):
    layer = keras.layers.UpSampling2D(size=size, interpolation=method)
    expected = _keras(layer, x)
    out = _ours_on_rank(upsample2d, x, rank2, size=size, method=method)
    rows, cols = shapes.as_pair(size, "size")
    assert out.shape == expected.shape == (x.shape[0] * rows, x.shape[1] * cols, x.shape[2])
    assert expected.shape == tuple(layer.compute_output_shape((1, *x.shape))[1:])
    np.testing.assert_allclose(out, expected, **TOL)


@settings(max_examples=40, deadline=None)
@given(x=feature_maps(), size=sizes)
def test_bed_of_nails_keeps_values_and_their_sum(x, size):
    rows, cols = shapes.as_pair(size, "size")
    out = upsample2d(x, size, method="bed_of_nails")
    assert out.shape == (x.shape[0] * rows, x.shape[1] * cols, x.shape[2])
    np.testing.assert_array_equal(out[::rows, ::cols], x)
    np.testing.assert_allclose(out.sum(), x.astype(np.float64).sum(), **TOL)
    # Max pooling with the same window undoes it wherever the values are non-negative.
    np.testing.assert_array_equal(pool2d(np.abs(out), size), np.abs(x))


# --- errors -----------------------------------------------------------------------------

NAN_2X2 = np.array([[1.0, np.nan], [np.inf, 4.0]])

ERROR_CASES = [
    ("pool nan", lambda: pool2d(NAN_2X2), "error.not_finite"),
    ("global nan", lambda: global_pool2d(NAN_2X2), "error.not_finite"),
    ("upsample nan", lambda: upsample2d(NAN_2X2), "error.not_finite"),
    ("pool rank 1", lambda: pool2d(np.zeros(4)), "error.image_rank"),
    ("pool rank 4", lambda: pool2d(np.zeros((2, 2, 2, 2))), "error.image_rank"),
    ("global rank 1", lambda: global_pool2d(np.zeros(4)), "error.image_rank"),
    ("upsample rank 4", lambda: upsample2d(np.zeros((1, 2, 2, 1))), "error.image_rank"),
    ("pool empty", lambda: pool2d(np.zeros((0, 3))), "error.empty_array"),
    ("pool not numeric", lambda: pool2d([["a", "b"], ["c", "d"]]), "error.not_numeric"),
    ("pool_size 0", lambda: pool2d(COURSE, 0), "error.below_one"),
    ("pool_size (2, 0)", lambda: pool2d(COURSE, (2, 0)), "error.below_one"),
    ("pool_size 2.5", lambda: pool2d(COURSE, 2.5), "error.not_int_or_pair"),
    ("pool_size triple", lambda: pool2d(COURSE, (2, 2, 2)), "error.not_int_or_pair"),
    ("strides 0", lambda: pool2d(COURSE, 2, strides=0), "error.stride_below_one"),
    ("strides (1, -1)", lambda: pool2d(COURSE, 2, strides=(1, -1)), "error.stride_below_one"),
    ("padding full", lambda: pool2d(COURSE, 2, padding="full"), "error.unknown_pool_padding"),
    ("padding int", lambda: pool2d(COURSE, 2, padding=1), "error.unknown_pool_padding"),
    ("op min", lambda: pool2d(COURSE, 2, op="min"), "error.unknown_pool_op"),
    ("op avg", lambda: pool2d(COURSE, 2, op="avg"), "error.unknown_pool_op"),
    ("global op sum", lambda: global_pool2d(COURSE, op="sum"), "error.unknown_pool_op"),
    ("windows op", lambda: pool_windows(COURSE, op=None), "error.unknown_pool_op"),
    ("pool too big", lambda: pool2d(COURSE, 5), "error.pool_output_empty"),
    ("pool too wide", lambda: pool2d(COURSE, (2, 5)), "error.pool_output_empty"),
    ("size 0", lambda: upsample2d(COURSE, 0), "error.below_one"),
    ("size (2, 0)", lambda: upsample2d(COURSE, (2, 0)), "error.below_one"),
    ("size float", lambda: upsample2d(COURSE, 1.5), "error.not_int_or_pair"),
    ("method", lambda: upsample2d(COURSE, 2, method="bicubic"), "error.unknown_upsample_method"),
]


@pytest.mark.parametrize(
    ("call", "key"), [case[1:] for case in ERROR_CASES], ids=[case[0] for case in ERROR_CASES]
)
def test_invalid_input_raises_input_error(call, key):
    with pytest.raises(InputError) as info:
        call()
    err = info.value
    assert isinstance(err, ValueError)
    assert err.key == key
    for lang in ("en", "es"):
        message = err.message(lang)
        assert message != key
        assert "{" not in message  # every field filled in
        assert "error." not in message


def test_not_finite_counts_the_bad_cells():
    with pytest.raises(InputError) as info:
        pool2d(NAN_2X2)
    assert info.value.fields["count"] == 2
    assert "2" in info.value.message("en") and "2" in info.value.message("es")


def test_error_messages_quote_the_values_received():
    with pytest.raises(InputError) as info:
        pool2d(COURSE, 2, op="min")
    for lang in ("en", "es"):
        message = info.value.message(lang)
        assert "'min'" in message and '"max"' in message and '"average"' in message
    with pytest.raises(InputError) as info:
        upsample2d(COURSE, 2, method="bicubic")
    assert "'bicubic'" in info.value.message("es") and '"bilinear"' in info.value.message("es")
    with pytest.raises(InputError) as info:
        pool2d(COURSE, (2, 0))
    assert info.value.fields["name"] == "pool_size"
    assert "(2, 0)" in info.value.message("en")
    with pytest.raises(InputError) as info:
        pool2d(COURSE, (2, 5))
    assert "5" in info.value.message("en")


def test_validation_happens_before_any_work():
    # An unknown operation is reported even when the input is also wrong.
    with pytest.raises(InputError) as info:
        pool2d(NAN_2X2, 2, op="min")
    assert info.value.key == "error.unknown_pool_op"


@given(x=feature_maps(), size=sizes, method=st.sampled_from(["nearest", "bed_of_nails"]))
def test_nearest_and_bed_of_nails_are_transposed_convolutions(x, size, method):
    channel = x[..., 0] if x.ndim == 3 else x
    np.testing.assert_array_equal(
        conv2d_transpose(channel, upsample_kernel(method, size), strides=size),
        upsample2d(channel, size, method=method),
    )


def test_bilinear_has_no_fixed_kernel():
    with pytest.raises(InputError, match="bilinear"):
        upsample_kernel("bilinear", 2)
