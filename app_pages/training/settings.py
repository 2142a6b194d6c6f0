"""The augmentation and training-settings sections: what changes each image, how to train."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app_pages.training import KEY, choice
from cnnviz.figures import training as figs
from cnnviz.i18n import InputError, t
from cnnviz.nets.limits import LIMITS
from cnnviz.nets.live import MONITORS, monitor_mode
from cnnviz.nets.training import DEMO_SETTINGS as DEMO
from cnnviz.nets.training import INITIALIZERS, OPTIMIZERS, Settings
from cnnviz.nets.training_data import Augmentation, Prepared, augment, check_memory
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.kit import chart
from cnnviz.ui.url_state import url_number

BATCH_SIZES: tuple[int, ...] = (8, 16, 32, 64, 128, 256, 512)
PREVIEWED = 8  # training images shown with their augmented copies
COPIES = 3  # augmented copies of each


def augmentation_widgets(data: Prepared, lang: str) -> Augmentation:
    """Show the augmentation's sliders in an expander, with a preview when any is on."""
    with st.expander(t("train.aug.title")):
        cols = st.columns(3)
        augmentation = Augmentation(
            rotation=cols[0].slider(t("train.aug.rotation"), 0, 45, 0, key=f"{KEY}_aug_rot"),
            shift=cols[1].slider(t("train.aug.shift"), 0.0, 0.3, 0.0, 0.05, key=f"{KEY}_aug_shift"),
            zoom=cols[2].slider(t("train.aug.zoom"), 0.0, 0.3, 0.0, 0.05, key=f"{KEY}_aug_zoom"),
            shear=cols[0].slider(t("train.aug.shear"), 0.0, 0.5, 0.0, 0.05, key=f"{KEY}_aug_shear"),
            brightness=cols[1].slider(
                t("train.aug.brightness"), 0.0, 0.5, 0.0, 0.05, key=f"{KEY}_aug_bright"
            ),
            flip=cols[2].toggle(t("train.aug.flip"), key=f"{KEY}_aug_flip"),
        )
        if augmentation.active:
            keras_module()  # the preview runs Keras' augmentation layers
            originals = data.x_train[:PREVIEWED]
            copies = augment(originals, augmentation, data.value_range, copies=COPIES, seed=1)
            grid = np.concatenate([originals, *(copies[i::COPIES] for i in range(COPIES))])
            titles = [t("train.aug.original")] * PREVIEWED
            titles += [t("train.aug.augmented")] * (PREVIEWED * COPIES)
            chart(
                figs.image_grid(data.to_unit(grid), titles, columns=8, panel_px=80, lang=lang),
                key=f"{KEY}_aug_grid",
            )
            st.caption(t("train.aug.caption"))
        else:
            st.caption(t("train.aug.off"))
    return augmentation


def memory_refused(data: Prepared, augmentation: Augmentation) -> bool:
    """Say (translated, with the numbers) when the images and their augmentation are too big."""
    try:
        check_memory(data, augmentation)
    except InputError as err:
        st.error(err.message(), icon=":material/memory:")
        return True
    return False


def settings_widgets() -> Settings:
    """Show the optimizer, learning rate, momentum, batch, epochs, initializer, early stopping."""
    st.subheader(t("train.settings.title"))
    cols = st.columns(4)
    optimizer = choice(
        cols[0].selectbox, "train.settings.optimizer", OPTIMIZERS, "optimizer",
        default=DEMO.optimizer,
    )  # fmt: skip
    learning_rate = url_number(
        cols[1].number_input, t("train.settings.lr"), 0.0001, 1.0, DEMO.learning_rate, step=0.001,
        format="%.4f", key=f"{KEY}_lr",
    )  # fmt: skip
    momentum = url_number(
        cols[2].number_input, t("train.settings.momentum"), 0.0, 0.99, 0.0, step=0.1,
        key=f"{KEY}_momentum", disabled=optimizer != "sgd",
    )  # fmt: skip
    # The default through the session state, not value=: a preset sets it there.
    st.session_state.setdefault(f"{KEY}_batch", DEMO.batch_size)
    batch_size = cols[3].select_slider(
        t("train.settings.batch"),
        [b for b in BATCH_SIZES if b <= LIMITS.max_batch_size],
        key=f"{KEY}_batch",
    )
    cols = st.columns(4)
    epochs = url_number(
        cols[0].number_input, t("train.settings.epochs", limit=LIMITS.max_epochs), 1,
        LIMITS.max_epochs, DEMO.epochs, key=f"{KEY}_epochs",
    )  # fmt: skip
    initializer = choice(cols[1].selectbox, "train.settings.init", INITIALIZERS, "init")
    patience = cols[2].number_input(
        t("train.settings.patience"), min_value=0, max_value=10, value=0,
        key=f"{KEY}_patience", help=t("train.settings.patience_help"),
    )  # fmt: skip
    monitor, best_only, keep_best = checkpoint_widgets(cols[3])
    return Settings(
        optimizer=optimizer,
        learning_rate=float(learning_rate),
        momentum=float(momentum) if optimizer == "sgd" else 0.0,
        batch_size=int(batch_size),
        epochs=int(epochs),
        initializer=initializer,
        patience=int(patience),
        keep_best=bool(keep_best),
        monitor=monitor,
        best_only=bool(best_only),
    )


def checkpoint_widgets(cell: Any) -> tuple[str, bool, bool]:
    """Show the checkpoint's settings: what it watches (in ``cell``), best only, restore at the end.

    Returns
    -------
    monitor : str
        One of :data:`~cnnviz.nets.live.MONITORS`.
    best_only, keep_best : bool
    """
    monitor = choice(
        cell.selectbox, "ckpt.monitor", MONITORS, "monitor", default="val_loss",
        help=t("ckpt.monitor_help"),
    )  # fmt: skip
    cols = st.columns([1, 1, 2], vertical_alignment="center")
    best_only = cols[0].toggle(
        t("ckpt.best_only"), value=True, key=f"{KEY}_best_only", help=t("ckpt.best_only_help")
    )
    keep_best = cols[1].toggle(
        t("train.settings.keep_best"),
        key=f"{KEY}_keep_best",
        help=t("train.settings.keep_best_help"),
        disabled=not best_only,
    )
    mode = t(f"ckpt.mode.{monitor_mode(monitor)}", monitor=monitor)
    cols[2].caption(t("ckpt.caption" if best_only else "ckpt.caption_every", mode=mode))
    return monitor, best_only, keep_best and best_only
