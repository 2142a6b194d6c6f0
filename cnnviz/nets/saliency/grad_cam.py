r"""Grad-CAM: a convolutional layer's feature maps weighted by their average gradient.

Also the layers it can use (:func:`conv_layer_names`, :func:`default_cam_layer`)
and the bilinear resize that brings its coarse map to the image's size.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.nets.saliency._base import CACHE_LOCK, checked_input, score_model, shape_text
from cnnviz.nets.saliency.options import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    import keras

# Keras layers that only transform values one by one: Grad-CAM's default layer is
# the last convolution *after* these (its rectified maps, as in the paper).
_ELEMENTWISE = ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU")
_CONVOLUTIONS = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose")

# Per-model cache: a model's Grad-CAM models (one per layer) are built once and
# forgotten with the model itself.
_CAM_MODELS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


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
        A built classifier, whose layers are read in order.

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
        A built classifier with at least one convolution.

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
    with CACHE_LOCK:
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
                shape = shape_text(known[name].output.shape)
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
    layer_name: str | None = DEFAULTS.layer_name,
    upsample: bool = True,
) -> np.ndarray:
    r"""Return Grad-CAM: a layer's feature maps weighted by their average gradient, rectified.

    Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017), "Grad-CAM:
    Visual Explanations from Deep Networks via Gradient-based Localization".

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
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

    x, k = checked_input(model, image, class_index)
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
