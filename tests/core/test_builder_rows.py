"""Tests of cnnviz.core.builder_rows: a layer stack as table rows and back."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import summarize
from cnnviz.core.builder_rows import TABLE_COLUMNS, rows_to_spec, spec_to_rows
from cnnviz.core.shorthand import parse_shorthand
from cnnviz.i18n import InputError


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
