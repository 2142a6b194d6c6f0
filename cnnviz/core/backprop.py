r"""The backward pass of a CNN's layers, as TensorFlow computes it, cell by cell.

Each function takes a layer's forward arguments and the gradient of the loss
with respect to that layer's output, :math:`\partial L / \partial Y`, and returns
the gradients with respect to its input and its weights. Arrays are
channels-last, as in :mod:`cnnviz.core.conv` and :mod:`cnnviz.core.pooling`;
results are float64.

Notes
-----
**Convolution.** With :math:`Z = b + P \star K` (the padded input :math:`P`
cross-correlated with the kernel, stride :math:`s`, dilation :math:`d`) and
:math:`Y = \phi(Z)`:

.. math::

    G &= \frac{\partial L}{\partial Z} = \frac{\partial L}{\partial Y} \odot \phi'(Z) \\
    \frac{\partial L}{\partial K[m, n, c, f]} &=
        \sum_{i, j} P[i s_r + m d_r,\ j s_c + n d_c,\ c]\ G[i, j, f] \\
    \frac{\partial L}{\partial b_f} &= \sum_{i, j} G[i, j, f] \\
    \frac{\partial L}{\partial P[p, q, c]} &=
        \sum_{i s_r + m d_r = p,\ j s_c + n d_c = q,\ f} G[i, j, f]\ K[m, n, c, f]

The kernel is shared by every position, so its gradient *accumulates over
space*: one term per output cell (the course: "lo mismo que ocurre con las
épocas en el tiempo, ahora hay que hacerlo en el espacio"). It is itself a
cross-correlation, of the input with :math:`G`, and :func:`kernel_gradient_trace`
traces it as one. The input's gradient is the *full* convolution of :math:`G`
(with :math:`s - 1` zeros between its cells) with the kernel turned 180 degrees
(the course's ``a..i`` and ``i..a`` matrices), traced by :func:`input_gradient_trace`.
A padded cell that copies an input cell (every pad mode but zeros) hands its
gradient back to that cell (:func:`unpad_gradient`).

**Pooling.** Max pooling sends each window's gradient to its winner only, the
first maximum in row-major order (TensorFlow's rule, and the pool trace's);
overlapping windows add up. Average pooling shares it equally among the
window's real cells.

**Dense and softmax.** For :math:`z = x W + b`, :math:`\partial L/\partial x = W g`,
:math:`\partial L/\partial W = x g^\top`, :math:`\partial L/\partial b = g`. With
softmax and cross-entropy against class :math:`t`, :math:`L = -\log p_t` and
:math:`\partial L / \partial z = p - e_t`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Unpack

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz.core import conv
from cnnviz.core._checks import as_float_array, check_image, is_int
from cnnviz.core.conv import LEAKY_RELU_SLOPE, ConvSettings, ConvSpec
from cnnviz.core.pooling import PoolSettings, pool_windows
from cnnviz.core.trace import ConvTrace, conv2d_trace
from cnnviz.i18n import InputError

ACTIVATION_DERIVATIVES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": np.ones_like,
    # TensorFlow's derivative at 0 is 0 for ReLU and the slope for leaky ReLU.
    "relu": lambda z: (z > 0).astype(np.float64),
    "sigmoid": lambda z: (s := conv.ACTIVATION_FUNCTIONS["sigmoid"](z)) * (1.0 - s),
    "tanh": lambda z: 1.0 - np.tanh(z) ** 2,
    "leaky_relu": lambda z: np.where(z > 0, 1.0, LEAKY_RELU_SLOPE),
}
""":math:`\\phi'(z)` for each activation of :data:`cnnviz.core.conv.ACTIVATION_FUNCTIONS`."""


@dataclass(frozen=True, eq=False)
class ConvGradients:
    r"""The gradients of a convolution layer, from :func:`conv2d_backward`.

    Attributes
    ----------
    input : ndarray, shape of the image
        :math:`\partial L / \partial X`.
    kernel : ndarray, shape of the kernel
        :math:`\partial L / \partial K`.
    bias : ndarray, shape (F,)
        :math:`\partial L / \partial b`, one per filter (a single one for a 2-D or 3-D kernel).
    totals : ndarray, shape of the output
        :math:`\partial L / \partial Z`, the gradient before the activation.
    """

    input: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    totals: np.ndarray


@dataclass(frozen=True, eq=False)
class DenseGradients:
    """The gradients of a dense layer, from :func:`dense_backward`.

    Attributes
    ----------
    input : ndarray, shape (N,)
    weights : ndarray, shape (N, U)
    bias : ndarray, shape (U,)
    """

    input: np.ndarray
    weights: np.ndarray
    bias: np.ndarray


@dataclass(frozen=True, eq=False)
class SoftmaxLoss:
    r"""Softmax and cross-entropy of one example, from :func:`softmax_cross_entropy`.

    Attributes
    ----------
    probabilities : ndarray, shape (K,)
        :math:`p = \mathrm{softmax}(z)`.
    loss : float
        :math:`L = -\log p_t`.
    grad_logits : ndarray, shape (K,)
        :math:`\partial L / \partial z = p - e_t`.
    """

    probabilities: np.ndarray
    loss: float
    grad_logits: np.ndarray


def _gradient(values: object, shape: tuple[int, ...]) -> np.ndarray:
    """Read an output gradient and check it has the forward output's shape."""
    array = as_float_array(values, "grad_output")
    if array.shape != tuple(shape):
        raise InputError("error.gradient_shape", shape=array.shape, expected=tuple(shape))
    return array


