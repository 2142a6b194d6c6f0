"""Tests of cnnviz.core.architectures and the specs around it: summaries against Keras, classic
totals (cnnviz.content.gallery), the shorthand (cnnviz.core.shorthand)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.content import gallery
from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core import architectures, builder_rows, layer_math, shorthand, spec
from cnnviz.core.architectures import LayerError, summarize
from cnnviz.core.shorthand import parse_shorthand, to_shorthand
from cnnviz.core.spec import ACTIVATIONS, INPUT_NAME
from cnnviz.i18n import InputError, catalog
from cnnviz.nets.keras_models import to_keras

KERAS_PROPERTY = settings(max_examples=25, deadline=None)


def assert_actionable(err: InputError, key: str, *quoted: str) -> None:
    assert isinstance(err, ValueError)
    assert err.key == key
    messages = {lang: err.message(lang) for lang in ("en", "es")}
    assert messages["en"] != messages["es"]
    for message in messages.values():
        assert "{" not in message and "}" not in message
        assert "error." not in message
        for value in quoted:
            assert value in message, (value, message)


def assert_same_as_keras(spec, input_shape, model=None):
    """Every layer's output shape and parameter counts equal Keras'."""
    summary = summarize(spec, input_shape)
    model = model or to_keras(spec, input_shape)
    for layer in summary.layers:
        k = model.get_layer(layer.name)
        assert tuple(k.output.shape[1:]) == layer.output_shape, layer.name
        assert k.count_params() == layer.params, layer.name
        trainable = sum(int(w.numpy().size) for w in k.trainable_weights)
        assert trainable == layer.trainable_params, layer.name
    assert model.count_params() == summary.params
    return summary


# --- hand-computed values ----------------------------------------------------------------


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


# --- errors ------------------------------------------------------------------------------


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


# --- against Keras -----------------------------------------------------------------------


@st.composite
def sequential_stacks(draw):
    """A valid random stack: spatial layers while the shape allows, then maybe a classifier."""
    shape = (draw(st.integers(4, 14)), draw(st.integers(4, 14)), draw(st.integers(1, 3)))
    spec: list[dict] = []
    for i in range(draw(st.integers(1, 5))):
        kind = draw(
            st.sampled_from(
                [
                    "Conv2D",
                    "Conv2DTranspose",
                    "MaxPooling2D",
                    "AveragePooling2D",
                    "BatchNormalization",
                    "ZeroPadding2D",
                    "UpSampling2D",
                    "Dropout",
                    "Activation",
                ]
            )
        )
        layer: dict = {"type": kind, "name": f"l{i}"}
        if kind in ("Conv2D", "Conv2DTranspose"):
            strides = draw(st.sampled_from([1, 2, (1, 2)]))
            layer |= {
                "filters": draw(st.integers(1, 4)),
                "kernel_size": draw(st.sampled_from([1, 2, 3, (3, 1), (2, 3)])),
                "strides": strides,
                "padding": draw(st.sampled_from(["valid", "same"])),
                "use_bias": draw(st.booleans()),
                "activation": draw(st.sampled_from([None, "relu"])),
            }
            if kind == "Conv2D" and strides == 1:
                layer["dilation_rate"] = draw(st.sampled_from([1, 2]))
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            layer |= {
                "pool_size": draw(st.sampled_from([2, 3, (2, 1)])),
                "strides": draw(st.sampled_from([None, 1, 2])),
                "padding": draw(st.sampled_from(["valid", "same"])),
            }
        elif kind == "BatchNormalization":
            layer |= {"center": draw(st.booleans()), "scale": draw(st.booleans())}
        elif kind == "ZeroPadding2D":
            layer["padding"] = draw(st.sampled_from([1, (1, 2), ((0, 1), (2, 0))]))
        elif kind == "UpSampling2D":
            layer["size"] = draw(st.sampled_from([2, (1, 2)]))
        elif kind == "Activation":
            layer["activation"] = "relu"
        try:
            summary = summarize([*spec, layer], shape)
        except InputError:
            continue  # this layer would collapse the shape: leave it out
        if summary.activation_memory < 20_000:
            spec.append(layer)
    head = draw(st.sampled_from(["none", "flatten", "gap", "gmp"]))
    if head != "none":
        first = {
            "flatten": "Flatten",
            "gap": "GlobalAveragePooling2D",
            "gmp": "GlobalMaxPooling2D",
        }[head]
        spec += [
            {"type": first, "name": "head"},
            {"type": "Dense", "units": draw(st.integers(1, 5)), "name": "fc"},
        ]
    return spec, shape


@KERAS_PROPERTY
@given(sequential_stacks())
def test_random_stacks_match_keras_layer_by_layer(case):
    spec, shape = case
    assert_same_as_keras(spec, shape)


@KERAS_PROPERTY
@given(sequential_stacks(), st.data())
def test_random_skip_connections_match_keras(case, data):
    spec, shape = case
    spatial = [layer for layer in spec if layer["name"] not in ("head", "fc")]
    summary = summarize(spatial, shape)
    last = summary.layers[-1]
    earlier = [(INPUT_NAME, summary.input_shape)] + [
        (layer.name, layer.output_shape) for layer in summary.layers[:-1]
    ]
    same = [name for name, s in earlier if s == last.output_shape]
    same_hw = [name for name, s in earlier if s[:2] == last.output_shape[:2]]
    if same and data.draw(st.booleans()):
        merge = {"type": "Add", "inputs": [last.name, data.draw(st.sampled_from(same))]}
    elif same_hw:
        merge = {"type": "Concatenate", "inputs": [data.draw(st.sampled_from(same_hw)), last.name]}
    else:
        return
    graph = [*spatial, {**merge, "name": "merge"}, {"type": "GlobalAveragePooling2D", "name": "g"}]
    s = assert_same_as_keras(graph, shape)
    assert s.layer("merge").receptive_field[0] == last.receptive_field[0]


def test_residual_block_matches_keras():
    spec = [
        {
            "type": "Conv2D",
            "filters": 8,
            "kernel_size": 3,
            "strides": 2,
            "padding": "same",
            "use_bias": False,
            "name": "c1",
        },
        {"type": "BatchNormalization", "name": "bn1"},
        {"type": "Activation", "activation": "relu", "name": "r1"},
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "padding": "same", "name": "c2"},
        {
            "type": "Conv2D",
            "filters": 8,
            "kernel_size": 1,
            "strides": 2,
            "name": "proj",
            "inputs": [INPUT_NAME],
        },
        {"type": "Add", "name": "add", "inputs": ["c2", "proj"]},
    ]
    s = assert_same_as_keras(spec, (9, 9, 3))
    assert s.output_shape == (5, 5, 8)
    assert s.layer("add").receptive_field == (7, 2)


def test_inception_block_matches_keras():
    a = ARCHITECTURES["inception_3a"]
    s = assert_same_as_keras(a.spec(), a.input_shape)
    assert s.output_shape == (28, 28, 256) and s.params == a.params == 163_696
    assert s.macs == 128_049_152  # the paper's "128M" operations


@pytest.mark.parametrize("key", ["lenet5", "small_unet", "alexnet", "resnet18", "resnet34"])
def test_classic_architectures_match_keras_built_by_to_keras(key):
    a = ARCHITECTURES[key]
    s = assert_same_as_keras(a.spec(), a.input_shape)
    assert (s.params, s.trainable_params) == (a.params, a.trainable_params)


@pytest.fixture(scope="module")
def vgg_applications():
    """keras.applications' VGG16 and VGG19 (weights=None): built once, a few seconds."""
    models = {
        "vgg16": keras.applications.VGG16(weights=None, include_top=True),
        "vgg19": keras.applications.VGG19(weights=None, include_top=True),
    }
    yield models
    keras.backend.clear_session()


