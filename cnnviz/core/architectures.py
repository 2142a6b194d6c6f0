"""Layer stacks in Keras terms: summaries (shapes, parameters, MACs, receptive fields).

The spec format
---------------
A network is a list of plain, JSON-serialisable dicts, one per layer, in the
order they run. Each has a ``"type"`` (a Keras layer class name), an optional
``"name"`` (default ``"<type in lower case>_<position>"``, counting from 1) and
the layer's Keras arguments under their Keras names::

    [{"type": "Conv2D", "filters": 32, "kernel_size": 3, "strides": 1,
      "padding": "valid", "activation": "relu", "use_bias": True, "name": "conv1"},
     {"type": "MaxPooling2D", "pool_size": 2, "name": "pool1"},
     {"type": "Flatten"},
     {"type": "Dense", "units": 10, "activation": "softmax"}]

Types and their arguments (defaults as in Keras; required ones marked ``*``):

- ``Conv2D``: ``filters*``, ``kernel_size*``, ``strides``, ``padding``
  (``"valid"`` or ``"same"``), ``dilation_rate``, ``activation``, ``use_bias``.
- ``Conv2DTranspose``: as ``Conv2D``.
- ``MaxPooling2D``, ``AveragePooling2D``: ``pool_size`` (2), ``strides``
  (the pool size), ``padding``.
- ``GlobalAveragePooling2D``, ``GlobalMaxPooling2D``, ``Flatten``: none.
- ``Dense``: ``units*``, ``activation``, ``use_bias``; its input must be flat.
- ``Dropout``: ``rate`` (0.5). ``Activation``: ``activation*``.
- ``BatchNormalization``: ``center``, ``scale``, ``momentum``, ``epsilon``.
- ``ZeroPadding2D``: ``padding`` (an int, ``(rows, cols)`` or
  ``((top, bottom), (left, right))``). ``UpSampling2D``: ``size``, ``interpolation``.
- ``Add``, ``Concatenate`` (``axis``, only ``-1``): merges, with at least two inputs.

Graphs: any layer may name its inputs with ``"inputs": [names]``; by default
it takes the previous layer (the first layer takes the network's input, whose
name is :data:`INPUT_NAME`). Residual and inception blocks are written this
way. The last layer is the network's output. Sizes accept an int or a
``(rows, cols)`` pair, also as a JSON list.

Every number follows Keras: :func:`summarize` computes it with
:mod:`cnnviz.core.shapes` and :func:`to_keras` builds the same network, so tests
can compare them layer by layer.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from math import ceil, prod
from numbers import Integral
from typing import TYPE_CHECKING, Any

from cnnviz.core import shapes
from cnnviz.i18n import InputError, get_language, t

if TYPE_CHECKING:  # pragma: no cover
    import keras

Spec = list[dict[str, Any]]
"""A network: one dict per layer (see the module docstring)."""

INPUT_NAME = "input"
"""The name by which layers refer to the network's input in ``"inputs"``."""

_REQUIRED = object()
_CONV_FIELDS: dict[str, Any] = {
    "filters": _REQUIRED,
    "kernel_size": _REQUIRED,
    "strides": 1,
    "padding": "valid",
    "dilation_rate": 1,
    "activation": None,
    "use_bias": True,
}
_POOL_FIELDS: dict[str, Any] = {"pool_size": 2, "strides": None, "padding": "valid"}
FIELDS: Mapping[str, Mapping[str, Any]] = {
    "Conv2D": _CONV_FIELDS,
    "Conv2DTranspose": _CONV_FIELDS,
    "MaxPooling2D": _POOL_FIELDS,
    "AveragePooling2D": _POOL_FIELDS,
    "GlobalAveragePooling2D": {},
    "GlobalMaxPooling2D": {},
    "Flatten": {},
    "Dense": {"units": _REQUIRED, "activation": None, "use_bias": True},
    "Dropout": {"rate": 0.5},
    "BatchNormalization": {"center": True, "scale": True, "momentum": 0.99, "epsilon": 0.001},
    "Activation": {"activation": _REQUIRED},
    "ZeroPadding2D": {"padding": 1},
    "UpSampling2D": {"size": 2, "interpolation": "nearest"},
    "Add": {},
    "Concatenate": {"axis": -1},
}
"""Each supported layer type's Keras arguments and their defaults."""

ACTIVATIONS: tuple[str, ...] = (
    "linear",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "mish",
    "sigmoid",
    "hard_sigmoid",
    "tanh",
    "softmax",
    "softplus",
    "softsign",
    "exponential",
)
"""Activation names accepted in ``"activation"`` (all Keras', by the same name); or None."""

LAYER_TYPES: tuple[str, ...] = tuple(FIELDS)
"""The supported layer types, by Keras class name."""

_MERGES = ("Add", "Concatenate")
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


# --- reading a spec ------------------------------------------------------------------------


def _layer_name(layer: Mapping[str, Any], index: int) -> str:
    name = layer.get("name")
    return str(name) if name is not None else f"{str(layer.get('type', 'layer')).lower()}_{index}"


def _resolve(layer: Mapping[str, Any], index: int) -> tuple[str, str, dict[str, Any]]:
    """Check one layer's type and fields; return its name, type and arguments with defaults."""
    if not isinstance(layer, Mapping):
        raise InputError("error.arch_not_a_layer", index=index, value=repr(layer))
    name = _layer_name(layer, index)
    kind = layer.get("type")
    if kind not in FIELDS:
        raise InputError(
            "error.arch_unknown_type", layer=name, value=repr(kind), expected=", ".join(FIELDS)
        )
    known = FIELDS[kind]
    args: dict[str, Any] = {}
    for key, value in layer.items():
        if key in ("type", "name", "inputs"):
            continue
        if key not in known:
            raise InputError(
                "error.arch_unknown_field",
                layer=name,
                type=kind,
                field=key,
                expected=", ".join(known) or "-",
            )
        args[key] = value
    for key, default in known.items():
        if key not in args:
            if default is _REQUIRED:
                raise InputError("error.arch_missing_field", layer=name, type=kind, field=key)
            args[key] = default
    return name, kind, args


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


