"""Tests of cnnviz.nets.model: the shipped network, its preprocessing, its match with the core."""

from __future__ import annotations

import ast
import os
import re
import threading
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.content.samples import load_sample
from cnnviz.core import shapes
from cnnviz.core.conv import conv2d
from cnnviz.core.pooling import pool2d
from cnnviz.i18n import InputError, catalog
from cnnviz.nets import model as cm
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.model import (
    CLASS_NAMES,
    WEIGHTS_PATH,
    Inspection,
    build_model,
    filters,
    inspect,
    load_trained_model,
    predict_batch,
    preprocess_digit,
)
from tests.nets.helpers import assert_actionable

ROOT = Path(__file__).resolve().parents[2]
PROPERTY = settings(max_examples=60, deadline=None)
LAYERS = [
    ("conv1", "Conv2D", (26, 26, 16)),
    ("relu1", "Activation", (26, 26, 16)),
    ("pool1", "MaxPooling2D", (13, 13, 16)),
    ("conv2", "Conv2D", (11, 11, 32)),
    ("relu2", "Activation", (11, 11, 32)),
    ("pool2", "MaxPooling2D", (5, 5, 32)),
    ("flatten", "Flatten", (800,)),
    ("dropout", "Dropout", (800,)),
    ("logits", "Dense", (10,)),
    ("softmax", "Activation", (10,)),
]


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return load_trained_model()


@pytest.fixture(scope="module")
def mnist():
    return load_mnist_subset()


def numpy_network(model: keras.Model, digit: np.ndarray, overrides=None) -> dict[str, np.ndarray]:
    """The whole network in our NumPy core (conv2d, pool2d) and plain NumPy, layer by layer."""
    overrides = overrides or {}
    k1, b1 = overrides.get("conv1", filters(model, "conv1"))
    k2, b2 = overrides.get("conv2", filters(model, "conv2"))
    w, b = model.get_layer("logits").get_weights()
    out = {"conv1": conv2d(digit.astype(np.float64), k1, bias=b1)}
    out["relu1"] = np.maximum(out["conv1"], 0)
    out["pool1"] = pool2d(out["relu1"], 2)
    out["conv2"] = conv2d(out["pool1"], k2, bias=b2)
    out["relu2"] = np.maximum(out["conv2"], 0)
    out["pool2"] = pool2d(out["relu2"], 2)
    out["flatten"] = out["pool2"].reshape(-1)  # row-major over (rows, cols, channels), as Keras
    out["dropout"] = out["flatten"]
    out["logits"] = out["flatten"] @ w + b
    e = np.exp(out["logits"] - out["logits"].max())
    out["softmax"] = e / e.sum()
    return out


# --- architecture and weights -----------------------------------------------------------


def test_architecture_names_types_shapes_and_parameters():
    net = build_model()
    got = [
        (layer.name, type(layer).__name__, tuple(layer.output.shape[1:])) for layer in net.layers
    ]
    assert got[0] == ("digit", "InputLayer", (28, 28, 1))
    assert got[1:] == LAYERS
    # The parameter counts of our own shape arithmetic.
    assert net.get_layer("conv1").count_params() == shapes.conv_params(3, 1, 16) == 160
    assert net.get_layer("conv2").count_params() == shapes.conv_params(3, 16, 32) == 4640
    assert net.get_layer("logits").count_params() == 800 * 10 + 10
    assert net.count_params() == 12_810
    assert net.get_layer("logits").get_config()["activation"] == "linear"
    assert shapes.conv_output_shape((13, 13, 16), filters=32, kernel_size=3) == (11, 11, 32)


def test_weights_file_is_small_and_loads_trained_weights(model):
    assert WEIGHTS_PATH.name == "mnist_cnn.weights.h5"
    assert WEIGHTS_PATH.stat().st_size < 1_000_000
    fresh = build_model()
    for trained, initial in zip(model.get_weights(), fresh.get_weights(), strict=True):
        assert trained.shape == initial.shape
        assert not np.array_equal(trained, initial)


