"""Tests of cnnviz.core.conv: hand-computed values, TF/Keras/SciPy/OpenCV on random inputs, errors.

Comparisons against TensorFlow use float32 inputs and a 1e-4 tolerance (float32
accumulation); those against NumPy, SciPy and OpenCV use small integer values in
float64, whose sums are exact, and so assert exact equality.
"""

from __future__ import annotations

import inspect
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import cv2
import keras
import numpy as np
import pytest
import scipy.signal
import tensorflow as tf
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cnnviz.core import conv as conv_module
from cnnviz.core import shapes
from cnnviz.core.conv import (
    LEAKY_RELU_SLOPE,
    PAD_MODES,
    activate,
    conv1d,
    conv2d,
    conv2d_transpose,
    pad2d,
)
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable, keras_steps

PROPERTY = settings(max_examples=50, deadline=None)
TF_TOLERANCE = {"rtol": 1e-4, "atol": 1e-4}

COURSE_SIGNAL = [1, 2, -5, 4, 2, -1]
COURSE_KERNEL_1D = [-1, 2, -1]
COURSE_MATRIX = np.array(
    [
        [0, 5, 0, 0, 9, 4, 0],
        [1, 6, 0, 0, 8, 3, 0],
        [2, 7, 0, 0, 7, 2, 0],
        [3, 8, 0, 0, 6, 1, 0],
        [4, 9, 0, 0, 5, 0, 0],
    ]
)
COURSE_KERNEL = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])

CV2_BORDERS = {
    "zeros": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "symmetric": cv2.BORDER_REFLECT,
    "replicate": cv2.BORDER_REPLICATE,
    "circular": cv2.BORDER_WRAP,
}


# --- hand-computed values: 1-D ----------------------------------------------------------


def test_course_signal_true_convolution():
    valid, same, full = [8, -16, 11, 1], [0, 8, -16, 11, 1, -4], [-1, 0, 8, -16, 11, 1, -4, 1]
    for padding, expected in (("valid", valid), ("same", same), ("full", full)):
        out = conv1d(COURSE_SIGNAL, COURSE_KERNEL_1D, padding=padding, flip=True)
        np.testing.assert_array_equal(out, expected)
        np.testing.assert_array_equal(out, np.convolve(COURSE_SIGNAL, COURSE_KERNEL_1D, padding))
        assert out.dtype == np.float64
    # The kernel is symmetric: cross-correlation gives the same numbers.
    np.testing.assert_array_equal(conv1d(COURSE_SIGNAL, COURSE_KERNEL_1D), valid)


def test_flip_matters_for_an_asymmetric_kernel():
    # Cross-correlation: 1*1 + 2*0 + 3*(-1) = -2; convolution reverses the kernel: -1 + 3 = 2.
    np.testing.assert_array_equal(conv1d([1, 2, 3], [1, 0, -1]), [-2])
    np.testing.assert_array_equal(conv1d([1, 2, 3], [1, 0, -1], flip=True), [2])
    np.testing.assert_array_equal(np.convolve([1, 2, 3], [1, 0, -1], "valid"), [2])


def test_conv1d_strides_dilation_and_padding_by_hand():
    x = np.arange(8)  # 0..7
    # Windows of 2 starting at 0, 3, 6: 0+1, 3+4, 6+7.
    np.testing.assert_array_equal(conv1d(x, [1, 1], strides=3), [1, 7, 13])
    # Dilation 2: x[i] + x[i+2] + x[i+4] for i = 0..3.
    np.testing.assert_array_equal(conv1d(x, [1, 1, 1], dilation_rate=2), [6, 9, 12, 15])
    # Explicit (before, after) = (2, 0): [0, 0, 0, 1, ...].
    np.testing.assert_array_equal(conv1d(x, [1, 1, 1], padding=(2, 0))[:3], [0, 1, 3])
    # "same" with stride 2 on 8 cells: ceil(8/2) = 4 outputs, pads (0, 1).
    np.testing.assert_array_equal(conv1d(x, [1, 1, 1], strides=2, padding="same"), [3, 9, 15, 13])


def test_even_kernel_same_follows_tensorflow_not_numpy():
    # The full convolution of the course signal with [1, 2, 3, 4], by hand:
    # 1*1, 1*2 + 2*1, 1*3 + 2*2 - 5*1, ... , -1*4.
    full = [1, 4, 2, 4, 3, -5, 20, 5, -4]
    np.testing.assert_array_equal(
        conv1d(COURSE_SIGNAL, [1, 2, 3, 4], padding="full", flip=True), full
    )
    # TensorFlow's "same" pads (1, 2): the extra cell goes after, so after flipping the kernel
    # the result is full[2:8]; NumPy's "same" keeps full[1:7], one cell earlier.
    np.testing.assert_array_equal(
        conv1d(COURSE_SIGNAL, [1, 2, 3, 4], padding="same", flip=True), full[2:8]
    )
    np.testing.assert_array_equal(np.convolve(COURSE_SIGNAL, [1, 2, 3, 4], "same"), full[1:7])


@pytest.mark.parametrize(
    ("pad_mode", "padded", "expected"),
    [
        ("zeros", [0, 1, 2, 3, 0], [3, 6, 5]),
        ("reflect", [2, 1, 2, 3, 2], [5, 6, 7]),  # mirror without repeating the edge
        ("symmetric", [1, 1, 2, 3, 3], [4, 6, 8]),  # mirror repeating it
        ("replicate", [1, 1, 2, 3, 3], [4, 6, 8]),
        ("circular", [3, 1, 2, 3, 1], [6, 6, 6]),
    ],
)
def test_conv1d_pad_modes_by_hand(pad_mode, padded, expected):
    np.testing.assert_array_equal(
        pad2d(np.array([[1, 2, 3]]), ((0, 0), (1, 1)), pad_mode=pad_mode)[0], padded
    )
    np.testing.assert_array_equal(
        conv1d([1, 2, 3], [1, 1, 1], padding="same", pad_mode=pad_mode), expected
    )


# --- hand-computed values: padding ------------------------------------------------------


@pytest.mark.parametrize(
    ("pad_mode", "expected"),
    [
        ("zeros", [0, 0, 1, 2, 3, 0, 0]),
        ("reflect", [3, 2, 1, 2, 3, 2, 1]),
        ("symmetric", [2, 1, 1, 2, 3, 3, 2]),
        ("replicate", [1, 1, 1, 2, 3, 3, 3]),
        ("circular", [2, 3, 1, 2, 3, 1, 2]),
    ],
)
def test_pad2d_two_cells_each_side(pad_mode, expected):
    row = np.array([[1, 2, 3]])
    np.testing.assert_array_equal(pad2d(row, ((0, 0), (2, 2)), pad_mode=pad_mode), [expected])
    cv_row = cv2.copyMakeBorder(row.astype(np.float64), 0, 0, 2, 2, CV2_BORDERS[pad_mode])
    np.testing.assert_array_equal(cv_row, [expected])


