"""Build time and JSON size of cnnviz.figures' animations, the numbers a page rerun pays.

Run by hand (never in the test suite)::

    python bench/bench_figures.py

Targets: a 16x16-region animation builds in tens of milliseconds and its JSON
stays under 3 MB; a page rerun (build + Streamlit's serialisation) well under
250 ms. "serialise" is what ``st.plotly_chart`` does with a figure on every
rerun: ``figure.to_dict()`` then ``plotly.io.to_json``.
"""

from __future__ import annotations

import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from cnnviz.figures import conv1d_animation, conv_animation, heatmap, pool_animation
from cnnviz.i18n import set_language
from cnnviz.trace import conv1d_trace, conv2d_trace, pool2d_trace

REPEATS = 9


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call (after a warm-up call)."""
    func()
    return statistics.median(timeit.repeat(func, number=1, repeat=repeats))


def serialise(fig: go.Figure) -> str:
    """Serialise as st.plotly_chart does on every rerun."""
    return plotly.io.to_json(fig.to_dict(), validate=False)


def report(title: str, build: Callable[[], go.Figure]) -> None:
    fig = build()
    size = len(serialise(fig).encode())
    build_s = median_seconds(build)
    serialise_s = median_seconds(lambda: serialise(fig))
    print(f"\n{title}")
    print(f"  frames {len(fig.frames):4d}   JSON {size / 1e6:6.3f} MB (target < 3 MB)")
    print(f"  build      {build_s * 1e3:8.1f} ms (median of {REPEATS})")
    print(f"  serialise  {serialise_s * 1e3:8.1f} ms (st.plotly_chart's to_dict + to_json)")


def main() -> None:
    print(f"numpy {np.__version__}, plotly {plotly.__version__}; language: es")
    set_language("es")  # Spanish: decimal commas everywhere, the longer words
    rng = np.random.default_rng(0)

    image = rng.random((256, 256, 3))
    bank = rng.standard_normal((3, 3, 3, 4))
    trace = conv2d_trace(
        image, bank, padding="same", bias=rng.standard_normal(4), activation="relu"
    )
    trace_s = median_seconds(
        lambda: conv2d_trace(image, bank, padding="same", bias=0.1, activation="relu")
    )
    print(f"\n(conv2d_trace of the 256x256 RGB image, four 3x3x3 filters: {trace_s * 1e3:.1f} ms)")
    report(
        "conv_animation: 256x256 RGB, four 3x3x3 filters, region 16x16, filter 2",
        lambda: conv_animation(trace, filter=2, region=(100, 116, 40, 56)),
    )
    grey = conv2d_trace(rng.random((64, 64)), rng.standard_normal((5, 5)), padding="same")
    report(
        "conv_animation: 64x64 grey, 5x5 kernel, region 16x16, values and weights written",
        lambda: conv_animation(grey, show_values=True, show_weights=True),
    )

    pooled = pool2d_trace(rng.random((256, 256)), 2)
    report("pool_animation: 256x256, 2x2 max, default region 8x8", lambda: pool_animation(pooled))
    report(
        "pool_animation: 256x256, 2x2 max, region 16x16",
        lambda: pool_animation(pooled, region=(0, 16, 0, 16)),
    )
    averaged = pool2d_trace(rng.random((256, 256, 3)), 3, strides=2, padding="same", op="average")
    report(
        "pool_animation: 256x256x3, 3x3 average, stride 2, same, region 16x16",
        lambda: pool_animation(averaged, channel=1, region=(0, 16, 0, 16)),
    )

    signal = np.sin(np.linspace(0, 12, 200)) + 0.2 * rng.standard_normal(200)
    line = conv1d_trace(signal, [1.0, 0.0, -1.0], padding="same")
    report(
        "conv1d_animation: 200 samples, kernel 3, same (200 frames)", lambda: conv1d_animation(line)
    )

    feature_map = trace.output[..., 0]
    report("heatmap: one 256x256 feature map (no frames)", lambda: heatmap(feature_map))


if __name__ == "__main__":
    main()
