"""How long a page's script takes to rerun, and how big its animation is.

Run by hand (never in the test suite)::

    python bench/bench_pages.py

Each page runs in Streamlit's AppTest, in this process, as a browser session
would run it on the server (AppTest's own bookkeeping is included, so the
figures are an upper bound). Medians over repeated reruns after a warm-up.
Target for the convolution page: a full rerun for a 256x256 RGB image with four
filters under 250 ms (the stage's own figures are in bench_stage.py). Target for the shapes
and architectures page: a rerun under 250 ms in every view, ResNet-34 included.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from streamlit.testing.v1 import AppTest  # noqa: E402

from cnnviz.core.kernels import get_kernel  # noqa: E402
from tests.app import helpers  # noqa: E402

REPEATS = 9


def median_ms(action: Callable[[], None], repeats: int = REPEATS) -> float:
    """Median wall time of ``action`` in milliseconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def open_page(path: str, **params: str) -> AppTest:
    """Open a page as a shared link does, with room for large inputs."""
    return helpers.open_page(path, timeout=120, **params)


def four_filters() -> np.ndarray:
    """Sobel x and y, a Laplacian and a box blur, on each of the three channels."""
    kernels = [get_kernel(k) for k in ("sobel_x", "sobel_y", "laplacian_4", "box_blur_3x3")]
    return np.stack([np.repeat(k[:, :, None], 3, axis=2) for k in kernels], axis=-1)


def convolution_page() -> None:
    at = open_page("app_pages/convolution.py", lang="en", conv_sample="astronaut", conv_size="256")
    at.session_state["conv_bank"] = four_filters()
    at.run()
    image, bank = at.session_state["conv_last_trace"][1:3]
    print(f"\nconvolution page: input {image.shape}, filter bank {bank.shape}")
    rows = iter(range(10_000))

    def inspect_another_cell() -> None:
        at.number_input(key="conv_row").set_value(next(rows) % 200).run()

    def change_the_kernel() -> None:
        bank = at.session_state["conv_bank"].copy()
        bank[1, 1] += 1.0  # a new kernel every time: nothing cached
        at.session_state["conv_bank"] = bank
        at.run()

    print(f"  rerun, inspect another cell     {median_ms(inspect_another_cell):8.1f} ms")
    print(f"  rerun, new kernel (no cache)    {median_ms(change_the_kernel):8.1f} ms")


def pooling_page() -> None:
    at = open_page(
        "app_pages/pooling.py",
        lang="en",
        pool_course="false",
        pool_sample="astronaut",
        pool_size="256",
    )
    image = at.session_state["pool_last_input"].pixels
    print(f"\npooling page: input {image.shape}")
    rows = iter(range(10_000))

    def inspect_another_cell() -> None:
        at.number_input(key="pool_row").set_value(next(rows) % 100).run()

    print(f"  rerun, inspect another cell     {median_ms(inspect_another_cell):8.1f} ms")


def architectures_page() -> None:
    """Each view of the shapes and architectures page; the gallery with ResNet-34."""
    import streamlit as st

    print("\narchitectures page")
    at = open_page("app_pages/architectures/page.py", lang="en")
    kernels = iter(range(10_000))

    def change_the_kernel() -> None:
        at.number_input(key="arch_calc_k").set_value(1 + next(kernels) % 5).run()

    print(f"  calculator, change the kernel   {median_ms(change_the_kernel):8.1f} ms")

    at = open_page("app_pages/architectures/page.py", lang="en", arch_view="builder")
    rows = iter(range(10_000))

    def change_the_input() -> None:  # a new input shape: a new summary, new figures
        at.number_input(key="arch_in_h").set_value(28 + next(rows) % 200).run()

    print(f"  builder, new input rows         {median_ms(change_the_input):8.1f} ms")

    st.cache_data.clear()
    st.cache_resource.clear()
    start = time.perf_counter()
    at = open_page(
        "app_pages/architectures/page.py", lang="en", arch_view="gallery", arch_model="resnet34"
    )
    print(
        f"  gallery, ResNet-34, first visit {(time.perf_counter() - start) * 1e3:8.1f} ms"
        "   (AppTest start-up and app.py included)"
    )
    print(f"  gallery, ResNet-34, rerun       {median_ms(at.run):8.1f} ms")
    grouped = iter(range(10_000))

    def toggle_boxes() -> None:  # one box per layer and back: both cached after the first
        at.toggle(key="arch_gallery_grouped").set_value(next(grouped) % 2 == 0).run()

    print(f"  gallery, ResNet-34, regroup     {median_ms(toggle_boxes):8.1f} ms")

    at = open_page("app_pages/architectures/page.py", lang="en", quiz_seed="4217")
    numbers = iter(range(10_000))

    def next_question() -> None:
        at.number_input(key="quiz_q").set_value(1 + next(numbers) % 900).run()

    print(f"  quiz, another question          {median_ms(next_question):8.1f} ms")


def main() -> None:
    convolution_page()
    pooling_page()
    architectures_page()


if __name__ == "__main__":
    main()
