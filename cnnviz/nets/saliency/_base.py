"""What every saliency method shares: the score model, input checks, batched passes.

Private to :mod:`cnnviz.nets.saliency`: the methods' modules import these
names; students and pages use the package's public functions.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError

if TYPE_CHECKING:  # pragma: no cover
    import keras

BATCH_SIZE = 128
"""Images per forward/backward pass: SmoothGrad, IG and occlusion batch their copies."""

# Per-model cache: a model's score model is built once and forgotten with the model itself.
_SCORE_MODELS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
# Streamlit runs each session in its own thread: build each cached model once.
CACHE_LOCK = threading.RLock()
"""Held while a per-model cache (score model, Grad-CAM models) is read or filled."""


# --- the score: logits, not probabilities ------------------------------------------------


def _is_softmax(activation: object) -> bool:
    import keras

    return activation is keras.activations.softmax or (
        getattr(activation, "__name__", None) == "softmax"
    )


def _output_layer(model: keras.Model) -> Any:
    """Find the layer whose output is the model's output (None if not the last layer)."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    if not layers:
        return None
    try:
        return layers[-1] if layers[-1].output is model.outputs[0] else None
    except (AttributeError, ValueError):  # a layer used twice has no single output
        return None


def _linear_dense(dense: Any) -> Any:
    """Make a layer computing ``x @ kernel + bias`` with the Dense layer's own variables."""
    import keras

    class LinearPart(keras.layers.Layer):
        # Holds the Dense layer itself, so the weights are shared, never copied:
        # retraining or loading weights into the model updates the scores too.
        def __init__(self, source: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.source = source

        def call(self, inputs: Any) -> Any:
            outputs = keras.ops.matmul(inputs, self.source.kernel)
            if self.source.use_bias:
                outputs = outputs + self.source.bias
            return outputs

    return LinearPart(dense, name=f"{dense.name}_logits")


def score_model(model: keras.Model) -> keras.Model:
    r"""Return a model with the same input whose output is the class scores (logits).

    Parameters
    ----------
    model : keras.Model
        A built classifier, whose last layer may apply a softmax.

    Returns
    -------
    keras.Model
        If the last layer is ``Activation("softmax")`` (or ``Softmax``), a model
        whose output is that layer's input; if it is a ``Dense`` layer with
        softmax activation, a model computing the same ``x @ kernel + bias``
        without it (sharing the weights); otherwise ``model`` itself. Cached per
        model.

    Notes
    -----
    Saliency methods differentiate the logit :math:`S_c`, not the probability
    :math:`p_c = e^{S_c}/\sum_j e^{S_j}`: a confident probability saturates near
    1 and its gradient vanishes, and it also rises when *other* classes' scores
    fall, which blurs what is evidence for class :math:`c` itself.
    """
    with CACHE_LOCK:
        cached = _SCORE_MODELS.get(model)
        if cached is None:
            cached = _SCORE_MODELS[model] = _build_score_model(model)
        return cached


def _build_score_model(model: keras.Model) -> keras.Model:
    import keras

    layer = _output_layer(model)
    kind = type(layer).__name__
    logits = None
    if kind == "Softmax" or (kind == "Activation" and _is_softmax(layer.activation)):
        logits = layer.input
    elif kind == "Dense" and _is_softmax(layer.activation):
        logits = _linear_dense(layer)(layer.input)
    return model if logits is None else keras.Model(model.inputs[0], logits, name="scores")


# --- checking what the student (or the page) passes --------------------------------------


def shape_text(shape: Iterable[int | None]) -> str:
    """Write a shape for a message: ``(?, 28, 28, 1)``, ``?`` for an unknown size."""
    return "(" + ", ".join("?" if n is None else str(n) for n in shape) + ")"


def _model_shapes(model: keras.Model) -> tuple[tuple[int | None, ...], int]:
    """One input's shape (H, W, C) and the number of classes, checked."""
    input_shape = tuple(model.inputs[0].shape)
    output_shape = tuple(score_model(model).outputs[0].shape)
    if len(input_shape) != 4 or len(output_shape) != 2 or output_shape[-1] is None:
        raise InputError(
            "error.saliency_model_shape",
            input=shape_text(input_shape),
            output=shape_text(output_shape),
        )
    return input_shape[1:], int(output_shape[-1])


def _as_image(model: keras.Model, image: np.ndarray) -> np.ndarray:
    """Read the image as float32 (H, W, C) matching the model's input, or raise InputError."""
    array = np.asarray(image)
    if array.dtype.kind not in "biuf":
        raise InputError("error.image_dtype", dtype=str(array.dtype))
    if array.ndim not in (2, 3):
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    if array.size == 0:
        raise InputError("error.image_no_pixels", shape=array.shape)
    array = array.astype(np.float32)
    if not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise InputError("error.image_not_finite", count=bad, shape=array.shape)
    if array.ndim == 2:
        array = array[:, :, None]
    expected, _ = _model_shapes(model)
    if any(e is not None and e != n for e, n in zip(expected, array.shape, strict=True)):
        raise InputError(
            "error.saliency_image_shape",
            shape=shape_text(array.shape),
            expected=shape_text(expected),
        )
    return array


def checked_input(
    model: keras.Model, image: np.ndarray, class_index: int
) -> tuple[np.ndarray, int]:
    """Check a method's three arguments, the start of every method.

    Returns
    -------
    image : ndarray, shape (H, W, C), float32
        The image, with a channel axis, matching the model's input.
    class_index : int
        The class, checked to be one of the model's.

    Raises
    ------
    InputError
        For an image that is not one finite picture of the model's size, or a
        class that is not an int from 0 to ``classes - 1``.
    """
    x = _as_image(model, image)
    _, classes = _model_shapes(model)
    if not is_int(class_index) or not 0 <= class_index < classes:
        raise InputError(
            "error.saliency_class_index", value=repr(class_index), classes=classes, last=classes - 1
        )
    return x, int(class_index)


def check_count(value: int, name: str) -> int:
    """Return a count (samples, steps, a window's side) checked to be an int of at least 1."""
    if not is_int(value):
        raise InputError("error.not_int_or_pair", name=name, value=repr(value))
    if value < 1:
        raise InputError("error.below_one", name=name, value=value)
    return int(value)


def check_pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """Return ``(rows, cols)`` from an int or a pair, each checked by :func:`check_count`."""
    from cnnviz.core.shapes import as_pair

    rows, cols = as_pair(value, name)
    return (check_count(rows, name), check_count(cols, name))


# --- batched passes ----------------------------------------------------------------------


def batch_gradients(model: keras.Model, images: np.ndarray, class_index: int) -> np.ndarray:
    """∂score/∂input for each image of a float32 batch (N, H, W, C), BATCH_SIZE at a time."""
    import tensorflow as tf

    scores = score_model(model)
    grads = np.empty_like(images)
    for start in range(0, len(images), BATCH_SIZE):
        batch = tf.convert_to_tensor(images[start : start + BATCH_SIZE])
        with tf.GradientTape() as tape:
            tape.watch(batch)
            # Summing over the batch is harmless: each image's score depends on it alone
            # (inference mode, so no batch statistics mix them).
            score = tf.reduce_sum(scores(batch, training=False)[:, class_index])
        grad = tape.gradient(score, batch, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        grads[start : start + len(batch)] = grad.numpy()
    return grads


_FORWARD: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def compiled_scores(model: keras.Model) -> Any:
    """Return the score model's forward pass as a ``tf.function``, traced once per model.

    Compiled, a batch of colour images goes through about 1.5 times faster
    than eagerly (2,080 CIFAR-10 images: 1.4 s against 2.1-2.6 s), which is
    what Shapley values over 64 regions need. The weights are read at each
    call, so a retrained or edited model is seen.
    """
    import tensorflow as tf

    with CACHE_LOCK:
        cached = _FORWARD.get(model)
        if cached is None:
            scores = score_model(model)
            # reduce_retracing: batches of every size share one trace.
            cached = _FORWARD[model] = tf.function(
                lambda batch: scores(batch, training=False), reduce_retracing=True
            )
        return cached


def batch_scores(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """All class scores (N, classes) of a float32 batch, in float64, BATCH_SIZE at a time."""
    forward = compiled_scores(model)
    chunks = [
        np.asarray(forward(images[start : start + BATCH_SIZE]), dtype=np.float64)
        for start in range(0, len(images), BATCH_SIZE)
    ]
    return np.concatenate(chunks)
