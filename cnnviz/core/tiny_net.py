r"""A network the whole screen can hold, forward and backward: how a CNN learns, number by number.

One grey input of 4x4 to 8x8 cells, one 3x3 convolution of 1 or 2 filters
with ReLU, 2x2 max pooling, flatten, a dense layer to three classes (the
course's "perros, botes y Gokus": dogs, boats and Gokus), softmax and
cross-entropy against a target class. Every layer is the Keras layer of the
same name (``Conv2D(filters, 3, activation="relu")``, ``MaxPooling2D(2)``,
``Flatten()``, ``Dense(3)`` and ``SparseCategoricalCrossentropy(from_logits=True)``);
the tests compare every gradient with ``tf.GradientTape`` on that model.

The backward pass is :mod:`cnnviz.core.backprop`'s, layer by layer; this
module keeps every intermediate array so the page can show each one, takes a
gradient-descent step and checks any one weight's gradient by finite
differences.

Notes
-----
With :math:`X` the input, :math:`K, b` the convolution, :math:`W, c` the dense layer:

.. math::

    Z = K \star X + b,\quad A = \mathrm{relu}(Z),\quad P = \mathrm{maxpool}(A),\quad
    v = \mathrm{flatten}(P),\quad \ell = W^\top v + c,\quad
    p = \mathrm{softmax}(\ell),\quad L = -\log p_y

and backwards :math:`\partial L/\partial \ell = p - \mathrm{onehot}(y)`,
:math:`\partial L/\partial W = v\,(\partial L/\partial \ell)^\top`,
:math:`\partial L/\partial v = W\,\partial L/\partial \ell`; max pooling sends
each cell of :math:`\partial L/\partial P` to its window's winner and 0 to
the rest; ReLU keeps it where :math:`Z > 0`; the kernel's gradient adds up
one window of :math:`X` per output position, weighted by :math:`\partial L/\partial Z`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from cnnviz.core import backprop
from cnnviz.core._checks import as_float_array, is_int
from cnnviz.core._steps import ArrayFieldsEq
from cnnviz.core.conv import conv2d
from cnnviz.core.pooling import pool2d
from cnnviz.i18n import InputError

__all__ = [
    "CLASSES",
    "KERNEL_SIZE",
    "MAX_FILTERS",
    "MAX_SIDE",
    "MAX_VALUE",
    "MIN_SIDE",
    "PARAMETERS",
    "POOL_SIZE",
    "FiniteDifference",
    "TinyBackward",
    "TinyForward",
    "TinyParams",
    "backward",
    "finite_difference",
    "forward",
    "initial_params",
    "sgd_step",
    "tiny_params",
]

CLASSES = ("dog", "boat", "goku")
"""The three classes, as catalog suffixes (``backprop.class.dog``...): the lecture's example."""

KERNEL_SIZE = 3
"""Side of the convolution's kernel."""

POOL_SIZE = 2
"""Side (and stride) of the max pooling window."""

MIN_SIDE, MAX_SIDE = 4, 8
"""Smallest and largest side of the input: 4 leaves one pooled cell, 8 leaves 3x3 of them."""

MAX_FILTERS = 2
"""Most filters in the convolution (1 or 2 keep every map on screen)."""

MAX_VALUE = 1000.0
"""Largest magnitude of an input value or a weight typed by hand (sums stay far from overflow)."""

PARAMETERS = ("kernel", "bias", "dense_weights", "dense_bias")
"""The trainable arrays, in Keras' order of ``model.trainable_weights``."""

FD_EPSILON = 1e-5
"""Step of the central difference: truncation error (ε²) and rounding error (~1e-16/ε) balance."""