def test_missing_weights_say_how_to_rebuild(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"scripts/train_model\.py"):
        load_trained_model(tmp_path / "none.weights.h5")


def test_filters_are_copies_in_keras_layout(model):
    kernel, bias = filters(model)
    assert kernel.shape == (3, 3, 1, 16) and bias.shape == (16,)
    assert kernel.dtype == np.float32
    kernel[:] = 0.0
    bias[:] = 0.0
    again, _ = filters(model)
    assert np.abs(again).sum() > 0  # the model's weights were not touched
    k2, b2 = filters(model, "conv2")
    assert k2.shape == (3, 3, 16, 32) and b2.shape == (32,)


def test_filters_of_a_layer_that_is_not_a_convolution(model):
    with pytest.raises(InputError) as info:
        filters(model, "logits")
    assert_actionable(info.value, "model.error.override_layer", "'logits'", "conv1, conv2")


def test_fingerprint_names_the_weights_not_the_object(model):
    import gc

    keras.utils.set_random_seed(0)
    first = build_model()
    keras.utils.set_random_seed(0)
    twin = build_model()  # another object, the same weights: the same key
    assert cm.fingerprint(first) == cm.fingerprint(twin)
    assert re.fullmatch("[0-9a-f]{64}", cm.fingerprint(first))
    assert cm.fingerprint(load_trained_model()) == cm.fingerprint(model)
    # Python reuses an id once its object is collected: the key must not follow it.
    keys = {cm.fingerprint(first)}
    del first, twin
    for seed in (1, 2, 3):
        gc.collect()
        keras.utils.set_random_seed(seed)
        other = build_model()
        keys.add(cm.fingerprint(other))
        del other
    assert len(keys) == 4, "four different weight sets, four keys, whatever ids they got"
    assert cm.fingerprint(model) not in keys


def test_fingerprint_tells_apart_the_same_weights_in_other_layers():
    inputs = keras.Input((4, 4, 1))
    flat = keras.layers.Flatten()(inputs)
    relu = keras.Model(inputs, keras.layers.Dense(2, activation="relu")(flat))
    tanh = keras.Model(inputs, keras.layers.Dense(2, activation="tanh")(flat))
    tanh.set_weights(relu.get_weights())
    assert cm.fingerprint(relu) != cm.fingerprint(tanh)
    changed = [w.copy() for w in relu.get_weights()]
    changed[0][0, 0] += 1.0  # one weight differs
    before = cm.fingerprint(relu)
    relu.set_weights(changed)
    assert cm.fingerprint(relu) != before


def test_held_out_accuracy_of_the_shipped_weights(model, mnist):
    probabilities = predict_batch(model, mnist.x_test)
    accuracy = float(np.mean(probabilities.argmax(axis=1) == mnist.y_test))
    assert accuracy >= 0.98
    # The model card reports the same number.
    card = (WEIGHTS_PATH.parent / "MODEL_CARD.md").read_text(encoding="utf-8")
    reported = float(re.search(r"\*\*Accuracy: ([\d.]+)%\*\*", card).group(1)) / 100
    assert reported == pytest.approx(accuracy, abs=5e-5)
    # Every class is read well, not just on average.
    per_class = [np.mean(probabilities[mnist.y_test == d].argmax(axis=1) == d) for d in range(10)]
    assert min(per_class) >= 0.95


# --- predict_batch ----------------------------------------------------------------------


def test_predict_batch_equals_calling_the_model(model, mnist):
    images = mnist.x_test[:700]  # more than one internal batch
    got = predict_batch(model, images)
    expected = model(images[..., None].astype(np.float32) / 255, training=False).numpy()
    assert got.shape == (700, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, rtol=1e-5)
    # uint8 is scaled by 255; floats are taken as they are; a channel axis is fine.
    floats = images.astype(np.float32) / 255
    np.testing.assert_allclose(predict_batch(model, floats[..., None]), got, rtol=1e-5, atol=1e-6)


