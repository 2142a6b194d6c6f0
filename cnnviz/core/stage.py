r"""What the stage (the sliding window played in the browser) is sent: a trace as compact arrays.

The stage is a browser component (``cnnviz/ui/components/stage/``): Python sends
it the numbers the core computed and the browser does the motion, the hover and
the keyboard. This module turns a :class:`~cnnviz.core.trace.ConvTrace`,
:class:`~cnnviz.core.trace.PoolTrace` or :class:`~cnnviz.core.trace.Conv1DTrace` into
:class:`StageData`: a small JSON header and one zlib-compressed blob of
little-endian arrays. Nothing here knows Streamlit or the language.

Notes
-----
**What the browser writes equals the core.** Every number the stage shows is
formatted as :func:`cnnviz.i18n.format_number` formats it (three decimals at
most, trailing zeros dropped):

- input values, weights and biases are sent exactly (float32 when that loses
  nothing, else float64), and the browser rounds them the way Python's
  ``format`` does: correctly, ties to even;
- a channel's part of a sum is added in the browser one product at a time in
  row-major order, in float64, exactly as :class:`~cnnviz.core.trace.ConvStep`
  adds it;
- the output (and the totals before the activation) are sent as the integers
  :math:`n = \mathrm{round}(10^3 x)` that ``format`` would print (the
  ``"fixed3"`` encoding, four bytes a cell), or as float64 when a value does
  not fit in 32 bits (``"f8"``).

**Order.** Output arrays are sent maps first, ``(F, Ho, Wo)``, in the trace's
step order (:mod:`cnnviz.core.trace`, Notes), so step :math:`i` is element
:math:`i`.

**Size.** For a 256x256 RGB image and four 3x3x3 filters with ``"same"``
padding the blob is the padded input in float32 (258·258·3·4 bytes) and
four 256x256 maps of int32 before compression, about 1.8 MB, and well under
1.5 MB after it (see ``bench/bench_stage.py``).
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from cnnviz.core.trace import Conv1DTrace, ConvTrace, PoolTrace

DIGITS = 3
"""Decimals the stage writes at most, as the traces' formulas do by default."""

_FIXED_LIMIT = (2**31 - 1) / 10**DIGITS
"""Largest magnitude whose fixed-point integer fits in an int32."""


@dataclass(frozen=True)
class StageData:
    """A trace as the stage receives it.

    Attributes
    ----------
    header : dict
        JSON-ready: shapes, strides, dilation, pads, kernel and bias (exact
        floats), the activation or pooling operation, how each array is
        encoded and where it lies in the inflated blob, and ``id`` (a hash of
        the blob, so the browser decodes a blob once).
    blob : bytes
        zlib-compressed concatenation of the arrays, each aligned to 8 bytes.
    """

    header: dict[str, Any]
    blob: bytes

    @property
    def nbytes(self) -> int:
        """Bytes sent to the browser: the blob plus the header as JSON (approximately)."""
        return len(self.blob) + len(repr(self.header))


def fixed_point(values: np.ndarray, digits: int = DIGITS) -> np.ndarray:
    r"""Return the integers that ``format(x, f".{digits}f")`` prints, decimal point removed.

    Parameters
    ----------
    values : ndarray of float
        Finite values with :math:`|x| < (2^{31} - 1) / 10^{digits}`.
    digits : int, default 3
        Decimals.

    Returns
    -------
    ndarray of int64, shape as values
        :math:`n` with ``format(x, ".3f") == f"{n / 1000:.3f}"``: the exact
        binary value of :math:`x` rounded to :math:`10^{-digits}`, ties to even.

    Notes
    -----
    ``np.rint(x * 10**digits)`` rounds the *scaled* float, which can sit on the
    other side of a half than :math:`x` itself; the few values within a hair
    of a half are rounded again by Python's ``format``, which is exact.

    Examples
    --------
    >>> fixed_point(np.array([0.0625, -1.0005, 2.5, 1e-4])).tolist()
    [62, -1000, 2500, 0]
    >>> format(-1.0005, ".3f")  # -1.0005 is stored as -1.000499999...
    '-1.000'
    """
    scaled = np.asarray(values, dtype=np.float64) * 10**digits
    result = np.rint(scaled)
    near_half = np.abs(np.abs(scaled - np.floor(scaled)) - 0.5) < 1e-6
    for index in zip(*np.nonzero(near_half), strict=True):
        result[index] = float(format(float(values[index]), f".{digits}f").replace(".", ""))
    return result.astype(np.int64)


