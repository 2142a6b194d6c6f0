"""The spec format of a layer stack in Keras terms: its fields, reading and wiring.

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

Every number follows Keras: :func:`cnnviz.core.architectures.summarize` computes it with
:mod:`cnnviz.core.shapes` and :func:`cnnviz.nets.keras_models.to_keras` builds the
same network, so tests can compare them layer by layer. The classic networks are in
:mod:`cnnviz.content.gallery`; the course's shorthand in :mod:`cnnviz.core.shorthand`,
one layer worked out in :mod:`cnnviz.core.layer_math` and the stack table in
:mod:`cnnviz.core.builder_rows`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral
from typing import Any

from cnnviz.i18n import InputError

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

MERGES: tuple[str, ...] = ("Add", "Concatenate")
"""Layer types that join several inputs into one."""


# --- reading a spec ------------------------------------------------------------------------


def _layer_name(layer: Mapping[str, Any], index: int) -> str:
    name = layer.get("name")
    return str(name) if name is not None else f"{str(layer.get('type', 'layer')).lower()}_{index}"


def check_type(kind: object, allowed: Iterable[str], *, layer: str = "-") -> None:
    """Check that a layer's type is one of ``allowed``.

    Parameters
    ----------
    kind : object
        The type received.
    allowed : iterable of str
        The types accepted here (a builder or a calculator offers fewer than :data:`FIELDS`).
    layer : str, default "-"
        The layer's name, for the message.

    Raises
    ------
    InputError
        Naming the layer, the type received and the types expected.

    Examples
    --------
    >>> check_type("Conv2D", FIELDS)
    >>> try:
    ...     check_type("Conv3D", ("Conv2D", "Dense"))
    ... except InputError as err:
    ...     print(err.key, err.fields["expected"])
    error.arch_unknown_type Conv2D, Dense
    """
    allowed = tuple(allowed)
    if kind not in allowed:
        raise InputError(
            "error.arch_unknown_type", layer=layer, value=repr(kind), expected=", ".join(allowed)
        )


def resolve_layer(layer: Mapping[str, Any], index: int) -> tuple[str, str, dict[str, Any]]:
    """Check one layer's type and fields; return its name, type and arguments with defaults.

    Parameters
    ----------
    layer : mapping
        One layer of a spec (see the module docstring).
    index : int
        Its position, counting from 1: it names a layer without a ``"name"``.

    Returns
    -------
    (str, str, dict)
        The layer's name, its type and every argument of :data:`FIELDS`, defaults filled in.

    Raises
    ------
    InputError
        For a layer that is not a mapping, an unknown type or field, or a missing
        required field.

    Examples
    --------
    >>> resolve_layer({"type": "MaxPooling2D"}, 2)
    ('maxpooling2d_2', 'MaxPooling2D', {'pool_size': 2, 'strides': None, 'padding': 'valid'})
    """
    if not isinstance(layer, Mapping):
        raise InputError("error.arch_not_a_layer", index=index, value=repr(layer))
    name = _layer_name(layer, index)
    kind = layer.get("type")
    check_type(kind, FIELDS, layer=name)
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


def check_input_shape(input_shape: Sequence[int]) -> tuple[int, ...]:
    """Check a network's input shape: ``(H, W, C)`` or ``(N,)`` of whole numbers >= 1.

    Parameters
    ----------
    input_shape : sequence of int
        One input's shape, without the batch axis.

    Returns
    -------
    tuple of int
        The same shape as plain ints.

    Raises
    ------
    InputError
        For another number of axes or a size that is not a whole number >= 1.

    Examples
    --------
    >>> check_input_shape([28, 28, 1])
    (28, 28, 1)
    """
    shape = tuple(input_shape) if isinstance(input_shape, Sequence) else ()
    if len(shape) not in (1, 3) or not all(
        isinstance(n, Integral) and not isinstance(n, bool) and n >= 1 for n in shape
    ):
        raise InputError("error.arch_input_shape", value=repr(input_shape))
    return tuple(int(n) for n in shape)


def as_tuples(value: Any) -> Any:
    """Turn JSON lists into tuples, recursively (Keras and :mod:`cnnviz.core.shapes` want tuples).

    Examples
    --------
    >>> as_tuples([[1, 1], [2, 2]]), as_tuples(3)
    (((1, 1), (2, 2)), 3)
    """
    if isinstance(value, list | tuple):
        return tuple(as_tuples(v) for v in value)
    return value


def layer_graph(
    spec: Sequence[Mapping[str, Any]],
) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """Check a spec's layers and wiring; return (name, type, args, inputs) per layer.

    Parameters
    ----------
    spec : list of dict
        The layers (see the module docstring).

    Returns
    -------
    list of (str, str, dict, list of str)
        Per layer, in spec order: its name, type, arguments (defaults filled in)
        and the names of the layers it reads.

    Raises
    ------
    InputError
        For an empty spec, a bad layer, a repeated name, an unknown input or a
        layer that is not a merge with several inputs.

    Examples
    --------
    >>> [(name, inputs) for name, _, _, inputs in layer_graph([{"type": "Flatten"}])]
    [('flatten_1', ['input'])]
    """
    if isinstance(spec, str | bytes | Mapping) or not isinstance(spec, Sequence) or not spec:
        raise InputError("error.arch_empty_spec")
    seen = {INPUT_NAME}
    previous = INPUT_NAME
    layers = []
    for index, layer in enumerate(spec, start=1):
        name, kind, args = resolve_layer(layer, index)
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
        if kind not in MERGES and len(inputs) != 1:
            raise InputError("error.arch_one_input", layer=name, type=kind, count=len(inputs))
        seen.add(name)
        previous = name
        layers.append((name, kind, args, inputs))
    return layers


def conv_layer(name: str, filters: int, kernel_size: int, **kwargs: Any) -> dict[str, Any]:
    """Return a ``Conv2D`` layer of a spec; ``kwargs`` are its other Keras arguments.

    Examples
    --------
    >>> conv_layer("c1", 6, 5, activation="tanh")
    {'type': 'Conv2D', 'name': 'c1', 'filters': 6, 'kernel_size': 5, 'activation': 'tanh'}
    """
    return {
        "type": "Conv2D",
        "name": name,
        "filters": filters,
        "kernel_size": kernel_size,
        **kwargs,
    }
