"""Speed of the five saliency methods on one 28x28 digit and the bundled MNIST network.

Run by hand (never in the test suite)::

    python bench/bench_saliency.py

Uses ``cnnviz.nets.model.load_trained_model()`` when the module and its weights are
there, otherwise an untrained network with the same layers and shapes (the
time does not depend on the weights). Every figure is the median of
:data:`REPEATS` warm calls (after one call that builds the score and Grad-CAM
models and lets TensorFlow settle); the first, cold ``compute_all`` is shown
too, since a student's first click pays it. Target (issue 4): all five
together under 1.5 s on two cores.
"""

from __future__ import annotations

import inspect
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled
from bench import timing
from cnnviz.nets import saliency

REPEATS = 7
TARGET_SECONDS = 1.5


def median_seconds(func: Callable[[], object], repeats: int = REPEATS) -> float:
    """Median wall time of one call, after a warm-up call (:mod:`bench.timing`)."""
    return timing.median_seconds(func, repeats)


def untrained_model():
    """Build the bundled network's architecture, randomly initialised."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(28, 28, 1), name="digit")
    x = layers.Conv2D(16, 3, name="conv1")(inputs)
    x = layers.Activation("relu", name="relu1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(32, 3, name="conv2")(x)
    x = layers.Activation("relu", name="relu2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(0.25, name="dropout")(x)
    x = layers.Dense(10, name="logits")(x)
    return keras.Model(inputs, layers.Activation("softmax", name="softmax")(x))


def network_and_digit() -> tuple[object, np.ndarray, str]:
    """Return the trained network and a real test digit if bundled, else stand-ins."""
    try:
        from cnnviz.nets.model import load_trained_model

        model, which = load_trained_model(), "trained (cnnviz.nets.model.load_trained_model)"
    except (ImportError, FileNotFoundError) as err:
        model, which = untrained_model(), f"untrained stand-in ({type(err).__name__})"
    try:
        from cnnviz.nets.datasets import load_mnist_subset

        digit = load_mnist_subset().x_test[0].astype(np.float32) / 255
    except (ImportError, FileNotFoundError):
        digit = np.zeros((28, 28), np.float32)
        digit[6:22, 12:16] = 1.0  # a "1"
    return model, digit, which


def main() -> None:
    import keras
    import tensorflow as tf

    start = time.perf_counter()
    model, digit, which = network_and_digit()
    load = time.perf_counter() - start
    class_index = int(np.argmax(model(digit[None, :, :, None], training=False)))
    print(
        f"tensorflow {tf.__version__}, keras {keras.__version__}, {os.cpu_count()} CPUs; "
        f"medians of {REPEATS} warm runs"
    )
    print(f"network: {which}, loaded in {load:.2f} s; class explained: {class_index}")
    print(
        f"layers for Grad-CAM: {', '.join(saliency.conv_layer_names(model))}; "
        f"default {saliency.default_cam_layer(model)}"
    )

    start = time.perf_counter()
    saliency.compute_all(model, digit, class_index)
    cold = time.perf_counter() - start

    print("\n28x28 digit, default settings")
    total = 0.0
    for method_id, method in saliency.METHODS.items():
        seconds = median_seconds(lambda f=method.function: f(model, digit, class_index))
        total += seconds
        options = ", ".join(
            f"{name}={value.default}"
            for name, value in inspect.signature(method.function).parameters.items()
            if value.kind is value.KEYWORD_ONLY
        )
        print(f"  {method_id:24s} {seconds * 1e3:9.1f} ms   ({options})")
    together = median_seconds(lambda: saliency.compute_all(model, digit, class_index))
    verdict = "meets" if together < TARGET_SECONDS else "MISSES"
    print(f"  {'sum of the five':24s} {total * 1e3:9.1f} ms")
    print(
        f"  {'compute_all (warm)':24s} {together * 1e3:9.1f} ms   "
        f"{verdict} the {TARGET_SECONDS} s target"
    )
    print(f"  {'compute_all (first call)':24s} {cold * 1e3:9.1f} ms   (builds the score models)")


if __name__ == "__main__":
    main()