class _Blob:
    """Arrays appended one after the other, 8-byte aligned, then compressed once."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0
        self.arrays: dict[str, dict[str, Any]] = {}

    def add(self, name: str, array: np.ndarray, encoding: str) -> None:
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        self.arrays[name] = {
            "encoding": encoding,
            "dtype": {1: "u1", 4: "i4" if array.dtype.kind == "i" else "f4", 8: "f8"}[
                array.dtype.itemsize
            ],
            "shape": list(array.shape),
            "offset": self.offset,
        }
        padding = -len(data) % 8
        self.parts.append(data + bytes(padding))
        self.offset += len(data) + padding

    def compress(self) -> bytes:
        return zlib.compress(b"".join(self.parts), level=6)


def _add_exact(blob: _Blob, name: str, values: np.ndarray) -> None:
    """Send values exactly: float32 when that loses nothing (images, small integers)."""
    as32 = values.astype(np.float32)
    with np.errstate(invalid="ignore"):
        exact = bool(np.array_equal(as32.astype(np.float64), values, equal_nan=True))
    blob.add(name, as32 if exact else values.astype(np.float64), "float")


def _add_display(blob: _Blob, name: str, values: np.ndarray) -> None:
    """Send values as written on screen: fixed-point int32 when they fit, else float64."""
    values = np.asarray(values, dtype=np.float64)
    if values.size and np.all(np.abs(values) < _FIXED_LIMIT):  # False for inf and NaN too
        blob.add(name, fixed_point(values).astype(np.int32), f"fixed{DIGITS}")
    else:
        blob.add(name, values, "float")


def _maps_first(output: np.ndarray) -> np.ndarray:
    """(Ho, Wo[, F]) -> (F, Ho, Wo): element i is step i."""
    return np.moveaxis(output, -1, 0) if output.ndim == 3 else output[None]


def _three_d(array: np.ndarray) -> np.ndarray:
    return array if array.ndim == 3 else array[..., None]


def _is_picture(image: np.ndarray) -> bool:
    """Tell whether to draw the input as a picture (grey or RGB in [0, 1]), not a heat map."""
    channels = image.shape[2] if image.ndim == 3 else 1
    return bool(channels in (1, 3) and image.size > 0 and image.min() >= 0 and image.max() <= 1)


def _input_header(trace: ConvTrace | PoolTrace, holes: tuple[int, int] = (1, 1)) -> dict:
    """Describe the padded input: its shape, the padding around it, holes, picture or not."""
    return {
        "shape": list(_three_d(trace.padded).shape),
        "pads": [[int(a), int(b)] for a, b in trace.pads],
        "holes": [int(h) for h in holes],
        "picture": _is_picture(trace.image),
    }


def _finish(header: dict[str, Any], blob: _Blob) -> StageData:
    data = blob.compress()
    header["arrays"] = blob.arrays
    header["id"] = hashlib.sha1(data, usedforsecurity=False).hexdigest()[:16]
    return StageData(header=header, blob=data)


def conv_stage_data(trace: ConvTrace, *, holes: tuple[int, int] = (1, 1)) -> StageData:
    r"""Pack a 2-D convolution for the stage.

    Parameters
    ----------
    trace : ConvTrace
        Any convolution the core traces: a 2-D kernel (on one channel or on
        each channel of an image), one multi-channel filter, or a bank.
    holes : (int, int), default (1, 1)
        For a transposed convolution's equivalent
        (:func:`cnnviz.core.trace.conv2d_transpose_trace`), its strides: only every
        ``holes``-th cell of the padded input comes from the image, the rest
        are inserted zeros, which the stage marks like padding.

    Returns
    -------
    StageData
        Arrays ``input`` (padded, ``(Hp, Wp, C)``), ``totals`` (before the
        activation) and, unless the activation is linear or ReLU (which the
        browser applies to the fixed-point totals exactly), ``output``, both
        ``(F, Ho, Wo)``. The header's ``kernel`` is always ``(kh, kw, C_in, F)``
        and ``per_channel`` says whether map :math:`f` reads input channel
        :math:`f` alone (a 2-D kernel on each channel).

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> data = conv_stage_data(conv2d_trace(np.arange(9.0).reshape(3, 3), np.ones((2, 2))))
    >>> data.header["output"]["shape"], data.header["arrays"]["totals"]["encoding"]
    ([2, 2, 1], 'fixed3')
    """
    kernel = trace.kernel
    per_channel = kernel.ndim == 2 and trace.map_axis == "channel"
    bank = kernel.reshape(*kernel.shape[:2], 1, 1) if kernel.ndim == 2 else kernel
    bank = bank[..., None] if bank.ndim == 3 else bank
    maps = _maps_first(trace.totals)
    header: dict[str, Any] = {
        "kind": "conv",
        "input": _input_header(trace, holes),
        "window": {
            "size": list(kernel.shape[:2]),
            "strides": list(trace.strides),
            "dilation": list(trace.dilation_rate),
        },
        "output": {"shape": [maps.shape[1], maps.shape[2], maps.shape[0]], "axis": trace.map_axis},
        "conv": {
            "kernel": bank.tolist(),
            "bias": trace.bias.tolist(),
            "activation": trace.activation,
            "per_channel": per_channel,
            "channel_lines": kernel.ndim >= 3 and kernel.shape[2] > 1,
            "flip": trace.flip,
        },
    }
    blob = _Blob()
    _add_exact(blob, "input", _three_d(trace.padded))
    _add_display(blob, "totals", maps)
    if trace.activation not in ("linear", "relu"):
        _add_display(blob, "output", _maps_first(trace.output))
    return _finish(header, blob)


def conv1d_stage_data(trace: Conv1DTrace) -> StageData:
    """Pack a 1-D convolution for the stage: one row, one channel, one filter, no bias.

    Parameters
    ----------
    trace : Conv1DTrace
        The signal's convolution.

    Returns
    -------
    StageData
        As :func:`conv_stage_data` for a ``(1, N)`` image and a ``(1, k)`` kernel.

    Examples
    --------
    >>> from cnnviz.core.trace import conv1d_trace
    >>> data = conv1d_stage_data(conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1]))
    >>> data.header["input"]["shape"], data.header["output"]["shape"]
    ([1, 6, 1], [1, 4, 1])
    """
    header: dict[str, Any] = {
        "kind": "conv",
        "input": {
            "shape": [1, trace.padded.size, 1],
            "pads": [[0, 0], list(trace.pads)],
            "picture": False,
        },
        "window": {
            "size": [1, trace.kernel.size],
            "strides": [1, trace.strides],
            "dilation": [1, trace.dilation_rate],
        },
        "output": {"shape": [1, trace.output.size, 1], "axis": None},
        "conv": {
            "kernel": trace.kernel.reshape(1, -1, 1, 1).tolist(),
            "bias": [0.0],
            "activation": "linear",
            "per_channel": False,
            "channel_lines": False,
            "flip": trace.flip,
        },
    }
    blob = _Blob()
    _add_exact(blob, "input", trace.padded.reshape(1, -1, 1))
    _add_display(blob, "totals", trace.output.reshape(1, 1, -1))
    return _finish(header, blob)


def pool_stage_data(trace: PoolTrace) -> StageData:
    """Pack a pooling for the stage.

    Parameters
    ----------
    trace : PoolTrace
        Max or average pooling of a ``(H, W)`` or ``(H, W, C)`` input.

    Returns
    -------
    StageData
        Arrays ``input`` (padded, ``(Hp, Wp, C)``; padded cells hold ``-inf``
        for max pooling) and ``output`` ``(C, Ho, Wo)``; the header's ``pool``
        names the operation. The browser finds a max window's winner as the
        core does: the first maximum in row-major order.

    Examples
    --------
    >>> from cnnviz.core.trace import pool2d_trace
    >>> data = pool_stage_data(pool2d_trace(np.arange(16.0).reshape(4, 4), 2))
    >>> data.header["pool"], data.header["output"]["shape"]
    ({'op': 'max'}, [2, 2, 1])
    """
    maps = _maps_first(trace.output)
    header: dict[str, Any] = {
        "kind": "pool",
        "input": _input_header(trace),
        "window": {
            "size": list(trace.pool_size),
            "strides": list(trace.strides),
            "dilation": [1, 1],
        },
        "output": {
            "shape": [maps.shape[1], maps.shape[2], maps.shape[0]],
            "axis": "channel" if trace.output.ndim == 3 else None,
        },
        "pool": {"op": trace.op},
    }
    blob = _Blob()
    _add_exact(blob, "input", _three_d(trace.padded))
    _add_display(blob, "output", maps)
    return _finish(header, blob)


def inflate(data: StageData) -> dict[str, np.ndarray]:
    """Unpack the blob as the browser does (for tests and benchmarks).

    Parameters
    ----------
    data : StageData
        What a ``*_stage_data`` function returned.

    Returns
    -------
    dict of str to ndarray
        Each array by name, in its sent dtype and shape.

    Examples
    --------
    >>> from cnnviz.core.trace import conv2d_trace
    >>> arrays = inflate(conv_stage_data(conv2d_trace([[1, 2, 3]], [[1, -1]])))
    >>> arrays["input"].ravel().tolist(), arrays["totals"].ravel().tolist()
    ([1.0, 2.0, 3.0], [-1000, -1000])
    """
    raw = zlib.decompress(data.blob)
    arrays = {}
    for name, spec in data.header["arrays"].items():
        dtype = np.dtype("<" + spec["dtype"])
        count = int(np.prod(spec["shape"], dtype=np.int64))
        arrays[name] = np.frombuffer(raw, dtype, count, spec["offset"]).reshape(spec["shape"])
    return arrays