@pytest.mark.parametrize("key", ["vgg16", "vgg19"])
def test_vgg_matches_keras_applications(vgg_applications, key):
    a = ARCHITECTURES[key]
    model = vgg_applications[key]
    s = summarize(a.spec(), a.input_shape)
    for layer in s.layers:
        k = model.get_layer(layer.name)
        assert tuple(k.output.shape[1:]) == layer.output_shape
        assert k.count_params() == layer.params
    assert model.count_params() == s.params == a.params


@pytest.mark.parametrize(
    ("key", "params", "trainable"),
    [
        ("lenet5", 61_706, 61_706),  # 156 + 2,416 + 48,120 + 10,164 + 850
        ("alexnet", 62_378_344, 62_378_344),  # the usually quoted 62.3 M (one stream)
        ("vgg16", 138_357_544, 138_357_544),  # keras.applications.VGG16
        ("vgg19", 143_667_240, 143_667_240),  # keras.applications.VGG19
        ("resnet18", 11_699_112, 11_689_512),  # torchvision resnet18: 11,689,512
        ("resnet34", 21_814_696, 21_797_672),  # torchvision resnet34: 21,797,672
        ("inception_3a", 163_696, 163_696),  # 163,328 weights = the paper's 159K (K = 1024)
        ("small_unet", 116_753, 116_753),
    ],
)
def test_classic_totals_against_published_figures(key, params, trainable):
    a = ARCHITECTURES[key]
    s = summarize(a.spec(), a.input_shape)
    assert (s.params, s.trainable_params) == (a.params, a.trainable_params) == (params, trainable)
    json.dumps(a.spec())  # plain data


