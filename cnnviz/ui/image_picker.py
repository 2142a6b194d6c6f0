"""The input picker: a bundled sample, an upload, a drawing, or a small matrix typed in a table.

Whatever the source, the picker returns the last valid input: a broken upload
or a table with an empty cell shows a message and the page keeps the image it
had, so nothing the user did is lost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz.content import samples
from cnnviz.i18n import InputError, labels, t
from cnnviz.io import images
from cnnviz.ui.url_state import url_choice

SOURCES = ("sample", "upload", "draw", "table")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "gif", "tif", "tiff"]
SIZES = (8, 16, 28, 32, 48, 64, 96, 128, 192, 256)
CANVAS_PX = 280


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


@st.cache_data(max_entries=64)
def _sample(key: str, size: int | None) -> np.ndarray:
    return samples.load_sample(key, size=size)


@st.cache_data(max_entries=16)
def _decode(data: bytes, max_side: int) -> images.DecodedImage:
    return images.decode_image(data, max_side=max_side)


def _from_sample(key: str) -> PickedInput:
    name = url_choice(
        st.selectbox,
        t("picker.sample"),
        list(samples.SAMPLES),
        format_func=labels("sample.{}.name"),
        key=f"{key}_sample",
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
    upload = st.file_uploader(t("picker.upload"), type=UPLOAD_TYPES, key=f"{key}_upload")
    max_side = _size_control(key)
    if upload is None:
        st.info(t("picker.upload_hint"))
        return None
    decoded = _decode(upload.getvalue(), max_side)
    return PickedInput(decoded.pixels, False, _downscale_notice(decoded))


def _from_canvas(key: str) -> PickedInput | None:
    from streamlit_drawable_canvas import st_canvas  # a component: only when drawing

    st.caption(t("picker.draw_hint"))
    result = st_canvas(
        stroke_width=18,
        stroke_color="#000000",
        background_color="#ffffff",
        height=CANVAS_PX,
        width=CANVAS_PX,
        drawing_mode="freedraw",
        return_image_data=True,
        key=f"{key}_canvas",
    )
    max_side = _size_control(key)
    data = None if result is None else result.image_bytes
    if not data:
        return None
    # Black ink on white: the colour channels are equal, so one channel says it all.
    return PickedInput(images.to_grayscale(_decode(data, max_side).pixels), False)


def _from_table(key: str) -> PickedInput | None:
    st.caption(t("picker.table_hint"))
    start = samples.load_sample("course_matrix")
    frame = pd.DataFrame(start, columns=[str(c) for c in range(start.shape[1])])
    edited = st.data_editor(frame, key=f"{key}_matrix", num_rows="dynamic", hide_index=False)
    values = pd.DataFrame(edited).apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if values.size == 0 or not np.isfinite(values).all():
        raise InputError("error.matrix_cells")
    return PickedInput(values, True)


def image_picker(*, key: str = "conv") -> PickedInput | None:
    """Show the input picker and return the last valid input (None before the first one).

    Parameters
    ----------
    key : str
        Prefix of every widget and session-state key.

    Returns
    -------
    PickedInput or None
        What the page should work on.
    """
    source = url_choice(
        st.segmented_control,
        t("picker.source"),
        SOURCES,
        format_func=labels("picker.source.{}"),
        key=f"{key}_source",
    )
    readers = {
        "sample": _from_sample,
        "upload": _from_upload,
        "draw": _from_canvas,
        "table": _from_table,
    }
    last_valid = f"{key}_last_input"
    try:
        picked = readers[source](key)
    except InputError as err:
        st.error(str(err))
        picked = None
    if picked is not None:
        if picked.pixels.ndim == 3 and st.toggle(
            t("picker.grayscale"), key=f"{key}_gray", bind="query-params"
        ):
            picked = PickedInput(images.to_grayscale(picked.pixels), False, picked.notice)
        st.session_state[last_valid] = picked
    if picked and picked.notice:
        st.info(picked.notice)
    return st.session_state.get(last_valid)
