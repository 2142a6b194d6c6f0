"""Tests of cnnviz.nets.transfer: frozen, fine-tuned and scratch networks, adapted images, runs."""

import io
import zipfile
from dataclasses import replace

import keras  # noqa: F401  (imported first at the top: Hypothesis and TensorFlow, see DESIGN)
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.nets import transfer as tr
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.model import load_trained_model
from cnnviz.nets.training import RunResult


@pytest.fixture(scope="module")
def cifar():
    return load_cifar_model()


@pytest.fixture(scope="module")
def tiny():
    return tr.demo_data(seed=1, samples=60)


def _weights(model, names):
    return {name: [w.copy() for w in model.get_layer(name).get_weights()] for name in names}


def _convs(base):
    return [name for name in tr.kept_layers(base) if name.startswith("conv")]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# --- the network ---------------------------------------------------------------------------


@pytest.mark.parametrize("head, features", [("flatten", 4 * 4 * 128), ("average", 128)])
def test_new_head_has_the_users_classes(cifar, head, features):
    model = tr.build_transfer_model(cifar, 3, tr.TransferSettings(head=head))
    assert model.output_shape == (None, 3)
    kernel, bias = model.get_layer("head_logits").get_weights()
    assert kernel.shape == (features, 3) and bias.shape == (3,)
    assert tr.HEAD_NAMES[head] in [layer.name for layer in model.layers]
    # The kept layers, then the head: nothing else of the bundled network (no dropout, logits).
    names = [layer.name for layer in model.layers[1:]]
    assert names == [*tr.kept_layers("cifar"), tr.HEAD_NAMES[head], "head_logits", "head_softmax"]


def test_frozen_layers_do_not_move_and_the_head_learns(cifar, tiny):
    before_bundled = [w.copy() for w in cifar.get_weights()]
    model = tr.build_transfer_model(cifar, tiny.classes, tr.TransferSettings(mode="frozen"))
    kept = _weights(model, _convs("cifar"))
    for name in kept:  # pretrained: the bundled network's weights, copied
        assert _same(kept[name], cifar.get_layer(name).get_weights())
        assert model.get_layer(name) is not cifar.get_layer(name)
    head = model.get_layer("head_logits").get_weights()[0].copy()
    assert tr.trainable_count(model) == 2048 * 10 + 10
    model.fit(tiny.x_train, tiny.y_train, epochs=1, batch_size=16, verbose=0)
    for name, weights in kept.items():
        assert _same(weights, model.get_layer(name).get_weights()), name
    assert not np.array_equal(head, model.get_layer("head_logits").get_weights()[0])
    assert _same(before_bundled, cifar.get_weights())  # the shared model is untouched


def test_fine_tuned_layers_move(cifar, tiny):
    model = tr.build_transfer_model(cifar, tiny.classes, tr.TransferSettings(mode="fine_tuned"))
    assert tr.trainable_count(model) == model.count_params()
    assert float(model.optimizer.learning_rate) == pytest.approx(0.001 * tr.FINE_TUNE_FACTOR)
    kept = _weights(model, _convs("cifar"))
    model.fit(tiny.x_train, tiny.y_train, epochs=1, batch_size=16, verbose=0)
    for name, weights in kept.items():
        assert not np.array_equal(weights[0], model.get_layer(name).get_weights()[0]), name


def test_scratch_has_the_same_architecture_and_other_weights(cifar):
    pre = tr.build_transfer_model(cifar, 4, tr.TransferSettings(mode="frozen", seed=3))
    scratch = tr.build_transfer_model(cifar, 4, tr.TransferSettings(mode="scratch", seed=3))
    again = tr.build_transfer_model(cifar, 4, tr.TransferSettings(mode="scratch", seed=3))
    other = tr.build_transfer_model(cifar, 4, tr.TransferSettings(mode="scratch", seed=4))
    assert [(la.name, type(la), la.output.shape) for la in pre.layers] == [
        (la.name, type(la), la.output.shape) for la in scratch.layers
    ]
    for name in _convs("cifar"):
        kernel, bias = scratch.get_layer(name).get_weights()
        assert not np.array_equal(kernel, cifar.get_layer(name).get_weights()[0])
        assert np.array_equal(kernel, again.get_layer(name).get_weights()[0])  # seeded
        assert not np.array_equal(kernel, other.get_layer(name).get_weights()[0])
        assert not bias.any()
        # Glorot uniform's bound: sqrt(6 / (fan_in + fan_out)), fans over the 3x3 window.
        kh, kw, c_in, c_out = kernel.shape
        bound = np.sqrt(6 / (kh * kw * c_in + kh * kw * c_out))
        assert np.abs(kernel).max() <= bound + 1e-7
    assert all(layer.trainable for layer in scratch.layers[1:])
    # Same seed, same head: the two runs of a comparison start alike but for the kept layers.
    assert _same(
        pre.get_layer("head_logits").get_weights(), scratch.get_layer("head_logits").get_weights()
    )


