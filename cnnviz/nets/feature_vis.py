r"""Feature visualisation: the input a filter (or a class) likes most, and the test images it likes.

**Activation maximisation.** For a convolution filter :math:`f` of layer
:math:`\ell`, the objective is its *mean activation* over the map,
:math:`a(x) = \frac{1}{hw}\sum_{i,j} \mathrm{ReLU}(z^{\ell}_{i,j,f}(x))`, the
map after the ReLU that follows the convolution (the map the "feature maps"
view shows; a ``Conv2D`` with a built-in activation gives it directly). After
the ReLU, because before it the mean is linear in the input for a first layer,
:math:`\sum_{i,j} z_{i,j} \approx (\sum w)\sum x`, and its optimum a flat grey,
whereas the rectified mean rewards the filter's pattern wherever it fits.
If the filter is off everywhere on the starting noise its gradient is zero and
the climb cannot start: then (``FeatureResult.pre_relu``) the mean *before*
the ReLU is climbed until some unit switches on, and the rectified mean from
that step on (climbing the mean before the ReLU all the way ends far below
the test images' activations: on the digit network's conv2, 0.17 against
0.59). For a class :math:`c` the objective is the logit
:math:`S_c(x)` (before the softmax, :func:`cnnviz.nets.saliency.score_model`),
since a probability also rises when the other classes fall.

Gradient ascent from seeded noise :math:`x_0` maximises

.. math:: J(x) = a(\mathrm{roll}(x, \delta_t)) - s\,\bigl(\lambda_{TV}\,\mathrm{TV}(x)
          + \lambda_2 \|x\|^2\bigr),
          \qquad x_{t+1} = x_t + \eta\,\nabla J(x_t) / s,

with :math:`\delta_t` the step's random jitter, and :math:`s` the RMS of
:math:`\nabla a(x_0)` per pixel: the penalties' weights and the step
:math:`\eta` are then in units of the filter's own gradient, so one set of
defaults suits a digit filter and a colour network's logit alike. Every
``blur_every`` steps the image is blurred
(:func:`cnnviz.core.feature_math.gaussian_blur`); with ``clip`` it is kept in
the input's range [0, 1] after each step (projected gradient ascent).

For a linear score :math:`a(x) = w \cdot x + b` with only the L2 penalty the
optimum is :math:`x^* = w / (2 s \lambda_2)`, proportional to the weights,
and the iteration converges to it when :math:`0 < \eta\lambda_2 < 1`.

**Top-activating test images** (:func:`activation_table`, :func:`top_images`):
each test image's largest value of the filter's (rectified) map, where it is,
and the input pixels that unit sees (its receptive field,
:mod:`cnnviz.core.feature_math`).

TensorFlow is imported inside the functions only.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz.core import feature_math
from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError

if TYPE_CHECKING:  # pragma: no cover
    import keras

CLASS_LAYER = "class"
"""The "layer" whose units are the class logits."""
STEPS = (1, 512)
RATE = (0.001, 1.0)
SEED = (0, 9999)
BATCH = 250
_POOLS = ("MaxPooling2D", "AveragePooling2D")
_ELEMENTWISE = ("Activation", "ReLU", "LeakyReLU", "ELU", "PReLU")

_MODELS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()
_LOCK = threading.RLock()


@dataclass(frozen=True)
class FeatureSettings:
    r"""How the ascent runs; a weight of 0 (or ``jitter=0``, ``blur=0``) switches a regulariser off.

    Attributes
    ----------
    steps : int
        Gradient steps, in :data:`STEPS`.
    rate : float
        Step :math:`\eta`, in :data:`RATE` (pixels move about ``rate`` per step).
    jitter : int
        Largest random roll in pixels each step.
    blur : float
        Gaussian width :math:`\sigma` in pixels, applied every ``blur_every`` steps.
    blur_every : int
    tv : float
        :math:`\lambda_{TV}`.
    l2 : float
        :math:`\lambda_2`.
    clip : bool
        Keep pixels in [0, 1].
    seed : int
        Seeds the starting noise and the jitter, in :data:`SEED`.
    """

    steps: int = 160
    rate: float = 0.04
    jitter: int = 2
    blur: float = 0.6
    blur_every: int = 4
    tv: float = 0.01
    l2: float = 0.01
    clip: bool = True
    seed: int = 0


DEFAULTS = FeatureSettings()
OFF = FeatureSettings(jitter=0, blur=0.0, tv=0.0, l2=0.0, clip=False)
"""The same run with every regulariser off: the bare gradient."""


@dataclass(frozen=True)
class FeatureResult:
    """One visualisation.

    Attributes
    ----------
    image : ndarray, shape (H, W, C), float32
    objective : ndarray, shape (steps,)
        :math:`J` at each step.
    activation : float
        The objective's :math:`a(x)` of the final image, unjittered.
    scale : float
        :math:`s`.
    pre_relu : bool
        Whether the climb started on the mean before the ReLU (the filter was off on
        the noise); it moves to the mean after the ReLU once a unit switches on.
    """

    image: np.ndarray
    objective: np.ndarray
    activation: float
    scale: float
    pre_relu: bool = False


# --- the layers ------------------------------------------------------------------------------


def filter_layers(model: keras.Model) -> tuple[str, ...]:
    """Names of the model's ``Conv2D`` layers, in order: the layers whose filters can be shown."""
    return tuple(layer.name for layer in model.layers if type(layer).__name__ == "Conv2D")


