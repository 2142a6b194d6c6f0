"""Speed of Shapley values on the digit and colour networks, against plain predictions.

Run by hand (never in the test suite)::

    nice -n 10 python bench/bench_shapley.py

For each bundled network and one test image: sampled Shapley values with 64
regions (8x8) at the page's default number of permutations and twice that,
exact values with 9 regions (3x3), and two references measured in the same
run: one batch prediction of as many images as the 64-region estimate sends
through the network, and the page's occlusion map. Every figure is the median
of :data:`REPEATS` warm calls. Target (issue 13): 64 regions under 3 s on the
digit network.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
sys.path.insert(0, str(Path(__file__).resolve().parent))  # the other benchmarks' helpers
from bench_saliency import median_seconds

from cnnviz.nets import saliency, shapley

REPEATS = 3
TARGET_SECONDS = 3.0
PAGE_PERMUTATIONS = 32  # cnnviz.ui.shapley_view.DEFAULT_PERMUTATIONS (no Streamlit import here)


def networks() -> list[tuple[str, object, np.ndarray]]:
    """Load the bundled digit and colour networks, each with its first test image in [0, 1]."""
    from cnnviz.nets.cifar_model import load_cifar_model
    from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
    from cnnviz.nets.model import load_trained_model

    digit = load_mnist_subset().x_test[0].astype(np.float32)[..., None] / 255
    photo = load_cifar_subset().x_test[0].astype(np.float32) / 255
    return [("digits", load_trained_model(), digit), ("colour", load_cifar_model(), photo)]


def bench(name: str, model: object, image: np.ndarray) -> None:
    """Print one network's table: seconds, images through the network, ratio to a prediction."""
    class_index = int(np.argmax(model(image[None], training=False)))
    runs: dict[str, tuple[Callable[[], object], int]] = {}
    for permutations in (PAGE_PERMUTATIONS, 2 * PAGE_PERMUTATIONS):
        runs[f"sampled 8x8, {permutations} permutations"] = (
            lambda p=permutations: shapley.shapley_values(
                model, image, class_index, grid=8, permutations=p
            ),
            2 + permutations * 63,
        )
    runs["exact 3x3 (512 coalitions)"] = (
        lambda: shapley.shapley_values(model, image, class_index, grid=3, permutations=None),
        512,
    )
    images = np.repeat(image[None], 2 + PAGE_PERMUTATIONS * 63, axis=0)
    runs["reference: one prediction of as many"] = (
        lambda: shapley.class_values(model, images, class_index),
        len(images),
    )
    runs["reference: occlusion map (page default)"] = (
        lambda: saliency.occlusion(model, image, class_index),
        0,  # its own count of windows
    )
    print(f"\n{name} network {image.shape}, class {class_index}")
    timings = {label: median_seconds(func, REPEATS) for label, (func, _) in runs.items()}
    reference = timings["reference: one prediction of as many"]
    print(f"  {'':42s} {'ms':>9s}  {'images':>6s}  {'x prediction':>12s}")
    for label, (_, count) in runs.items():
        shown = str(count) if count else "-"
        print(
            f"  {label:42s} {timings[label] * 1e3:9.1f}  {shown:>6s}  "
            f"{timings[label] / reference:12.2f}"
        )
    found = shapley.shapley_values(model, image, class_index, grid=8, permutations=32)
    result = found.result
    verdict = "meets" if found.seconds < TARGET_SECONDS else "MISSES"
    print(
        f"  64 regions, {result.permutations} permutations: {found.seconds:.2f} s ({verdict} the "
        f"{TARGET_SECONDS:.0f} s target); largest SE {result.standard_errors.max():.4f}, "
        f"median SE {np.median(result.standard_errors):.4f}; "
        f"sum {result.total:.6f} = f(x) - f(b) {result.full - result.empty:.6f}"
    )


def main() -> None:
    import tensorflow as tf

    print(f"tensorflow {tf.__version__}, {os.cpu_count()} CPUs; medians of {REPEATS} warm runs")
    for name, model, image in networks():
        bench(name, model, image)


if __name__ == "__main__":
    main()
