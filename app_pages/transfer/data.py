"""The data section: the offline demo (digits) or a zip, and how its images are adapted."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app_pages.transfer import KEY, choice
from cnnviz.figures import training as figs
from cnnviz.i18n import InputError, format_shape, t
from cnnviz.nets import transfer as tr
from cnnviz.nets.limits import LIMITS
from cnnviz.nets.training_data import Prepared
from cnnviz.ui.kit import chart, last_valid

SOURCES: tuple[str, ...] = ("demo", "zip")
"""The offline demo (bundled digits adapted to the colour network) or a user's zip."""

PREVIEW = 10  # adapted images shown (one per class)


@st.cache_resource(max_entries=2, show_spinner=False)
def demo_data(seed: int) -> Prepared:
    """Return the demo's digits, adapted once per server (read-only arrays shared by sessions)."""
    return tr.demo_data(seed)


@st.cache_resource(max_entries=4, show_spinner=False)
def zip_dataset(_data: bytes, file_id: str, base: str) -> Any:
    """Read an uploaded zip once per file and base (the bytes are keyed by the upload's id)."""
    return tr.zip_data(_data, base)


def choose_data(lang: str) -> tuple[str, str, Prepared | None]:
    """Show the data's widgets and how its images are adapted.

    Returns
    -------
    source : {"demo", "zip"}
    base : {"cifar", "mnist"}
        The bundled network to start from (the demo always uses the colour one).
    data : Prepared or None
        None, with a message why, until there is data.
    """
    source = choice(st.radio, "transfer.data.source", SOURCES, "source", horizontal=True)
    if source == "demo":
        st.caption(t("transfer.demo.help", samples=tr.DEMO_SAMPLES, test=tr.DEMO_TEST))
        data = demo_data(0)
        show_adaptation((28, 28), "cifar", data, lang)
        return source, "cifar", data
    base = choice(st.radio, "transfer.base", tr.BASES, "base", horizontal=True)
    data = upload_zip(base)
    if data is not None:
        show_adaptation(None, base, data, lang)
    return source, base, data


def upload_zip(base: str) -> Prepared | None:
    """Show the zip's uploader; return its prepared data, or the last good one, or None."""
    st.caption(t("train.zip.help", limit=LIMITS.max_zip_files))
    upload = st.file_uploader(t("train.zip.upload"), type=["zip"], key=f"{KEY}_zip")
    notice = st.container()
    read = None
    if upload is not None:
        try:
            dataset = zip_dataset(upload.getvalue(), upload.file_id, base)
            samples = min(len(dataset.x_train), LIMITS.max_samples)
            read = (upload.name, tr.prepare_transfer(dataset, samples=samples))
        except InputError as err:
            notice.error(err.message())
    # A refused zip leaves the last good one (of this base) in use: nothing is lost.
    previous = st.session_state.get(f"{KEY}_zip_last_{base}")
    caption = t("train.zip.kept_previous", name=previous[0]) if previous else None
    kept = last_valid(f"{KEY}_zip_last_{base}", read, caption=caption, where=notice)
    return kept[1] if kept else None


def show_adaptation(
    source_shape: tuple[int, ...] | None, base: str, data: Prepared, lang: str
) -> None:
    """Write the rule that adapted the images to the base's input, and show a few of them."""
    if source_shape is None:  # a zip: its reader resized each image to the base's side
        side, _, channels = tr.BASE_INPUT[base]
        rule = t("transfer.adapt.zip", side=side, colour=t(f"transfer.adapt.zip.{channels}"))
    else:
        rule = " ".join(t(key, **fields) for key, fields in tr.adaptation_steps(source_shape, base))
    st.caption(
        t(
            "transfer.data.summary",
            train=len(data.x_train),
            val=len(data.x_val),
            test=len(data.x_test),
            shape=format_shape(data.input_shape),
            classes=data.classes,
            rule=rule,
        )
    )
    first = [int(np.flatnonzero(data.y_train == c)[0]) for c in np.unique(data.y_train)][:PREVIEW]
    titles = [data.class_label(int(data.y_train[i]), lang) for i in first]
    with st.expander(t("transfer.data.preview")):
        chart(
            figs.image_grid(
                data.to_unit(data.x_train[first]), titles, columns=PREVIEW, panel_px=48, lang=lang
            ),
            key=f"{KEY}_preview",
        )