@dataclass(frozen=True, eq=False)
class TinyParams(ArrayFieldsEq):
    """The network's weights, in Keras' layouts.

    Attributes
    ----------
    kernel : ndarray, shape (3, 3, 1, F)
        The convolution's kernel, F = 1 or 2 filters.
    bias : ndarray, shape (F,)
        One bias per filter.
    dense_weights : ndarray, shape (N, 3)
        The dense layer's weights, N = pooled rows x pooled columns x F (flatten's order).
    dense_bias : ndarray, shape (3,)
        One bias per class.
    """

    kernel: np.ndarray
    bias: np.ndarray
    dense_weights: np.ndarray
    dense_bias: np.ndarray

    @property
    def filters(self) -> int:
        """Number of filters F."""
        return int(self.kernel.shape[3])


@dataclass(frozen=True, eq=False)
class TinyForward(ArrayFieldsEq):
    """Every array of one forward pass.

    Attributes
    ----------
    image : ndarray, shape (H, W)
        The input.
    target : int
        The true class, an index into :data:`CLASSES`.
    totals : ndarray, shape (H - 2, W - 2, F)
        The convolution before ReLU, Z.
    activated : ndarray, shape as totals
        A = relu(Z).
    pooled : ndarray, shape ((H - 2) // 2, (W - 2) // 2, F)
        P = maxpool(A).
    flat : ndarray, shape (N,)
        P flattened row-major, channels last (as ``Flatten``).
    logits : ndarray, shape (3,)
        The dense layer's output.
    probabilities : ndarray, shape (3,)
        softmax(logits).
    loss : float
        Cross-entropy: −log p[target].
    """

    image: np.ndarray
    target: int
    totals: np.ndarray
    activated: np.ndarray
    pooled: np.ndarray
    flat: np.ndarray
    logits: np.ndarray
    probabilities: np.ndarray
    loss: float


@dataclass(frozen=True, eq=False)
class TinyBackward(ArrayFieldsEq):
    """Every gradient of the loss, from the logits back to the input.

    Attributes
    ----------
    logits : ndarray, shape (3,)
        dL/dlogits = p − onehot(target).
    dense_weights, dense_bias : ndarray, shapes (N, 3) and (3,)
        The dense layer's gradients.
    flat : ndarray, shape (N,)
        dL/dv, what the dense layer sends back.
    pooled : ndarray, shape as the forward's pooled
        dL/dP: ``flat`` reshaped.
    activated : ndarray, shape as the forward's activated
        dL/dA: ``pooled`` routed to each window's winner, 0 elsewhere.
    totals : ndarray, shape as activated
        dL/dZ: ``activated`` where Z > 0, else 0.
    kernel, bias : ndarray, shapes (3, 3, 1, F) and (F,)
        The convolution's gradients.
    image : ndarray, shape (H, W)
        dL/dX.
    """

    logits: np.ndarray
    dense_weights: np.ndarray
    dense_bias: np.ndarray
    flat: np.ndarray
    pooled: np.ndarray
    activated: np.ndarray
    totals: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    image: np.ndarray

    def of(self, name: str) -> np.ndarray:
        """Return the gradient of one of :data:`PARAMETERS`."""
        return getattr(self, name)


@dataclass(frozen=True)
class FiniteDifference:
    """One weight's gradient, measured and computed.

    Attributes
    ----------
    name : str
        One of :data:`PARAMETERS`.
    index : tuple of int
        The weight's index in that array.
    epsilon : float
        The step ε of the central difference.
    loss_plus, loss_minus : float
        The loss with the weight moved by +ε and −ε.
    numeric : float
        (loss_plus − loss_minus) / 2ε.
    analytic : float
        The backward pass' value.
    """

    name: str
    index: tuple[int, ...]
    epsilon: float
    loss_plus: float
    loss_minus: float
    numeric: float
    analytic: float

    @property
    def difference(self) -> float:
        """|numeric − analytic|."""
        return abs(self.numeric - self.analytic)


