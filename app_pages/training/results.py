"""The results section: pick a run, see how it did, download it, use it, compare runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from app_pages.training import KEY, percent, run_label
from app_pages.training.checkpoint import checkpoint_panel
from app_pages.training.live_view import clock, draw_snapshot
from cnnviz.figures import training as figs
from cnnviz.i18n import format_count, format_number, t
from cnnviz.nets.training import TrainingRun
from cnnviz.ui.kit import chart

PICK = f"{KEY}_run_pick"


def show_results(store: dict[str, Any], lang: str) -> None:
    """Show the session's runs: a picker, the picked run, and a comparison of them all.

    Parameters
    ----------
    store : dict
        The session's store (see :func:`app_pages.training.run.new_store`).
    lang : str
    """
    runs: list[TrainingRun] = store["runs"]
    if not runs:
        return
    state = st.session_state
    st.subheader(t("train.result.title"))
    numbers = [run.number for run in runs]
    if state.get(PICK) not in numbers or state.get(f"{KEY}_seen") != store["latest"]:
        state[PICK] = numbers[-1]  # a new run: show it
        state[f"{KEY}_seen"] = store["latest"]
    names = {run.number: run_label(run, lang) for run in runs}  # computed up front: see DESIGN §4
    picked = st.selectbox(t("train.result.pick"), numbers, format_func=names.get, key=PICK)
    show_run(next(run for run in runs if run.number == picked), lang, store)
    if len(runs) > 1:
        compare(runs, lang)


def show_run(run: TrainingRun, lang: str, store: dict[str, Any]) -> None:
    """Show a run: outcome, curves, checkpoint, confusion, per class, mistakes, maps, downloads."""
    result = run.result
    # Stopped before its first batch (a cold server): nothing was learned, and it says so.
    reason = (
        "stopped_before"
        if result.reason == "stopped" and not len(result.history)
        else result.reason
    )
    message = t(f"train.reason.{reason}", epochs=result.epochs_done, planned=run.settings.epochs)
    (st.warning if result.reason == "stopped" else st.success)(message)
    cols = st.columns(4)
    cols[0].metric(t("train.result.test_accuracy"), percent(result.test_accuracy, lang))
    cols[1].metric(t("train.result.test_loss"), format_number(result.test_loss, digits=3))
    cols[2].metric(t("train.result.time"), clock(result.seconds))
    cols[3].metric(t("train.result.speed"), format_count(round(result.samples_per_second), lang))
    if len(result.history):
        best = None if result.checkpoint is None else (result.checkpoint.monitor, result.best_epoch)
        chart(figs.curves(result.history, lang=lang, best=best), key=f"{KEY}_curves")
    checkpoint_panel(run, store, lang)
    tabs = st.tabs(
        [
            t("train.result.confusion"),
            t("train.result.per_class"),
            t("train.result.mistakes"),
            t("train.result.maps"),
        ]
    )
    with tabs[0]:
        st.caption(t("train.result.confusion_help"))
        chart(
            figs.confusion_figure(result.confusion, run.class_labels, lang=lang),
            key=f"{KEY}_confusion",
        )
    with tabs[1]:
        chart(
            figs.per_class_bars(result.per_class, run.class_labels, lang=lang),
            key=f"{KEY}_per_class",
        )
    with tabs[2]:
        show_mistakes(run, lang)
    with tabs[3]:
        show_snapshots(run, lang)
    downloads(run, lang)


def show_mistakes(run: TrainingRun, lang: str) -> None:
    """Show the wrongly classified test images kept with the run, each with its two classes."""
    if not len(run.mistakes):
        st.info(t("train.result.no_mistakes"))
        return
    names = run.class_labels
    titles = [
        t("train.result.mistake", true=names[a], predicted=names[b])
        for a, b in zip(run.mistakes_true, run.mistakes_predicted, strict=True)
    ]
    st.caption(
        t("train.result.mistakes_help", count=len(run.result.misclassified), shown=len(titles))
    )
    chart(figs.image_grid(run.mistakes, titles, columns=8, lang=lang), key=f"{KEY}_mistakes")


def show_snapshots(run: TrainingRun, lang: str) -> None:
    """Show the first layer's filters and maps at an epoch picked with a slider."""
    snapshots = run.result.snapshots
    if not snapshots:
        st.info(t("train.result.no_maps"))
        return
    epoch = snapshots[-1].epoch
    if len(snapshots) > 1:
        epoch = st.select_slider(
            t("train.result.epoch"),
            [s.epoch for s in snapshots],
            value=snapshots[-1].epoch,
            key=f"{KEY}_snap_epoch",
        )
    snapshot = next(s for s in snapshots if s.epoch == epoch)
    draw_snapshot(snapshot, st.empty(), f"{KEY}_snap", lang)


def downloads(run: TrainingRun, lang: str) -> None:
    """Offer the model and its history as files, and the model to the other pages."""
    cols = st.columns(3)
    cols[0].download_button(
        t("train.download.model"),
        run.keras_bytes,
        file_name=f"cnnviz_run{run.number}.keras",
        mime="application/octet-stream",
        key=f"{KEY}_dl_model",
        icon=":material/download:",
        on_click="ignore",  # a rerun at the click races the download (see convolution.py)
    )
    cols[1].download_button(
        t("train.download.history"),
        run.result.history.to_csv(index=False).encode(),
        file_name=f"cnnviz_run{run.number}_history.csv",
        mime="text/csv",
        key=f"{KEY}_dl_history",
        icon=":material/download:",
        on_click="ignore",
    )
    if not run.usable:
        cols[2].caption(t("train.use.unusable"))
        return
    state = st.session_state
    if cols[2].button(t("train.use.button"), key=f"{KEY}_use", icon=":material/check:"):
        state["session_model"] = run.model
        state["session_model_name"] = run_label(run, lang)
    if state.get("session_model") is run.model:
        st.success(t("train.use.done", name=state["session_model_name"]))


def compare(runs: Sequence[TrainingRun], lang: str) -> None:
    """Overlay the runs' curves and tabulate how they differ."""
    st.subheader(t("train.compare.title"))
    names = [run_label(run, lang) for run in runs]
    chart(
        figs.runs_overlay(
            [(name, run.result.history) for name, run in zip(names, runs, strict=True)],
            lang=lang,
        ),
        key=f"{KEY}_overlay",
    )
    st.dataframe(
        pd.DataFrame(
            {
                t("train.compare.run"): names,
                t("train.compare.data"): [f"{r.source} · {r.samples}" for r in runs],
                t("train.compare.params"): [format_count(r.params, lang) for r in runs],
                t("train.settings.optimizer"): [
                    t(f"train.settings.optimizer.{r.settings.optimizer}") for r in runs
                ],
                t("train.settings.lr"): [r.settings.learning_rate for r in runs],
                t("train.settings.batch"): [r.settings.batch_size for r in runs],
                t("train.compare.epochs"): [r.result.epochs_done for r in runs],
                t("train.compare.augmented"): ["✓" if r.augmentation.active else "" for r in runs],
            }
        ),
        hide_index=True,
        key=f"{KEY}_compare",
    )