def test_predict_batch_edges(model):
    assert predict_batch(model, np.zeros((0, 28, 28), np.uint8)).shape == (0, 10)
    with pytest.raises(InputError) as info:
        predict_batch(model, np.zeros((2, 32, 32)))
    assert_actionable(info.value, "model.error.digit_shape", "(2, 32, 32)")


# --- inspect ----------------------------------------------------------------------------


def test_inspect_gives_every_layer_and_equals_a_plain_call(model, mnist):
    for index in (0, 1, 2):
        digit = mnist.x_test[index].astype(np.float32) / 255
        result = inspect(model, digit)
        assert isinstance(result, Inspection)
        assert [(o.name, o.type, o.values.shape) for o in result.layers] == LAYERS
        plain = model(digit[None, :, :, None], training=False).numpy()[0]
        np.testing.assert_allclose(result.probabilities, plain, rtol=1e-5, atol=1e-7)
        assert result.probabilities.shape == (10,)
        assert result.predicted == int(np.argmax(plain)) == mnist.y_test[index]
        assert result.layer("softmax").values is result.probabilities
        # Keras' own multi-output model agrees on every intermediate output.
        probe = keras.Model(model.inputs[0], [model.get_layer(n).output for n, _, _ in LAYERS])
        for output, expected in zip(
            result.layers, probe(digit[None, :, :, None], training=False), strict=True
        ):
            np.testing.assert_allclose(output.values, expected.numpy()[0], rtol=1e-5, atol=1e-5)


def test_inspect_agrees_with_our_numpy_core_layer_by_layer(model, mnist):
    digit = mnist.x_test[3].astype(np.float32) / 255
    result = inspect(model, digit)
    expected = numpy_network(model, digit)
    kernel, bias = filters(model)
    np.testing.assert_allclose(
        result.layer("conv1").values, conv2d(digit, kernel, bias=bias), rtol=1e-5, atol=1e-5
    )
    for output in result.layers:
        np.testing.assert_allclose(output.values, expected[output.name], rtol=1e-4, atol=1e-5)
    # The ReLU layer shows exactly the positive part of the map before it.
    np.testing.assert_array_equal(
        result.layer("relu1").values, np.maximum(result.layer("conv1").values, 0)
    )


def test_inspect_accepts_uint8_and_a_channel_axis(model, mnist):
    raw = mnist.x_test[5]
    a = inspect(model, raw)
    b = inspect(model, (raw.astype(np.float32) / 255)[..., None])
    np.testing.assert_allclose(a.probabilities, b.probabilities, rtol=1e-6)


@pytest.mark.parametrize("shape", [(28, 29), (28, 28, 3), (1, 28, 28), (784,)])
def test_inspect_refuses_other_shapes(model, shape):
    with pytest.raises(InputError) as info:
        inspect(model, np.zeros(shape, np.float32))
    assert_actionable(info.value, "model.error.digit_shape", str(shape))


def test_filter_override_changes_conv1_as_the_core_predicts(model, mnist):
    digit = mnist.x_test[7].astype(np.float32) / 255
    before = [w.copy() for w in model.get_weights()]
    kernel, bias = filters(model)
    # Keep two filters: a vertical-edge detector and one with its sign flipped.
    new_kernel = kernel.copy()
    new_kernel[:, :, 0, 0] = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    new_kernel[:, :, 0, 1] *= -1
    new_bias = bias.copy()
    new_bias[2] += 0.5
    overrides = {"conv1": (new_kernel, new_bias)}
    changed = inspect(model, digit, filter_overrides=overrides)
    expected = numpy_network(model, digit, overrides)
    np.testing.assert_allclose(
        changed.layer("conv1").values, conv2d(digit, new_kernel, bias=new_bias), atol=1e-5
    )
    for output in changed.layers:
        np.testing.assert_allclose(output.values, expected[output.name], rtol=1e-4, atol=1e-5)
    original = inspect(model, digit)
    untouched = original.layer("conv1").values[..., 3:]
    np.testing.assert_allclose(changed.layer("conv1").values[..., 3:], untouched, atol=1e-6)
    assert not np.allclose(
        changed.layer("conv1").values[..., 0], original.layer("conv1").values[..., 0]
    )
    # The shared model still has its trained weights.
    for now, then in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(now, then)


