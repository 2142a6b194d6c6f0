"""The data section: where the images come from, how many, how they are normalised."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.training import KEY, choice
from cnnviz.i18n import InputError, format_shape, get_language, t
from cnnviz.nets.datasets import (
    KERAS_DATASETS,
    Dataset,
    load_cifar_subset,
    load_keras_dataset,
    load_mnist_subset,
)
from cnnviz.nets.limits import LIMITS
from cnnviz.nets.training import DEMO_SAMPLES
from cnnviz.nets.training_data import NORMALIZATIONS, Prepared, prepare_data
from cnnviz.nets.zip_dataset import load_zip_dataset
from cnnviz.ui.kit import last_valid
from cnnviz.ui.url_state import url_choice, url_number

SOURCES: tuple[str, ...] = ("mnist", "cifar", "zip", "keras")
"""Where the images come from: the bundled MNIST or CIFAR-10 subset, a zip, a full Keras dataset."""

SOURCE_KEYS = {source: f"train.data.source.{source}" for source in SOURCES} | {
    "cifar": "trainset.source.cifar"
}
"""Each source's catalog key."""


def source_label(source: str, lang: str | None = None) -> str:
    """Return a data source as the page names it, in ``lang``."""
    return t(SOURCE_KEYS[source], lang=lang)


@st.cache_resource(max_entries=4, show_spinner=False)
def zip_dataset(_data: bytes, file_id: str, side: int, color: bool) -> Dataset:
    """Read an uploaded zip once per file and size (the bytes are keyed by the upload's id)."""
    return load_zip_dataset(_data, side=side, color=color)


@st.cache_resource(max_entries=3, show_spinner=False)
def keras_dataset(name: str) -> Dataset:
    """Download a full Keras dataset once for the whole server."""
    return load_keras_dataset(name)


def choose_data() -> tuple[str, Dataset | None]:
    """Show the data source's widgets.

    Returns
    -------
    source : str
        One of :data:`SOURCES`.
    dataset : Dataset or None
        None, with a message why, until there is data to train on.
    """
    lang = get_language()  # fixed here: a format function may run in another thread
    source = url_choice(
        st.radio, t("train.data.source"), SOURCES, key=f"{KEY}_source",
        format_func=lambda s: source_label(s, lang), horizontal=True,
    )  # fmt: skip
    if source == "mnist":
        return source, load_mnist_subset()
    if source == "cifar":
        st.caption(t("trainset.source.cifar_note"))
        return source, load_cifar_subset()
    if source == "zip":
        return source, upload_zip()
    return source, download_keras()


def upload_zip() -> Dataset | None:
    """Show the zip's uploader, side and colour; return its dataset, or None with a message."""
    st.caption(t("train.zip.help", limit=LIMITS.max_zip_files))
    left, middle, right = st.columns([3, 1, 1])
    upload = left.file_uploader(t("train.zip.upload"), type=["zip"], key=f"{KEY}_zip")
    side = middle.selectbox(t("train.zip.side"), (28, 32, 48, 64), index=1, key=f"{KEY}_side")
    color = right.toggle(t("train.zip.color"), value=True, key=f"{KEY}_color")
    # Messages go in a slot that every run has, so that they do not move the widgets below.
    notice = st.container()
    read = None if upload is None else _read_zip(upload, int(side), bool(color), notice)
    # A refused zip leaves the last good one in use: the student loses nothing. So does
    # the run without a file that the uploader makes while it swaps one zip for another:
    # a page stopped there would drop the layers' widgets, and their values with them.
    previous = st.session_state.get(f"{KEY}_zip_last")
    caption = t("train.zip.kept_previous", name=previous[0]) if previous else None
    kept = last_valid(f"{KEY}_zip_last", read, caption=caption, where=notice)
    return kept[1] if kept else None


def _read_zip(upload: Any, side: int, color: bool, notice: Any) -> tuple[str, Dataset] | None:
    """Return the upload's name and dataset, or None after showing in ``notice`` why not.

    A refusal is remembered for that file and size, so the page's other
    widgets do not read a hostile zip again on every rerun.
    """
    attempt = (upload.file_id, side, color)
    refused = st.session_state.get(f"{KEY}_zip_refused")
    if refused is None or refused[0] != attempt:
        try:
            return upload.name, zip_dataset(upload.getvalue(), upload.file_id, side, color)
        except InputError as err:
            refused = st.session_state[f"{KEY}_zip_refused"] = (attempt, err)
    notice.error(refused[1].message())
    return None


def download_keras() -> Dataset | None:
    """Show the Keras dataset's picker; download it when asked (once per server)."""
    name = choice(st.selectbox, "train.data.keras", KERAS_DATASETS, "keras")
    st.caption(t("train.data.keras_note"))
    loaded = st.session_state.setdefault(f"{KEY}_keras_loaded", [])
    if st.button(t("train.data.download"), key=f"{KEY}_download") and name not in loaded:
        loaded.append(name)
    if name not in loaded:
        return None
    try:
        with st.spinner(t("train.data.downloading", name=t(f"train.data.keras.{name}"))):
            return keras_dataset(name)
    except InputError as err:
        loaded.remove(name)
        st.error(err.message())
        return None


def prepare(dataset: Dataset) -> Prepared | None:
    """Show how many images, the validation share and the normalisation; prepare the data.

    Returns
    -------
    Prepared or None
        None after showing why the choice cannot be used.
    """
    top = min(len(dataset.x_train), LIMITS.max_samples)
    samples_key = f"{KEY}_samples"
    # A smaller dataset than the last one: bring the remembered count within it.
    st.session_state[samples_key] = min(
        int(st.session_state.get(samples_key, min(DEMO_SAMPLES, top))), top
    )
    cols = st.columns(3)
    samples = cols[0].number_input(
        t("train.data.samples", limit=top), min_value=2, max_value=top, step=100, key=samples_key
    )
    val_split = url_number(
        cols[1].slider, t("train.data.val_split"), 0.05, 0.5, 0.2, step=0.05, key=f"{KEY}_val"
    )
    normalization = choice(cols[2].selectbox, "train.data.normalization", NORMALIZATIONS, "norm")
    try:
        data = prepare_data(
            dataset,
            samples=int(samples),
            validation_split=float(val_split),
            normalization=normalization,
        )
    except InputError as err:
        st.error(err.message())
        return None
    st.caption(
        t(
            "train.data.summary",
            train=len(data.x_train),
            val=len(data.x_val),
            test=len(data.x_test),
            shape=format_shape(data.input_shape),
            classes=data.classes,
        )
    )
    return data
