"""Why CNNs work, measured on a trained network: costs, shifts of a digit, receptive fields.

The arithmetic is NumPy in :mod:`cnnviz.core.equivariance`; this module reads a Keras model's
layers (their sizes, strides and paddings), runs a digit and its shifted copies through it in
one batch, and hands every layer's outputs to the core. TensorFlow is imported inside the
functions only.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz.core import shapes
from cnnviz.core._checks import as_pair
from cnnviz.core.equivariance import FieldPair, LayerCost, ShiftGap, layer_cost, relative_change
from cnnviz.core.equivariance import shift_gap as core_shift_gap
from cnnviz.core.pooling import shift_image
from cnnviz.i18n import InputError

if TYPE_CHECKING:
    import keras

MAX_SHIFTS = 64
"""Shifted copies one sweep may run (a batch of them through the whole network)."""

POOLS = ("MaxPooling2D", "AveragePooling2D")


def _layers(model: keras.Model) -> list[Any]:
    """Return the model's layers in order, without its input layer."""
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _spatial_spec(layer: Any) -> dict[str, Any]:
    """One axis-pair description of a layer for :func:`cnnviz.core.shapes.receptive_field`."""
    kind = type(layer).__name__
    if kind == "Conv2D":
        return {
            "kernel_size": layer.kernel_size,
            "strides": layer.strides,
            "padding": layer.padding,
            "dilation_rate": layer.dilation_rate,
        }
    if kind in POOLS:
        return {"pool_size": layer.pool_size, "strides": layer.strides, "padding": layer.padding}
    return {"kernel_size": (1, 1)}  # activations, dropout: cell by cell


def layer_fields(model: keras.Model) -> dict[str, FieldPair]:
    """Return the receptive field of every spatial layer, from the input to the last map.

    Parameters
    ----------
    model : keras.Model
        A chain of layers on ``(H, W, C)`` images (such as the bundled network).

    Returns
    -------
    dict of str to (ReceptiveField, ReceptiveField)
        Layer name to its field along rows and columns, in order, up to the last layer
        whose output is a map (``pool2`` for the bundled network).
    """
    height, width = (int(n) for n in model.inputs[0].shape[1:3])
    specs: list[tuple[str, dict[str, Any]]] = []
    for layer in _layers(model):
        if len(layer.output.shape) != 4:
            break
        specs.append((layer.name, _spatial_spec(layer)))

    def axis(index: int, length: int) -> tuple[shapes.ReceptiveField, ...]:
        along = [
            {k: as_pair(v, k)[index] if k != "padding" else v for k, v in spec.items()}
            for _, spec in specs
        ]
        return shapes.receptive_field(along, input_length=length)

    rows, cols = axis(0, height), axis(1, width)
    return {name: (r, c) for (name, _), r, c in zip(specs, rows, cols, strict=True)}


def conv_costs(model: keras.Model) -> dict[str, LayerCost]:
    """Return every ``Conv2D`` layer's cost against a dense layer of the same sizes.

    Parameters
    ----------
    model : keras.Model
        The network.

    Returns
    -------
    dict of str to LayerCost
        Layer name to :func:`cnnviz.core.equivariance.layer_cost` of its real sizes.
    """
    return {
        layer.name: layer_cost(
            tuple(int(n) for n in layer.input.shape[1:]),
            filters=layer.filters,
            kernel_size=layer.kernel_size,
            strides=layer.strides,
            padding=layer.padding,
            dilation_rate=layer.dilation_rate,
        )
        for layer in _layers(model)
        if type(layer).__name__ == "Conv2D"
    }


# One model that returns every layer's output, built once per network; weak keys so an
# unloaded network is not kept alive.
_TAPS: weakref.WeakKeyDictionary[object, object] = weakref.WeakKeyDictionary()
_TAPS_LOCK = threading.Lock()


