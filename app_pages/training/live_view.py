"""The live view of a training: its status line, progress bar, curves, filters and maps.

:mod:`app_pages.training.run` watches a run and calls what :func:`live_view`
returns with each report; the results reuse :func:`draw_snapshot` and
:func:`clock`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages.training import KEY
from cnnviz.figures import network as network_figures
from cnnviz.figures import training as figs
from cnnviz.i18n import format_number, get_language, t
from cnnviz.nets.limits import SLOTS
from cnnviz.nets.live import Progress, Snapshot, epoch_values, history_frame
from cnnviz.nets.run_store import LiveRun
from cnnviz.ui.kit import chart

CURVES_EVERY = 1.5  # seconds between redrawn curves during training (the bar moves more often)
LIVE_MAPS = 16  # filters and maps drawn live at each epoch's end (all 32 cost the browser)


@dataclass(frozen=True, eq=False)
class Slots:
    """Where the live view draws: placeholders made before training starts."""

    stop: Any
    status: Any
    progress: Any
    curves: Any
    maps: Any

    @classmethod
    def below(cls, stop: Any) -> Slots:
        """Make the slots here, the Stop button's in ``stop``."""
        return cls(stop, st.empty(), st.empty(), st.empty(), st.empty())


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


def status_text(live: LiveRun) -> str:
    """Write the live view's status line: starting, stopping, or where the training is."""
    progress = live.progress
    if live.stop.is_set():
        return t("train.status.stopping")
    if progress is None:
        return t("train.status.starting")
    where = {
        "epoch": progress.epoch,
        "epochs": progress.epochs,
        "batch": progress.batch,
        "batches": progress.batches,
    }
    if progress.remaining is None:
        return t("train.status.estimating", **where)
    return t("train.status.running", left=clock(progress.remaining), **where)


def checkpoint_line(progress: Progress | None, rows: list[dict[str, float]]) -> str:
    """Write the checkpoint's line: the monitored value at each epoch so far, the best in bold.

    Empty before the first epoch ends.
    """
    if progress is None:
        return ""
    values = epoch_values(rows, progress.monitor)
    if not values:
        return ""
    lang = get_language()
    shown = [
        f"**{format_number(v, digits=3, lang=lang)}**"
        if i + 1 == progress.best_epoch
        else format_number(v, digits=3, lang=lang)
        for i, v in enumerate(values)
    ]
    return t(
        "ckpt.live",
        monitor=progress.monitor,
        values=" · ".join(shown),
        epoch=progress.best_epoch,
        saved=progress.checkpoint_epoch,
    )


def live_view(slots: Slots, lang: str) -> Callable[[LiveRun], None]:
    """Return what draws a watched run in ``slots``: queue, progress, curves and maps."""
    bar = slots.progress.progress(0.0, text=t("train.status.preparing"))
    draws = iter(range(10**9))  # unique chart keys: one chart per drawing
    drawn = {"curves": -float("inf"), "rows": 0, "snapshots": 0}

    def draw(live: LiveRun) -> None:
        if live.phase == "queued" and live.waiting:  # a free slot never calls it waiting
            slots.status.info(t("train.wait", busy=live.waiting, capacity=SLOTS.capacity))
            return
        progress = live.progress
        rows = [] if progress is None else list(progress.rows)  # the thread appends meanwhile
        # Emptied with the live view at the end.
        slots.status.caption(
            "  \n".join(filter(None, (t("train.run.any_click"), checkpoint_line(progress, rows))))
        )
        bar.progress(progress.fraction if progress else 0.0, text=status_text(live))
        if progress is None:
            return
        now = time.monotonic()
        # A new chart per drawing costs the browser more than the progress bar: fewer of them.
        if len(rows) > drawn["rows"] and now - drawn["curves"] >= CURVES_EVERY:
            drawn["curves"], drawn["rows"] = now, len(rows)
            chart(
                figs.curves(
                    history_frame(rows),
                    epochs=progress.epochs,
                    lang=lang,
                    best=(progress.monitor, progress.best_epoch),
                ),
                key=f"{KEY}_live_{next(draws)}",
                where=slots.curves,
            )
        snapshots = list(progress.snapshots)
        if len(snapshots) > drawn["snapshots"]:
            drawn["snapshots"] = len(snapshots)
            draw_snapshot(
                snapshots[-1], slots.maps, f"{KEY}_live_maps_{next(draws)}", lang, LIVE_MAPS
            )

    return draw


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
