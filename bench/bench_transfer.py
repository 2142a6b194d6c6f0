"""One epoch of the transfer page's demo: frozen against fine-tuned against from scratch.

Run by hand (never in the test suite)::

    python bench/bench_transfer.py [--repeats 3] [--samples 300]

Each arm builds its network from the bundled colour network
(:func:`cnnviz.nets.transfer.build_transfer_model`, flatten head, seed 0),
trains one warm-up epoch (tracing is not timed), then times one epoch of
``model.fit`` on the demo's digits (:func:`cnnviz.nets.transfer.demo_data`,
32×32×3, batches of 32) with validation, as the page trains. Frozen layers
need no gradient, so the frozen arm does only the forward pass through them.
Ratios are against the scratch arm measured in the same run (the median of
``--repeats``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from cnnviz.nets import transfer as tr
from cnnviz.nets.cifar_model import load_cifar_model
from cnnviz.nets.training_data import Prepared


def one_epoch(bundled, data: Prepared, mode: str) -> float:
    """Seconds of one timed epoch (after a warm-up epoch) of a fresh ``mode`` network."""
    settings = tr.TransferSettings(mode=mode)
    model = tr.build_transfer_model(bundled, data.classes, settings)
    fit = {"batch_size": settings.batch_size, "validation_data": (data.x_val, data.y_val)}
    model.fit(data.x_train, data.y_train, epochs=1, verbose=0, **fit)
    start = time.perf_counter()
    model.fit(data.x_train, data.y_train, epochs=1, verbose=0, **fit)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--samples", type=int, default=tr.DEMO_SAMPLES)
    args = parser.parse_args()
    bundled = load_cifar_model()
    data = tr.demo_data(samples=args.samples)
    seconds = {
        mode: statistics.median(one_epoch(bundled, data, mode) for _ in range(args.repeats))
        for mode in tr.MODES
    }
    print(f"{len(data.x_train)} training, {len(data.x_val)} validation images of 32x32x3")
    print(f"{'mode':<12}{'seconds':>10}{'vs scratch':>12}{'images/s':>10}")
    for mode, value in seconds.items():
        ratio = value / seconds["scratch"]
        rate = len(data.x_train) / value
        print(f"{mode:<12}{value:>10.2f}{ratio:>12.2f}{rate:>10.0f}")


if __name__ == "__main__":
    main()
