r"""A colour filter's feature map as the sum of its channels' contributions, and filters as colours.

A ``Conv2D`` filter over an RGB image is three 2-D filters, one per channel;
its feature map is the sum of what each channel contributes plus the bias:

.. math:: Y_f = \underbrace{x_R \star W_{f,R}}_{\text{R}}
          + \underbrace{x_G \star W_{f,G}}_{\text{G}}
          + \underbrace{x_B \star W_{f,B}}_{\text{B}} + b_f

(:math:`\star` the cross-correlation a CNN layer computes, with its padding).
:func:`channel_contributions` computes each term with
:func:`cnnviz.core.conv.conv2d`, and the map itself as the layer does, so the
pages can write the equation with numbers that add up. :func:`filter_as_rgb`
turns a bank of 3-channel filters into small colour pictures.

Nothing here knows Streamlit, Plotly or TensorFlow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.core import shapes
from cnnviz.core._checks import as_float_array, check_image, is_int
from cnnviz.core.conv import conv2d
from cnnviz.core.formula import number, operand, products
from cnnviz.core.trace import ConvStep
from cnnviz.i18n import InputError, get_language

RGB = ("R", "G", "B")
"""Short names of an RGB image's channels, in order."""


@dataclass(frozen=True, slots=True, eq=False)
class ChannelSum:
    r"""One filter's feature map split into its input channels' contributions.

    Attributes
    ----------
    filter : int
        The filter's index in the layer's kernel.
    contributions : ndarray, shape (C, Ho, Wo)
        :math:`x_c \star W_{f,c}`: channel :math:`c` of the input correlated
        with the filter's slice for that channel, without bias. Each cell adds
        its window's products one at a time in row-major order, exactly as a
        trace's :attr:`~cnnviz.core.trace.ConvStep.channel_totals` adds them.
    bias : float
        The filter's bias :math:`b_f`.
    total : ndarray, shape (Ho, Wo)
        The feature map before the activation, as :func:`~cnnviz.core.conv.conv2d`
        computes it with the whole filter (and as a ``Conv2D`` layer with a
        linear activation outputs it): ``contributions.sum(0) + bias`` up to the
        order of the additions (a few units in the last place of float64).
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` padding cells.
    """

    filter: int
    contributions: np.ndarray
    bias: float
    total: np.ndarray
    pads: shapes.Pads2D

    @property
    def limit(self) -> float:
        """The largest magnitude among the contributions and the map (1.0 if all are 0).

        One symmetric colour range :math:`[-limit, limit]` for every term of
        the equation, so the biggest contribution looks biggest.
        """
        largest = max(float(np.abs(self.contributions).max()), float(np.abs(self.total).max()))
        return largest or 1.0

    def parts_at(self, row: int, col: int) -> np.ndarray:
        """Return each channel's contribution to output cell ``(row, col)``: shape ``(C,)``."""
        return self.contributions[:, row, col].copy()


def _check_bank(kernel: object) -> np.ndarray:
    """Return a layer's kernel ``(kh, kw, C, F)`` as float64, or raise ``channels.error.bank``."""
    bank = as_float_array(kernel, "kernel")
    if bank.ndim != 4:
        raise InputError("channels.error.bank", shape=bank.shape, ndim=bank.ndim)
    return bank


def _check_filter(filter: object, count: int) -> int:
    """Return ``filter`` as an int in ``0 .. count - 1``, or raise a translated error."""
    if not is_int(filter):
        raise InputError("error.trace_index_not_int", value=repr(filter))
    if not 0 <= int(filter) < count:
        raise InputError(
            "error.trace_filter_out_of_range", value=filter, count=count, last=count - 1
        )
    return int(filter)


