"""Training throughput of the course's MNIST model: live view on against plain ``model.fit``.

Run by hand (never in the test suite)::

    python bench/bench_training.py [--epochs 3] [--samples 4000] [--repeats 3]

Both arms train the same architecture (fresh weights each time, same seed) on
the same prepared data in this process, with SGD, learning rate 0.01 and
batches of 32, after one warm-up epoch each (tracing). The plain arm calls
``model.fit`` with no callbacks and ``verbose=0``; the live arm adds the callback of
:func:`cnnviz.nets.training.train` (:func:`cnnviz.nets.live.live_callback`), which records
every 5 batches and reports at most every 0.5 s (like the page) to a reporter that builds the
curves figure (:func:`cnnviz.figures.training.curves`) and, at each epoch's
end, the filter and map grids, as the page draws them; the page also sends them
to the browser, which this does not measure. ``train`` also snapshots the
first layer's filters and maps each epoch. Both arms validate each epoch; samples per
second count the training images.
Target: overhead under 15%.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from cnnviz.content.gallery import course_mnist
from cnnviz.figures import network as network_figures
from cnnviz.figures import training as figs
from cnnviz.nets import training
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.live import Progress, history_frame, live_callback
from cnnviz.nets.training_data import Prepared, prepare_data


def fresh_model(data: Prepared, settings: training.Settings) -> Any:
    """Build the course model and train it one epoch, so that tracing is not timed."""
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    model.fit(data.x_train, data.y_train, batch_size=settings.batch_size, epochs=1, verbose=0)
    return model


def timed_fit(model: Any, data: Prepared, settings: training.Settings, callbacks: list) -> float:
    """Seconds ``model.fit`` takes for ``settings.epochs`` epochs, validating each."""
    start = time.perf_counter()
    model.fit(
        data.x_train,
        data.y_train,
        batch_size=settings.batch_size,
        epochs=settings.epochs,
        validation_data=(data.x_val, data.y_val),
        callbacks=callbacks,
        verbose=0,
    )
    return time.perf_counter() - start


def plain(data: Prepared, settings: training.Settings) -> float:
    return timed_fit(fresh_model(data, settings), data, settings, [])


def live(data: Prepared, settings: training.Settings) -> tuple[float, int]:
    model = fresh_model(data, settings)
    reports = 0

    def reporter(progress: Progress) -> None:
        nonlocal reports
        reports += 1
        figs.curves(history_frame(progress.rows), epochs=progress.epochs).to_plotly_json()
        if progress.epoch_end and progress.snapshots:
            snap = progress.snapshots[-1]
            network_figures.map_grid(snap.filters[..., :16], signed=True).to_plotly_json()
            network_figures.map_grid(snap.maps[..., :16]).to_plotly_json()

    callback = live_callback(
        reporter=reporter, report_every=0.5, probe=data.x_val[0], record_every=5
    )
    return timed_fit(model, data, settings, [callback]), reports


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = prepare_data(load_mnist_subset(), samples=args.samples)
    settings = training.Settings(epochs=args.epochs, batch_size=32)
    images = len(data.x_train) * args.epochs
    plain_times, live_times, report_counts = [], [], []
    for _ in range(args.repeats):  # interleaved, so both arms see the same machine load
        plain_times.append(plain(data, settings))
        seconds, reports = live(data, settings)
        live_times.append(seconds)
        report_counts.append(reports)
    plain_rate = images / statistics.median(plain_times)
    live_rate = images / statistics.median(live_times)
    overhead = 1 - live_rate / plain_rate
    print(f"course MNIST model, {len(data.x_train)} images x {args.epochs} epochs, batch 32")
    print(f"plain model.fit   : {plain_rate:8.0f} images/s  (runs {plain_times})")
    print(f"with the live view: {live_rate:8.0f} images/s  (runs {live_times}, "
          f"reports {report_counts})")  # fmt: skip
    print(f"overhead          : {100 * overhead:5.1f} %  (target < 15 %)")


if __name__ == "__main__":
    main()
