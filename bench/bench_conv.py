"""Speed of cnnviz.core.conv against SciPy, OpenCV and TensorFlow, and of one trace step.

Run by hand (never in the test suite)::

    python bench/bench_conv.py

Every figure is the median over repeated runs in this one process, so the
ratios compare like with like on whatever machine runs it. Targets: the
single-channel ``conv2d`` within 2x of ``scipy.signal.correlate2d``, one
``trace.step()`` under 50 µs.

Building a trace of a 64x64 image, against ``conv2d`` in the same run (CPU time
per call, 10th percentile, one BLAS thread; ``python bench/bench_conv.py trace``
runs only this part). Before ``ConvSpec`` the trace called ``conv2d`` and then
checked, resolved and padded everything again; now both start from one
:func:`cnnviz.core.conv.conv_spec` and the trace keeps its padded input:

==========================  =========  ==============  =====  ==============  =====
64x64, ``padding="same"``   ``conv2d`` before: trace   ratio  after: trace    ratio
==========================  =========  ==============  =====  ==============  =====
one 3x3 kernel              ~190 µs    ~302 µs         1.60   ~224 µs         1.13
3 channels, 8 filters       ~425 µs    ~552 µs         1.30   ~457 µs         1.06
==========================  =========  ==============  =====  ==============  =====
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
import scipy.signal

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.core.conv import conv2d
from cnnviz.core.trace import conv2d_trace

REPEATS = 15


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, samples averaging calls over ~20 ms (bench.timing)."""
    return timing.median_seconds_averaged(func, repeats)


def report(title: str, ours: float, references: dict[str, float]) -> None:
    print(f"\n{title}")
    print(f"  {'cnnviz conv2d':28s} {ours * 1e3:9.3f} ms")
    for name, seconds in references.items():
        print(f"  {name:28s} {seconds * 1e3:9.3f} ms   cnnviz / this = {ours / seconds:5.2f}x")


def single_channel(tf) -> None:
    rng = np.random.default_rng(0)
    image = rng.random((512, 512))
    kernel = rng.standard_normal((3, 3))
    image32, kernel32 = image.astype(np.float32), kernel.astype(np.float32)
    tf_image = tf.constant(image32[None, :, :, None])
    tf_kernel = tf.constant(kernel32[:, :, None, None])
    ours = median_seconds(lambda: conv2d(image, kernel))
    report(
        "512x512 single channel, 3x3 kernel, valid padding",
        ours,
        {
            "scipy.signal.correlate2d": median_seconds(
                lambda: scipy.signal.correlate2d(image, kernel, mode="valid")
            ),
            "cv2.filter2D (float64)": median_seconds(
                lambda: cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_CONSTANT)
            ),
            "tf.nn.conv2d (float32)": median_seconds(
                lambda: tf.nn.conv2d(tf_image, tf_kernel, 1, "VALID").numpy()
            ),
        },
    )


def rgb_bank(tf) -> None:
    rng = np.random.default_rng(1)
    image = rng.random((256, 256, 3))
    bank = rng.standard_normal((3, 3, 3, 8))
    tf_image = tf.constant(image[None].astype(np.float32))
    tf_bank = tf.constant(bank.astype(np.float32))

    def scipy_bank() -> np.ndarray:
        return np.stack(
            [
                sum(
                    scipy.signal.correlate2d(image[..., c], bank[:, :, c, f], mode="valid")
                    for c in range(3)
                )
                for f in range(8)
            ],
            axis=-1,
        )

    def cv2_bank() -> np.ndarray:
        return np.stack(
            [
                sum(cv2.filter2D(image[..., c], -1, bank[:, :, c, f]) for c in range(3))
                for f in range(8)
            ],
            axis=-1,
        )

    ours = median_seconds(lambda: conv2d(image, bank))
    report(
        "256x256 RGB, eight 3x3x3 filters, valid padding",
        ours,
        {
            "scipy.signal.correlate2d x24": median_seconds(scipy_bank),
            "cv2.filter2D x24 (float64)": median_seconds(cv2_bank),
            "tf.nn.conv2d (float32)": median_seconds(
                lambda: tf.nn.conv2d(tf_image, tf_bank, 1, "VALID").numpy()
            ),
        },
    )


def trace_step() -> None:
    rng = np.random.default_rng(2)
    image = rng.random((512, 512))
    kernel = rng.standard_normal((3, 3))
    build = median_seconds(lambda: conv2d_trace(image, kernel, padding="same"), repeats=5)
    trace = conv2d_trace(image, kernel, padding="same")
    indices = iter(rng.integers(0, len(trace), size=10_000_000))
    step = median_seconds(lambda: trace.step(int(next(indices))))
    formula = median_seconds(lambda: trace.step(int(next(indices))).formula())
    print("\n512x512 trace, 3x3 kernel, same padding")
    print(f"  {'conv2d_trace (build)':28s} {build * 1e3:9.3f} ms   ({len(trace)} steps, lazy)")
    print(f"  {'trace.step(i)':28s} {step * 1e6:9.1f} µs   (target < 50 µs)")
    print(f"  {'trace.step(i).formula()':28s} {formula * 1e6:9.1f} µs")


def cpu_microseconds(func: Callable[[], object], calls: int = 200, rounds: int = 5) -> float:
    """CPU time of one call in µs: the 10th percentile of ``calls`` calls, best of ``rounds``.

    CPU time, not wall time, so that other work on a shared machine weighs less.
    """
    func()  # warm-up
    best = []
    for _ in range(rounds):
        samples = []
        for _ in range(calls):
            start = time.process_time_ns()
            func()
            samples.append(time.process_time_ns() - start)
        best.append(sorted(samples)[calls // 10] / 1e3)
    return min(best)


def trace_build() -> None:
    rng = np.random.default_rng(3)
    cases = {
        "one 3x3 kernel": (rng.random((64, 64)), rng.standard_normal((3, 3))),
        "3 channels, 8 filters": (rng.random((64, 64, 3)), rng.standard_normal((3, 3, 3, 8))),
    }
    print("\n64x64 trace build against conv2d, same padding (CPU µs per call)")
    for name, (image, kernel) in cases.items():
        ours = cpu_microseconds(lambda x=image, k=kernel: conv2d(x, k, padding="same"))
        trace = cpu_microseconds(lambda x=image, k=kernel: conv2d_trace(x, k, padding="same"))
        print(
            f"  {name:24s} conv2d {ours:8.1f}  conv2d_trace {trace:8.1f}  ratio {trace / ours:.2f}"
        )


def main() -> None:
    if sys.argv[1:] == ["trace"]:
        trace_build()
        return
    import tensorflow as tf  # imported here: the comparison needs it, cnnviz does not

    print(
        f"numpy {np.__version__}, scipy {scipy.__version__}, opencv {cv2.__version__}, "
        f"tensorflow {tf.__version__}; medians of {REPEATS} runs"
    )
    single_channel(tf)
    rgb_bank(tf)
    trace_step()
    trace_build()


if __name__ == "__main__":
    main()
