"""Occlusion: how much covering each place of the image lowers the class probability."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from scipy.special import softmax

from cnnviz.i18n import InputError, format_shape
from cnnviz.nets.saliency._base import batch_scores, check_pair, checked_input
from cnnviz.nets.saliency.options import DEFAULTS

if TYPE_CHECKING:  # pragma: no cover
    import keras


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


def occlusion(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    window: int | Sequence[int] = DEFAULTS.window,
    stride: int | Sequence[int] = DEFAULTS.stride,
    fill: float = 0.0,
    target: Literal["probability", "score"] = "probability",
) -> np.ndarray:
    """Return the occlusion map: how much covering each place lowers the class probability.

    Zeiler & Fergus (2014), "Visualizing and Understanding Convolutional Networks".

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
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
    x, k = checked_input(model, image, class_index)
    rows, cols = x.shape[:2]
    wr, wc = check_pair(window, "window")
    sr, sc = check_pair(stride, "stride")
    if wr > rows or wc > cols:
        raise InputError(
            "error.saliency_window_too_large", window=format_shape((wr, wc)), rows=rows, cols=cols
        )
    if sr > wr or sc > wc:  # windows would skip pixels, leaving holes in the map
        raise InputError(
            "error.saliency_stride_above_window",
            stride=format_shape((sr, sc)),
            window=format_shape((wr, wc)),
        )
    if not isinstance(fill, numbers.Real) or not math.isfinite(fill):
        raise InputError("error.saliency_fill", value=repr(fill))
    if target not in ("probability", "score"):
        raise InputError("error.saliency_target", value=repr(target))
    corners = [(r, c) for r in window_starts(rows, wr, sr) for c in window_starts(cols, wc, sc)]
    copies = np.repeat(x[None], len(corners) + 1, axis=0)  # copy 0 stays whole
    for n, (r, c) in enumerate(corners, start=1):
        copies[n, r : r + wr, c : c + wc, :] = fill
    scores = batch_scores(model, copies)
    values = softmax(scores, axis=-1)[:, k] if target == "probability" else scores[:, k]
    drops = values[0] - values[1:]
    total = np.zeros((rows, cols))
    count = np.zeros((rows, cols))
    for drop, (r, c) in zip(drops, corners, strict=True):
        total[r : r + wr, c : c + wc] += drop
        count[r : r + wr, c : c + wc] += 1
    return (total / count).astype(np.float32)  # window_starts covers every pixel: count >= 1
