"""Watch a training as it runs: a Keras callback that records, reports, snapshots and stops.

:func:`live_callback` records the history every few batches, hands it to a
*reporter* (the page draws it) at most every ``report_every`` seconds, keeps
the first convolution's filters and maps at each epoch's end, honours a stop
flag and early stopping, and turns an exception raised by the reporter
(Streamlit stops a script that way when the student presses Stop or closes
the tab) into a clean stop after the current batch.

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import keras


@dataclass(frozen=True)
class Snapshot:
    """What the first convolution looked like at the end of an epoch.

    Attributes
    ----------
    epoch : int
        1 for the first epoch.
    filters : ndarray, shape (kh, kw, F)
        Its kernels (averaged over the input channels of a colour image).
    maps : ndarray, shape (Ho, Wo, F)
        Its output for the fixed probe image.
    """

    epoch: int
    filters: np.ndarray
    maps: np.ndarray


@dataclass(frozen=True)
class Progress:
    """What the reporter receives.

    Attributes
    ----------
    epoch, epochs : int
        The epoch running (1-based) and how many there are.
    batch, batches : int
        Batches done in this epoch and per epoch.
    elapsed : float
        Seconds since training started.
    remaining : float or None
        Seconds left, estimated by :func:`time_left` from the batches after the
        first (None until that estimate is reliable).
    rows : list of dict
        The history so far (see :func:`history_frame`).
    snapshots : list of Snapshot
        One per finished epoch.
    epoch_end : bool
        Whether this report closes an epoch.
    """

    epoch: int
    epochs: int
    batch: int
    batches: int
    elapsed: float
    remaining: float | None
    rows: list[dict[str, float]]
    snapshots: list[Snapshot]
    epoch_end: bool

    @property
    def fraction(self) -> float:
        """Share of all batches done, in [0, 1]."""
        total = self.epochs * self.batches
        return min(1.0, ((self.epoch - 1) * self.batches + self.batch) / total) if total else 0.0


WARM_STEPS = 10
"""Batches after the first one that :func:`time_left` needs before it estimates."""
WARM_SECONDS = 1.0
"""Seconds after the first batch that :func:`time_left` needs before it estimates."""


def time_left(
    done: int,
    total: int,
    now: float,
    warm: tuple[int, float] | None,
    *,
    min_steps: int = WARM_STEPS,
    min_seconds: float = WARM_SECONDS,
) -> float | None:
    """Estimate the seconds a training has left from the pace of its batches after warm-up.

    The first batch pays for building and tracing the graph (and, on a cold
    server, much more): timed from the start, a 40-second run would first
    claim to need many minutes. The pace is measured from the end of the first
    batch instead, and only once enough batches and time have passed.

    Parameters
    ----------
    done, total : int
        Batches done so far and in the whole training.
    now : float
        The clock now, in seconds.
    warm : (int, float) or None
        Batches done and the clock when the first batch ended (None before).
    min_steps : int, default :data:`WARM_STEPS`
    min_seconds : float, default :data:`WARM_SECONDS`
        Batches and seconds after warm-up needed for a reliable pace.

    Returns
    -------
    float or None
        ``(now - warm_clock) / (done - warm_done) * (total - done)``, or None
        while the pace is not reliable yet.

    Examples
    --------
    >>> time_left(30, 130, now=12.0, warm=(10, 2.0))  # 0.5 s per batch, 100 batches left
    50.0
    >>> time_left(5, 130, now=3.0, warm=(1, 2.0)) is None  # too few batches since warm-up
    True
    """
    if warm is None:
        return None
    steps, seconds = done - warm[0], now - warm[1]
    if steps < min_steps or seconds < min_seconds:
        return None
    return seconds / steps * max(total - done, 0)


HISTORY_COLUMNS: tuple[str, ...] = (
    "epoch",
    "batch",
    "loss",
    "accuracy",
    "val_loss",
    "val_accuracy",
)
"""Columns of a history: ``epoch`` is fractional (1.5 = half-way through the second
epoch), ``batch`` counts from the start; validation values only at each epoch's end."""