def test_override_with_the_trained_weights_changes_nothing(model, mnist):
    digit = mnist.x_test[8]
    plain = inspect(model, digit)
    same = inspect(model, digit, filter_overrides={"conv2": filters(model, "conv2")})
    for a, b in zip(plain.layers, same.layers, strict=True):
        np.testing.assert_allclose(a.values, b.values, rtol=1e-5, atol=1e-6)


def test_zeroing_conv2_leaves_only_the_dense_bias(model, mnist):
    kernel, _ = filters(model, "conv2")
    result = inspect(
        model, mnist.x_test[9], filter_overrides={"conv2": (np.zeros_like(kernel), np.zeros(32))}
    )
    assert not result.layer("pool2").values.any()
    _, dense_bias = model.get_layer("logits").get_weights()
    np.testing.assert_allclose(result.layer("logits").values, dense_bias, atol=1e-6)


def test_overrides_in_threads_do_not_leak_into_each_other(model, mnist):
    digit = mnist.x_test[11]
    kernel, bias = filters(model)
    plain = inspect(model, digit).layer("conv1").values
    negated = inspect(model, digit, filter_overrides={"conv1": (-kernel, -bias)})
    results: dict[str, list[np.ndarray]] = {"plain": [], "negated": []}

    def run(kind: str) -> None:
        for _ in range(15):
            overrides = {"conv1": (-kernel, -bias)} if kind == "negated" else None
            results[kind].append(inspect(model, digit, filter_overrides=overrides).layers[0].values)

    threads = [threading.Thread(target=run, args=(kind,)) for kind in ("plain", "negated") * 2]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results["plain"]) == len(results["negated"]) == 30
    for values in results["plain"]:
        np.testing.assert_allclose(values, plain, atol=1e-6)
    for values in results["negated"]:
        np.testing.assert_allclose(values, negated.layers[0].values, atol=1e-6)
        np.testing.assert_allclose(values, -plain, atol=1e-5)


@pytest.mark.parametrize(
    ("overrides", "key", "quoted"),
    [
        (
            {"relu1": (np.zeros((3, 3, 1, 16)), np.zeros(16))},
            "model.error.override_layer",
            ["relu1"],
        ),
        (
            {"conv1": (np.zeros((5, 5, 1, 16)), np.zeros(16))},
            "model.error.override_kernel_shape",
            ["(5, 5, 1, 16)", "(3, 3, 1, 16)"],
        ),
        (
            {"conv1": (np.zeros((3, 3, 1, 15)), np.zeros(15))},
            "model.error.override_kernel_shape",
            ["(3, 3, 1, 15)"],
        ),
        (
            {"conv2": (np.zeros((3, 3, 16, 32)), np.zeros(16))},
            "model.error.override_bias_shape",
            ["(16,)", "(32,)"],
        ),
        (
            {"conv1": (np.full((3, 3, 1, 16), np.nan), np.zeros(16))},
            "model.error.override_not_finite",
            ["144", "conv1"],
        ),
    ],
)
def test_overrides_that_do_not_fit(model, overrides, key, quoted):
    with pytest.raises(InputError) as info:
        inspect(model, np.zeros((28, 28), np.float32), filter_overrides=overrides)
    assert_actionable(info.value, key, *quoted)


# --- preprocessing ----------------------------------------------------------------------


def center_of_mass(image: np.ndarray) -> np.ndarray:
    image = image.astype(np.float64)  # float32 sums drift by 1e-5, enough to miss 13.5 exactly
    rows, cols = np.indices(image.shape)
    total = image.sum()
    return np.array([(rows * image).sum() / total, (cols * image).sum() / total])


