"""One layer worked out (core.layer_math), the stack table (core.builder_rows), their formulas."""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core import shapes
from cnnviz.core.architectures import summarize
from cnnviz.core.builder_rows import TABLE_COLUMNS, rows_to_spec, spec_to_rows
from cnnviz.core.layer_math import layer_math
from cnnviz.core.shorthand import parse_shorthand
from cnnviz.i18n import InputError

KERAS = settings(max_examples=20, deadline=None)


def keras_layer(kind: str, input_shape, **kwargs):
    inputs = keras.Input(shape=input_shape)
    layer = getattr(keras.layers, kind)(**kwargs)
    output = layer(inputs)
    return tuple(output.shape[1:]), layer.count_params()


# --- by hand: the course's examples ---------------------------------------------------------


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


# --- against Keras ------------------------------------------------------------------------


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


@given(
    n=st.integers(1, 64),
    kernel=st.integers(1, 9),
    strides=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
    dilation=st.integers(1, 3),
)
def test_transpose_formula_ends_with_the_core_length(n, kernel, strides, padding, dilation):
    out = shapes.conv_transpose_output_length(
        n, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    formula = shapes.conv_transpose_length_formula(
        n, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    assert formula.endswith(f"= {out}")
    assert formula.startswith(f"{n}·{strides}")


@given(
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    c=st.integers(1, 64),
    f=st.integers(1, 64),
    use_bias=st.booleans(),
)
def test_per_filter_formula_agrees_with_conv_params(kh, kw, c, f, use_bias):
    text = shapes.conv_params_per_filter_formula((kh, kw), c, f, use_bias=use_bias)
    total = shapes.conv_params((kh, kw), c, f, use_bias=use_bias)
    assert text.endswith(f"= {total}")
    assert text.startswith(f"({kh}·{kw}·{c}")
    assert total == (kh * kw * c + use_bias) * f


def test_conv_macs_agree_with_summaries():
    for key in ("lenet5", "alexnet", "small_unet"):
        a = ARCHITECTURES[key]
        spec = a.spec()
        summary = summarize(spec, a.input_shape)
        shapes_in = {"input": a.input_shape} | {
            layer.name: layer.output_shape for layer in summary.layers
        }
        for layer, info in zip(spec, summary.layers, strict=True):
            if info.type != "Conv2D":
                continue
            c_in = shapes_in[info.inputs[0]][2]
            assert (
                shapes.conv_macs(
                    info.output_shape[:2], layer["kernel_size"], c_in, layer["filters"]
                )
                == info.macs
            )
    with pytest.raises(InputError):
        shapes.conv_macs((0, 3), 3, 1, 1)


# --- the stack table -------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["lenet5", "alexnet", "vgg16", "vgg19"])
def test_chains_round_trip_through_the_table(key):
    a = ARCHITECTURES[key]
    spec = a.spec()
    rows = spec_to_rows(spec)
    assert all(set(row) == set(TABLE_COLUMNS) for row in rows)
    again = summarize(rows_to_spec(rows), a.input_shape)
    original = summarize(spec, a.input_shape)
    assert again.params == original.params == a.params
    assert [layer.output_shape for layer in again.layers] == [
        layer.output_shape for layer in original.layers
    ]
    assert [layer.name for layer in again.layers] == [layer.name for layer in original.layers]


def test_course_shorthand_through_the_table_and_a_dataframe():
    spec = parse_shorthand("(CR)2P(CR)2P(CR)2PF")
    frame = pd.DataFrame(spec_to_rows(spec), columns=list(TABLE_COLUMNS)).astype(
        {"size": "Int64", "kernel": "Int64", "strides": "Int64", "padding": "string"}
    )
    # An editor's new, empty row is skipped; pandas' NA and NaN read as blanks.
    records = [*frame.to_dict("records"), {"type": None, "size": np.nan}]
    again = rows_to_spec(records)
    assert summarize(again, (32, 32, 3)) == summarize(spec, (32, 32, 3))
    assert summarize(again, (32, 32, 3)).output_shape == (10,)


def test_rows_take_only_their_type_s_fields_and_keras_defaults():
    spec = rows_to_spec(
        [
            {
                "type": "Conv2D",
                "size": 8.0,
                "kernel": np.int64(3),
                "strides": math.nan,
                "padding": " same ",
                "activation": "linear",
                "name": "",
            },
            {"type": "MaxPooling2D", "size": 99, "kernel": None, "activation": "relu"},
            {"type": "Dense", "size": 10, "kernel": 3, "activation": "softmax"},
            {"type": "Activation", "activation": "linear"},
        ]
    )
    assert spec == [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same"},
        {"type": "MaxPooling2D"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
        {"type": "Activation", "activation": "linear"},
    ]


def test_missing_filters_name_the_row():
    with pytest.raises(InputError) as info:
        summarize(rows_to_spec([{"type": "Conv2D", "kernel": 3}]), (8, 8, 1))
    assert info.value.key == "error.arch_missing_field"
    assert "filters" in info.value.message("es") and "conv2d_1" in info.value.message("en")


@pytest.mark.parametrize("key", ["resnet18", "inception_3a", "small_unet"])
def test_graphs_do_not_fit_the_table(key):
    with pytest.raises(InputError) as info:
        spec_to_rows(ARCHITECTURES[key].spec())
    assert info.value.key == "error.arch_no_table"
    assert info.value.message("en") != info.value.message("es")


def test_non_square_sizes_do_not_fit_the_table():
    with pytest.raises(InputError) as info:
        spec_to_rows([{"type": "Conv2D", "filters": 2, "kernel_size": [3, 1], "name": "c"}])
    assert info.value.key == "error.arch_no_table" and "c" in info.value.message("en")
