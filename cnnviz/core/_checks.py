"""The core's argument checks, each written once (private to :mod:`cnnviz`).

In the manner of Keras' ``standardize_tuple`` and scikit-image's ``check_nD``:
small functions that read an argument as the maths needs it, or raise
:class:`cnnviz.i18n.InputError` with a message a student can act on. Public
modules import them by name (``from cnnviz.core._checks import is_int``); the
module is private so that nobody outside :mod:`cnnviz` relies on it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from cnnviz.i18n import InputError

__all__ = [
    "GENERIC_KEYS",
    "KERNEL_KEYS",
    "ArrayKeys",
    "as_float_array",
    "as_pair",
    "check_image",
    "is_int",
]


def is_int(value: object) -> bool:
    """Tell whether ``value`` is a whole number: any integral type, but not a bool.

    Parameters
    ----------
    value : object
        Anything.

    Returns
    -------
    bool
        True for ``int`` and NumPy integers; False for ``True``/``False``,
        floats (even ``2.0``) and everything else.

    Examples
    --------
    >>> is_int(3), is_int(np.int8(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def as_pair(value: int | Sequence[int], name: str) -> tuple[int, int]:
    """Read a Keras size argument, an int or a ``(rows, cols)`` pair, as a pair of ints.

    Parameters
    ----------
    value : int or (int, int)
        The argument as given.
    name : str
        The argument's Keras name, quoted in the error message.

    Returns
    -------
    (int, int)
        Rows and columns.

    Raises
    ------
    InputError
        If ``value`` is neither an int nor a pair of ints (key ``error.not_int_or_pair``).

    Examples
    --------
    >>> as_pair(3, "kernel_size"), as_pair((1, 2), "strides")
    ((3, 3), (1, 2))
    """
    if is_int(value):
        return (int(value), int(value))
    if (
        isinstance(value, Sequence)
        and not isinstance(value, str)
        and len(value) == 2
        and all(is_int(v) for v in value)
    ):
        return (int(value[0]), int(value[1]))
    raise InputError("error.not_int_or_pair", name=name, value=repr(value))


@dataclass(frozen=True)
class ArrayKeys:
    """The catalog keys with which :func:`as_float_array` refuses an array.

    Attributes
    ----------
    not_numeric, empty, not_finite : str
        Keys for a cell that is not a real number, an array with no cells, and
        NaN or infinite cells. Every message may quote ``name``, ``value``
        (the first bad cell), ``shape``, ``count`` (bad cells) and ``size``.
    """

    not_numeric: str
    empty: str
    not_finite: str


GENERIC_KEYS = ArrayKeys("error.not_numeric", "error.empty_array", "error.not_finite")
"""Messages that name the array: images, signals, biases, kernels of a convolution."""

KERNEL_KEYS = ArrayKeys("error.kernel_not_numeric", "error.kernel_empty", "error.kernel_not_finite")
"""Messages written for a kernel typed by hand (the kernel editor, a shared link)."""


def as_float_array(values: object, name: str, *, keys: ArrayKeys = GENERIC_KEYS) -> np.ndarray:
    """Return ``values`` as a float64 array after checking it is non-empty, real and finite.

    The one rule for every array the core reads: whatever NumPy converts to a
    float (ints, bools, numbers typed as text) is accepted; complex numbers are
    refused, since converting them would silently drop the imaginary part.

    Parameters
    ----------
    values : array_like
        An image, signal, kernel or bias.
    name : str
        What it is (``"image"``, ``"kernel"``...), quoted in the error message.
    keys : ArrayKeys, default GENERIC_KEYS
        Which messages to raise.

    Returns
    -------
    ndarray
        A float64 array (a copy only when a conversion is needed).

    Raises
    ------
    InputError
        If it is empty, not numeric (complex included), or holds NaN or infinity.

    Examples
    --------
    >>> as_float_array([[1, 2], [3, 4]], "kernel").dtype
    dtype('float64')
    >>> try:
    ...     as_float_array([1j], "kernel", keys=KERNEL_KEYS)
    ... except InputError as err:
    ...     print(err.key, err.fields["value"])
    error.kernel_not_numeric 1j
    """
    try:
        if np.iscomplexobj(values):
            raise TypeError("complex values")
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(keys.not_numeric, name=name, value=_first_non_number(values)) from None
    if array.size == 0:
        raise InputError(keys.empty, name=name, shape=array.shape)
    bad = int(array.size - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise InputError(keys.not_finite, name=name, count=bad, size=array.size)
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


def check_image(values: object, name: str = "image") -> np.ndarray:
    """Read an image or feature map: finite float64 of shape ``(H, W)`` or ``(H, W, C)``.

    Parameters
    ----------
    values : array_like
        The input, channels last.
    name : str, default "image"
        Quoted in the messages of :func:`as_float_array`.

    Returns
    -------
    ndarray, shape (H, W) or (H, W, C)
        float64.

    Raises
    ------
    InputError
        As :func:`as_float_array`, or ``error.image_rank`` for another rank.

    Examples
    --------
    >>> check_image([[1, 2]]).shape
    (1, 2)
    >>> try:
    ...     check_image([1, 2])
    ... except InputError as err:
    ...     print(err.key, err.fields["shape"])
    error.image_rank (2,)
    """
    array = as_float_array(values, name)
    if array.ndim not in (2, 3):
        raise InputError("error.image_rank", shape=array.shape, ndim=array.ndim)
    return array