def channel_contributions(
    image: np.ndarray,
    kernel: np.ndarray,
    bias: float | Sequence[float] | np.ndarray,
    filter: int,
    *,
    padding: shapes.Padding2D = "same",
) -> ChannelSum:
    r"""Split one filter's feature map into its input channels' contributions plus the bias.

    Parameters
    ----------
    image : ndarray, shape (H, W, C) or (H, W)
        The layer's input, channels last (``(H, W)`` is one channel).
    kernel : ndarray, shape (kh, kw, C, F)
        The layer's kernel, as Keras stores it.
    bias : float or array_like of shape (F,)
        The layer's biases (one value: the same for every filter).
    filter : int
        Which filter, from 0 to ``F - 1``.
    padding : {"same", "valid"} or any padding of :func:`~cnnviz.core.conv.conv2d`
        ``"same"`` and ``"valid"`` are exactly Keras'. Stride and dilation are 1.

    Returns
    -------
    ChannelSum
        ``contributions`` ``(C, Ho, Wo)``, ``bias``, ``total`` ``(Ho, Wo)``, ``pads``.

    Raises
    ------
    InputError
        For a kernel that is not 4-D, a channel mismatch, a bias of the wrong
        size, a filter out of range, NaN or infinity, or an empty output.

    Notes
    -----
    :math:`\mathrm{contributions}[c] = x_c \star W_{:, :, c, f}` and
    :math:`\mathrm{total} = \sum_c \mathrm{contributions}[c] + b_f`: one
    :func:`~cnnviz.core.conv.conv2d` per channel with its 2-D slice, and one
    with the filter's whole ``(kh, kw, C)`` kernel and bias for the map.

    Examples
    --------
    A 1x2 image of two channels, a 1x2 filter: channel 0 gives 1·1 + 2·1 = 3,
    channel 1 gives 3·0 + 4·(−1) = −4, and with the bias 1 the map is 0.

    >>> x = np.dstack([[[1.0, 2.0]], [[3.0, 4.0]]])
    >>> k = np.dstack([[[1.0, 1.0]], [[0.0, -1.0]]])[..., None]
    >>> parts = channel_contributions(x, k, [1.0], 0, padding="valid")
    >>> parts.contributions.ravel().tolist(), parts.bias, parts.total.ravel().tolist()
    ([3.0, -4.0], 1.0, [0.0])
    """
    x = check_image(image)
    x = x[..., None] if x.ndim == 2 else x
    bank = _check_bank(kernel)
    if bank.shape[2] != x.shape[2]:
        raise InputError(
            "error.channel_mismatch", image_channels=x.shape[2], kernel_channels=bank.shape[2]
        )
    which = _check_filter(filter, bank.shape[3])
    biases = as_float_array(bias, "bias").reshape(-1)
    if biases.size not in (1, bank.shape[3]):
        raise InputError("error.bias_shape", size=biases.size, filters=bank.shape[3])
    b = float(biases[which if biases.size > 1 else 0])
    weights = bank[..., which]
    total = conv2d(x, weights, bias=b, padding=padding)
    parts = np.stack(
        [conv2d(x[..., c], weights[..., c], padding=padding) for c in range(x.shape[2])]
    )
    pads = shapes.padding_amounts_2d(x.shape[:2], weights.shape[:2], padding=padding)
    return ChannelSum(filter=which, contributions=parts, bias=b, total=total, pads=pads)


def weight_limit(kernel: np.ndarray) -> float:
    """Return the largest weight magnitude of a kernel (1.0 if all are 0): the shared scale.

    Examples
    --------
    >>> weight_limit(np.array([[-0.5, 0.25]])), weight_limit(np.zeros(3))
    (0.5, 1.0)
    """
    return float(np.abs(as_float_array(kernel, "kernel")).max()) or 1.0