def unit_count(model: keras.Model, layer: str) -> int:
    """How many filters ``layer`` has (classes for :data:`CLASS_LAYER`); checked."""
    if layer == CLASS_LAYER:
        return int(model.outputs[0].shape[-1])
    known = {item.name: item for item in model.layers}
    if layer not in known:
        raise InputError(
            "error.features_unknown_layer",
            layer=repr(layer)[:40],
            layers=", ".join(filter_layers(model)),
        )
    if type(known[layer]).__name__ != "Conv2D":
        raise InputError(
            "error.features_no_filters",
            layer=layer,
            kind=type(known[layer]).__name__,
            layers=", ".join(filter_layers(model)),
        )
    return int(known[layer].filters)


def check_unit(model: keras.Model, layer: str, unit: int) -> int:
    """Check a filter (or class) index of ``layer`` and return it."""
    count = unit_count(model, layer)
    if not is_int(unit) or not 0 <= int(unit) < count:
        raise InputError("error.features_unit_range", value=repr(unit), last=count - 1)
    return int(unit)


def check_settings(settings: FeatureSettings) -> FeatureSettings:
    """Check the number of steps, the rate, the seed and the regularisers' sizes."""
    if not is_int(settings.steps) or not STEPS[0] <= settings.steps <= STEPS[1]:
        raise InputError("error.features_steps", value=settings.steps, low=STEPS[0], high=STEPS[1])
    rate = float(settings.rate)
    if not np.isfinite(rate) or not RATE[0] <= rate <= RATE[1]:
        raise InputError("error.features_rate", value=settings.rate, low=RATE[0], high=RATE[1])
    if not is_int(settings.seed) or not SEED[0] <= settings.seed <= SEED[1]:
        raise InputError("error.features_seed", value=settings.seed, low=SEED[0], high=SEED[1])
    numbers = (settings.jitter, settings.blur, settings.tv, settings.l2, settings.blur_every - 1)
    if not all(np.isfinite(v) and v >= 0 for v in numbers):
        raise InputError("error.features_regulariser", values=str(numbers))
    return settings


def _output_model(model: keras.Model, layer: str) -> keras.Model:
    """Return the model cut at ``layer`` (the logits for :data:`CLASS_LAYER`), built once."""
    import keras

    from cnnviz.nets.saliency import score_model

    unit_count(model, layer)
    with _LOCK:
        per_model = _MODELS.setdefault(model, {})
        if layer not in per_model:
            if layer == CLASS_LAYER:
                per_model[layer] = score_model(model)
            else:
                outputs = [model.get_layer(layer).output, _rectified(model, layer).output]
                per_model[layer] = keras.Model(model.inputs[0], outputs, name=f"cut_{layer}")
        return per_model[layer]


def _rectified(model: keras.Model, layer: str) -> Any:
    """Return the last element-wise layer after ``layer`` (its ReLU), else ``layer``."""
    chosen = model.get_layer(layer)
    for item in model.layers:
        if type(item).__name__ in _ELEMENTWISE and item.input is chosen.output:
            chosen = item
    return chosen


