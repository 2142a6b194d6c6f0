r"""Convolutions as CNN layers compute them: 1-D, 2-D and transposed, with every Keras setting.

All functions validate their arguments before any work and raise
:class:`cnnviz.i18n.InputError` (a ``ValueError``) with a message a student can
act on. Results are float64, so that the step-by-step arithmetic shown on
screen (:mod:`cnnviz.core.trace`) adds up to exactly the values here.

Notes
-----
A CNN layer computes the **cross-correlation** of the padded input :math:`P`
with its kernel :math:`K` (stride :math:`s`, dilation :math:`d`):

.. math:: Y[i, j] = b + \sum_{m, n, c} P[i s_r + m d_r,\ j s_c + n d_c,\ c]\, K[m, n, c]

``flip=True`` flips the kernel on both spatial axes first, which gives the
true convolution of mathematics and signal processing (``np.convolve``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict, Unpack

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz.core import shapes
from cnnviz.core._checks import as_float_array, as_pair, check_image
from cnnviz.i18n import InputError

PadMode = Literal["zeros", "reflect", "symmetric", "replicate", "circular"]
PAD_MODES: tuple[str, ...] = ("zeros", "reflect", "symmetric", "replicate", "circular")
_NUMPY_PAD_MODES = {
    "zeros": "constant",
    # Mirrors without repeating the edge: OpenCV's default BORDER_REFLECT_101.
    "reflect": "reflect",
    "symmetric": "symmetric",
    "replicate": "edge",
    "circular": "wrap",
}

MAX_MAGNITUDE = 1e100
"""Largest magnitude of a kernel weight or a typed input value the pages accept.

Chosen so every sum stays finite and readable: a window has at most 7×7
weights on 3 channels, so a sum is at most 147 · 1e100 · 1e100 + bias, about
1.5e202, far below float64's largest number (about 1.8e308); a single 1e308
weight, times 2, is already infinite.
"""


def first_too_large(values: object, limit: float = MAX_MAGNITUDE) -> float | None:
    """Return the first value (row-major) whose magnitude is above ``limit``, or None.

    Parameters
    ----------
    values : array_like, any shape
        Finite numbers (NaN is never "too large": the finiteness checks report it).
    limit : float, default :data:`MAX_MAGNITUDE`
        The largest magnitude accepted.

    Returns
    -------
    float or None
        The offending value, as given (so a message can quote it), or None.

    Examples
    --------
    >>> first_too_large([[1.0, -2e100], [3e200, 4.0]]), first_too_large([1e100, -1e100])
    (-2e+100, None)
    """
    array = np.asarray(values, dtype=np.float64).ravel()
    above = np.flatnonzero(np.abs(array) > limit)
    return float(array[above[0]]) if above.size else None


LEAKY_RELU_SLOPE = 0.2
"""Negative slope of ``leaky_relu``, Keras 3's default (``keras.activations.leaky_relu``)."""

ACTIVATION_FUNCTIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),  # stable for large |x|
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x >= 0, x, LEAKY_RELU_SLOPE * x),
}
"""Activations by Keras name; ``None`` means ``"linear"``."""


class Conv1DSettings(TypedDict, total=False):
    """The keyword arguments of :func:`conv1d`, :func:`conv1d_spec` and ``conv1d_trace``.

    Their defaults and checks are written once, in :func:`conv1d_spec`.
    """

    strides: int
    padding: shapes.Padding1D
    dilation_rate: int
    pad_mode: PadMode
    flip: bool


class ConvSettings(TypedDict, total=False):
    """The keyword arguments of :func:`conv2d`, :func:`conv_spec` and ``conv2d_trace``.

    Their defaults and checks are written once, in :func:`conv_spec`.
    """

    bias: float | Sequence[float] | np.ndarray
    strides: int | Sequence[int]
    padding: shapes.Padding2D
    dilation_rate: int | Sequence[int]
    pad_mode: PadMode
    flip: bool
    activation: str | None


