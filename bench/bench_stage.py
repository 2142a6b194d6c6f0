"""The stage in Chromium: frame times while playing, hover latency, data size, click to inspector.

Run by hand (never in the test suite)::

    python bench/bench_stage.py

It starts ``streamlit run app.py`` on a free local port, opens the convolution
page in Debian's Chromium (headless, 1280x720) on a 256x256 RGB photo with four
3x3x3 filters and "same" padding, and measures, in the browser:

- the frame interval and the stage's own work per frame while it plays at top
  speed, over 300 frames (targets: median interval <= 16.7 ms, 95th percentile
  <= 33 ms);
- pointer over an output cell to its arithmetic written (target <= 50 ms), as the
  time of the pointer handler and until the next frame is painted;
- the bytes the stage is sent for that input (target <= 1.5 MB), with what the
  same numbers would weigh as float64 and as JSON text, for reference;
- a click on a cell to the page's inspector showing that cell (target <= 400 ms).

Headless Chromium paints without a GPU here, so frame intervals are an upper bound.
Reruns of the page itself are measured in ``bench_pages.py`` (AppTest).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from playwright.sync_api import sync_playwright  # noqa: E402

from cnnviz.content import links, samples  # noqa: E402
from cnnviz.core.kernels import get_kernel  # noqa: E402
from cnnviz.core.stage import conv_stage_data  # noqa: E402
from cnnviz.core.trace import conv2d_trace  # noqa: E402
from tests.e2e.server import streamlit_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
FRAMES = 300
CLICKS = 10
HOVERS = 40


def four_filters() -> np.ndarray:
    """Sobel x and y, a Laplacian and a box blur, each on the three channels (as bench_pages)."""
    kernels = [get_kernel(k) for k in ("sobel_x", "sobel_y", "laplacian_4", "box_blur_3x3")]
    return np.stack([np.repeat(k[:, :, None], 3, axis=2) for k in kernels], axis=-1)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def data_size() -> None:
    image = samples.load_sample("astronaut", size=256)
    trace = conv2d_trace(image, four_filters(), padding="same", activation="relu")
    start = time.perf_counter()
    data = conv_stage_data(trace)
    packed_ms = (time.perf_counter() - start) * 1e3
    header = len(json.dumps(data.header))
    floats = (trace.padded.size + trace.output.size) * 8
    as_text = len(json.dumps([trace.padded.round(3).tolist(), trace.output.round(3).tolist()]))
    print(f"data for a 256x256 RGB input, four 3x3x3 filters (packed in {packed_ms:.0f} ms):")
    print(
        f"  sent: blob {len(data.blob) / 1e6:.2f} MB + header {header / 1e3:.1f} kB"
        f" = {(len(data.blob) + header) / 1e6:.2f} MB   (target <= 1.5 MB)"
    )
    print(
        f"  the same numbers as float64: {floats / 1e6:.2f} MB; as JSON text: "
        f"{as_text / 1e6:.2f} MB"
    )


PLAY = """async ([frames]) => {
  const s = window.__cnnvizStages.conv_stage;
  const work = [];
  const original = s.frame;
  s.frame = (now) => { const t0 = performance.now(); original(now);
                       work.push(performance.now() - t0); };
  s.setSpeed(7);
  s.start();
  const stamps = [];
  await new Promise((done) => {
    const tick = (now) => { stamps.push(now); if (stamps.length > frames) done();
                            else requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
  });
  const steps = s.step;
  s.stop();
  s.frame = original;
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
  return {gaps, work, steps, seconds: (stamps.at(-1) - stamps[0]) / 1000};
}"""

HOVER = """async ([count]) => {
  const s = window.__cnnvizStages.conv_stage;
  const canvas = s.outCanvas;
  const rect = canvas.getBoundingClientRect();
  const handler = [], painted = [];
  for (let i = 0; i < count; i++) {
    const r = (i * 37) % s.rows, c = (i * 53) % s.cols;
    const t0 = performance.now();
    canvas.dispatchEvent(new PointerEvent("pointermove", {bubbles: true,
      clientX: rect.left + (c + 0.5) * s.outCell, clientY: rect.top + (r + 0.5) * s.outCellY}));
    const t1 = performance.now();
    if (!s.cellEl.textContent.includes(`(${r}, ${c})`)) throw new Error("not shown");
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    handler.push(t1 - t0); painted.push(performance.now() - t0);
  }
  return {handler, painted};
}"""


def browser_figures(url: str) -> None:
    query = (
        f"conv_sample=astronaut&conv_size=256&conv_pad=same&conv_act=relu"
        f"&k={links.encode_bank(four_filters())}"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"{url}/convolution?lang=en&{query}")
        page.wait_for_function(
            "() => window.__cnnvizStages && window.__cnnvizStages.conv_stage"
            " && window.__cnnvizStages.conv_stage.inputImage",
            timeout=120_000,
        )
        page.wait_for_timeout(2000)
        played = page.evaluate(PLAY, [FRAMES])
        gaps, work = played["gaps"], played["work"]
        print(
            f"\nplaying at top speed ({FRAMES} frames, {played['steps']} steps in "
            f"{played['seconds']:.1f} s):"
        )
        print(
            f"  frame interval  median {statistics.median(gaps):5.1f} ms, 95th percentile "
            f"{percentile(gaps, 95):5.1f} ms   (targets 16.7 and 33 ms)"
        )
        print(
            f"  stage's work    median {statistics.median(work):5.1f} ms, 95th percentile "
            f"{percentile(work, 95):5.1f} ms per frame"
        )
        rate = played["steps"] / played["seconds"]
        print(
            f"  {rate:.0f} steps/s: a 64x64 map (4,096 steps) plays in {4096 / rate:.1f} s"
            f"   (target < 20 s)"
        )

        hovered = page.evaluate(HOVER, [HOVERS])
        print(f"\npointer over an output cell ({HOVERS} cells):")
        print(
            f"  arithmetic written     median {statistics.median(hovered['handler']):5.1f} ms,"
            f" max {max(hovered['handler']):5.1f} ms"
        )
        print(
            f"  and painted on screen  median {statistics.median(hovered['painted']):5.1f} ms,"
            f" max {max(hovered['painted']):5.1f} ms   (target 50 ms)"
        )

        times = []
        for i in range(CLICKS):
            row, col = 10 + 17 * i, 40 + 11 * i
            canvas = page.get_by_test_id("stage-output")
            canvas.scroll_into_view_if_needed()
            box = canvas.bounding_box()
            cell = page.evaluate("() => window.__cnnvizStages.conv_stage.outCell")  # square
            page.evaluate("""() => { window.__changed = null; const el = document.querySelector(
                "[data-testid='stCode']"); new MutationObserver(() => {
                window.__changed = window.__changed || performance.now(); }).observe(
                el, {subtree: true, childList: true, characterData: true}); }""")
            start = page.evaluate("() => performance.now()")
            page.mouse.click(box["x"] + (col + 0.5) * cell, box["y"] + (row + 0.5) * cell)
            page.wait_for_function("() => window.__changed !== null", timeout=20_000)
            page.wait_for_timeout(300)
            # Cells are under a pixel wide here: the click picks the cell at that pixel.
            chosen = page.evaluate("() => window.__cnnvizStages.conv_stage.step")
            assert abs(chosen - (row * 256 + col)) <= 257, (row, col, chosen)
            times.append(page.evaluate("() => window.__changed") - start)
        print(
            f"\nclick on a cell to the page's inspector updated ({CLICKS} clicks): median "
            f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms   (target 400 ms)"
        )
        browser.close()


def main() -> None:
    data_size()
    with streamlit_server() as url:
        browser_figures(url)


if __name__ == "__main__":
    main()
