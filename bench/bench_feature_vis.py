"""Speed of one feature visualisation (default settings) on the digit and colour networks.

Run by hand (never in the test suite)::

    nice -n 10 python bench/bench_feature_vis.py

For each network and objective (the first and last convolution's filter 0, and
a class logit) it times :func:`cnnviz.nets.feature_vis.visualise` with the
defaults (160 steps, every regulariser on), cold (the first call compiles the
step) and warm (median of :data:`REPEATS`), and, in the same run, a reference:
the same number of plain forward + backward passes of the whole network on one
image (eager ``GradientTape``), so the ratio says what the regularisers, the
jitter and the compiled step cost or save. Also timed: the activation table of
the bundled 2,000 test images for a layer (once per network and layer, then
cached by the page). Target (issue 13): one visualisation under 5 s.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.nets import feature_vis as fv

REPEATS = 3
TARGET_SECONDS = 5.0


def seconds(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of ``repeats`` calls (the caller warms up first; :mod:`bench.timing`)."""
    return timing.median_seconds(func, repeats, warm_up=False)


def plain_passes(model, image: np.ndarray, steps: int) -> None:
    """Run ``steps`` eager forward + backward passes of the whole network (the reference)."""
    import tensorflow as tf

    x = tf.constant(image[None])
    for _ in range(steps):
        with tf.GradientTape() as tape:
            tape.watch(x)
            score = tf.reduce_sum(model(x, training=False))
        tape.gradient(score, x)


def networks():
    from cnnviz.nets.cifar_model import load_cifar_model
    from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
    from cnnviz.nets.model import load_trained_model

    digits = load_mnist_subset().x_test.astype(np.float32)[..., None] / 255
    photos = load_cifar_subset().x_test.astype(np.float32) / 255
    return (("digits", load_trained_model(), digits), ("colour", load_cifar_model(), photos))


def main() -> None:
    import keras
    import tensorflow as tf

    steps = fv.DEFAULTS.steps
    print(
        f"tensorflow {tf.__version__}, keras {keras.__version__}, {os.cpu_count()} CPUs; "
        f"{steps} steps, medians of {REPEATS} warm runs; target {TARGET_SECONDS} s"
    )
    print(
        f"\n{'network':8s} {'objective':14s} {'cold s':>7s} {'warm s':>7s} "
        f"{'reference s':>12s} {'ratio':>6s}  verdict"
    )
    for name, model, images in networks():
        start = images[0]
        reference = median_seconds(lambda m=model, x=start: plain_passes(m, x, steps))
        convs = fv.filter_layers(model)
        for layer in (convs[0], convs[-1], fv.CLASS_LAYER):
            run = lambda m=model, la=layer: fv.visualise(m, la, 0)  # noqa: E731
            cold = seconds(run)
            warm = median_seconds(run)
            verdict = "meets" if max(cold, warm) < TARGET_SECONDS else "MISSES"
            print(
                f"{name:8s} {layer + ' #0':14s} {cold:7.2f} {warm:7.2f} "
                f"{reference:12.2f} {warm / reference:6.2f}  {verdict}"
            )
        table = seconds(lambda m=model, la=convs[-1], x=images: fv.activation_table(m, la, x))
        print(f"{name:8s} table of {len(images)} test images, {convs[-1]}: {table:.2f} s (cached)")


if __name__ == "__main__":
    main()