def _check_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    shape = tuple(input_shape) if isinstance(input_shape, Sequence) else ()
    if len(shape) not in (1, 3) or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise InputError("error.arch_input_shape", value=repr(input_shape))
    return tuple(int(n) for n in shape)


@dataclass(frozen=True)
class _Node:
    shape: tuple[int, ...]
    rf_size: int
    rf_jump: Fraction


def _layer(
    name: str, kind: str, args: dict[str, Any], sources: list[_Node]
) -> tuple[tuple[int, ...], int, int, int, int, Fraction]:
    """Return one layer's output shape, params, trainable params, MACs and receptive field."""
    node = sources[0]
    shape = node.shape
    size, jump = node.rf_size, node.rf_jump
    if kind in _MERGES:
        return _merge(name, kind, args, sources)
    if kind in _SPATIAL and len(shape) != 3:
        raise InputError("error.arch_needs_image", layer=name, type=kind, shape=shape)
    activation = args.get("activation")
    if activation is not None and activation not in ACTIVATIONS:
        raise _bad_value(name, kind, "activation", activation, ", ".join(ACTIVATIONS))
    if kind in ("Conv2D", "Conv2DTranspose"):
        _check_padding(name, kind, args["padding"])
        filters, use_bias = args["filters"], bool(args["use_bias"])
        kernel = shapes.as_pair(args["kernel_size"], "kernel_size")
        stride = shapes.as_pair(args["strides"], "strides")
        dilation = shapes.as_pair(args["dilation_rate"], "dilation_rate")
        if max(stride) > 1 and max(dilation) > 1:
            raise _bad_value(name, kind, "dilation_rate", args["dilation_rate"], "1 (strides > 1)")
        params = shapes.conv_params(kernel, shape[2], filters, use_bias=use_bias)
        k_eff = shapes.effective_kernel_size(kernel[0], dilation[0])
        if kind == "Conv2D":
            out = shapes.conv_output_shape(
                shape,
                filters=filters,
                kernel_size=kernel,
                strides=stride,
                padding=args["padding"],
                dilation_rate=dilation,
            )
            macs = out[0] * out[1] * filters * kernel[0] * kernel[1] * shape[2]
            return out, params, params, macs, ceil(size + (k_eff - 1) * jump), jump * stride[0]
        rows, cols = (
            shapes.conv_transpose_output_length(
                shape[axis],
                kernel[axis],
                strides=stride[axis],
                padding=args["padding"],
                dilation_rate=dilation[axis],
            )
            for axis in (0, 1)
        )
        out = (rows, cols, filters)
        macs = shape[0] * shape[1] * shape[2] * kernel[0] * kernel[1] * filters
        # An output cell gathers at most ceil(k_eff / s) neighbouring input cells.
        seen = ceil(k_eff / stride[0])
        return out, params, params, macs, ceil(size + (seen - 1) * jump), jump / stride[0]
    if kind in ("MaxPooling2D", "AveragePooling2D"):
        _check_padding(name, kind, args["padding"])
        pool = shapes.as_pair(args["pool_size"], "pool_size")
        strides = pool if args["strides"] is None else shapes.as_pair(args["strides"], "strides")
        out = shapes.pool_output_shape(shape, pool, strides=strides, padding=args["padding"])
        return out, 0, 0, 0, ceil(size + (pool[0] - 1) * jump), jump * strides[0]
    if kind in ("GlobalAveragePooling2D", "GlobalMaxPooling2D", "Flatten"):
        # One output sees the whole map: like a pool as large as the input.
        out = (shape[2],) if kind != "Flatten" else (prod(shape),)
        rows = shape[0] if len(shape) == 3 else 1
        return out, 0, 0, 0, ceil(size + (rows - 1) * jump), jump * rows
    if kind == "Dense":
        if len(shape) != 1:
            raise InputError("error.arch_dense_not_flat", layer=name, shape=shape)
        params = shapes.dense_params(shape[0], args["units"], use_bias=bool(args["use_bias"]))
        return (args["units"],), params, params, shape[0] * args["units"], size, jump
    if kind == "BatchNormalization":
        channels = shape[-1]
        trainable = (bool(args["center"]) + bool(args["scale"])) * channels
        return shape, trainable + 2 * channels, trainable, 0, size, jump
    if kind == "ZeroPadding2D":
        (top, bottom), (left, right) = shapes.padding_amounts_2d(
            shape[:2], 1, padding=_tuples(args["padding"])
        )
        return (shape[0] + top + bottom, shape[1] + left + right, shape[2]), 0, 0, 0, size, jump
    if kind == "UpSampling2D":
        rows, cols = shapes.as_pair(args["size"], "size")
        if rows < 1 or cols < 1:
            raise _bad_value(name, kind, "size", args["size"], ">= 1")
        return (shape[0] * rows, shape[1] * cols, shape[2]), 0, 0, 0, size, jump / rows
    if kind == "UpSampling2D" and args["interpolation"] not in ("nearest", "bilinear"):
        raise _bad_value(
            name, kind, "interpolation", args["interpolation"], '"nearest", "bilinear"'
        )
    if kind == "Dropout" and not (isinstance(args["rate"], int | float) and 0 <= args["rate"] < 1):
        raise _bad_value(name, kind, "rate", args["rate"], "0 <= rate < 1")
    return shape, 0, 0, 0, size, jump  # Dropout, Activation


def _merge(
    name: str, kind: str, args: dict[str, Any], sources: list[_Node]
) -> tuple[tuple[int, ...], int, int, int, int, Fraction]:
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


def _tuples(value: Any) -> Any:
    """JSON lists to tuples, recursively (Keras and :mod:`cnnviz.core.shapes` want tuples)."""
    if isinstance(value, list | tuple):
        return tuple(_tuples(v) for v in value)
    return value


