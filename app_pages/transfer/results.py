"""The results section: the two runs' curves side by side, what they say, the network's layers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.training.live_view import clock
from app_pages.training.results import percent
from app_pages.transfer import KEY
from cnnviz.figures import training as figs
from cnnviz.i18n import format_count, t
from cnnviz.nets import transfer as tr
from cnnviz.nets.training import RunResult
from cnnviz.ui.kit import chart
from cnnviz.ui.network import SESSION_MODEL, SESSION_MODEL_NAME


def show_comparison(result: tr.Comparison, lang: str) -> None:
    """Show the verdict, the held-out curves of both runs, their numbers and the layers."""
    st.subheader(t("transfer.result.title"))
    mode = t(f"transfer.mode.{result.settings.mode}")
    names = (t("transfer.run.pretrained_named", mode=mode), t("transfer.run.scratch"))
    stopped = "stopped" in (result.pretrained.reason, result.scratch.reason)
    if stopped:
        st.warning(t("transfer.result.stopped"))
    key, fields = tr.verdict(result.pretrained, result.scratch)
    st.info(t(key, **fields))
    chart(
        figs.runs_overlay(
            [(names[0], result.pretrained.history), (names[1], result.scratch.history)],
            lang=lang,
        ),
        key=f"{KEY}_overlay",
    )
    st.dataframe(numbers(result, names, lang), hide_index=True, key=f"{KEY}_numbers")
    st.caption(t("transfer.result.time_note"))
    with st.expander(t("transfer.result.layers")):
        st.dataframe(layer_table(result.model), hide_index=True, key=f"{KEY}_layers")
    use_model(result, names[0])


def numbers(result: tr.Comparison, names: tuple[str, str], lang: str) -> pd.DataFrame:
    """One row per run: test accuracy, first-epoch accuracy, weights that learn, time."""
    runs: tuple[RunResult, RunResult] = (result.pretrained, result.scratch)
    return pd.DataFrame(
        {
            t("transfer.result.run"): list(names),
            t("transfer.result.test"): [percent(r.test_accuracy, lang) for r in runs],
            t("transfer.result.first"): [percent(tr.first_epoch_accuracy(r), lang) for r in runs],
            t("transfer.result.trainable"): [
                format_count(result.trainable, lang),
                format_count(result.params, lang),
            ],
            t("transfer.result.time"): [clock(r.seconds) for r in runs],
        }
    )


def layer_table(model) -> pd.DataFrame:
    """Each layer of the pretrained network: name, kept or new, trainable, weights."""
    rows = []
    for layer in model.layers[1:]:
        new = layer.name.startswith("head_")
        rows.append(
            {
                t("transfer.layer.name"): layer.name,
                t("transfer.layer.origin"): t(
                    "transfer.layer.new" if new else "transfer.layer.kept"
                ),
                t("transfer.layer.trainable"): "✓" if layer.trainable and layer.weights else "",
                t("transfer.layer.params"): int(layer.count_params()),
            }
        )
    return pd.DataFrame(rows)


def use_model(result: tr.Comparison, name: str) -> None:
    """Offer the pretrained network to the network pages when it reads what they feed it."""
    if not result.usable:
        st.caption(t("transfer.use.unusable"))
        return
    state = st.session_state
    if st.button(t("train.use.button"), key=f"{KEY}_use", icon=":material/check:"):
        state[SESSION_MODEL] = result.model
        state[SESSION_MODEL_NAME] = name
    if state.get(SESSION_MODEL) is result.model:
        st.success(t("train.use.done", name=state[SESSION_MODEL_NAME]))
