"""Speed of the bundled network: cold start, one digit inspected, preprocessing, a batch.

Run by hand (never in the test suite)::

    python bench/bench_model.py

The cold start runs in fresh interpreters (``import cnnviz.nets.model``, then
TensorFlow's import and :func:`cnnviz.nets.model.load_trained_model`), as the first
visitor of a new server pays it; the rest are medians of repeated runs in this
process, warm. Target: ``inspect`` of one digit under 100 ms warm.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.model import (
    filters,
    fingerprint,
    inspect,
    load_trained_model,
    predict_batch,
    preprocess_digit,
)

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 15
COLD_RUNS = 3

COLD = """
import json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
t0 = time.perf_counter()
import cnnviz.nets.model
t1 = time.perf_counter()
import tensorflow
t2 = time.perf_counter()
model = cnnviz.nets.model.load_trained_model()
t3 = time.perf_counter()
cnnviz.nets.model.inspect(model, cnnviz.nets.model.np.zeros((28, 28), "float32"))
t4 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))
"""


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, samples averaging calls over ~20 ms (bench.timing)."""
    return timing.median_seconds_averaged(func, repeats)


def row(name: str, seconds: float, note: str = "") -> None:
    print(f"  {name:40s} {seconds * 1e3:9.2f} ms   {note}")


def cold_start() -> None:
    runs = []
    for _ in range(COLD_RUNS):
        result = subprocess.run(
            [sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    light, tf_import, load, first = (
        statistics.median(column) for column in zip(*runs, strict=True)
    )
    print(f"\nCold start, fresh interpreter (median of {COLD_RUNS})")
    row("import cnnviz.nets.model", light, "(no TensorFlow)")
    row("import tensorflow", tf_import)
    row("load_trained_model()", load, "(build + load weights)")
    row("first inspect()", first, "(first eager calls)")
    row("total", light + tf_import + load + first)


def warm(model, data) -> None:
    digit = data.x_test[0].astype(np.float32) / 255
    kernel, bias = filters(model)
    surgery = {"conv1": (-kernel, bias)}
    print(f"\nWarm, one process (medians of {REPEATS})")
    row("inspect(one digit)", median_seconds(lambda: inspect(model, digit)), "(target < 100 ms)")
    row(
        "inspect(one digit, conv1 overridden)",
        median_seconds(lambda: inspect(model, digit, filter_overrides=surgery)),
        "(target < 100 ms)",
    )
    canvas = np.zeros((280, 280, 4), np.uint8)
    canvas[60:220, 130:150, 3] = 255
    canvas[60:80, 100:190, 3] = 255
    row("preprocess_digit(280x280 RGBA canvas)", median_seconds(lambda: preprocess_digit(canvas)))
    row("preprocess_digit(28x28 MNIST digit)", median_seconds(lambda: preprocess_digit(digit)))
    photo = np.ones((2000, 2000), np.float32)
    photo[300:1700, 900:1100] = 0.0
    row(
        "preprocess_digit(2000x2000 grayscale)",
        median_seconds(lambda: preprocess_digit(photo), repeats=5),
    )
    row(
        "fingerprint(model)",
        median_seconds(lambda: fingerprint(model)),
        "(once per session model: the key of the shared caches)",
    )
    x_test = data.x_test
    seconds = median_seconds(lambda: predict_batch(model, x_test), repeats=5)
    row(
        f"predict_batch({len(x_test)} test digits)",
        seconds,
        f"({seconds / len(x_test) * 1e6:.0f} µs/digit)",
    )


def main() -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow's first import
    import keras
    import tensorflow as tf

    print(f"numpy {np.__version__}, tensorflow {tf.__version__}, keras {keras.__version__}")
    cold_start()
    model = load_trained_model()
    warm(model, load_mnist_subset())


if __name__ == "__main__":
    main()
