"""Wall-time medians for the benchmarks: each figure is the median of repeated runs."""

from __future__ import annotations

import statistics
import timeit
from collections.abc import Callable


def median_seconds(func: Callable[[], object], repeats: int, *, warm_up: bool = True) -> float:
    """Median wall time of one call of ``func`` over ``repeats`` calls.

    Parameters
    ----------
    func : callable
        Called with no arguments.
    repeats : int
        How many timed calls.
    warm_up : bool, default True
        Call once first, untimed: first-call allocations, TensorFlow's tracing.
    """
    if warm_up:
        func()
    return statistics.median(timeit.repeat(func, number=1, repeat=repeats))


def median_seconds_averaged(func: Callable[[], object], repeats: int) -> float:
    """Median wall time of one call, each of ``repeats`` samples averaging calls over ~20 ms.

    For calls of a millisecond or less, whose single timings the clock and the
    scheduler would blur. Warms up with one untimed call.
    """
    func()
    number, _ = timeit.Timer(func).autorange()  # calls in about 0.2 s
    number = max(1, number // 10)
    return statistics.median(t / number for t in timeit.repeat(func, number=number, repeat=repeats))