def test_pad2d_rows_and_columns_never_channels():
    x = np.arange(6).reshape(2, 3)  # [[0, 1, 2], [3, 4, 5]]
    pads = ((1, 1), (1, 1))
    np.testing.assert_array_equal(
        pad2d(x, pads, pad_mode="reflect"),
        [[4, 3, 4, 5, 4], [1, 0, 1, 2, 1], [4, 3, 4, 5, 4], [1, 0, 1, 2, 1]],
    )
    np.testing.assert_array_equal(
        pad2d(x, pads, pad_mode="symmetric"),
        [[0, 0, 1, 2, 2], [0, 0, 1, 2, 2], [3, 3, 4, 5, 5], [3, 3, 4, 5, 5]],
    )
    np.testing.assert_array_equal(
        pad2d(x, pads, pad_mode="circular"),
        [[5, 3, 4, 5, 3], [2, 0, 1, 2, 0], [5, 3, 4, 5, 3], [2, 0, 1, 2, 0]],
    )
    rgb = np.stack([x, 10 * x, 100 * x], axis=-1)
    padded = pad2d(rgb, ((1, 0), (0, 2)), pad_mode="replicate")
    assert padded.shape == (3, 5, 3)
    np.testing.assert_array_equal(
        padded[..., 2], 100 * pad2d(x, ((1, 0), (0, 2)), pad_mode="replicate")
    )


# --- hand-computed values: 2-D ----------------------------------------------------------


def test_course_matrix_top_left_window_is_6():
    # 0*1 + 5*(-2) + 0*3 + 1*4 + 6*(-5) + 0*6 + 2*(-7) + 7*8 + 0*(-9) = 6
    out = conv2d(COURSE_MATRIX, COURSE_KERNEL)
    assert out[0, 0] == 6
    # Window at row 0, column 1: 5*1 + 6*4 + 7*(-7) = -20 (the other columns are 0).
    # Window at row 1, column 0: (1 - 12) + (8 - 35) + (-21 + 64) = 5.
    np.testing.assert_array_equal(
        out, [[6, -20, 12, 10, -15], [5, -22, 12, 9, -14], [4, -24, 12, 8, -13]]
    )
    np.testing.assert_array_equal(
        out, scipy.signal.correlate2d(COURSE_MATRIX, COURSE_KERNEL, "valid")
    )


def test_course_matrix_padding_1_stride_2_is_3x4():
    assert shapes.conv_output_hw(COURSE_MATRIX.shape, 3, strides=2, padding=1) == (3, 4)
    out = conv2d(COURSE_MATRIX, COURSE_KERNEL, strides=2, padding=1)
    assert out.shape == (3, 4)
    # (0, 0): zero row, then [0, 0, 5]·[4, -5, 6] = 30 and [0, 1, 6]·[-7, 8, -9] = -46: -16.
    # (2, 0): [0, 3, 8]·[1, -2, 3] = 18 and [0, 4, 9]·[4, -5, 6] = 34, then a zero row: 52.
    # (1, 3): [3, 0, 0]·[1, -2, 3] + [2, 0, 0]·[4, -5, 6] + [1, 0, 0]·[-7, 8, -9] = 4.
    np.testing.assert_array_equal(out, [[-16, -22, 16, -5], [0, -22, 9, 4], [52, 44, -34, 1]])
    # The same with explicit padding, and as the layer of one filter it is.
    np.testing.assert_array_equal(
        conv2d(COURSE_MATRIX, COURSE_KERNEL, strides=2, padding=((1, 1), (1, 1))), out
    )
    np.testing.assert_array_equal(
        conv2d(COURSE_MATRIX, COURSE_KERNEL[..., None, None], strides=2, padding=1)[..., 0], out
    )


def test_strides_and_dilation_on_arange():
    x = np.arange(16).reshape(4, 4)  # x[i, j] = 4i + j
    ones = np.ones((2, 2))
    # A 2x2 sum: 4(4i + j) + 1 + 4 + 5 = 16i + 4j + 10.
    np.testing.assert_array_equal(conv2d(x, ones), [[10, 14, 18], [26, 30, 34], [42, 46, 50]])
    np.testing.assert_array_equal(conv2d(x, ones, strides=2), [[10, 18], [42, 50]])
    np.testing.assert_array_equal(conv2d(x, ones, strides=(1, 2)), [[10, 18], [26, 34], [42, 50]])
    # Dilation 2: x[i, j] + x[i, j+2] + x[i+2, j] + x[i+2, j+2] = 16i + 4j + 20.
    np.testing.assert_array_equal(conv2d(x, ones, dilation_rate=2), [[20, 24], [36, 40]])
    # Dilation (1, 3): x[i, 0] + x[i, 3] + x[i+1, 0] + x[i+1, 3] = 16i + 14.
    np.testing.assert_array_equal(conv2d(x, ones, dilation_rate=(1, 3)), [[14], [30], [46]])
    # Strides and dilation together (Keras refuses this; the maths does not): on 5x5,
    # y[a, b] = x[r, c] + x[r, c+2] + x[r+2, c] + x[r+2, c+2] = 20r + 4c + 24 at r, c = 2a, 2b.
    x5 = np.arange(25).reshape(5, 5)
    np.testing.assert_array_equal(
        conv2d(x5, ones, strides=2, dilation_rate=2), [[24, 32], [64, 72]]
    )
    # x[i, j] - x[i+1, j+1] = -5 everywhere.
    np.testing.assert_array_equal(conv2d(x, [[1, 0], [0, -1]]), np.full((3, 3), -5))


