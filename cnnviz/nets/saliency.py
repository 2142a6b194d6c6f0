r"""Saliency maps: which pixels made a Keras classifier choose a class.

Five methods, each a function ``method(model, image, class_index, **options)``
that returns a float32 map of shape ``(H, W)``, the input's resolution:

- :func:`vanilla_gradient`, the gradient of the class score (Simonyan et al. 2014);
- :func:`smoothgrad`, that gradient averaged over noisy copies (Smilkov et al. 2017);
- :func:`integrated_gradients`, gradients summed along a path from a baseline,
  times the difference to it (Sundararajan et al. 2017);
- :func:`grad_cam`, a convolutional layer's feature maps weighted by their
  average gradient (Selvaraju et al. 2017);
- :func:`occlusion`, the drop in the class probability when a square covers
  each place (Zeiler & Fergus 2014).

:data:`METHODS` lists them in that order with their catalog keys and
references; :func:`compute_all` runs several and times each.

Conventions
-----------
``model`` is a built ``keras.Model`` that takes a batch ``(N, H, W, C)`` and
returns ``(N, classes)``; ``image`` is ONE image, ``(H, W)`` (one channel) or
``(H, W, C)``. The *score* of a class is its logit, the value before the
softmax, as in the papers: :func:`score_model` strips a final softmax. The
*probability* (used by occlusion) is the softmax of the scores.

TensorFlow and Keras are imported inside the functions, so importing this
module stays light (a test checks it).

Notes
-----
With :math:`S_c(x)` the score of class :math:`c` for input :math:`x`,
baseline :math:`x'` and :math:`m` steps, Integrated Gradients is computed with
the trapezoid rule

.. math:: \mathrm{IG}_i = (x_i - x'_i)\,\frac{1}{m}\sum_{k=0}^{m} w_k\,
          \frac{\partial S_c}{\partial x_i}\Big(x' + \tfrac{k}{m}(x - x')\Big),
          \qquad w_0 = w_m = \tfrac12,\ w_k = 1 \text{ otherwise},

whose sum over all pixels approaches :math:`S_c(x) - S_c(x')` (completeness),
with an error that shrinks like :math:`1/m^2` for a smooth network.

Examples
--------
For a linear model the gradient of a class score is that class's weights,
laid out as the image (here the weight 2 sits on pixel (1, 0)):

>>> import keras
>>> model = keras.Sequential(
...     [keras.Input((2, 2, 1)), keras.layers.Flatten(), keras.layers.Dense(2, use_bias=False)]
... )
>>> model.layers[-1].set_weights([np.array([[1, 0], [0, 0], [0, 2], [0, 0]], np.float32)])
>>> vanilla_gradient(model, np.ones((2, 2), np.float32), 1)
array([[0., 0.],
       [2., 0.]], dtype=float32)
"""

from __future__ import annotations

import inspect
import math
import numbers
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from cnnviz.i18n import InputError

if TYPE_CHECKING:  # pragma: no cover
    import keras

BATCH_SIZE = 128
"""Images per forward/backward pass: SmoothGrad, IG and occlusion batch their copies."""

# Keras layers that only transform values one by one: Grad-CAM's default layer is
# the last convolution *after* these (its rectified maps, as in the paper).
_ELEMENTWISE = ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU")
_CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose")

# Per-model caches: a model's score model and Grad-CAM models are built once and
# forgotten with the model itself.
_SCORE_MODELS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
_CAM_MODELS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
# Streamlit runs each session in its own thread: build each cached model once.
_CACHE_LOCK = threading.RLock()


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
        A built classifier.

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
    with _CACHE_LOCK:
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


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _shape_text(shape: Iterable[int | None]) -> str:
    return "(" + ", ".join("?" if n is None else str(n) for n in shape) + ")"