def test_digit_network_base():
    digits = load_trained_model()
    model = tr.build_transfer_model(digits, 3, tr.TransferSettings(base="mnist", head="average"))
    assert model.input_shape == (None, 28, 28, 1)
    assert model.get_layer("head_logits").get_weights()[0].shape == (32, 3)
    assert not any(model.get_layer(n).trainable for n in tr.kept_layers("mnist"))


@pytest.mark.parametrize(
    "change, key",
    [
        ({"mode": "thawed"}, "train.error.choice"),
        ({"head": "lstm"}, "train.error.choice"),
        ({"base": "vgg16"}, "train.error.choice"),
        ({"epochs": 1000}, "train.limit.epochs"),
    ],
)
def test_bad_settings_are_refused(change, key):
    with pytest.raises(InputError) as err:
        tr.check_transfer_settings(replace(tr.TransferSettings(), **change))
    assert err.value.key == key


def test_one_class_head_is_refused(cifar):
    with pytest.raises(InputError) as err:
        tr.build_transfer_model(cifar, 1, tr.TransferSettings())
    assert err.value.key == "transfer.error.classes"


# --- adapting images -----------------------------------------------------------------------


def test_grey_digits_become_colour_32():
    rng = np.random.default_rng(0)
    digits = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    out = tr.adapt_images(digits, "cifar")
    assert out.shape == (3, 32, 32, 3) and out.dtype == np.uint8
    expected = np.asarray(Image.fromarray(digits[1]).resize((32, 32), Image.Resampling.BILINEAR))
    for channel in range(3):  # the grey image, resized, on each of R, G and B
        assert np.array_equal(out[1, ..., channel], expected)


@settings(max_examples=25, deadline=None)
@given(side=st.integers(8, 40), colour=st.booleans(), base=st.sampled_from(tr.BASES))
def test_adapted_shape_and_rule(side, colour, base):
    shape = (side, side, 3) if colour else (side, side)
    images = np.full((2, *shape), 77, np.uint8)
    out = tr.adapt_images(images, base)
    assert out.shape[1:] == tuple(d for d in tr.BASE_INPUT[base] if base == "cifar" or d != 1)
    assert np.all(out == 77)  # a flat image stays flat: resizing and recolouring keep the value
    keys = [key for key, _ in tr.adaptation_steps(shape, base)]
    target = tr.BASE_INPUT[base][0]
    assert ("transfer.adapt.resize" in keys) == (side != target)
    assert ("transfer.adapt.grey_to_rgb" in keys) == (base == "cifar" and not colour)
    assert ("transfer.adapt.rgb_to_grey" in keys) == (base == "mnist" and colour)


def test_colour_to_grey_uses_luma():
    red = np.zeros((1, 28, 28, 3), np.uint8)
    red[..., 0] = 200
    assert np.all(tr.adapt_images(red, "mnist") == round(0.299 * 200))


def test_fitting_images_are_unchanged():
    images = np.random.default_rng(1).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    assert np.array_equal(tr.adapt_images(images, "cifar"), images)
    assert tr.adaptation_steps((32, 32, 3), "cifar") == (("transfer.adapt.none", {}),)


# --- a user's zip --------------------------------------------------------------------------


def _zip(classes):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, count in classes.items():
            for i in range(count):
                image = io.BytesIO()
                Image.new("L", (40, 20), 40 * i).save(image, "PNG")
                archive.writestr(f"{name}/{i}.png", image.getvalue())
    return buffer.getvalue()


