"""Speed of the backward pass: the tiny network, a 28x28 layer of 16 filters, the page's rerun.

Run by hand (never in the test suite)::

    python bench/bench_backprop.py

Every figure is the median over repeated runs in this one process, each
against the forward ``conv2d`` of the same input in the same run, so the
ratios compare like with like on whatever machine runs it. Targets (issue 11):
the tiny network's forward and backward, and ``conv2d_backward`` of a 28x28
input with 16 3x3 filters, each under 20 ms; the backpropagation page's rerun
under 250 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from cnnviz.core import tiny_net  # noqa: E402
from cnnviz.core.backprop import conv2d_backward  # noqa: E402
from cnnviz.core.conv import conv2d  # noqa: E402

REPEATS = 15
PAGE = "app_pages/backprop/page.py"


def median_ms(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call in ms, each sample averaging enough calls to last ~20 ms."""
    func()  # warm-up
    number, _ = timeit.Timer(func).autorange()
    number = max(1, number // 10)
    samples = timeit.repeat(func, number=number, repeat=repeats)
    return statistics.median(t / number for t in samples) * 1e3


def row(name: str, ms: float, reference: float, target: float) -> None:
    verdict = "ok" if ms < target else "OVER"
    print(f"  {name:44s} {ms:9.3f} ms   x{ms / reference:6.2f}   target {target:g} ms: {verdict}")


def tiny_network() -> None:
    image = tiny_net.sample_image(8)
    params = tiny_net.initial_params(image.shape, 2, seed=0)

    def forward_backward() -> None:
        tiny_net.backward(params, tiny_net.forward(image, params, 2))

    reference = median_ms(lambda: conv2d(image, params.kernel, bias=params.bias))
    print("\nTiny network, 8x8 input, 2 filters (ratio against its conv2d)")
    print(f"  {'conv2d forward (reference)':44s} {reference:9.3f} ms")
    row("forward + backward", median_ms(forward_backward), reference, 20)
    row(
        "finite difference of one weight",
        median_ms(lambda: tiny_net.finite_difference(image, params, 2, "kernel", (1, 1, 0, 0))),
        reference,
        20,
    )


def layer_28x28() -> None:
    rng = np.random.default_rng(0)
    image = rng.random((28, 28, 1))
    kernel = rng.standard_normal((3, 3, 1, 16)) * 0.3
    bias = rng.standard_normal(16) * 0.1
    grad = rng.standard_normal((26, 26, 16))
    reference = median_ms(lambda: conv2d(image, kernel, bias=bias, activation="relu"))
    print("\n28x28 input, 16 filters of 3x3, ReLU, 'valid' (ratio against its conv2d)")
    print(f"  {'conv2d forward (reference)':44s} {reference:9.3f} ms")
    row(
        "conv2d_backward",
        median_ms(lambda: conv2d_backward(image, kernel, grad, bias=bias, activation="relu")),
        reference,
        20,
    )


def page_rerun() -> None:
    from tests.app import helpers

    at = helpers.open_page(PAGE, timeout=120)
    print("\nThe backpropagation page in AppTest (median of reruns, after a warm-up)")
    for part in ("logits", "kernel", "input"):
        at.session_state["backprop_part"] = part
        at.run()
        times = []
        for _ in range(9):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        assert not at.exception, at.exception
        ms = statistics.median(times) * 1e3
        verdict = "ok" if ms < 250 else "OVER"
        print(f"  {'rerun, step ' + part:44s} {ms:9.1f} ms   target 250 ms: {verdict}")


if __name__ == "__main__":
    tiny_network()
    layer_28x28()
    page_rerun()
