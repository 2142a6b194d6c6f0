r"""Shapley values of a Keras classifier's class probability over a grid of image regions.

The game (see :mod:`cnnviz.core.shapley`): the players are the ``rows × cols``
patches of :func:`~cnnviz.core.shapley.grid_regions`; a coalition keeps its
patches from the image ``x`` and takes every other pixel from a *baseline*
``b`` (black, the dataset's mean image, or ``x`` blurred); its value is the
chosen class's **probability** (the softmax of the scores), the number the
student reads on the page. The class's logit would be as valid a value
(``target="score"``): the Shapley axioms hold for any function, and the logit
adds up more evenly since it does not saturate near 1.

Efficiency then reads: the regions' values add up to
``p(x) - p(baseline)``.

Works for any model taking ``(N, H, W, C)`` and giving ``(N, classes)`` (the
digit network, the colour network, a network trained in the session). The
model is called directly on large batches (``model.predict`` costs a few
milliseconds per call, too much for thousands of small batches).

TensorFlow and Keras are imported inside the functions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy.special import softmax

from cnnviz.core import shapley as core
from cnnviz.core._checks import as_pair
from cnnviz.i18n import InputError
from cnnviz.nets.saliency._base import batch_scores, checked_input

if TYPE_CHECKING:  # pragma: no cover
    import keras

BASELINES = ("black", "mean", "blurred")
"""Baselines a missing region is filled from: zeros, the dataset's mean image, ``x`` blurred."""

BLUR_SIGMA = 3.0
"""Standard deviation, in pixels, of the Gaussian blur of the ``"blurred"`` baseline."""

CHUNK = 512
"""Masked images per call of the model."""

Target = Literal["probability", "score"]


@dataclass(frozen=True)
class RegionShapley:
    """Shapley values of an image's regions and what the page shows beside them.

    Attributes
    ----------
    result : cnnviz.core.shapley.ShapleyResult
        Values, standard errors, ``full`` = f(x), ``empty`` = f(baseline).
    labels : ndarray, shape (H, W), int
        Region of each pixel.
    baseline : ndarray, shape (H, W, C), float32
        The image a missing region is taken from.
    seconds : float
        Time taken.
    """

    result: core.ShapleyResult
    labels: np.ndarray
    baseline: np.ndarray
    seconds: float

    @property
    def value_map(self) -> np.ndarray:
        """Each pixel's region value, shape (H, W)."""
        return self.result.values[self.labels]


def baseline_image(
    image: np.ndarray, kind: str, *, mean: np.ndarray | None = None, sigma: float = BLUR_SIGMA
) -> np.ndarray:
    """Return the image a missing region comes from.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)
        The input.
    kind : {"black", "mean", "blurred"}
        Zeros; ``mean`` (the dataset's mean image, broadcast to the image's
        shape); or the image blurred by a Gaussian of ``sigma`` pixels over
        rows and columns only (channels stay apart), with SciPy's
        ``gaussian_filter`` (edges mirrored).
    mean : ndarray, optional
        The dataset's mean image, ``(H, W, C)`` or anything broadcasting to it;
        required for ``"mean"``.
    sigma : float, default 3.0
        The blur's standard deviation in pixels.

    Returns
    -------
    ndarray, shape (H, W, C), float32

    Raises
    ------
    InputError
        For another kind (``error.shapley_baseline``) or a missing or
        misshapen ``mean`` (``error.saliency_baseline_shape``).
    """
    image = np.asarray(image, dtype=np.float32)
    if kind == "black":
        return np.zeros_like(image)
    if kind == "blurred":
        from scipy.ndimage import gaussian_filter

        return gaussian_filter(image, sigma=(sigma, sigma, 0)).astype(np.float32)
    if kind == "mean":
        try:
            filled = np.broadcast_to(np.asarray(mean, dtype=np.float32), image.shape).copy()
        except (ValueError, TypeError):
            filled = None
        if mean is None or filled is None or not np.isfinite(filled).all():
            shape = None if mean is None else np.shape(mean)
            raise InputError("error.saliency_baseline_shape", shape=shape, expected=image.shape)
        return filled
    raise InputError("error.shapley_baseline", value=repr(kind), choices=", ".join(BASELINES))


