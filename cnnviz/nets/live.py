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
    monitor : str
        The value the checkpoint watches (one of :data:`MONITORS`).
    best_epoch : int
        The epoch with the best monitored value so far (0 before one).
    best_value : float or None
        That value.
    checkpoint_epoch : int
        The epoch whose weights the checkpoint holds now (0 before one).
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
    monitor: str = "val_loss"
    best_epoch: int = 0
    best_value: float | None = None
    checkpoint_epoch: int = 0

    @property
    def fraction(self) -> float:
        """Share of all batches done, in [0, 1]."""
        total = self.epochs * self.batches
        return min(1.0, ((self.epoch - 1) * self.batches + self.batch) / total) if total else 0.0


MONITORS: tuple[str, ...] = ("val_accuracy", "val_loss", "accuracy", "loss")
"""Values a checkpoint may watch, as ``model.fit`` names them in its logs."""


def monitor_mode(monitor: str) -> str:
    """Return ``"max"`` for an accuracy, ``"min"`` for a loss (Keras' ``mode="auto"``).

    Examples
    --------
    >>> monitor_mode("val_accuracy"), monitor_mode("loss")
    ('max', 'min')
    """
    return "max" if monitor.removeprefix("val_") == "accuracy" else "min"


def improves(value: float, best: float | None, mode: str) -> bool:
    """Whether ``value`` beats ``best`` strictly, as ``keras.callbacks.ModelCheckpoint`` decides.

    The first value always does (``best`` is None), even NaN; after that a NaN
    never does, and nothing beats a NaN best.

    Examples
    --------
    >>> improves(0.5, None, "min"), improves(0.5, 0.5, "min"), improves(0.6, 0.5, "max")
    (True, False, True)
    >>> improves(float("nan"), 0.5, "min"), improves(0.1, float("nan"), "min")
    (False, False)
    """
    if best is None:
        return True
    return bool(value < best if mode == "min" else value > best)


@dataclass(frozen=True, eq=False)
class Checkpoint:
    """What ``ModelCheckpoint`` would have saved, kept in memory.

    Attributes
    ----------
    monitor : str
        One of :data:`MONITORS`.
    best_only : bool
        ``save_best_only``: rewritten only when the monitored value improved;
        otherwise every epoch (it then holds the last epoch's weights).
    values : tuple of float
        The monitored value at each epoch's end (NaN where it was missing).
    saved : tuple of int
        The epochs at which it was written, in order (1-based).
    best_epoch : int
        The epoch with the best monitored value (0 when none was reported).
    missing : bool
        Whether the monitored value was missing at some epoch (Keras then
        saves anyway, and so does this).
    weights : list of ndarray or None
        Its weights; None when it holds the last epoch's (the model's own).
    """

    monitor: str
    best_only: bool
    values: tuple[float, ...]
    saved: tuple[int, ...]
    best_epoch: int
    missing: bool
    weights: list[np.ndarray] | None = None

    @property
    def mode(self) -> str:
        """``"max"`` or ``"min"`` (:func:`monitor_mode`)."""
        return monitor_mode(self.monitor)

    @property
    def epoch(self) -> int:
        """The epoch whose weights it holds (0 when never written)."""
        return self.saved[-1] if self.saved else 0

    @property
    def value(self) -> float:
        """The monitored value at :attr:`epoch` (NaN when never written or missing)."""
        return self.values[self.epoch - 1] if self.epoch else float("nan")

    @property
    def never_improved(self) -> bool:
        """Whether the monitored value never beat the first epoch's (with two or more epochs)."""
        return len(self.values) > 1 and self.best_epoch <= 1


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


