"""The input picker: a bundled sample, an upload, a drawing, or a small matrix typed in a table.

Whatever the source, the picker returns the last valid input: a broken upload
or a table with an empty cell shows a message and the page keeps the image it
had, so nothing the user did is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from cnnviz.content import samples
from cnnviz.core.conv import MAX_MAGNITUDE, first_too_large
from cnnviz.i18n import InputError, t
from cnnviz.io import images
from cnnviz.ui.kit import checked, drawing_canvas, image_upload, last_valid, matrix_table
from cnnviz.ui.url_state import catalog_choice

SOURCES = ("sample", "upload", "draw", "table")
SIZES = (8, 16, 28, 32, 48, 64, 96, 128, 192, 256)
STROKE_PX = 18


@dataclass(frozen=True)
class PickedInput:
    """The input the page works on.

    Attributes
    ----------
    pixels : ndarray, shape (H, W) or (H, W, 3)
        Values in [0, 1] for images; any numbers for a typed matrix.
    is_matrix : bool
        True for small matrices whose numbers are worth showing as they are.
    notice : str or None
        A note for the user, e.g. that the image was downscaled.
    """

    pixels: np.ndarray
    is_matrix: bool
    notice: str | None = None


@st.cache_data(max_entries=64, show_spinner=False)
def _sample(key: str, size: int | None) -> np.ndarray:
    return samples.load_sample(key, size=size)


@st.cache_data(max_entries=16, show_spinner=False)
def _decode(data: bytes, max_side: int) -> images.DecodedImage:
    return images.decode_image(data, max_side=max_side)


def _from_sample(key: str) -> PickedInput:
    name = catalog_choice(
        st.selectbox,
        "picker.sample",
        list(samples.SAMPLES),
        key=f"{key}_sample",
        item="sample.{}.name",
    )
    is_matrix = samples.SAMPLES[name].is_matrix
    size = None if is_matrix else _size_control(key)
    return PickedInput(_sample(name, size), is_matrix)


def _size_control(key: str) -> int:
    return st.select_slider(
        t("picker.size"),
        SIZES,
        value=64,
        key=f"{key}_size",
        bind="query-params",
        help=t("picker.size_help"),
    )


def _downscale_notice(decoded: images.DecodedImage) -> str | None:
    if not decoded.downscaled:
        return None
    rows, cols = decoded.original_size
    new_rows, new_cols = decoded.pixels.shape[:2]
    return t("picker.downscaled", rows=rows, cols=cols, new_rows=new_rows, new_cols=new_cols)


def _from_upload(key: str) -> PickedInput | None:
    upload = image_upload(t("picker.upload"), key=f"{key}_upload")
    max_side = _size_control(key)
    if upload is None:
        st.info(t("picker.upload_hint"))
        return None
    decoded = _decode(upload.getvalue(), max_side)
    return PickedInput(decoded.pixels, False, _downscale_notice(decoded))


def _from_canvas(key: str) -> PickedInput | None:
    st.caption(t("picker.draw_hint"))
    data = drawing_canvas(key=f"{key}_canvas", stroke_width=STROKE_PX)
    max_side = _size_control(key)
    if data is None:
        return None
    # Black ink on white: the colour channels are equal, so one channel says it all.
    return PickedInput(images.to_grayscale(_decode(data, max_side).pixels), False)


def _from_table(key: str) -> PickedInput | None:
    st.caption(t("picker.table_hint"))
    start = samples.load_sample("course_matrix")
    values = matrix_table(start, key=f"{key}_matrix", dynamic=True, plain=True)
    if values is None:
        raise InputError("error.matrix_cells")
    too_large = first_too_large(values)  # its sums could overflow to ∞
    if too_large is not None:
        raise InputError("error.overflow_matrix_cell", value=too_large, max=MAX_MAGNITUDE)
    return PickedInput(values, True)


def image_picker(*, key: str = "conv") -> PickedInput | None:
    """Show the input picker and return the last valid input (None before the first one).

    Every widget key, and the session-state key of the last valid input
    (``{key}_last_input``), starts with ``key``: the convolution page uses
    ``"conv"``, the pooling page ``"pool"``.
    """
    source = catalog_choice(st.segmented_control, "picker.source", SOURCES, key=f"{key}_source")
    readers = {
        "sample": _from_sample,
        "upload": _from_upload,
        "draw": _from_canvas,
        "table": _from_table,
    }
    picked = checked(lambda: readers[source](key))
    colour = picked is not None and picked.pixels.ndim == 3
    if colour and st.toggle(t("picker.grayscale"), key=f"{key}_gray", bind="query-params"):
        picked = PickedInput(images.to_grayscale(picked.pixels), False, picked.notice)
    if picked is not None and picked.notice:
        st.info(picked.notice)
    # No upload or drawing yet is not an error: the page keeps the input it had.
    return last_valid(f"{key}_last_input", picked)
