r"""Adversarial examples: the smallest change to an image that changes the network's answer.

Two attacks, both in the :math:`L_\infty` ball of radius :math:`\varepsilon`
around the image (no pixel moves by more than :math:`\varepsilon`) and inside
the valid range :math:`[0, 1]`:

- **FGSM**, the fast gradient sign method (Goodfellow, Shlens & Szegedy 2015,
  "Explaining and Harnessing Adversarial Examples"): one step of size
  :math:`\varepsilon` along the sign of the gradient of the loss,

  .. math:: x' = \mathrm{clip}_{[0,1]}\big(x + \varepsilon\,
            \mathrm{sign}\,\nabla_x L(x, y)\big)

  (untargeted: raise the loss of the class :math:`y` the network gives), or
  :math:`x' = \mathrm{clip}_{[0,1]}(x - \varepsilon\,\mathrm{sign}\,\nabla_x L(x, t))`
  (targeted: lower the loss of a chosen class :math:`t`);
- **PGD**, projected gradient descent (Madry et al. 2018, "Towards Deep
  Learning Models Resistant to Adversarial Attacks"): ``steps`` such steps of
  size :math:`\alpha`, each followed by a projection back onto the ball and
  onto :math:`[0, 1]`, optionally from a seeded random start in the ball.

:math:`L` is the cross-entropy of the softmax of the logits
(:func:`cnnviz.nets.saliency.score_model`), :math:`L(x, y) = -\log p_y(x)`.

:func:`attack` runs one image; :func:`smallest_epsilon` finds the smallest
:math:`\varepsilon` of the page's grid (:func:`epsilon_grid`) that changes the
prediction, every :math:`\varepsilon` in one batch; :func:`transfer_attack`
crafts examples on one network and measures how often they fool another.

TensorFlow is imported inside the functions, so importing this module stays
light.

Examples
--------
A linear two-class model: the loss gradient of class 0 points along
:math:`w_1 - w_0`, so FGSM moves every pixel by :math:`\varepsilon` that way.

>>> import keras
>>> model = keras.Sequential([keras.Input((1, 2, 1)), keras.layers.Flatten(),
...                           keras.layers.Dense(2, use_bias=False)])
>>> model.layers[-1].set_weights([np.array([[1.0, 0.0], [0.0, 1.0]], np.float32)])
>>> result = attack(model, np.array([[0.5, 0.4]], np.float32), AttackSettings(epsilon=0.1))
>>> result.perturbation[..., 0].round(3).tolist(), result.clean_prediction, result.prediction
([[-0.1, 0.1]], 0, 1)
"""

from __future__ import annotations

import math
import numbers
import weakref
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import softmax

from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError
from cnnviz.nets.saliency import score_model
from cnnviz.nets.saliency._base import (
    BATCH_SIZE,
    CACHE_LOCK,
    batch_scores,
    checked_input,
    shape_text,
)

if TYPE_CHECKING:  # pragma: no cover
    import keras

METHODS = ("fgsm", "pgd")
EPSILON_MAX = 0.3
"""The largest ε offered, in the input's units ([0, 1]): 0.3 ≈ 77/255, where digits still read."""
EPSILON_STEP = 0.005
"""The ε slider's step, and the spacing of the grid the challenge searches."""
STEPS_RANGE = (1, 20)
ALPHA_RATIO = 2.5
"""PGD's default step: α = 2.5 ε / steps (Madry et al.), so the walk can reach the ball's edge."""
BATCH_RANGE = (10, 500)
"""How many test images a transfer attack may use: enough for a rate, few enough to stay quick."""


