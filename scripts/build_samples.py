"""Copy a few public-domain/CC0 photos from scikit-image into ``assets/images/``.

Run by hand from the repository root when the sample photos need rebuilding::

    pip install scikit-image==0.26.0 && python scripts/build_samples.py

scikit-image is *not* a dependency of cnnviz (neither runtime nor tests): it is
only the source of the photos, which ship inside its wheel
(``skimage/data/*.png|jpg``). Each photo's licence is stated in the docstring
of its ``skimage.data`` loader; the script checks that the statement is still
there before copying, so a new scikit-image release that changed a licence
stops the build instead of shipping the photo.

Each photo is resized so its longer side is 256 px (Lanczos, from the 8-bit
original) and saved as PNG without metadata. PNG rather than JPEG although JPEG
would be about four times smaller: the app runs edge detectors on these photos,
and they would light up JPEG's 8x8 block artefacts; the five PNGs together
stay under 400 KB. Grayscale photos stay grayscale (one channel).

The script then rewrites its own section of ``assets/ATTRIBUTION.md`` (between
the ``BEGIN samples`` and ``END samples`` markers), leaving any other section
(datasets, the bundled model) as it is.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from attribution import ATTRIBUTION, write_section  # scripts/attribution.py
from PIL import Image

SKIMAGE_VERSION = "0.26.0"
LONGER_SIDE = 256
ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "assets" / "images"
BEGIN = "<!-- BEGIN samples: written by scripts/build_samples.py, do not edit by hand -->"
END = "<!-- END samples -->"


@dataclass(frozen=True)
class Photo:
    """One photo to copy: where it is, its licence check and its attribution."""

    key: str  # cnnviz.content.samples key and output file stem
    source: str  # file name inside skimage/data/
    loader: str  # skimage.data function whose docstring states the licence
    licence_phrase: str  # must appear in that docstring (whitespace-normalised)
    title: str
    author: str
    licence: str
    origin: str  # where scikit-image got it


PHOTOS: tuple[Photo, ...] = (
    Photo(
        key="camera",
        source="camera.png",
        loader="camera",
        licence_phrase="No copyright restrictions. CC0 by the photographer (Lav Varshney).",
        title="Cameraman: a photographer with a camera on a tripod, grayscale",
        author="Lav Varshney",
        licence="CC0 1.0 (public domain dedication)",
        origin="scikit-image `skimage.data.camera` (see scikit-image issue #3927)",
    ),
    Photo(
        key="astronaut",
        source="astronaut.png",
        loader="astronaut",
        licence_phrase="No known copyright restrictions, released into the public domain.",
        title="Astronaut Eileen Collins",
        author="NASA",
        licence="Public domain (NASA photograph)",
        origin="NASA Great Images database, via scikit-image `skimage.data.astronaut`",
    ),
    Photo(
        key="coffee",
        source="coffee.png",
        loader="coffee",
        licence_phrase="No copyright restrictions. CC0 by the photographer (Rachel Michetti).",
        title="Coffee cup (courtesy of Pikolo Espresso Bar)",
        author="Rachel Michetti",
        licence="CC0 1.0 (public domain dedication)",
        origin="scikit-image `skimage.data.coffee`",
    ),
    Photo(
        key="chelsea",
        source="chelsea.png",
        loader="chelsea",
        licence_phrase="No copyright restrictions. CC0 by the photographer (Stefan van der Walt).",
        title="Chelsea the cat",
        author="Stefan van der Walt",
        licence="CC0 1.0 (public domain dedication)",
        origin="scikit-image `skimage.data.chelsea`",
    ),
    Photo(
        key="rocket",
        source="rocket.jpg",
        loader="rocket",
        licence_phrase="released in the public domain",
        title="Launch of DSCOVR on a Falcon 9",
        author="SpaceX",
        licence="Public domain (released by SpaceX)",
        origin="SpaceX Photos on Flickr, via scikit-image `skimage.data.rocket`",
    ),
)


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def check_licence(photo: Photo, data_module: object) -> None:
    doc = _normalise(inspect.getdoc(getattr(data_module, photo.loader)) or "")
    if _normalise(photo.licence_phrase) not in doc:
        sys.exit(
            f"skimage.data.{photo.loader}'s docstring no longer says {photo.licence_phrase!r}; "
            "check the photo's licence before copying it."
        )


def resized(path: Path) -> Image.Image:
    with Image.open(path) as im:
        im.load()
        mode = "L" if im.mode in ("L", "LA", "I;16") else "RGB"
        im = im.convert(mode)
    cols, rows = im.size
    scale = LONGER_SIDE / max(cols, rows)
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))
    # Same resampling as cnnviz.io.images.decode_image, so a re-upload looks identical.
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def attribution_section(rows: list[tuple[Photo, str, tuple[int, int], int]]) -> str:
    lines = [
        BEGIN,
        "## Sample photos (`assets/images/`)",
        "",
        f"Copied from scikit-image {SKIMAGE_VERSION} (`skimage/data/`, shipped in its wheel), "
        f"resized so the longer side is {LONGER_SIDE} px and saved as PNG by "
        "`scripts/build_samples.py`. Licences as stated in the `skimage.data` documentation.",
        "",
        "| File | Picture | Author | Licence | Source | Size |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for photo, name, (cols, rows_px), nbytes in rows:
        lines.append(
            f"| `images/{name}` | {photo.title} | {photo.author} | {photo.licence} "
            f"| {photo.origin} | {cols} × {rows_px} px, {nbytes / 1024:.0f} KB |"
        )
    lines.append("")
    lines.append(
        "The synthetic samples (checkerboard, stripes, disc, gradient, digit, edge, the "
        "course's 5×7 matrix) are generated in code by `cnnviz/content/samples.py`; "
        "they are not files."
    )
    lines.append(END)
    return "\n".join(lines)


def main() -> None:
    import skimage
    import skimage.data

    if skimage.__version__ != SKIMAGE_VERSION:
        sys.exit(f"Expected scikit-image {SKIMAGE_VERSION}; found {skimage.__version__}.")
    data_dir = Path(skimage.data.__file__).parent
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for photo in PHOTOS:
        check_licence(photo, skimage.data)
        im = resized(data_dir / photo.source)
        name = f"{photo.key}.png"
        target = OUT_DIR / name
        im.save(target, "PNG", optimize=True)
        nbytes = target.stat().st_size
        written.append((photo, name, im.size, nbytes))
        print(f"{target.relative_to(ROOT)}: {im.mode} {im.size[0]}x{im.size[1]}, {nbytes} bytes")
    total = sum(row[3] for row in written)
    print(f"total {total} bytes")
    write_section(attribution_section(written), BEGIN, END)
    print(f"updated {ATTRIBUTION.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