def epoch_values(rows: Sequence[Mapping[str, float]], monitor: str) -> list[float]:
    """Return ``monitor``'s value at each epoch's end from recorded rows (NaN where missing).

    Examples
    --------
    >>> rows = [{"epoch": 0.5, "loss": 2.0}, {"epoch": 1.0, "loss": 1.5, "val_loss": 1.6},
    ...         {"epoch": 2.0, "loss": 1.2, "val_loss": 1.4}]
    >>> epoch_values(rows, "val_loss"), epoch_values(rows, "loss")
    ([1.6, 1.4], [1.5, 1.2])
    """
    # Only an epoch's end records the validation values, even as NaN.
    return [float(row.get(monitor, np.nan)) for row in rows if "val_loss" in row]


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
    monitor: str = "val_loss",
    best_only: bool = True,
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
        Early stopping: stop after this many epochs in which ``monitor`` did
        not improve (0: off).
    keep_best : bool, default False
        Ask :func:`cnnviz.nets.training.train` to restore the checkpoint's
        weights at the end (kept here either way).
    clock : callable
        Seconds, for the throttle and time left.
    monitor : str, default "val_loss"
        What the checkpoint and early stopping watch (:data:`MONITORS`; its
        direction from :func:`monitor_mode`).
    best_only : bool, default True
        ``ModelCheckpoint``'s ``save_best_only``: keep only an improving
        epoch's weights (else each epoch's, that is the last).

    Returns
    -------
    keras.callbacks.Callback
        A :class:`LiveRecorder`, with attributes ``rows``, ``snapshots``,
        ``interrupted``, ``reason`` (``"completed"``, ``"early_stopping"``,
        ``"stopped"``), ``best_epoch``, ``best_weights`` (the checkpoint's,
        None until written or when they are the last epoch's) and
        :meth:`LiveRecorder.checkpoint`.
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
        monitor=monitor,
        best_only=best_only,
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
        monitor: str = "val_loss",
        best_only: bool = True,
    ) -> None:
        super().__init__()
        self.reporter, self.stop, self.clock = reporter, stop, clock
        self.record_every, self.report_every = record_every, report_every
        self.probe, self.patience, self.keep_best = probe, patience, keep_best
        self.rows: list[dict[str, float]] = []
        self.snapshots: list[Snapshot] = []
        self.interrupted: BaseException | None = None
        self.reason = "completed"
        self.monitor, self.best_only = monitor, best_only
        self.best_epoch = 0
        self.best_value: float | None = None  # None until the first value, as Keras
        self.best_weights: list[np.ndarray] | None = None
        self.values: list[float] = []  # the monitored value at each epoch's end
        self.saved: list[int] = []  # epochs at which the checkpoint was written
        self.missing = False
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
        self._checkpoint(epoch + 1, logs.get(self.monitor))
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
            self.monitor,
            self.best_epoch,
            self.best_value,
            self.saved[-1] if self.saved else 0,
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

    def _checkpoint(self, epoch: int, value: Any) -> None:
        """Write the checkpoint as ``ModelCheckpoint`` would; stop early after ``patience``.

        A missing value is saved anyway (Keras warns and falls back to saving);
        with ``best_only`` off every epoch is saved (the weights are then the
        model's own, nothing is copied).
        """
        self.values.append(np.nan if value is None else float(value))
        better = value is not None and improves(float(value), self.best_value, self.mode)
        if better:
            self.best_value, self.best_epoch, self._wait = float(value), epoch, 0
        self.missing = self.missing or value is None
        if better or value is None or not self.best_only:
            self.saved.append(epoch)
            self.best_weights = (
                [w.copy() for w in self.model.get_weights()] if self.best_only else None
            )
        if better or value is None:
            return
        self._wait += 1
        if self.patience and self._wait >= self.patience and self.reason == "completed":
            self.reason = "early_stopping"
            self.model.stop_training = True

    @property
    def mode(self) -> str:
        """``"max"`` or ``"min"``: the monitored value's direction."""
        return monitor_mode(self.monitor)

    def checkpoint(self) -> Checkpoint:
        """Return the checkpoint as it stands."""
        return Checkpoint(
            monitor=self.monitor,
            best_only=self.best_only,
            values=tuple(self.values),
            saved=tuple(self.saved),
            best_epoch=self.best_epoch,
            missing=self.missing,
            weights=self.best_weights,
        )