def activate(x: np.ndarray, activation: str | None) -> np.ndarray:
    """Apply an activation function by its Keras name.

    Parameters
    ----------
    x : ndarray
        Pre-activation values.
    activation : {None, "linear", "relu", "sigmoid", "tanh", "leaky_relu"}
        ``None`` and ``"linear"`` leave ``x`` unchanged.

    Returns
    -------
    ndarray
        Activated values, same shape.

    Examples
    --------
    >>> activate(np.array([-2.0, 3.0]), "relu"), activate(np.array([-2.0]), "leaky_relu")
    (array([0., 3.]), array([-0.4]))
    """
    return _activation_function(activation)(np.asarray(x, dtype=np.float64))


def _activation_function(activation: str | None) -> Callable[[np.ndarray], np.ndarray]:
    try:
        return ACTIVATION_FUNCTIONS["linear" if activation is None else activation]
    except (KeyError, TypeError):
        raise InputError(
            "error.unknown_activation",
            value=repr(activation),
            expected=", ".join(ACTIVATION_FUNCTIONS),
        ) from None


def _check_pad_mode(pad_mode: str) -> str:
    if pad_mode not in _NUMPY_PAD_MODES:
        raise InputError(
            "error.unknown_pad_mode", value=repr(pad_mode), expected=", ".join(PAD_MODES)
        )
    return _NUMPY_PAD_MODES[pad_mode]


def pad2d(image: np.ndarray, pads: shapes.Pads2D, *, pad_mode: PadMode = "zeros") -> np.ndarray:
    """Pad the rows and columns of an image (channels are never padded).

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        The input.
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))``, as :func:`cnnviz.core.shapes.padding_amounts_2d` gives.
    pad_mode : {"zeros", "reflect", "symmetric", "replicate", "circular"}
        How border cells are filled: zeros; a mirror without repeating the edge
        (OpenCV's default); a mirror repeating it; the edge value; or the
        opposite side, as if the image tiled the plane.

    Returns
    -------
    ndarray, shape (H + top + bottom, W + left + right[, C])
        The padded input.

    Examples
    --------
    >>> pad2d(np.array([[1, 2, 3]]), ((0, 0), (2, 2)), pad_mode="reflect")
    array([[3, 2, 1, 2, 3, 2, 1]])
    >>> pad2d(np.array([[1, 2, 3]]), ((0, 0), (2, 2)), pad_mode="symmetric")
    array([[2, 1, 1, 2, 3, 3, 2]])
    """
    mode = _check_pad_mode(pad_mode)
    widths = [tuple(pads[0]), tuple(pads[1])] + [(0, 0)] * (image.ndim - 2)
    return np.pad(image, widths, mode=mode)


def _check_kernel(kernel: object, channels: int) -> np.ndarray:
    array = as_float_array(kernel, "kernel")
    if array.ndim not in (2, 3, 4):
        raise InputError("error.kernel_rank", shape=array.shape, ndim=array.ndim)
    if array.ndim >= 3 and array.shape[2] != channels:
        raise InputError(
            "error.channel_mismatch", image_channels=channels, kernel_channels=array.shape[2]
        )
    return array


def _bias_vector(bias: float | Sequence[float] | np.ndarray, filters: int) -> np.ndarray:
    """Return one bias per filter, always a fresh array (a trace keeps it)."""
    vector = as_float_array(bias, "bias").reshape(-1)
    if vector.size == 1:
        return np.full(filters, vector[0])
    if vector.size != filters:
        raise InputError("error.bias_shape", size=vector.size, filters=filters)
    return vector.copy()