def test_same_and_full_padding_on_arange():
    x = np.arange(1, 5).reshape(2, 2)  # [[1, 2], [3, 4]]
    # "same" with a 2x2 kernel pads (0, 1) on each axis: the extra cell after.
    np.testing.assert_array_equal(conv2d(x, np.ones((2, 2)), padding="same"), [[10, 6], [7, 4]])
    # "full": every position where the kernel overlaps the image.
    np.testing.assert_array_equal(
        conv2d(x, np.ones((2, 2)), padding="full"), [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    )


def test_pad_modes_in_conv2d():
    x = np.arange(6).reshape(2, 3)
    box = np.ones((3, 3))
    # Top-left window of the reflect-padded image [[4, 3, 4], [1, 0, 1], [4, 3, 4]].
    assert conv2d(x, box, padding="same", pad_mode="reflect")[0, 0] == 24
    # ... of the circular one [[5, 3, 4], [2, 0, 1], [5, 3, 4]].
    assert conv2d(x, box, padding="same", pad_mode="circular")[0, 0] == 27
    # ... of the symmetric and replicate ones, [[0, 0, 1], [0, 0, 1], [3, 3, 4]].
    assert conv2d(x, box, padding="same", pad_mode="symmetric")[0, 0] == 12
    assert conv2d(x, box, padding="same", pad_mode="replicate")[0, 0] == 12
    assert conv2d(x, box, padding="same")[0, 0] == 0 + 1 + 3 + 4
    # Without padding the mode changes nothing.
    for mode in PAD_MODES:
        np.testing.assert_array_equal(conv2d(x, box[:2], pad_mode=mode), conv2d(x, box[:2]))


def test_flip_of_an_impulse():
    impulse = np.zeros((3, 3))
    impulse[1, 1] = 1
    k = np.array([[1, 2], [3, 4]])
    # Cross-correlation of an impulse gives the kernel upside down; convolution gives it back.
    np.testing.assert_array_equal(conv2d(impulse, k), [[4, 3], [2, 1]])
    np.testing.assert_array_equal(conv2d(impulse, k, flip=True), [[1, 2], [3, 4]])
    k3 = np.arange(9).reshape(3, 3)
    np.testing.assert_array_equal(conv2d(impulse, k3, padding="same"), k3[::-1, ::-1])
    np.testing.assert_array_equal(conv2d(impulse, k3, padding="same", flip=True), k3)
    # Flipping a layer's kernel flips its rows and columns only, not channels or filters.
    bank = np.arange(2 * 2 * 1 * 2).reshape(2, 2, 1, 2)
    np.testing.assert_array_equal(
        conv2d(impulse, bank, flip=True), conv2d(impulse, bank[::-1, ::-1])
    )
    np.testing.assert_array_equal(conv2d(impulse, bank, flip=True)[..., 1], bank[..., 0, 1])


def test_bias_and_activations_by_hand():
    x = np.arange(9).reshape(3, 3) - 4.0  # -4 .. 4
    pre = x - 0.5  # -4.5 .. 3.5
    one = np.ones((1, 1))
    np.testing.assert_array_equal(conv2d(x, one, bias=-0.5), pre)
    np.testing.assert_array_equal(conv2d(x, one, bias=-0.5, activation="relu"), np.maximum(pre, 0))
    np.testing.assert_array_equal(conv2d(x, one, bias=-0.5, activation="linear"), pre)
    leaky = conv2d(x, one, bias=-0.5, activation="leaky_relu")
    assert leaky[0, 0] == pytest.approx(-0.9)  # 0.2 * -4.5
    assert leaky[2, 2] == 3.5
    np.testing.assert_allclose(
        conv2d(x, one, bias=-0.5, activation="sigmoid"), 1 / (1 + np.exp(-pre)), rtol=1e-12
    )
    np.testing.assert_allclose(
        conv2d(x, one, bias=-0.5, activation="tanh"), np.tanh(pre), rtol=1e-12
    )
    assert conv2d([[0.0]], one, activation="sigmoid")[0, 0] == 0.5


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "leaky_relu", "linear"])
def test_activations_match_keras(name):
    z = np.linspace(-6, 6, 49)
    np.testing.assert_allclose(
        activate(z, name), np.asarray(keras.activations.get(name)(z)), rtol=1e-6, atol=1e-7
    )


def test_leaky_relu_slope_is_keras_default():
    default = inspect.signature(keras.activations.leaky_relu).parameters["negative_slope"].default
    assert LEAKY_RELU_SLOPE == default == 0.2
    np.testing.assert_array_equal(activate(np.array([-2.0, 0.0, 3.0]), "leaky_relu"), [-0.4, 0, 3])


def test_sigmoid_is_stable_for_large_inputs():
    # filterwarnings=error: an overflow in exp would fail this test.
    np.testing.assert_array_equal(activate(np.array([-1000.0, 1000.0]), "sigmoid"), [0.0, 1.0])
    assert activate(np.array([1.0]), None)[0] == 1.0


def test_the_three_kernel_ranks():
    ch0 = np.arange(6).reshape(2, 3)
    x = np.stack([ch0, np.full((2, 3), 10)], axis=-1)  # (2, 3, 2)
    diff = np.array([[1, -1]])
    # (kh, kw): the same kernel on each channel, like cv2.filter2D.
    out = conv2d(x, diff)
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[..., 0], np.full((2, 2), -1))  # x[i, j] - x[i, j+1]
    np.testing.assert_array_equal(out[..., 1], np.zeros((2, 2)))
    np.testing.assert_array_equal(
        out, cv2.filter2D(x.astype(np.float64), -1, diff.astype(np.float64), anchor=(0, 0))[:, :2]
    )
    # (kh, kw, C): one filter summed over channels: -1 + (10 + 10) = 19.
    filt = np.stack([diff, np.array([[1, 1]])], axis=-1)  # (1, 2, 2)
    np.testing.assert_array_equal(conv2d(x, filt), np.full((2, 2), 19))
    # (kh, kw, C, F): a layer's bank; the second filter keeps channel 0's left cell.
    second = np.stack([np.array([[1, 0]]), np.array([[0, 0]])], axis=-1)
    bank = np.stack([filt, second], axis=-1)  # (1, 2, 2, 2)
    out = conv2d(x, bank, bias=[1, -1])
    assert out.shape == (2, 2, 2)
    np.testing.assert_array_equal(out[..., 0], np.full((2, 2), 20))
    np.testing.assert_array_equal(out[..., 1], [[-1, 0], [2, 3]])
    # A grayscale image takes all three forms too.
    gray = np.arange(9).reshape(3, 3)
    assert conv2d(gray, np.ones((2, 2))).shape == (2, 2)
    assert conv2d(gray, np.ones((2, 2, 1))).shape == (2, 2)
    assert conv2d(gray, np.ones((2, 2, 1, 4))).shape == (2, 2, 4)
    np.testing.assert_array_equal(conv2d(gray, np.ones((2, 2, 1, 4)))[..., 3], [[8, 12], [20, 24]])


