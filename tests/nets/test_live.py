"""Tests of cnnviz.nets.live: the callback's records, stops and best epoch."""

import threading

import keras
import numpy as np
import pytest

from cnnviz.content.gallery import course_mnist
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.live import (
    MONITORS,
    LiveRecorder,
    epoch_values,
    history_frame,
    improves,
    live_callback,
    monitor_mode,
    time_left,
)
from cnnviz.nets.training import Settings, build_model
from cnnviz.nets.training_data import prepare_data


@pytest.fixture(scope="module")
def data():
    return prepare_data(load_mnist_subset(), samples=300, validation_split=0.2)


def test_stop_flag_stops_after_the_current_batch(data):
    settings = Settings(epochs=3, batch_size=16)
    model = build_model(course_mnist(), data.input_shape, 10, settings)
    stop = threading.Event()
    batches = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batches.append(batch)
            if len(batches) == 4:
                stop.set()

    callback = live_callback(stop=stop)
    model.fit(data.x_train, data.y_train, batch_size=16, epochs=3, verbose=0,
              callbacks=[Count(), callback])  # fmt: skip
    assert batches == [0, 1, 2, 3] and callback.reason == "stopped"


class FakeModel:
    """What the recorder touches of a Keras model when there is no probe."""

    def __init__(self):
        self.stop_training = False
        self.layers = []
        self.weights = 0

    def get_weights(self):
        self.weights += 1
        return [np.full(2, float(self.weights))]


def _recorder(**options):
    settings = {"reporter": None, "stop": None, "record_every": 5, "report_every": 0.0,
                "probe": None, "patience": 0, "keep_best": False, "clock": lambda: 0.0}  # fmt: skip
    recorder = LiveRecorder(**{**settings, **options})
    recorder.model = FakeModel()
    recorder.params = {"steps": 4, "epochs": 5}
    recorder.on_train_begin()
    return recorder


def _epochs(recorder, losses, name="val_loss"):
    for epoch, loss in enumerate(losses):
        recorder.on_epoch_begin(epoch)
        for batch in range(4):
            recorder.on_train_batch_end(batch, {"loss": 1.0, "accuracy": 0.5})
        logs = {"loss": 1.0, "accuracy": 0.5}
        if loss is not None:
            logs[name] = loss
        recorder.on_epoch_end(epoch, logs)
        if recorder.model.stop_training:
            break