def activation_backward(
    totals: np.ndarray, grad_output: np.ndarray, activation: str | None
) -> np.ndarray:
    r"""Pass a gradient back through an activation: :math:`G = \partial_Y L \odot \phi'(Z)`.

    Parameters
    ----------
    totals : ndarray
        :math:`Z`, the values before the activation.
    grad_output : ndarray, shape of totals
        :math:`\partial L / \partial Y`.
    activation : {None, "linear", "relu", "sigmoid", "tanh", "leaky_relu"}
        Keras name; ``None`` is linear.

    Returns
    -------
    ndarray, shape of totals
        :math:`\partial L / \partial Z`; ReLU lets through only cells with :math:`Z > 0`.

    Examples
    --------
    >>> activation_backward(np.array([-1.0, 0.0, 2.0]), np.array([5.0, 5.0, 5.0]), "relu")
    array([0., 0., 5.])
    """
    conv.activate(np.zeros(1), activation)  # the one check of the name
    z = as_float_array(totals, "totals")
    derivative = ACTIVATION_DERIVATIVES["linear" if activation is None else activation]
    return _gradient(grad_output, z.shape) * derivative(z)


def unpad_gradient(
    grad_padded: np.ndarray, image_shape: Sequence[int], spec: ConvSpec
) -> np.ndarray:
    r"""Hand the gradient of a padded input back to the image's cells.

    Parameters
    ----------
    grad_padded : ndarray, shape (Hp, Wp[, C])
        :math:`\partial L / \partial P`.
    image_shape : (H, W[, C])
        The image's shape.
    spec : ConvSpec
        The convolution's settings (its ``pads`` and ``pad_mode``).

    Returns
    -------
    ndarray, shape image_shape
        Zero padding drops the padded cells' gradient; the other modes fill a
        padded cell with a copy of an image cell, so its gradient is added to
        that cell's: :math:`\partial L/\partial X[u] = \sum_{p \to u} \partial L/\partial P[p]`.

    Examples
    --------
    >>> spec = conv.conv_spec(np.zeros((1, 3)), np.ones((1, 3)), padding=((0, 0), (1, 1)),
    ...                       pad_mode="replicate")
    >>> unpad_gradient(np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]), (1, 3), spec)
    array([[3., 3., 9.]])
    """
    height, width = image_shape[:2]
    # Each padded cell's source, numbered from 1 so that zero padding's 0 means "none".
    source = conv.pad2d(
        np.arange(1, height * width + 1).reshape(height, width), spec.pads, pad_mode=spec.pad_mode
    ).ravel()
    real = source > 0
    flat = grad_padded.reshape(source.size, -1)[real]
    out = np.stack(
        [np.bincount(source[real] - 1, flat[:, c], height * width) for c in range(flat.shape[1])],
        axis=1,
    )
    return out.reshape(tuple(image_shape))