@dataclass(frozen=True, slots=True, eq=False)
class ConvSpec:
    """A convolution's settings, validated and resolved once; build it with :func:`conv_spec`.

    :func:`conv2d`, :func:`conv1d` and the traces of :mod:`cnnviz.core.trace`
    all start from one, so the arguments are checked, the padding worked out
    and the input padded exactly once.

    Attributes
    ----------
    pads : ((int, int), (int, int))
        ``((top, bottom), (left, right))`` cells of padding.
    output_hw : (int, int)
        Rows and columns of the output.
    padded : ndarray, shape (H + top + bottom, W + left + right[, C])
        The input with its padding, filled by ``pad_mode``, float64.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        The kernel actually applied (already flipped when ``flip=True``), C-contiguous.
    bias : ndarray, shape (F,)
        One bias per filter (a single one for a 2-D or 3-D kernel).
    strides, dilation_rate : (int, int)
        Step of the window and spacing of the kernel's taps, rows then columns.
    pad_mode : str
        How padded cells are filled.
    flip : bool
        Whether the kernel was flipped (true convolution).
    activation : str
        Keras name of the activation (``"linear"`` when there is none).
    """

    pads: shapes.Pads2D
    output_hw: tuple[int, int]
    padded: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray
    strides: tuple[int, int]
    dilation_rate: tuple[int, int]
    pad_mode: str
    flip: bool
    activation: str

    @property
    def bank(self) -> np.ndarray:
        """ndarray, shape (kh, kw, C, F): the kernel in a ``Conv2D`` layer's 4-D layout.

        A 2-D kernel (one filter on every channel separately) becomes
        ``(kh, kw, 1, 1)``; a 3-D one a bank of one filter.
        """
        if self.kernel.ndim == 2:
            return self.kernel[:, :, None, None]
        return self.kernel[..., None] if self.kernel.ndim == 3 else self.kernel


def conv_spec(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    bias: float | Sequence[float] | np.ndarray = 0.0,
    strides: int | Sequence[int] = 1,
    padding: shapes.Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
    pad_mode: PadMode = "zeros",
    flip: bool = False,
    activation: str | None = None,
) -> ConvSpec:
    """Validate a 2-D convolution's arguments and resolve them: pads, output size, padded input.

    Parameters
    ----------
    image, kernel, bias, strides, padding, dilation_rate, pad_mode, flip, activation
        Exactly as in :func:`conv2d`.

    Returns
    -------
    ConvSpec
        Everything :func:`correlate` and a trace need, checked.

    Raises
    ------
    InputError
        See :func:`conv2d`; the checks run in the order of its arguments, and
        an empty output is reported before an unknown pad mode.

    Examples
    --------
    >>> spec = conv_spec(np.ones((5, 7)), np.ones((3, 3)), strides=2, padding=1)
    >>> spec.pads, spec.output_hw, spec.padded.shape, spec.bank.shape
    (((1, 1), (1, 1)), (3, 4), (7, 9), (3, 3, 1, 1))
    """
    image = check_image(image)
    kernel = _check_kernel(kernel, image.shape[2] if image.ndim == 3 else 1)
    _activation_function(activation)
    bias_vector = _bias_vector(bias, kernel.shape[3] if kernel.ndim == 4 else 1)
    if flip:
        kernel = kernel[::-1, ::-1]
    pads = shapes.padding_amounts_2d(
        image.shape[:2],
        kernel.shape[:2],
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
    )
    dilation = as_pair(dilation_rate, "dilation_rate")
    output_hw = shapes.conv_output_hw(
        image.shape[:2], kernel.shape[:2], strides=strides, padding=pads, dilation_rate=dilation
    )
    return ConvSpec(
        padded=pad2d(image, pads, pad_mode=pad_mode),
        kernel=np.ascontiguousarray(kernel),
        bias=bias_vector,
        pads=pads,
        strides=as_pair(strides, "strides"),
        dilation_rate=dilation,
        output_hw=output_hw,
        pad_mode=pad_mode,
        flip=bool(flip),
        activation="linear" if activation is None else activation,
    )


def correlate(spec: ConvSpec) -> np.ndarray:
    r"""Compute a convolution's output before its activation: the bias plus the window sums.

    Parameters
    ----------
    spec : ConvSpec
        From :func:`conv_spec`.

    Returns
    -------
    ndarray, shape (Ho, Wo), (Ho, Wo, C) or (Ho, Wo, F)
        As :func:`conv2d` without the activation.

    Notes
    -----
    A single 2-D kernel adds its taps one at a time in row-major order (so a
    trace's sequential sum matches it exactly); a 3-D or 4-D kernel uses one
    matrix product over all windows.

    Examples
    --------
    >>> correlate(conv_spec(np.arange(4.0).reshape(2, 2), [[1, -1]], bias=0.5))
    array([[-0.5],
           [-0.5]])
    """
    if spec.kernel.ndim == 2:
        out = _correlate_per_channel(
            spec.padded, spec.kernel, spec.output_hw, spec.strides, spec.dilation_rate
        )
        return out + spec.bias[0]
    padded3 = spec.padded if spec.padded.ndim == 3 else spec.padded[..., None]
    out = (
        _correlate_bank(padded3, spec.bank, spec.output_hw, spec.strides, spec.dilation_rate)
        + spec.bias
    )
    return out if spec.kernel.ndim == 4 else out[..., 0]