def _step_function(model: keras.Model, layer: str) -> Callable[..., Any]:
    """Return the compiled step ``(x, shift, unit, tv, l2, scale, pre) -> (a, J, ∇J)``.

    One per model and layer, kept with the model.
    """
    import tensorflow as tf

    key = f"step:{layer}"
    with _LOCK:
        cached = _MODELS.setdefault(model, {}).get(key)
    if cached is not None:
        return cached
    cut = _output_model(model, layer)
    is_class = layer == CLASS_LAYER

    @tf.function(reduce_retracing=True)
    def step(x, shift, unit, tv_weight, l2_weight, scale, pre):
        with tf.GradientTape() as tape:
            tape.watch(x)
            out = cut(tf.roll(x, shift, axis=[0, 1])[None], training=False)
            if is_class:
                act = climbed = out[0, unit]
            else:  # the mean after the ReLU, and the one climbed (before it while it is off)
                means = [tf.reduce_mean(maps[0, ..., unit]) for maps in out]
                act, climbed = means[1], tf.where(pre, means[0], means[1])
            tv = tf.reduce_sum(tf.abs(x[1:] - x[:-1])) + tf.reduce_sum(tf.abs(x[:, 1:] - x[:, :-1]))
            objective = climbed - scale * (tv_weight * tv + l2_weight * tf.reduce_sum(tf.square(x)))
        return act, objective, tape.gradient(objective, x)

    with _LOCK:
        _MODELS[model][key] = step
    return step


# --- activation maximisation -------------------------------------------------------------------


def start_image(shape: tuple[int, int, int], seed: int) -> np.ndarray:
    """Return the seeded starting noise: grey 0.5 plus Gaussian noise of 0.1, float32 (H, W, C)."""
    rng = np.random.default_rng(seed)
    return (0.5 + 0.1 * rng.standard_normal(shape)).astype(np.float32)


