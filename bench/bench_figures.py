"""Build time and JSON size of the largest heatmap (:func:`cnnviz.figures.conv.heatmap`).

Run by hand (never in the test suite)::

    python bench/bench_figures.py

Target: a page rerun (build + Streamlit's serialisation) well under 250 ms.
"serialise" is what ``st.plotly_chart`` does with a figure on every rerun:
``figure.to_dict()`` then ``plotly.io.to_json``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.core.trace import conv2d_trace
from cnnviz.figures.conv import heatmap
from cnnviz.i18n import set_language

REPEATS = 9


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, after a warm-up call (:mod:`bench.timing`)."""
    return timing.median_seconds(func, repeats)


def serialise(fig: go.Figure) -> str:
    """Serialise as st.plotly_chart does on every rerun."""
    return plotly.io.to_json(fig.to_dict(), validate=False)


def report(title: str, build: Callable[[], go.Figure]) -> None:
    fig = build()
    size = len(serialise(fig).encode())
    build_s = median_seconds(build)
    serialise_s = median_seconds(lambda: serialise(fig))
    print(f"\n{title}")
    print(f"  JSON {size / 1e6:6.3f} MB")
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
    feature_map = trace.output[..., 0]
    report("heatmap: one 256x256 feature map", lambda: heatmap(feature_map))


if __name__ == "__main__":
    main()