def _graph(spec: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """Check a spec's layers and wiring; return (name, type, args, inputs) per layer."""
    if isinstance(spec, str | bytes | Mapping) or not isinstance(spec, Sequence) or not spec:
        raise InputError("error.arch_empty_spec")
    seen = {INPUT_NAME}
    previous = INPUT_NAME
    layers = []
    for index, layer in enumerate(spec, start=1):
        name, kind, args = _resolve(layer, index)
        if name in seen:
            raise InputError("error.arch_duplicate_name", layer=name)
        inputs = layer.get("inputs")
        if inputs is None:
            inputs = [previous]
        elif isinstance(inputs, str):
            inputs = [inputs]
        inputs = [str(i) for i in inputs]
        for source in inputs:
            if source not in seen:
                raise InputError("error.arch_unknown_input", layer=name, value=source)
        if kind not in _MERGES and len(inputs) != 1:
            raise InputError("error.arch_one_input", layer=name, type=kind, count=len(inputs))
        seen.add(name)
        previous = name
        layers.append((name, kind, args, inputs))
    return layers


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
    shape = _check_shape(input_shape)
    nodes = {INPUT_NAME: _Node(shape, 1, Fraction(1))}
    summaries = []
    for name, kind, args, inputs in _graph(spec):
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


def to_keras(spec: Sequence[Mapping[str, Any]], input_shape: Sequence[int]) -> keras.Model:
    """Build the network of a spec as a Keras functional model, with the same layer names.

    Parameters
    ----------
    spec : list of dict
        The layers (see the module docstring); checked with :func:`summarize` first.
    input_shape : (H, W, C) or (N,)
        One input's shape, without the batch axis.

    Returns
    -------
    keras.Model
        Input layer :data:`INPUT_NAME`, output the last layer; randomly initialised.
    """
    import keras  # lazily: importing cnnviz.core.architectures stays light

    summarize(spec, input_shape)  # the student's errors, in their language, before Keras'
    tensors = {INPUT_NAME: keras.Input(shape=tuple(input_shape), name=INPUT_NAME)}
    for name, kind, args, inputs in _graph(spec):
        kwargs = {key: _tuples(value) for key, value in args.items()}
        layer = getattr(keras.layers, kind)(name=name, **kwargs)
        sources = [tensors[source] for source in inputs]
        tensors[name] = layer(sources if kind in _MERGES else sources[0])
    return keras.Model(tensors[INPUT_NAME], tensors[name], name="cnnviz")


# --- classic architectures ---------------------------------------------------------------


def _conv(name: str, filters: int, kernel_size: int, **kwargs: Any) -> dict[str, Any]:
    return {
        "type": "Conv2D",
        "name": name,
        "filters": filters,
        "kernel_size": kernel_size,
        **kwargs,
    }


def lenet5() -> Spec:
    """Return LeNet-5 (LeCun et al., 1998) as a spec, for a 32x32x1 input.

    Returns
    -------
    list of dict
        C1 (6 5x5, tanh), S2 (average pool 2), C3 (16 5x5), S4, C5 (120 5x5, a
        convolution that leaves 1x1), F6 (84, tanh) and a 10-way softmax: 61,706
        parameters. C3 connects to all of S2's maps (the paper's partial table
        is left out) and the output is a softmax, not RBF units.

    Examples
    --------
    >>> summarize(lenet5(), (32, 32, 1)).params
    61706
    """
    return [
        _conv("c1", 6, 5, activation="tanh"),
        {"type": "AveragePooling2D", "name": "s2", "pool_size": 2},
        _conv("c3", 16, 5, activation="tanh"),
        {"type": "AveragePooling2D", "name": "s4", "pool_size": 2},
        _conv("c5", 120, 5, activation="tanh"),
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "f6", "units": 84, "activation": "tanh"},
        {"type": "Dense", "name": "output", "units": 10, "activation": "softmax"},
    ]


def alexnet() -> Spec:
    """Return AlexNet (Krizhevsky et al., 2012) as one stream, for a 227x227x3 input.

    Returns
    -------
    list of dict
        Five convolutions (96 11x11/4, 256 5x5, 384, 384, 256 3x3), three max
        pools 3x3/2, two dense 4096 with dropout and a 1000-way softmax:
        62,378,344 parameters (the often quoted 62.3 million). The paper split
        conv2, conv4 and conv5 over two GPUs (about 61 million); local response
        normalisation is left out (it has no parameters).

    Examples
    --------
    >>> summarize(alexnet(), (227, 227, 3)).params
    62378344
    """
    pool = {"type": "MaxPooling2D", "pool_size": 3, "strides": 2}
    return [
        _conv("conv1", 96, 11, strides=4, activation="relu"),
        {**pool, "name": "pool1"},
        _conv("conv2", 256, 5, padding="same", activation="relu"),
        {**pool, "name": "pool2"},
        _conv("conv3", 384, 3, padding="same", activation="relu"),
        _conv("conv4", 384, 3, padding="same", activation="relu"),
        _conv("conv5", 256, 3, padding="same", activation="relu"),
        {**pool, "name": "pool5"},
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "fc6", "units": 4096, "activation": "relu"},
        {"type": "Dropout", "name": "drop6", "rate": 0.5},
        {"type": "Dense", "name": "fc7", "units": 4096, "activation": "relu"},
        {"type": "Dropout", "name": "drop7", "rate": 0.5},
        {"type": "Dense", "name": "fc8", "units": 1000, "activation": "softmax"},
    ]