def test_inputs_are_not_modified():
    x = np.arange(12.0).reshape(3, 4)
    k = np.array([[1.0, 2.0], [3.0, 4.0]])
    x0, k0 = x.copy(), k.copy()
    conv2d(x, k, flip=True, padding="same", pad_mode="reflect", bias=1.0, activation="relu")
    conv2d_transpose(x, k, strides=2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)


# --- hand-computed values: transposed convolution ---------------------------------------


def test_conv2d_transpose_by_hand():
    x = np.array([[1, 2], [3, 4]])
    k = np.array([[1, 2], [3, 4]])
    # Each input cell adds the kernel times itself at its position (stride 1):
    # (1, 1) gets x00*k11 + x01*k10 + x10*k01 + x11*k00 = 4 + 6 + 6 + 4 = 20.
    np.testing.assert_array_equal(conv2d_transpose(x, k), [[1, 4, 4], [6, 20, 16], [9, 24, 16]])
    np.testing.assert_array_equal(conv2d_transpose(x, k), scipy.signal.convolve2d(x, k))
    # Stride 2 with a 2x2 kernel: the scaled kernels tile without overlapping.
    np.testing.assert_array_equal(
        conv2d_transpose(x, k, strides=2),
        [[1, 2, 2, 4], [3, 4, 6, 8], [3, 6, 4, 8], [9, 12, 12, 16]],
    )


def test_conv2d_transpose_strides_and_same_crop_by_hand():
    row = np.array([[1, 2]])
    # 3x3 ones at stride 2: the two copies overlap in column 2 (1 + 2).
    valid = conv2d_transpose(row, np.ones((3, 3)), strides=2)
    np.testing.assert_array_equal(valid, [[1, 1, 3, 2, 2]] * 3)
    # "same" keeps H*s x W*s = 2x4, cropping floor((3 - 2)/2) = 0 cells from the top/left.
    np.testing.assert_array_equal(
        conv2d_transpose(row, np.ones((3, 3)), strides=2, padding="same"), [[1, 1, 3, 2]] * 2
    )
    # A kernel shorter than the stride leaves zeros between the copies: 1*3 + max(2 - 3, 0) = 3.
    np.testing.assert_array_equal(
        conv2d_transpose(row, np.ones((2, 2)), strides=3),
        [[1, 1, 0, 2, 2, 0], [1, 1, 0, 2, 2, 0], [0, 0, 0, 0, 0, 0]],
    )
    # A 4x4 kernel, stride 2, "same", on one cell: crop (4 - 2) // 2 = 1 from the top/left.
    k = np.arange(16).reshape(4, 4)
    np.testing.assert_array_equal(
        conv2d_transpose([[1]], k, strides=2, padding="same"), [[5, 6], [9, 10]]
    )


def test_conv2d_transpose_channels_filters_and_bias():
    x = np.array([[[1, 10]]])  # (1, 1, 2)
    # Keras layout (kh, kw, filters, C_in): filter f gets sum over c of x[c] * k[0, 0, f, c].
    k = np.array([[[[1, 0], [0, 1], [2, 3]]]])  # (1, 1, 3, 2)
    out = conv2d_transpose(x, k, bias=[0.5, 0, -1])
    assert out.shape == (1, 1, 3)
    np.testing.assert_array_equal(out[0, 0], [1.5, 10, 31])


# --- errors a student can act on --------------------------------------------------------

ONES_4X4 = np.ones((4, 4))
ONES_3X3 = np.ones((3, 3))