def _bank_gradients(spec: ConvSpec, grad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (dL/dP, dL/dK as applied) for a 2-D, 3-D or 4-D kernel, one pass over the taps."""
    padded, kernel = spec.padded, spec.kernel
    grad_padded = np.zeros_like(padded)
    grad_kernel = np.zeros_like(kernel)
    per_channel = kernel.ndim == 2  # one 2-D filter on each channel: output maps = channels
    bank = kernel if per_channel else spec.bank
    padded3 = padded if padded.ndim == 3 or per_channel else padded[..., None]
    grad_out = grad if grad.ndim == 3 or per_channel else grad[..., None]
    target = grad_padded if padded3 is padded else grad_padded[..., None]
    for m in range(kernel.shape[0]):
        for n in range(kernel.shape[1]):
            args = (m, n, spec.output_hw, spec.strides, spec.dilation_rate)
            window, into = conv.tap_slice(padded3, *args), conv.tap_slice(target, *args)
            if per_channel:
                grad_kernel[m, n] = np.sum(window * grad_out)
                into += bank[m, n] * grad_out
            else:
                tap = window.reshape(-1, window.shape[-1]).T @ grad_out.reshape(-1, bank.shape[3])
                grad_kernel[m, n] = tap if kernel.ndim == 4 else tap[:, 0]
                into += grad_out @ bank[m, n].T
    return grad_padded, grad_kernel


def conv2d_backward(
    image: np.ndarray,
    kernel: np.ndarray,
    grad_output: np.ndarray,
    **settings: Unpack[ConvSettings],
) -> ConvGradients:
    r"""Backpropagate through a 2-D convolution, as TensorFlow's gradient of ``Conv2D``.

    Parameters
    ----------
    image, kernel, **settings
        Exactly as :func:`cnnviz.core.conv.conv2d` takes them (``bias``,
        ``strides``, ``padding``, ``dilation_rate``, ``pad_mode``, ``flip``,
        ``activation``).
    grad_output : ndarray, shape of ``conv2d(image, kernel, **settings)``
        :math:`\partial L / \partial Y`.

    Returns
    -------
    ConvGradients
        Input, kernel, bias and pre-activation gradients (module Notes).

    Raises
    ------
    InputError
        What :func:`cnnviz.core.conv.conv_spec` raises, or ``error.gradient_shape``.

    Examples
    --------
    >>> grads = conv2d_backward(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), np.ones((2, 2)))
    >>> grads.kernel, grads.bias
    (array([[ 8., 12.], [20., 24.]]), array([4.]))
    >>> grads.input
    array([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]])
    """
    spec = conv.conv_spec(image, kernel, **settings)
    totals = conv.correlate(spec)
    grad = activation_backward(totals, grad_output, spec.activation)
    grad_padded, grad_applied = _bank_gradients(spec, grad)
    image_shape = np.shape(image)
    grad_bias = grad.sum(axis=(0, 1)) if spec.kernel.ndim == 4 else np.array([grad.sum()])
    return ConvGradients(
        input=unpad_gradient(grad_padded, image_shape, spec),
        kernel=grad_applied[::-1, ::-1] if spec.flip else grad_applied,
        bias=grad_bias,
        totals=grad,
    )


def _output_shape(spec: ConvSpec) -> tuple[int, ...]:
    """Return the shape of the convolution's output: (Ho, Wo), (Ho, Wo, C) or (Ho, Wo, F)."""
    if spec.kernel.ndim == 4:
        return (*spec.output_hw, spec.kernel.shape[3])
    return spec.output_hw + (spec.padded.shape[2:] if spec.kernel.ndim == 2 else ())


def _map_gradient(spec: ConvSpec, grad_totals: np.ndarray, channel: int, fmap: int) -> np.ndarray:
    """Pick the gradient of the output map that slice (channel, filter) of the kernel feeds."""
    grad = _gradient(grad_totals, _output_shape(spec))
    channels = spec.padded.shape[2] if spec.padded.ndim == 3 else 1
    filters = spec.bank.shape[3]
    if not (is_int(channel) and 0 <= channel < channels and is_int(fmap) and 0 <= fmap < filters):
        raise InputError(
            "error.gradient_index", channel=channel, filter=fmap, channels=channels, filters=filters
        )
    if grad.ndim == 2:
        return grad
    return grad[..., channel] if spec.kernel.ndim == 2 else grad[..., fmap]


