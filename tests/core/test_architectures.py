"""Tests of cnnviz.core.architectures: summaries by hand, errors that name the layer and what
to fix, receptive fields, multiply-accumulates against cnnviz.core.shapes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cnnviz.content import gallery
from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core import architectures, builder_rows, layer_math, shapes, shorthand, spec
from cnnviz.core.architectures import LayerError, summarize
from cnnviz.core.spec import INPUT_NAME
from cnnviz.i18n import InputError, catalog
from tests.core.helpers import assert_actionable

# --- hand-computed values --------------------------------------------------------------


def test_summary_of_a_small_stack_by_hand():
    spec = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "name": "c1"},
        {"type": "BatchNormalization", "name": "bn"},
        {"type": "MaxPooling2D", "name": "p"},
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "padding": "same", "name": "c2"},
        {"type": "GlobalAveragePooling2D", "name": "gap"},
        {"type": "Dense", "units": 2, "use_bias": False, "name": "out"},
    ]
    s = summarize(spec, (10, 10, 3))
    assert [layer.output_shape for layer in s.layers] == [
        (8, 8, 8),
        (8, 8, 8),
        (4, 4, 8),
        (4, 4, 4),
        (4,),
        (2,),
    ]
    assert [layer.params for layer in s.layers] == [
        3 * 3 * 3 * 8 + 8,
        32,
        0,
        3 * 3 * 8 * 4 + 4,
        0,
        8,
    ]
    assert s.layer("bn").trainable_params == 16 and s.layer("bn").non_trainable_params == 16
    assert s.params == 224 + 32 + 292 + 8 and s.non_trainable_params == 16
    assert s.layer("c1").macs == 8 * 8 * 8 * 3 * 3 * 3
    assert s.layer("c2").macs == 4 * 4 * 4 * 3 * 3 * 8
    assert s.layer("out").macs == 8
    assert s.macs == 8 * 8 * 8 * 27 + 4 * 4 * 4 * 72 + 8
    assert [layer.receptive_field for layer in s.layers[:4]] == [(3, 1), (3, 1), (4, 2), (8, 2)]
    assert s.layer("p").activation_memory == 128
    assert s.activation_memory == 512 + 512 + 128 + 64 + 4 + 2
    assert s.layers[0].inputs == (INPUT_NAME,) and s.layers[1].inputs == ("c1",)
    assert s.output_shape == (2,) and s.input_shape == (10, 10, 3)
    with pytest.raises(KeyError):
        s.layer("nope")


def test_default_names_and_json_round_trip():
    spec = [{"type": "Conv2D", "filters": 2, "kernel_size": [3, 1]}, {"type": "Flatten"}]
    s = summarize(json.loads(json.dumps(spec)), (5, 5, 1))
    assert [layer.name for layer in s.layers] == ["conv2d_1", "flatten_2"]
    assert s.layers[0].output_shape == (3, 5, 2)


def test_receptive_field_matches_shapes_and_known_values():
    s = summarize(gallery.vgg(16), (224, 224, 3))
    assert s.layer("block5_conv3").receptive_field == (196, 16)
    assert s.layer("block5_pool").receptive_field == (212, 32)
    # Upsampling halves the jump; the U-Net's output is back to one pixel.
    u = summarize(gallery.small_unet(), (64, 64, 1))
    assert u.layer("up2").receptive_field[1] == 2 and u.layer("mask").receptive_field[1] == 1


def test_transposed_convolution_and_upsampling_by_hand():
    spec = [
        {"type": "Conv2DTranspose", "filters": 3, "kernel_size": 3, "strides": 2, "name": "t"},
        {"type": "UpSampling2D", "size": [2, 3], "name": "u"},
        {"type": "ZeroPadding2D", "padding": [[1, 0], [2, 3]], "name": "z"},
    ]
    s = summarize(spec, (4, 4, 2))
    assert s.layer("t").output_shape == (9, 9, 3)
    assert s.layer("t").params == 3 * 3 * 3 * 2 + 3
    assert s.layer("t").macs == 4 * 4 * 2 * 9 * 3
    assert s.layer("u").output_shape == (18, 27, 3)
    assert s.layer("z").output_shape == (19, 32, 3)


def test_numpy_sizes_are_read_as_ints():
    np = pytest.importorskip("numpy")
    s = summarize([{"type": "Flatten", "name": "f"}], np.array([2, 3, 4]).tolist())
    assert s.output_shape == (24,)
    s = summarize([{"type": "Flatten", "name": "f"}], tuple(np.int64(n) for n in (2, 3, 4)))
    assert s.output_shape == (24,) and type(s.input_shape[0]) is int


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


# --- errors ----------------------------------------------------------------------------


def test_collapsing_shape_names_the_layer_in_both_languages():
    spec = [{"type": "Conv2D", "filters": 2, "kernel_size": 7, "name": "big"}]
    with pytest.raises(LayerError) as info:
        summarize(spec, (5, 5, 1))
    assert_actionable(info.value, "error.arch_layer", "big", "Conv2D", "(5, 5, 1)", "7")
    assert info.value.reason.key == "error.output_empty"
    pool = [{"type": "MaxPooling2D", "pool_size": 4, "name": "p"}]
    with pytest.raises(InputError) as info:
        summarize(pool, (3, 3, 1))
    assert_actionable(info.value, "error.arch_layer", "p", "(3, 3, 1)")


def test_merge_mismatch_and_dense_not_flat_and_unknown_type():
    spec = [
        {"type": "Conv2D", "filters": 4, "kernel_size": 3, "name": "a"},
        {
            "type": "Conv2D",
            "filters": 4,
            "kernel_size": 3,
            "padding": "same",
            "name": "b",
            "inputs": [INPUT_NAME],
        },
        {"type": "Add", "name": "sum", "inputs": ["a", "b"]},
    ]
    with pytest.raises(InputError) as info:
        summarize(spec, (8, 8, 4))
    assert_actionable(info.value, "error.arch_merge_mismatch", "sum", "(6, 6, 4)", "(8, 8, 4)")
    with pytest.raises(InputError) as info:
        summarize([{"type": "Dense", "units": 3, "name": "fc"}], (4, 4, 1))
    assert_actionable(info.value, "error.arch_dense_not_flat", "fc", "(4, 4, 1)")
    with pytest.raises(InputError) as info:
        summarize([{"type": "Conv3D", "name": "x"}], (4, 4, 1))
    assert_actionable(info.value, "error.arch_unknown_type", "x", "Conv3D", "Conv2D")


@pytest.mark.parametrize(
    ("spec", "shape", "key", "quoted"),
    [
        ([], (4, 4, 1), "error.arch_empty_spec", ()),
        ([{"type": "Flatten"}], (4, 4), "error.arch_input_shape", ("(4, 4)",)),
        (
            [{"type": "Conv2D", "kernel_size": 3, "name": "c"}],
            (4, 4, 1),
            "error.arch_missing_field",
            ("c", "filters"),
        ),
        (
            [{"type": "Conv2D", "filters": 1, "kernel_size": 3, "kernal": 2, "name": "c"}],
            (4, 4, 1),
            "error.arch_unknown_field",
            ("c", "kernal", "kernel_size"),
        ),
        (
            [{"type": "Conv2D", "filters": 1, "kernel_size": 3, "padding": "full", "name": "c"}],
            (4, 4, 1),
            "error.arch_bad_value",
            ("c", "full"),
        ),
        (
            [{"type": "Flatten", "name": "f"}, {"type": "MaxPooling2D", "name": "p"}],
            (4, 4, 1),
            "error.arch_needs_image",
            ("p", "(16,)"),
        ),
        (
            [{"type": "Flatten", "name": "f"}, {"type": "Flatten", "name": "f"}],
            (4, 4, 1),
            "error.arch_duplicate_name",
            ("f",),
        ),
        (
            [{"type": "Flatten", "name": "f", "inputs": ["later"]}],
            (4, 4, 1),
            "error.arch_unknown_input",
            ("f", "later"),
        ),
        ([{"type": "Add", "name": "a"}], (4, 4, 1), "error.arch_merge_inputs", ("a", "1")),
        (
            [{"type": "Flatten", "name": "f", "inputs": [INPUT_NAME, INPUT_NAME]}],
            (4, 4, 1),
            "error.arch_one_input",
            ("f", "2"),
        ),
        (["Conv2D"], (4, 4, 1), "error.arch_not_a_layer", ("1", "Conv2D")),
        (
            [{"type": "UpSampling2D", "name": "up", "interpolation": "cubic"}],
            (4, 4, 1),
            "error.arch_bad_value",
            ("up", "interpolation", "cubic"),
        ),
        (
            [
                {"type": "Concatenate", "name": "c", "inputs": [INPUT_NAME, "d"]},
                {"type": "Dropout", "name": "d"},
            ],
            (4, 4, 1),
            "error.arch_unknown_input",
            ("c", "d"),
        ),
    ],
)
def test_invalid_specs_say_what_to_fix(spec, shape, key, quoted):
    with pytest.raises(InputError) as info:
        summarize(spec, shape)
    assert_actionable(info.value, key, *quoted)


def test_every_arch_error_key_is_in_both_catalogs():
    modules = (spec, architectures, shorthand, layer_math, builder_rows, gallery)
    text = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in modules)
    keys = set(re.findall(r'"(error\.arch_[a-z_]+)"', text)) - {"error.arch_"}
    for lang in ("en", "es"):
        assert keys <= set(catalog(lang)), keys - set(catalog(lang))
    for a in ARCHITECTURES.values():
        for lang in ("en", "es"):
            assert a.title_key in catalog(lang) and a.note_key in catalog(lang)
    assert catalog("en").keys() == catalog("es").keys()
