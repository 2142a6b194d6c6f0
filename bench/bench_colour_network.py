"""The colour network against the digit network: inspection, saliency, the page's cold start.

Run by hand (never in the test suite)::

    nice -n 10 python bench/bench_colour_network.py

Each row is the colour network (CIFAR-10, 32×32×3, six convolutions) and the
digit network (MNIST, 28×28×1, two convolutions) measured in the same run,
with their ratio, so a busy machine shows in both columns. Targets: a warm
inspection of one colour image through every layer under 100 ms; the five
saliency methods (page defaults) under 2 s in all; the colour page's cold
start (a fresh interpreter: TensorFlow, the network, CIFAR-10's test images)
close to the digit page's.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled

import numpy as np  # noqa: E402

from cnnviz.nets import saliency  # noqa: E402
from cnnviz.nets.cifar_model import load_cifar_model  # noqa: E402
from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset  # noqa: E402
from cnnviz.nets.model import inspect, load_trained_model  # noqa: E402

REPEATS = 15

COLD = """
import time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=600)
at.query_params["lang"] = "en"
for name, value in {params!r}.items():
    at.query_params[name] = value
at.run()
at.switch_page("app_pages/trained_network.py").run()
assert not at.exception, at.exception
print(time.perf_counter() - start)
"""


def median_s(action, repeats: int = REPEATS) -> float:
    """Median wall time of ``action()`` in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cold_start(params: dict[str, str]) -> float:
    """Seconds from a fresh interpreter to the trained-network page's first complete run."""
    code = COLD.format(app=str(ROOT / "app.py"), params=params)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def row(name: str, colour: float, digits: float, unit: str, target: str) -> None:
    scale = 1e3 if unit == "ms" else 1.0
    print(
        f"{name:38s} {colour * scale:9.1f} {digits * scale:9.1f} {unit:2s}"
        f" {colour / digits:7.1f}x   {target}"
    )


def main() -> None:
    colour_model, digit_model = load_cifar_model(), load_trained_model()
    photos, digits = load_cifar_subset().x_test, load_mnist_subset().x_test
    pictures = {
        "colour": (colour_model, photos[:REPEATS].astype(np.float32) / 255),
        "digits": (digit_model, digits[:REPEATS].astype(np.float32) / 255),
    }
    for model, images in pictures.values():  # warm-up: the first call traces the layers
        inspect(model, images[0])
        saliency.compute_all(model, images[0], 0)

    def inspection(kind: str) -> float:
        model, images = pictures[kind]
        it = iter(images)
        return median_s(lambda: inspect(model, next(it)))

    def five_methods(kind: str) -> float:
        model, images = pictures[kind]
        it = iter(images)
        return median_s(lambda: saliency.compute_all(model, next(it), 1), repeats=5)

    print(f"{'':38s} {'colour':>9s} {'digits':>9s}    {'ratio':>7s}   target (colour)")
    row("inspect(): one image, every layer", inspection("colour"), inspection("digits"), "ms",
        "< 100 ms")  # fmt: skip
    row("five saliency methods (defaults)", five_methods("colour"), five_methods("digits"), "s",
        "< 2 s")  # fmt: skip
    row("page cold start (AppTest, fresh process)", cold_start({"network": "colour"}),
        cold_start({}), "s", "close to digits")  # fmt: skip


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"\n(total {time.perf_counter() - start:.0f} s)")