def vgg(depth: int = 16) -> Spec:
    """Return VGG-16 or VGG-19 (Simonyan and Zisserman, 2014) as Keras' ``applications`` build it.

    Parameters
    ----------
    depth : {16, 19}, default 16
        Weight layers.

    Returns
    -------
    list of dict
        Keras' layer names (``block1_conv1``... ``fc1``, ``fc2``, ``predictions``),
        for a 224x224x3 input: 138,357,544 and 143,667,240 parameters.

    Examples
    --------
    >>> summarize(vgg(19), (224, 224, 3)).params
    143667240
    """
    convs = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}.get(depth)
    if convs is None:
        raise InputError("error.arch_vgg_depth", value=depth)
    spec: Spec = []
    for block, (count, filters) in enumerate(
        zip(convs, (64, 128, 256, 512, 512), strict=True), start=1
    ):
        for i in range(1, count + 1):
            spec.append(
                _conv(f"block{block}_conv{i}", filters, 3, padding="same", activation="relu")
            )
        spec.append({"type": "MaxPooling2D", "name": f"block{block}_pool", "pool_size": 2})
    return [
        *spec,
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "fc1", "units": 4096, "activation": "relu"},
        {"type": "Dense", "name": "fc2", "units": 4096, "activation": "relu"},
        {"type": "Dense", "name": "predictions", "units": 1000, "activation": "softmax"},
    ]


def resnet(depth: int = 18) -> Spec:
    """Return ResNet-18 or ResNet-34 (He et al., 2016) with basic blocks, as torchvision builds it.

    Parameters
    ----------
    depth : {18, 34}, default 18
        Weight layers.

    Returns
    -------
    list of dict
        For a 224x224x3 input: a 7x7/2 convolution, a 3x3/2 max pool, stages of
        (2, 2, 2, 2) or (3, 4, 6, 3) basic blocks (two 3x3 convolutions without
        bias, each followed by batch normalisation; a 1x1 projection with batch
        normalisation on the shortcut when the size or width changes), global
        average pooling and a 1000-way softmax. Keras' layer naming
        (``conv2_block1_1_conv``...). Trainable parameters equal torchvision's
        11,689,512 and 21,797,672; Keras also counts the batch normalisations'
        moving statistics, for 11,699,112 and 21,814,696 in all.

    Examples
    --------
    >>> s = summarize(resnet(18), (224, 224, 3))
    >>> s.trainable_params, s.output_shape
    (11689512, (1000,))
    """
    stages = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}.get(depth)
    if stages is None:
        raise InputError("error.arch_resnet_depth", value=depth)
    spec: Spec = [
        {"type": "ZeroPadding2D", "name": "conv1_pad", "padding": 3},
        _conv("conv1_conv", 64, 7, strides=2, use_bias=False),
        {"type": "BatchNormalization", "name": "conv1_bn", "epsilon": 1e-5},
        {"type": "Activation", "name": "conv1_relu", "activation": "relu"},
        {"type": "ZeroPadding2D", "name": "pool1_pad", "padding": 1},
        {"type": "MaxPooling2D", "name": "pool1_pool", "pool_size": 3, "strides": 2},
    ]
    previous, width = "pool1_pool", 64
    for stage, (blocks, filters) in enumerate(
        zip(stages, (64, 128, 256, 512), strict=True), start=2
    ):
        for block in range(1, blocks + 1):
            p = f"conv{stage}_block{block}_"
            stride = 2 if block == 1 and stage > 2 else 1
            spec += [
                _conv(
                    p + "1_conv",
                    filters,
                    3,
                    strides=stride,
                    padding="same",
                    use_bias=False,
                    inputs=[previous],
                ),
                {"type": "BatchNormalization", "name": p + "1_bn", "epsilon": 1e-5},
                {"type": "Activation", "name": p + "1_relu", "activation": "relu"},
                _conv(p + "2_conv", filters, 3, padding="same", use_bias=False),
                {"type": "BatchNormalization", "name": p + "2_bn", "epsilon": 1e-5},
            ]
            shortcut = previous
            if stride != 1 or width != filters:
                spec += [
                    _conv(
                        p + "0_conv", filters, 1, strides=stride, use_bias=False, inputs=[previous]
                    ),
                    {"type": "BatchNormalization", "name": p + "0_bn", "epsilon": 1e-5},
                ]
                shortcut = p + "0_bn"
            spec += [
                {"type": "Add", "name": p + "add", "inputs": [p + "2_bn", shortcut]},
                {"type": "Activation", "name": p + "out", "activation": "relu"},
            ]
            previous, width = p + "out", filters
    return [
        *spec,
        {"type": "GlobalAveragePooling2D", "name": "avg_pool"},
        {"type": "Dense", "name": "predictions", "units": 1000, "activation": "softmax"},
    ]


def inception_3a() -> Spec:
    """Return GoogLeNet's (Szegedy et al., 2015) inception block 3a, for a 28x28x192 input.

    Returns
    -------
    list of dict
        Four branches concatenated: 1x1 (64); 1x1 (96) then 3x3 (128); 1x1 (16)
        then 5x5 (32); 3x3 max pool then 1x1 (32). Output 28x28x256; 163,696
        parameters with biases (163,328 weights, the paper's "159K" in units of
        1024) and 128,049,152 MACs (the paper's "128M" operations).

    Examples
    --------
    >>> s = summarize(inception_3a(), (28, 28, 192))
    >>> s.output_shape, s.params, s.macs
    ((28, 28, 256), 163696, 128049152)
    """
    p = "inception_3a_"

    def conv(name: str, filters: int, kernel: int, source: str) -> dict[str, Any]:
        return _conv(p + name, filters, kernel, padding="same", activation="relu", inputs=[source])

    return [
        conv("1x1", 64, 1, INPUT_NAME),
        conv("3x3_reduce", 96, 1, INPUT_NAME),
        conv("3x3", 128, 3, p + "3x3_reduce"),
        conv("5x5_reduce", 16, 1, INPUT_NAME),
        conv("5x5", 32, 5, p + "5x5_reduce"),
        {
            "type": "MaxPooling2D",
            "name": p + "pool",
            "pool_size": 3,
            "strides": 1,
            "padding": "same",
            "inputs": [INPUT_NAME],
        },
        conv("pool_proj", 32, 1, p + "pool"),
        {
            "type": "Concatenate",
            "name": p + "output",
            "inputs": [p + "1x1", p + "3x3", p + "5x5", p + "pool_proj"],
        },
    ]