def test_resnet_variants_and_bad_depths():
    s = summarize(gallery.resnet(34), (224, 224, 3))
    assert s.layer("conv5_block3_out").output_shape == (7, 7, 512)
    assert round(s.trainable_params / 1e6, 1) == 21.8
    with pytest.raises(InputError) as info:
        gallery.resnet(50)
    assert_actionable(info.value, "error.arch_resnet_depth", "50")
    with pytest.raises(InputError):
        gallery.vgg(11)


def test_flat_networks_and_concatenated_vectors_match_keras():
    spec = [
        {"type": "Dense", "units": 6, "activation": "relu", "name": "a"},
        {"type": "Dense", "units": 3, "name": "b", "inputs": [INPUT_NAME]},
        {"type": "Concatenate", "name": "cat", "inputs": ["a", "b"]},
        {"type": "BatchNormalization", "name": "bn"},
        {"type": "Dropout", "rate": 0.2, "name": "drop"},
        {"type": "Dense", "units": 2, "activation": "softmax", "name": "out"},
    ]
    s = assert_same_as_keras(spec, (5,))
    assert s.layer("cat").output_shape == (9,) and s.params == 36 + 18 + 36 + 20


def test_every_activation_name_is_keras():
    for name in ACTIVATIONS:
        assert callable(keras.activations.get(name)), name
    with pytest.raises(InputError) as info:
        summarize([{"type": "Activation", "activation": "relu7", "name": "act"}], (4,))
    assert_actionable(info.value, "error.arch_bad_value", "act", "relu7", "relu")


def test_numpy_sizes_are_read_as_ints():
    np = pytest.importorskip("numpy")
    s = summarize([{"type": "Flatten", "name": "f"}], np.array([2, 3, 4]).tolist())
    assert s.output_shape == (24,)
    s = summarize([{"type": "Flatten", "name": "f"}], tuple(np.int64(n) for n in (2, 3, 4)))
    assert s.output_shape == (24,) and type(s.input_shape[0]) is int


# --- the course's shorthand ----------------------------------------------------------------


def test_course_shorthand():
    spec = parse_shorthand("(CR) 2P(CR) 2P(CR) 2PF", filters=16)
    assert [layer["type"] for layer in spec[:5]] == [
        "Conv2D",
        "Activation",
        "Conv2D",
        "Activation",
        "MaxPooling2D",
    ]
    assert len(spec) == 3 * 5 + 2
    assert to_shorthand(spec) == "(CR)2P(CR)2P(CR)2PF"
    s = summarize(spec, (28, 28, 1))
    assert s.output_shape == (10,)
    assert s.layer("pool3").output_shape == (3, 3, 16)


def test_shorthand_of_classic_and_errors():
    assert to_shorthand(gallery.vgg(16)) == "(CR)2P(CR)2P(CR)3P(CR)3P(CR)3P(FR)2F"
    with pytest.raises(InputError) as info:
        to_shorthand(gallery.resnet(18))
    assert_actionable(info.value, "error.arch_no_shorthand", "conv1_pad", "ZeroPadding2D")
    for text in ["", "(CR", "CR)", "2C", "CX", "()2", "C0"]:
        with pytest.raises(InputError) as info:
            parse_shorthand(text)
        assert info.value.key == "error.arch_shorthand"
        assert_actionable(info.value, "error.arch_shorthand")


def shorthand_texts():
    """(text, letters it stands for), nested groups with counts."""
    leaf = st.sampled_from("CRPF").map(lambda c: (c, c))

    def extend(children):
        concat = st.lists(children, min_size=1, max_size=3).map(
            lambda parts: ("".join(p[0] for p in parts), "".join(p[1] for p in parts))
        )
        group = st.tuples(children, st.integers(1, 3)).map(
            lambda g: (f"({g[0][0]}){g[1]}", g[0][1] * g[1])
        )
        return concat | group

    return st.recursive(leaf, extend, max_leaves=8)


def letters(spec):
    out = []
    for layer in spec:
        kind = layer["type"]
        if kind != "Flatten":
            out.append({"Conv2D": "C", "Activation": "R", "MaxPooling2D": "P", "Dense": "F"}[kind])
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(shorthand_texts())
def test_shorthand_round_trips(case):
    text, expansion = case
    spec = parse_shorthand(text)
    assert letters(spec) == expansion
    written = to_shorthand(spec)
    assert parse_shorthand(written) == spec
    assert to_shorthand(parse_shorthand(written)) == written