def _channel(padded: np.ndarray, channel: int) -> np.ndarray:
    return padded[..., channel] if padded.ndim == 3 else padded


def kernel_gradient_trace(
    image: np.ndarray,
    kernel: np.ndarray,
    grad_totals: np.ndarray,
    *,
    channel: int = 0,
    filter: int = 0,
    **settings: Unpack[ConvSettings],
) -> ConvTrace:
    r"""Trace the gradient of one kernel slice as the cross-correlation it is.

    Parameters
    ----------
    image, kernel, **settings
        The forward convolution's arguments, as :func:`cnnviz.core.conv.conv2d` takes them.
    grad_totals : ndarray, shape of the output
        :math:`G = \partial L / \partial Z`, the gradient before the activation
        (:attr:`ConvGradients.totals`).
    channel, filter : int, default 0
        Which slice :math:`K[:, :, c, f]` (for a 2-D kernel on a multi-channel
        image, ``channel`` picks the map).

    Returns
    -------
    ConvTrace
        The input channel (with the forward's zero padding as padding, or the
        padded input itself for other pad modes) correlated with :math:`G[..., f]`
        as the kernel, stride :math:`d`, dilation :math:`s`. Its output is
        :math:`\partial L / \partial K[:, :, c, f]` as applied (turn it 180
        degrees for ``flip=True``), and ``step_at(m, n).formula()`` writes the
        sum over output positions term by term.

    Examples
    --------
    >>> trace = kernel_gradient_trace(np.arange(9.0).reshape(3, 3), np.ones((2, 2)),
    ...                               np.ones((2, 2)))
    >>> trace.output
    array([[ 8., 12.], [20., 24.]])
    >>> trace.step_at(0, 0).formula("en")
    '0·1 + 1·1 + 3·1 + 4·1 = 8'
    """
    spec = conv.conv_spec(image, kernel, **settings)
    grad = _map_gradient(spec, grad_totals, channel, filter)
    # Only the rows and columns some window reaches: the correlation is then kernel-sized.
    sizes = zip(
        spec.output_hw, spec.strides, spec.kernel.shape[:2], spec.dilation_rate, strict=True
    )
    used = [(n - 1) * s + (k - 1) * d + 1 for n, s, k, d in sizes]
    keywords = {"strides": spec.dilation_rate, "dilation_rate": spec.strides}
    top, left = spec.pads[0][0], spec.pads[1][0]
    inside = [u - p for u, p in zip(used, (top, left), strict=True)]
    if spec.pad_mode == "zeros" and min(inside) > 0:
        source = _channel(check_image(image), channel)[: inside[0], : inside[1]]
        pads = tuple(
            (p, max(u - p - n, 0)) for u, p, n in zip(used, (top, left), source.shape, strict=True)
        )
        return conv2d_trace(source, grad, padding=pads, **keywords)
    return conv2d_trace(_channel(spec.padded, channel)[: used[0], : used[1]], grad, **keywords)


def kernel_gradient_accumulation(
    image: np.ndarray,
    kernel: np.ndarray,
    grad_totals: np.ndarray,
    *,
    channel: int = 0,
    filter: int = 0,
    **settings: Unpack[ConvSettings],
) -> np.ndarray:
    r"""Each output position's contribution to one kernel slice's gradient, in step order.

    Parameters
    ----------
    image, kernel, grad_totals, channel, filter, **settings
        As :func:`kernel_gradient_trace`.

    Returns
    -------
    ndarray, shape (Ho * Wo, kh, kw)
        Element :math:`i W_o + j` is :math:`G[i, j] \cdot P[\text{window}(i, j), c]`;
        its cumulative sum over axis 0 is the running sum the page shows, and
        the last one is :math:`\partial L / \partial K[:, :, c, f]` (as applied).

    Examples
    --------
    >>> parts = kernel_gradient_accumulation(np.arange(9.0).reshape(3, 3), np.ones((2, 2)),
    ...                                      np.array([[1.0, 0.0], [0.0, 2.0]]))
    >>> parts[0], parts.sum(axis=0)
    (array([[0., 1.], [3., 4.]]), array([[ 8., 11.], [17., 20.]]))
    """
    spec = conv.conv_spec(image, kernel, **settings)
    grad = _map_gradient(spec, grad_totals, channel, filter)
    kh, kw = spec.kernel.shape[:2]
    span = [(k - 1) * d + 1 for k, d in zip((kh, kw), spec.dilation_rate, strict=True)]
    (ho, wo), (sr, sc), (dr, dc) = spec.output_hw, spec.strides, spec.dilation_rate
    windows = sliding_window_view(_channel(spec.padded, channel), span)[
        : (ho - 1) * sr + 1 : sr, : (wo - 1) * sc + 1 : sc, ::dr, ::dc
    ]  # (Ho, Wo, kh, kw)
    return (windows * grad[..., None, None]).reshape(ho * wo, kh, kw)