def _every_output(model: keras.Model, batch: np.ndarray) -> list[np.ndarray]:
    import keras

    with _TAPS_LOCK:
        tap = _TAPS.get(model)
        if tap is None:
            tap = keras.Model(model.inputs[0], [layer.output for layer in _layers(model)])
            _TAPS[model] = tap
    outputs = tap(batch, training=False)  # dropout off, as in inspect()
    return [keras.ops.convert_to_numpy(x) for x in outputs]


@dataclass(frozen=True, eq=False)
class ShiftSweep:
    """A digit shifted by several amounts, every layer's response, and what the core measured.

    Attributes
    ----------
    shifts : tuple of (int, int)
        The input shifts (rows, columns), in order.
    images : ndarray, shape (n, H, W)
        The shifted digits.
    names : tuple of str
        Every layer, in order (``conv1`` ... ``softmax``).
    original : dict of str to ndarray
        Each layer's output for the unshifted digit.
    outputs : dict of str to ndarray, shape (n, ...)
        Each layer's output for every shifted digit.
    gaps : dict of str to tuple of ShiftGap
        For each spatial layer, one :class:`~cnnviz.core.equivariance.ShiftGap` per shift.
    changes : dict of str to ndarray, shape (n,)
        For every layer (spatial or not), the relative change of its output, unshifted back.
    fields : dict of str to (ReceptiveField, ReceptiveField)
        The spatial layers' receptive fields.
    """

    shifts: tuple[tuple[int, int], ...]
    images: np.ndarray
    names: tuple[str, ...]
    original: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    gaps: dict[str, tuple[ShiftGap, ...]]
    changes: dict[str, np.ndarray]
    fields: dict[str, FieldPair]

    @property
    def probabilities(self) -> np.ndarray:
        """The last layer's output for every shift, shape ``(n, classes)``."""
        return self.outputs[self.names[-1]]


def shift_sweep(
    model: keras.Model, digit: np.ndarray, shifts: Sequence[Sequence[int]]
) -> ShiftSweep:
    """Shift a digit by each amount, run every copy through the network, measure every layer.

    Parameters
    ----------
    model : keras.Model
        A chain of layers (the bundled network), only read.
    digit : ndarray, shape (H, W)
        The input, floats in [0, 1] (ink 1).
    shifts : sequence of (int, int)
        Up to :data:`MAX_SHIFTS` shifts (rows, columns), each as in
        :func:`cnnviz.core.pooling.shift_image` (zeros come in at the opposite edge).

    Returns
    -------
    ShiftSweep
        Every layer's outputs and gaps.

    Raises
    ------
    InputError
        ``why.error.shifts`` for no shift or more than :data:`MAX_SHIFTS`; the errors of
        :func:`cnnviz.core.pooling.shift_image` for a shift that is not whole numbers or a
        digit that is not a finite image; ``model.error.digit_shape`` for the wrong size.
    """
    if not 1 <= len(shifts) <= MAX_SHIFTS:
        raise InputError("why.error.shifts", count=len(shifts), limit=MAX_SHIFTS)
    pairs = tuple(as_pair(tuple(shift), "shift") for shift in shifts)  # before any work
    image = np.asarray(digit, dtype=np.float64)
    expected = tuple(int(n) for n in model.inputs[0].shape[1:3])
    if image.shape != expected:
        raise InputError("model.error.digit_shape", shape=tuple(image.shape))
    images = np.stack([image, *(shift_image(image, pair) for pair in pairs)])
    batch = images[..., None].astype(np.float32)
    names = tuple(layer.name for layer in _layers(model))
    every = dict(zip(names, _every_output(model, batch), strict=True))
    original = {name: values[0] for name, values in every.items()}
    outputs = {name: values[1:] for name, values in every.items()}
    fields = layer_fields(model)
    gaps = {
        name: tuple(
            core_shift_gap(original[name], outputs[name][i], pair, fields[name], expected)
            for i, pair in enumerate(pairs)
        )
        for name in fields
    }
    changes = {
        name: np.array([relative_change(original[name], after) for after in outputs[name]])
        for name in names
    }
    return ShiftSweep(
        pairs, images[1:].astype(np.float32), names, original, outputs, gaps, changes, fields
    )
