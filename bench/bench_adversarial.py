"""Speed of the adversarial attacks on the bundled digit and colour networks.

Run by hand (never in the test suite)::

    nice -n 10 python bench/bench_adversarial.py

For each network, on its first bundled test image: one vanilla gradient (the
saliency page's cheapest map, the reference: a ratio near 1 means an attack
costs about one gradient), FGSM, PGD with 10 steps, the smallest-ε search of
the challenge (all 60 ε of the slider in one batch, FGSM and PGD), and a
transfer batch of 200 test images (FGSM and PGD 10 steps, the network
attacking itself stands in for the session's). Every figure is the median of
:data:`REPEATS` warm calls, after one call that compiles the gradient.
Targets (issue 13): FGSM under 100 ms, PGD under 1 s.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.nets import adversarial
from cnnviz.nets.adversarial import AttackSettings

REPEATS = 5
TARGETS = {"FGSM": 0.1, "PGD, 10 steps": 1.0}
TRANSFER_IMAGES = 200


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, after a warm-up call (:mod:`bench.timing`)."""
    return timing.median_seconds(func, repeats)


def networks() -> list[tuple[str, object, object]]:
    """Load the bundled digit and colour networks with their test subsets."""
    from cnnviz.nets.cifar_model import load_cifar_model
    from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
    from cnnviz.nets.model import load_trained_model

    return [
        ("digits 28x28x1", load_trained_model(), load_mnist_subset()),
        ("colour 32x32x3", load_cifar_model(), load_cifar_subset()),
    ]


def rows(model, data) -> list[tuple[str, Callable[[], object]]]:
    """Return each measured call, by name; the reference first."""
    from cnnviz.nets.saliency import vanilla_gradient

    image = data.x_test[0].astype(np.float32) / 255
    images, labels = data.x_test[:TRANSFER_IMAGES], data.y_test[:TRANSFER_IMAGES]
    fgsm, pgd = AttackSettings("fgsm", 0.05), AttackSettings("pgd", 0.05, steps=10)
    return [
        ("vanilla gradient (reference)", lambda: vanilla_gradient(model, image, 0)),
        ("FGSM", lambda: adversarial.attack(model, image, fgsm)),
        ("PGD, 10 steps", lambda: adversarial.attack(model, image, pgd)),
        ("smallest ε, FGSM (60 ε)", lambda: adversarial.smallest_epsilon(model, image, fgsm)),
        ("smallest ε, PGD 10 (60 ε)", lambda: adversarial.smallest_epsilon(model, image, pgd)),
        (
            f"transfer, FGSM, {TRANSFER_IMAGES} images",
            lambda: adversarial.transfer_attack(model, model, images, labels, fgsm),
        ),
        (
            f"transfer, PGD 10, {TRANSFER_IMAGES} images",
            lambda: adversarial.transfer_attack(model, model, images, labels, pgd),
        ),
    ]


def main() -> None:
    import keras
    import tensorflow as tf

    print(
        f"tensorflow {tf.__version__}, keras {keras.__version__}, {os.cpu_count()} CPUs; "
        f"medians of {REPEATS} warm runs"
    )
    for name, model, data in networks():
        print(f"\n{name}")
        print(f"  {'call':36s} {'ms':>9s} {'× ref':>7s}  target")
        reference = None
        for label, call in rows(model, data):
            seconds = median_seconds(call)
            reference = reference or seconds
            target = TARGETS.get(label)
            verdict = (
                ""
                if target is None
                else (f"< {target * 1e3:.0f} ms " + ("meets" if seconds < target else "MISSES"))
            )
            print(f"  {label:36s} {seconds * 1e3:9.1f} {seconds / reference:7.1f}  {verdict}")


if __name__ == "__main__":
    main()
