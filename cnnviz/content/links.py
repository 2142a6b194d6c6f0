r"""What a link holds: kernels (``?k=1,0,-1;2,0,-2;1,0,-1``) and the widgets' numbers.

The kernel lives in ``st.data_editor`` tables, so it is written and read here,
by hand. A number widget's value (``?conv_stride_rows=2``) is read here too,
before the widget sees it: :func:`read_link_number`. Reading validates everything (the text comes
from a link anyone can edit) and raises :class:`cnnviz.i18n.InputError`, and
nothing else, with the received text, shortened, in the message.

Notes
-----
**Grammar.** Spaces around any number are ignored::

    bank    = filter *( "|" filter )     ; up to 4 filters (a Conv2D layer's F)
    filter  = slice  *( "/" slice )      ; one slice for every channel, or one per channel
    slice   = row    *( ";" row )        ; 1 to 7 rows
    row     = number *( "," number )     ; 1 to 7 numbers, the same count in every row
    number  = ["-"] digits ["." digits] ["e" ["-"] digits]

A 2-D kernel is one *slice*: :func:`encode_kernel` / :func:`decode_kernel`.
Several 2-D kernels, up to four, are joined by ``|``: :func:`encode_kernels` /
:func:`decode_kernels`. A whole ``Conv2D`` filter bank of shape
``(kh, kw, C, F)``, as the kernel editor keeps it, is :func:`encode_bank` /
:func:`decode_bank`.

**RGB.** The kernel editor holds one slice per input channel and usually
(presets, the default) the same slice on every channel, so a bank writes a
filter's slice *once* when all its channels are equal, and one slice per
channel, joined by ``/``, only when they differ: a Sobel filter on an RGB
image is as short a link as on a grayscale one, and the same link opens on
either. :func:`decode_bank` copies a single slice to every channel it is
asked for.

**Numbers** are written in the shortest form that reads back as exactly the
same float (Python's ``repr``), with no trailing zeros and an ASCII ``-``:
``1``, ``-0.5``, ``0.125``, ``0.1111111111111111``, ``1e-7``; so
``decode_kernel(encode_kernel(k))`` equals ``k`` bit for bit. A positive
exponent is written without ``+`` (``1e20``), because a query string reads a
``+`` as a space. Reading also accepts the typographic minus ``−`` the app
shows on screen, so numbers copied from a page work.

**A widget's number** follows the same ``number`` grammar, ASCII digits only
(``²`` and ``٣`` are not digits here, although Python's ``float`` reads the
second), must be finite (``inf``, ``nan`` and ``1e400`` are refused) and, for
an integer widget, whole (``3.0`` is 3; ``2.5`` is refused). A readable number
outside the widget's range is moved to its nearest end.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np

from cnnviz.core._checks import KERNEL_KEYS, as_float_array, is_int
from cnnviz.core.conv import MAX_MAGNITUDE, first_too_large
from cnnviz.i18n import InputError

MAX_SIZE = 7
"""Default largest number of rows or columns of a kernel in a link (the kernel editor's limit)."""

MAX_KERNELS = 4
"""Largest number of filters in a link (the kernel editor's limit)."""

MAX_TEXT = 8192
"""Longest text :func:`decode_kernel`, :func:`decode_kernels` and :func:`decode_bank` read.

Four 7×7 filters of 24-character numbers take under 5000 characters; anything
longer is refused before it is split, so a huge URL costs nothing.
"""

FILTER_SEPARATOR = "|"
CHANNEL_SEPARATOR = "/"
ROW_SEPARATOR = ";"
VALUE_SEPARATOR = ","

MAX_NUMBER_TEXT = 32
"""Longest text :func:`read_link_number` reads: ``repr`` of any float takes at most 24."""

_EXCERPT = 40  # characters of the received text quoted in an error message
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def compact_number(value: float) -> str:
    """Write a number in the shortest form that reads back as exactly the same float.

    Parameters
    ----------
    value : float
        A finite number (a NumPy scalar is read at its own precision, so
        ``np.float32(0.1)`` is ``0.1``).

    Returns
    -------
    str
        Decimal point, ASCII minus, no trailing zeros, an exponent only when it
        is shorter, never a ``+``; ``-0.0`` is ``0``.

    Examples
    --------
    >>> [compact_number(v) for v in (1.0, -0.5, 0.125, 1 / 3, 1e-7, 2.5e20, -0.0)]
    ['1', '-0.5', '0.125', '0.3333333333333333', '1e-7', '2.5e20', '0']
    """
    scalar = value if isinstance(value, np.floating) else np.float64(value)
    if scalar == 0:
        return "0"  # also -0.0: a kernel weight of "minus zero" means nothing to a student
    positional = np.format_float_positional(scalar, unique=True, trim="-")
    scientific = np.format_float_scientific(scalar, unique=True, trim="-", exp_digits=1)
    scientific = scientific.replace("e+", "e").replace(".e", "e")
    return scientific if len(scientific) < len(positional) else positional


def _excerpt(text: str) -> str:
    """Shorten the received text for an error message: its first characters, and "…"."""
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "…"


def _as_slice(kernel: object, ndim: int = 2) -> np.ndarray:
    """Read a kernel to encode: ``ndim`` axes, non-empty, finite numbers."""
    array = as_float_array(kernel, "kernel", keys=KERNEL_KEYS)
    if array.ndim != ndim:
        raise InputError("error.link_encode_shape", shape=array.shape, ndim=ndim)
    return array


def _write_slice(array: np.ndarray) -> str:
    """Write a checked float64 (kh, kw) array: values joined by ',', rows by ';'."""
    return ROW_SEPARATOR.join(
        VALUE_SEPARATOR.join(compact_number(value) for value in row) for row in array
    )


def encode_kernel(kernel: np.ndarray) -> str:
    """Write a 2-D kernel as link text: ``"1,0,-1;2,0,-2;1,0,-1"``.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw)
        The weights; any size (:func:`decode_kernel` checks the limit).

    Returns
    -------
    str
        Rows separated by ``;``, values by ``,``, each number as
        :func:`compact_number` writes it.

    Raises
    ------
    InputError
        If the kernel is not 2-D, is empty, or has a NaN or infinite weight.

    Examples
    --------
    >>> encode_kernel([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    '1,0,-1;2,0,-2;1,0,-1'
    >>> encode_kernel(np.full((2, 2), 0.25))
    '0.25,0.25;0.25,0.25'
    """
    return _write_slice(_as_slice(kernel))


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise InputError("error.link_not_text", value=_excerpt(repr(text)))
    if len(text) > MAX_TEXT:
        raise InputError("error.link_too_long", length=len(text), max=MAX_TEXT)
    return text


def _check_max_size(max_size: object) -> int:
    if not is_int(max_size) or max_size < 1:
        raise TypeError(f"max_size must be a positive int; received {max_size!r}.")
    return max_size


def _ascii_minus(token: str) -> str:
    """Strip spaces and write the app's own minus sign ``−``, copied from a page, as ``-``."""
    return token.strip().replace("\u2212", "-")


def _read_number(token: str, text: str, row: int, col: int) -> float:
    cleaned = _ascii_minus(token)
    if not cleaned:
        raise InputError("error.link_missing_number", row=row, col=col, text=_excerpt(text))
    if not _NUMBER.fullmatch(cleaned):
        raise InputError(
            "error.link_number",
            token=_excerpt(token.strip()),
            row=row,
            col=col,
            text=_excerpt(text),
        )
    value = float(cleaned)
    if not math.isfinite(value):  # 1e999
        raise InputError("error.link_not_finite", token=_excerpt(cleaned), text=_excerpt(text))
    if first_too_large(value) is not None:  # 1e308 is finite, but twice it is not
        raise InputError(
            "error.overflow_link",
            token=_excerpt(cleaned),
            row=row,
            col=col,
            max=MAX_MAGNITUDE,
            text=_excerpt(text),
        )
    return value


def _parse_slice(part: str, text: str, max_size: int) -> np.ndarray:
    """Read one ``row;row;...`` part of ``text`` (the whole text, quoted in errors)."""
    if not part.strip():
        raise InputError("error.link_empty", text=_excerpt(text))
    rows = part.split(ROW_SEPARATOR)
    if len(rows) > max_size:
        raise InputError(
            "error.link_too_large",
            rows=len(rows),
            cols=len(rows[0].split(VALUE_SEPARATOR)),
            max=max_size,
            text=_excerpt(text),
        )
    values: list[list[float]] = []
    for r, row in enumerate(rows, start=1):
        tokens = row.split(VALUE_SEPARATOR)
        if len(tokens) > max_size:
            raise InputError(
                "error.link_too_large",
                rows=len(rows),
                cols=len(tokens),
                max=max_size,
                text=_excerpt(text),
            )
        # Numbers first: an empty row ("1,0;") is reported as the empty value it is.
        numbers = [_read_number(tok, text, r, c) for c, tok in enumerate(tokens, start=1)]
        if values and len(numbers) != len(values[0]):
            raise InputError(
                "error.link_ragged",
                row=r,
                count=len(numbers),
                expected=len(values[0]),
                text=_excerpt(text),
            )
        values.append(numbers)
    return np.array(values, dtype=np.float64)


def decode_kernel(text: str, *, max_size: int = MAX_SIZE) -> np.ndarray:
    """Read a 2-D kernel from link text, checking every number and the shape.

    Parameters
    ----------
    text : str
        Rows separated by ``;``, values by ``,``, as :func:`encode_kernel` writes.
    max_size : int, default 7
        Largest number of rows and of columns.

    Returns
    -------
    ndarray, shape (kh, kw), float64
        A new array; ``1 <= kh, kw <= max_size``.

    Raises
    ------
    InputError
        If the text is empty, too long, has something that is not a number
        (including ``|`` or ``/``, which belong to :func:`decode_kernels` and
        :func:`decode_bank`), rows of different lengths, more than ``max_size``
        rows or columns, or a number whose magnitude is above
        :data:`cnnviz.core.conv.MAX_MAGNITUDE` (1e100).

    Examples
    --------
    >>> decode_kernel("1,0,-1;2,0,-2;1,0,-1")
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.],
           [ 1.,  0., -1.]])
    >>> decode_kernel("1,2;3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: Row 2 of the kernel in the link has 1 number(s), but row 1 has 2...
    """
    text = _check_text(text)
    return _parse_slice(text, text, _check_max_size(max_size))


def _check_count(count: int) -> None:
    if count > MAX_KERNELS:
        raise InputError("error.link_too_many_filters", count=count, max=MAX_KERNELS)


def encode_kernels(kernels: Sequence[np.ndarray]) -> str:
    """Write up to four 2-D kernels as link text, joined by ``|``.

    Parameters
    ----------
    kernels : sequence of array_like, each shape (kh, kw)
        One to four kernels; their shapes may differ.

    Returns
    -------
    str
        Each kernel as :func:`encode_kernel` writes it, joined by ``|``.

    Raises
    ------
    InputError
        If there are none or more than four, or one of them is not a valid 2-D kernel.

    Examples
    --------
    >>> encode_kernels([[[1, -1]], [[1], [-1]]])
    '1,-1|1;-1'
    """
    if isinstance(kernels, np.ndarray):
        kernels = list(kernels)  # an (F, kh, kw) stack: one kernel per leading index
    if len(kernels) == 0:
        raise InputError("error.link_no_filters")
    _check_count(len(kernels))
    return FILTER_SEPARATOR.join(encode_kernel(kernel) for kernel in kernels)


def decode_kernels(
    text: str, *, max_size: int = MAX_SIZE, same_shape: bool = False
) -> list[np.ndarray]:
    """Read one to four 2-D kernels from link text.

    Parameters
    ----------
    text : str
        Kernels as :func:`encode_kernel` writes them, joined by ``|``.
    max_size : int, default 7
        Largest number of rows and of columns of each kernel.
    same_shape : bool, default False
        Require every kernel to have the first one's shape (the filters of one
        ``Conv2D`` layer share its ``kernel_size``).

    Returns
    -------
    list of ndarray, each shape (kh, kw), float64
        One to :data:`MAX_KERNELS` new arrays.

    Raises
    ------
    InputError
        As :func:`decode_kernel` for each part, or if there are more than four
        parts, or (with ``same_shape``) their shapes differ.

    Examples
    --------
    >>> [k.shape for k in decode_kernels("1,-1|1;-1")]
    [(1, 2), (2, 1)]
    """
    text = _check_text(text)
    max_size = _check_max_size(max_size)
    parts = text.split(FILTER_SEPARATOR)
    _check_count(len(parts))
    kernels = [_parse_slice(part, text, max_size) for part in parts]
    if same_shape:
        _check_same_shapes(kernels, text)
    return kernels


def _check_same_shapes(slices: list[np.ndarray], text: str) -> None:
    first = slices[0].shape
    for number, kernel in enumerate(slices[1:], start=2):
        if kernel.shape != first:
            raise InputError(
                "error.link_shapes_differ",
                number=number,
                shape=kernel.shape,
                first=first,
                text=_excerpt(text),
            )


def encode_bank(bank: np.ndarray) -> str:
    """Write a ``Conv2D`` filter bank as link text, each filter's channels once if they agree.

    Parameters
    ----------
    bank : array_like, shape (kh, kw, C, F)
        Keras' kernel layout, as the kernel editor keeps it; ``F <= 4``.

    Returns
    -------
    str
        Filters joined by ``|``; a filter whose ``C`` slices are all equal is
        written as one slice, otherwise its slices are joined by ``/``.

    Raises
    ------
    InputError
        If the bank is not 4-D, is empty, has a NaN or infinite weight, or has
        more than four filters.

    Examples
    --------
    >>> sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    >>> encode_bank(np.repeat(sobel[:, :, None, None], 3, axis=2))  # the same on R, G and B
    '-1,0,1;-2,0,2;-1,0,1'
    >>> bank = np.zeros((1, 2, 2, 1)); bank[0, :, 1, 0] = 1  # channel 0: 0,0; channel 1: 1,1
    >>> encode_bank(bank)
    '0,0/1,1'
    """
    array = _as_slice(bank, ndim=4)
    _check_count(array.shape[3])
    filters = []
    for f in range(array.shape[3]):
        slices = [array[:, :, c, f] for c in range(array.shape[2])]
        if all(np.array_equal(s, slices[0]) for s in slices[1:]):
            slices = slices[:1]
        filters.append(CHANNEL_SEPARATOR.join(_write_slice(s) for s in slices))
    return FILTER_SEPARATOR.join(filters)


def decode_bank(text: str, *, channels: int, max_size: int = MAX_SIZE) -> np.ndarray:
    """Read a ``Conv2D`` filter bank from link text, for an input with ``channels`` channels.

    Parameters
    ----------
    text : str
        As :func:`encode_bank` writes it; a plain 2-D kernel (``"1,0,-1;..."``)
        is a bank of one filter.
    channels : int
        Channels of the input the bank will be applied to (1 or 3). A filter
        written as one slice is copied to every channel; one written with
        ``/`` must have exactly this many slices.
    max_size : int, default 7
        Largest number of rows and of columns.

    Returns
    -------
    ndarray, shape (kh, kw, channels, F), float64
        Keras' layout; ``1 <= F <= 4``.

    Raises
    ------
    InputError
        As :func:`decode_kernel` for each slice, or if there are more than four
        filters, the slices do not all have the same shape, or a filter has a
        number of slices other than 1 or ``channels``.

    Examples
    --------
    >>> decode_bank("-1,0,1;-2,0,2;-1,0,1|1,1,1;0,0,0;-1,-1,-1", channels=3).shape
    (3, 3, 3, 2)
    >>> decode_bank("0,0/1,1", channels=2)[0, :, :, 0]
    array([[0., 1.],
           [0., 1.]])
    """
    text = _check_text(text)
    max_size = _check_max_size(max_size)
    if not is_int(channels) or channels < 1:
        raise TypeError(f"channels must be a positive int; received {channels!r}.")
    parts = text.split(FILTER_SEPARATOR)
    _check_count(len(parts))
    filters = []
    for number, part in enumerate(parts, start=1):
        slices = [_parse_slice(s, text, max_size) for s in part.split(CHANNEL_SEPARATOR)]
        if len(slices) not in (1, channels):
            raise InputError(
                "error.link_channels",
                number=number,
                count=len(slices),
                channels=channels,
                text=_excerpt(text),
            )
        filters.append(slices * channels if len(slices) == 1 else slices)
    _check_same_shapes([s for slices in filters for s in slices], text)
    # (F, C, kh, kw) -> Keras' (kh, kw, C, F)
    return np.array(filters, dtype=np.float64).transpose(2, 3, 1, 0)


# --- a widget's number --------------------------------------------------------------------


class LinkNumber(NamedTuple):
    """A number read from a link, within the widget's range.

    Attributes
    ----------
    value : int or float
        The number; an ``int`` for an integer widget.
    clamped : bool
        Whether the link asked for a number outside the range, moved to its nearest end.
    """

    value: int | float
    clamped: bool


def read_link_number(
    text: object, *, low: float, high: float, integer: bool = False
) -> LinkNumber | None:
    """Read a number widget's value from its query parameter, strictly, and clamp it.

    Parameters
    ----------
    text : object
        The parameter's text (anything else gives None). Spaces around it are
        ignored; at most :data:`MAX_NUMBER_TEXT` characters are read.
    low, high : float
        The widget's range, ``low <= high``.
    integer : bool, default False
        Whether the widget takes whole numbers only.

    Returns
    -------
    LinkNumber or None
        The number moved into ``[low, high]`` (an ``int`` if ``integer``), and
        whether that moved it; None if the text is not a finite decimal number
        in ASCII (or not a whole one when ``integer``). Never raises.

    Examples
    --------
    >>> read_link_number("3", low=1, high=8, integer=True)
    LinkNumber(value=3, clamped=False)
    >>> read_link_number("1e20", low=1, high=8, integer=True)
    LinkNumber(value=8, clamped=True)
    >>> [read_link_number(s, low=1, high=8, integer=True) for s in ("inf", "2.5", "²", "")]
    [None, None, None, None]
    >>> read_link_number("-0.5", low=0.0, high=1.0)
    LinkNumber(value=0.0, clamped=True)
    """
    if not isinstance(text, str) or len(text) > MAX_NUMBER_TEXT:
        return None
    cleaned = _ascii_minus(text)
    if not _NUMBER.fullmatch(cleaned):  # ASCII digits only: "²" and "٣" stop here
        return None
    number = float(cleaned)
    if not math.isfinite(number) or (integer and not number.is_integer()):
        return None  # "1e400" reads as infinity
    value = min(max(number, low), high) + 0  # + 0 turns -0.0 into 0.0
    if integer:
        value = int(value)
    return LinkNumber(value, value != number)