def test_steps_are_listed_in_order_with_notes_that_format():
    picture = np.zeros((40, 30))
    picture[10:30, 12:16] = 1.0
    result = preprocess_digit(picture)
    assert [s.key for s in result.steps] == [
        "preprocess.step.grayscale",
        "preprocess.step.invert",
        "preprocess.step.crop",
        "preprocess.step.resize",
        "preprocess.step.center",
    ]
    for step in result.steps:
        assert step.image.dtype == np.float32
        assert step.image.min() >= 0.0 and step.image.max() <= 1.0
        for lang in ("en", "es"):
            for key in (step.key, step.note_key):
                assert key in catalog(lang)
            text = catalog(lang)[step.note_key].format(**step.note_fields)
            assert "{" not in text
    assert result.steps[0].image.shape == (40, 30)
    assert result.steps[1].note_key == "preprocess.note.kept"
    assert result.steps[2].image.shape == (20, 4)
    assert result.steps[3].image.shape == (20, 4)
    assert result.steps[4].image is result.digit
    assert not result.digit.flags.writeable


def test_an_off_centre_bar_ends_centred_by_mass():
    picture = np.zeros((100, 100))
    picture[5:45, 70:78] = 1.0  # 40 x 8, top right
    digit = preprocess_digit(picture).digit
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    # Fitted to 20 x 4 and placed with its centre of mass on (14, 14).
    np.testing.assert_allclose(center_of_mass(digit), [13.5, 13.5], atol=1e-6)
    rows, cols = np.nonzero(digit > 0.5)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (4, 23, 12, 15)


def test_dark_ink_on_white_is_inverted_to_match_light_ink_on_black():
    light = np.zeros((60, 50), np.float32)
    light[10:50, 20:26] = 1.0
    light[10:16, 20:40] = 1.0  # a 7-ish shape
    dark = 1.0 - light
    a, b = preprocess_digit(light), preprocess_digit(dark)
    assert a.steps[1].note_key == "preprocess.note.kept"
    assert b.steps[1].note_key == "preprocess.note.inverted"
    assert b.steps[1].note_fields["background"] == 1.0
    np.testing.assert_array_equal(a.digit, b.digit)


def test_grey_paper_and_grey_ink_are_stretched_to_0_and_1():
    picture = np.full((50, 50), 0.8)  # paper under dim light
    picture[10:40, 22:28] = 0.3  # pencil
    result = preprocess_digit(picture)
    normal = result.steps[1].image
    assert normal.min() == 0.0 and normal.max() == 1.0
    assert normal[0, 0] == 0.0 and normal[20, 24] == 1.0


def test_rgba_canvas_with_transparent_background():
    # What a drawing canvas returns: black strokes, alpha 255, on (0, 0, 0, 0).
    rgba = np.zeros((280, 280, 4), np.uint8)
    rgba[60:220, 130:150, 3] = 255
    rgba[60:80, 100:190, 3] = 255
    on_white = np.ones((280, 280))
    on_white[rgba[..., 3] > 0] = 0.0
    a, b = preprocess_digit(rgba), preprocess_digit(on_white)
    np.testing.assert_allclose(a.digit, b.digit, atol=1e-6)
    np.testing.assert_allclose(a.steps[0].image, on_white, atol=1e-6)
    # White strokes on transparent work too (the background becomes black).
    rgba[..., :3] = 255
    np.testing.assert_allclose(preprocess_digit(rgba).digit, b.digit, atol=1e-6)


def test_coloured_ink_is_read_through_its_brightness():
    rgb = np.ones((40, 40, 3))
    rgb[8:32, 18:22] = [0.0, 0.0, 1.0]  # blue pen, luma 0.114
    result = preprocess_digit(rgb)
    np.testing.assert_allclose(result.steps[0].image[20, 20], 0.114, atol=1e-6)
    assert result.steps[1].note_key == "preprocess.note.inverted"
    assert result.digit.max() == pytest.approx(1.0)


