"""Speed of the "Why CNNs work" measures: a shift sweep against one forward pass, page reruns.

Run by hand (never in the test suite)::

    python bench/bench_equivariance.py

Medians over repeated runs in this one process, so the ratios compare like with like on
whatever machine runs it. The reference is one forward pass of one digit that keeps every
layer's output (:func:`cnnviz.nets.model.inspect`, what the trained-network page runs); a
sweep runs 2·reach + 1 shifted digits in one batch and measures every layer with the core.
Page reruns go through AppTest (its bookkeeping included: an upper bound). Target: reruns
under 250 ms.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
sys.path.insert(0, str(ROOT / "bench"))
from bench_pages import median_ms, open_page  # noqa: E402

from cnnviz.core.equivariance import shift_gap  # noqa: E402
from cnnviz.nets.datasets import load_mnist_subset  # noqa: E402
from cnnviz.nets.equivariance import layer_fields, shift_sweep  # noqa: E402
from cnnviz.nets.model import inspect, load_trained_model  # noqa: E402

PAGE = "app_pages/why_cnns/page.py"


def core_and_network() -> None:
    model = load_trained_model()
    digits = load_mnist_subset().x_test.astype(np.float32) / 255
    fields = layer_fields(model)
    one = median_ms(lambda: inspect(model, digits[1]))
    print(f"{'measure':44s} {'median':>10s} {'ratio':>7s}")
    print(f"{'inspect(): one digit, every layer (reference)':44s} {one:8.1f} ms {1:7.2f}")
    for reach in (2, 6, 10):
        shifts = [(0, k) for k in range(-reach, reach + 1)]
        sweep_ms = median_ms(lambda shifts=shifts: shift_sweep(model, digits[1], shifts))
        naive = median_ms(lambda shifts=shifts: [inspect(model, digits[1]) for _ in shifts], 5)
        print(
            f"{f'shift_sweep(), {len(shifts)} shifts':44s} {sweep_ms:8.1f} ms {sweep_ms / one:7.2f}"
        )
        print(f"{f'  vs {len(shifts)} inspect() calls':44s} {naive:8.1f} ms {naive / one:7.2f}")
    sweep = shift_sweep(model, digits[1], [(0, 3)])
    conv1 = sweep.original["conv1"], sweep.outputs["conv1"][0]
    gap_ms = median_ms(lambda: shift_gap(*conv1, (0, 3), fields["conv1"], (28, 28)))
    print(
        f"{'shift_gap() of conv1 (26x26x16), one shift':44s} {gap_ms:8.2f} ms {gap_ms / one:7.2f}"
    )


def page_reruns() -> None:
    at = open_page(PAGE, lang="en", why_view="shift")
    counter = iter(range(10_000))

    def another_shift() -> None:
        at.slider(key="why_k").set_value(next(counter) % 13 - 6).run()

    def another_digit() -> None:
        at.number_input(key="digit_index").set_value(next(counter) % 2000).run()

    def another_measure() -> None:
        measure = ("equivariance", "invariance", "prediction")[next(counter) % 3]
        at.segmented_control(key="why_measure").set_value(measure).run()

    print("\npage reruns (AppTest)")
    print(f"  shift view, another k (cached sweep)      {median_ms(another_shift):8.1f} ms")
    print(f"  shift view, another measure               {median_ms(another_measure):8.1f} ms")
    print(f"  shift view, another digit (new sweep)     {median_ms(another_digit):8.1f} ms")
    at.segmented_control(key="why_view").set_value("hierarchy").run()
    print(f"  hierarchy view, another digit             {median_ms(another_digit):8.1f} ms")
    at.segmented_control(key="why_view").set_value("sparse").run()
    print(f"  sparse view, a rerun                      {median_ms(at.run):8.1f} ms")


def main() -> None:
    core_and_network()
    page_reruns()


if __name__ == "__main__":
    main()