ERROR_CASES = [
    (
        "NaN and inf in kernel",
        lambda: conv2d(ONES_4X4, [[np.nan, 1, np.inf], [0, 0, 0]]),
        "error.not_finite",
        ["2", "6"],
    ),
    (
        "inf in image",
        lambda: conv2d([[1, np.inf, 3], [-np.inf, 5, 6], [7, 8, 9]], ONES_3X3),
        "error.not_finite",
        ["2", "9"],
    ),
    ("NaN in bias", lambda: conv2d(ONES_4X4, ONES_3X3, bias=np.nan), "error.not_finite", ["1"]),
    (
        "kernel larger than the image",
        lambda: conv2d(np.ones((4, 6)), np.ones((7, 2))),
        "error.output_empty",
        ["4", "7"],
    ),
    (
        "kernel larger than the padded image",
        lambda: conv2d(np.ones((4, 6)), np.ones((7, 2)), padding=1),
        "error.output_empty",
        ["4", "7", "2"],
    ),
    (
        "dilated kernel larger than the image",
        lambda: conv2d(ONES_4X4, ONES_3X3, dilation_rate=2),
        "error.output_empty",
        ["4", "5", "2"],
    ),
    ("stride 0", lambda: conv2d(ONES_4X4, ONES_3X3, strides=0), "error.stride_below_one", ["0"]),
    (
        "stride (1, -2)",
        lambda: conv2d(ONES_4X4, ONES_3X3, strides=(1, -2)),
        "error.stride_below_one",
        ["-2"],
    ),
    (
        "stride 1.5",
        lambda: conv2d(ONES_4X4, ONES_3X3, strides=1.5),
        "error.not_int_or_pair",
        ["1.5"],
    ),
    ("dilation 0", lambda: conv2d(ONES_4X4, ONES_3X3, dilation_rate=0), "error.below_one", ["0"]),
    ("1-D image", lambda: conv2d(np.arange(5), [[1]]), "error.image_rank", ["(5,)", "1"]),
    (
        "4-D image",
        lambda: conv2d(np.ones((1, 4, 4, 1)), [[1]]),
        "error.image_rank",
        ["(1, 4, 4, 1)", "4"],
    ),
    (
        "5-D kernel",
        lambda: conv2d(ONES_4X4, np.ones((1, 1, 1, 1, 1))),
        "error.kernel_rank",
        ["(1, 1, 1, 1, 1)", "5"],
    ),
    ("1-D kernel", lambda: conv2d(ONES_4X4, [1, 2, 3]), "error.kernel_rank", ["(3,)", "1"]),
    (
        "channel mismatch",
        lambda: conv2d(np.ones((4, 4, 3)), np.ones((3, 3, 2))),
        "error.channel_mismatch",
        ["3", "2"],
    ),
    (
        "channel mismatch in a bank",
        lambda: conv2d(ONES_4X4, np.ones((3, 3, 5, 2))),
        "error.channel_mismatch",
        ["1", "5"],
    ),
    (
        "unknown padding",
        lambda: conv2d(ONES_4X4, ONES_3X3, padding="sme"),
        "error.unknown_padding",
        ["'sme'"],
    ),
    (
        "padding with a short pair",
        lambda: conv2d(ONES_4X4, ONES_3X3, padding=((1, 1), (1,))),
        "error.unknown_padding",
        ["(1,)"],
    ),
    (
        "negative padding",
        lambda: conv2d(ONES_4X4, ONES_3X3, padding=-1),
        "error.negative_padding",
        ["-1"],
    ),
    (
        "negative explicit padding",
        lambda: conv2d(ONES_4X4, ONES_3X3, padding=((0, 0), (2, -3))),
        "error.negative_padding",
        ["(2, -3)"],
    ),
    (
        "unknown pad mode",
        lambda: conv2d(ONES_4X4, ONES_3X3, padding=1, pad_mode="mirror"),
        "error.unknown_pad_mode",
        ["'mirror'", "zeros", "reflect", "symmetric", "replicate", "circular"],
    ),
    (
        "unknown activation",
        lambda: conv2d(ONES_4X4, ONES_3X3, activation="softmax"),
        "error.unknown_activation",
        ["'softmax'", "relu", "sigmoid", "tanh", "leaky_relu"],
    ),
    (
        "bias of the wrong length",
        lambda: conv2d(ONES_4X4, np.ones((3, 3, 1, 3)), bias=[1, 2]),
        "error.bias_shape",
        ["2", "3"],
    ),
    (
        "bias per channel for a 2-D kernel",
        lambda: conv2d(np.ones((4, 4, 3)), ONES_3X3, bias=[1, 2, 3]),
        "error.bias_shape",
        ["3", "1"],
    ),
    ("empty image", lambda: conv2d(np.zeros((0, 3)), [[1]]), "error.empty_array", ["(0, 3)"]),
    ("empty kernel", lambda: conv2d(ONES_4X4, []), "error.empty_array", ["(0,)"]),
    (
        "empty kernel rows",
        lambda: conv2d(ONES_4X4, np.zeros((3, 0))),
        "error.empty_array",
        ["(3, 0)"],
    ),
    (
        "a word in the kernel",
        lambda: conv2d(ONES_4X4, [["1", "x"], ["2", "3"]]),
        "error.not_numeric",
        ["'x'"],
    ),
    (
        "a decimal comma in the kernel",
        lambda: conv2d(ONES_4X4, [["1", "0,5"]]),
        "error.not_numeric",
        ["'0,5'"],
    ),
    (
        "ragged kernel rows",
        lambda: conv2d(ONES_4X4, [[1, 2], [3]]),
        "error.not_numeric",
        ["[1, 2]"],
    ),
    ("complex kernel", lambda: conv2d(ONES_4X4, [[1 + 2j]]), "error.not_numeric", ["(1+2j)"]),
    (
        "2-D signal",
        lambda: conv1d(np.ones((2, 3)), [1, 1]),
        "error.not_1d",
        ["(2, 3)"],
    ),
    ("2-D 1-D kernel", lambda: conv1d([1, 2, 3], [[1, 1]]), "error.not_1d", ["(1, 2)"]),
    ("conv1d stride 0", lambda: conv1d([1, 2, 3], [1], strides=0), "error.stride_below_one", ["0"]),
    (
        "conv1d kernel too long",
        lambda: conv1d([1, 2, 3], [1, 1, 1, 1]),
        "error.output_empty",
        ["3", "4"],
    ),
    (
        "transpose padding full",
        lambda: conv2d_transpose(ONES_3X3, ONES_3X3, padding="full"),
        "error.unknown_transpose_padding",
        ["'full'"],
    ),
    (
        "transpose 3-D kernel",
        lambda: conv2d_transpose(ONES_3X3, np.ones((2, 2, 1))),
        "error.kernel_rank",
        ["(2, 2, 1)", "3"],
    ),
    (
        "transpose channel mismatch",
        lambda: conv2d_transpose(np.ones((2, 2, 3)), np.ones((2, 2, 1, 2))),
        "error.channel_mismatch",
        ["3", "2"],
    ),
    (
        "transpose stride 0",
        lambda: conv2d_transpose(ONES_3X3, ONES_3X3, strides=(2, 0)),
        "error.stride_below_one",
        ["0"],
    ),
    (
        "transpose NaN",
        lambda: conv2d_transpose(ONES_3X3, [[np.nan]]),
        "error.not_finite",
        ["1"],
    ),
]


