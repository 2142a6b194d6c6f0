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
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from cnnviz.core import shapes
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

LEAKY_RELU_SLOPE = 0.2
"""Negative slope of ``leaky_relu``, Keras 3's default (``keras.activations.leaky_relu``)."""

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "relu": lambda x: np.maximum(x, 0.0),
    "sigmoid": lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)),  # stable for large |x|
    "tanh": np.tanh,
    "leaky_relu": lambda x: np.where(x >= 0, x, LEAKY_RELU_SLOPE * x),
}
"""Activations by Keras name; ``None`` means ``"linear"``."""


def as_float_array(values: object, name: str) -> np.ndarray:
    """Return ``values`` as a float64 array after checking it is non-empty and finite.

    Parameters
    ----------
    values : array_like
        An image, signal or kernel.
    name : str
        What it is (``"image"``, ``"kernel"``...), quoted in the error message.

    Returns
    -------
    ndarray
        A float64 array (a copy only when a conversion is needed).

    Raises
    ------
    InputError
        If it is empty, not numeric, or holds NaN or infinity.

    Examples
    --------
    >>> as_float_array([[1, 2], [3, 4]], "kernel").dtype
    dtype('float64')
    """
    try:
        if np.iscomplexobj(values):
            raise TypeError("complex values")  # NumPy would silently drop the imaginary part
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("error.not_numeric", name=name, value=_first_non_number(values)) from None
    if array.size == 0:
        raise InputError("error.empty_array", name=name, shape=array.shape)
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise InputError("error.not_finite", name=name, count=bad, size=array.size)
    return array


def _first_non_number(values: object) -> str:
    """Quote the first cell that is not a real number (a whole row if rows are ragged)."""
    try:
        cells = np.asarray(values, dtype=object).ravel()
    except (TypeError, ValueError):
        cells = [values]
    for cell in cells:
        try:
            if isinstance(cell, complex | np.complexfloating):
                raise TypeError
            float(cell)
        except (TypeError, ValueError):
            return repr(cell)[:40]
    return repr(values)[:40]


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
        return ACTIVATIONS["linear" if activation is None else activation]
    except (KeyError, TypeError):
        raise InputError(
            "error.unknown_activation", value=repr(activation), expected=", ".join(ACTIVATIONS)
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


def _check_image(image: object) -> np.ndarray:
    array = as_float_array(image, "image")
    if array.ndim not in (2, 3):
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    return array


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
    vector = as_float_array(bias, "bias").reshape(-1)
    if vector.size == 1:
        return np.full(filters, vector[0])
    if vector.size != filters:
        raise InputError("error.bias_shape", size=vector.size, filters=filters)
    return vector


def conv2d(
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
) -> np.ndarray:
    r"""Convolve an image with one filter or a bank of filters, as a ``Conv2D`` layer does.

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
    image = _check_image(image)
    channels = image.shape[2] if image.ndim == 3 else 1
    kernel = _check_kernel(kernel, channels)
    activation_fn = _activation_function(activation)
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
    out_hw = shapes.conv_output_hw(
        image.shape[:2],
        kernel.shape[:2],
        strides=strides,
        padding=pads,
        dilation_rate=dilation_rate,
    )
    padded = pad2d(image, pads, pad_mode=pad_mode)
    stride = shapes.as_pair(strides, "strides")
    dilation = shapes.as_pair(dilation_rate, "dilation_rate")
    if kernel.ndim == 2:
        out = _correlate_per_channel(padded, kernel, out_hw, stride, dilation)
        return activation_fn(out + bias_vector[0])
    bank = kernel if kernel.ndim == 4 else kernel[..., None]
    padded3 = padded if padded.ndim == 3 else padded[..., None]
    out = _correlate_bank(padded3, bank, out_hw, stride, dilation) + bias_vector
    out = activation_fn(out)
    return out if kernel.ndim == 4 else out[..., 0]


def _tap_slice(
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
            np.multiply(_tap_slice(padded, row, col, out_hw, stride, dilation), weight, out=product)
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
    signal: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int = 1,
    padding: shapes.Padding1D = "valid",
    dilation_rate: int = 1,
    pad_mode: PadMode = "zeros",
    flip: bool = False,
) -> np.ndarray:
    r"""Convolve a 1-D signal with a 1-D kernel.

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
    signal = as_float_array(signal, "signal")
    kernel = as_float_array(kernel, "kernel")
    for name, array in (("signal", signal), ("kernel", kernel)):
        if array.ndim != 1:
            raise InputError("error.not_1d", name=name, shape=array.shape)
    pads = shapes.padding_amounts(
        signal.size, kernel.size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    return conv2d(
        signal[None, :],
        kernel[None, :],
        strides=(1, strides),
        padding=((0, 0), pads),
        dilation_rate=(1, dilation_rate),
        pad_mode=pad_mode,
        flip=flip,
    )[0]


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
    image = _check_image(image)
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