def small_unet(base: int = 16, depth: int = 2, channels_out: int = 1) -> Spec:
    """Return a small U-Net (after Ronneberger et al., 2015), for e.g. a 64x64x1 input.

    Parameters
    ----------
    base : int, default 16
        Filters of the first level; each level down doubles them.
    depth : int, default 2
        Poolings down (and transposed convolutions back up).
    channels_out : int, default 1
        Channels of the output mask (sigmoid).

    Returns
    -------
    list of dict
        Two 3x3 "same" ReLU convolutions per level, 2x2 max pools down, 2x2/2
        transposed convolutions up, each concatenated with the level's encoder
        output (the skip connection), and a 1x1 output convolution. The default
        has 116,753 parameters; the output has the input's rows and columns.

    Examples
    --------
    >>> summarize(small_unet(), (64, 64, 1)).output_shape
    (64, 64, 1)
    """
    spec: Spec = []
    skips = []

    def double(prefix: str, filters: int, source: str | None = None) -> None:
        first = _conv(prefix + "_conv1", filters, 3, padding="same", activation="relu")
        if source is not None:
            first["inputs"] = [source]
        spec.extend(
            [first, _conv(prefix + "_conv2", filters, 3, padding="same", activation="relu")]
        )

    for level in range(1, depth + 1):
        double(f"enc{level}", base * 2 ** (level - 1))
        skips.append(f"enc{level}_conv2")
        spec.append({"type": "MaxPooling2D", "name": f"pool{level}", "pool_size": 2})
    double("bottleneck", base * 2**depth)
    for level in range(depth, 0, -1):
        filters = base * 2 ** (level - 1)
        spec.append(
            {
                "type": "Conv2DTranspose",
                "name": f"up{level}",
                "filters": filters,
                "kernel_size": 2,
                "strides": 2,
            }
        )
        spec.append(
            {
                "type": "Concatenate",
                "name": f"concat{level}",
                "inputs": [f"up{level}", skips[level - 1]],
            }
        )
        double(f"dec{level}", filters)
    spec.append(_conv("mask", channels_out, 1, activation="sigmoid"))
    return spec


def course_mnist(classes: int = 10) -> Spec:
    """Return the course's MNIST network: three 3x3 ReLU convolutions, each max-pooled, a softmax.

    Parameters
    ----------
    classes : int, default 10
        Units of the softmax.

    Returns
    -------
    list of dict
        32, 64 and 128 filters of 3x3 with ``"valid"`` padding, each followed by a
        2x2 max pooling; flatten; a ``classes``-way softmax. On 28x28x1:
        26 → 13 → 11 → 5 → 3 → 1, 93,962 parameters. The course trains it with
        SGD, learning rate 0.01 and batches of 32 (:data:`cnnviz.nets.training.COURSE_SETTINGS`).

    Examples
    --------
    >>> summarize(course_mnist(), (28, 28, 1)).params
    93962
    """
    spec: Spec = []
    for index, filters in enumerate((32, 64, 128), start=1):
        spec.append(
            {
                "type": "Conv2D",
                "name": f"conv{index}",
                "filters": filters,
                "kernel_size": 3,
                "padding": "valid",
                "activation": "relu",
            }
        )
        spec.append({"type": "MaxPooling2D", "name": f"pool{index}", "pool_size": 2})
    return [
        *spec,
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "output", "units": classes, "activation": "softmax"},
    ]


def lenet5_1998(classes: int = 10) -> Spec:
    """Return LeNet-5 as in 1998 for a 28x28 digit: sigmoid units and average pooling.

    The paper padded MNIST's 28x28 digits to 32x32; a ``"same"`` first
    convolution does the same here, so every later shape is the paper's
    (C1 28x28x6, S2 14x14x6, C3 10x10x16, S4 5x5x16, C5 1x1x120, F6 84). The
    paper's squashing function was a scaled tanh; the sigmoid is what the
    course uses. C3 connects to all of S2's maps and the output is a softmax.

    Examples
    --------
    >>> summarize(lenet5_1998(), (28, 28, 1)).params
    61706
    """
    return [
        {"type": "Conv2D", "name": "c1", "filters": 6, "kernel_size": 5, "padding": "same",
         "activation": "sigmoid"},
        {"type": "AveragePooling2D", "name": "s2", "pool_size": 2},
        {"type": "Conv2D", "name": "c3", "filters": 16, "kernel_size": 5, "activation": "sigmoid"},
        {"type": "AveragePooling2D", "name": "s4", "pool_size": 2},
        {"type": "Conv2D", "name": "c5", "filters": 120, "kernel_size": 5,
         "activation": "sigmoid"},
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "f6", "units": 84, "activation": "sigmoid"},
        {"type": "Dense", "name": "output", "units": classes, "activation": "softmax"},
    ]  # fmt: skip


def tiny_vgg(classes: int = 10) -> Spec:
    """Return a tiny VGG: two blocks of two 3x3 ``"same"`` convolutions and a max pooling.

    16 then 32 filters, a dense layer of 64 with dropout 0.5, a softmax.

    Examples
    --------
    >>> summarize(tiny_vgg(), (28, 28, 1)).params
    117434
    """
    spec: Spec = []
    for block, filters in ((1, 16), (2, 32)):
        for conv in (1, 2):
            spec.append(
                {
                    "type": "Conv2D",
                    "name": f"block{block}_conv{conv}",
                    "filters": filters,
                    "kernel_size": 3,
                    "padding": "same",
                    "activation": "relu",
                }
            )
        spec.append({"type": "MaxPooling2D", "name": f"block{block}_pool", "pool_size": 2})
    return [
        *spec,
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "fc", "units": 64, "activation": "relu"},
        {"type": "Dropout", "name": "dropout", "rate": 0.5},
        {"type": "Dense", "name": "output", "units": classes, "activation": "softmax"},
    ]