def input_gradient_trace(
    kernel: np.ndarray,
    grad_totals: np.ndarray,
    image_shape: Sequence[int],
    *,
    channel: int = 0,
    filter: int = 0,
    **settings: Unpack[ConvSettings],
) -> ConvTrace:
    r"""Trace one filter's part of the input gradient as a full convolution with the turned kernel.

    Parameters
    ----------
    kernel, **settings
        The forward convolution's kernel and keywords.
    grad_totals : ndarray, shape of the output
        :math:`G = \partial L / \partial Z`.
    image_shape : (H, W[, C])
        The forward input's shape.
    channel, filter : int, default 0
        Which input channel's gradient, and which filter's part of it.

    Returns
    -------
    ConvTrace
        :math:`G[..., f]` with :math:`s - 1` zeros inserted between its cells,
        padded by :math:`(k - 1) d` zeros, convolved (``flip=True``: the kernel
        turned 180 degrees) with :math:`K[:, :, c, f]` at dilation :math:`d`.
        Its output, shape ``(Hp, Wp)``, is this filter's part of
        :math:`\partial L / \partial P[..., c]`, the gradient with respect to the
        *padded* input: :func:`unpad_gradient` (or cropping the zero padding)
        gives the image's. Summed over filters it equals
        ``conv2d_backward(...).input``.

    Examples
    --------
    >>> trace = input_gradient_trace(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((1, 1)), (2, 2))
    >>> trace.output
    array([[1., 2.], [3., 4.]])
    >>> trace.step_at(0, 0).formula("en")
    '0·4 + 0·3 + 0·2 + 1·1 = 1'
    """
    spec = conv.conv_spec(np.zeros(tuple(image_shape)), kernel, **settings)
    grad = _map_gradient(spec, grad_totals, channel, filter)
    weights = spec.bank[:, :, 0 if spec.kernel.ndim == 2 else channel, filter]
    holes = np.zeros([(n - 1) * s + 1 for n, s in zip(grad.shape, spec.strides, strict=True)])
    holes[:: spec.strides[0], :: spec.strides[1]] = grad
    pads = []
    for axis in (0, 1):
        before = (weights.shape[axis] - 1) * spec.dilation_rate[axis]
        pads.append((before, spec.padded.shape[axis] - holes.shape[axis]))
    return conv2d_trace(
        holes, weights, padding=tuple(pads), dilation_rate=spec.dilation_rate, flip=True
    )


