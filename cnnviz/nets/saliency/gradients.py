r"""Gradient methods: the plain gradient, SmoothGrad and Integrated Gradients.

Every function takes ``model, image, class_index`` as described in
:mod:`cnnviz.nets.saliency` (Conventions): a built classifier, one image
``(H, W)`` or ``(H, W, C)`` and a class from 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.nets.saliency._base import (
    batch_gradients,
    batch_scores,
    check_count,
    checked_input,
    shape_text,
)
from cnnviz.nets.saliency.options import DEFAULTS, check_noise_level

if TYPE_CHECKING:  # pragma: no cover
    import keras


def _abs_max_channels(grads: np.ndarray) -> np.ndarray:
    return np.abs(grads).max(axis=-1).astype(np.float32)


def class_score(model: keras.Model, image: np.ndarray, class_index: int) -> float:
    """Return the score (pre-softmax logit) of one class for one image.

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.

    Returns
    -------
    float
        :math:`S_c(x)`, the output of :func:`score_model`.
    """
    x, k = checked_input(model, image, class_index)
    return float(batch_scores(model, x[None])[0, k])


def input_gradient(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    r"""Return the signed gradient of the class score with respect to every input value.

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.

    Returns
    -------
    ndarray, shape (H, W, C), float32
        :math:`\partial S_c / \partial x` (a single channel for a 2-D image).
    """
    x, k = checked_input(model, image, class_index)
    return batch_gradients(model, x[None], k)[0]


def vanilla_gradient(model: keras.Model, image: np.ndarray, class_index: int) -> np.ndarray:
    r"""Return the gradient saliency map: how sensitive the class score is to each pixel.

    Simonyan, Vedaldi & Zisserman (2014), "Deep Inside Convolutional Networks:
    Visualising Image Classification Models and Saliency Maps".

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.

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
    samples: int = DEFAULTS.samples,
    noise_level: float = DEFAULTS.noise_level,
    seed: int | None = 0,
) -> np.ndarray:
    r"""Return SmoothGrad: the gradient averaged over copies of the image with noise added.

    Smilkov, Thorat, Kim, Viégas & Wattenberg (2017), "SmoothGrad: removing
    noise by adding noise".

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
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
    x, k = checked_input(model, image, class_index)
    samples = check_count(samples, "samples")
    sigma = check_noise_level(noise_level) * float(x.max() - x.min())
    noise = np.random.default_rng(seed).normal(0.0, sigma, size=(samples, *x.shape))
    grads = batch_gradients(model, (x + noise).astype(np.float32), k)
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
            shape=shape_text(np.shape(baseline)),
            expected=shape_text(x.shape),
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
    steps: int = DEFAULTS.steps,
) -> np.ndarray:
    """Return Integrated Gradients per input value (every channel kept), signed.

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
    baseline : float or ndarray, optional
        The reference input: zeros (black) by default, a number for a uniform
        image, or an array of the image's shape.
    steps : int, default 32
        Intervals of the trapezoid rule; ``steps + 1`` points on the path are
        differentiated in one batched call.

    Returns
    -------
    ndarray, shape (H, W, C), float32
        The attributions (see the package's Notes). Their sum approximates
        ``class_score(model, image) - class_score(model, baseline)``.
    """
    x, k = checked_input(model, image, class_index)
    steps = check_count(steps, "steps")
    base = _as_baseline(baseline, x)
    alphas = np.linspace(0.0, 1.0, steps + 1)
    path = (base + alphas[:, None, None, None] * (x - base)).astype(np.float32)
    weights = np.full(steps + 1, 1.0 / steps)
    weights[[0, -1]] = 0.5 / steps  # trapezoid: the ends count half
    mean_grad = np.tensordot(weights, batch_gradients(model, path, k).astype(np.float64), axes=1)
    return ((x - base) * mean_grad).astype(np.float32)


def integrated_gradients(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    baseline: float | np.ndarray | None = None,
    steps: int = DEFAULTS.steps,
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