@pytest.mark.parametrize(
    "classes, key",
    [({"forest": 6}, "train.zip.one_class"), ({"forest": 6, "sea": 2}, "train.zip.few_images")],
)
def test_refused_zip_says_why(classes, key):
    with pytest.raises(InputError) as err:
        tr.zip_data(_zip(classes), "cifar")
    assert err.value.key == key


@pytest.mark.parametrize("base, shape", [("cifar", (32, 32, 3)), ("mnist", (28, 28))])
def test_zip_is_read_at_the_bases_input(base, shape):
    dataset = tr.zip_data(_zip({"forest": 5, "sea": 5}), base)
    assert dataset.image_shape == shape and dataset.class_names == ("forest", "sea")
    data = tr.prepare_transfer(dataset, samples=len(dataset.x_train))
    assert data.input_shape == tr.BASE_INPUT[base]


# --- two runs compared ---------------------------------------------------------------------


def test_comparison_reads_its_numbers_from_the_runs(cifar, tiny):
    legs = []
    comparison = tr.compare_runs(
        cifar,
        tiny,
        tr.TransferSettings(epochs=2, batch_size=16),
        reporter=lambda leg, progress: legs.append(leg),
    )
    assert legs and legs[0] == 0 and legs[-1] == 1 and sorted(legs) == legs
    for result in (comparison.pretrained, comparison.scratch):
        assert result.epochs_done == 2
        assert list(result.history["val_accuracy"].dropna().index) == list(
            result.history.index[result.history["val_loss"].notna()]
        )
    # The pretrained model's test accuracy is what it predicts now on the test images.
    predicted = comparison.model.predict(tiny.x_test, verbose=0).argmax(axis=1)
    assert comparison.pretrained.test_accuracy == pytest.approx(np.mean(predicted == tiny.y_test))
    key, fields = tr.verdict(comparison.pretrained, comparison.scratch)
    difference = comparison.pretrained.test_accuracy - comparison.scratch.test_accuracy
    assert key == (
        "transfer.verdict.same"
        if abs(difference) <= 0.02
        else "transfer.verdict.helped"
        if difference > 0
        else "transfer.verdict.hurt"
    )
    assert fields["pretrained"] == round(100 * comparison.pretrained.test_accuracy, 1)
    assert fields["scratch"] == round(100 * comparison.scratch.test_accuracy, 1)
    first = comparison.pretrained.history["val_accuracy"].dropna().iloc[0]
    assert fields["first"] == round(100 * first, 1)
    assert comparison.trainable == 2048 * 10 + 10 and comparison.params == 287_008 + 20_490


def test_comparison_refuses_scratch_and_wrong_shapes(cifar, tiny):
    with pytest.raises(InputError) as err:
        tr.compare_runs(cifar, tiny, tr.TransferSettings(mode="scratch"))
    assert err.value.key == "transfer.error.mode"
    with pytest.raises(InputError) as err:
        tr.compare_runs(cifar, tiny, tr.TransferSettings(base="mnist"))
    assert err.value.key == "transfer.error.shape"


def _result(test_accuracy, first):
    history = pd.DataFrame(
        {"epoch": [1.0], "batch": [5], "loss": [1.0], "accuracy": [0.5]}
        | {"val_loss": [1.0], "val_accuracy": [first]}
    )
    empty = np.zeros(0)
    return RunResult(
        history, "completed", 1, 1, 1.0, test_accuracy, empty, empty, empty, empty, (), 1.0, 1.0
    )


@pytest.mark.parametrize(
    "pre, scratch, key, points",
    [
        (0.80, 0.60, "transfer.verdict.helped", 20.0),
        (0.50, 0.75, "transfer.verdict.hurt", 25.0),
        (0.61, 0.60, "transfer.verdict.same", 1.0),
    ],
)
def test_verdict_by_hand(pre, scratch, key, points):
    got, fields = tr.verdict(_result(pre, 0.3), _result(scratch, 0.125))
    assert got == key
    assert fields == {
        "pretrained": round(100 * pre, 1),
        "scratch": round(100 * scratch, 1),
        "points": points,
        "first": 30.0,
        "first_scratch": 12.5,
    }
