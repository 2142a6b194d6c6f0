"""Rewrite one script's own section of ``assets/ATTRIBUTION.md``, leaving the others alone.

Each asset builder (``build_samples.py``, ``build_mnist.py``, ``train_model.py``)
owns the text between its ``BEGIN`` and ``END`` markers and calls
:func:`write_section` with the new text, markers included.
"""

from __future__ import annotations

from pathlib import Path

ATTRIBUTION = Path(__file__).resolve().parents[1] / "assets" / "ATTRIBUTION.md"
HEADER = (
    "# Attribution\n\nEvery file under `assets/`, where it comes from and under which licence.\n"
)


def write_section(section: str, begin: str, end: str, path: Path = ATTRIBUTION) -> None:
    """Replace the text from ``begin`` to ``end`` with ``section``, or append it if absent."""
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    if begin in text and end in text:
        before, rest = text.split(begin, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text, encoding="utf-8")
