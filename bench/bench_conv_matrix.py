"""Speed of the convolution matrix: building it, using it, packing it, and the page's reruns.

Run by hand (never in the test suite)::

    python bench/bench_conv_matrix.py

Every figure is the median over repeated runs in this one process; ratios compare
against a reference in the same run:

- building :func:`cnnviz.core.conv_matrix.conv_matrix` against one ``conv2d`` of
  the same input, and against the textbook way of getting the matrix (``conv2d`` of
  every unit input, one column at a time);
- ``M @ x`` (sparse) and ``im2col(x) @ K`` against ``conv2d``;
- packing the drawing for the browser (entries, texts, readouts) and the size of
  what is sent, for the page's sizes up to the cap;
- the page through AppTest: a rerun with nothing new, and one with a new input
  (target: reruns under 250 ms).
"""

from __future__ import annotations

import json
import statistics
import sys
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from streamlit.testing.v1 import AppTest  # noqa: E402

from cnnviz.core.conv import conv2d  # noqa: E402
from cnnviz.core.conv_matrix import conv_matrix, im2col  # noqa: E402
from cnnviz.core.kernels import get_kernel  # noqa: E402
from cnnviz.ui.conv_settings import ConvSettings  # noqa: E402
from cnnviz.ui.matrix_view import drawing_data, example_input, matrix_result  # noqa: E402

REPEATS = 9
CASES = {  # name: (input shape, kernel, conv2d settings)
    "6x6, 3x3 valid": ((6, 6), get_kernel("sobel_x"), {}),
    "8x8, 3x3 same": ((8, 8), get_kernel("sobel_x"), {"padding": "same"}),
    "8x8, 7x7 full (cap)": ((8, 8), np.ones((7, 7)), {"padding": "full"}),
    "28x28x3, 16 filters": ((28, 28, 3), np.ones((3, 3, 3, 16)), {"padding": "same"}),
}


def median_ms(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call in ms, each sample averaging enough calls to last ~20 ms."""
    func()
    number, _ = timeit.Timer(func).autorange()
    number = max(1, number // 10)
    times = timeit.repeat(func, number=number, repeat=repeats)
    return statistics.median(t / number for t in times) * 1e3


def by_unit_inputs(shape: tuple[int, ...], kernel: np.ndarray, settings: dict) -> np.ndarray:
    """Build the matrix the textbook way: column j is the convolution of the j-th unit input."""
    columns = []
    for j in range(int(np.prod(shape))):
        unit = np.zeros(int(np.prod(shape)))
        unit[j] = 1.0
        columns.append(conv2d(unit.reshape(shape), kernel, **settings).ravel())
    return np.stack(columns, axis=1)


def building() -> None:
    print("\nbuilding the matrix (ms; ratios against the same run's conv2d and unit inputs)")
    print(
        f"  {'case':22s} {'matrix':>8s} {'conv2d':>8s} {'ratio':>6s} {'by units':>9s} {'ratio':>6s}"
    )
    for name, (shape, kernel, settings) in CASES.items():
        x = np.random.default_rng(0).normal(size=shape)
        ours = median_ms(lambda s=shape, k=kernel, o=settings: conv_matrix(s, k, **o))
        conv = median_ms(lambda x=x, k=kernel, o=settings: conv2d(x, k, **o))
        units = median_ms(lambda s=shape, k=kernel, o=settings: by_unit_inputs(s, k, o), 3)
        print(
            f"  {name:22s} {ours:8.3f} {conv:8.3f} {ours / conv:6.1f} {units:9.2f}"
            f" {units / ours:5.0f}x"
        )


def using() -> None:
    print("\nusing it: one product (ms; ratio against conv2d)")
    print(f"  {'case':22s} {'M @ x':>8s} {'im2col@K':>9s} {'conv2d':>8s} {'M@x/conv':>9s}")
    for name, (shape, kernel, settings) in CASES.items():
        x = np.random.default_rng(0).normal(size=shape)
        matrix = conv_matrix(shape, kernel, **settings).matrix
        flat = x.ravel()
        product = median_ms(lambda m=matrix, f=flat: m @ f)
        conv = median_ms(lambda x=x, k=kernel, o=settings: conv2d(x, k, **o))
        if kernel.ndim == 2:
            im2col_ms = median_ms(
                lambda x=x, k=kernel, o=settings: im2col(x, k.shape, **o) @ k.reshape(-1, 1)
            )
        else:
            im2col_ms = median_ms(
                lambda x=x, k=kernel, o=settings: (
                    im2col(x, k.shape[:2], **o) @ k.reshape(-1, k.shape[3])
                )
            )
        print(f"  {name:22s} {product:8.3f} {im2col_ms:9.3f} {conv:8.3f} {product / conv:9.2f}")


def packing() -> None:
    print("\npacking the drawing for the browser (no cache: ms, and what is sent)")
    for name, (shape, kernel, settings) in list(CASES.items())[:3]:
        image = example_input(*shape, 0)
        options = ConvSettings(
            settings.get("padding", "valid"), "zeros", (1, 1), (1, 1), False, 0.0, None
        )

        def pack(image=image, kernel=kernel, options=options) -> dict:
            drawing_data.clear()
            matrix_result.clear()
            return drawing_data(image, kernel, options, "matrix", "es")

        sent = len(json.dumps(pack(), ensure_ascii=False).encode())
        print(f"  {name:22s} {median_ms(pack, 5):8.1f} ms   {sent / 1e3:7.1f} kB of JSON")


def page() -> None:
    print("\nthe page through AppTest (ms per rerun)")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "es"
    at.run()
    at.switch_page("app_pages/conv_matrix.py").run()
    for size, padding in ((6, "valid"), (8, "same")):
        at.number_input(key="matrix_size_rows").set_value(size)
        at.number_input(key="matrix_size_cols").set_value(size)
        at.selectbox(key="matrix_pad").set_value(padding).run()
        assert not at.exception, at.exception
        seeds = iter(range(1, 10_000))

        def new_input(at=at, seeds=seeds) -> None:
            at.number_input(key="matrix_seed").set_value(next(seeds)).run()

        rerun = median_ms(at.run, 7)
        fresh = median_ms(new_input, 7)
        print(f"  {size}x{size} {padding:5s}  rerun {rerun:7.1f}   new input {fresh:7.1f}")


def main() -> None:
    building()
    using()
    packing()
    page()


if __name__ == "__main__":
    main()