def _model_shapes(model: keras.Model) -> tuple[tuple[int | None, ...], int]:
    """One input's shape (H, W, C) and the number of classes, checked."""
    input_shape = tuple(model.inputs[0].shape)
    output_shape = tuple(score_model(model).outputs[0].shape)
    if len(input_shape) != 4 or len(output_shape) != 2 or output_shape[-1] is None:
        raise InputError(
            "error.saliency_model_shape",
            input=_shape_text(input_shape),
            output=_shape_text(output_shape),
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
            shape=_shape_text(array.shape),
            expected=_shape_text(expected),
        )
    return array


def _check_class(model: keras.Model, class_index: int) -> int:
    _, classes = _model_shapes(model)
    if not _is_int(class_index) or not 0 <= class_index < classes:
        raise InputError(
            "error.saliency_class_index", value=repr(class_index), classes=classes, last=classes - 1
        )
    return int(class_index)


def _check_count(value: int, name: str) -> int:
    if not _is_int(value):
        raise InputError("error.not_int_or_pair", name=name, value=repr(value))
    if value < 1:
        raise InputError("error.below_one", name=name, value=value)
    return int(value)


def _check_pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    from cnnviz.core.shapes import as_pair

    rows, cols = as_pair(value, name)
    return (_check_count(rows, name), _check_count(cols, name))


# --- gradients ---------------------------------------------------------------------------


def _gradients(model: keras.Model, images: np.ndarray, class_index: int) -> np.ndarray:
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


