"""The run section: the Train and Stop buttons, the live view, and saving the run.

The training runs inside the script's run: the reporter given to
:func:`cnnviz.nets.training.train` redraws the progress, the curves and (each
epoch) the first layer's filters and maps. The Stop button (or any other click,
or closing the tab) makes Streamlit stop the run at the reporter's next
drawing; the callback turns that into a stop after the current batch, the run
is saved in the session's store, and the page reruns to show it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages.training import KEY
from cnnviz.core.architectures import Summary
from cnnviz.figures import network as network_figures
from cnnviz.figures import training as figs
from cnnviz.i18n import InputError, format_count, t
from cnnviz.nets.limits import LIMITS, SLOTS
from cnnviz.nets.live import Progress, Snapshot, history_frame
from cnnviz.nets.training import RunResult, Settings, build_model, train, training_run
from cnnviz.nets.training_data import Augmentation, Prepared
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.kit import chart

MISTAKES_SHOWN = 24
CURVES_EVERY = 1.5  # seconds between redrawn curves during training (the bar moves more often)
LIVE_MAPS = 16  # filters and maps drawn live at each epoch's end (all 32 cost the browser)
REPORT_EVERY = 0.5  # seconds between the callback's reports


def new_store() -> dict[str, Any]:
    """Return an empty store of runs for a session.

    The runs live in a plain dict fetched once per script run: a run stopped by
    Streamlit (Stop, another click, a closed tab) may not touch
    ``st.session_state`` any more (every access raises its stop again), yet it
    must still save what it learned. Its lock makes the session train once at a
    time, and lets the next script run wait for that save.
    """
    return {"runs": [], "counter": 0, "latest": None, "lock": threading.Lock()}


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


@dataclass(frozen=True, eq=False)
class Slots:
    """Where the live view draws: placeholders made before training starts."""

    stop: Any
    status: Any
    progress: Any
    curves: Any
    maps: Any


def clock(seconds: float | None) -> str:
    """Write seconds as minutes and seconds, ``…`` when unknown.

    Examples
    --------
    >>> clock(65), clock(None)
    ('1:05', '…')
    """
    if seconds is None:
        return "…"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


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
    return start, Slots(stop_col.empty(), st.empty(), st.empty(), st.empty(), st.empty())


def run_training(plan: Plan, slots: Slots, store: dict[str, Any], lang: str) -> None:
    """Train the plan's network, drawing as it goes; keep the run in ``store``."""
    slots.stop.button(t("train.stop"), key=f"{KEY}_stop", icon=":material/stop_circle:")
    reporter = live_reporter(slots, lang)

    def on_wait(busy: int) -> None:
        slots.status.info(t("train.wait", busy=busy, capacity=SLOTS.capacity))

    keras_module()  # imported once per server, the heap frozen so that reruns stay fast
    with store["lock"], SLOTS.hold(on_wait):
        slots.status.empty()
        try:
            model = build_model(plan.spec, plan.data.input_shape, plan.data.classes, plan.settings)
            result = train(
                model,
                plan.data,
                plan.settings,
                augmentation=plan.augmentation,
                reporter=reporter,
                report_every=REPORT_EVERY,
            )
        except InputError as err:
            slots.status.error(err.message())
            return
        keep_run(store, plan, model, result)
        if result.interrupted is not None:
            raise result.interrupted  # Streamlit's stop or rerun: the run is saved
    for slot in (slots.stop, slots.progress, slots.curves, slots.maps):
        slot.empty()


def live_reporter(slots: Slots, lang: str) -> Any:
    """Return the reporter that draws a training's progress, curves and maps in ``slots``."""
    bar = slots.progress.progress(0.0, text=t("train.status.preparing"))
    draws = iter(range(10**9))  # unique chart keys: one chart per drawing
    last_curves = [-float("inf")]

    def reporter(progress: Progress) -> None:
        bar.progress(
            progress.fraction,
            text=t(
                "train.status.running",
                epoch=progress.epoch,
                epochs=progress.epochs,
                batch=progress.batch,
                batches=progress.batches,
                left=clock(progress.remaining),
            ),
        )
        history = history_frame(progress.rows)
        now = time.monotonic()
        # A new chart per drawing costs the browser more than the progress bar: fewer of them.
        if len(history) and (progress.epoch_end or now - last_curves[0] >= CURVES_EVERY):
            last_curves[0] = now
            chart(
                figs.curves(history, epochs=progress.epochs, lang=lang),
                key=f"{KEY}_live_{next(draws)}",
                where=slots.curves,
            )
        if progress.epoch_end and progress.snapshots:
            draw_snapshot(
                progress.snapshots[-1],
                slots.maps,
                f"{KEY}_live_maps_{next(draws)}",
                lang,
                LIVE_MAPS,
            )

    return reporter


def keep_run(store: dict[str, Any], plan: Plan, model: Any, result: RunResult) -> None:
    """Store a run (the oldest goes when there are too many); never touches the session state."""
    store["counter"] += 1
    number = store["counter"]
    runs = store["runs"]
    runs.append(
        training_run(
            number,
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
    )
    del runs[: -LIMITS.max_runs_kept]
    store["latest"] = number


def draw_snapshot(snapshot: Snapshot, slot: Any, key: str, lang: str, count: int = 32) -> None:
    """Draw the first convolution's filters and the probe image's maps at the end of an epoch."""
    count = min(count, snapshot.filters.shape[-1])
    with slot.container():
        left, right = st.columns(2)
        left.markdown(t("train.live.filters", epoch=snapshot.epoch))
        chart(
            network_figures.map_grid(snapshot.filters[..., :count], signed=True, lang=lang),
            key=f"{key}_f",
            where=left,
        )
        right.markdown(t("train.live.maps", epoch=snapshot.epoch))
        chart(
            network_figures.map_grid(snapshot.maps[..., :count], lang=lang),
            key=f"{key}_m",
            where=right,
        )