PRESETS: Mapping[str, Callable[[int], Spec]] = {
    "course": course_mnist,
    "lenet5": lenet5_1998,
    "tiny_vgg": tiny_vgg,
}
"""Preset networks by id; each takes the number of classes."""

BUILDER_TYPES: tuple[str, ...] = (
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Dropout",
    "BatchNormalization",
    "Flatten",
    "GlobalAveragePooling2D",
    "Dense",
)
"""Layer types the builder offers."""


def new_layer(kind: str) -> dict[str, Any]:
    """Return a layer of type ``kind`` with the builder's starting values.

    Examples
    --------
    >>> new_layer("Conv2D")
    {'type': 'Conv2D', 'filters': 16, 'kernel_size': 3, 'strides': 1, \
'padding': 'valid', 'activation': 'relu'}
    """
    starts: dict[str, dict[str, Any]] = {
        "Conv2D": {
            "filters": 16,
            "kernel_size": 3,
            "strides": 1,
            "padding": "valid",
            "activation": "relu",
        },
        "MaxPooling2D": {"pool_size": 2},
        "AveragePooling2D": {"pool_size": 2},
        "Dropout": {"rate": 0.25},
        "Dense": {"units": 10, "activation": "softmax"},
    }
    if kind not in BUILDER_TYPES:
        raise InputError(
            "error.arch_unknown_type",
            layer="-",
            value=repr(kind),
            expected=", ".join(BUILDER_TYPES),
        )
    return {"type": kind, **starts.get(kind, {})}


@dataclass(frozen=True)
class Architecture:
    """A classic architecture: how to build its spec, its input and its expected size.

    Attributes
    ----------
    key : str
        Its key in :data:`ARCHITECTURES`; ``arch.<key>.title`` and
        ``arch.<key>.note`` are its name and the variant and source, translated.
    build : callable
        Returns a fresh spec.
    input_shape : tuple of int
        The input it was designed for.
    params, trainable_params : int
        Expected totals (Keras' count; see the note for the source).
    """

    key: str
    build: Callable[[], Spec]
    input_shape: tuple[int, ...]
    params: int
    trainable_params: int

    @property
    def title_key(self) -> str:
        """Catalog key of its name."""
        return f"arch.{self.key}.title"

    @property
    def note_key(self) -> str:
        """Catalog key of its variant and source."""
        return f"arch.{self.key}.note"

    def spec(self) -> Spec:
        """Return a fresh copy of its spec."""
        return self.build()


ARCHITECTURES: Mapping[str, Architecture] = {
    a.key: a
    for a in (
        Architecture("lenet5", lenet5, (32, 32, 1), 61_706, 61_706),
        Architecture("alexnet", alexnet, (227, 227, 3), 62_378_344, 62_378_344),
        Architecture("vgg16", lambda: vgg(16), (224, 224, 3), 138_357_544, 138_357_544),
        Architecture("vgg19", lambda: vgg(19), (224, 224, 3), 143_667_240, 143_667_240),
        Architecture("resnet18", lambda: resnet(18), (224, 224, 3), 11_699_112, 11_689_512),
        Architecture("resnet34", lambda: resnet(34), (224, 224, 3), 21_814_696, 21_797_672),
        Architecture("inception_3a", inception_3a, (28, 28, 192), 163_696, 163_696),
        Architecture("small_unet", small_unet, (64, 64, 1), 116_753, 116_753),
    )
}
"""The classic architectures by key, in teaching order."""


# --- the course's shorthand ----------------------------------------------------------------

SHORTHAND_TOKENS: Mapping[str, str] = {
    "C": "Conv2D",
    "R": "ReLU",
    "P": "pooling",
    "F": "Flatten + Dense",
}
"""The course's letters: convolution, ReLU, pooling, fully connected."""

_TOKEN = re.compile(r"\s*(?:([CRPF])|(\()|(\))|(\d+))")


def _expand(text: str) -> list[str]:
    """Expand the shorthand into letters: ``"(CR)2P"`` -> ``["C", "R", "C", "R", "P"]``."""
    stack: list[list[str]] = [[]]
    last: list[str] | None = None  # what a count after it repeats
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise InputError("error.arch_shorthand", text=text, position=pos + 1)
        letter, opening, closing, count = match.groups()
        if letter:
            last = [letter]
            stack[-1].append(letter)
        elif opening:
            stack.append([])
            last = None
        elif closing:
            if len(stack) == 1 or not stack[-1]:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            last = stack.pop()
            stack[-1].extend(last)
        else:
            times = int(count)
            if last is None or times < 1:
                raise InputError("error.arch_shorthand", text=text, position=match.end())
            stack[-1].extend(last * (times - 1))
            last = None
        pos = match.end()
    if len(stack) != 1 or not stack[0]:
        raise InputError("error.arch_shorthand", text=text, position=len(text))
    return stack[0]