def _scores(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """All class scores (N, classes) of a float32 batch, in float64, BATCH_SIZE at a time."""
    scores = score_model(model)
    chunks = [
        np.asarray(scores(images[start : start + BATCH_SIZE], training=False), dtype=np.float64)
        for start in range(0, len(images), BATCH_SIZE)
    ]
    return np.concatenate(chunks)


def _abs_max_channels(grads: np.ndarray) -> np.ndarray:
    return np.abs(grads).max(axis=-1).astype(np.float32)


def class_score(model: keras.Model, image: np.ndarray, class_index: int) -> float:
    """Return the score (pre-softmax logit) of one class for one image.

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.

    Returns
    -------
    float
        :math:`S_c(x)`, the output of :func:`score_model`.
    """
    x = _as_image(model, image)
    k = _check_class(model, class_index)
    return float(_scores(model, x[None])[0, k])


def input_gradient(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    r"""Return the signed gradient of the class score with respect to every input value.

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.

    Returns
    -------
    ndarray, shape (H, W, C), float32
        :math:`\partial S_c / \partial x` (a single channel for a 2-D image).
    """
    x = _as_image(model, image)
    k = _check_class(model, class_index)
    return _gradients(model, x[None], k)[0]


def vanilla_gradient(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    r"""Return the gradient saliency map: how sensitive the class score is to each pixel.

    Simonyan, Vedaldi & Zisserman (2014), "Deep Inside Convolutional Networks:
    Visualising Image Classification Models and Saliency Maps".

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.

    Returns
    -------
    ndarray, shape (H, W), float32
        :math:`\max_{ch} |\partial S_c / \partial x_{ij,ch}|`: the magnitude of the
        gradient, reduced over channels by the maximum (as in the paper). Non-negative.
    """
    return _abs_max_channels(input_gradient(model, image, class_index))


def smoothgrad(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    samples: int = 25,
    noise_level: float = 0.15,
    seed: int | None = 0,
) -> np.ndarray:
    r"""Return SmoothGrad: the gradient averaged over copies of the image with noise added.

    Smilkov, Thorat, Kim, Viégas & Wattenberg (2017), "SmoothGrad: removing
    noise by adding noise".

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.
    samples : int, default 25
        Noisy copies, all differentiated in one batched call.
    noise_level : float, default 0.15
        The noise's standard deviation as a fraction of the image's range
        ``max - min`` (the paper finds 10-20 % works best).
    seed : int or None, default 0
        Seed of the noise, so the same call draws the same map.

    Returns
    -------
    ndarray, shape (H, W), float32
        :math:`\max_{ch} |\frac{1}{n}\sum_{k} \partial S_c/\partial x\,(x + \varepsilon_k)|`,
        :math:`\varepsilon_k \sim \mathcal N(0, \sigma^2)`: the signed gradients
        are averaged, then reduced like :func:`vanilla_gradient`. Non-negative.
    """
    x = _as_image(model, image)
    k = _check_class(model, class_index)
    samples = _check_count(samples, "samples")
    if not isinstance(noise_level, numbers.Real) or not 0 <= noise_level < math.inf:
        raise InputError("error.saliency_noise_level", value=repr(noise_level))
    sigma = float(noise_level) * float(x.max() - x.min())
    noise = np.random.default_rng(seed).normal(0.0, sigma, size=(samples, *x.shape))
    grads = _gradients(model, (x + noise).astype(np.float32), k)
    return _abs_max_channels(grads.mean(axis=0, dtype=np.float64)[None])[0]


def _as_baseline(baseline: float | np.ndarray | None, x: np.ndarray) -> np.ndarray:
    if baseline is None:
        return np.zeros_like(x)
    array = np.asarray(baseline, dtype=np.float32)
    if array.ndim == 2 and x.shape[-1] == 1:
        array = array[:, :, None]
    if array.ndim == 0:
        array = np.full_like(x, array)
    if array.shape != x.shape:
        raise InputError(
            "error.saliency_baseline_shape",
            shape=_shape_text(np.shape(baseline)),
            expected=_shape_text(x.shape),
        )
    if not np.isfinite(array).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise InputError("error.not_finite", name="baseline", count=bad, size=array.size)
    return array


def integrated_gradients_channels(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    baseline: float | np.ndarray | None = None,
    steps: int = 32,
) -> np.ndarray:
    """Return Integrated Gradients per input value (every channel kept), signed.

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.
    baseline : float or ndarray, optional
        The reference input: zeros (black) by default, a number for a uniform
        image, or an array of the image's shape.
    steps : int, default 32
        Intervals of the trapezoid rule; ``steps + 1`` points on the path are
        differentiated in one batched call.

    Returns
    -------
    ndarray, shape (H, W, C), float32
        The attributions (see the module's Notes). Their sum approximates
        ``class_score(model, image) - class_score(model, baseline)``.
    """
    x = _as_image(model, image)
    k = _check_class(model, class_index)
    steps = _check_count(steps, "steps")
    base = _as_baseline(baseline, x)
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = (base + alphas[:, None, None, None] * (x - base)).astype(np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] = 0.5 / steps  # trapezoid: the ends count half
    mean_grad = np.tensordot(weights, _gradients(model, path, k).astype(np.float64), axes=1)
    return ((x - base) * mean_grad).astype(np.float32)


def integrated_gradients(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    baseline: float | np.ndarray | None = None,
    steps: int = 32,
) -> np.ndarray:
    """Return the Integrated Gradients map: each pixel's share of the score, signed.

    Sundararajan, Taly & Yan (2017), "Axiomatic Attribution for Deep Networks".

    Parameters
    ----------
    model, image, class_index, baseline, steps
        As in :func:`integrated_gradients_channels`.

    Returns
    -------
    ndarray, shape (H, W), float32
        The attributions summed over channels: positive where the pixel (compared
        with the baseline) raised the class score, negative where it lowered it.
        The whole map sums to about ``S_c(image) - S_c(baseline)``.
    """
    channels = integrated_gradients_channels(
        model, image, class_index, baseline=baseline, steps=steps
    )
    return channels.sum(axis=-1, dtype=np.float64).astype(np.float32)


# --- Grad-CAM ----------------------------------------------------------------------------


def _spatial_layers(model: keras.Model) -> list[Any]:
    """Layers with one 4-D output (N, h, w, K), in the model's order, without the input."""
    found = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        try:
            rank = len(layer.output.shape)
        except (AttributeError, ValueError):  # shared layers have several outputs
            continue
        if rank == 4:
            found.append(layer)
    return found


def conv_layer_names(model: keras.Model) -> tuple[str, ...]:
    """Return the names of the layers Grad-CAM can use: those with 4-D outputs.

    Parameters
    ----------
    model : keras.Model
        A built classifier.

    Returns
    -------
    tuple of str
        Convolution, activation and pooling layers whose output is a stack of
        feature maps ``(N, rows, cols, channels)``, in the model's order.
    """
    return tuple(layer.name for layer in _spatial_layers(model))


def default_cam_layer(model: keras.Model) -> str:
    """Return Grad-CAM's default layer: the last convolution, or the activation right after it.

    Parameters
    ----------
    model : keras.Model
        A built classifier.

    Returns
    -------
    str
        The layer's name. When the last ``Conv2D`` (or separable, depthwise,
        transposed convolution) is followed directly by element-wise activation
        layers (``Activation``, ``ReLU``...), the last of those: Grad-CAM weighs
        the rectified feature maps, as in the paper.

    Raises
    ------
    InputError
        If the model has no convolutional layer.
    """
    layers = _spatial_layers(model)
    convs = [i for i, layer in enumerate(layers) if type(layer).__name__ in _CONVOLUTIONS]
    if not convs:
        raise InputError("error.saliency_no_conv_layer")
    chosen = convs[-1]
    while (
        chosen + 1 < len(layers)
        and type(layers[chosen + 1]).__name__ in _ELEMENTWISE
        and layers[chosen + 1].input is layers[chosen].output
    ):
        chosen += 1
    return layers[chosen].name


def _cam_model(model: keras.Model, layer_name: str | None) -> tuple[str, keras.Model]:
    name = default_cam_layer(model) if layer_name is None else layer_name
    with _CACHE_LOCK:
        per_model = _CAM_MODELS.setdefault(model, {})
        if name not in per_model:
            per_model[name] = _build_cam_model(model, name)
        return name, per_model[name]


def _build_cam_model(model: keras.Model, name: str) -> keras.Model:
    import keras

    usable = {layer.name: layer for layer in _spatial_layers(model)}
    if name not in usable:
        known = {layer.name: layer for layer in model.layers}
        if name in known:
            try:
                shape = _shape_text(known[name].output.shape)
            except (AttributeError, ValueError):
                shape = "?"
            raise InputError("error.saliency_layer_not_spatial", layer=name, shape=shape)
        raise InputError("error.saliency_unknown_layer", layer=repr(name), layers=", ".join(usable))
    outputs = [usable[name].output, score_model(model).outputs[0]]
    return keras.Model(model.inputs[0], outputs, name="grad_cam")


def _resize_axis(length: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source indices and weights of a half-pixel-centred linear resize of one axis."""
    centres = (np.arange(size) + 0.5) * (length / size) - 0.5
    centres = np.clip(centres, 0, length - 1)
    low = np.floor(centres).astype(np.intp)
    high = np.minimum(low + 1, length - 1)
    return low, high, centres - low


def resize_bilinear(values: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Resize a 2-D map by bilinear interpolation with half-pixel centres.

    Parameters
    ----------
    values : ndarray, shape (h, w)
        The map, for instance Grad-CAM's at the layer's resolution.
    shape : (H, W)
        The size wanted, for instance the input image's.

    Returns
    -------
    ndarray, shape (H, W), float32
        Output cell ``i`` samples the input at ``(i + 0.5) h / H - 0.5``,
        clamped to the edges: the two maps cover the same square, each cell a
        block of equal size, exactly as ``tf.image.resize(..., "bilinear")``
        and OpenCV's ``INTER_LINEAR`` (not ``align_corners``, which would pin
        the corner cells' centres together).

    Examples
    --------
    >>> resize_bilinear(np.array([[0.0, 4.0]]), (1, 4))
    array([[0., 1., 3., 4.]], dtype=float32)
    """
    values = np.asarray(values, dtype=np.float64)
    rows, cols = (int(n) for n in shape)
    r0, r1, fr = _resize_axis(values.shape[0], rows)
    c0, c1, fc = _resize_axis(values.shape[1], cols)
    by_rows = values[r0] * (1 - fr)[:, None] + values[r1] * fr[:, None]
    return (by_rows[:, c0] * (1 - fc) + by_rows[:, c1] * fc).astype(np.float32)


def grad_cam(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    layer_name: str | None = None,
    upsample: bool = True,
) -> np.ndarray:
    r"""Return Grad-CAM: a layer's feature maps weighted by their average gradient, rectified.

    Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), "Grad-CAM:
    Visual Explanations from Deep Networks via Gradient-based Localization".

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.
    layer_name : str, optional
        A layer from :func:`conv_layer_names`; :func:`default_cam_layer` by default.
    upsample : bool, default True
        Resize the map to the image with :func:`resize_bilinear`; False returns
        it at the layer's resolution ``(h, w)``.

    Returns
    -------
    ndarray, shape (H, W), float32
        :math:`\mathrm{ReLU}(\sum_k \alpha_k A^k)` with
        :math:`\alpha_k = \frac{1}{hw}\sum_{ij} \partial S_c/\partial A^k_{ij}`.
        Not normalised (see :func:`normalize_map`); non-negative.
    """
    import tensorflow as tf

    x = _as_image(model, image)
    k = _check_class(model, class_index)
    _, cam_model = _cam_model(model, layer_name)
    batch = tf.convert_to_tensor(x[None])
    with tf.GradientTape() as tape:
        maps, scores = cam_model(batch, training=False)
        score = scores[0, k]
    grads = tape.gradient(score, maps, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    maps, grads = maps.numpy()[0].astype(np.float64), grads.numpy()[0].astype(np.float64)
    weights = grads.mean(axis=(0, 1))  # alpha_k: one number per feature map
    cam = np.maximum(maps @ weights, 0.0)
    if upsample:
        return resize_bilinear(cam, x.shape[:2])
    return cam.astype(np.float32)


# --- occlusion ---------------------------------------------------------------------------


def window_starts(length: int, window: int, stride: int) -> tuple[int, ...]:
    """Return where an occluding window starts along one axis, so it covers every pixel.

    Parameters
    ----------
    length : int
        Pixels along the axis.
    window : int
        Window size, at most ``length``.
    stride : int
        Step between windows, from 1 to ``window`` (a larger one leaves gaps).

    Returns
    -------
    tuple of int
        ``0, stride, 2 stride, ...`` while the window fits, plus ``length - window``
        when the stride does not land there, so the last pixels are covered too.

    Examples
    --------
    >>> window_starts(28, 6, 4)
    (0, 4, 8, 12, 16, 20, 22)
    >>> window_starts(5, 5, 2)
    (0,)
    """
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:
        starts.append(length - window)
    return tuple(starts)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def occlusion(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    window: int | Sequence[int] = 6,
    stride: int | Sequence[int] = 2,
    fill: float = 0.0,
    target: Literal["probability", "score"] = "probability",
) -> np.ndarray:
    """Return the occlusion map: how much covering each place lowers the class probability.

    Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks".

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.
    window : int or (int, int), default 6
        Side(s) of the occluding square, in pixels; at most the image's.
    stride : int or (int, int), default 2
        Step between windows (see :func:`window_starts`), at most the window, so
        that every pixel is covered at least once.
    fill : float, default 0.0
        Value painted in the window, on every channel (0 is black).
    target : {"probability", "score"}, default "probability"
        What drops: the softmax probability of the class (the paper's choice,
        bounded in [−1, 1] and comparable between images) or its score (logit).

    Returns
    -------
    ndarray, shape (H, W), float32
        Each pixel's average, over the windows that cover it, of
        ``target(image) - target(occluded image)``: positive where covering hurts
        the class, negative where it helps. All occluded copies are evaluated in
        batches of :data:`BATCH_SIZE`.
    """
    x = _as_image(model, image)
    k = _check_class(model, class_index)
    rows, cols = x.shape[:2]
    wr, wc = _check_pair(window, "window")
    sr, sc = _check_pair(stride, "stride")
    if wr > rows or wc > cols:
        raise InputError(
            "error.saliency_window_too_large", window=f"{wr} × {wc}", rows=rows, cols=cols
        )
    if sr > wr or sc > wc:  # windows would skip pixels, leaving holes in the map
        raise InputError(
            "error.saliency_stride_above_window", stride=f"{sr} × {sc}", window=f"{wr} × {wc}"
        )
    if not isinstance(fill, numbers.Real) or not math.isfinite(fill):
        raise InputError("error.saliency_fill", value=repr(fill))
    if target not in ("probability", "score"):
        raise InputError("error.saliency_target", value=repr(target))
    corners = [(r, c) for r in window_starts(rows, wr, sr) for c in window_starts(cols, wc, sc)]
    copies = np.repeat(x[None], len(corners) + 1, axis=0)  # copy 0 stays whole
    for n, (r, c) in enumerate(corners, start=1):
        copies[n, r : r + wr, c : c + wc, :] = fill
    scores = _scores(model, copies)
    values = _softmax(scores)[:, k] if target == "probability" else scores[:, k]
    drops = values[0] - values[1:]
    total = np.zeros((rows, cols))
    count = np.zeros((rows, cols))
    for drop, (r, c) in zip(drops, corners, strict=True):
        total[r : r + wr, c : c + wc] += drop
        count[r : r + wr, c : c + wc] += 1
    return (total / count).astype(np.float32)  # window_starts covers every pixel: count >= 1


# --- display -----------------------------------------------------------------------------


def normalize_map(
    values: np.ndarray, *, signed: bool = False, percentile: float = 100.0
) -> np.ndarray:
    """Scale a saliency map for display: to [0, 1], or to [−1, 1] keeping its sign.

    Parameters
    ----------
    values : ndarray
        A map from any method.
    signed : bool, default False
        False: a non-negative map is divided by its maximum (0 stays 0, the
        strongest pixel becomes 1); a map with negative values is stretched from
        its minimum (0) to its maximum (1). True: divided by its largest absolute
        value, so 0 stays 0 and signs are kept, for a diverging colour scale.
    percentile : float, default 100
        Scale by this percentile of the magnitudes instead of the maximum, and
        clip above it, so that a few extreme pixels do not wash out the rest
        (99 is common for gradients).

    Returns
    -------
    ndarray, float32, same shape
        The scaled map; all zeros (never NaN) for a constant or all-zero map.
        Non-finite values count as 0.

    Examples
    --------
    >>> normalize_map(np.array([[0.0, 2.0], [1.0, 4.0]]))
    array([[0.  , 0.5 ],
           [0.25, 1.  ]], dtype=float32)
    >>> normalize_map(np.array([-2.0, 0.0, 1.0]), signed=True)
    array([-1. ,  0. ,  0.5], dtype=float32)
    >>> normalize_map(np.zeros((2, 2)), signed=True).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    if not isinstance(percentile, numbers.Real) or not 0 < percentile <= 100:
        raise InputError("error.saliency_percentile", value=repr(percentile))
    array = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if array.size == 0:
        return array.astype(np.float32)
    if signed:
        scale = float(np.percentile(np.abs(array), percentile))
        if scale <= 0:
            return np.zeros(array.shape, np.float32)
        return np.clip(array / scale, -1.0, 1.0).astype(np.float32)
    low = min(float(array.min()), 0.0)  # non-negative maps keep 0 as "no effect"
    shifted = array - low
    scale = float(np.percentile(shifted, percentile))
    if scale <= 0:
        return np.zeros(array.shape, np.float32)
    return np.clip(shifted / scale, 0.0, 1.0).astype(np.float32)


# --- the catalog of methods --------------------------------------------------------------


@dataclass(frozen=True)
class SaliencyMethod:
    """One saliency method, as the Saliency page lists it.

    Attributes
    ----------
    id : str
        Its key in :data:`METHODS`.
    function : callable
        ``function(model, image, class_index, **options) -> (H, W) float32``.
    name_key, explain_key : str
        Catalog keys of its name and of a two-to-three-sentence explanation for
        students (what is computed, how to read the colours).
    reference : str
        Authors, year and title of the paper (not translated).
    signed : bool
        Whether the map has meaningful negative values: show it with a
        diverging scale centred on 0, red positive and blue negative
        (``normalize_map(m, signed=True)``); the others with a sequential scale.
    """

    id: str
    function: Callable[..., np.ndarray]
    name_key: str
    explain_key: str
    reference: str
    signed: bool = False

    def options(self) -> tuple[str, ...]:
        """Return the names of the method's keyword-only options.

        Examples
        --------
        >>> METHODS["smoothgrad"].options()
        ('samples', 'noise_level', 'seed')
        """
        return tuple(
            name
            for name, p in inspect.signature(self.function).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        )


def _method(
    id: str, function: Callable[..., np.ndarray], reference: str, *, signed: bool = False
) -> SaliencyMethod:
    return SaliencyMethod(
        id=id,
        function=function,
        name_key=f"saliency.method.{id}.name",
        explain_key=f"saliency.method.{id}.explain",
        reference=reference,
        signed=signed,
    )


METHODS: Mapping[str, SaliencyMethod] = MappingProxyType(
    {
        m.id: m
        for m in (
            _method(
                "gradient",
                vanilla_gradient,
                "Simonyan, Vedaldi & Zisserman (2014). Deep Inside Convolutional Networks: "
                "Visualising Image Classification Models and Saliency Maps.",
            ),
            _method(
                "smoothgrad",
                smoothgrad,
                "Smilkov, Thorat, Kim, Viégas & Wattenberg (2017). SmoothGrad: "
                "removing noise by adding noise.",
            ),
            _method(
                "integrated_gradients",
                integrated_gradients,
                "Sundararajan, Taly & Yan (2017). Axiomatic Attribution for Deep Networks.",
                signed=True,
            ),
            _method(
                "grad_cam",
                grad_cam,
                "Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017). Grad-CAM: Visual "
                "Explanations from Deep Networks via Gradient-based Localization.",
            ),
            _method(
                "occlusion",
                occlusion,
                "Zeiler & Fergus (2014). Visualizing and Understanding Convolutional Networks.",
                signed=True,
            ),
        )
    }
)
"""The five methods in the order the page shows them, by id."""


@dataclass(frozen=True)
class SaliencyResult:
    """One method's map and how long it took.

    Attributes
    ----------
    method : str
        Its id in :data:`METHODS`.
    map : ndarray, shape (H, W), float32
        The saliency map, unnormalised.
    seconds : float
        Wall time of the call (``time.perf_counter``), validation included.
    """

    method: str
    map: np.ndarray
    seconds: float


def compute_all(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    methods: Iterable[str] | None = None,
    **options: Any,
) -> dict[str, SaliencyResult]:
    """Run several saliency methods on one image and time each.

    Parameters
    ----------
    model : keras.Model
        A built classifier.
    image : ndarray, shape (H, W) or (H, W, C)
        One image.
    class_index : int
        The class, from 0.
    methods : iterable of str, optional
        Ids from :data:`METHODS`, run in the order given; all five by default.
    **options
        Keyword options, each passed to every selected method that takes it
        (``samples=10`` to SmoothGrad, ``window=4`` to occlusion...).

    Returns
    -------
    dict of str to SaliencyResult
        By method id, in the order run.

    Raises
    ------
    InputError
        For an unknown method id, or what a method refuses.
    TypeError
        For an option no method takes (a programming error).
    """
    ids = tuple(METHODS) if methods is None else tuple(methods)
    for method_id in ids:
        if method_id not in METHODS:
            raise InputError(
                "error.saliency_unknown_method", value=repr(method_id), methods=", ".join(METHODS)
            )
    known = {name for m in METHODS.values() for name in m.options()}
    unknown = sorted(set(options) - known)
    if unknown:
        raise TypeError(f"No saliency method takes the option(s) {unknown}; known: {sorted(known)}")
    results: dict[str, SaliencyResult] = {}
    for method_id in ids:
        method = METHODS[method_id]
        kwargs = {name: options[name] for name in method.options() if name in options}
        start = time.perf_counter()
        values = method.function(model, image, class_index, **kwargs)
        results[method_id] = SaliencyResult(method_id, values, time.perf_counter() - start)
    return results