def filter_as_rgb(kernel: np.ndarray, *, limit: float | None = None) -> np.ndarray:
    r"""Turn 3-channel filters into RGB pictures: grey is 0, brighter is positive, darker negative.

    Parameters
    ----------
    kernel : ndarray, shape (kh, kw, 3) or (kh, kw, 3, F)
        One filter over RGB, or a layer's bank of them.
    limit : float, optional
        The weight magnitude drawn at full intensity; by default the largest
        magnitude in ``kernel`` (:func:`weight_limit`), so every filter of a
        bank shares one scale and they compare.

    Returns
    -------
    ndarray of float64 in [0, 1], shape (kh, kw, 3) or (F, kh, kw, 3)
        The pictures, one per filter for a bank.

    Raises
    ------
    InputError
        If the kernel is not ``(kh, kw, 3[, F])`` or ``limit`` is not positive.

    Notes
    -----
    Each weight is mapped on its own channel by a symmetric scale around grey:

    .. math:: \mathrm{rgb}[m, n, c] = \tfrac12 + \tfrac12\,
              \mathrm{clip}\!\left(\frac{W[m, n, c]}{L}, -1, 1\right)

    with :math:`L` the limit. A weight of 0 on every channel is mid grey
    (0.5, 0.5, 0.5); a pixel that weighs red positively and green and blue
    negatively looks red; one that weighs all three negatively looks dark.
    The colour of a tile is therefore what the filter responds to most.

    Examples
    --------
    >>> w = np.zeros((1, 2, 3)); w[0, 0] = [1.0, -1.0, 0.0]; w[0, 1] = [0.5, 0.5, 0.5]
    >>> filter_as_rgb(w).tolist()
    [[[1.0, 0.0, 0.5], [0.75, 0.75, 0.75]]]
    """
    weights = as_float_array(kernel, "kernel")
    if weights.ndim not in (3, 4) or weights.shape[2] != 3:
        raise InputError("channels.error.not_rgb_filters", shape=weights.shape)
    scale = weight_limit(weights) if limit is None else float(limit)
    if not np.isfinite(scale) or scale <= 0:
        raise InputError("channels.error.limit", value=limit)
    rgb = 0.5 + 0.5 * np.clip(weights / scale, -1.0, 1.0)
    return np.moveaxis(rgb, 3, 0) if rgb.ndim == 4 else rgb


def cell_lines(
    step: ConvStep, names: Sequence[str], lang: str | None = None, *, digits: int = 3
) -> list[str]:
    """Write one output cell of a multi-channel filter: a line per channel, then the sum.

    Parameters
    ----------
    step : ConvStep
        A step of a trace of one ``(kh, kw, C)`` filter (or of a bank).
    names : sequence of str
        What each channel is called on screen (``"R"``, ``"G"``, ``"B"``).
    lang : str, optional
        Language of the numbers (decimal comma in Spanish); the current one by default.
    digits : int, default 3
        Decimals kept at most.

    Returns
    -------
    list of str
        ``name: v·w + ... = part`` for each channel (its products in
        row-major order), then ``part + part + part + bias = total``.

    Raises
    ------
    InputError
        If the step has no per-channel parts (a 2-D kernel) or ``names`` does
        not name each channel.

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> x = np.dstack([[[1, 2]], [[3, 4]]])
    >>> k = np.dstack([[[1, 1]], [[0, -1]]])
    >>> for line in cell_lines(conv2d_trace(x, k, bias=1).step(0), ["R", "G"], "en"):
    ...     print(line)
    R: 1·1 + 2·1 = 3
    G: 3·0 + 4·(−1) = −4
    3 + (−4) + 1 = 0
    """
    lang = lang or get_language()
    parts = step.channel_totals
    if parts is None or len(names) != parts.size:
        count = 0 if parts is None else parts.size
        raise InputError("channels.error.names", count=count, names=len(names))
    lines = [
        f"{name}: {products(step.values[..., c], step.weights[..., c], lang, digits)}"
        f" = {number(part, lang, digits)}"
        for c, (name, part) in enumerate(zip(names, parts.tolist(), strict=True))
    ]
    terms = [operand(part, lang, digits) for part in parts.tolist()]
    terms.append(operand(step.bias, lang, digits))
    lines.append(f"{' + '.join(terms)} = {number(step.total, lang, digits)}")
    return lines
