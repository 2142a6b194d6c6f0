"""The run section: the Train and Stop buttons, the live view, and keeping the run.

A training runs in a thread of the server (:mod:`cnnviz.nets.run_store`), not in
the page's script run: a reload, a closed tab or a click elsewhere does not end
it. The page writes the run's token into its link (``?run=<token>``) and
*watches* the run: it redraws the progress, the curves and (each epoch) the
first layer's filters and maps from what the thread reports, until the run
ends; then the run joins the session's store and the results show it. Opening
the link again (a reload, another tab) reattaches to the run, still going or
finished. Stop sets the run's stop flag: it ends after the current batch (or
before the first one, on a cold server) and is kept as "stopped".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import streamlit as st

from app_pages.training import KEY
from app_pages.training.live_view import Slots, live_view
from cnnviz.core.architectures import Summary
from cnnviz.i18n import InputError, format_count, t
from cnnviz.nets import run_store
from cnnviz.nets.limits import LIMITS, SLOTS
from cnnviz.nets.run_store import RUNS, LiveRun
from cnnviz.nets.training import Settings, TrainingRun, build_model, train, training_run
from cnnviz.nets.training_data import Augmentation, Prepared
from cnnviz.ui.keras_runtime import keras_module

MISTAKES_SHOWN = 24
REPORT_EVERY = 0.25  # seconds between the callback's reports (only stored: cheap)
POLL = 0.5  # seconds between two drawings of a watched run
RUN_PARAM = "run"  # the link's query parameter that names a run


def new_store() -> dict[str, Any]:
    """Return an empty store of runs for a session.

    ``runs`` are the session's finished runs (the newest last), ``active`` the
    token of the run it watches (None when none), ``tokens`` maps each token
    the session has taken in to its run's number (None for one that failed).
    """
    return {"runs": [], "counter": 0, "latest": None, "active": None, "tokens": {}}


@dataclass(frozen=True, eq=False)
class Plan:
    """What to train: the network, the data and how, as the page's widgets say."""

    spec: list[dict[str, Any]]
    data: Prepared
    settings: Settings
    augmentation: Augmentation
    summary: Summary | None
    source: str
    class_labels: tuple[str, ...]


def run_controls(disabled: bool, lang: str) -> tuple[bool, Slots]:
    """Show the section's title, the limits and the Train button; make the live view's slots.

    Returns
    -------
    start : bool
        Whether Train was pressed.
    slots : Slots
    """
    st.subheader(t("train.run.title"))
    st.caption(
        t(
            "train.run.limits",
            samples=format_count(LIMITS.max_samples, lang),
            epochs=LIMITS.max_epochs,
            params=format_count(LIMITS.max_params, lang),
            concurrent=LIMITS.max_concurrent,
        )
    )
    start_col, stop_col = st.columns([1, 1])
    start = start_col.button(
        t("train.start"),
        type="primary",
        key=f"{KEY}_start",
        icon=":material/play_arrow:",
        disabled=disabled,
    )
    return start, Slots.below(stop_col.empty())


class _LeftQueue(Exception):
    """Stop was pressed while the run waited for a training slot."""


def training_job(plan: Plan) -> Callable[[LiveRun], TrainingRun]:
    """Return the work of a run's thread: wait for a slot, train, keep the results.

    No Streamlit call in it (the thread has no page); it reports into the
    :class:`LiveRun` and honours its stop flag. Stopped while queued, it
    leaves the queue and keeps the untrained network, tested, as a stopped run.
    """

    def queued(live: LiveRun, busy: int) -> None:
        live.waiting = busy
        if live.stop.is_set():
            raise _LeftQueue

    def work(live: LiveRun) -> TrainingRun:
        live.phase = "starting"
        keras_module()  # imported once per server, the heap frozen so that reruns stay fast
        model = build_model(plan.spec, plan.data.input_shape, plan.data.classes, plan.settings)
        result = train(
            model,
            plan.data,
            plan.settings,
            augmentation=plan.augmentation,
            reporter=live.report,
            stop=live.stop,
            report_every=REPORT_EVERY,
        )
        return training_run(
            0,  # numbered by the session that takes it in (see adopt)
            model,
            result,
            plan.data,
            settings=plan.settings,
            augmentation=plan.augmentation,
            summary=plan.summary,
            layers=len(plan.spec),
            source=plan.source,
            class_labels=plan.class_labels,
            mistakes_shown=MISTAKES_SHOWN,
        )

    def job(live: LiveRun) -> TrainingRun:
        try:
            with SLOTS.hold(lambda busy: queued(live, busy)):
                return work(live)
        except _LeftQueue:
            return work(live)  # the stop flag is set: nothing is fitted

    return job


def start_training(plan: Plan, store: dict[str, Any]) -> None:
    """Start the plan's training in a thread; the session watches it, the link names it."""
    try:
        live = run_store.start(RUNS, training_job(plan))
    except InputError as err:  # the server keeps too many running trainings
        st.error(err.message())
        return
    store["active"] = live.token
    st.query_params[RUN_PARAM] = live.token


def reattach(store: dict[str, Any]) -> None:
    """Take in the run the link names (a reload, another tab), or say why it cannot be found."""
    token = st.query_params.get(RUN_PARAM)
    if token is None or token in store["tokens"] or token == store["active"]:
        return
    try:
        live = RUNS.get(token)
    except InputError as err:
        st.warning(err.message())
        del st.query_params[RUN_PARAM]  # a reload should not say it again
        return
    if live.finished:
        number = adopt(store, live)
        if number is not None:
            st.info(t("train.reattach.found", number=number))
    else:
        store["active"] = token
        st.info(t("train.reattach.back"))


def adopt(store: dict[str, Any], live: LiveRun) -> int | None:
    """Add a finished run to the session's store, numbered after its runs; return the number.

    A run that failed shows its error and adds nothing (None). The oldest run
    goes when the session keeps too many.
    """
    if live.error is not None:
        st.error(live.error.message())
        store["tokens"][live.token] = None
        return None
    store["counter"] += 1
    number = store["counter"]
    runs = store["runs"]
    runs.append(replace(live.run, number=number))
    del runs[: -LIMITS.max_runs_kept]
    store["latest"] = store["tokens"][live.token] = number
    return number


def watch(store: dict[str, Any], slots: Slots, lang: str) -> None:
    """Draw the session's running training until it ends, then take it into the store."""
    token = store["active"]
    if token is None:
        return
    try:
        live = RUNS.get(token)
    except InputError:  # gone: the server restarted or dropped it
        store["active"] = None
        return
    if slots.stop.button(t("train.stop"), key=f"{KEY}_stop", icon=":material/stop_circle:"):
        live.stop.set()  # this click reran the page: the thread stops after its batch
    draw = live_view(slots, lang)
    while not live.finished:
        draw(live)  # Streamlit stops this loop (not the training) at a click or a closed tab
        time.sleep(POLL)
    store["active"] = None
    adopt(store, live)
    for slot in (slots.stop, slots.status, slots.progress, slots.curves, slots.maps):
        slot.empty()