def conv2d(image: np.ndarray, kernel: np.ndarray, **settings: Unpack[ConvSettings]) -> np.ndarray:
    r"""Convolve an image with one filter or a bank of filters, as a ``Conv2D`` layer does.

    The keyword settings below are checked and resolved, with their defaults,
    by :func:`conv_spec`, which :func:`cnnviz.core.trace.conv2d_trace` shares.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C)
        The input, channels last.
    kernel : ndarray, shape (kh, kw), (kh, kw, C) or (kh, kw, C, F)
        ``(kh, kw)``: the same filter on every channel separately, as OpenCV's
        ``filter2D`` does. ``(kh, kw, C)``: one CNN filter, summed over the
        channels. ``(kh, kw, C, F)``: a ``Conv2D`` layer's kernel of ``F`` filters.
    bias : float or array_like of shape (F,), default 0.0
        Added to each output (one per filter).
    strides, dilation_rate : int or (int, int), default 1
        Step of the window and spacing between kernel taps, per axis.
    padding : {"valid", "same", "full"} or int or pair, default "valid"
        See :func:`cnnviz.core.shapes.padding_amounts_2d`; ``"same"`` is TensorFlow's.
    pad_mode : {"zeros", "reflect", "symmetric", "replicate", "circular"}
        How padded cells are filled (see :func:`pad2d`).
    flip : bool, default False
        Flip the kernel first: true convolution instead of cross-correlation.
    activation : {None, "relu", "sigmoid", "tanh", "leaky_relu"}
        Applied after the bias.

    Returns
    -------
    ndarray, shape (Ho, Wo), (Ho, Wo, C) or (Ho, Wo, F)
        ``(Ho, Wo[, C])`` for a 2-D kernel (as the image), ``(Ho, Wo)`` for a
        3-D one, ``(Ho, Wo, F)`` for a 4-D one.

    Raises
    ------
    InputError
        For NaN or infinity, wrong ranks, a channel mismatch, a stride or
        dilation below 1, unknown padding, pad mode or activation, or a kernel
        larger than the padded input.

    Notes
    -----
    :math:`Y[i, j, f] = \phi(b_f + \sum_{m,n,c} P[i s_r + m d_r, j s_c + n d_c, c] K[m, n, c, f])`
    with :math:`P` the padded image and :math:`\phi` the activation. The work is
    vectorised over output cells: a loop over the kernel's taps for a single
    2-D kernel, one matrix product over all windows for a filter bank.

    Examples
    --------
    The course's 5x7 matrix and kernel: the top-left window gives 6.

    >>> x = np.array([[0, 5, 0, 0, 9, 4, 0], [1, 6, 0, 0, 8, 3, 0], [2, 7, 0, 0, 7, 2, 0],
    ...               [3, 8, 0, 0, 6, 1, 0], [4, 9, 0, 0, 5, 0, 0]])
    >>> k = np.array([[1, -2, 3], [4, -5, 6], [-7, 8, -9]])
    >>> conv2d(x, k)[0]
    array([  6., -20.,  12.,  10., -15.])
    >>> conv2d(x, k, strides=2, padding=1).shape
    (3, 4)
    """
    spec = conv_spec(image, kernel, **settings)
    return activate(correlate(spec), spec.activation)


