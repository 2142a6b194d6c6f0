"""Tests of cnnviz.nets.keras_models: to_keras builds, layer by layer, what summarize computes."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Imported here, not first inside a Hypothesis test: TensorFlow's import raises the
# recursion limit, which Hypothesis reports as an error when it happens during a test.
import keras  # noqa: F401
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import summarize
from cnnviz.core.spec import INPUT_NAME
from cnnviz.i18n import InputError
from cnnviz.nets.keras_models import to_keras

KERAS_PROPERTY = settings(max_examples=25, deadline=None)


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
    assume(spatial)  # every drawn layer may have collapsed the shape: nothing to merge
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