@pytest.mark.parametrize(
    "picture",
    [
        np.zeros((28, 28)),
        np.ones((50, 40)),
        np.full((10, 10), 0.5),
        np.full((30, 30, 3), 200, np.uint8),
        np.zeros((100, 100, 4), np.uint8),  # an untouched canvas: all transparent
        np.ones((1, 1)),
    ],
    ids=["black", "white", "grey", "uint8-rgb", "transparent", "one-pixel"],
)
def test_blank_pictures_are_refused(picture):
    with pytest.raises(InputError) as info:
        preprocess_digit(picture)
    assert_actionable(info.value, "preprocess.blank")


def test_faint_noise_alone_is_blank():
    rng = np.random.default_rng(0)
    with pytest.raises(InputError, match=r"no digit"):
        preprocess_digit(0.5 + 0.02 * rng.random((64, 64)))


def test_a_one_pixel_dot_fills_the_20x20_box():
    picture = np.zeros((64, 64))
    picture[3, 50] = 1.0
    result = preprocess_digit(picture)
    assert result.steps[2].image.shape == (1, 1)
    digit = result.digit
    np.testing.assert_allclose(digit[4:24, 4:24], 1.0)
    assert digit.sum() == pytest.approx(400)


def test_a_huge_picture_works():
    picture = np.ones((2000, 2000), np.float32)
    picture[300:1700, 900:1100] = 0.0
    digit = preprocess_digit(picture).digit
    assert digit.shape == (28, 28)
    np.testing.assert_allclose(center_of_mass(digit), [14, 14], atol=0.5)
    # 1400 x 200 fits as 20 x 3 (200 * 20 / 1400 = 2.86 rounds to 3).
    assert preprocess_digit(picture).steps[3].image.shape == (20, 3)


def test_a_photo_still_gives_a_digit_sized_input():
    photo = load_sample("camera", size=256)
    result = preprocess_digit(photo)
    assert result.digit.shape == (28, 28)
    assert result.digit.min() >= 0.0 and result.digit.max() <= 1.0


@pytest.mark.parametrize(
    ("picture", "key", "quoted"),
    [
        (np.zeros((5, 5, 5)), "preprocess.bad_shape", ["(5, 5, 5)"]),
        (np.zeros((2, 3, 4, 1)), "preprocess.bad_shape", ["(2, 3, 4, 1)"]),
        (np.full((4, 4), 2.0), "preprocess.bad_values", ["2"]),
        (np.full((4, 4), 300), "preprocess.bad_values", ["300"]),
        (np.full((4, 4), -1), "preprocess.bad_values", ["-1"]),
        (np.array([[np.nan, 0.0]]), "error.image_not_finite", []),
        (np.array([["a", "b"]]), "error.image_dtype", []),
        (np.zeros((0, 4)), "error.image_no_pixels", []),
    ],
)
def test_arrays_that_are_not_pictures(picture, key, quoted):
    with pytest.raises(InputError) as info:
        preprocess_digit(picture)
    assert info.value.key == key
    for value in quoted:
        assert value in info.value.message("en").replace("\u2212", "-")


def test_uint8_and_floats_give_the_same_digit():
    picture = np.zeros((30, 30), np.uint8)
    picture[5:25, 10:14] = 255
    picture[5:8, 10:22] = 128
    a = preprocess_digit(picture).digit
    b = preprocess_digit(picture.astype(np.float64) / 255).digit
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_mnist_digits_read_the_same_after_preprocessing(model, mnist):
    # MNIST digits are already prepared this way: preprocessing them again should
    # change little, and the network should read almost all of them the same.
    images = mnist.x_test[:300]
    again = np.stack([preprocess_digit(image).digit for image in images])
    same = predict_batch(model, again).argmax(1) == predict_batch(model, images).argmax(1)
    assert same.mean() >= 0.97
    assert np.median(np.abs(again - images / 255.0).mean(axis=(1, 2))) < 0.05