def _bounded(values: object, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read an array of a known shape, finite and within ±:data:`MAX_VALUE`."""
    array = as_float_array(values, name)
    if array.shape != shape:
        raise InputError("backprop.error.shape", name=name, shape=array.shape, expected=shape)
    largest = float(np.max(np.abs(array)))
    if largest > MAX_VALUE:
        raise InputError("backprop.error.too_large", name=name, value=largest, limit=MAX_VALUE)
    return array


def _check_image(image: object) -> np.ndarray:
    array = as_float_array(image, "image")
    if array.ndim != 2 or not all(MIN_SIDE <= n <= MAX_SIDE for n in array.shape):
        raise InputError(
            "backprop.error.input_size", shape=array.shape, low=MIN_SIDE, high=MAX_SIDE
        )
    return _bounded(array, "image", array.shape)


def flat_length(image_shape: tuple[int, int], filters: int) -> int:
    """Return N, the length of the flattened pooled maps, for an input shape and filter count.

    Examples
    --------
    >>> flat_length((6, 6), 2), flat_length((5, 8), 1)
    (8, 3)
    """
    rows, cols = ((n - KERNEL_SIZE + 1) // POOL_SIZE for n in image_shape)
    return rows * cols * filters


def tiny_params(
    kernel: object, bias: object, dense_weights: object, dense_bias: object
) -> TinyParams:
    """Check weights typed by hand and return them as :class:`TinyParams`.

    Parameters
    ----------
    kernel : array_like, shape (3, 3, 1, F) or (3, 3) for one filter
    bias : array_like, shape (F,)
    dense_weights : array_like, shape (N, 3)
    dense_bias : array_like, shape (3,)

    Returns
    -------
    TinyParams
        float64 copies.

    Raises
    ------
    InputError
        For a wrong shape, NaN or infinity, more than :data:`MAX_FILTERS`
        filters, or a value beyond ±:data:`MAX_VALUE`.
    """
    kernel = as_float_array(kernel, "kernel")
    if kernel.shape == (KERNEL_SIZE, KERNEL_SIZE):
        kernel = kernel[:, :, None, None]
    if kernel.ndim != 4 or kernel.shape[:3] != (KERNEL_SIZE, KERNEL_SIZE, 1):
        raise InputError(
            "backprop.error.shape", name="kernel", shape=kernel.shape, expected="(3, 3, 1, F)"
        )
    filters = kernel.shape[3]
    if not 1 <= filters <= MAX_FILTERS:
        raise InputError("backprop.error.filters", value=filters, high=MAX_FILTERS)
    weights = as_float_array(dense_weights, "dense_weights")
    return TinyParams(
        kernel=_bounded(kernel, "kernel", kernel.shape),
        bias=_bounded(bias, "bias", (filters,)),
        dense_weights=_bounded(weights, "dense_weights", (weights.shape[0], len(CLASSES))),
        dense_bias=_bounded(dense_bias, "dense_bias", (len(CLASSES),)),
    )


def _glorot(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int, fan_out: int):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def initial_params(image_shape: tuple[int, int], filters: int = 1, *, seed: int = 0) -> TinyParams:
    r"""Return seeded starting weights: Glorot-uniform kernels, zero biases, as Keras starts.

    Parameters
    ----------
    image_shape : (int, int)
        The input's rows and columns, each in [4, 8].
    filters : int, default 1
        1 or 2.
    seed : int, default 0
        The generator's seed: the same seed gives the same weights.

    Returns
    -------
    TinyParams

    Notes
    -----
    Glorot (Xavier) uniform draws from :math:`U(-a, a)` with
    :math:`a = \sqrt{6 / (\mathrm{fan_{in}} + \mathrm{fan_{out}})}`: for the
    kernel :math:`\mathrm{fan_{in}} = 9`, :math:`\mathrm{fan_{out}} = 9F`; for
    the dense layer :math:`N` and 3. The draws are NumPy's, not Keras' own.

    Examples
    --------
    >>> params = initial_params((6, 6), 2, seed=1)
    >>> params.kernel.shape, params.dense_weights.shape, float(params.bias.sum())
    ((3, 3, 1, 2), (8, 3), 0.0)
    >>> bool(np.abs(params.kernel).max() <= np.sqrt(6 / 27))
    True
    """
    _check_image(np.zeros(image_shape))
    if not 1 <= filters <= MAX_FILTERS:
        raise InputError("backprop.error.filters", value=filters, high=MAX_FILTERS)
    rng = np.random.default_rng(seed)
    area = KERNEL_SIZE * KERNEL_SIZE
    n = flat_length(image_shape, filters)
    return TinyParams(
        kernel=_glorot(rng, (KERNEL_SIZE, KERNEL_SIZE, 1, filters), area, area * filters),
        bias=np.zeros(filters),
        dense_weights=_glorot(rng, (n, len(CLASSES)), n, len(CLASSES)),
        dense_bias=np.zeros(len(CLASSES)),
    )


def _check_target(target: object) -> int:
    if not (is_int(target) and 0 <= target < len(CLASSES)):
        raise InputError("backprop.error.target", value=target, last=len(CLASSES) - 1)
    return int(target)


def forward(image: object, params: TinyParams, target: int) -> TinyForward:
    """Run the network on one input and measure its loss against the target class.

    Parameters
    ----------
    image : array_like, shape (H, W)
        4 <= H, W <= 8, values within ±:data:`MAX_VALUE`.
    params : TinyParams
        Weights whose dense layer fits the input (N = :func:`flat_length`).
    target : int
        The true class, 0 (dog), 1 (boat) or 2 (Goku).

    Returns
    -------
    TinyForward

    Raises
    ------
    InputError
        For an input of the wrong size or with bad values, a target out of
        range, weights that do not fit the input, or logits beyond float64's
        range (``backprop.error.overflow``: weights a runaway descent reached).

    Examples
    --------
    >>> params = tiny_params(np.ones((3, 3)), [0.0], np.ones((4, 3)), [0.0, 0.0, 0.0])
    >>> record = forward(np.eye(6), params, 0)
    >>> record.totals[..., 0].tolist()[0], record.logits.tolist()
    ([3.0, 2.0, 1.0, 0.0], [10.0, 10.0, 10.0])
    >>> round(record.loss, 6)  # log 3: the three classes tie
    1.098612
    """
    image = _check_image(image)
    target = _check_target(target)
    n = flat_length(image.shape, params.filters)
    if params.dense_weights.shape[0] != n:
        raise InputError(
            "backprop.error.dense_size", rows=params.dense_weights.shape[0], expected=n
        )
    with np.errstate(over="ignore", invalid="ignore"):
        totals = conv2d(image, params.kernel, bias=params.bias)
        activated = np.maximum(totals, 0.0)
        pooled = pool2d(activated, POOL_SIZE)
        flat = pooled.ravel()
        logits = flat @ params.dense_weights + params.dense_bias
    if not np.isfinite(logits).all():  # only weights a runaway descent reached get here
        raise InputError("backprop.error.overflow")
    with np.errstate(over="ignore", invalid="ignore"):
        scored = backprop.softmax_cross_entropy(logits, target)
    return TinyForward(
        image=image,
        target=target,
        totals=totals,
        activated=activated,
        pooled=pooled,
        flat=flat,
        logits=logits,
        probabilities=scored.probabilities,
        loss=float(scored.loss),
    )


def backward(params: TinyParams, record: TinyForward) -> TinyBackward:
    """Send the loss' gradient back through every layer.

    Parameters
    ----------
    params : TinyParams
        The weights the forward pass used.
    record : TinyForward
        Its arrays.

    Returns
    -------
    TinyBackward

    Examples
    --------
    >>> params = tiny_params(np.ones((3, 3)), [0.0], np.ones((4, 3)), [0.0, 0.0, 0.0])
    >>> grads = backward(params, forward(np.eye(6), params, 0))
    >>> np.round(grads.logits, 4).tolist()  # p − onehot: each p is 1/3
    [-0.6667, 0.3333, 0.3333]
    >>> bool(np.abs(grads.pooled).max() < 1e-15)  # W (p − y): rows of ones times a sum of 0
    True
    """
    with np.errstate(over="ignore", invalid="ignore"):
        grad_logits = backprop.softmax_cross_entropy(record.logits, record.target).grad_logits
        dense = backprop.dense_backward(record.flat, params.dense_weights, grad_logits)
        grad_pooled = dense.input.reshape(record.pooled.shape)
        grad_activated = backprop.pool2d_backward(record.activated, grad_pooled, POOL_SIZE)
        conv = backprop.conv2d_backward(
            record.image, params.kernel, grad_activated, bias=params.bias, activation="relu"
        )
    return TinyBackward(
        logits=grad_logits,
        dense_weights=dense.weights,
        dense_bias=dense.bias,
        flat=dense.input,
        pooled=grad_pooled,
        activated=grad_activated,
        totals=conv.totals,
        kernel=conv.kernel,
        bias=conv.bias,
        image=conv.input,
    )


def sgd_step(params: TinyParams, grads: TinyBackward, learning_rate: float) -> TinyParams:
    r"""Take one step of gradient descent: :math:`w \leftarrow w - \eta\,\partial L/\partial w`.

    Parameters
    ----------
    params : TinyParams
        The weights now.
    grads : TinyBackward
        Their gradients.
    learning_rate : float
        η > 0.

    Returns
    -------
    TinyParams
        The weights after the step.

    Raises
    ------
    InputError
        If η is not a positive finite number, or a new weight is not finite
        (the step diverged: use a smaller learning rate).

    Examples
    --------
    >>> params = tiny_params(np.ones((3, 3)), [0.0], np.ones((4, 3)), [0.0, 0.0, 0.0])
    >>> grads = backward(params, forward(np.eye(6), params, 0))
    >>> sgd_step(params, grads, 0.5).dense_bias.round(4).tolist()
    [0.3333, -0.1667, -0.1667]
    """
    rate = float(learning_rate)
    if not (np.isfinite(rate) and rate > 0):
        raise InputError("backprop.error.rate", value=rate)
    with np.errstate(over="ignore", invalid="ignore"):
        stepped = {name: getattr(params, name) - rate * grads.of(name) for name in PARAMETERS}
    if not all(np.isfinite(array).all() for array in stepped.values()):
        raise InputError("backprop.error.diverged", rate=rate)
    return TinyParams(**stepped)


def checked_loss(image: np.ndarray, params: TinyParams, target: int, rate: float) -> TinyForward:
    """Run :func:`forward` after a step and refuse a loss that is not finite.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        The input.
    params : TinyParams
        The weights after the step.
    target : int
        The true class.
    rate : float
        The step's learning rate, quoted in the message.

    Returns
    -------
    TinyForward

    Raises
    ------
    InputError
        ``backprop.error.diverged`` when a logit or the loss is NaN or infinite.
    """
    try:
        record = forward(image, params, target)
    except InputError as err:
        if err.key != "backprop.error.overflow":
            raise
        raise InputError("backprop.error.diverged", rate=rate) from None
    if not np.isfinite(record.loss):
        raise InputError("backprop.error.diverged", rate=rate)
    return record


def finite_difference(
    image: np.ndarray,
    params: TinyParams,
    target: int,
    name: str,
    index: tuple[int, ...],
    *,
    epsilon: float = FD_EPSILON,
) -> FiniteDifference:
    r"""Measure one weight's gradient by a central difference and set it beside the backward pass'.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        The input.
    params : TinyParams
        The weights.
    target : int
        The true class.
    name : str
        One of :data:`PARAMETERS`.
    index : tuple of int
        The weight's index in that array.
    epsilon : float, default 1e-5
        The step ε.

    Returns
    -------
    FiniteDifference

    Raises
    ------
    InputError
        For an unknown parameter or an index outside it.

    Notes
    -----
    :math:`\partial L/\partial w \approx (L(w + \varepsilon) - L(w - \varepsilon)) / 2\varepsilon`,
    wrong by :math:`O(\varepsilon^2)` where the loss is smooth. ReLU and max
    pooling have corners: if moving the weight by ε flips a ReLU or changes a
    pool's winner, the two sides see different slopes and the check disagrees.

    Examples
    --------
    >>> params = initial_params((6, 6), seed=0)
    >>> check = finite_difference(np.eye(6), params, 2, "dense_bias", (1,))
    >>> check.difference < 1e-8
    True
    """
    if name not in PARAMETERS:
        raise InputError("backprop.error.parameter", name=name)
    array = getattr(params, name)
    index = tuple(int(i) for i in index)
    if len(index) != array.ndim or not all(
        0 <= i < n for i, n in zip(index, array.shape, strict=True)
    ):
        raise InputError("backprop.error.weight_index", index=index, shape=array.shape)
    record = forward(image, params, target)
    analytic = float(backward(params, record).of(name)[index])
    losses = []
    for sign in (1, -1):
        moved = array.copy()
        moved[index] += sign * epsilon
        losses.append(forward(image, replace(params, **{name: moved}), target).loss)
    return FiniteDifference(
        name=name,
        index=index,
        epsilon=epsilon,
        loss_plus=losses[0],
        loss_minus=losses[1],
        numeric=(losses[0] - losses[1]) / (2 * epsilon),
        analytic=analytic,
    )


def sample_image(side: int = 6) -> np.ndarray:
    """Return the page's starting input: a bright cross on a dim background.

    The background is 0.1, not 0: on an all-zero window a zero bias gives
    Z = 0 exactly, ReLU's corner, where a finite difference cannot agree with
    the backward pass (whose slope there is 0, as TensorFlow's).

    Parameters
    ----------
    side : int, default 6
        4 to 8.

    Returns
    -------
    ndarray, shape (side, side)
        1 on row ``side // 2`` and column ``side // 3``, else 0.1.

    Examples
    --------
    >>> sample_image(4).tolist()[1:3]
    [[0.1, 1.0, 0.1, 0.1], [1.0, 1.0, 1.0, 1.0]]
    """
    image = _check_image(np.full((side, side), 0.1))
    image[side // 2, :] = 1.0
    image[:, side // 3] = 1.0
    return image


def pool_winners(activated: np.ndarray) -> np.ndarray:
    """Mark each max-pooling window's winner: the only cell its gradient reaches.

    Parameters
    ----------
    activated : ndarray, shape (Ho, Wo, F)
        What the pooling reads (the forward's ``activated``).

    Returns
    -------
    ndarray of bool, shape as activated
        True on the first maximum (row-major) of every 2x2 window; a last row
        or column no window covers (odd sizes) is all False.

    Examples
    --------
    >>> a = np.array([[1.0, 3, 0], [2, 3, 5], [9, 9, 9]])[..., None]
    >>> pool_winners(a)[..., 0].astype(int).tolist()
    [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    """
    pooled_shape = pool2d(activated, POOL_SIZE).shape
    routed = backprop.pool2d_backward(activated, np.ones(pooled_shape), POOL_SIZE)
    return routed != 0


def weight_indices(params: TinyParams, name: str) -> list[tuple[int, ...]]:
    """Return every index of one parameter array, row-major (the finite-difference picker's list).

    Examples
    --------
    >>> weight_indices(initial_params((6, 6)), "dense_bias")
    [(0,), (1,), (2,)]
    """
    return [tuple(int(i) for i in index) for index in np.ndindex(getattr(params, name).shape)]


def parameter_count(params: TinyParams) -> int:
    """Return the number of weights the network learns.

    Examples
    --------
    >>> parameter_count(initial_params((6, 6), 1))  # 9 + 1 + 4·3 + 3
    25
    """
    return sum(getattr(params, f.name).size for f in fields(params))