def masked_images(
    image: np.ndarray, baseline: np.ndarray, labels: np.ndarray, masks: np.ndarray
) -> np.ndarray:
    """Build one image per coalition: kept regions from ``image``, the rest from ``baseline``.

    Parameters
    ----------
    image, baseline : ndarray, shape (H, W, C)
    labels : ndarray, shape (H, W), int
        Region of each pixel, from 0 to ``n - 1``.
    masks : ndarray, shape (B, n), bool
        Coalitions.

    Returns
    -------
    ndarray, shape (B, H, W, C), float32
    """
    keep = np.asarray(masks, dtype=bool)[:, labels]  # (B, H, W): region of each pixel kept?
    return np.where(keep[..., None], image[None], baseline[None]).astype(np.float32)


def class_values(
    model: keras.Model, images: np.ndarray, class_index: int, target: Target = "probability"
) -> np.ndarray:
    """Return the class's probability (or score) for a batch ``(N, H, W, C)``: float64 ``(N,)``."""
    scores = batch_scores(model, images)  # compiled, BATCH_SIZE at a time
    if target == "score":
        return scores[:, class_index]
    return softmax(scores, axis=1)[:, class_index]


def value_function(
    model: keras.Model,
    image: np.ndarray,
    baseline: np.ndarray,
    labels: np.ndarray,
    class_index: int,
    target: Target = "probability",
) -> core.ValueFunction:
    """Make ``v(masks)``: the class's value on each coalition's masked image, CHUNK at a time."""

    def value(masks: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [
                class_values(
                    model,
                    masked_images(image, baseline, labels, masks[start : start + CHUNK]),
                    class_index,
                    target,
                )
                for start in range(0, len(masks), CHUNK)
            ]
        )

    return value


def _game(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    grid: int | Sequence[int],
    baseline: str,
    mean: np.ndarray | None,
    target: Target,
) -> tuple[core.ValueFunction, np.ndarray, np.ndarray]:
    """Check the arguments; return the value function, the labels and the baseline image."""
    x, k = checked_input(model, image, class_index)
    rows, cols = as_pair(grid, "grid")
    labels = core.grid_regions(x.shape[0], x.shape[1], rows, cols)
    if target not in ("probability", "score"):
        raise InputError("error.saliency_target", value=repr(target))
    base = baseline_image(x, baseline, mean=mean)
    return value_function(model, x, base, labels, k, target), labels, base


def shapley_values(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    grid: int | Sequence[int] = 4,
    baseline: str = "black",
    mean: np.ndarray | None = None,
    permutations: int | None = 32,
    seed: int = 0,
    target: Target = "probability",
) -> RegionShapley:
    """Shapley values of the regions of one image for one class.

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
    grid : int or (int, int), default 4
        Regions down and across, 2 to 8 each.
    baseline : {"black", "mean", "blurred"}, default "black"
        See :func:`baseline_image`; ``mean`` is then required for ``"mean"``.
    mean : ndarray, optional
        The dataset's mean image.
    permutations : int or None, default 32
        Sampled permutations (2 to 1,000, antithetic pairs); None for the
        exact values (at most 12 regions).
    seed : int, default 0
        Seed of the permutations.
    target : {"probability", "score"}, default "probability"
        The value of a coalition: the class's probability or its logit.

    Returns
    -------
    RegionShapley
    """
    start = time.perf_counter()
    value, labels, base = _game(model, image, class_index, grid, baseline, mean, target)
    n = int(labels.max()) + 1
    if permutations is None:
        result = core.exact_shapley(value, n)
    else:
        result = core.sampled_shapley(value, n, permutations, seed)
    return RegionShapley(result, labels, base, time.perf_counter() - start)


def permutation_walk(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    region: int,
    *,
    grid: int | Sequence[int] = 4,
    baseline: str = "black",
    mean: np.ndarray | None = None,
    seed: int = 0,
    target: Target = "probability",
) -> tuple[core.PermutationWalk, np.ndarray, np.ndarray]:
    """One random order of the regions, followed for ``region`` (see :func:`shapley_values`).

    Returns
    -------
    walk : cnnviz.core.shapley.PermutationWalk
    before, after : ndarray, shape (H, W, C), float32
        What the network saw just before ``region`` joined, and just after.
    """
    value, labels, base = _game(model, image, class_index, grid, baseline, mean, target)
    x, _ = checked_input(model, image, class_index)
    walk = core.one_permutation(value, int(labels.max()) + 1, region, seed)
    after = walk.before.copy()
    after[region] = True
    pair = masked_images(x, base, labels, np.array([walk.before, after]))
    return walk, pair[0], pair[1]
