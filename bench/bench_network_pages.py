"""How long the trained-network and saliency pages take: cold start and reruns.

Run by hand (never in the test suite)::

    python bench/bench_network_pages.py

The cold start runs in a fresh interpreter: Streamlit's AppTest opens the page,
which imports TensorFlow and loads the bundled network (what the first student
of a fresh server waits for). Reruns are medians in this process after a
warm-up, AppTest's own bookkeeping included (an upper bound). Targets: a rerun
for another digit well under 250 ms on the trained-network page; all five
saliency methods for a new digit under 1.5 s.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
sys.path.insert(0, str(ROOT / "bench"))
from bench_pages import median_ms, open_page  # noqa: E402

COLD = """
import time
start = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=300)
at.run()
at.switch_page({page!r}).run()
assert not at.exception, at.exception
print(time.perf_counter() - start)
"""


def cold_start(page: str) -> float:
    """Seconds from a fresh interpreter to the page's first complete run."""
    code = COLD.format(app=str(ROOT / "app.py"), page=page)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(result.stdout.strip().splitlines()[-1])


def trained_network_page() -> None:
    at = open_page("app_pages/trained_network.py", lang="en")
    digits = iter(range(10_000))

    def another_digit() -> None:
        at.number_input(key="digit_index").set_value(next(digits) % 2000).run()

    def another_layer() -> None:
        layer = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")[next(digits) % 6]
        at.segmented_control(key="net_layer").set_value(layer).run()

    print("\ntrained-network page")
    print(f"  rerun, another test digit       {median_ms(another_digit):8.1f} ms")
    print(f"  rerun, another layer's maps     {median_ms(another_layer):8.1f} ms")
    at.segmented_control(key="net_view").set_value("surgery").run()

    def edit_a_filter() -> None:
        bank = at.session_state["net_surgery_bank_bundled"]
        bank[1, 1, 0, 0] += 0.1  # a new kernel every time: nothing cached
        at.run()

    print(f"  rerun, kernel surgery edit      {median_ms(edit_a_filter):8.1f} ms")


def saliency_page() -> None:
    at = open_page("app_pages/saliency.py", lang="en")
    digits = iter(range(1, 10_000))

    def another_digit() -> None:
        at.number_input(key="digit_index").set_value(next(digits) % 2000).run()

    def another_opacity() -> None:
        at.slider(key="sal_opacity").set_value(0.05 * (next(digits) % 20)).run()

    print("\nsaliency page")
    print(f"  rerun, new digit (5 methods)    {median_ms(another_digit, 5):8.1f} ms")
    print(f"  rerun, opacity only (cached)    {median_ms(another_opacity):8.1f} ms")


def main() -> None:
    start = time.perf_counter()
    for page in ("app_pages/trained_network.py", "app_pages/saliency.py"):
        print(f"cold start of {page:32s} {cold_start(page):6.1f} s (TensorFlow + model)")
    trained_network_page()
    saliency_page()
    print(f"\n(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