def test_patience_stops_after_that_many_worse_epochs_and_keeps_the_best():
    recorder = _recorder(patience=2, keep_best=True)
    _epochs(recorder, [0.9, 0.5, 0.7, 0.6, 0.1])
    assert recorder.reason == "early_stopping" and recorder.model.stop_training
    assert recorder.best_epoch == 2 and recorder.best_value == 0.5
    assert recorder.best_weights[0].tolist() == [2.0, 2.0]  # copied at the second epoch
    assert recorder.checkpoint().saved == (1, 2) and recorder.checkpoint().epoch == 2
    # Four batches an epoch, recorded at its end only (4 is the last batch): one row each.
    assert history_frame(recorder.rows)["epoch"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_without_patience_the_run_completes():
    recorder = _recorder()
    _epochs(recorder, [0.9, 0.5, 0.7, 0.6, 0.1])
    assert recorder.reason == "completed" and recorder.best_epoch == 5
    # The checkpoint is kept whether or not it is restored: copied at epochs 1, 2 and 5.
    assert recorder.checkpoint().saved == (1, 2, 5)
    assert recorder.best_weights[0].tolist() == [3.0, 3.0]


@pytest.mark.parametrize(
    ("monitor", "values", "saved", "best"),
    [
        ("val_accuracy", [0.3, 0.5, 0.4, 0.5, 0.6], (1, 2, 5), 5),  # a tie is no improvement
        ("accuracy", [0.3, 0.5, 0.4, 0.5, 0.45], (1, 2), 2),
        ("val_loss", [0.9, 0.5, 0.7, 0.5, 0.6], (1, 2), 2),
        ("loss", [0.9, float("nan"), 0.8, 0.9, 0.1], (1, 3, 5), 5),  # NaN never improves
        ("val_loss", [float("nan"), 0.5, 0.1], (1,), 1),  # first is saved; nothing beats NaN
    ],
)
def test_checkpoint_follows_model_checkpoint_by_hand(monitor, values, saved, best):
    recorder = _recorder(monitor=monitor)
    _epochs(recorder, values, name=monitor)
    checkpoint = recorder.checkpoint()
    assert checkpoint.saved == saved and checkpoint.best_epoch == best == checkpoint.epoch
    assert np.allclose(checkpoint.values, values, equal_nan=True)
    assert checkpoint.mode == ("max" if "accuracy" in monitor else "min")
    assert checkpoint.weights[0][0] == len(saved)  # the fake weights count the copies
    assert not checkpoint.missing


def test_checkpoint_without_best_only_holds_the_last_epoch():
    recorder = _recorder(monitor="val_accuracy", best_only=False)
    _epochs(recorder, [0.3, 0.5, 0.4], name="val_accuracy")
    checkpoint = recorder.checkpoint()
    assert checkpoint.saved == (1, 2, 3) and checkpoint.epoch == 3 and checkpoint.best_epoch == 2
    assert checkpoint.weights is None and recorder.model.weights == 0  # nothing copied
    assert checkpoint.value == 0.4


def test_a_missing_monitored_value_is_saved_anyway_and_flagged():
    recorder = _recorder(monitor="val_accuracy", patience=1)
    _epochs(recorder, [None, None, None], name="val_accuracy")
    checkpoint = recorder.checkpoint()
    assert checkpoint.missing and checkpoint.saved == (1, 2, 3) and checkpoint.best_epoch == 0
    assert np.isnan(checkpoint.value) and recorder.reason == "completed"  # no early stop


def test_never_improved_after_the_first_epoch():
    recorder = _recorder(monitor="val_accuracy")
    _epochs(recorder, [0.6, 0.5, 0.6], name="val_accuracy")
    assert recorder.checkpoint().never_improved and recorder.checkpoint().epoch == 1


def test_progress_carries_the_best_epoch_so_far():
    reports = []
    recorder = _recorder(monitor="val_accuracy", reporter=reports.append)
    _epochs(recorder, [0.3, 0.5, 0.4], name="val_accuracy")
    ends = [p for p in reports if p.epoch_end]
    assert [(p.best_epoch, p.best_value, p.checkpoint_epoch) for p in ends] == [
        (1, 0.3, 1), (2, 0.5, 2), (2, 0.5, 2)
    ]  # fmt: skip
    assert epoch_values(ends[-1].rows, "val_accuracy") == [0.3, 0.5, 0.4]
    assert epoch_values(ends[-1].rows, "loss") == [1.0, 1.0, 1.0]


def test_monitor_modes_and_improvement_by_hand():
    assert [monitor_mode(m) for m in MONITORS] == ["max", "min", "max", "min"]
    assert improves(float("nan"), None, "max")  # Keras saves the first value, whatever it is
    assert not improves(0.5, 0.5, "max") and improves(0.4, 0.5, "min")


def test_reports_are_throttled_and_an_exception_stops():
    now = [0.0]
    reports = []

    def reporter(progress):
        reports.append((progress.epoch, progress.batch, progress.epoch_end))
        if len(reports) == 3:
            raise KeyboardInterrupt

    recorder = _recorder(reporter=reporter, report_every=1.0, clock=lambda: now[0])
    recorder.on_epoch_begin(0)
    for batch in range(4):
        now[0] += 0.6  # a report every other batch
        recorder.on_train_batch_end(batch)
    assert reports == [(1, 1, False), (1, 3, False)]
    recorder.on_epoch_end(0, {"val_loss": 1.0})  # the epoch's end always reports
    assert isinstance(recorder.interrupted, KeyboardInterrupt)
    assert recorder.reason == "stopped" and recorder.model.stop_training
    recorder.on_epoch_end(1, {"val_loss": 1.0})
    assert len(reports) == 3  # nothing after the stop


def test_time_left_uses_the_pace_after_the_first_batch():
    # The first batch took 30 s (TensorFlow's tracing); then 20 batches in 4 s: 0.2 s each.
    assert time_left(21, 121, now=34.0, warm=(1, 30.0)) == pytest.approx(0.2 * 100)
    # Timed from the start, the same run would claim 34 / 21 * 100 = 162 s left.
    assert time_left(121, 121, now=50.0, warm=(1, 30.0)) == 0.0


@pytest.mark.parametrize(
    ("done", "now", "warm"),
    [
        (0, 5.0, None),  # no batch finished yet
        (10, 40.0, (1, 30.0)),  # 9 batches since warm-up: fewer than 10
        (50, 30.5, (1, 30.0)),  # 49 batches but only half a second
    ],
)
def test_time_left_waits_for_a_reliable_pace(done, now, warm):
    assert time_left(done, 200, now=now, warm=warm) is None


def test_progress_says_estimating_then_gives_the_pace_after_warm_up():
    clock = {"now": 0.0}
    recorder = LiveRecorder(reporter=None, stop=None, record_every=5, report_every=0.0,
                            probe=None, patience=0, keep_best=False,
                            clock=lambda: clock["now"])  # fmt: skip
    recorder.model, recorder.params = FakeModel(), {"steps": 100, "epochs": 2}
    recorder.on_train_begin()
    recorder.on_epoch_begin(0)
    clock["now"] = 30.0  # the first batch pays for tracing
    recorder.on_train_batch_end(0)
    assert recorder._progress(False).remaining is None  # "estimating…"
    for batch in range(1, 21):
        clock["now"] += 0.5
        recorder.on_train_batch_end(batch)
    progress = recorder._progress(False)
    assert progress.elapsed == 40.0
    assert progress.remaining == pytest.approx(0.5 * (200 - 21))  # not 40 / 21 * 179 = 341 s
    for batch in range(21, 100):
        clock["now"] += 0.5
        recorder.on_train_batch_end(batch)
    clock["now"] += 6.0  # the first epoch's end: validation and probe traced
    recorder.on_epoch_begin(1)
    clock["now"] += 0.5
    recorder.on_train_batch_end(0)  # the second epoch's pace starts here
    # Until it is reliable, the first epoch's pace stands in: 100 batches in 86 - 30 s.
    assert recorder._progress(False).remaining == pytest.approx((86 - 30) / 100 * 99)
    for batch in range(1, 11):
        clock["now"] += 0.2  # faster now
        recorder.on_train_batch_end(batch)
    assert recorder._progress(False).remaining == pytest.approx(0.2 * 89)