def tap_slice(
    padded: np.ndarray,
    row: int,
    col: int,
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """Return, for every output cell, the padded value under kernel tap (row, col)."""
    top, left = row * dilation[0], col * dilation[1]
    return padded[
        top : top + (out_hw[0] - 1) * stride[0] + 1 : stride[0],
        left : left + (out_hw[1] - 1) * stride[1] + 1 : stride[1],
    ]


def _correlate_per_channel(
    padded: np.ndarray,
    kernel: np.ndarray,
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """Cross-correlate every channel with one 2-D kernel: one multiply-add per tap."""
    out = np.zeros(out_hw + padded.shape[2:], dtype=np.float64)
    product = np.empty_like(out)  # reused by every tap: no temporary arrays in the loop
    for (row, col), weight in np.ndenumerate(kernel):
        if weight:
            np.multiply(tap_slice(padded, row, col, out_hw, stride, dilation), weight, out=product)
            out += product
    return out


def _correlate_bank(
    padded: np.ndarray,
    bank: np.ndarray,
    out_hw: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
) -> np.ndarray:
    """Cross-correlate a (H, W, C) input with a (kh, kw, C, F) bank: one matrix product."""
    kh, kw, channels, filters = bank.shape
    span = ((kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1)
    windows = sliding_window_view(padded, span, axis=(0, 1))[
        : (out_hw[0] - 1) * stride[0] + 1 : stride[0],
        : (out_hw[1] - 1) * stride[1] + 1 : stride[1],
        :,
        :: dilation[0],
        :: dilation[1],
    ]  # (Ho, Wo, C, kh, kw), a view: nothing copied yet
    columns = windows.transpose(0, 1, 3, 4, 2).reshape(out_hw[0] * out_hw[1], kh * kw * channels)
    return (columns @ bank.reshape(kh * kw * channels, filters)).reshape(*out_hw, filters)


def conv1d(
    signal: np.ndarray, kernel: np.ndarray, **settings: Unpack[Conv1DSettings]
) -> np.ndarray:
    r"""Convolve a 1-D signal with a 1-D kernel.

    The keyword settings are checked and resolved, with their defaults, by
    :func:`conv1d_spec`, which :func:`cnnviz.core.trace.conv1d_trace` shares.

    Parameters
    ----------
    signal : ndarray, shape (N,)
        The signal.
    kernel : ndarray, shape (k,)
        The kernel.
    strides, dilation_rate : int, default 1
        Step of the window and spacing between taps.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        See :func:`cnnviz.core.shapes.padding_amounts`.
    pad_mode : {"zeros", "reflect", "symmetric", "replicate", "circular"}
        How padded cells are filled.
    flip : bool, default False
        True convolution (as ``np.convolve``) instead of cross-correlation.

    Returns
    -------
    ndarray, shape (No,)
        The result.

    Notes
    -----
    :math:`y[i] = \sum_m x_p[i s + m d]\, w[m]` for cross-correlation; with
    ``flip`` the kernel is reversed, :math:`w[k - 1 - m]`.

    Examples
    --------
    The course's signal and kernel (symmetric, so flipping changes nothing):

    >>> x, w = [1, 2, -5, 4, 2, -1], [-1, 2, -1]
    >>> conv1d(x, w)
    array([  8., -16.,  11.,   1.])
    >>> conv1d(x, w, padding="same")
    array([  0.,   8., -16.,  11.,   1.,  -4.])
    >>> conv1d(x, w, padding="full", flip=True)
    array([ -1.,   0.,   8., -16.,  11.,   1.,  -4.,   1.])
    """
    return correlate(conv1d_spec(signal, kernel, **settings))[0]


def conv1d_spec(
    signal: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int = 1,
    padding: shapes.Padding1D = "valid",
    dilation_rate: int = 1,
    pad_mode: PadMode = "zeros",
    flip: bool = False,
) -> ConvSpec:
    """Validate a 1-D convolution's arguments and resolve them as a one-row 2-D convolution.

    Parameters
    ----------
    signal, kernel, strides, padding, dilation_rate, pad_mode, flip
        Exactly as in :func:`conv1d`.

    Returns
    -------
    ConvSpec
        Of a ``(1, N)`` image and a ``(1, k)`` kernel: the 1-D settings are
        the second of each pair (``spec.pads[1]``, ``spec.strides[1]``...).

    Raises
    ------
    InputError
        For a signal or kernel that is not a non-empty row of finite numbers,
        and whatever :func:`conv_spec` raises, quoting the 1-D values.

    Examples
    --------
    >>> spec = conv1d_spec([1, 2, 3], [1, 1], padding="same")
    >>> spec.padded, spec.pads[1]
    (array([[1., 2., 3., 0.]]), (0, 1))
    """
    signal = as_float_array(signal, "signal")
    kernel = as_float_array(kernel, "kernel")
    for name, array in (("signal", signal), ("kernel", kernel)):
        if array.ndim != 1:
            raise InputError("error.not_1d", name=name, shape=array.shape)
    # Resolved on the 1-D values first, so errors quote the signal's own settings.
    pads = shapes.padding_amounts(
        signal.size, kernel.size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    return conv_spec(
        signal[None, :],
        kernel[None, :],
        strides=(1, strides),
        padding=((0, 0), pads),
        dilation_rate=(1, dilation_rate),
        pad_mode=pad_mode,
        flip=flip,
    )


def conv2d_transpose(
    image: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int | Sequence[int] = 1,
    padding: Literal["valid", "same"] = "valid",
    bias: float | Sequence[float] | np.ndarray = 0.0,
) -> np.ndarray:
    r"""Transposed convolution (learned upsampling), exactly as Keras' ``Conv2DTranspose``.

    Parameters
    ----------
    image : ndarray, shape (H, W) or (H, W, C_in)
        The input.
    kernel : ndarray, shape (kh, kw) or (kh, kw, filters, C_in)
        Keras' layout for this layer (filters before input channels).
    strides : int or (int, int), default 1
        Upsampling factor per axis.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` crops the result to ``H * strides`` rows.
    bias : float or array_like of shape (filters,), default 0.0
        Added to each output channel.

    Returns
    -------
    ndarray, shape (Ho, Wo, filters), or (Ho, Wo) for a 2-D image and kernel
        Sizes from :func:`cnnviz.core.shapes.conv_transpose_output_length`.

    Notes
    -----
    Each input cell :math:`x[i, j]` adds the kernel scaled by its value at
    :math:`(i s_r, j s_c)` of the full output of :math:`(H - 1)s_r + k_h` rows;
    ``"same"`` then crops :math:`\lfloor \max(k - s, 0)/2 \rfloor` cells from the
    top/left, as TensorFlow does.

    Examples
    --------
    >>> conv2d_transpose(np.array([[1.0, 2.0]]), np.ones((2, 2)), strides=2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    image = check_image(image)
    kernel = as_float_array(kernel, "kernel")
    flat = image.ndim == 2 and kernel.ndim == 2
    x = image if image.ndim == 3 else image[..., None]
    if kernel.ndim == 2:
        kernel = kernel[..., None, None]
    if kernel.ndim != 4:
        raise InputError("error.kernel_rank", shape=kernel.shape, ndim=kernel.ndim)
    if kernel.shape[3] != x.shape[2]:
        raise InputError(
            "error.channel_mismatch", image_channels=x.shape[2], kernel_channels=kernel.shape[3]
        )
    kh, kw, filters, _ = kernel.shape
    bias_vector = _bias_vector(bias, filters)
    stride = shapes.as_pair(strides, "strides")
    out_hw = tuple(
        shapes.conv_transpose_output_length(
            x.shape[axis], kernel.shape[axis], strides=stride[axis], padding=padding
        )
        for axis in (0, 1)
    )
    # "same" crops what TensorFlow's forward "same" convolution would have padded on top/left.
    crop = tuple(
        max(k - s, 0) // 2 if padding == "same" else 0
        for k, s in zip((kh, kw), stride, strict=True)
    )
    full_hw = tuple(
        max((n - 1) * s + k, c + o)
        for n, s, k, c, o in zip(x.shape[:2], stride, (kh, kw), crop, out_hw, strict=True)
    )
    full = np.zeros((*full_hw, filters))
    rows = (x.shape[0] - 1) * stride[0] + 1
    cols = (x.shape[1] - 1) * stride[1] + 1
    for row in range(kh):
        for col in range(kw):
            scatter = full[row : row + rows : stride[0], col : col + cols : stride[1]]
            scatter += x @ kernel[row, col].T
    out = full[crop[0] : crop[0] + out_hw[0], crop[1] : crop[1] + out_hw[1]]
    out = out + bias_vector
    return out[..., 0] if flat else out
