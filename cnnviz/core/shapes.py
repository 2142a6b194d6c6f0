r"""Output sizes, padding amounts, receptive fields and parameter counts (pure integers).

Everything here follows Keras/TensorFlow exactly and validates its arguments
before any work, raising :class:`cnnviz.i18n.InputError` (a ``ValueError``)
with a message a student can act on.

Notes
-----
For an input of length :math:`I`, a kernel of size :math:`k` with dilation
:math:`d`, stride :math:`s` and total padding :math:`p` (both sides added),
the effective kernel size is :math:`k_d = d\,(k - 1) + 1` and the output length
is

.. math:: O = \left\lfloor \frac{I + p - k_d}{s} \right\rfloor + 1
          = \left\lfloor \frac{I - k_d + p + s}{s} \right\rfloor,

the second form being the course's :math:`\lfloor (I - k + p + s)/s \rfloor`.
The padding presets are ``"valid"`` (:math:`p = 0`), ``"full"``
(:math:`k_d - 1` on each side) and ``"same"``, which as in TensorFlow gives
:math:`O = \lceil I / s \rceil` with total padding
:math:`p = \max((O - 1)s + k_d - I, 0)`, split with the extra cell at the end
(bottom/right).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cnnviz.core._checks import as_pair, is_int
from cnnviz.i18n import InputError

PaddingPreset = Literal["valid", "same", "full"]
Padding1D = PaddingPreset | int | tuple[int, int]
"""Padding of one axis: a preset, cells on each side, or explicit ``(before, after)``."""
Padding2D = PaddingPreset | int | tuple[int, int] | tuple[tuple[int, int], tuple[int, int]]
"""Padding of an image: a preset, cells on every side, ``(rows, cols)`` on each
side, or explicit ``((top, bottom), (left, right))``."""
Pads2D = tuple[tuple[int, int], tuple[int, int]]

PADDING_PRESETS: tuple[str, ...] = ("valid", "same", "full")


def _check_at_least_one(value: int, name: str) -> int:
    if not is_int(value):
        raise InputError("error.not_int_or_pair", name=name, value=repr(value))
    if value < 1:
        key = "error.stride_below_one" if name in ("strides", "size") else "error.below_one"
        raise InputError(key, name=name, value=value)
    return int(value)


def _positive_pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """Read a size argument as a pair and check both are at least 1, quoting ``name``."""
    rows, cols = as_pair(value, name)
    return (_check_at_least_one(rows, name), _check_at_least_one(cols, name))


def effective_kernel_size(kernel_size: int, dilation_rate: int = 1) -> int:
    """Return the span of a dilated kernel, ``dilation_rate * (kernel_size - 1) + 1``.

    Parameters
    ----------
    kernel_size : int
        Number of taps.
    dilation_rate : int, default 1
        Spacing between taps (1 = contiguous).

    Returns
    -------
    int
        Cells of the input the kernel spans.

    Examples
    --------
    >>> effective_kernel_size(3, 2)
    5
    """
    kernel_size = _check_at_least_one(kernel_size, "kernel_size")
    dilation_rate = _check_at_least_one(dilation_rate, "dilation_rate")
    return dilation_rate * (kernel_size - 1) + 1


def padding_amounts(
    n: int,
    kernel_size: int,
    *,
    strides: int = 1,
    padding: Padding1D = "valid",
    dilation_rate: int = 1,
) -> tuple[int, int]:
    r"""Return the cells of padding added before and after one axis.

    Parameters
    ----------
    n : int
        Input length along the axis.
    kernel_size : int
        Kernel size along the axis.
    strides : int, default 1
        Step of the window.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        A preset, cells on each side, or ``(before, after)``.
    dilation_rate : int, default 1
        Spacing between kernel taps.

    Returns
    -------
    (int, int)
        Cells added before (top/left) and after (bottom/right).

    Notes
    -----
    ``"same"`` follows TensorFlow: output :math:`O = \lceil n / s \rceil`, total
    :math:`p = \max((O - 1)s + k_d - n, 0)`, before :math:`\lfloor p/2 \rfloor`,
    the rest after. ``"full"`` adds :math:`k_d - 1` on each side.

    Examples
    --------
    >>> padding_amounts(6, 3, padding="same"), padding_amounts(6, 4, padding="same")
    ((1, 1), (1, 2))
    >>> padding_amounts(5, 3, strides=2, padding="same"), padding_amounts(6, 3, padding="full")
    ((1, 1), (2, 2))
    """
    n = _check_at_least_one(n, "input")
    strides = _check_at_least_one(strides, "strides")
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0)
        if padding == "full":
            return (k_eff - 1, k_eff - 1)
        if padding == "same":
            out = -(-n // strides)
            total = max((out - 1) * strides + k_eff - n, 0)
            return (total // 2, total - total // 2)
        raise InputError("error.unknown_padding", value=repr(padding))
    if is_int(padding):
        before = after = int(padding)
    elif isinstance(padding, Sequence) and len(padding) == 2 and all(is_int(v) for v in padding):
        before, after = int(padding[0]), int(padding[1])
    else:
        raise InputError("error.unknown_padding", value=repr(padding))
    if before < 0 or after < 0:
        raise InputError("error.negative_padding", value=repr(padding))
    return (before, after)


def conv_output_length(
    n: int,
    kernel_size: int,
    *,
    strides: int = 1,
    padding: Padding1D = "valid",
    dilation_rate: int = 1,
) -> int:
    r"""Return the output length of a convolution along one axis.

    Parameters
    ----------
    n : int
        Input length.
    kernel_size : int
        Kernel size.
    strides : int, default 1
        Step of the window.
    padding : {"valid", "same", "full"} or int or (int, int), default "valid"
        See :func:`padding_amounts`.
    dilation_rate : int, default 1
        Spacing between kernel taps.

    Returns
    -------
    int
        :math:`\lfloor (n + p - k_d) / s \rfloor + 1`, with :math:`p` the total
        padding and :math:`k_d = d(k - 1) + 1`; equivalently the course's
        :math:`\lfloor (n - k + p + s) / s \rfloor` when :math:`d = 1`.

    Raises
    ------
    InputError
        If the output would be empty (the kernel is larger than the padded input).

    Examples
    --------
    The course's 5x7 matrix with 2 rows and 2 columns of padding in total, a 3x3
    kernel and stride 2 gives a 3x4 output:

    >>> conv_output_length(5, 3, strides=2, padding=1)
    3
    >>> conv_output_length(7, 3, strides=2, padding=1)
    4
    >>> conv_output_length(10, 3, strides=3, padding="same")
    4
    """
    before, after = padding_amounts(
        n, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    padded = n + before + after
    if padded < k_eff:
        raise InputError(
            "error.output_empty",
            n=n,
            kernel_size=kernel_size,
            dilation_rate=dilation_rate,
            k_eff=k_eff,
            strides=strides,
            padding=before + after,
        )
    return (padded - k_eff) // strides + 1


def padding_amounts_2d(
    input_hw: Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    strides: int | Sequence[int] = 1,
    padding: Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> Pads2D:
    """Return ``((top, bottom), (left, right))`` padding of an image.

    Parameters
    ----------
    input_hw : (int, int)
        Input rows and columns.
    kernel_size, strides, dilation_rate : int or (int, int)
        Keras arguments, per axis.
    padding : str or int or (int, int) or ((int, int), (int, int))
        A preset, cells on every side, ``(rows, cols)`` on each side, or explicit.

    Returns
    -------
    ((int, int), (int, int))
        Cells added on each side.

    Examples
    --------
    >>> padding_amounts_2d((5, 7), 3, padding=1)
    ((1, 1), (1, 1))
    >>> padding_amounts_2d((6, 6), (2, 3), strides=2, padding="same")
    ((0, 0), (0, 1))
    """
    kernel = as_pair(kernel_size, "kernel_size")
    stride = as_pair(strides, "strides")
    dilation = as_pair(dilation_rate, "dilation_rate")
    per_axis = _padding_per_axis(padding)
    return tuple(
        padding_amounts(
            int(input_hw[axis]),
            kernel[axis],
            strides=stride[axis],
            padding=per_axis[axis],
            dilation_rate=dilation[axis],
        )
        for axis in (0, 1)
    )


def _padding_per_axis(padding: Padding2D) -> tuple[Padding1D, Padding1D]:
    """Split a 2-D padding argument into one 1-D argument per axis."""
    if isinstance(padding, str) or is_int(padding):
        return (padding, padding)
    if isinstance(padding, Sequence) and len(padding) == 2:
        rows, cols = padding
        if is_int(rows) and is_int(cols):
            return (int(rows), int(cols))
        if all(isinstance(p, Sequence) and not isinstance(p, str) for p in padding):
            return (tuple(rows), tuple(cols))
    raise InputError("error.unknown_padding", value=repr(padding))


def conv_output_hw(
    input_hw: Sequence[int],
    kernel_size: int | Sequence[int],
    *,
    strides: int | Sequence[int] = 1,
    padding: Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> tuple[int, int]:
    """Return the output rows and columns of a 2-D convolution.

    Parameters
    ----------
    input_hw : (int, int)
        Input rows and columns.
    kernel_size, strides, dilation_rate : int or (int, int)
        Keras arguments, per axis.
    padding : str or int or (int, int) or ((int, int), (int, int))
        See :func:`padding_amounts_2d`.

    Returns
    -------
    (int, int)
        Output rows and columns.

    Examples
    --------
    >>> conv_output_hw((5, 7), 3, strides=2, padding=1)
    (3, 4)
    """
    pads = padding_amounts_2d(
        input_hw, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    kernel = as_pair(kernel_size, "kernel_size")
    stride = as_pair(strides, "strides")
    dilation = as_pair(dilation_rate, "dilation_rate")
    return tuple(
        conv_output_length(
            int(input_hw[axis]),
            kernel[axis],
            strides=stride[axis],
            padding=pads[axis],
            dilation_rate=dilation[axis],
        )
        for axis in (0, 1)
    )


def conv_output_shape(
    input_shape: Sequence[int],
    *,
    filters: int,
    kernel_size: int | Sequence[int],
    strides: int | Sequence[int] = 1,
    padding: Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
) -> tuple[int, int, int]:
    """Return the output shape of a ``Conv2D`` layer, channels last.

    Parameters
    ----------
    input_shape : (H, W) or (H, W, C)
        Input shape without the batch axis.
    filters : int
        Number of filters (output channels).
    kernel_size, strides, dilation_rate : int or (int, int)
        Keras arguments.
    padding : str or int or (int, int) or ((int, int), (int, int))
        See :func:`padding_amounts_2d`.

    Returns
    -------
    (int, int, int)
        ``(H_out, W_out, filters)``.

    Examples
    --------
    >>> conv_output_shape((28, 28, 1), filters=32, kernel_size=3)
    (26, 26, 32)
    """
    _check_shape(input_shape)
    filters = _check_at_least_one(filters, "filters")
    rows, cols = conv_output_hw(
        input_shape[:2],
        kernel_size,
        strides=strides,
        padding=padding,
        dilation_rate=dilation_rate,
    )
    return (rows, cols, filters)


def _check_shape(input_shape: Sequence[int]) -> None:
    if len(input_shape) not in (2, 3):
        raise InputError("error.image_rank", shape=tuple(input_shape), ndim=len(input_shape))


def pool_output_shape(
    input_shape: Sequence[int],
    pool_size: int | Sequence[int] = 2,
    *,
    strides: int | Sequence[int] | None = None,
    padding: Literal["valid", "same"] = "valid",
) -> tuple[int, ...]:
    r"""Return the output shape of ``MaxPooling2D`` / ``AveragePooling2D``.

    Parameters
    ----------
    input_shape : (H, W) or (H, W, C)
        Input shape without the batch axis.
    pool_size : int or (int, int), default 2
        Window size.
    strides : int or (int, int), optional
        Step of the window; the pool size by default, as in Keras.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` gives :math:`\lceil n / s \rceil` per axis.

    Returns
    -------
    tuple of int
        Same rank as ``input_shape``; channels are unchanged.

    Examples
    --------
    >>> pool_output_shape((4, 4), 2), pool_output_shape((5, 5, 3), 2, padding="same")
    ((2, 2), (3, 3, 3))
    """
    _check_shape(input_shape)
    if padding not in ("valid", "same"):
        raise InputError("error.unknown_pool_padding", value=repr(padding))
    # Checked here so a pool of 0 is quoted as pool_size, not as kernel_size or strides.
    pool = _positive_pair(pool_size, "pool_size")
    if padding == "valid" and any(p > n for p, n in zip(pool, input_shape[:2], strict=True)):
        raise InputError("error.pool_output_empty", shape=tuple(input_shape[:2]), pool_size=pool)
    rows, cols = conv_output_hw(
        input_shape[:2],
        pool,
        strides=pool if strides is None else strides,
        padding=padding,
    )
    return (rows, cols, *input_shape[2:])


def conv_transpose_output_length(
    n: int,
    kernel_size: int,
    *,
    strides: int = 1,
    padding: Literal["valid", "same"] = "valid",
    dilation_rate: int = 1,
) -> int:
    r"""Return the output length of a transposed convolution, as Keras' ``Conv2DTranspose``.

    Parameters
    ----------
    n : int
        Input length.
    kernel_size : int
        Kernel size.
    strides : int, default 1
        Upsampling factor.
    padding : {"valid", "same"}, default "valid"
        ``"same"`` gives :math:`n s`; ``"valid"`` gives :math:`n s + \max(k_d - s, 0)`.
    dilation_rate : int, default 1
        Spacing between kernel taps.

    Returns
    -------
    int
        Output length.

    Notes
    -----
    Every input cell scatters a copy of the kernel, scaled by its value, into
    the output at a step of :math:`s`; the full scatter spans
    :math:`(n - 1)s + k_d` cells, which ``"same"`` crops to :math:`n s`.

    Examples
    --------
    >>> conv_transpose_output_length(4, 3, strides=2)
    9
    >>> conv_transpose_output_length(4, 3, strides=2, padding="same")
    8
    """
    n = _check_at_least_one(n, "input")
    strides = _check_at_least_one(strides, "strides")
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    if padding == "valid":
        return n * strides + max(k_eff - strides, 0)
    if padding == "same":
        return n * strides
    raise InputError("error.unknown_transpose_padding", value=repr(padding))


def conv_params(
    kernel_size: int | Sequence[int], in_channels: int, filters: int, *, use_bias: bool = True
) -> int:
    """Return the number of trainable parameters of a ``Conv2D`` layer.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Kernel rows and columns.
    in_channels : int
        Channels of the input: every filter has one kernel slice per channel.
    filters : int
        Number of filters.
    use_bias : bool, default True
        Whether each filter has a bias.

    Returns
    -------
    int
        :math:`k_h k_w C_{in} F + F` (the bias term only with ``use_bias``).

    Examples
    --------
    A 5x5 filter over an RGB input has 5·5·3 weights, not 5·5:

    >>> conv_params(5, 3, 1, use_bias=False), conv_params(3, 1, 32)
    (75, 320)
    """
    rows, cols = _positive_pair(kernel_size, "kernel_size")
    in_channels = _check_at_least_one(in_channels, "in_channels")
    filters = _check_at_least_one(filters, "filters")
    return rows * cols * in_channels * filters + (filters if use_bias else 0)


def dense_params(in_features: int, units: int, *, use_bias: bool = True) -> int:
    r"""Return the number of trainable parameters of a ``Dense`` layer.

    Parameters
    ----------
    in_features : int
        Length of the flattened input.
    units : int
        Number of neurons.
    use_bias : bool, default True
        Whether each neuron has a bias.

    Returns
    -------
    int
        :math:`n_{in} \cdot units + units` (the bias term only with ``use_bias``).

    Examples
    --------
    >>> dense_params(3 * 3 * 128, 10)
    11530
    """
    in_features = _check_at_least_one(in_features, "in_features")
    units = _check_at_least_one(units, "units")
    return in_features * units + (units if use_bias else 0)


@dataclass(frozen=True)
class ReceptiveField:
    """Where one layer's output cells look in the input, along one axis.

    Attributes
    ----------
    size : int
        Input cells seen by one output cell (:math:`r`).
    jump : int
        Input cells between neighbouring output cells (:math:`j`, the product of strides).
    start : float
        Input coordinate of the centre of the first output cell's field (0 is
        the centre of the first input cell; negative means it reaches into padding).
    length : int
        Output length of the layer.
    """

    size: int
    jump: int
    start: float
    length: int


def receptive_field(
    layers: Sequence[Mapping[str, object]], *, input_length: int
) -> tuple[ReceptiveField, ...]:
    """Follow the receptive field through a stack of convolution and pooling layers.

    Parameters
    ----------
    layers : sequence of mappings
        Each with ``kernel_size`` (or ``pool_size``), and optionally
        ``strides`` (default 1 for a convolution, the pool size for pooling),
        ``padding`` and ``dilation_rate``, as ints along this axis.
    input_length : int
        Input length along the axis (``"same"`` padding depends on it).

    Returns
    -------
    tuple of ReceptiveField
        One per layer.

    Notes
    -----
    With :math:`k_d` the effective kernel size, :math:`s` the stride and
    :math:`p` the padding before:
    :math:`j_{out} = j_{in} s`, :math:`r_{out} = r_{in} + (k_d - 1) j_{in}`,
    :math:`start_{out} = start_{in} + ((k_d - 1)/2 - p) j_{in}`.

    Examples
    --------
    Two 3x3 convolutions see 5 pixels, like one 5x5:

    >>> [f.size for f in receptive_field([{"kernel_size": 3}] * 2, input_length=28)]
    [3, 5]
    >>> receptive_field([{"kernel_size": 3}, {"pool_size": 2}], input_length=28)[-1]
    ReceptiveField(size=4, jump=2, start=1.5, length=13)
    """
    size, jump, start, length = 1, 1, 0.0, input_length
    fields = []
    for layer in layers:
        name = "pool_size" if "pool_size" in layer else "kernel_size"
        kernel = _check_at_least_one(layer[name], name)
        strides = layer.get("strides")
        # Validated, not defaulted: a stride of 0 is an error, not "use the default".
        if strides is None:
            strides = kernel if name == "pool_size" else 1
        strides = _check_at_least_one(strides, "strides")
        dilation = _check_at_least_one(layer.get("dilation_rate", 1), "dilation_rate")
        padding = layer.get("padding", "valid")
        before, _ = padding_amounts(
            length, kernel, strides=strides, padding=padding, dilation_rate=dilation
        )
        length = conv_output_length(
            length, kernel, strides=strides, padding=padding, dilation_rate=dilation
        )
        k_eff = effective_kernel_size(kernel, dilation)
        start += ((k_eff - 1) / 2 - before) * jump
        size += (k_eff - 1) * jump
        jump *= strides
        fields.append(ReceptiveField(size, jump, start, length))
    return tuple(fields)


def _dilated_span(kernel_size: int, dilation_rate: int) -> str:
    """Write the cells a kernel covers: ``k``, or ``(d·(k − 1) + 1)`` when dilated."""
    return str(kernel_size) if dilation_rate == 1 else f"({dilation_rate}·({kernel_size} − 1) + 1)"


def output_length_formula(
    n: int,
    kernel_size: int,
    *,
    strides: int = 1,
    padding: Padding1D = "valid",
    dilation_rate: int = 1,
) -> str:
    """Write the course's output-size formula with the numbers of one axis filled in.

    Parameters
    ----------
    n, kernel_size, strides, padding, dilation_rate
        As in :func:`conv_output_length`.

    Returns
    -------
    str
        ``⌊(I − k + p + s) / s⌋ = O`` with numbers, ``p`` being the total
        padding; a dilated kernel appears as its span ``d·(k − 1) + 1``.

    Examples
    --------
    >>> output_length_formula(5, 3, strides=2, padding=1)
    '⌊(5 − 3 + 2 + 2) / 2⌋ = 3'
    >>> output_length_formula(28, 3, padding="same", dilation_rate=2)
    '⌊(28 − (2·(3 − 1) + 1) + 4 + 1) / 1⌋ = 28'
    """
    before, after = padding_amounts(
        n, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    out = conv_output_length(
        n, kernel_size, strides=strides, padding=(before, after), dilation_rate=dilation_rate
    )
    span = _dilated_span(kernel_size, dilation_rate)
    return f"⌊({n} − {span} + {before + after} + {strides}) / {strides}⌋ = {out}"


def conv_params_formula(
    kernel_size: int | Sequence[int], in_channels: int, filters: int, *, use_bias: bool = True
) -> str:
    """Write a ``Conv2D`` layer's parameter count as a product, with its result.

    Parameters
    ----------
    kernel_size, in_channels, filters, use_bias
        As in :func:`conv_params`.

    Returns
    -------
    str
        ``kh·kw·C·F + F = total`` (the bias term only with ``use_bias``).

    Examples
    --------
    >>> conv_params_formula(5, 3, 1)
    '5·5·3·1 + 1 = 76'
    """
    rows, cols = as_pair(kernel_size, "kernel_size")
    total = conv_params((rows, cols), in_channels, filters, use_bias=use_bias)
    bias = f" + {filters}" if use_bias else ""
    return f"{rows}·{cols}·{in_channels}·{filters}{bias} = {total}"


def conv_transpose_length_formula(
    n: int,
    kernel_size: int,
    *,
    strides: int = 1,
    padding: Literal["valid", "same"] = "valid",
    dilation_rate: int = 1,
) -> str:
    """Write a transposed convolution's output length with the numbers of one axis filled in.

    Parameters
    ----------
    n : int
        Length of the input to upsample.
    kernel_size, strides, padding, dilation_rate
        As in :func:`conv_transpose_output_length`.

    Returns
    -------
    str
        ``I·s + max(k − s, 0) = O`` for ``"valid"``, ``I·s = O`` for ``"same"``;
        a dilated kernel appears as its span ``d·(k − 1) + 1``.

    Examples
    --------
    >>> conv_transpose_length_formula(4, 3, strides=2)
    '4·2 + max(3 − 2, 0) = 9'
    >>> conv_transpose_length_formula(4, 3, strides=2, padding="same")
    '4·2 = 8'
    >>> conv_transpose_length_formula(4, 3, dilation_rate=2)
    '4·1 + max((2·(3 − 1) + 1) − 1, 0) = 8'
    """
    out = conv_transpose_output_length(
        n, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate
    )
    if padding == "same":
        return f"{n}·{strides} = {out}"
    span = _dilated_span(kernel_size, dilation_rate)
    return f"{n}·{strides} + max({span} − {strides}, 0) = {out}"


def conv_params_per_filter_formula(
    kernel_size: int | Sequence[int], in_channels: int, filters: int, *, use_bias: bool = True
) -> str:
    """Write a ``Conv2D`` layer's parameter count filter by filter: ``(kh·kw·C + 1)·F``.

    The count of :func:`conv_params_formula`, grouped as the study guide does:
    each filter has one ``kh × kw`` slice per input channel and one bias.

    Parameters
    ----------
    kernel_size : int or (int, int)
        Kernel rows and columns.
    in_channels, filters : int
        Input channels and filters.
    use_bias : bool, default True
        Whether each filter has a bias: without, ``(kh·kw·C)·F``.

    Returns
    -------
    str
        ``(kh·kw·C + 1)·F = total``.

    Examples
    --------
    The study guide's 10 filters of 5x5 over an RGB input:

    >>> conv_params_per_filter_formula(5, 3, 10)
    '(5·5·3 + 1)·10 = 760'
    >>> conv_params_per_filter_formula((3, 1), 16, 8, use_bias=False)
    '(3·1·16)·8 = 384'
    """
    rows, cols = as_pair(kernel_size, "kernel_size")
    total = conv_params((rows, cols), in_channels, filters, use_bias=use_bias)
    bias = " + 1" if use_bias else ""
    return f"({rows}·{cols}·{in_channels}{bias})·{filters} = {total}"


def conv_macs(
    hw: Sequence[int], kernel_size: int | Sequence[int], in_channels: int, filters: int
) -> int:
    r"""Return the multiply-accumulates of a ``Conv2D`` (or ``Conv2DTranspose``) for one input.

    Parameters
    ----------
    hw : (int, int)
        The *output's* rows and columns for ``Conv2D`` (one window per output
        cell); the *input's* for ``Conv2DTranspose`` (one scattered kernel per
        input cell).
    kernel_size : int or (int, int)
        Kernel rows and columns.
    in_channels, filters : int
        Input channels and filters.

    Returns
    -------
    int
        :math:`H W F k_h k_w C_{in}`.

    Examples
    --------
    >>> conv_macs((26, 26), 3, 1, 32)
    194688
    """
    rows, cols = _positive_pair(kernel_size, "kernel_size")
    height, width = (_check_at_least_one(int(n), "input") for n in hw)
    in_channels = _check_at_least_one(in_channels, "in_channels")
    filters = _check_at_least_one(filters, "filters")
    return height * width * filters * rows * cols * in_channels


def conv_macs_formula(
    hw: Sequence[int], kernel_size: int | Sequence[int], in_channels: int, filters: int
) -> str:
    """Write :func:`conv_macs` as a product with its result: ``H·W·F·kh·kw·C = n``.

    Parameters
    ----------
    hw, kernel_size, in_channels, filters
        As in :func:`conv_macs`.

    Returns
    -------
    str
        The product, factors in the order cells, filters, window.

    Examples
    --------
    >>> conv_macs_formula((26, 26), 3, 1, 32)
    '26·26·32·3·3·1 = 194688'
    """
    rows, cols = as_pair(kernel_size, "kernel_size")
    total = conv_macs(hw, (rows, cols), in_channels, filters)
    return f"{hw[0]}·{hw[1]}·{filters}·{rows}·{cols}·{in_channels} = {total}"
