"""How long a layer-stack summary takes, for every classic architecture.

Run by hand (never in the test suite)::

    python bench/bench_architectures.py

Medians over repeated runs in one process. Target: ResNet-34 under 50 ms.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from cnnviz.content.gallery import ARCHITECTURES
from cnnviz.core.architectures import summarize


def main() -> None:
    print(f"{'architecture':14s} {'layers':>6s} {'parameters':>12s} {'summary':>10s}")
    for key, architecture in ARCHITECTURES.items():
        spec, shape = architecture.spec(), architecture.input_shape
        runs = timeit.repeat(
            lambda spec=spec, shape=shape: summarize(spec, shape), number=5, repeat=15
        )
        median_ms = statistics.median(runs) / 5 * 1e3
        total = summarize(spec, shape).params
        print(f"{key:14s} {len(spec):6d} {total:12,d} {median_ms:8.2f} ms")


if __name__ == "__main__":
    main()