def visualise(
    model: keras.Model,
    layer: str,
    unit: int,
    settings: FeatureSettings = DEFAULTS,
    *,
    start: np.ndarray | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FeatureResult:
    """Climb to the input that maximises a filter's mean activation (or a class logit).

    Parameters
    ----------
    model : keras.Model
        A built classifier ``(N, H, W, C) -> (N, classes)``.
    layer : str
        A ``Conv2D`` layer's name, or :data:`CLASS_LAYER`.
    unit : int
        The filter (or class) index.
    settings : FeatureSettings
        Checked with :func:`check_settings`.
    start : ndarray (H, W, C), optional
        The first image; seeded noise (:func:`start_image`) by default.
    progress : callable, optional
        Called as ``progress(step, steps)`` after each step (a progress bar).

    Returns
    -------
    FeatureResult
        The same for the same model, settings and seed.

    Raises
    ------
    InputError
        For a layer without filters, an index out of range or settings out of range.
    """
    import tensorflow as tf

    unit = check_unit(model, layer, unit)
    settings = check_settings(settings)
    shape = tuple(int(n) for n in model.inputs[0].shape[1:])
    x = start_image(shape, settings.seed) if start is None else np.array(start, np.float32)
    rng = np.random.default_rng(settings.seed + 1)  # jitter apart from the noise
    shifts = feature_math.jitter_shifts(rng, settings.steps, int(settings.jitter))
    step = _step_function(model, layer)
    zero = tf.constant([0, 0], tf.int32)
    unit_t, none, one = tf.constant(unit), tf.constant(0.0), tf.constant(1.0)
    pre = tf.constant(False)
    scale = _gradient_rms(step(tf.constant(x), zero, unit_t, none, none, one, pre)[2])
    if scale == 0.0:  # off everywhere on the noise: climb the mean before the ReLU
        pre = tf.constant(True)
        scale = _gradient_rms(step(tf.constant(x), zero, unit_t, none, none, one, pre)[2]) or 1.0
    weights = (unit_t, tf.constant(float(settings.tv)), tf.constant(float(settings.l2)))
    objective = np.empty(settings.steps)
    started_off = bool(pre)
    for index in range(settings.steps):
        shift = tf.constant(shifts[index])
        act, value, grad = step(tf.constant(x), shift, *weights, tf.constant(scale), pre)
        if pre and float(act) > 0:  # switched on: from now on climb what the page shows
            pre = tf.constant(False)
            rescaled = step(tf.constant(x), shift, unit_t, none, none, one, pre)[2]
            scale = _gradient_rms(rescaled) or scale
            act, value, grad = step(tf.constant(x), shift, *weights, tf.constant(scale), pre)
        objective[index] = float(value)
        x = x + (settings.rate / scale) * grad.numpy()
        if settings.blur > 0 and (index + 1) % settings.blur_every == 0:
            x = feature_math.gaussian_blur(x, settings.blur).astype(np.float32)
        if settings.clip:
            x = np.clip(x, 0.0, 1.0)
        if progress is not None:
            progress(index + 1, settings.steps)
    final, _, _ = step(tf.constant(x), zero, unit_t, none, none, one, tf.constant(False))
    return FeatureResult(x.astype(np.float32), objective, float(final), scale, started_off)


def _gradient_rms(grad: Any) -> float:
    """Return the RMS of a gradient per pixel."""
    return float(np.sqrt(np.mean(np.square(np.asarray(grad, dtype=np.float64)))))


def without_regularisers(settings: FeatureSettings) -> FeatureSettings:
    """Return the same steps, rate and seed with every regulariser off."""
    return replace(OFF, steps=settings.steps, rate=settings.rate, seed=settings.seed)


# --- the test images that excite a filter most -----------------------------------------------


@dataclass(frozen=True)
class ActivationTable:
    """What one layer's units do on a set of images.

    Attributes
    ----------
    maxima, means : ndarray, shape (N, K)
        Each image's largest and mean value of each unit's map (for the class
        layer, both are the logit).
    positions : ndarray of int, shape (N, K)
        Where the largest value is, as ``row * width + col`` (0 for classes).
    map_shape : (int, int)
        The maps' rows and columns ((1, 1) for classes).
    """

    maxima: np.ndarray
    means: np.ndarray
    positions: np.ndarray
    map_shape: tuple[int, int]


def activation_table(model: keras.Model, layer: str, images: np.ndarray) -> ActivationTable:
    """Run ``images`` (N, H, W, C) through the model cut at ``layer``, :data:`BATCH` at a time."""
    unit_count(model, layer)
    cut = _output_model(model, layer)
    maxima, means, positions = [], [], []
    map_shape = (1, 1)
    for begin in range(0, len(images), BATCH):
        out = cut(images[begin : begin + BATCH], training=False)
        out = np.asarray(out[-1] if isinstance(out, list | tuple) else out, dtype=np.float64)
        if out.ndim == 4:
            map_shape = out.shape[1:3]
            out = out.reshape(len(out), -1, out.shape[-1])
        else:
            out = out[:, None, :]
        maxima.append(out.max(axis=1))
        means.append(out.mean(axis=1))
        positions.append(out.argmax(axis=1))
    return ActivationTable(
        np.concatenate(maxima),
        np.concatenate(means),
        np.concatenate(positions).astype(np.int64),
        (int(map_shape[0]), int(map_shape[1])),
    )


def receptive_fields(model: keras.Model, layer: str) -> feature_math.FieldPair:
    """Return the receptive field of ``layer``'s units along rows and columns."""
    stack: list[dict[str, object]] = []
    for item in model.layers:
        kind = type(item).__name__
        if kind == "Conv2D":
            stack.append(
                {
                    "kernel_size": tuple(item.kernel_size),
                    "strides": tuple(item.strides),
                    "padding": item.padding,
                    "dilation_rate": tuple(item.dilation_rate),
                }
            )
        elif kind in _POOLS:
            stack.append(
                {
                    "pool_size": tuple(item.pool_size),
                    "strides": tuple(item.strides),
                    "padding": item.padding,
                }
            )
        if item.name == layer:
            break
    shape = tuple(int(n) for n in model.inputs[0].shape[1:3])
    return feature_math.layer_fields(stack, shape)


@dataclass(frozen=True)
class TopImage:
    """One of the test images a unit likes most.

    Attributes
    ----------
    index : int
        Its place in the test set.
    value : float
        The unit's largest activation on it.
    unit : (int, int) or None
        Where in the map (None for a class).
    box : (int, int, int, int) or None
        The input pixels that unit sees: top, left, bottom, right, inclusive.
    """

    index: int
    value: float
    unit: tuple[int, int] | None
    box: tuple[int, int, int, int] | None


def top_images(
    table: ActivationTable,
    unit: int,
    count: int,
    fields: feature_math.FieldPair | None,
    image_shape: tuple[int, ...],
) -> tuple[TopImage, ...]:
    """Return the ``count`` images with the largest maximum of unit ``unit``, largest first.

    ``fields`` is None for the class layer: the whole image counts, no box.
    """
    values = table.maxima[:, unit]
    # A stable sort: equal values keep the test set's order, as a brute-force ranking would.
    order = np.argsort(-values, kind="stable")[:count]
    found = []
    for index in order:
        row, col = divmod(int(table.positions[index, unit]), table.map_shape[1])
        box = None if fields is None else feature_math.unit_box(fields, row, col, image_shape)
        found.append(
            TopImage(int(index), float(values[index]), None if fields is None else (row, col), box)
        )
    return tuple(found)