def test_a_drawn_digit_is_read(model):
    # The course's "7" drawn with a pen on 28x28, as a student would on a canvas (upscaled,
    # black on white) reads as a 7 after preprocessing.
    seven = load_sample("digit")
    big = np.asarray(Image.fromarray((255 - seven * 255).astype(np.uint8)).resize((280, 280)))
    result = preprocess_digit(big)
    assert result.steps[1].note_key == "preprocess.note.inverted"
    assert inspect(model, result.digit).predicted == 7


@st.composite
def pictures(draw):
    rows = draw(st.integers(1, 80))
    cols = draw(st.integers(1, 80))
    background = draw(st.sampled_from([0.0, 1.0, 0.2, 0.85]))
    picture = np.full((rows, cols), background)
    for _ in range(draw(st.integers(1, 4))):
        r0 = draw(st.integers(0, rows - 1))
        c0 = draw(st.integers(0, cols - 1))
        r1 = draw(st.integers(r0 + 1, rows))
        c1 = draw(st.integers(c0 + 1, cols))
        ink = draw(st.floats(0.0, 1.0))
        picture[r0:r1, c0:c1] = ink
    return picture


@PROPERTY
@given(pictures())
def test_property_28x28_in_0_1_centred_by_mass_and_no_ink_lost(picture):
    try:
        result = preprocess_digit(picture)
    except InputError as err:
        assert err.key == "preprocess.blank"
        event("blank")
        return
    digit = result.digit
    assert digit.shape == (28, 28) and digit.dtype == np.float32
    assert digit.min() >= 0.0 and digit.max() <= 1.0
    fitted = result.steps[3].image
    assert max(fitted.shape) == 20 and min(fitted.shape) >= 1
    # A pure shift: no ink lost, the same centre of mass plus the offset.
    assert digit.sum() == pytest.approx(fitted.sum(), rel=1e-5)
    com = center_of_mass(digit)
    offset = com - center_of_mass(fitted)
    assert np.allclose(offset, np.round(offset), atol=1e-3)
    limits = 28 - np.array(fitted.shape)
    for axis in range(2):
        miss = com[axis] - 14
        if abs(miss) > 0.5 + 1e-4:
            # Only when the frame stopped the shift: ink would have left it.
            shift = round(offset[axis])
            assert (shift == 0 and miss > 0) or (shift == limits[axis] and miss < 0)
            event("shift stopped at the frame's edge")


# --- hygiene ----------------------------------------------------------------------------


def test_every_message_key_the_module_raises_is_in_both_catalogs():
    tree = ast.parse(Path(cm.__file__).read_text(encoding="utf-8"))
    keys = {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and re.fullmatch(r"(preprocess|model|error)\.[a-z_.]+", node.value)
    }
    assert {"preprocess.blank", "model.error.override_layer"} <= keys
    for lang in ("en", "es"):
        assert sorted(keys - set(catalog(lang))) == []


def test_class_names():
    assert len(CLASS_NAMES) == 10 and "".join(CLASS_NAMES) == "0123456789"


# --- any chain network's input: the colour network -------------------------------------


@pytest.fixture(scope="module")
def colour_model() -> keras.Model:
    from cnnviz.nets.cifar_model import load_cifar_model

    return load_cifar_model()


def test_input_shape_of_both_networks(model, colour_model):
    assert cm.input_shape(model) == (28, 28, 1)
    assert cm.input_shape(colour_model) == (32, 32, 3)


@settings(max_examples=15, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["uint8", "float32"]),
    st.sampled_from([1, 3, 300]),
)
def test_colour_inspect_and_predict_batch_equal_keras_predict(colour_model, seed, dtype, count):
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, (count, 32, 32, 3), dtype=np.uint8)
    images = raw if dtype == "uint8" else raw.astype(np.float32) / 255
    expected = colour_model.predict(raw.astype(np.float32) / 255, verbose=0)
    got = predict_batch(colour_model, images)
    assert got.shape == (count, 10) and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    result = inspect(colour_model, images[0])
    np.testing.assert_allclose(result.probabilities, expected[0], rtol=1e-4, atol=1e-6)
    # Every layer as Keras' own multi-output model computes it.
    names = [layer.name for layer in colour_model.layers[1:]]
    assert [o.name for o in result.layers] == names
    probe = keras.Model(colour_model.inputs[0], [colour_model.get_layer(n).output for n in names])
    outputs = probe.predict(raw[:1].astype(np.float32) / 255, verbose=0)
    for output, want in zip(result.layers, outputs, strict=True):
        np.testing.assert_allclose(output.values, want[0], rtol=1e-4, atol=1e-4)