def parse_shorthand(
    text: str,
    *,
    filters: int = 32,
    kernel_size: int = 3,
    padding: str = "same",
    pool: str = "max",
    pool_size: int = 2,
    units: int = 10,
) -> Spec:
    """Read the course's shorthand, such as ``"(CR)2P(CR)2P(CR)2PF"``, into a spec.

    Parameters
    ----------
    text : str
        Letters C (``Conv2D``), R (ReLU ``Activation``), P (pooling), F (fully
        connected: a ``Flatten`` the first time, then a ``Dense``); a number after
        a letter or a parenthesised group repeats it. Spaces are ignored.
    filters, kernel_size, padding : int, int, str
        Every convolution's arguments.
    pool : {"max", "average"}, default "max"
        ``MaxPooling2D`` or ``AveragePooling2D``.
    pool_size : int, default 2
        Every pooling's window (and stride).
    units : int, default 10
        Every ``Dense``'s neurons.

    Returns
    -------
    list of dict
        Layers named ``conv1``, ``relu1``, ``pool1``, ``flatten``, ``dense1``...

    Raises
    ------
    InputError
        Where the text cannot be read.

    Examples
    --------
    >>> [layer["name"] for layer in parse_shorthand("(CR)2PF")]
    ['conv1', 'relu1', 'conv2', 'relu2', 'pool1', 'flatten', 'dense1']
    """
    if pool not in ("max", "average"):
        raise InputError("error.arch_shorthand_pool", value=repr(pool))
    pool_type = "MaxPooling2D" if pool == "max" else "AveragePooling2D"
    counts = dict.fromkeys("CRPF", 0)
    spec: Spec = []
    for letter in _expand(str(text)):
        counts[letter] += 1
        n = counts[letter]
        if letter == "C":
            spec.append(_conv(f"conv{n}", filters, kernel_size, padding=padding))
        elif letter == "R":
            spec.append({"type": "Activation", "name": f"relu{n}", "activation": "relu"})
        elif letter == "P":
            spec.append({"type": pool_type, "name": f"pool{n}", "pool_size": pool_size})
        else:
            if n == 1:
                spec.append({"type": "Flatten", "name": "flatten"})
            spec.append({"type": "Dense", "name": f"dense{n}", "units": units})
    return spec


def _letters(spec: Sequence[Mapping[str, Any]]) -> list[str]:
    letters = []
    for index, layer in enumerate(spec, start=1):
        name, kind, args = _resolve(layer, index)
        if kind == "Conv2D":
            letters.append("C")
            if args["activation"] == "relu":
                letters.append("R")
            elif args["activation"] not in (None, "linear"):
                raise InputError("error.arch_no_shorthand", layer=name, type=kind)
        elif kind == "Activation" and args["activation"] == "relu":
            letters.append("R")
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            letters.append("P")
        elif kind == "Dense" and args["activation"] in (None, "linear", "relu", "softmax"):
            letters.append("F")
            if args["activation"] == "relu":
                letters.append("R")
        elif kind != "Flatten":
            raise InputError("error.arch_no_shorthand", layer=name, type=kind)
    return letters