def pool2d_backward(
    x: np.ndarray,
    grad_output: np.ndarray,
    pool_size: int | Sequence[int] = 2,
    **settings: Unpack[PoolSettings],
) -> np.ndarray:
    r"""Backpropagate through max or average pooling, as TensorFlow does.

    Parameters
    ----------
    x, pool_size, **settings
        As :func:`cnnviz.core.pooling.pool2d` takes them (``strides``, ``padding``, ``op``).
    grad_output : ndarray, shape of ``pool2d(x, pool_size, **settings)``
        :math:`\partial L / \partial Y`.

    Returns
    -------
    ndarray, shape of x
        Max: each window's gradient on its winner (the first maximum in
        row-major order), zero elsewhere, overlapping windows adding up.
        Average: :math:`\partial L/\partial Y[i, j] / N_{ij}` on each of the
        window's :math:`N_{ij}` real cells.

    Examples
    --------
    The course's example: only the four winners 6, 8, 3 and 4 receive a gradient.

    >>> x = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    >>> pool2d_backward(x, np.array([[1.0, 2.0], [3.0, 4.0]]))
    array([[0., 0., 0., 0.], [0., 1., 0., 2.], [3., 0., 0., 0.], [0., 0., 0., 4.]])
    """
    windows = pool_windows(x, pool_size, **settings)
    grad = _gradient(grad_output, windows.output_shape)
    padded = windows.padded if windows.padded.ndim == 3 else windows.padded[..., None]
    grad3 = grad if grad.ndim == 3 else grad[..., None]
    (pr, pc), (sr, sc) = windows.pool_size, windows.strides
    ho, wo = grad3.shape[:2]
    grad_padded = np.zeros_like(padded)
    if windows.op == "max":
        view = sliding_window_view(padded, (pr, pc), axis=(0, 1))[::sr, ::sc][:ho, :wo]
        winner = view.reshape(*view.shape[:3], pr * pc).argmax(axis=-1)  # first maximum
        rows = np.arange(ho)[:, None, None] * sr + winner // pc
        cols = np.arange(wo)[None, :, None] * sc + winner % pc
        chans = np.broadcast_to(np.arange(padded.shape[2]), winner.shape)
        np.add.at(grad_padded, (rows, cols, chans), grad3)
    else:
        counts = sliding_window_view(windows.real, (pr, pc))[::sr, ::sc][:ho, :wo].sum(axis=(2, 3))
        share = grad3 / counts[..., None]
        for m in range(pr):
            for n in range(pc):
                grad_padded[m : m + (ho - 1) * sr + 1 : sr, n : n + (wo - 1) * sc + 1 : sc] += share
        grad_padded *= windows.real[..., None]
    (top, _), (left, _) = windows.pads
    height, width = np.shape(x)[:2]
    out = grad_padded[top : top + height, left : left + width]
    return out if np.ndim(x) == 3 else out[..., 0]


def dense_backward(x: np.ndarray, weights: np.ndarray, grad_output: np.ndarray) -> DenseGradients:
    r"""Backpropagate through a dense layer :math:`z = x W + b` (Keras' layout).

    Parameters
    ----------
    x : ndarray, shape (N,)
        The layer's input (a flattened feature map).
    weights : ndarray, shape (N, U)
        Its kernel.
    grad_output : ndarray, shape (U,)
        :math:`g = \partial L / \partial z`.

    Returns
    -------
    DenseGradients
        :math:`W g`, :math:`x g^\top` and :math:`g`.

    Examples
    --------
    >>> grads = dense_backward(np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 3.0]]),
    ...                        np.array([0.5, -1.0]))
    >>> grads.input, grads.weights
    (array([ 0.5, -3. ]), array([[ 0.5, -1. ], [ 1. , -2. ]]))
    """
    vector = as_float_array(x, "x").reshape(-1)
    kernel = as_float_array(weights, "weights")
    if kernel.ndim != 2 or kernel.shape[0] != vector.size:
        raise InputError("error.weights_shape", shape=kernel.shape, rows=vector.size)
    grad = _gradient(grad_output, kernel.shape[1:])
    return DenseGradients(input=kernel @ grad, weights=np.outer(vector, grad), bias=grad.copy())


def softmax_cross_entropy(logits: np.ndarray, target: int) -> SoftmaxLoss:
    r"""Softmax probabilities, the cross-entropy loss and its gradient for one example.

    Parameters
    ----------
    logits : ndarray, shape (K,)
        :math:`z`.
    target : int
        The true class :math:`t`, ``0 <= t < K``.

    Returns
    -------
    SoftmaxLoss
        :math:`p`, :math:`L = \log \sum_k e^{z_k} - z_t` (computed stably) and :math:`p - e_t`.

    Examples
    --------
    >>> result = softmax_cross_entropy(np.array([0.0, 0.0]), 1)
    >>> result.probabilities, round(result.loss, 4), result.grad_logits
    (array([0.5, 0.5]), 0.6931, array([ 0.5, -0.5]))
    """
    z = as_float_array(logits, "logits").reshape(-1)
    if not (is_int(target) and 0 <= target < z.size):
        raise InputError("error.target_class", target=target, classes=z.size)
    shifted = z - z.max()
    log_total = np.log(np.exp(shifted).sum())
    probabilities = np.exp(shifted - log_total)
    grad = probabilities.copy()
    grad[target] -= 1.0
    return SoftmaxLoss(probabilities, float(log_total - shifted[target]), grad)
