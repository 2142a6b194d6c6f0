"""One layer worked out: output shape, parameters and MACs, every formula with its numbers.

What the architectures page's calculator shows, for a ``Conv2D``, a
``MaxPooling2D`` or a ``Conv2DTranspose``; the numbers follow Keras, the
formulas are the course's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cnnviz.core import shapes
from cnnviz.core.architectures import conv_layer_output_shape
from cnnviz.core.spec import check_input_shape, check_type
from cnnviz.i18n import InputError

CALCULATOR_TYPES: tuple[str, ...] = ("Conv2D", "MaxPooling2D", "Conv2DTranspose")
"""The layers :func:`layer_math` works out (average pooling has max pooling's shapes)."""


@dataclass(frozen=True)
class LayerMath:
    """One layer's shapes, parameters and MACs, each with its formula written out.

    Attributes
    ----------
    type : str
        One of :data:`CALCULATOR_TYPES`.
    input_shape, output_shape : (int, int, int)
        Rows, columns and channels.
    pads : ((int, int), (int, int)) or None
        Cells of padding ``((top, bottom), (left, right))``; None for a
        transposed convolution (it pads nothing: ``"same"`` crops its output).
    params, macs : int
        Weights (with biases) and multiply-accumulates for one input.
    length_formulas : (str, str)
        The output rows' and columns' formulas with the numbers filled in.
    weights_formula, params_formula, macs_formula : str or None
        ``kh·kw·C = n`` weights per filter, ``(kh·kw·C + 1)·F = total`` and the
        MACs' product; None for pooling, which has no weights.
    """

    type: str
    input_shape: tuple[int, int, int]
    output_shape: tuple[int, int, int]
    pads: shapes.Pads2D | None
    params: int
    macs: int
    length_formulas: tuple[str, str]
    weights_formula: str | None
    params_formula: str | None
    macs_formula: str | None


def layer_math(
    kind: str,
    input_shape: Sequence[int],
    *,
    filters: int = 1,
    kernel_size: int | Sequence[int] = 3,
    strides: int | Sequence[int] | None = 1,
    padding: shapes.Padding2D = "valid",
    dilation_rate: int | Sequence[int] = 1,
    use_bias: bool = True,
) -> LayerMath:
    """Work out one layer: output shape, parameters and MACs, with every formula's numbers.

    Parameters
    ----------
    kind : {"Conv2D", "MaxPooling2D", "Conv2DTranspose"}
        The layer.
    input_shape : (H, W, C)
        Its input, without the batch axis.
    filters : int, default 1
        Filters of a convolution (ignored by pooling, which keeps the channels).
    kernel_size : int or (int, int), default 3
        The kernel, or the pooling window.
    strides : int or (int, int) or None, default 1
        Step of the window; None means 1 for a convolution and the window for pooling.
    padding : str or int or pair, default "valid"
        ``"valid"``, ``"same"``, ``"full"`` or cells on each side for ``Conv2D``
        (the course's formula); ``"valid"`` or ``"same"`` for the others, as in Keras.
    dilation_rate : int or (int, int), default 1
        Spacing between kernel taps (convolutions only).
    use_bias : bool, default True
        One bias per filter.

    Returns
    -------
    LayerMath
        The numbers and their formulas.

    Raises
    ------
    InputError
        For settings a student can fix: an empty output, a stride of 0, a
        padding the layer does not have...

    Examples
    --------
    The study guide's layer: 10 filters of 5x5 over a 16x16 RGB input, 2 cells of padding:

    >>> m = layer_math("Conv2D", (16, 16, 3), filters=10, kernel_size=5, padding=2)
    >>> m.output_shape, m.params, m.params_formula
    ((16, 16, 10), 760, '(5·5·3 + 1)·10 = 760')
    >>> m.length_formulas[0]
    '⌊(16 − 5 + 4 + 1) / 1⌋ = 16'
    >>> layer_math("MaxPooling2D", (5, 7, 3), kernel_size=2, strides=None).output_shape
    (2, 3, 3)
    """
    check_type(kind, CALCULATOR_TYPES)
    shape = check_input_shape(input_shape)
    if len(shape) != 3:
        raise InputError("error.arch_input_shape", value=repr(tuple(input_shape)))
    kernel = shapes.as_pair(kernel_size, "kernel_size")
    if kind == "MaxPooling2D":
        return _pool_math(shape, kernel, strides, padding)
    stride = (1, 1) if strides is None else shapes.as_pair(strides, "strides")
    dilation = shapes.as_pair(dilation_rate, "dilation_rate")
    out, pads, formulas = _conv_lengths(kind, shape, filters, kernel, stride, padding, dilation)
    # MACs: a convolution slides over its output, a transposed one over its input.
    macs_hw: tuple[int, int] = out[:2] if kind == "Conv2D" else shape[:2]
    params = shapes.conv_params(kernel, shape[2], filters, use_bias=use_bias)
    per_filter = kernel[0] * kernel[1] * shape[2]
    return LayerMath(
        type=kind,
        input_shape=shape,
        output_shape=tuple(out),
        pads=pads,
        params=params,
        macs=shapes.conv_macs(macs_hw, kernel, shape[2], filters),
        length_formulas=formulas,
        weights_formula=f"{kernel[0]}·{kernel[1]}·{shape[2]} = {per_filter}",
        params_formula=shapes.conv_params_per_filter_formula(
            kernel, shape[2], filters, use_bias=use_bias
        ),
        macs_formula=shapes.conv_macs_formula(macs_hw, kernel, shape[2], filters),
    )


Pair = tuple[int, int]


def _pool_math(
    shape: tuple[int, ...], kernel: Pair, strides: object, padding: shapes.Padding2D
) -> LayerMath:
    """Work out a max pooling: its shapes and lengths' formulas (no weights, no MACs)."""
    stride = kernel if strides is None else shapes.as_pair(strides, "strides")
    if not isinstance(padding, str) or padding not in ("valid", "same"):
        raise InputError("error.unknown_pool_padding", value=repr(padding))
    out = shapes.pool_output_shape(shape, kernel, strides=stride, padding=padding)
    pads = shapes.padding_amounts_2d(shape[:2], kernel, strides=stride, padding=padding)
    formulas = tuple(
        shapes.output_length_formula(
            shape[axis], kernel[axis], strides=stride[axis], padding=pads[axis]
        )
        for axis in (0, 1)
    )
    return LayerMath("MaxPooling2D", shape, out, pads, 0, 0, formulas, None, None, None)


def _conv_lengths(
    kind: str,
    shape: tuple[int, ...],
    filters: int,
    kernel: Pair,
    stride: Pair,
    padding: shapes.Padding2D,
    dilation: Pair,
) -> tuple[tuple[int, ...], shapes.Pads2D | None, tuple[str, str]]:
    """Return a convolution's output shape, its pads and its lengths' formulas.

    A ``Conv2DTranspose`` pads nothing (its ``"same"`` crops the output): its pads are None.
    """
    # A fixed order of checks, so that of two mistakes the same one is reported first: a
    # convolution's output shape, then its pads; a transposed one's padding, then its formulas.
    out = pads = None
    if kind == "Conv2D":
        out = conv_layer_output_shape(kind, shape, filters, kernel, stride, padding, dilation)
        pads = shapes.padding_amounts_2d(
            shape[:2], kernel, strides=stride, padding=padding, dilation_rate=dilation
        )
    elif not isinstance(padding, str) or padding not in ("valid", "same"):
        raise InputError("error.unknown_transpose_padding", value=repr(padding))
    formula = (
        shapes.output_length_formula if kind == "Conv2D" else shapes.conv_transpose_length_formula
    )
    formulas = tuple(
        formula(
            shape[axis],
            kernel[axis],
            strides=stride[axis],
            padding=padding if pads is None else pads[axis],
            dilation_rate=dilation[axis],
        )
        for axis in (0, 1)
    )
    if out is None:  # a transposed convolution: its formulas say first what is wrong
        out = conv_layer_output_shape(kind, shape, filters, kernel, stride, padding, dilation)
    return out, pads, formulas
