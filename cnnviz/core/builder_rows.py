"""Rows of a layer table and new layers: how the builders edit a chain of layers.

The architectures page edits a stack as a table (:data:`TABLE_COLUMNS`);
:func:`rows_to_spec` and :func:`spec_to_rows` turn its rows into a spec
(:mod:`cnnviz.core.spec`) and back. The training page adds layers with
:func:`new_layer`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from cnnviz.core import shapes
from cnnviz.core.spec import INPUT_NAME, Spec, as_tuples, check_type, resolve_layer
from cnnviz.i18n import InputError

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
    check_type(kind, BUILDER_TYPES)
    return {"type": kind, **starts.get(kind, {})}


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
    rows, cols = shapes.as_pair(as_tuples(value), key)
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
        name, kind, args = resolve_layer(layer, index)
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
