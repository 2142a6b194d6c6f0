"""The training page's presets on the bundled CIFAR-10 subset: seconds per epoch, and accuracy.

Run by hand (never in the test suite), niced on a shared machine::

    nice -n 10 python bench/bench_training_presets.py [--repeats 1] [--course-epochs 1]

Each preset of :data:`cnnviz.nets.training.TRAINING_PRESETS` trains as the page
trains it (:func:`cnnviz.nets.training.train`, the live callback and its
checkpoint included, the first epoch's tracing included: that is what a
lecture waits for) on the bundled subset (4,000 training + 1,000 validation
images, 2,000 test images). The quick demo runs its own epochs; the course's
exercise (a 1.25-million-parameter network, SGD) runs ``--course-epochs``
epochs as the reference: the ratio says how many times faster an epoch of the
quick demo is, measured in the same run under the same load.
Target: the quick demo's whole training under 60 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from cnnviz.content.gallery import PRESETS as NETWORKS
from cnnviz.nets import training
from cnnviz.nets.datasets import load_cifar_subset
from cnnviz.nets.training_data import Prepared, prepare_data


def run(data: Prepared, preset: training.TrainingPreset, epochs: int) -> tuple[float, float, float]:
    """Train a preset ``epochs`` epochs; return seconds per epoch, total seconds, test accuracy."""
    settings = replace(preset.settings, epochs=epochs)
    start = time.perf_counter()
    model = training.build_model(NETWORKS[preset.network](10), data.input_shape, 10, settings)
    result = training.train(model, data, settings)
    seconds = time.perf_counter() - start
    return seconds / result.epochs_done, seconds, result.test_accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--course-epochs", type=int, default=1)
    args = parser.parse_args()
    data = prepare_data(load_cifar_subset(), samples=training.CIFAR_SAMPLES)
    quick = training.TRAINING_PRESETS["quick_demo"]
    course = training.TRAINING_PRESETS["course_cifar"]
    rows = {"quick": [], "course": []}
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        rows["quick"].append(run(data, quick, quick.settings.epochs))
        rows["course"].append(run(data, course, args.course_epochs))
    per_epoch = {name: statistics.median(r[0] for r in runs) for name, runs in rows.items()}
    print(f"bundled CIFAR-10: {len(data.x_train)} training images, {len(data.x_test)} test")
    print(f"{'preset':<28}{'epochs':>7}{'s/epoch':>9}{'total s':>9}{'test acc':>10}")
    for name, preset, epochs in (
        ("quick demo (Adam)", quick, quick.settings.epochs),
        ("course's exercise (SGD)", course, args.course_epochs),
    ):
        key = "quick" if preset is quick else "course"
        total = statistics.median(r[1] for r in rows[key])
        accuracy = statistics.median(r[2] for r in rows[key])
        print(f"{name:<28}{epochs:>7}{per_epoch[key]:>9.1f}{total:>9.1f}{accuracy:>10.1%}")
    print(f"an epoch of the course's network takes {per_epoch['course'] / per_epoch['quick']:.1f}x "
          f"the quick demo's; quick demo whole: target < 60 s")  # fmt: skip


if __name__ == "__main__":
    main()
