"""Step-by-step traces of 1-D convolutions: the signals lesson's frames and formulas.

Built like the 2-D traces of :mod:`cnnviz.core.trace` (which re-exports these
names): the arguments are resolved once by :func:`cnnviz.core.conv.conv1d_spec`,
the whole output is computed once, and a step is built on demand in time
proportional to the window. Positions are indices into the padded signal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Unpack

import numpy as np

from cnnviz.core import conv
from cnnviz.core._steps import OneLineFormula, check_index, frozen
from cnnviz.core.formula import number, products
from cnnviz.i18n import InputError, get_language


@dataclass(frozen=True, slots=True, eq=False)
class Conv1DStep(OneLineFormula):
    r"""One output value of a 1-D convolution: its window, weights, products and sum.

    Attributes
    ----------
    index : int
        Step number, which is also the output position.
    positions : tuple of int, length k
        The window's cells in padded coordinates (dilation-aware).
    start : int
        The window's first cell in padded coordinates.
    values, weights, products : ndarray, shape (k,)
        The padded signal under the window, the kernel actually applied
        (already reversed when ``flip=True``), and their products.
    is_padding : ndarray of bool, shape (k,)
        True on window cells outside the original signal.
    total : float
        The sum of the products: exactly ``trace.output[step.index]``.

    Notes
    -----
    :math:`total = \sum_m values[m]\, weights[m]`, added one product at a time
    from the left, as :func:`cnnviz.core.conv.conv1d` does.
    """

    index: int
    positions: tuple[int, ...]
    start: int
    values: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    is_padding: np.ndarray
    total: float

    def formula(self, lang: str | None = None, *, digits: int = 3) -> str:
        """Write the sum, ``value·weight + ... = total``, on one line.

        Parameters
        ----------
        lang, digits
            As in :meth:`cnnviz.core.trace.ConvStep.formula`: the language (the
            current one by default) and the decimals kept at most.

        Returns
        -------
        str
            The products from the left, then the total.

        Examples
        --------
        >>> conv1d_trace([1, 2, -5, 4], [-1, 2, -1]).step(0).formula("en")
        '1·(−1) + 2·2 + (−5)·(−1) = 8'
        """
        lang = lang or get_language()
        total = number(self.total, lang, digits)
        return f"{products(self.values, self.weights, lang, digits)} = {total}"


@dataclass(frozen=True, slots=True, eq=False)
class Conv1DTrace:
    """A 1-D convolution, ready to be replayed step by step. Build it with :func:`conv1d_trace`.

    Attributes
    ----------
    padded : ndarray, shape (N + before + after,)
        The signal with its padding, filled by ``pad_mode``; read-only.
    kernel : ndarray, shape (k,)
        The kernel actually applied (already reversed when ``flip=True``).
    pads : (int, int)
        Cells of padding before and after.
    strides, dilation_rate : int
        Step of the window and spacing of the kernel's taps.
    pad_mode : str
        How padded cells were filled.
    flip : bool
        Whether the kernel was reversed (true convolution, as ``np.convolve``).
    output : ndarray, shape (No,)
        The whole result, identical to :func:`cnnviz.core.conv.conv1d`.
    """

    padded: np.ndarray
    kernel: np.ndarray
    pads: tuple[int, int]
    strides: int
    dilation_rate: int
    pad_mode: str
    flip: bool
    output: np.ndarray

    @property
    def signal(self) -> np.ndarray:
        """ndarray, shape (N,): the input, a read-only view inside :attr:`padded`."""
        return self.padded[self.pads[0] : self.padded.size - self.pads[1]]

    def __len__(self) -> int:
        return self.output.size

    def __iter__(self) -> Iterator[Conv1DStep]:
        return (self.step(index) for index in range(len(self)))

    def step(self, index: int) -> Conv1DStep:
        """Build step ``index`` (output position ``index``) in time O(window).

        Parameters
        ----------
        index : int
            ``0 <= index < len(trace)``.

        Returns
        -------
        Conv1DStep
            The window, weights, products and sum of that output value.

        Raises
        ------
        InputError
            If ``index`` is not a whole number in range.

        Examples
        --------
        >>> conv1d_trace([1, 2, 3], [1, 1], padding="same").step(2).positions
        (2, 3)
        """
        return self._checked(index, "error.trace_step_out_of_range", "index")

    def step_at(self, position: int) -> Conv1DStep:
        """Build the step of output position ``position``: :meth:`step`, read as a position.

        Parameters
        ----------
        position : int
            From 0 to ``len(trace) - 1``; an error message calls it a position.

        Returns
        -------
        Conv1DStep
            The same step as ``trace.step(position)``.
        """
        return self._checked(position, "error.trace_position_out_of_range", "position")

    def _checked(self, value: object, key: str, name: str) -> Conv1DStep:
        """Build the step at ``value`` after checking it, quoting it as ``name`` under ``key``."""
        value = check_index(value)
        if not 0 <= value < len(self):
            raise InputError(key, **{name: value}, count=len(self), last=len(self) - 1)
        return self._step(value)

    def _step(self, index: int) -> Conv1DStep:
        start = index * self.strides
        span = (self.kernel.size - 1) * self.dilation_rate + 1
        window = slice(start, start + span, self.dilation_rate)
        values = self.padded[window]
        products = values * self.kernel
        products.flags.writeable = False
        cells = np.arange(start, start + span, self.dilation_rate)
        is_padding = (cells < self.pads[0]) | (cells >= self.padded.size - self.pads[1])
        is_padding.flags.writeable = False
        return Conv1DStep(
            index=index,
            positions=tuple(cells.tolist()),
            start=start,
            values=values,
            weights=self.kernel,
            products=products,
            is_padding=is_padding,
            total=float(self.output[index]),
        )


def conv1d_trace(
    signal: np.ndarray, kernel: np.ndarray, **settings: Unpack[conv.Conv1DSettings]
) -> Conv1DTrace:
    r"""Trace a 1-D convolution: the whole output now, each step on demand.

    Parameters
    ----------
    signal, kernel : ndarray, shapes (N,) and (k,)
        The row of samples and the weights slid along it.
    **settings
        ``strides``, ``padding``, ``dilation_rate``, ``pad_mode``, ``flip``:
        the keywords of :func:`cnnviz.core.conv.conv1d`, checked by
        :func:`cnnviz.core.conv.conv1d_spec` before any work (and raising what it raises).

    Returns
    -------
    Conv1DTrace
        One step per output value, each built when asked for.

    Notes
    -----
    Step :math:`i` shows :math:`y[i] = \sum_m x_p[i s + m d]\, w[m]`, with
    :math:`x_p` the padded signal and :math:`w` the kernel as applied.

    Examples
    --------
    The course's signal and kernel:

    >>> trace = conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1])
    >>> trace.output, trace.step(1).formula("es")
    (array([  8., -16.,  11.,   1.]), '2·(−1) + (−5)·2 + 4·(−1) = −16')
    """
    spec = conv.conv1d_spec(signal, kernel, **settings)
    # The spec is a one-row 2-D convolution: the signal's settings are its second axis.
    return Conv1DTrace(
        padded=frozen(spec.padded[0]),
        kernel=frozen(np.array(spec.kernel[0])),
        pads=spec.pads[1],
        strides=spec.strides[1],
        dilation_rate=spec.dilation_rate[1],
        pad_mode=spec.pad_mode,
        flip=spec.flip,
        output=frozen(conv.correlate(spec)[0]),
    )
