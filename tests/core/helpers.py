"""Checks, example arrays and Hypothesis strategies the core's tests share."""

from __future__ import annotations

import operator
import re
from functools import reduce

import numpy as np
from hypothesis import strategies as st

from cnnviz.i18n import MINUS, InputError, catalog, format_count

COURSE_POOL = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


# --- errors ----------------------------------------------------------------------------


def assert_actionable(err: InputError, key: str, *quoted: str) -> None:
    """Check an error a student can act on: right key, real text in both languages, values."""
    assert isinstance(err, ValueError)
    assert err.key == key
    assert key in catalog("en") and key in catalog("es")
    messages = {lang: err.message(lang) for lang in ("en", "es")}
    assert messages["en"] != messages["es"]
    for message in messages.values():
        assert message != key
        assert "{" not in message and "}" not in message  # every field filled in
        assert "error." not in message
        # Values are quoted as typed ("-2", "199999999"); the message writes a true minus
        # and groups thousands ("−2", "199,999,999"), which the comparison undoes.
        as_typed = re.sub(r"(?<=\d)[,\u00a0](?=\d{3})", "", message.replace(MINUS, "-"))
        for value in quoted:
            assert value in as_typed, (value, message)


def assert_translated(err: InputError, *numbers: int) -> None:
    """Check a real message in both languages, not the key, with ``numbers`` in each."""
    english, spanish = err.message("en"), err.message("es")
    assert english != err.key and spanish != err.key and english != spanish
    for number in numbers:
        assert format_count(number, "en") in english and format_count(number, "es") in spanish


# --- traces ----------------------------------------------------------------------------


def sequential_sum(values: np.ndarray) -> float:
    """Add left to right, as conv adds a 2-D kernel's taps (Python's sum() may compensate)."""
    return reduce(operator.add, values.ravel().tolist(), 0.0)


small_floats = st.one_of(
    st.integers(-4, 4).map(float),
    st.floats(-10, 10, allow_nan=False, allow_infinity=False, width=64),
)


pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


def expected_padding(rows: tuple[int, ...], cols: tuple[int, ...], pads, image_hw) -> np.ndarray:
    """Which cells of a window (padded coordinates) fall outside the image."""
    (top, _), (left, _) = pads
    row_out = np.array([not top <= r < top + image_hw[0] for r in rows])
    col_out = np.array([not left <= c < left + image_hw[1] for c in cols])
    return row_out[:, None] | col_out[None, :]


def expected_cell(index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """Row-major over the output cells, the last axis (maps) outermost."""
    if len(shape) == 2:
        return tuple(int(i) for i in np.unravel_index(index, shape))
    fmap, row, col = np.unravel_index(index, (shape[2], shape[0], shape[1]))
    return (int(row), int(col), int(fmap))


# Keras refuses strides > 1 together with dilation_rate > 1 (ours accepts it, and
# test_conv checks it against tf.nn.conv2d): one of the two stays (1, 1).
_small_pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))
keras_steps = st.one_of(
    st.tuples(_small_pairs, st.just((1, 1))), st.tuples(st.just((1, 1)), _small_pairs)
)
"""(strides, dilation_rate) pairs Keras accepts."""