def to_shorthand(spec: Sequence[Mapping[str, Any]]) -> str:
    """Write a spec in the course's shorthand, grouping repeats as the course does.

    Parameters
    ----------
    spec : list of dict
        Layers of types ``Conv2D`` (C, and R for a ReLU activation),
        ``Activation`` ReLU (R), pooling (P), ``Flatten`` and ``Dense`` (F).

    Returns
    -------
    str
        Repeats are written once with their count, shortest units first and
        without nesting, as the course does (``"(CR)2"``, ``"C3"``); sizes and
        filters are not written.

    Raises
    ------
    InputError
        If a layer has no letter (``BatchNormalization``, a merge...).

    Examples
    --------
    >>> to_shorthand(parse_shorthand("(CR)2P(CR)2P(CR)2PF"))
    '(CR)2P(CR)2P(CR)2PF'
    >>> to_shorthand(parse_shorthand("CCCRP"))
    'C3RP'
    """
    letters = _letters(spec)
    n = len(letters)
    used = [False] * n
    groups: dict[int, tuple[int, int]] = {}  # start -> (unit length, times)
    # Shortest units first, left to right, never nesting: "(CR)2P(CR)2P", not "((CR)2P)2".
    for length in range(1, n // 2 + 1):
        i = 0
        while i + 2 * length <= n:
            unit = letters[i : i + length]
            times = 0
            while letters[i + times * length : i + (times + 1) * length] == unit and not any(
                used[i + times * length : i + (times + 1) * length]
            ):
                times += 1
            if times >= 2:
                groups[i] = (length, times)
                used[i : i + times * length] = [True] * (times * length)
                i += times * length
            else:
                i += 1
    out = []
    i = 0
    while i < n:
        if i in groups:
            length, times = groups[i]
            text = "".join(letters[i : i + length])
            out.append((text if length == 1 else f"({text})") + str(times))
            i += length * times
        else:
            out.append(letters[i])
            i += 1
    return "".join(out)


# --- one layer, worked out -----------------------------------------------------------------

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
    if kind not in CALCULATOR_TYPES:
        raise InputError(
            "error.arch_unknown_type",
            layer="-",
            value=repr(kind),
            expected=", ".join(CALCULATOR_TYPES),
        )
    shape = _check_shape(input_shape)
    if len(shape) != 3:
        raise InputError("error.arch_input_shape", value=repr(tuple(input_shape)))
    kernel = shapes.as_pair(kernel_size, "kernel_size")
    if kind == "MaxPooling2D":
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
        return LayerMath(kind, shape, out, pads, 0, 0, formulas, None, None, None)
    stride = (1, 1) if strides is None else shapes.as_pair(strides, "strides")
    dilation = shapes.as_pair(dilation_rate, "dilation_rate")
    if kind == "Conv2D":
        out = shapes.conv_output_shape(
            shape,
            filters=filters,
            kernel_size=kernel,
            strides=stride,
            padding=padding,
            dilation_rate=dilation,
        )
        pads = shapes.padding_amounts_2d(
            shape[:2], kernel, strides=stride, padding=padding, dilation_rate=dilation
        )
        formulas = tuple(
            shapes.output_length_formula(
                shape[axis],
                kernel[axis],
                strides=stride[axis],
                padding=pads[axis],
                dilation_rate=dilation[axis],
            )
            for axis in (0, 1)
        )
        macs_hw: tuple[int, int] = out[:2]
    else:
        if not isinstance(padding, str) or padding not in ("valid", "same"):
            raise InputError("error.unknown_transpose_padding", value=repr(padding))
        formulas = tuple(
            shapes.conv_transpose_length_formula(
                shape[axis],
                kernel[axis],
                strides=stride[axis],
                padding=padding,
                dilation_rate=dilation[axis],
            )
            for axis in (0, 1)
        )
        rows, cols = (
            shapes.conv_transpose_output_length(
                shape[axis],
                kernel[axis],
                strides=stride[axis],
                padding=padding,
                dilation_rate=dilation[axis],
            )
            for axis in (0, 1)
        )
        out, pads, macs_hw = (rows, cols, filters), None, shape[:2]
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


# --- a chain of layers as a table ----------------------------------------------------------

TABLE_TYPES: tuple[str, ...] = (
    "Conv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "Activation",
    "BatchNormalization",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Dense",
    "Conv2DTranspose",
    "UpSampling2D",
)
"""Layer types a row of the stack table can hold."""

TABLE_COLUMNS: tuple[str, ...] = (
    "name",
    "type",
    "size",
    "kernel",
    "strides",
    "padding",
    "activation",
)
"""A row's fields: ``size`` holds a convolution's filters or a ``Dense``'s units, and
``kernel`` a convolution's kernel, a pooling's window or an upsampling's factor."""

_SIZE_FIELD = {"Conv2D": "filters", "Conv2DTranspose": "filters", "Dense": "units"}
_KERNEL_FIELD = {
    "Conv2D": "kernel_size",
    "Conv2DTranspose": "kernel_size",
    "MaxPooling2D": "pool_size",
    "AveragePooling2D": "pool_size",
    "UpSampling2D": "size",
}
_HAS_STRIDES = ("Conv2D", "Conv2DTranspose", "MaxPooling2D", "AveragePooling2D")
_HAS_ACTIVATION = ("Conv2D", "Conv2DTranspose", "Dense", "Activation")


def _cell(value: Any) -> Any:
    """Read a table cell as a plain value: None for blank or NaN, ints for whole floats."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if isinstance(value, float) or type(value).__module__ == "numpy":
        number = value.item() if hasattr(value, "item") else value
        if isinstance(number, float):
            if number != number:  # NaN: an empty cell of a number column
                return None
            return int(number) if number.is_integer() else number
        return number
    return value.strip() if isinstance(value, str) else value


def rows_to_spec(rows: Sequence[Mapping[str, Any]]) -> Spec:
    """Turn the rows of the stack table into a spec, one layer per row with a type.

    Parameters
    ----------
    rows : sequence of mappings
        Each with the :data:`TABLE_COLUMNS` fields (missing or blank ones take
        the layer's default); rows without a type are skipped (an editor's new,
        empty row). Fields a type does not use are ignored.

    Returns
    -------
    list of dict
        A chain (each layer reads the one before); check it with :func:`summarize`,
        which names the row of any missing or wrong value.

    Examples
    --------
    >>> rows_to_spec([{"type": "Conv2D", "size": 32, "kernel": 3.0, "activation": "relu"},
    ...               {"type": "MaxPooling2D", "kernel": None}, {"type": None}])
    [{'type': 'Conv2D', 'filters': 32, 'kernel_size': 3, 'activation': 'relu'}, \
{'type': 'MaxPooling2D'}]
    """
    spec: Spec = []
    for row in rows:
        values = {column: _cell(row.get(column)) for column in TABLE_COLUMNS}
        kind = values["type"]
        if kind is None:
            continue
        layer: dict[str, Any] = {"type": kind}
        if values["name"] is not None:
            layer["name"] = str(values["name"])
        fields = {
            _SIZE_FIELD.get(kind): values["size"],
            _KERNEL_FIELD.get(kind): values["kernel"],
            "strides" if kind in _HAS_STRIDES else None: values["strides"],
            "padding" if kind in _HAS_STRIDES else None: values["padding"],
            "activation" if kind in _HAS_ACTIVATION else None: values["activation"],
        }
        for key, value in fields.items():
            if (
                key is not None
                and value is not None
                and not (key == "activation" and value == "linear" and kind != "Activation")
            ):
                layer[key] = value
        spec.append(layer)
    return spec


def _square(name: str, kind: str, key: str, value: Any) -> int:
    rows, cols = shapes.as_pair(_tuples(value), key)
    if rows != cols:
        raise InputError("error.arch_no_table", layer=name, type=kind)
    return rows


def spec_to_rows(spec: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Write a chain of layers as rows of the stack table (the inverse of :func:`rows_to_spec`).

    Parameters
    ----------
    spec : list of dict
        Layers of :data:`TABLE_TYPES`, each reading the one before, with square sizes.

    Returns
    -------
    list of dict
        One row per layer with every :data:`TABLE_COLUMNS` field (None where
        the type has no such field). A ``Dropout``'s rate and a batch
        normalisation's settings are not kept: they change no shape or count.

    Raises
    ------
    InputError
        For a layer that reads another layer than the one before (a residual
        or inception block), of another type, or with a non-square size.

    Examples
    --------
    >>> spec_to_rows([{"type": "Conv2D", "filters": 6, "kernel_size": 5, "name": "c1"}])
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'name': 'c1', 'type': 'Conv2D', 'size': 6, 'kernel': 5, 'strides': 1,
      'padding': 'valid', 'activation': None}]
    """
    rows = []
    previous = INPUT_NAME
    for index, layer in enumerate(spec, start=1):
        name, kind, args = _resolve(layer, index)
        inputs = layer.get("inputs")
        if isinstance(inputs, str):
            inputs = [inputs]
        if kind not in TABLE_TYPES or (inputs is not None and list(inputs) != [previous]):
            raise InputError("error.arch_no_table", layer=name, type=kind)
        previous = name
        row = dict.fromkeys(TABLE_COLUMNS)
        row.update(name=layer.get("name"), type=kind)
        if kind in _SIZE_FIELD:
            row["size"] = args[_SIZE_FIELD[kind]]
        if kind in _KERNEL_FIELD:
            row["kernel"] = _square(name, kind, _KERNEL_FIELD[kind], args[_KERNEL_FIELD[kind]])
        if kind in _HAS_STRIDES:
            strides = args["strides"]
            row["strides"] = None if strides is None else _square(name, kind, "strides", strides)
            row["padding"] = args["padding"]
        if kind in _HAS_ACTIVATION:
            row["activation"] = args["activation"]
        rows.append(row)
    return rows
