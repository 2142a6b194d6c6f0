"""The channel view's data for one filter of the colour network's conv1, against one conv2d.

Run by hand (never in the test suite)::

    python bench/bench_channels.py

On CIFAR-10 test image 0 (32x32x3, in [0, 1]) and the bundled network's conv1
(32 filters of 3x3x3, "same" padding), it times what
:func:`cnnviz.ui.channel_view.show_channel_sum` computes for one filter (the
three channel contributions and the map, the trace and the stage's data) and
the figures the view draws, each as a ratio to one
:func:`cnnviz.core.conv.conv2d` of the same filter in the same run, and prints
the bytes each figure sends to the browser. Every figure is the median over
repeated runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.core.channels import channel_contributions
from cnnviz.core.conv import conv2d
from cnnviz.core.stage import conv_stage_data
from cnnviz.core.trace import conv2d_trace
from cnnviz.figures import channels as figures

REPEATS = 15
FILTER = 0


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, samples averaging calls over ~20 ms (bench.timing)."""
    return timing.median_seconds_averaged(func, repeats)


def inputs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CIFAR-10 test image 0 and the bundled conv1's kernel and biases (float64, as the view)."""
    from cnnviz.nets.cifar_model import load_cifar_model
    from cnnviz.nets.datasets import load_cifar_subset

    image = load_cifar_subset().x_test[0] / 255
    kernel, bias = (
        np.asarray(w, np.float64) for w in load_cifar_model().get_layer("conv1").weights
    )
    return image, kernel, bias


def main() -> None:
    image, kernel, bias = inputs()
    weights, b = kernel[..., FILTER], float(bias[FILTER])

    def view_data() -> object:
        parts = channel_contributions(image, kernel, bias, FILTER, padding="same")
        trace = conv2d_trace(image, weights, bias=b, padding="same")
        return parts, conv_stage_data(trace)

    parts = channel_contributions(image, kernel, bias, FILTER, padding="same")
    cases = {
        "conv2d, one 3x3x3 filter (reference)": lambda: conv2d(
            image, weights, bias=b, padding="same"
        ),
        "channel_contributions": lambda: channel_contributions(
            image, kernel, bias, FILTER, padding="same"
        ),
        "conv2d_trace + conv_stage_data": lambda: conv_stage_data(
            conv2d_trace(image, weights, bias=b, padding="same")
        ),
        "the view's data (both above)": view_data,
        "equation figure, wide + phone": lambda: [
            figures.channel_sum_figure(image, parts, cell=(5, 5), stacked=s) for s in (False, True)
        ],
        "filter bank, wide + phone": lambda: [
            figures.filter_bank(kernel, selected=FILTER, columns=c) for c in (16, 8)
        ],
        "bank per channel, wide + phone": lambda: [
            figures.filter_channels(kernel, selected=FILTER, columns=c) for c in (16, 8)
        ],
    }
    times = {name: median_seconds(func) for name, func in cases.items()}
    reference = times["conv2d, one 3x3x3 filter (reference)"]
    print(f"\n32x32x3 image, conv1 filter {FILTER}, 'same' padding (median of {REPEATS} runs)")
    print(f"  {'':40s} {'time':>10s}   {'/ conv2d':>8s}")
    for name, seconds in times.items():
        print(f"  {name:40s} {seconds * 1e3:7.3f} ms   {seconds / reference:8.1f}x")
    sizes = {
        "equation figure (wide)": figures.channel_sum_figure(image, parts, cell=(5, 5)),
        "equation figure (phone)": figures.channel_sum_figure(image, parts, stacked=True),
        "filter bank (wide)": figures.filter_bank(kernel, selected=FILTER),
        "bank per channel (wide)": figures.filter_channels(kernel, selected=FILTER),
    }
    print("\nJSON sent per figure")
    for name, figure in sizes.items():
        print(f"  {name:40s} {len(figure.to_json()) / 1e3:7.1f} kB")


if __name__ == "__main__":
    main()