def test_colour_layer_shapes(colour_model):
    result = inspect(colour_model, np.zeros((32, 32, 3), np.float32))
    shapes_ = {o.name: o.values.shape for o in result.layers}
    assert shapes_["conv1"] == (32, 32, 32) and shapes_["pool1"] == (16, 16, 32)
    assert shapes_["conv6"] == (8, 8, 128) and shapes_["pool3"] == (4, 4, 128)
    assert shapes_["flatten"] == (2048,) and shapes_["softmax"] == (10,)


def test_colour_filter_override_of_conv1_changes_only_what_follows(colour_model):
    rng = np.random.default_rng(4)
    image = rng.random((32, 32, 3)).astype(np.float32)
    kernel, bias = filters(colour_model, "conv1")
    assert kernel.shape == (3, 3, 3, 32)
    edited = kernel.copy()
    edited[..., 5] = 0.0
    result = inspect(colour_model, image, filter_overrides={"conv1": (edited, bias)})
    np.testing.assert_allclose(result.layer("conv1").values[..., 5], bias[5], atol=1e-6)
    plain = inspect(colour_model, image)
    np.testing.assert_allclose(
        result.layer("conv1").values[..., 4], plain.layer("conv1").values[..., 4], atol=1e-6
    )
    # The edited map is our core's convolution of the three channels.
    np.testing.assert_allclose(
        plain.layer("conv1").values,
        conv2d(image, kernel, bias=bias, padding="same"),
        rtol=1e-4,
        atol=1e-4,
    )


@pytest.mark.parametrize("shape", [(32, 32), (28, 28, 3), (32, 32, 1), (1, 32, 32, 3)])
def test_colour_inspect_refuses_other_shapes(colour_model, shape):
    with pytest.raises(InputError) as info:
        inspect(colour_model, np.zeros(shape, np.float32))
    assert_actionable(info.value, "colour.error.input_shape", str(shape))
    assert "(32, 32, 3)" in str(info.value)


def test_colour_predict_batch_edges(colour_model):
    assert predict_batch(colour_model, np.zeros((0, 32, 32, 3), np.uint8)).shape == (0, 10)
    for shape in [(2, 28, 28), (2, 32, 32), (32, 32, 3)]:
        with pytest.raises(InputError) as info:
            predict_batch(colour_model, np.zeros(shape))
        assert info.value.key == "colour.error.input_shape"


def test_a_photographed_digit_under_uneven_light_is_cropped_to_its_ink():
    # A phone photo of paper: lit more on the left, a little vignetting, sensor noise,
    # a slight colour cast; the digit "1" in dark ink.
    rows, cols = np.mgrid[:480, :640]
    paper = 0.95 - 0.3 * cols / 640 - 0.1 * rows / 480 + 0.05 * ((cols - 320) / 640) ** 2
    photo = np.stack([paper, 0.97 * paper, 0.9 * paper], axis=-1)
    photo += np.random.default_rng(0).normal(0, 0.02, photo.shape)
    photo[120:360, 300:330] = 0.15
    photo[120:150, 270:310] = 0.15
    result = preprocess_digit(np.clip(photo, 0, 1))
    crop = result.steps[2]
    # The box of the ink alone (240 x 60), not of the darker side of the page.
    assert abs(crop.note_fields["rows"] - 240) <= 2 and abs(crop.note_fields["cols"] - 60) <= 2
    bright = np.argwhere(result.digit > 0.5)
    assert np.ptp(bright[:, 0]) >= 18  # a tall stroke, as MNIST's 1s
