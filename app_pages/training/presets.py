"""The presets row: one click sets a whole training's data, layers and hyperparameters.

A preset (:data:`cnnviz.nets.training.TRAINING_PRESETS`) writes its values into
the widgets' session-state keys in a button's callback, before the page's
widgets are drawn: the widgets (and the URL they keep) show them, and a
message lists what changed. Nothing else is touched: augmentation,
normalisation, validation share, initializer, early stopping, the checkpoint
and the session's runs stay as the user left them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app_pages.training import KEY, builder
from app_pages.training.data import source_label
from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.i18n import format_count, format_number, get_language, t
from cnnviz.nets.training import DEMO_SAMPLES, TRAINING_PRESETS, TrainingPreset
from cnnviz.nets.training import DEMO_SETTINGS as DEMO

NOTICE = f"{KEY}_preset_notice"  # the message of the last preset applied, shown once
CLASSES = 10  # both presets train on CIFAR-10


def presets_row() -> None:
    """Show a button per preset, what it is and what to expect; say what the last one changed."""
    st.markdown(f"**{t('trainset.title')}**")
    lang = get_language()
    cols = st.columns(len(TRAINING_PRESETS))
    for col, preset in zip(cols, TRAINING_PRESETS.values(), strict=True):
        col.button(
            t(f"trainset.preset.{preset.key}"),
            key=f"{KEY}_apply_{preset.key}",
            on_click=apply_preset,
            args=(preset.key, lang),
            icon=":material/auto_fix_high:",
            width="stretch",
        )
        col.caption(t(f"trainset.preset.{preset.key}.note", epochs=preset.settings.epochs))
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        st.success(notice, icon=":material/auto_fix_high:")


def preset_values(preset: TrainingPreset) -> dict[str, Any]:
    """Return the session-state values a preset sets, by widget key."""
    settings = preset.settings
    return {
        f"{KEY}_source": preset.source,
        f"{KEY}_samples": preset.samples,
        f"{KEY}_preset": preset.network,
        f"{KEY}_optimizer": settings.optimizer,
        f"{KEY}_lr": settings.learning_rate,
        f"{KEY}_momentum": settings.momentum,
        f"{KEY}_batch": settings.batch_size,
        f"{KEY}_epochs": settings.epochs,
    }


def _shown(lang: str) -> dict[str, tuple[str, Any, Callable[[Any], str]]]:
    """Each key's label, value before any change, and how a value reads."""

    def number(value: Any) -> str:
        return format_number(float(value), digits=4, lang=lang)

    def count(value: Any) -> str:
        return format_count(int(value), lang)

    def optimizer(value: Any) -> str:
        return t(f"train.settings.optimizer.{value}", lang=lang)

    def network(value: Any) -> str:
        return t(builder.NETWORK_KEYS[value], lang=lang)

    return {
        f"{KEY}_source": ("trainset.change.source", "mnist", lambda s: source_label(s, lang)),
        f"{KEY}_samples": ("trainset.samples", DEMO_SAMPLES, count),
        f"{KEY}_preset": ("trainset.change.network", "course", network),
        f"{KEY}_optimizer": ("train.settings.optimizer", DEMO.optimizer, optimizer),
        f"{KEY}_lr": ("train.settings.lr", DEMO.learning_rate, number),
        f"{KEY}_momentum": ("train.settings.momentum", 0.0, number),
        f"{KEY}_batch": ("train.settings.batch", DEMO.batch_size, count),
        f"{KEY}_epochs": ("trainset.epochs", DEMO.epochs, count),
    }


def apply_preset(key: str, lang: str) -> None:
    """Set the preset's data, layers and hyperparameters (a button's callback); note what changed.

    The layers are always replaced (new rows, the preset's values), even when
    the picker already named that network: the user may have edited its rows.
    """
    state = st.session_state
    preset = TRAINING_PRESETS[key]
    changes = []
    for name, value in preset_values(preset).items():
        label, default, read = _shown(lang)[name]
        before = state.get(name, default)
        if name == f"{KEY}_preset" or before != value:
            changes.append(
                t("trainset.change", lang=lang, what=t(label, lang=lang), old=read(before),
                  new=read(value))
            )  # fmt: skip
        state[name] = value
    builder.set_stack(NETWORK_PRESETS[preset.network](CLASSES))
    state[NOTICE] = t(
        "trainset.applied",
        lang=lang,
        name=t(f"trainset.preset.{key}", lang=lang),
        changes="\n".join(f"- {change}" for change in changes),
    )