def _check_epsilon(
    value: float, *, key: str = "error.adv_epsilon", low_open: bool = False
) -> float:
    """Return ε (or α: ``low_open``, above 0) checked to lie in [0, EPSILON_MAX]."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (value > 0 if low_open else value >= 0) or value > EPSILON_MAX + 1e-12:
        raise InputError(key, value=repr(value), high=EPSILON_MAX)
    return float(value)


@dataclass(frozen=True)
class AttackSettings:
    r"""How to attack, checked when made.

    Attributes
    ----------
    method : {"fgsm", "pgd"}
        One signed-gradient step, or several projected ones.
    epsilon : float
        The ball's radius, from 0 to :data:`EPSILON_MAX` (input units, [0, 1]).
    steps : int, default 10
        PGD's steps, 1 to 20 (FGSM ignores it).
    alpha : float or None
        PGD's step size, in (0, :data:`EPSILON_MAX`]; None for
        :math:`\min(\varepsilon, 2.5\,\varepsilon / \text{steps})`. A search over ε keeps α/ε.
    target : int or None
        A class to push the image towards (targeted attack); None to push it
        away from the class the network gives (untargeted).
    random_start : bool, default False
        PGD only: start from a point drawn uniformly in the ball (seeded).
    seed : int, default 0
        Seed of the random start.

    Raises
    ------
    InputError
        ``error.adv_method``, ``error.adv_epsilon``, ``error.adv_steps`` or
        ``error.adv_target`` (a negative or non-integer class).
    """

    method: str = "fgsm"
    epsilon: float = 0.1
    steps: int = 10
    alpha: float | None = None
    target: int | None = None
    random_start: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise InputError(
                "error.adv_method", value=repr(self.method), methods=", ".join(METHODS)
            )
        _check_epsilon(self.epsilon)
        low, high = STEPS_RANGE
        if not is_int(self.steps) or not low <= self.steps <= high:
            raise InputError("error.adv_steps", value=repr(self.steps), low=low, high=high)
        if self.alpha is not None:
            _check_epsilon(self.alpha, key="error.adv_alpha", low_open=True)
        if self.target is not None and (not is_int(self.target) or self.target < 0):
            raise InputError("error.adv_target", value=repr(self.target))

    @property
    def alpha_ratio(self) -> float:
        r"""PGD's α / ε: from the α given, else :math:`\min(1, 2.5/\text{steps})`."""
        if self.alpha is not None and self.epsilon > 0:
            return self.alpha / self.epsilon
        return min(1.0, ALPHA_RATIO / self.steps)


@dataclass(frozen=True)
class AttackResult:
    """One image before and after an attack.

    Attributes
    ----------
    adversarial : ndarray, shape (H, W, C), float32
        The adversarial example, in [0, 1].
    perturbation : ndarray, shape (H, W, C), float32
        ``adversarial - image``: every value in [-ε, ε].
    probabilities, clean_probabilities : ndarray, shape (K,), float64
        The softmax after and before.
    prediction, clean_prediction : int
        The class with the highest probability after and before.
    """

    adversarial: np.ndarray
    perturbation: np.ndarray
    probabilities: np.ndarray
    clean_probabilities: np.ndarray
    prediction: int
    clean_prediction: int

    @property
    def changed(self) -> bool:
        """Whether the prediction changed."""
        return self.prediction != self.clean_prediction


# --- batched passes -------------------------------------------------------------------------


def probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Return the softmax of the logits (N, K), float64, for a float32 batch (N, H, W, C)."""
    return softmax(batch_scores(model, images), axis=1)


# Per-model compiled gradient: tracing once makes a step about five times faster than eager
# (13 ms instead of 67 ms for one colour image), which is what keeps PGD under a second.
_GRADIENT_FUNCTIONS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def _compiled_gradient(model: keras.Model) -> Any:
    """Return the model's compiled cross-entropy input gradient, traced once per model."""
    import tensorflow as tf

    with CACHE_LOCK:
        cached = _GRADIENT_FUNCTIONS.get(model)
        if cached is not None:
            return cached
        scores = score_model(model)

        # reduce_retracing: batches of every size share one trace with an unknown batch axis.
        @tf.function(reduce_retracing=True)
        def gradient(batch: Any, labels: Any) -> Any:
            with tf.GradientTape() as tape:
                tape.watch(batch)
                logits = scores(batch, training=False)
                # Summed over the batch: in inference each image's loss depends on it alone.
                loss = tf.reduce_sum(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
                )
            return tape.gradient(loss, batch, unconnected_gradients=tf.UnconnectedGradients.ZERO)

        _GRADIENT_FUNCTIONS[model] = gradient
        return gradient


