"""Tests of cnnviz.figures.signal: a signal and its convolutions with each padding."""

from __future__ import annotations

import numpy as np

from cnnviz.core.signals import compare_paddings
from cnnviz.figures.signal import PADDING_COLOURS, padding_comparison, signal_chart
from tests.figures.helpers import validated


def test_padding_comparison_draws_each_output_under_its_window():
    signal = [1.0, 2, -5, 4, 2, -1]
    results = compare_paddings(signal, [-1.0, 2, -1])
    fig = padding_comparison(signal, results, lang="en")
    outputs = [trace for trace in fig.data if trace.line.color in PADDING_COLOURS.values()]
    assert [list(trace.y) for trace in outputs] == [
        [8, -16, 11, 1],
        [0, 8, -16, 11, 1, -4],
        [-1, 0, 8, -16, 11, 1, -4, 1],
    ]
    # Window centres: valid starts under sample 1, full one sample before the signal.
    assert list(outputs[0].x) == [1, 2, 3, 4]
    assert list(outputs[2].x) == [-1, 0, 1, 2, 3, 4, 5, 6]


def test_signal_charts_write_numbers_the_languages_way():
    signal = np.sin(np.arange(50.0))
    assert validated(signal_chart(signal, lang="es")).layout.separators == ", "
    assert signal_chart(signal, lang="en").layout.separators == ".,"
    results = compare_paddings([1.0, 2.0], [-1.0, 2, -1])
    fig = validated(padding_comparison([1.0, 2.0], results, lang="en"))
    assert len(fig.layout.annotations) == 3 and fig.layout.height == 190 * 3 + 90
