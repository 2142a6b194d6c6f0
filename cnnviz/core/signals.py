r"""1-D signals and kernels for the signals page: generated, from the course, or typed.

A 1-D convolution is where the course starts: the signal ``[1, 2, -5, 4, 2, -1]``
with the kernel ``[-1, 2, -1]``, and a moving average that smooths an EEG.
This module makes the signals (:func:`generate_signal`), the 1-D kernel presets
(:data:`KERNELS_1D`, :func:`kernel_1d`), reads numbers a student types
(:func:`parse_numbers`) and writes them back (:func:`format_numbers`), and
puts the three paddings side by side (:func:`compare_paddings`). Names and
descriptions are in the catalogs under ``signal.<kind>.*`` and
``kernel1d.<key>.*``.

Notes
-----
**The EEG-like signal** is sampled at :data:`SAMPLE_RATE` = 100 Hz (5 s by
default) and adds:

- an alpha rhythm, 10 Hz, amplitude 1, waxing and waning at 0.2 Hz (between
  0.3 and 1), as alpha does with eyes closed;
- a delta wave, 2 Hz, amplitude 0.6, and a slow drift, 0.3 Hz, amplitude 0.8;
- white Gaussian noise (``noise``, default 0.3);
- a spike (a sharp biphasic blip of height about 3) every 2 s on average, at
  random places.

The course smooths it with ``np.convolve(signal, np.ones(10) / 10,
mode="same")``. At 100 Hz a 10-sample average spans exactly one period of the
10 Hz alpha, whose mean is zero, so the average removes the alpha almost
entirely and keeps the slow waves: a good first look at a filter's frequency
response. Spikes survive, flattened to a tenth of their height and ten samples
wide.

**Randomness** comes from ``numpy.random.default_rng(seed)`` only: the same
arguments give the same signal, on every machine.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from cnnviz.core import conv, shapes
from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError, format_number, get_language, t

SAMPLE_RATE = 100
"""Samples per second of the EEG-like signal (and the time axis the page draws for it)."""

MAX_LENGTH = 2000
"""Most samples a generated signal, a typed list of numbers or a moving average may have."""

MAX_NOISE = 10.0
"""Largest noise level :func:`generate_signal` accepts (ten times the signals' amplitude)."""

COURSE_SIGNAL: tuple[float, ...] = (1.0, 2.0, -5.0, 4.0, 2.0, -1.0)
"""The course's discrete signal (lecture on 1-D convolution and padding)."""

COURSE_KERNEL: tuple[float, ...] = (-1.0, 2.0, -1.0)
"""The course's 1-D kernel: with :data:`COURSE_SIGNAL`, "valid" gives ``[8, -16, 11, 1]``."""


def _frozen(values: object) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array


# --- signals ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignalPreset:
    """A kind of signal :func:`generate_signal` makes.

    Attributes
    ----------
    key : str
        Identifier, used in URLs and catalog keys (``signal.<key>.name``).
    length : int or None
        Default number of samples; None for a fixed signal (the course's).
    noise : float
        Default noise level (standard deviation of the added Gaussian noise).
    """

    key: str
    length: int | None
    noise: float = 0.0

    def name(self, lang: str | None = None) -> str:
        """Return the display name in ``lang`` (the current language by default).

        Examples
        --------
        >>> SIGNALS["eeg_like"].name("es")
        'EEG simulado'
        """
        return t(f"signal.{self.key}.name", lang=lang)

    def description(self, lang: str | None = None) -> str:
        """Return the one-line description in ``lang`` (the current language by default)."""
        return t(f"signal.{self.key}.description", lang=lang)


SIGNALS: Mapping[str, SignalPreset] = MappingProxyType(
    {
        preset.key: preset
        for preset in (
            SignalPreset("course", None),
            SignalPreset("noisy_sine", 200, 0.3),
            SignalPreset("steps", 200, 0.1),
            SignalPreset("eeg_like", 5 * SAMPLE_RATE, 0.3),
        )
    }
)
"""The signals, keyed by :attr:`SignalPreset.key`, in the order the page lists them."""


def _check_length(length: object) -> int:
    if not is_int(length) or not (2 <= length <= MAX_LENGTH):
        raise InputError("error.signal_length", value=repr(length), max=MAX_LENGTH)
    return int(length)


def _check_noise(noise: object) -> float:
    ok = isinstance(noise, numbers.Real) and not isinstance(noise, bool)
    if not ok or not (0 <= float(noise) <= MAX_NOISE):  # also refuses NaN
        raise InputError("error.signal_noise", value=repr(noise), max=MAX_NOISE)
    return float(noise)


def _check_seed(seed: object) -> int:
    if not is_int(seed) or seed < 0:
        raise InputError("error.signal_seed", value=repr(seed))
    return int(seed)


def _noisy_sine(n: int, rng: np.random.Generator) -> np.ndarray:
    """Make a sine of period 50 samples (4 periods in the default 200)."""
    del rng  # the clean part is deterministic; only the noise is random
    return np.sin(2 * np.pi * np.arange(n) / 50)


# Levels of the step signal, each held for an equal share of the samples.
_STEP_LEVELS = (0.0, 1.0, 0.25, -0.5, 0.75, 0.0)


def _steps(n: int, rng: np.random.Generator) -> np.ndarray:
    """Piecewise-constant levels: flat stretches joined by jumps (edges, in 1-D)."""
    del rng
    segment = np.arange(n) * len(_STEP_LEVELS) // n
    return np.asarray(_STEP_LEVELS)[segment]


# One spike: a sharp rise, an undershoot, a return (samples at 100 Hz, 50 ms).
_SPIKE = (0.5, 3.0, -1.5, -0.6, -0.2)


def _eeg_like(n: int, rng: np.random.Generator) -> np.ndarray:
    """Alpha (10 Hz), delta (2 Hz), a 0.3 Hz drift and a few spikes; see the module's Notes."""
    seconds = np.arange(n) / SAMPLE_RATE
    phases = rng.uniform(0, 2 * np.pi, size=4)
    envelope = 0.65 + 0.35 * np.sin(2 * np.pi * 0.2 * seconds + phases[0])
    signal = (
        envelope * np.sin(2 * np.pi * 10 * seconds + phases[1])
        + 0.6 * np.sin(2 * np.pi * 2 * seconds + phases[2])
        + 0.8 * np.sin(2 * np.pi * 0.3 * seconds + phases[3])
    )
    spikes = max(1, n // (2 * SAMPLE_RATE))
    if n > 3 * len(_SPIKE):  # room for a spike away from both ends
        for start in rng.integers(len(_SPIKE), n - 2 * len(_SPIKE), size=spikes):
            signal[start : start + len(_SPIKE)] += _SPIKE
    return signal


_GENERATORS = {"noisy_sine": _noisy_sine, "steps": _steps, "eeg_like": _eeg_like}


def generate_signal(
    kind: str, *, length: int | None = None, seed: int = 0, noise: float | None = None
) -> np.ndarray:
    """Make one of the page's signals.

    Parameters
    ----------
    kind : {"course", "noisy_sine", "steps", "eeg_like"}
        ``"course"``: the course's ``[1, 2, -5, 4, 2, -1]``. ``"noisy_sine"``:
        a sine of period 50 samples plus noise, for smoothing. ``"steps"``:
        flat levels and jumps, for edge detection in 1-D. ``"eeg_like"``: an
        EEG-like trace at 100 Hz (see the module's Notes).
    length : int, optional
        Number of samples, 2 to :data:`MAX_LENGTH`; 200 for the sine and the
        steps, 500 (5 s) for the EEG by default. Ignored for ``"course"``.
    seed : int, default 0
        Seed of the noise (and of the EEG's phases and spikes); 0 or more.
    noise : float, optional
        Standard deviation of the Gaussian noise added, 0 to :data:`MAX_NOISE`;
        0.3 for the sine and the EEG, 0.1 for the steps by default. Ignored for
        ``"course"``.

    Returns
    -------
    ndarray, shape (length,), float64
        A new array.

    Raises
    ------
    InputError
        If the kind is unknown, or the length, seed or noise is out of range.

    Examples
    --------
    >>> generate_signal("course")
    array([ 1.,  2., -5.,  4.,  2., -1.])
    >>> generate_signal("steps", length=6, noise=0)
    array([ 0.  ,  1.  ,  0.25, -0.5 ,  0.75,  0.  ])
    >>> eeg = generate_signal("eeg_like", seed=1)
    >>> eeg.shape, bool(np.array_equal(eeg, generate_signal("eeg_like", seed=1)))
    ((500,), True)
    """
    preset = SIGNALS.get(kind) if isinstance(kind, str) else None
    if preset is None:
        raise InputError("error.signal_unknown", value=repr(kind), known=", ".join(SIGNALS))
    if preset.length is None:
        return np.array(COURSE_SIGNAL)
    n = preset.length if length is None else _check_length(length)
    sigma = preset.noise if noise is None else _check_noise(noise)
    rng = np.random.default_rng(_check_seed(seed))
    clean = _GENERATORS[kind](n, rng)
    return clean + sigma * rng.standard_normal(n) if sigma else clean


# --- kernels ------------------------------------------------------------------------------


def moving_average_kernel(n: int) -> np.ndarray:
    r"""Return the moving average of ``n`` samples: ``n`` weights of :math:`1/n`.

    Parameters
    ----------
    n : int
        Window length, 1 to :data:`MAX_LENGTH`.

    Returns
    -------
    ndarray, shape (n,), float64
        ``np.ones(n) / n``.

    Raises
    ------
    InputError
        If ``n`` is not a whole number from 1 to :data:`MAX_LENGTH`.

    Notes
    -----
    :math:`y[i] = \frac{1}{n} \sum_{m=0}^{n-1} x[i + m]`: each output is the
    mean of ``n`` neighbouring samples, which smooths noise and removes any
    oscillation whose period divides ``n``.

    Examples
    --------
    >>> moving_average_kernel(4)
    array([0.25, 0.25, 0.25, 0.25])
    """
    if not is_int(n) or not 1 <= n <= MAX_LENGTH:
        raise InputError("error.moving_average_n", value=repr(n), max=MAX_LENGTH)
    return np.ones(int(n)) / int(n)


@dataclass(frozen=True, eq=False)
class Kernel1DPreset:
    """A 1-D kernel the signals page offers.

    Attributes
    ----------
    key : str
        Identifier, used in URLs and catalog keys (``kernel1d.<key>.name``).
    weights : ndarray, shape (k,), or None
        Fixed weights, read-only; None for the moving average (its length is a
        parameter) and for a custom kernel (typed by the student).
    """

    key: str
    weights: np.ndarray | None = field(default=None)

    def name(self, lang: str | None = None) -> str:
        """Return the display name in ``lang`` (the current language by default).

        Examples
        --------
        >>> KERNELS_1D["second_difference"].name("en")
        '[−1, 2, −1] (course)'
        """
        return t(f"kernel1d.{self.key}.name", lang=lang)

    def explanation(self, lang: str | None = None) -> str:
        """Return the one-line explanation in ``lang`` (the current language by default)."""
        return t(f"kernel1d.{self.key}.explanation", lang=lang)


KERNELS_1D: Mapping[str, Kernel1DPreset] = MappingProxyType(
    {
        preset.key: preset
        for preset in (
            Kernel1DPreset("moving_average"),
            Kernel1DPreset("second_difference", _frozen(COURSE_KERNEL)),
            Kernel1DPreset("difference", _frozen((-1.0, 1.0))),
            Kernel1DPreset("custom"),
        )
    }
)
"""The 1-D kernel presets, keyed by :attr:`Kernel1DPreset.key`, in the order the page lists them."""


def kernel_1d(key: str, *, n: int = 3, text: str = "") -> np.ndarray:
    """Return a fresh copy of a 1-D preset's weights.

    Parameters
    ----------
    key : str
        A key of :data:`KERNELS_1D`.
    n : int, default 3
        Window of the ``"moving_average"`` (see :func:`moving_average_kernel`);
        ignored by the others.
    text : str, default ""
        What the student typed, for ``"custom"`` (read by :func:`parse_numbers`);
        ignored by the others.

    Returns
    -------
    ndarray, shape (k,), float64
        A new writable array.

    Raises
    ------
    InputError
        If the key is unknown, ``n`` is invalid for a moving average, or the
        custom text is not a list of numbers.

    Examples
    --------
    >>> kernel_1d("second_difference"), kernel_1d("moving_average", n=2)
    (array([-1.,  2., -1.]), array([0.5, 0.5]))
    >>> kernel_1d("custom", text="0,25; 0,5; 0,25")
    array([0.25, 0.5 , 0.25])
    """
    preset = KERNELS_1D.get(key) if isinstance(key, str) else None
    if preset is None:
        raise InputError("error.kernel1d_unknown", value=repr(key), known=", ".join(KERNELS_1D))
    if preset.weights is not None:
        return preset.weights.copy()
    if key == "moving_average":
        return moving_average_kernel(n)
    return parse_numbers(text, name="kernel")


# --- the three paddings side by side -------------------------------------------------------

PADDINGS_1D: tuple[str, ...] = ("valid", "same", "full")
"""The paddings the course compares, in its order: none, as long as the input, every overlap."""


@dataclass(frozen=True, eq=False)
class PaddingResult:
    """One padding's result in :func:`compare_paddings`.

    Attributes
    ----------
    padding : {"valid", "same", "full"}
        The padding.
    pads : (int, int)
        Cells of padding added before and after the signal.
    output : ndarray, shape (No,), or None
        The result; None when the kernel does not fit (see ``error``).
    centres : ndarray, shape (No,), or None
        Where each output's window is centred, in samples of the signal (0 is
        its first sample; a half for an even kernel), so that the results can
        be drawn over the signal they come from.
    formula : str or None
        The output length written out, ``⌊(I − k + p + s) / s⌋ = O``
        (:func:`cnnviz.core.shapes.output_length_formula`); None with ``error``.
    error : InputError or None
        Why there is no output: the kernel spans more samples than the padded
        signal (only ever for ``"valid"``).
    """

    padding: str
    pads: tuple[int, int]
    output: np.ndarray | None
    centres: np.ndarray | None
    formula: str | None
    error: InputError | None

    @property
    def length(self) -> int:
        """Number of output values (0 when there is no output)."""
        return 0 if self.output is None else int(self.output.size)


def compare_paddings(
    signal: np.ndarray,
    kernel: np.ndarray,
    *,
    strides: int = 1,
    dilation_rate: int = 1,
    flip: bool = False,
) -> tuple[PaddingResult, ...]:
    r"""Convolve a signal with ``"valid"``, ``"same"`` and ``"full"`` padding, as the course does.

    Parameters
    ----------
    signal, kernel : ndarray, shapes (N,) and (k,)
        What to filter, and the filter's weights.
    strides, dilation_rate : int, default 1
        Step of the window and spacing between taps, as in :func:`cnnviz.core.conv.conv1d`.
    flip : bool, default False
        True convolution (``np.convolve``) instead of cross-correlation.

    Returns
    -------
    tuple of PaddingResult
        One per padding of :data:`PADDINGS_1D`, in that order. A kernel longer
        than the signal leaves ``"valid"`` without output, with the reason in
        its ``error``; the other two always have one.

    Raises
    ------
    InputError
        If the signal or kernel is not a non-empty row of finite numbers, or
        the stride or dilation is not a whole number of at least 1.

    Notes
    -----
    Output :math:`i` reads padded cells :math:`i s` to :math:`i s + k_d - 1`,
    with :math:`k_d = d(k - 1) + 1`; its window is centred on sample
    :math:`i s - p_{before} + (k_d - 1) / 2` of the signal.

    Examples
    --------
    The course's table:

    >>> for result in compare_paddings([1, 2, -5, 4, 2, -1], [-1, 2, -1]):
    ...     print(result.padding, result.output, result.pads, result.formula)
    valid [  8. -16.  11.   1.] (0, 0) ⌊(6 − 3 + 0 + 1) / 1⌋ = 4
    same [  0.   8. -16.  11.   1.  -4.] (1, 1) ⌊(6 − 3 + 2 + 1) / 1⌋ = 6
    full [ -1.   0.   8. -16.  11.   1.  -4.   1.] (2, 2) ⌊(6 − 3 + 4 + 1) / 1⌋ = 8
    >>> valid = compare_paddings([1, 2], [1, 1, 1])[0]
    >>> valid.length, valid.error.key
    (0, 'error.output_empty')
    >>> compare_paddings([1, 2, 3, 4], [1, 1])[0].centres
    array([0.5, 1.5, 2.5])
    """
    array = conv.as_float_array(signal, "signal")
    weights = conv.as_float_array(kernel, "kernel")
    results = []
    for padding in PADDINGS_1D:
        try:
            output = conv.conv1d(
                array,
                weights,
                strides=strides,
                padding=padding,
                dilation_rate=dilation_rate,
                flip=flip,
            )
        except InputError as err:
            if err.key != "error.output_empty":
                raise
            output, error = None, err
        else:
            error = None
        pads = shapes.padding_amounts(
            array.size, weights.size, strides=strides, padding=padding, dilation_rate=dilation_rate
        )
        if output is None:
            results.append(PaddingResult(padding, pads, None, None, None, error))
            continue
        span = shapes.effective_kernel_size(weights.size, dilation_rate)
        centres = np.arange(output.size) * int(strides) - pads[0] + (span - 1) / 2
        formula = shapes.output_length_formula(
            array.size, weights.size, strides=strides, padding=pads, dilation_rate=dilation_rate
        )
        results.append(PaddingResult(padding, pads, output, centres, formula, None))
    return tuple(results)


def is_symmetric(kernel: np.ndarray) -> bool:
    """Whether a 1-D kernel reads the same backwards, so that flipping it changes nothing.

    Parameters
    ----------
    kernel : ndarray, shape (k,)
        The weights.

    Returns
    -------
    bool
        True when cross-correlation and true convolution give the same result
        with this kernel, whatever the signal.

    Examples
    --------
    >>> is_symmetric(np.array([-1.0, 2.0, -1.0])), is_symmetric(np.array([-1.0, 1.0]))
    (True, False)
    """
    weights = np.asarray(kernel, dtype=np.float64)
    return bool(np.array_equal(weights, weights[::-1]))


# --- typed numbers ------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# A token that may carry one decimal comma between digits: "0,5", "-12,75", "3".
_COMMA_DECIMAL = re.compile(r"[+\-\u2212]?[0-9]+(?:,[0-9]+)?(?:[eE][+\-\u2212]?[0-9]+)?")
_SEPARATORS_SEMICOLON = re.compile(r"\s*;\s*|\s+")
_SEPARATORS_COMMA = re.compile(r"\s*,\s*|\s+")
_BRACKETS = {"[": "]", "(": ")"}
_TOKEN_EXCERPT = 20
_CHARS_PER_NUMBER = 32  # a longer text cannot be max_count numbers a person typed


def _strip_brackets(text: str) -> str:
    """Drop one pair of enclosing brackets, as in a pasted Python list: ``[1, 2, -5]``."""
    body = text.strip()
    if len(body) >= 2 and _BRACKETS.get(body[0]) == body[-1]:
        body = body[1:-1].strip()
    return body


def _split_numbers(body: str) -> tuple[list[str], bool]:
    """Split ``body`` into tokens; also say whether a comma in them is a decimal comma."""
    if ";" in body:
        tokens, decimal_comma = _SEPARATORS_SEMICOLON.split(body), True
    else:
        words = body.split()
        decimal_comma = (
            len(words) >= 2
            and any("," in word for word in words)
            and all(_COMMA_DECIMAL.fullmatch(word) for word in words)
        )
        tokens = words if decimal_comma else _SEPARATORS_COMMA.split(body)
    # A separator at either end ("1, 2, -5,") is forgiven; one in the middle is not.
    while tokens and not tokens[-1]:
        tokens.pop()
    while tokens and not tokens[0]:
        tokens.pop(0)
    return tokens, decimal_comma


def parse_numbers(text: str, *, name: str = "signal", max_count: int = MAX_LENGTH) -> np.ndarray:
    """Read a list of numbers a student typed, for a signal or a 1-D kernel.

    Parameters
    ----------
    text : str
        The numbers, for instance ``"1, 2, -5, 4"``, ``"1 2 -5 4"``,
        ``"0,5; 1; -2,25"`` or ``"[1, 2, -5]"``.
    name : str, default "signal"
        What the numbers are (``"signal"`` or ``"kernel"``), named in error messages.
    max_count : int, default 2000
        Most numbers accepted.

    Returns
    -------
    ndarray, shape (n,), float64
        The numbers, ``1 <= n <= max_count``.

    Raises
    ------
    InputError
        If there are no numbers, too many, a value is missing between two
        separators, or a value is not a number or is too large to be finite;
        the message quotes the offending value and its position.

    Notes
    -----
    How the text is split, in order:

    1. One pair of enclosing brackets, ``[...]`` or ``(...)``, is dropped.
    2. If there is a **semicolon**, semicolons and spaces (or line breaks)
       separate the values, and a comma is a **decimal comma**:
       ``"0,5; 1"`` is ``[0.5, 1]``, and ``"1,5;"`` is ``[1.5]``.
    3. Otherwise, if there are **spaces** between values and every value is a
       number with at most one comma between digits, and some has one, the
       spaces separate and the commas are decimal: ``"0,5 1,25"`` is
       ``[0.5, 1.25]``.
    4. Otherwise commas and spaces separate the values and the decimal mark is
       the point: ``"1, 2, -5"``, ``"1,2,3"`` and ``"0.5 1"``; so is a lone
       ``"1,5"``: ``[1, 5]``, as in a Python list.

    A point is always a decimal point. A separator at the very start or end is
    ignored; two in a row in the middle (``"1,,2"``) are an error, since a value
    is missing. The true minus sign ``−`` (as the app writes numbers) and an
    exponent (``1e-3``) are accepted; ``nan``, ``inf`` and thousands
    separators are not.

    Examples
    --------
    >>> parse_numbers("1, 2, -5, 4"), parse_numbers("1 2 -5 4")
    (array([ 1.,  2., -5.,  4.]), array([ 1.,  2., -5.,  4.]))
    >>> parse_numbers("0,5; 1"), parse_numbers("0,5 −1,25"), parse_numbers("[1,2,3]")
    (array([0.5, 1. ]), array([ 0.5 , -1.25]), array([1., 2., 3.]))
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str; received {type(text).__name__}.")
    if len(text) > max_count * _CHARS_PER_NUMBER:
        raise InputError(
            "error.numbers_too_long",
            name=name,
            length=len(text),
            max=max_count * _CHARS_PER_NUMBER,
        )
    tokens, decimal_comma = _split_numbers(_strip_brackets(text))
    if not tokens:
        raise InputError("error.numbers_empty", name=name)
    if len(tokens) > max_count:
        raise InputError("error.numbers_too_many", name=name, count=len(tokens), max=max_count)
    return np.array(
        [_read_token(token, i, name, decimal_comma) for i, token in enumerate(tokens, start=1)],
        dtype=np.float64,
    )


def _read_token(token: str, position: int, name: str, decimal_comma: bool) -> float:
    if not token:
        raise InputError("error.numbers_missing", name=name, position=position)
    cleaned = token.replace("\u2212", "-")
    if decimal_comma:
        cleaned = cleaned.replace(",", ".")
    shown = token if len(token) <= _TOKEN_EXCERPT else token[:_TOKEN_EXCERPT] + "…"
    if not _NUMBER.fullmatch(cleaned):
        raise InputError("error.numbers_token", name=name, position=position, token=shown)
    value = float(cleaned)
    if not math.isfinite(value):
        raise InputError("error.numbers_not_finite", name=name, position=position, token=shown)
    return value


def format_numbers(values: np.ndarray, *, digits: int = 3, lang: str | None = None) -> str:
    """Write a row of numbers as the page shows it, in a form :func:`parse_numbers` reads back.

    Parameters
    ----------
    values : array_like, shape (n,)
        The numbers.
    digits : int, default 3
        Decimals kept at most (see :func:`cnnviz.i18n.format_number`).
    lang : str, optional
        Language; the current one by default.

    Returns
    -------
    str
        ``"[8, −16, 11, 1]"``: in brackets, with the true minus sign; separated
        by commas, or by semicolons when a Spanish decimal comma appears, so
        that a student can copy a result and paste it as a signal.

    Notes
    -----
    :func:`parse_numbers` reads the text back to the rounded values, except a
    single Spanish number with decimals, ``"[0,5]"``, which it reads as two
    numbers (a lone comma separates, as in a Python list).

    Examples
    --------
    >>> format_numbers([8, -16, 11, 1])
    '[8, −16, 11, 1]'
    >>> format_numbers([0.5, -1, 1 / 3], lang="es")
    '[0,5; −1; 0,333]'
    """
    lang = lang or get_language()
    texts = [format_number(v, digits=digits, lang=lang) for v in np.ravel(values).tolist()]
    separator = "; " if any("," in text for text in texts) else ", "
    return f"[{separator.join(texts)}]"