def loss_gradients(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
    r"""Return :math:`\nabla_x L(x, y)`, the cross-entropy's input gradient, for each image.

    Parameters
    ----------
    model : keras.Model
        A built classifier (a final softmax is stripped: :func:`score_model`).
    images : ndarray, shape (N, H, W, C), float32
        The batch.
    labels : ndarray, shape (N,), int
        The class of each image's loss.

    Returns
    -------
    ndarray, shape (N, H, W, C), float32
        :math:`\partial(-\log p_{y_n}(x_n))/\partial x_n`.
    """
    import tensorflow as tf

    gradient = _compiled_gradient(model)
    grads = np.empty_like(images)
    for start in range(0, len(images), BATCH_SIZE):
        batch = tf.convert_to_tensor(images[start : start + BATCH_SIZE])
        labels_ = tf.convert_to_tensor(np.asarray(labels[start : start + BATCH_SIZE], np.int64))
        grads[start : start + len(batch)] = gradient(batch, labels_).numpy()
    return grads


def _direction(model: keras.Model, x: np.ndarray, labels: np.ndarray, targeted: bool) -> np.ndarray:
    """Return the step's direction: up the loss of ``labels``, or down it towards a target."""
    sign = np.sign(loss_gradients(model, x, labels))
    return -sign if targeted else sign


def _pgd_batch(
    model: keras.Model,
    x: np.ndarray,
    labels: np.ndarray,
    epsilons: np.ndarray,
    settings: AttackSettings,
) -> np.ndarray:
    """Run PGD on a batch, each image with its own ε (N,); return the adversarial batch."""
    eps64 = np.asarray(epsilons, np.float64).reshape(-1, *([1] * (x.ndim - 1)))
    # One α/ε for every ε of a search, in float64: a tiny ε with a given α has a huge ratio.
    alpha = (eps64 * settings.alpha_ratio).astype(np.float32)
    eps = eps64.astype(np.float32)
    low, high = np.clip(x - eps, 0.0, 1.0), np.clip(x + eps, 0.0, 1.0)
    adv = x.copy()
    if settings.random_start:
        # One draw in [-1, 1] scaled by each ε: an ε of a search starts where its own run would.
        noise = np.random.default_rng(settings.seed).uniform(-1.0, 1.0, size=x.shape[1:])
        adv = np.clip(x + eps * noise.astype(np.float32), low, high)
    targeted = settings.target is not None
    for _ in range(settings.steps):
        step = alpha * _direction(model, adv, labels, targeted)
        adv = np.clip(adv + step, low, high)  # the ball ∩ [0, 1], both boxes
    return adv.astype(np.float32)


def _fgsm_batch(x: np.ndarray, direction: np.ndarray, epsilons: np.ndarray) -> np.ndarray:
    """One FGSM step per image, each with its own ε (N,)."""
    eps = epsilons.reshape(-1, *([1] * (x.ndim - 1)))
    return np.clip(x + eps * direction, 0.0, 1.0).astype(np.float32)


def _craft(
    model: keras.Model, x: np.ndarray, labels: np.ndarray, epsilons: np.ndarray, s: AttackSettings
) -> np.ndarray:
    """Adversarial examples of a batch (N, H, W, C), each with its own ε, by ``s.method``."""
    if s.method == "pgd":
        return _pgd_batch(model, x, labels, epsilons, s)
    return _fgsm_batch(x, _direction(model, x, labels, s.target is not None), epsilons)


# --- one image ------------------------------------------------------------------------------


def _checked(
    model: keras.Model, image: np.ndarray, settings: AttackSettings
) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Return the image (H, W, C), its clean probabilities, prediction and the loss's class."""
    x, _ = checked_input(model, image, 0)
    clean = probabilities(model, x[None])[0]
    prediction = int(np.argmax(clean))
    if settings.target is None:
        return x, clean, prediction, prediction
    if settings.target >= clean.size:
        raise InputError("error.adv_target", value=repr(settings.target))
    if settings.target == prediction:
        raise InputError("error.adv_target_is_current", target=settings.target)
    return x, clean, prediction, settings.target


def attack(model: keras.Model, image: np.ndarray, settings: AttackSettings) -> AttackResult:
    """Attack one image: push it away from the network's class, or towards ``settings.target``.

    Parameters
    ----------
    model : keras.Model
        A built classifier (batch (N, H, W, C) in, (N, K) out).
    image : ndarray, shape (H, W) or (H, W, C)
        One input in [0, 1], the model's size.
    settings : AttackSettings
        Method, ε, steps, target.

    Returns
    -------
    AttackResult
        The example, the perturbation, and the probabilities before and after.

    Raises
    ------
    InputError
        For an image that does not fit the model, a target that is not one of its
        classes (``error.adv_target``) or is the class it already gives
        (``error.adv_target_is_current``).
    """
    x, clean, prediction, label = _checked(model, image, settings)
    adv = _craft(model, x[None], np.array([label]), np.array([settings.epsilon]), settings)[0]
    probs = probabilities(model, adv[None])[0]
    return AttackResult(adv, adv - x, probs, clean, int(np.argmax(probs)), prediction)


# --- the challenge: the smallest ε ----------------------------------------------------------


def epsilon_grid(high: float = EPSILON_MAX, step: float = EPSILON_STEP) -> np.ndarray:
    """Return the ε the page's slider offers above 0: ``step, 2 step, ..., high``.

    Examples
    --------
    >>> epsilon_grid(0.02).tolist()
    [0.005, 0.01, 0.015, 0.02]
    """
    count = round(high / step)
    return np.round(np.arange(1, count + 1) * step, 10)


@dataclass(frozen=True)
class EpsilonSearch:
    """Every ε of a grid tried on one image.

    Attributes
    ----------
    grid : ndarray, shape (G,)
        The ε tried, increasing.
    predictions : ndarray, shape (G,), int
        The class the network gives at each ε.
    success : ndarray, shape (G,), bool
        Whether the attack worked at each ε: the class changed (untargeted) or
        is the target (targeted).
    smallest : float or None
        The first ε of the grid that worked; None if none did.
    """

    grid: np.ndarray
    predictions: np.ndarray
    success: np.ndarray
    smallest: float | None


def smallest_epsilon(
    model: keras.Model,
    image: np.ndarray,
    settings: AttackSettings,
    grid: np.ndarray | None = None,
) -> EpsilonSearch:
    r"""Try every ε of the grid at once and return the smallest that changes the prediction.

    FGSM's direction :math:`\mathrm{sign}\,\nabla_x L` does not depend on ε:
    one gradient and one batched forward pass over the grid answer it. PGD's
    walk does depend on ε, so every ε runs its own PGD, all in one batch
    (``steps`` batched gradients): exact on the grid, with no assumption that
    success grows with ε (a bisection would need it, and it can fail).

    Parameters
    ----------
    model, image, settings
        As for :func:`attack`; ``settings.epsilon`` is ignored (the grid replaces
        it) and PGD keeps its ratio α/ε.
    grid : ndarray, optional
        The ε to try, increasing, each in (0, :data:`EPSILON_MAX`]; the
        slider's :func:`epsilon_grid` by default.

    Returns
    -------
    EpsilonSearch
        The prediction at every ε and the first that worked (None if none).
    """
    epsilons = epsilon_grid() if grid is None else np.asarray(grid, dtype=np.float64).ravel()
    for value in epsilons:
        _check_epsilon(float(value), low_open=True)
    x, _, prediction, label = _checked(model, image, settings)
    batch = np.repeat(x[None], len(epsilons), axis=0)
    adv = _craft(model, batch, np.full(len(epsilons), label), epsilons, settings)
    predictions = np.argmax(probabilities(model, adv), axis=1)
    success = predictions == label if settings.target is not None else predictions != prediction
    first = int(np.argmax(success)) if success.any() else None
    return EpsilonSearch(
        epsilons, predictions, success, None if first is None else float(epsilons[first])
    )


# --- transfer between networks --------------------------------------------------------------


@dataclass(frozen=True)
class TransferResult:
    """Examples crafted on a source network, tried on it (white box) and on a target network.

    Attributes
    ----------
    images : int
        How many test images were attacked.
    source_accuracy, target_accuracy : float
        Each network's accuracy on the clean images, in [0, 1].
    white_box_rate : float or None
        Among the images the source got right, the fraction it gets wrong after
        the attack; None if it got none right.
    transfer_rate : float or None
        The same for the target network, on the examples crafted on the source.
    source_right, target_right : int
        How many clean images each network got right: the rates' denominators.
    """

    images: int
    source_accuracy: float
    target_accuracy: float
    white_box_rate: float | None
    transfer_rate: float | None
    source_right: int
    target_right: int


def _check_pair(source: keras.Model, target: keras.Model) -> None:
    """Raise unless both networks read the same input and give the same number of classes."""
    shapes = [tuple(m.inputs[0].shape[1:]) for m in (source, target)]
    classes = [int(score_model(m).outputs[0].shape[-1]) for m in (source, target)]
    if shapes[0] != shapes[1] or classes[0] != classes[1]:
        raise InputError(
            "error.adv_transfer_shape",
            source=shape_text(shapes[0]),
            target=shape_text(shapes[1]),
            source_classes=classes[0],
            target_classes=classes[1],
        )


def _rate(right: np.ndarray, fooled: np.ndarray) -> float | None:
    return float(fooled[right].mean()) if right.any() else None


def transfer_attack(
    source: keras.Model,
    target: keras.Model,
    images: np.ndarray,
    labels: np.ndarray,
    settings: AttackSettings,
) -> TransferResult:
    """Craft untargeted examples on ``source`` and count how often they fool ``target``.

    Parameters
    ----------
    source, target : keras.Model
        Two classifiers with the same input shape and number of classes.
    images : ndarray, shape (N, H, W, C) or (N, H, W); float in [0, 1] or uint8
        Test images, ``N`` from 10 to 500.
    labels : ndarray, shape (N,)
        Their true classes: the loss raised on the source is the true class's.
    settings : AttackSettings
        Method, ε and steps (a target class is ignored: transfer is untargeted).

    Returns
    -------
    TransferResult
        Clean accuracies and success rates, each over the images that network
        got right before the attack (an image it already got wrong proves nothing).

    Raises
    ------
    InputError
        ``error.adv_batch`` for a batch size out of range,
        ``error.adv_transfer_shape`` for networks that do not match.
    """
    _check_pair(source, target)
    x = np.asarray(images)
    x = x.astype(np.float32) / 255 if x.dtype == np.uint8 else x.astype(np.float32)
    if x.ndim == 3:
        x = x[..., None]
    y = np.asarray(labels).astype(np.int64).ravel()
    low, high = BATCH_RANGE
    if not low <= len(x) <= high or len(y) != len(x):
        raise InputError("error.adv_batch", count=len(x), low=low, high=high)
    if x.shape[1:] != tuple(source.inputs[0].shape[1:]):
        raise InputError(
            "error.saliency_image_shape",
            shape=shape_text(x.shape[1:]),
            expected=shape_text(source.inputs[0].shape[1:]),
        )
    settings = replace(settings, target=None)
    adv = _craft(source, x, y, np.full(len(x), settings.epsilon), settings)
    right = [np.argmax(probabilities(m, x), axis=1) == y for m in (source, target)]
    fooled = [np.argmax(probabilities(m, adv), axis=1) != y for m in (source, target)]
    return TransferResult(
        images=len(x),
        source_accuracy=float(right[0].mean()),
        target_accuracy=float(right[1].mean()),
        white_box_rate=_rate(right[0], fooled[0]),
        transfer_rate=_rate(right[1], fooled[1]),
        source_right=int(right[0].sum()),
        target_right=int(right[1].sum()),
    )
