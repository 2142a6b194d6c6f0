"""Tests of cnnviz.core.layer_math: one layer worked out, by hand and against Keras."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.core.layer_math import layer_math
from cnnviz.i18n import InputError

KERAS = settings(max_examples=20, deadline=None)


def keras_layer(kind: str, input_shape, **kwargs):
    inputs = keras.Input(shape=input_shape)
    layer = getattr(keras.layers, kind)(**kwargs)
    output = layer(inputs)
    return tuple(output.shape[1:]), layer.count_params()


# --- by hand: the course's examples ----------------------------------------------------


def test_study_guide_layer_has_760_parameters_not_10x5x3():
    # 16x16x3 input, 10 filters of 5x5, padding 2, stride 1 (the study guide's example).
    m = layer_math("Conv2D", (16, 16, 3), filters=10, kernel_size=5, padding=2)
    assert m.output_shape == (16, 16, 10)
    assert m.params == 760 == 10 * (5 * 5 * 3 + 1)
    assert m.weights_formula == "5·5·3 = 75"
    assert m.params_formula == "(5·5·3 + 1)·10 = 760"
    assert m.length_formulas == ("⌊(16 − 5 + 4 + 1) / 1⌋ = 16",) * 2
    assert m.pads == ((2, 2), (2, 2))
    assert m.macs == 16 * 16 * 10 * 5 * 5 * 3
    assert m.macs_formula == "16·16·10·5·5·3 = 192000"


def test_textbook_5x7_example_gives_3x4():
    m = layer_math("Conv2D", (5, 7, 1), filters=1, kernel_size=3, strides=2, padding=1)
    assert m.output_shape == (3, 4, 1)
    assert m.length_formulas == ("⌊(5 − 3 + 2 + 2) / 2⌋ = 3", "⌊(7 − 3 + 2 + 2) / 2⌋ = 4")


def test_full_padding_dilation_pooling_and_transpose_by_hand():
    full = layer_math("Conv2D", (6, 6, 1), kernel_size=3, padding="full")
    assert full.output_shape == (8, 8, 1) and full.pads == ((2, 2), (2, 2))
    dilated = layer_math("Conv2D", (28, 28, 1), filters=4, kernel_size=3, dilation_rate=2)
    assert dilated.output_shape == (24, 24, 4)
    assert dilated.length_formulas[0] == "⌊(28 − (2·(3 − 1) + 1) + 0 + 1) / 1⌋ = 24"
    pool = layer_math("MaxPooling2D", (5, 7, 3), kernel_size=2, strides=None)
    assert (pool.output_shape, pool.params, pool.macs) == ((2, 3, 3), 0, 0)
    assert pool.params_formula is None and pool.weights_formula is None
    same = layer_math("MaxPooling2D", (5, 5, 3), kernel_size=2, strides=2, padding="same")
    assert same.output_shape == (3, 3, 3) and same.pads == ((0, 1), (0, 1))
    up = layer_math("Conv2DTranspose", (4, 4, 8), filters=2, kernel_size=3, strides=2)
    assert up.output_shape == (9, 9, 2) and up.pads is None
    assert up.length_formulas[0] == "4·2 + max(3 − 2, 0) = 9"
    assert up.params == 3 * 3 * 8 * 2 + 2
    assert up.macs == 4 * 4 * 8 * 3 * 3 * 2
    assert up.params_formula == "(3·3·8 + 1)·2 = 146"
    no_bias = layer_math("Conv2D", (8, 8, 3), filters=4, kernel_size=3, use_bias=False)
    assert no_bias.params == 108 and no_bias.params_formula == "(3·3·3)·4 = 108"


@pytest.mark.parametrize(
    ("kind", "kwargs", "key", "quoted"),
    [
        ("Conv2D", {"strides": 0}, "error.stride_below_one", ["0"]),
        ("Conv2D", {"kernel_size": 20}, "error.output_empty", ["20"]),
        ("Conv2D", {"kernel_size": 0}, "error.below_one", ["0"]),
        ("MaxPooling2D", {"padding": "full"}, "error.unknown_pool_padding", ["full"]),
        ("MaxPooling2D", {"padding": 2}, "error.unknown_pool_padding", ["2"]),
        ("MaxPooling2D", {"kernel_size": 17}, "error.pool_output_empty", ["17"]),
        ("Conv2DTranspose", {"padding": 1}, "error.unknown_transpose_padding", ["1"]),
        ("Conv2DTranspose", {"strides": 0}, "error.stride_below_one", ["0"]),
        ("Dense", {}, "error.arch_unknown_type", ["Dense"]),
    ],
)
def test_invalid_settings_raise_translated_errors(kind, kwargs, key, quoted):
    with pytest.raises(InputError) as info:
        layer_math(kind, (16, 16, 3), **{"filters": 4, "kernel_size": 3, **kwargs})
    err = info.value
    assert err.key == key
    english, spanish = err.message("en"), err.message("es")
    assert english != spanish
    for message in (english, spanish):
        assert "{" not in message and "error." not in message
        for value in quoted:
            assert value in message


def test_input_shape_must_be_an_image():
    with pytest.raises(InputError) as info:
        layer_math("Conv2D", (16,), filters=1)
    assert info.value.key == "error.arch_input_shape"


# --- against Keras ---------------------------------------------------------------------


@KERAS
@given(
    kind=st.sampled_from(["Conv2D", "Conv2DTranspose"]),
    rows=st.integers(1, 20),
    cols=st.integers(1, 20),
    channels=st.integers(1, 5),
    filters=st.integers(1, 6),
    kernel=st.integers(1, 5),
    strides=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
    use_bias=st.booleans(),
)
def test_layer_math_equals_keras(
    kind, rows, cols, channels, filters, kernel, strides, padding, use_bias
):
    if kind == "Conv2D" and padding == "valid":
        assume(kernel <= min(rows, cols))
    m = layer_math(
        kind,
        (rows, cols, channels),
        filters=filters,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
    )
    shape, params = keras_layer(
        kind,
        (rows, cols, channels),
        filters=filters,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        use_bias=use_bias,
    )
    assert m.output_shape == shape
    assert m.params == params
    assert m.params_formula.endswith(f"= {params}")
    for formula, n in zip(m.length_formulas, shape[:2], strict=True):
        assert formula.endswith(f"= {n}")


@KERAS
@given(
    rows=st.integers(1, 20),
    cols=st.integers(1, 20),
    pool=st.integers(1, 4),
    strides=st.integers(1, 3),
    padding=st.sampled_from(["valid", "same"]),
)
def test_pooling_math_equals_keras(rows, cols, pool, strides, padding):
    if padding == "valid":
        assume(pool <= min(rows, cols))
    m = layer_math(
        "MaxPooling2D", (rows, cols, 2), kernel_size=pool, strides=strides, padding=padding
    )
    shape, _ = keras_layer(
        "MaxPooling2D", (rows, cols, 2), pool_size=pool, strides=strides, padding=padding
    )
    assert m.output_shape == shape