def history_frame(rows: Sequence[Mapping[str, float]]) -> pd.DataFrame:
    """Return recorded rows as a DataFrame with :data:`HISTORY_COLUMNS` (NaN where absent).

    Examples
    --------
    >>> history_frame([{"epoch": 0.5, "batch": 5, "loss": 1.2, "accuracy": 0.6}]).shape
    (1, 6)
    """
    return pd.DataFrame(list(rows), columns=list(HISTORY_COLUMNS), dtype=float)


def _first_conv(model: keras.Model) -> Any:
    for layer in model.layers:
        if type(layer).__name__ == "Conv2D":
            return layer
    return None


def live_callback(
    *,
    reporter: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    record_every: int = 5,
    report_every: float = 0.4,
    probe: np.ndarray | None = None,
    patience: int = 0,
    keep_best: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Any:
    """Return a Keras callback that records, reports, snapshots and stops.

    Parameters
    ----------
    reporter : callable, optional
        Called with a :class:`Progress` at most every ``report_every`` seconds
        and at each epoch's end. An exception it raises (Streamlit stops a
        script that way) stops training after the current batch; it is kept in
        the callback's ``interrupted`` attribute for the caller to re-raise.
    stop : threading.Event, optional
        When set, training stops after the current batch.
    record_every : int, default 5
        Record the running loss and accuracy every this many batches.
    report_every : float, default 0.4
        Seconds between reports (reporting costs time: drawing, sending).
    probe : ndarray, shape (H, W, C), optional
        An image whose first-convolution maps are kept at each epoch's end
        (with that layer's filters) in ``snapshots``.
    patience : int, default 0
        Early stopping on the validation loss (0: off).
    keep_best : bool, default False
        Keep the weights of the epoch with the lowest validation loss in
        ``best_weights`` (restored by :func:`cnnviz.nets.training.train`).
    clock : callable
        Seconds, for the throttle and time left.

    Returns
    -------
    keras.callbacks.Callback
        A :class:`LiveRecorder`, with attributes ``rows``, ``snapshots``,
        ``interrupted``, ``reason`` (``"completed"``, ``"early_stopping"``,
        ``"stopped"``), ``best_epoch`` and ``best_weights``.
    """
    import keras

    # Keras' base class can only be named once Keras is imported: mix it in here.
    live = type("LiveCallback", (LiveRecorder, keras.callbacks.Callback), {})
    return live(
        reporter=reporter,
        stop=stop,
        record_every=record_every,
        report_every=report_every,
        probe=probe,
        patience=patience,
        keep_best=keep_best,
        clock=clock,
    )


class LiveRecorder:
    """What the live callback does, written without naming Keras' ``Callback`` class.

    :func:`live_callback` mixes it into a ``keras.callbacks.Callback``, which
    sets ``self.model`` and ``self.params``; the parameters are those of
    :func:`live_callback`.
    """

    model: Any
    params: dict[str, Any]

    def __init__(
        self,
        *,
        reporter: Callable[[Progress], None] | None,
        stop: threading.Event | None,
        record_every: int,
        report_every: float,
        probe: np.ndarray | None,
        patience: int,
        keep_best: bool,
        clock: Callable[[], float],
    ) -> None:
        super().__init__()
        self.reporter, self.stop, self.clock = reporter, stop, clock
        self.record_every, self.report_every = record_every, report_every
        self.probe, self.patience, self.keep_best = probe, patience, keep_best
        self.rows: list[dict[str, float]] = []
        self.snapshots: list[Snapshot] = []
        self.interrupted: BaseException | None = None
        self.reason = "completed"
        self.best_epoch = 0
        self.best_loss = np.inf
        self.best_weights: list[np.ndarray] | None = None
        self._wait = 0
        self._warm: tuple[int, float] | None = None  # batches and clock after the first batch
        self._first_warm: tuple[int, float] | None = None  # the same in the first epoch
        self._probe_model: Any = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Start the clock; build the model that gives the probe's first-convolution maps."""
        import keras

        self.start = self.clock()
        self.last_report = -np.inf
        self.batches = int(self.params.get("steps") or 0)
        self.epochs = int(self.params.get("epochs") or 1)
        self.epoch = 1
        self.batch = 0
        conv = _first_conv(self.model)
        if self.probe is not None and conv is not None:
            self._probe_model = keras.Model(self.model.input, conv.output)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Count epochs from 1 and batches from 0 in each; time the pace again in the second."""
        self.epoch, self.batch = epoch + 1, 0
        if epoch == 1:
            # The first epoch's end traced the validation and the probe (seconds on a busy
            # server): the pace is timed again from the second epoch's first batch, the
            # first epoch's pace standing in until that one is reliable.
            self._first_warm, self._warm = self._warm, None

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Record every ``record_every`` batches, honour the stop flag, report."""
        self.batch = batch + 1
        if self._warm is None:
            self._warm = ((self.epoch - 1) * self.batches + self.batch, self.clock())
        logs = logs or {}
        # The epoch's last batch is recorded by on_epoch_end, with the validation values.
        if self.batch % self.record_every == 0 and self.batch < self.batches:
            self._record(logs)
        if self.stop is not None and self.stop.is_set():
            self.reason = "stopped"
            self.model.stop_training = True
            return
        self._report()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Record with validation, snapshot, track the best epoch, report."""
        logs = logs or {}
        self._record(logs, val=True)
        if self._probe_model is not None:
            self._snapshot(epoch + 1)
        loss = logs.get("val_loss")
        if loss is not None and np.isfinite(loss):
            self._track_best(epoch + 1, float(loss))
        self._report(epoch_end=True)

    def _progress(self, epoch_end: bool) -> Progress:
        now = self.clock()
        done = (self.epoch - 1) * self.batches + self.batch
        total = self.epochs * self.batches
        remaining = time_left(done, total, now, self._warm)
        if remaining is None:
            remaining = time_left(done, total, now, self._first_warm)
        return Progress(
            self.epoch,
            self.epochs,
            self.batch,
            self.batches,
            now - self.start,
            remaining,
            self.rows,
            self.snapshots,
            epoch_end,
        )

    def _report(self, epoch_end: bool = False) -> None:
        if self.reporter is None or self.interrupted is not None:
            return
        now = self.clock()
        if not epoch_end and now - self.last_report < self.report_every:
            return
        self.last_report = now
        try:
            self.reporter(self._progress(epoch_end))
        except BaseException as exc:  # Streamlit's stop: finish the batch, keep the model
            self.interrupted = exc
            self.reason = "stopped"
            self.model.stop_training = True

    def _record(self, logs: Mapping[str, Any], val: bool = False) -> None:
        row = {
            "epoch": self.epoch - 1 + self.batch / max(self.batches, 1),
            "batch": (self.epoch - 1) * self.batches + self.batch,
            "loss": float(logs.get("loss", np.nan)),
            "accuracy": float(logs.get("accuracy", np.nan)),
        }
        if val:
            row["val_loss"] = float(logs.get("val_loss", np.nan))
            row["val_accuracy"] = float(logs.get("val_accuracy", np.nan))
        self.rows.append(row)

    def _snapshot(self, epoch: int) -> None:
        import keras

        kernel = keras.ops.convert_to_numpy(_first_conv(self.model).kernel)
        maps = keras.ops.convert_to_numpy(self._probe_model(self.probe[None], training=False))
        self.snapshots.append(Snapshot(epoch, kernel.mean(axis=2), maps[0]))

    def _track_best(self, epoch: int, loss: float) -> None:
        """Keep the best epoch (and its weights); stop early after ``patience`` worse ones."""
        if loss < self.best_loss:
            self.best_loss, self.best_epoch, self._wait = loss, epoch, 0
            if self.keep_best:
                self.best_weights = [w.copy() for w in self.model.get_weights()]
            return
        self._wait += 1
        if self.patience and self._wait >= self.patience and self.reason == "completed":
            self.reason = "early_stopping"
            self.model.stop_training = True