@pytest.mark.parametrize(
    ("call", "key", "quoted"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_invalid_input_raises_an_actionable_error(call, key, quoted):
    with pytest.raises(InputError) as info:
        call()
    assert_actionable(info.value, key, *quoted)


def test_errors_name_what_was_wrong():
    cases = [
        (lambda: conv2d(ONES_4X4, [[np.nan]]), "kernel"),
        (lambda: conv2d([[np.nan]], ONES_3X3), "image"),
        (lambda: conv2d(ONES_4X4, [[1]], bias=[]), "bias"),
        (lambda: conv1d([], [1]), "signal"),
        (lambda: conv2d(ONES_4X4, ONES_3X3, strides=0), "strides"),
        (lambda: conv2d(ONES_4X4, ONES_3X3, dilation_rate=(1, 0)), "dilation_rate"),
    ]
    for call, name in cases:
        with pytest.raises(InputError) as info:
            call()
        assert info.value.fields["name"] == name
    with pytest.raises(InputError) as info:
        conv2d(ONES_4X4, [[np.nan, 1, np.inf], [0, 0, 0]])
    assert (info.value.fields["count"], info.value.fields["size"]) == (2, 6)


class _NumPyWithoutWork:
    """NumPy as cnnviz.core.conv sees it, except that padding or allocating a result fails."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def pad(*args, **kwargs):
        raise AssertionError("padded before validating")

    @staticmethod
    def zeros(*args, **kwargs):
        raise AssertionError("computed before validating")


@pytest.mark.parametrize(
    ("call", "key"),
    [
        (lambda: conv2d(ONES_4X4, ONES_3X3, activation="softmax"), "error.unknown_activation"),
        (lambda: conv2d(ONES_4X4, np.ones((3, 3, 2))), "error.channel_mismatch"),
        (
            lambda: conv2d(ONES_4X4, ONES_3X3, padding=1, pad_mode="mirror"),
            "error.unknown_pad_mode",
        ),
        (lambda: conv2d(ONES_4X4, ONES_3X3, padding=1, bias=[1, 2]), "error.bias_shape"),
        (lambda: conv2d(ONES_4X4, np.ones((3, 3, 1, 2)), bias=[1, 2, 3]), "error.bias_shape"),
        (lambda: conv2d(ONES_4X4, ONES_3X3, bias=[np.nan]), "error.not_finite"),
        (lambda: conv2d_transpose(ONES_3X3, ONES_3X3, bias=[1, 2]), "error.bias_shape"),
        (
            lambda: conv2d_transpose(ONES_3X3, ONES_3X3, padding="full"),
            "error.unknown_transpose_padding",
        ),
    ],
)
def test_validation_happens_before_any_work(monkeypatch, call, key):
    # A student's mistake is reported before the image is padded or a result allocated.
    monkeypatch.setattr(conv_module, "np", _NumPyWithoutWork())
    with pytest.raises(InputError) as info:
        call()
    assert info.value.key == key


# --- property tests: against TensorFlow / Keras -----------------------------------------

sizes = st.integers(1, 12)
channels = st.integers(1, 3)
kernel_sizes = st.tuples(st.integers(1, 5), st.integers(1, 5))
step_pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))
cells = st.integers(0, 3)
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    cells,
    st.tuples(cells, cells),  # (rows, cols) on each side
    st.tuples(st.tuples(cells, cells), st.tuples(cells, cells)),  # ((top, bottom), (left, right))
)
seeds = st.integers(0, 2**32 - 1)
activations = st.sampled_from([None, "relu", "sigmoid", "tanh", "leaky_relu"])


def float32(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape).astype(np.float32)


def small_ints(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Integers in -9..9 as float64: every sum of products is exact."""
    return rng.integers(-9, 10, size=shape).astype(np.float64)


def output_is_empty(input_hw, kernel, pads, dilation) -> bool:
    return any(
        n + before + after < d * (k - 1) + 1
        for n, (before, after), k, d in zip(input_hw, pads, kernel, dilation, strict=True)
    )


def keras_output(layer_class, x: np.ndarray, weights: list[np.ndarray], **kwargs) -> np.ndarray:
    """Build a Keras layer for one image, set its weights and run it."""
    layer = layer_class(**kwargs)
    layer.build((1, *x.shape))
    layer.set_weights(weights)
    return np.asarray(layer(x[None]))[0]


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=channels,
    f=channels,
    kernel=kernel_sizes,
    strides=step_pairs,
    dilation=step_pairs,
    padding=paddings,
    pad_mode=st.sampled_from(PAD_MODES),
    flip=st.booleans(),
    seed=seeds,
)
def test_conv2d_matches_tf_nn_conv2d(
    h, w, c, f, kernel, strides, dilation, padding, pad_mode, flip, seed
):
    rng = np.random.default_rng(seed)
    x, k = float32(rng, (h, w, c)), float32(rng, (*kernel, c, f))
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    pads = shapes.padding_amounts_2d((h, w), kernel, **kwargs)
    try:
        ours = conv2d(x, k, pad_mode=pad_mode, flip=flip, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        assert output_is_empty((h, w), kernel, pads, dilation)
        return
    if pad_mode != "zeros":
        # TensorFlow pads with zeros only: pad with OpenCV's border of the same name first.
        (top, bottom), (left, right) = pads
        x = cv2.copyMakeBorder(x, top, bottom, left, right, CV2_BORDERS[pad_mode])
        x, tf_padding = x.reshape(h + top + bottom, w + left + right, c), "VALID"
    elif padding in ("valid", "same"):
        tf_padding = padding.upper()
    else:
        tf_padding = [[0, 0], *pads, [0, 0]]
    theirs = tf.nn.conv2d(
        x[None],
        k[::-1, ::-1] if flip else k,  # TensorFlow cross-correlates
        strides=[1, *strides, 1],
        padding=tf_padding,
        dilations=[1, *dilation, 1],
    ).numpy()[0]
    assert ours.shape == theirs.shape == (*shapes.conv_output_hw((h, w), kernel, **kwargs), f)
    np.testing.assert_allclose(ours, theirs, **TF_TOLERANCE)


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=channels,
    f=channels,
    kernel=kernel_sizes,
    steps=keras_steps,
    padding=st.sampled_from(["valid", "same"]),
    activation=activations,
    use_bias=st.booleans(),
    seed=seeds,
)
def test_conv2d_matches_keras_conv2d(
    h, w, c, f, kernel, steps, padding, activation, use_bias, seed
):
    strides, dilation = steps
    rng = np.random.default_rng(seed)
    x, k, b = float32(rng, (h, w, c)), float32(rng, (*kernel, c, f)), float32(rng, (f,))
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    bias = b if use_bias else 0.0
    try:
        ours = conv2d(x, k, bias=bias, activation=activation, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        assert padding == "valid"
        return
    theirs = keras_output(
        keras.layers.Conv2D,
        x,
        [k, b] if use_bias else [k],
        filters=f,
        kernel_size=kernel,
        activation=activation,
        use_bias=use_bias,
        **kwargs,
    )
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TF_TOLERANCE)


@PROPERTY
@given(
    h=st.integers(1, 8),
    w=st.integers(1, 8),
    c=channels,
    f=channels,
    kernel=kernel_sizes,
    strides=step_pairs,
    padding=st.sampled_from(["valid", "same"]),
    seed=seeds,
)
def test_conv2d_transpose_matches_keras(h, w, c, f, kernel, strides, padding, seed):
    rng = np.random.default_rng(seed)
    x, k, b = float32(rng, (h, w, c)), float32(rng, (*kernel, f, c)), float32(rng, (f,))
    ours = conv2d_transpose(x, k, strides=strides, padding=padding, bias=b)
    theirs = keras_output(
        keras.layers.Conv2DTranspose,
        x,
        [k, b],
        filters=f,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
    )
    assert ours.shape == theirs.shape
    expected_hw = tuple(
        shapes.conv_transpose_output_length(n, kernel[i], strides=strides[i], padding=padding)
        for i, n in enumerate((h, w))
    )
    assert ours.shape == (*expected_hw, f)
    np.testing.assert_allclose(ours, theirs, **TF_TOLERANCE)
    # A 2-D image with a 2-D kernel is the one-channel, one-filter case.
    np.testing.assert_array_equal(
        conv2d_transpose(x[..., 0], k[:, :, 0, 0], strides=strides, padding=padding),
        conv2d_transpose(x[..., :1], k[:, :, :1, :1], strides=strides, padding=padding)[..., 0],
    )


# --- property tests: 1-D against NumPy, SciPy and TensorFlow ----------------------------


@st.composite
def signal_and_kernel(draw, *, odd: bool | None = None, at_least_kernel: bool = False):
    """Integer-valued float64 signal and kernel (exact sums)."""
    k = draw(st.integers(1, 5) if odd is None else st.sampled_from([1, 3, 5] if odd else [2, 4]))
    n = draw(st.integers(k if at_least_kernel else 1, 12))
    rng = np.random.default_rng(draw(seeds))
    return small_ints(rng, (n,)), small_ints(rng, (k,))


@PROPERTY
@given(
    pair=signal_and_kernel(odd=True, at_least_kernel=True),
    mode=st.sampled_from(["valid", "same", "full"]),
)
def test_conv1d_flip_is_np_convolve_for_odd_kernels(pair, mode):
    signal, kernel = pair
    np.testing.assert_array_equal(
        conv1d(signal, kernel, padding=mode, flip=True), np.convolve(signal, kernel, mode)
    )


@PROPERTY
@given(
    pair=signal_and_kernel(odd=True, at_least_kernel=True),
    mode=st.sampled_from(["valid", "same", "full"]),
)
def test_conv1d_is_scipy_correlate_for_odd_kernels(pair, mode):
    signal, kernel = pair
    np.testing.assert_array_equal(
        conv1d(signal, kernel, padding=mode),
        scipy.signal.correlate(signal, kernel, mode=mode, method="direct"),
    )


@PROPERTY
@given(pair=signal_and_kernel(odd=False, at_least_kernel=True))
def test_conv1d_even_kernel_same_is_tensorflow_shifted_from_numpy(pair):
    # For an even kernel TensorFlow's "same" puts the extra padding cell at the end. After
    # flipping, our result is full[k//2 : k//2 + n]; np.convolve's "same" is
    # full[(k-1)//2 : (k-1)//2 + n], one cell earlier. Ours is checked against TensorFlow.
    signal, kernel = pair
    n, k = signal.size, kernel.size
    full = np.convolve(signal, kernel, "full")
    ours = conv1d(signal, kernel, padding="same", flip=True)
    np.testing.assert_array_equal(ours, full[k // 2 : k // 2 + n])
    np.testing.assert_array_equal(
        np.convolve(signal, kernel, "same"), full[(k - 1) // 2 : (k - 1) // 2 + n]
    )
    theirs = tf.nn.conv1d(
        signal[None, :, None].astype(np.float32),
        kernel[::-1, None, None].astype(np.float32),  # TensorFlow cross-correlates
        stride=1,
        padding="SAME",
    ).numpy()[0, :, 0]
    np.testing.assert_allclose(ours, theirs, **TF_TOLERANCE)


@PROPERTY
@given(
    n=sizes,
    k=st.integers(1, 5),
    strides=st.integers(1, 3),
    dilation=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same", "full"]) | cells | st.tuples(cells, cells),
    flip=st.booleans(),
    seed=seeds,
)
def test_conv1d_matches_tf_nn_conv1d(n, k, strides, dilation, padding, flip, seed):
    rng = np.random.default_rng(seed)
    signal, kernel = float32(rng, (n,)), float32(rng, (k,))
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    pads = shapes.padding_amounts(n, k, **kwargs)
    try:
        ours = conv1d(signal, kernel, flip=flip, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        assert n + sum(pads) < dilation * (k - 1) + 1
        return
    if padding in ("valid", "same"):
        x, tf_padding = signal, padding.upper()
    else:
        x, tf_padding = np.pad(signal, pads), "VALID"
    theirs = tf.nn.conv1d(
        x[None, :, None],
        (kernel[::-1] if flip else kernel)[:, None, None],
        stride=strides,
        padding=tf_padding,
        dilations=dilation,
    ).numpy()[0, :, 0]
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, **TF_TOLERANCE)


# --- property tests: 2-D against OpenCV and SciPy ---------------------------------------

odd_sizes = st.sampled_from([1, 3, 5])


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=st.sampled_from([None, 1, 2, 3]),
    kernel=st.tuples(odd_sizes, odd_sizes),
    pad_mode=st.sampled_from(PAD_MODES),
    seed=seeds,
)
def test_per_channel_kernel_matches_cv2_filter2d(h, w, c, kernel, pad_mode, seed):
    rng = np.random.default_rng(seed)
    x = small_ints(rng, (h, w) if c is None else (h, w, c))
    k = small_ints(rng, kernel)
    ours = conv2d(x, k, padding="same", pad_mode=pad_mode)
    if pad_mode == "circular":
        # filter2D refuses BORDER_WRAP (an assertion in OpenCV 5): pad first, then filter.
        top, left = kernel[0] // 2, kernel[1] // 2
        padded = cv2.copyMakeBorder(x, top, top, left, left, cv2.BORDER_WRAP)
        theirs = cv2.filter2D(padded, -1, k, borderType=cv2.BORDER_CONSTANT)
        theirs = theirs[top : top + h, left : left + w]
    else:
        theirs = cv2.filter2D(x, -1, k, borderType=CV2_BORDERS[pad_mode])  # anchor: the centre
    assert ours.shape == x.shape
    np.testing.assert_array_equal(ours, theirs.reshape(x.shape))


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    pads=st.tuples(*[st.integers(0, 15)] * 4),
    pad_mode=st.sampled_from(PAD_MODES),
    seed=seeds,
)
def test_pad2d_matches_cv2_copy_make_border(h, w, pads, pad_mode, seed):
    # Pads up to 15 cells on a 1..12 image: wider than the image, so mirrors repeat.
    x = small_ints(np.random.default_rng(seed), (h, w))
    top, bottom, left, right = pads
    ours = pad2d(x, ((top, bottom), (left, right)), pad_mode=pad_mode)
    theirs = cv2.copyMakeBorder(x, top, bottom, left, right, CV2_BORDERS[pad_mode])
    np.testing.assert_array_equal(ours, theirs)


@st.composite
def image_and_kernel(draw, *, odd: bool = False):
    kernel = draw(st.tuples(odd_sizes, odd_sizes) if odd else kernel_sizes)
    h, w = draw(st.integers(kernel[0], 12)), draw(st.integers(kernel[1], 12))
    rng = np.random.default_rng(draw(seeds))
    return small_ints(rng, (h, w)), small_ints(rng, kernel)


@PROPERTY
@given(pair=image_and_kernel(), mode=st.sampled_from(["valid", "full"]))
def test_conv2d_matches_scipy_correlate2d_and_convolve2d(pair, mode):
    x, k = pair
    np.testing.assert_array_equal(conv2d(x, k, padding=mode), scipy.signal.correlate2d(x, k, mode))
    np.testing.assert_array_equal(
        conv2d(x, k, padding=mode, flip=True), scipy.signal.convolve2d(x, k, mode)
    )


@PROPERTY
@given(pair=image_and_kernel(odd=True))
def test_conv2d_same_matches_scipy_for_odd_kernels(pair):
    x, k = pair
    np.testing.assert_array_equal(
        conv2d(x, k, padding="same"), scipy.signal.correlate2d(x, k, "same")
    )
    np.testing.assert_array_equal(
        conv2d(x, k, padding="same", flip=True), scipy.signal.convolve2d(x, k, "same")
    )


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=channels,
    f=channels,
    kernel=kernel_sizes,
    strides=step_pairs,
    dilation=step_pairs,
    padding=paddings,
    pad_mode=st.sampled_from(PAD_MODES),
    seed=seeds,
)
def test_kernel_ranks_agree(h, w, c, f, kernel, strides, dilation, padding, pad_mode, seed):
    # A bank is F filters side by side; a filter is the sum over channels of per-channel kernels.
    rng = np.random.default_rng(seed)
    x, bank = small_ints(rng, (h, w, c)), small_ints(rng, (*kernel, c, f))
    kwargs = {
        "strides": strides,
        "padding": padding,
        "dilation_rate": dilation,
        "pad_mode": pad_mode,
    }
    try:
        out = conv2d(x, bank, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        return
    for j in range(f):
        np.testing.assert_array_equal(conv2d(x, bank[..., j], **kwargs), out[..., j])
        per_channel = sum(conv2d(x[..., i], bank[:, :, i, j], **kwargs) for i in range(c))
        np.testing.assert_array_equal(per_channel, out[..., j])
    np.testing.assert_array_equal(
        conv2d(x, bank[:, :, 0, 0], **kwargs)[..., 0], conv2d(x[..., 0], bank[:, :, 0, 0], **kwargs)
    )


# --- one spec for conv2d, conv1d and their traces ------------------------------------------


def test_conv_spec_resolves_the_course_example():
    spec = conv_module.conv_spec(
        COURSE_MATRIX, COURSE_KERNEL, strides=2, padding=1, flip=True, bias=0.5
    )
    assert spec.pads == ((1, 1), (1, 1))
    assert spec.output_hw == (3, 4)
    assert spec.padded.shape == (7, 9)
    np.testing.assert_array_equal(spec.padded[1:-1, 1:-1], COURSE_MATRIX)
    np.testing.assert_array_equal(spec.kernel, COURSE_KERNEL[::-1, ::-1])
    assert spec.kernel.flags.c_contiguous
    assert spec.bank.shape == (3, 3, 1, 1)
    np.testing.assert_array_equal(spec.bias, [0.5])
    assert (spec.strides, spec.dilation_rate, spec.activation) == ((2, 2), (1, 1), "linear")


def test_conv_spec_bank_layouts():
    x = np.ones((4, 4, 2))
    assert conv_module.conv_spec(x, np.ones((2, 2))).bank.shape == (2, 2, 1, 1)
    assert conv_module.conv_spec(x, np.ones((2, 2, 2))).bank.shape == (2, 2, 2, 1)
    spec = conv_module.conv_spec(x, np.ones((2, 2, 2, 3)), bias=[1, 2, 3])
    assert spec.bank.shape == (2, 2, 2, 3)
    np.testing.assert_array_equal(spec.bias, [1.0, 2.0, 3.0])


def test_conv_spec_bias_is_never_the_callers_array():
    bias = np.array([1.0, 2.0])
    spec = conv_module.conv_spec(np.ones((3, 3, 1)), np.ones((2, 2, 1, 2)), bias=bias)
    bias[0] = 9.0
    np.testing.assert_array_equal(spec.bias, [1.0, 2.0])


def test_conv_spec_reports_an_empty_output_before_an_unknown_pad_mode():
    with pytest.raises(InputError) as info:
        conv_module.conv_spec(np.ones((2, 2)), np.ones((3, 3)), pad_mode="mirror")
    assert info.value.key == "error.output_empty"
    with pytest.raises(InputError) as info:
        conv_module.conv_spec(np.ones((3, 3)), np.ones((3, 3)), pad_mode="mirror")
    assert info.value.key == "error.unknown_pad_mode"


def test_conv1d_spec_is_a_one_row_conv_spec():
    spec = conv_module.conv1d_spec(COURSE_SIGNAL, COURSE_KERNEL_1D, padding="same", strides=2)
    # TensorFlow's "same" with stride 2: ceil(6 / 2) = 3 outputs, the one padded cell at the end.
    assert spec.pads == ((0, 0), (0, 1))
    assert (spec.strides, spec.output_hw) == ((1, 2), (1, 3))
    np.testing.assert_array_equal(spec.padded, [[1, 2, -5, 4, 2, -1, 0]])
    np.testing.assert_array_equal(conv_module.correlate(spec)[0], [8.0, 11.0, -4.0])


def test_conv1d_spec_quotes_the_signals_own_settings():
    with pytest.raises(InputError) as info:
        conv_module.conv1d_spec([1, 2], [1, 1, 1])
    assert info.value.key == "error.output_empty"
    assert (info.value.fields["n"], info.value.fields["kernel_size"]) == (2, 3)


@PROPERTY
@given(
    h=st.integers(1, 7),
    w=st.integers(1, 7),
    kernel=kernel_sizes,
    strides=step_pairs,
    dilation=step_pairs,
    padding=paddings,
    pad_mode=st.sampled_from(PAD_MODES),
    rank=st.sampled_from([2, 3, 4]),
    flip=st.booleans(),
    activation=st.sampled_from([None, "relu", "tanh"]),
    seed=seeds,
)
def test_correlate_of_the_spec_is_conv2d(
    h, w, kernel, strides, dilation, padding, pad_mode, rank, flip, activation, seed
):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((h, w, 2))
    k = rng.standard_normal((*kernel, 2, 3)[:rank])
    kwargs = {
        "strides": strides,
        "padding": padding,
        "dilation_rate": dilation,
        "pad_mode": pad_mode,
        "flip": flip,
        "activation": activation,
    }
    try:
        spec = conv_module.conv_spec(x, k, **kwargs)
    except InputError as err:
        assert err.key == "error.output_empty"
        return
    out = conv2d(x, k, **kwargs)
    np.testing.assert_array_equal(activate(conv_module.correlate(spec), activation), out)
    assert out.shape[:2] == spec.output_hw
    pads = shapes.padding_amounts_2d(
        (h, w), kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    assert spec.pads == pads
    np.testing.assert_array_equal(spec.padded, pad2d(x, pads, pad_mode=pad_mode))
