"""The run section: the settings, Train and Stop, and watching the two runs in the background.

As on the training page (:mod:`app_pages.training.run`), the training runs in a
thread of the server registered in :data:`cnnviz.nets.run_store.RUNS`, holding
one of the server's training slots (:data:`cnnviz.nets.limits.SLOTS`): a click
elsewhere does not end it. The page watches it until both runs (pretrained,
then from scratch) are done, then keeps the :class:`~cnnviz.nets.transfer.Comparison`
in the session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import streamlit as st

from app_pages.training.live_view import status_text
from app_pages.transfer import KEY, choice
from cnnviz.i18n import InputError, format_number, t
from cnnviz.nets import run_store
from cnnviz.nets import transfer as tr
from cnnviz.nets.limits import LIMITS, SLOTS
from cnnviz.nets.run_store import RUNS, LiveRun
from cnnviz.nets.training_data import Prepared
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.network import trained_model
from cnnviz.ui.url_state import url_number

POLL = 0.5  # seconds between two drawings of the watched run
RATES: tuple[float, ...] = (0.0003, 0.001, 0.003)


@st.cache_resource(show_spinner=False)
def _cifar_model() -> Any:
    from cnnviz.nets.cifar_model import load_cifar_model  # TensorFlow: only when training

    keras_module()
    return load_cifar_model()


def bundled_model(base: str) -> Any:
    """Return the shared bundled network of ``base`` (loaded once per server, never changed)."""
    with st.spinner(t("net.loading")):
        return _cifar_model() if base == "cifar" else trained_model()


def settings_widgets(base: str) -> tr.TransferSettings:
    """Show how to train (mode, head, epochs, learning rate) and return the settings."""
    cols = st.columns([3, 3, 2, 2])
    with cols[0]:
        mode = choice(st.radio, "transfer.mode", tr.PRETRAINED_MODES, "mode", horizontal=True)
    head = choice(cols[1].selectbox, "transfer.head", tr.HEADS, "head")
    epochs = url_number(
        cols[2].slider, t("transfer.epochs"), 1, LIMITS.max_epochs, 5, key=f"{KEY}_epochs"
    )
    shown = {rate: format_number(rate, digits=4) for rate in RATES}  # up front: DESIGN §4
    rate = cols[3].select_slider(
        t("transfer.rate"), RATES, value=0.001, format_func=shown.get, key=f"{KEY}_rate"
    )
    settings = tr.TransferSettings(
        base=base, mode=mode, head=head, epochs=int(epochs), learning_rate=float(rate)
    )
    st.caption(
        t(
            f"transfer.mode.{mode}.help",
            factor=tr.FINE_TUNE_FACTOR,
            rate=settings.training_settings().learning_rate,
        )
    )
    return settings


@dataclass(frozen=True, eq=False)
class Plan:
    """What to train: the bundled network, the data, the settings, as the page names them."""

    bundled: Any
    data: Prepared
    settings: tr.TransferSettings
    labels: tuple[str, ...]
    source: str


def job(plan: Plan) -> Callable[[LiveRun], tr.Comparison]:
    """Return the work of the run's thread: wait for a slot, train both networks, compare.

    No Streamlit call in it; it reports into the :class:`LiveRun` (``leg`` says
    which network trains) and honours its stop flag.
    """

    def report(live: LiveRun, leg: int, progress: Any) -> None:
        live.leg = leg
        live.report(progress)

    def work(live: LiveRun) -> tr.Comparison:
        live.leg = 0
        with SLOTS.hold(lambda busy: setattr(live, "waiting", busy)):
            live.phase = "starting"
            keras_module()  # imported once per server, the heap frozen
            return tr.compare_runs(
                plan.bundled,
                plan.data,
                plan.settings,
                class_labels=plan.labels,
                source=plan.source,
                reporter=lambda leg, progress: report(live, leg, progress),
                stop=live.stop,
            )

    return work


def start(plan: Plan) -> None:
    """Start the comparison in a thread of the server; the session watches it."""
    try:
        live = run_store.start(RUNS, job(plan))
    except InputError as err:  # the server keeps too many running trainings
        st.error(err.message())
        return
    st.session_state[f"{KEY}_active"] = live.token


def watch(stop_slot: Any) -> None:
    """Draw the running comparison until it ends, then keep it in the session."""
    state = st.session_state
    token = state.get(f"{KEY}_active")
    if token is None:
        return
    try:
        live = RUNS.get(token)
    except InputError:  # gone: the server restarted or dropped it
        state[f"{KEY}_active"] = None
        return
    if stop_slot.button(t("train.stop"), key=f"{KEY}_stop", icon=":material/stop_circle:"):
        live.stop.set()  # this click reran the page: the thread stops after its batch
    bar = st.progress(0.0, text=t("train.status.preparing"))
    while not live.finished:  # Streamlit stops this loop (not the training) at a click
        draw(live, bar)
        time.sleep(POLL)
    state[f"{KEY}_active"] = None
    bar.empty()
    stop_slot.empty()
    if live.error is not None:
        st.error(live.error.message())
        return
    state[f"{KEY}_result"] = live.run


def draw(live: LiveRun, bar: Any) -> None:
    """Draw the status of the run: queued, or which network trains and where it is."""
    if live.phase == "queued" and live.waiting:
        bar.progress(0.0, text=t("train.wait", busy=live.waiting, capacity=SLOTS.capacity))
        return
    leg = getattr(live, "leg", 0)
    progress = live.progress
    fraction = (leg + (progress.fraction if progress else 0.0)) / 2
    which = t("transfer.run.pretrained" if leg == 0 else "transfer.run.scratch_network")
    bar.progress(
        min(fraction, 1.0), text=t("transfer.run.leg", which=which, status=status_text(live))
    )
