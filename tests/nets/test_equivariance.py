"""Tests of cnnviz.nets.equivariance on the bundled network: costs, shift sweeps, fields."""

from __future__ import annotations

import keras  # imported first here, not inside a Hypothesis test
import numpy as np
import pytest

from cnnviz.core import shapes
from cnnviz.core.equivariance import unit_field
from cnnviz.i18n import InputError
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.equivariance import MAX_SHIFTS, conv_costs, layer_fields, shift_sweep
from cnnviz.nets.model import inspect, load_trained_model

SHIFTS = [(0, k) for k in range(-6, 7)] + [(k, k) for k in (-3, 2)] + [(4, 0)]
FLOAT32 = 1e-5  # relative RMS below this: equal up to float32 rounding


@pytest.fixture(scope="module")
def model() -> keras.Model:
    return load_trained_model()


@pytest.fixture(scope="module")
def digit() -> np.ndarray:
    return load_mnist_subset().x_test[0].astype(np.float32) / 255


@pytest.fixture(scope="module")
def sweep(model, digit):
    return shift_sweep(model, digit, SHIFTS)


def test_fields_are_the_receptive_fields_of_the_bundled_stack(model):
    fields = layer_fields(model)
    assert list(fields) == ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2"]
    assert [fields[name][0].size for name in fields] == [3, 3, 4, 8, 8, 10]
    assert [fields[name][1].jump for name in fields] == [1, 1, 2, 2, 2, 4]
    stack = [{"kernel_size": 3}, {"pool_size": 2}, {"kernel_size": 3}, {"pool_size": 2}]
    expected = shapes.receptive_field(stack, input_length=28)
    for name, field in zip(("conv1", "pool1", "conv2", "pool2"), expected, strict=True):
        assert fields[name] == (field, field)


def test_costs_of_both_convolutions(model):
    costs = conv_costs(model)
    assert list(costs) == ["conv1", "conv2"]
    assert (costs["conv1"].connections, costs["conv2"].connections) == (9, 144)
    assert (costs["conv1"].dense_connections, costs["conv2"].dense_connections) == (784, 2704)
    assert costs["conv1"].params + costs["conv2"].params == 160 + 4640
    assert sum(w.size for w in model.get_layer("conv2").get_weights()) == costs["conv2"].params


def test_the_sweep_keeps_what_inspect_computes(model, digit, sweep):
    reference = inspect(model, digit)
    for layer in reference.layers:
        np.testing.assert_allclose(sweep.original[layer.name], layer.values, atol=1e-5)
    shifted = inspect(model, sweep.images[3])
    np.testing.assert_allclose(sweep.probabilities[3], shifted.probabilities, atol=1e-6)
    assert sweep.shifts[3] == (0, -3)


def test_convolution_and_relu_are_equivariant_for_every_shift(sweep):
    for name in ("conv1", "relu1"):
        for gap in sweep.gaps[name]:
            assert gap.exact
            assert gap.alignment.cells > 0
            assert gap.difference < FLOAT32, (name, gap.shift)


def test_pooling_is_exact_only_for_multiples_of_its_jump(sweep):
    for name, jump in (("pool1", 2), ("conv2", 2), ("pool2", 4)):
        for gap in sweep.gaps[name]:
            whole = gap.shift[0] % jump == 0 and gap.shift[1] % jump == 0
            assert gap.exact == whole
            if whole and gap.alignment.cells:
                assert gap.difference < FLOAT32, (name, gap.shift)
                assert gap.alignment.offset == (gap.shift[0] // jump, gap.shift[1] // jump)
            elif not whole:
                assert gap.difference > 0.05, (name, gap.shift)  # far from rounding


def test_the_change_is_zero_without_a_shift_and_shrinks_after_pooling(sweep):
    zero = sweep.shifts.index((0, 0))
    for changes in sweep.changes.values():
        assert changes[zero] == 0.0
    one = sweep.shifts.index((0, 1))
    assert sweep.changes["pool1"][one] < sweep.changes["conv1"][one]
    assert sweep.changes["softmax"][one] < sweep.changes["pool2"][one]


def test_a_far_shift_changes_the_prediction_of_a_test_seven(sweep):
    probabilities = sweep.probabilities
    assert probabilities.shape == (len(SHIFTS), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    assert probabilities[SHIFTS.index((0, 0))].argmax() == 7
    assert probabilities[SHIFTS.index((0, 6))].argmax() != 7


def test_a_pool2_unit_sees_ten_pixels(sweep):
    box = unit_field(sweep.fields["pool2"], 2, 2)
    assert (box.top, box.left, box.size) == (8, 8, (10, 10))


@pytest.mark.parametrize(
    ("shifts", "key"),
    [([], "why.error.shifts"), ([(0, 1)] * (MAX_SHIFTS + 1), "why.error.shifts")],
)
def test_too_few_or_too_many_shifts_are_refused(model, digit, shifts, key):
    with pytest.raises(InputError) as err:
        shift_sweep(model, digit, shifts)
    assert err.value.key == key


def test_a_digit_of_the_wrong_size_or_a_half_shift_is_refused(model, digit):
    with pytest.raises(InputError) as err:
        shift_sweep(model, np.zeros((27, 28)), [(0, 1)])
    assert err.value.key == "model.error.digit_shape"
    with pytest.raises(InputError) as err:
        shift_sweep(model, digit, [(0, 0.5)])
    assert err.value.key == "error.not_int_or_pair"
