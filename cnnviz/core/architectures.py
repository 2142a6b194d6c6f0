"""Layer stacks in Keras terms: summaries (shapes, parameters, MACs, receptive fields).

A network is a spec (:mod:`cnnviz.core.spec`): one dict per layer, in the order
they run. :func:`summarize` follows an input through it with
:mod:`cnnviz.core.shapes`; :func:`cnnviz.nets.keras_models.to_keras` builds the
same network in Keras, so tests can compare them layer by layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, prod
from typing import Any

from cnnviz.core import shapes
from cnnviz.core.spec import (
    ACTIVATIONS,
    INPUT_NAME,
    MERGES,
    as_tuples,
    check_input_shape,
    layer_graph,
)
from cnnviz.i18n import InputError, get_language, t

_SPATIAL = (
    "Conv2D",
    "Conv2DTranspose",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "ZeroPadding2D",
    "UpSampling2D",
)


@dataclass(frozen=True)
class LayerSummary:
    r"""One layer of a :class:`Summary`.

    Attributes
    ----------
    name, type : str
        The layer's name and Keras type.
    inputs : tuple of str
        Names of the layers it reads (:data:`INPUT_NAME` for the network's input).
    output_shape : tuple of int
        Output shape without the batch axis, ``(H, W, C)`` or ``(N,)``.
    params : int
        All its weights, as Keras' ``count_params()`` (a ``BatchNormalization``
        counts its moving mean and variance too).
    trainable_params : int
        The weights a gradient updates.
    macs : int
        Multiply-accumulates for one input (only layers with weights:
        ``Conv2D`` :math:`H_o W_o F k_h k_w C_{in}`, ``Conv2DTranspose``
        :math:`H_i W_i C_{in} k_h k_w F`, ``Dense`` :math:`n_{in} \cdot units`).
    receptive_field : (int, float)
        Along the rows: input pixels one output cell sees, and input pixels
        between neighbouring output cells (a fraction after upsampling).
    activation_memory : int
        Values in its output for one input.
    """

    name: str
    type: str
    inputs: tuple[str, ...]
    output_shape: tuple[int, ...]
    params: int
    trainable_params: int
    macs: int
    receptive_field: tuple[int, float]
    activation_memory: int

    @property
    def non_trainable_params(self) -> int:
        """Weights no gradient updates (a ``BatchNormalization``'s moving statistics)."""
        return self.params - self.trainable_params


@dataclass(frozen=True)
class Summary:
    """What :func:`summarize` returns: one :class:`LayerSummary` per layer, and totals.

    Attributes
    ----------
    input_shape, output_shape : tuple of int
        The network's input and output shapes, without the batch axis.
    layers : tuple of LayerSummary
        In spec order.
    params, trainable_params, macs, activation_memory : int
        Sums over the layers (the input itself is not counted in the memory).
    """

    input_shape: tuple[int, ...]
    layers: tuple[LayerSummary, ...]
    params: int = field(init=False)
    trainable_params: int = field(init=False)
    macs: int = field(init=False)
    activation_memory: int = field(init=False)

    def __post_init__(self) -> None:
        for name in ("params", "trainable_params", "macs", "activation_memory"):
            object.__setattr__(self, name, sum(getattr(layer, name) for layer in self.layers))

    @property
    def non_trainable_params(self) -> int:
        """Weights no gradient updates."""
        return self.params - self.trainable_params

    @property
    def output_shape(self) -> tuple[int, ...]:
        """The last layer's output shape."""
        return self.layers[-1].output_shape

    def layer(self, name: str) -> LayerSummary:
        """Return the summary of the layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(name)


class LayerError(InputError):
    """An :class:`InputError` from :mod:`cnnviz.core.shapes`, said again with its layer.

    Parameters
    ----------
    reason : InputError
        The original error.
    **fields
        ``layer``, ``type`` and ``shape`` (the layer's input shape).

    Examples
    --------
    >>> err = LayerError(InputError("error.below_one", name="units", value=0),
    ...                  layer="fc", type="Dense", shape=(4,))
    >>> "fc" in err.message("en") and "fc" in err.message("es")
    True
    """

    def __init__(self, reason: InputError, /, **fields: object) -> None:
        super().__init__("error.arch_layer", **fields)
        self.reason = reason

    def message(self, lang: str | None = None) -> str:
        """Return the message in ``lang``, the reason included in the same language."""
        lang = lang or get_language()
        return t(self.key, lang=lang, **self.fields, reason=self.reason.message(lang))


# --- one layer at a time ------------------------------------------------------------------


def _bad_value(name: str, kind: str, key: str, value: object, expected: str) -> InputError:
    return InputError(
        "error.arch_bad_value",
        layer=name,
        type=kind,
        field=key,
        value=repr(value),
        expected=expected,
    )


def _check_padding(name: str, kind: str, padding: object) -> None:
    if padding not in ("valid", "same"):
        raise _bad_value(name, kind, "padding", padding, '"valid", "same"')


@dataclass(frozen=True)
class _Node:
    shape: tuple[int, ...]
    rf_size: int
    rf_jump: Fraction


# What each layer rule returns: output shape, params, trainable params, MACs and the
# receptive field's size and jump.
_Result = tuple[tuple[int, ...], int, int, int, int, Fraction]


def conv_layer_output_shape(
    kind: str,
    input_shape: tuple[int, ...],
    filters: int,
    kernel_size: tuple[int, int],
    strides: tuple[int, int],
    padding: shapes.Padding2D,
    dilation_rate: tuple[int, int],
) -> tuple[int, int, int]:
    """Return the output shape of a ``Conv2D`` or a ``Conv2DTranspose``, as Keras computes it.

    Parameters
    ----------
    kind : {"Conv2D", "Conv2DTranspose"}
        The layer.
    input_shape : (H, W, C)
        Its input.
    filters : int
        Its filters: the output's channels.
    kernel_size, strides, dilation_rate : (int, int)
        Per axis, rows then columns.
    padding : str or int or pair
        As :func:`cnnviz.core.shapes.conv_output_shape` takes it; ``"valid"`` or
        ``"same"`` for a transposed convolution.

    Returns
    -------
    (int, int, int)
        Rows, columns and channels of the output.

    Examples
    --------
    >>> conv_layer_output_shape("Conv2DTranspose", (16, 16, 3), 10, (2, 2), (2, 2), "valid", (1, 1))
    (32, 32, 10)
    """
    if kind == "Conv2D":
        return shapes.conv_output_shape(
            input_shape,
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            padding=padding,
            dilation_rate=dilation_rate,
        )
    rows, cols = (
        shapes.conv_transpose_output_length(
            input_shape[axis],
            kernel_size[axis],
            strides=strides[axis],
            padding=padding,
            dilation_rate=dilation_rate[axis],
        )
        for axis in (0, 1)
    )
    return (rows, cols, filters)


def _conv(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    """Work out a ``Conv2D`` or a ``Conv2DTranspose``."""
    _check_padding(name, kind, args["padding"])
    shape, size, jump = node.shape, node.rf_size, node.rf_jump
    filters, use_bias = args["filters"], bool(args["use_bias"])
    kernel = shapes.as_pair(args["kernel_size"], "kernel_size")
    stride = shapes.as_pair(args["strides"], "strides")
    dilation = shapes.as_pair(args["dilation_rate"], "dilation_rate")
    if max(stride) > 1 and max(dilation) > 1:
        raise _bad_value(name, kind, "dilation_rate", args["dilation_rate"], "1 (strides > 1)")
    params = shapes.conv_params(kernel, shape[2], filters, use_bias=use_bias)
    k_eff = shapes.effective_kernel_size(kernel[0], dilation[0])
    out = conv_layer_output_shape(kind, shape, filters, kernel, stride, args["padding"], dilation)
    if kind == "Conv2D":
        macs = out[0] * out[1] * filters * kernel[0] * kernel[1] * shape[2]
        return out, params, params, macs, ceil(size + (k_eff - 1) * jump), jump * stride[0]
    macs = shape[0] * shape[1] * shape[2] * kernel[0] * kernel[1] * filters
    # An output cell gathers at most ceil(k_eff / s) neighbouring input cells.
    seen = ceil(k_eff / stride[0])
    return (
        out,
        params,
        params,
        macs,
        ceil(size + (seen - 1) * jump),
        jump / stride[0],
    )


def _pooling(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    """Work out a ``MaxPooling2D`` or an ``AveragePooling2D``."""
    _check_padding(name, kind, args["padding"])
    pool = shapes.as_pair(args["pool_size"], "pool_size")
    strides = pool if args["strides"] is None else shapes.as_pair(args["strides"], "strides")
    out = shapes.pool_output_shape(node.shape, pool, strides=strides, padding=args["padding"])
    size = ceil(node.rf_size + (pool[0] - 1) * node.rf_jump)
    return out, 0, 0, 0, size, node.rf_jump * strides[0]


def _whole_map(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    """Work out a global pooling or a ``Flatten``.

    One output sees the whole map: like a pool as large as the input.
    """
    shape = node.shape
    out = (shape[2],) if kind != "Flatten" else (prod(shape),)
    rows = shape[0] if len(shape) == 3 else 1
    return out, 0, 0, 0, ceil(node.rf_size + (rows - 1) * node.rf_jump), node.rf_jump * rows


def _dense(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    shape = node.shape
    if len(shape) != 1:
        raise InputError("error.arch_dense_not_flat", layer=name, shape=shape)
    params = shapes.dense_params(shape[0], args["units"], use_bias=bool(args["use_bias"]))
    return (args["units"],), params, params, shape[0] * args["units"], node.rf_size, node.rf_jump


def _batch_norm(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    channels = node.shape[-1]
    trainable = (bool(args["center"]) + bool(args["scale"])) * channels
    return node.shape, trainable + 2 * channels, trainable, 0, node.rf_size, node.rf_jump


def _zero_padding(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    shape = node.shape
    (top, bottom), (left, right) = shapes.padding_amounts_2d(
        shape[:2], 1, padding=as_tuples(args["padding"])
    )
    out = (shape[0] + top + bottom, shape[1] + left + right, shape[2])
    return out, 0, 0, 0, node.rf_size, node.rf_jump


def _upsampling(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    rows, cols = shapes.as_pair(args["size"], "size")
    if rows < 1 or cols < 1:
        raise _bad_value(name, kind, "size", args["size"], ">= 1")
    if args["interpolation"] not in ("nearest", "bilinear"):
        raise _bad_value(
            name, kind, "interpolation", args["interpolation"], '"nearest", "bilinear"'
        )
    out = (node.shape[0] * rows, node.shape[1] * cols, node.shape[2])
    return out, 0, 0, 0, node.rf_size, node.rf_jump / rows


def _same_shape(name: str, kind: str, args: dict[str, Any], node: _Node) -> _Result:
    """Check a ``Dropout`` or an ``Activation``: the input's shape, no weights."""
    if kind == "Dropout" and not (isinstance(args["rate"], int | float) and 0 <= args["rate"] < 1):
        raise _bad_value(name, kind, "rate", args["rate"], "0 <= rate < 1")
    return node.shape, 0, 0, 0, node.rf_size, node.rf_jump


_RULES: Mapping[str, Callable[[str, str, dict[str, Any], _Node], _Result]] = {
    "Conv2D": _conv,
    "Conv2DTranspose": _conv,
    "MaxPooling2D": _pooling,
    "AveragePooling2D": _pooling,
    "GlobalAveragePooling2D": _whole_map,
    "GlobalMaxPooling2D": _whole_map,
    "Flatten": _whole_map,
    "Dense": _dense,
    "BatchNormalization": _batch_norm,
    "ZeroPadding2D": _zero_padding,
    "UpSampling2D": _upsampling,
    "Dropout": _same_shape,
    "Activation": _same_shape,
}


def _layer(name: str, kind: str, args: dict[str, Any], sources: list[_Node]) -> _Result:
    """Return one layer's output shape, params, trainable params, MACs and receptive field."""
    if kind in MERGES:
        return _merge(name, kind, args, sources)
    if kind in _SPATIAL and len(sources[0].shape) != 3:
        raise InputError("error.arch_needs_image", layer=name, type=kind, shape=sources[0].shape)
    activation = args.get("activation")
    if activation is not None and activation not in ACTIVATIONS:
        raise _bad_value(name, kind, "activation", activation, ", ".join(ACTIVATIONS))
    return _RULES[kind](name, kind, args, sources[0])


def _merge(name: str, kind: str, args: dict[str, Any], sources: list[_Node]) -> _Result:
    found = [node.shape for node in sources]
    if len(sources) < 2:
        raise InputError("error.arch_merge_inputs", layer=name, type=kind, count=len(sources))
    size = max(node.rf_size for node in sources)
    jump = max(node.rf_jump for node in sources)
    if kind == "Add":
        if len(set(found)) != 1:
            raise InputError("error.arch_merge_mismatch", layer=name, type=kind, shapes=found)
        return found[0], 0, 0, 0, size, jump
    if args["axis"] != -1:
        raise _bad_value(name, kind, "axis", args["axis"], "-1")
    if len({s[:-1] for s in found}) != 1 or len({len(s) for s in found}) != 1:
        raise InputError("error.arch_merge_mismatch", layer=name, type=kind, shapes=found)
    return (*found[0][:-1], sum(s[-1] for s in found)), 0, 0, 0, size, jump


# --- public API --------------------------------------------------------------------------


def summarize(spec: Sequence[Mapping[str, Any]], input_shape: Sequence[int]) -> Summary:
    r"""Follow an input through a network: each layer's shape, parameters, MACs and memory.

    Parameters
    ----------
    spec : list of dict
        The layers (see the module docstring).
    input_shape : (H, W, C) or (N,)
        One input's shape, without the batch axis.

    Returns
    -------
    Summary
        One :class:`LayerSummary` per layer, and totals.

    Raises
    ------
    InputError
        Naming the layer and the values received when a type or field is
        unknown, a shape collapses (an empty output), a merge gets mismatched
        shapes, a ``Dense`` gets a non-flat input or an input is unknown.

    Notes
    -----
    ``Conv2D``: :math:`k_h k_w C_{in} F + F` parameters and
    :math:`H_o W_o F k_h k_w C_{in}` MACs. ``Dense``: :math:`n_{in} u + u`
    and :math:`n_{in} u`. ``BatchNormalization``: :math:`4C` parameters
    (:math:`\gamma, \beta` trainable; moving mean and variance not), as Keras
    counts them. Receptive field along the rows: :math:`r \leftarrow r + (k_d -
    1) j`, :math:`j \leftarrow j s`; a merge takes the largest of its inputs'.

    Examples
    --------
    >>> s = summarize([{"type": "Conv2D", "filters": 32, "kernel_size": 3, "name": "c"},
    ...                {"type": "MaxPooling2D"}, {"type": "Flatten"},
    ...                {"type": "Dense", "units": 10}], (28, 28, 1))
    >>> [(l.name, l.output_shape, l.params) for l in s.layers]  # doctest: +NORMALIZE_WHITESPACE
    [('c', (26, 26, 32), 320), ('maxpooling2d_2', (13, 13, 32), 0),
     ('flatten_3', (5408,), 0), ('dense_4', (10,), 54090)]
    >>> s.params, s.layer("c").macs, s.layer("maxpooling2d_2").receptive_field
    (54410, 194688, (4, 2.0))
    """
    shape = check_input_shape(input_shape)
    nodes = {INPUT_NAME: _Node(shape, 1, Fraction(1))}
    summaries = []
    for name, kind, args, inputs in layer_graph(spec):
        sources = [nodes[source] for source in inputs]
        try:
            out, params, trainable, macs, size, jump = _layer(name, kind, args, sources)
        except InputError as err:
            if err.key.startswith("error.arch_"):
                raise
            raise LayerError(err, layer=name, type=kind, shape=sources[0].shape) from err
        nodes[name] = _Node(out, size, jump)
        summaries.append(
            LayerSummary(
                name=name,
                type=kind,
                inputs=tuple(inputs),
                output_shape=tuple(out),
                params=params,
                trainable_params=trainable,
                macs=macs,
                receptive_field=(size, float(jump)),
                activation_memory=prod(out),
            )
        )
    return Summary(input_shape=shape, layers=tuple(summaries))
