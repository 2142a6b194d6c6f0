"""Train a small CNN live: settings, the model, a run and its results, what a session keeps.

A network is a spec of :mod:`cnnviz.core.architectures` (one dict per layer, in
Keras terms); :func:`check_model` summarises it and enforces the classroom
:data:`~cnnviz.nets.limits.LIMITS` without TensorFlow, :func:`build_model`
turns it into a compiled Keras model. :func:`train` runs ``model.fit`` on a
:class:`~cnnviz.nets.training_data.Prepared` dataset with the live callback of
:mod:`cnnviz.nets.live` and tests the result (:class:`RunResult`);
:class:`TrainingRun` is what a session keeps of each run to show and compare.

The neighbours: :mod:`cnnviz.nets.limits` (limits, server-wide slots),
:mod:`cnnviz.nets.training_data` (sampling, normalisation, augmentation),
:mod:`cnnviz.nets.zip_dataset` (a student's zip), :mod:`cnnviz.nets.live`
(the callback). TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from cnnviz.core.architectures import Summary, summarize
from cnnviz.i18n import InputError
from cnnviz.nets.datasets import CLASS_NAMES
from cnnviz.nets.limits import LIMITS, Limits, check_choice
from cnnviz.nets.live import (
    MONITORS,
    Checkpoint,
    Progress,
    Snapshot,
    history_frame,
    live_callback,
)
from cnnviz.nets.training_data import Augmentation, Prepared, augmentation_layers, check_memory

if TYPE_CHECKING:  # pragma: no cover
    import keras

# --- settings ------------------------------------------------------------------------------

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam", "rmsprop")
INITIALIZERS: tuple[str, ...] = ("glorot_uniform", "he_normal", "random_normal")


@dataclass(frozen=True)
class Settings:
    """How to train.

    Attributes
    ----------
    optimizer : {"sgd", "adam", "rmsprop"}
    learning_rate : float
    momentum : float
        SGD's momentum (0 is plain SGD); ignored by the others.
    batch_size, epochs : int
    initializer : {"glorot_uniform", "he_normal", "random_normal"}
        Initial weights of every ``Conv2D`` and ``Dense`` kernel (biases start at 0).
    patience : int
        Early stopping: stop after this many epochs in which ``monitor`` did not
        improve; 0 turns it off.
    keep_best : bool
        At the end, go back to the checkpoint's weights (the best epoch's by
        ``monitor`` when ``best_only``).
    seed : int
        Seeds the initial weights, the data's order and the augmentation.
    monitor : str
        What the checkpoint and early stopping watch: one of
        :data:`~cnnviz.nets.live.MONITORS` (accuracies up, losses down).
    best_only : bool
        ``ModelCheckpoint(save_best_only=...)``: keep the best epoch's weights
        only; otherwise the checkpoint is rewritten every epoch (the last).
    """

    optimizer: str = "sgd"
    learning_rate: float = 0.01
    momentum: float = 0.0
    batch_size: int = 32
    epochs: int = 3
    initializer: str = "glorot_uniform"
    patience: int = 0
    keep_best: bool = False
    seed: int = 0
    monitor: str = "val_loss"
    best_only: bool = True


COURSE_SETTINGS = Settings(optimizer="sgd", learning_rate=0.01, momentum=0.0, batch_size=32)
"""How the course trains :func:`cnnviz.content.gallery.course_mnist`."""


DEMO_SETTINGS = Settings(optimizer="adam", learning_rate=0.002, batch_size=64, epochs=5)
"""The training page's defaults: a live demo that convinces.

With :data:`DEMO_SAMPLES` bundled digits and the course network, seeds 0-2
reached 97-98 % validation and test accuracy in 12-27 s of training on this
project's 2-core server (the longer times with other sessions busy); the
course's SGD at 0.01 with 2000 images reached 24-43 % in 3 epochs.
"""

QUICK_EPOCHS = 8
"""Epochs of the quick demo (see :data:`TRAINING_PRESETS`).

Measured (``bench/bench_training_presets.py``, niced, the 2 cores shared): 8
epochs of :func:`cnnviz.content.gallery.quick_cifar` on the bundled CIFAR-10
subset took 41 s in all (5.1 s an epoch, tracing included) for 48.2 % test
accuracy; another run, 32 s for 52.9 %.
"""

DEMO_SAMPLES = 8000
"""Training plus validation images the page starts with (the bundled subset's size)."""


@dataclass(frozen=True)
class TrainingPreset:
    """A whole training set up in one click: the data, the network and how to train it.

    Attributes
    ----------
    key : str
        ``trainset.preset.<key>`` names it, ``.note`` says where it comes from
        and what to expect (measured).
    source : str
        The training page's data source (``"cifar"``: the bundled subset).
    samples : int
        Training plus validation images.
    network : str
        A key of :data:`cnnviz.content.gallery.PRESETS`.
    settings : Settings
    """

    key: str
    source: str
    samples: int
    network: str
    settings: Settings


CIFAR_SAMPLES = 5000
"""The bundled CIFAR-10 subset's training images, all used (a fifth for validation)."""

TRAINING_PRESETS: Mapping[str, TrainingPreset] = {
    p.key: p
    for p in (
        # The course's exercise: its network and hyperparameters (SGD, 0.01, batches of 32),
        # 10 epochs as the issue asks.
        TrainingPreset(
            "course_cifar", "cifar", CIFAR_SAMPLES, "course_cifar",
            replace(COURSE_SETTINGS, epochs=10),
        ),
        TrainingPreset(
            "quick_demo", "cifar", CIFAR_SAMPLES, "quick_cifar",
            Settings(optimizer="adam", learning_rate=0.003, batch_size=64, epochs=QUICK_EPOCHS),
        ),
    )
}  # fmt: skip
"""The training page's presets by key."""


def check_settings(settings: Settings, limits: Limits = LIMITS) -> Settings:
    """Refuse settings outside the limits or meaningless, with a message that says the fix.

    Examples
    --------
    >>> check_settings(Settings(epochs=2)).epochs
    2
    >>> check_settings(Settings(epochs=1000))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The number of epochs, 1,000, is above this server's limit of 30. ...
    """
    check_choice("optimizer", settings.optimizer, OPTIMIZERS)
    check_choice("initializer", settings.initializer, INITIALIZERS)
    check_choice("monitor", settings.monitor, MONITORS)
    if not 0 < settings.learning_rate <= 10:
        raise InputError("train.error.learning_rate", value=settings.learning_rate)
    if not 0 <= settings.momentum < 1:
        raise InputError("train.error.momentum", value=settings.momentum)
    for name, value, top in (
        ("epochs", settings.epochs, limits.max_epochs),
        ("batch_size", settings.batch_size, limits.max_batch_size),
    ):
        if value < 1:
            raise InputError("error.below_one", name=name, value=value)
        if value > top:
            raise InputError(f"train.limit.{name}", value=value, limit=top)
    if settings.patience < 0:
        raise InputError("train.error.patience", value=settings.patience)
    return settings


# --- the model -----------------------------------------------------------------------------


def check_model(
    spec: Sequence[Mapping[str, Any]],
    input_shape: Sequence[int],
    classes: int,
    limits: Limits = LIMITS,
) -> Summary:
    """Summarise a stack and refuse it if it cannot train on this data or exceeds the limits.

    Parameters
    ----------
    spec : list of dict
        The layers (:mod:`cnnviz.core.architectures`' format).
    input_shape : (H, W, C)
        One image.
    classes : int
        Classes of the data: the last layer must output that many values.
    limits : Limits
        The server's limits.

    Returns
    -------
    Summary
        Shapes and parameters of every layer, as Keras' ``model.summary()``.

    Raises
    ------
    InputError
        A shape that collapses (from :func:`~cnnviz.core.architectures.summarize`, naming
        the layer), an output that is not one value per class, or a limit exceeded.

    Examples
    --------
    >>> from cnnviz.content.gallery import course_mnist
    >>> check_model(course_mnist(), (28, 28, 1), 10).params
    93962
    >>> check_model(course_mnist(), (28, 28, 1), 3)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: The network ends in shape (10,), but the data has 3 classes. ...
    """
    if len(spec) > limits.max_layers:
        raise InputError("train.limit.layers", value=len(spec), limit=limits.max_layers)
    summary = summarize(spec, input_shape)
    if summary.output_shape != (classes,):
        raise InputError("train.error.output", shape=summary.output_shape, classes=classes)
    if summary.params > limits.max_params:
        raise InputError("train.limit.params", value=summary.params, limit=limits.max_params)
    if summary.macs > limits.max_macs:
        raise InputError("train.limit.macs", value=summary.macs, limit=limits.max_macs)
    return summary


def _initializer(name: str, seed: int) -> Any:
    import keras

    kinds = {
        "glorot_uniform": keras.initializers.GlorotUniform,
        "he_normal": keras.initializers.HeNormal,
        "random_normal": keras.initializers.RandomNormal,
    }
    return kinds[name](seed=seed)


def _optimizer(settings: Settings) -> Any:
    import keras

    if settings.optimizer == "sgd":
        return keras.optimizers.SGD(settings.learning_rate, momentum=settings.momentum)
    if settings.optimizer == "adam":
        return keras.optimizers.Adam(settings.learning_rate)
    return keras.optimizers.RMSprop(settings.learning_rate)


def build_model(
    spec: Sequence[Mapping[str, Any]],
    input_shape: Sequence[int],
    classes: int,
    settings: Settings = COURSE_SETTINGS,
    limits: Limits = LIMITS,
) -> keras.Model:
    """Build and compile the network of ``spec`` for ``classes`` classes.

    The kernels of every ``Conv2D`` and ``Dense`` are drawn from
    ``settings.initializer`` seeded with ``settings.seed`` (no global random
    state is touched: other sessions train at the same time). The loss is
    sparse categorical cross-entropy, on probabilities when the last layer is a
    softmax and on logits otherwise; the metric is accuracy.
    """
    import keras

    from cnnviz.nets.keras_models import to_keras

    check_settings(settings, limits)
    check_model(spec, input_shape, classes, limits)
    model = to_keras(spec, input_shape)
    for index, layer in enumerate(model.layers):
        if type(layer).__name__ in ("Conv2D", "Dense"):
            init = _initializer(settings.initializer, settings.seed * 1000 + index)
            layer.kernel.assign(init(tuple(layer.kernel.shape)))
    logits = spec[-1].get("activation") != "softmax"
    model.compile(
        optimizer=_optimizer(settings),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=logits),
        metrics=["accuracy"],
    )
    return model


# --- results -------------------------------------------------------------------------------


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, classes: int) -> np.ndarray:
    """Count each (true class, predicted class) pair: rows are true classes.

    Examples
    --------
    >>> confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), 3).tolist()
    [[1, 1, 0], [0, 1, 0], [1, 0, 0]]
    """
    pairs = np.asarray(y_true, dtype=np.int64) * classes + np.asarray(y_pred, dtype=np.int64)
    return np.bincount(pairs, minlength=classes * classes).reshape(classes, classes)


def per_class_accuracy(matrix: np.ndarray) -> np.ndarray:
    """Return each class's share of test images predicted right (NaN for an absent class).

    Examples
    --------
    >>> per_class_accuracy(np.array([[1, 1, 0], [0, 1, 0], [0, 0, 0]])).tolist()
    [0.5, 1.0, nan]
    """
    totals = matrix.sum(axis=1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diag(matrix) / np.where(totals > 0, totals, 1), np.nan)


TEST_FIELDS: tuple[str, ...] = (
    "test_loss", "test_accuracy", "confusion", "per_class", "predicted", "misclassified",
)  # fmt: skip
"""What :func:`evaluate` returns: the fields of a :class:`RunResult` that depend on the weights."""


@dataclass(frozen=True, eq=False)
class WeightsView:
    """One set of a run's weights, the epoch they come from and how they tested.

    Attributes
    ----------
    epoch : int
        1-based.
    weights : list of ndarray
        As ``model.get_weights()``.
    test : dict
        :func:`evaluate`'s result for them (:data:`TEST_FIELDS`).
    """

    epoch: int
    weights: list[np.ndarray]
    test: Mapping[str, Any]


@dataclass(frozen=True, eq=False)
class RunResult:
    """A finished (or stopped) run.

    Attributes
    ----------
    history : DataFrame
        :data:`HISTORY_COLUMNS`.
    reason : {"completed", "early_stopping", "stopped"}
    epochs_done : int
        Epochs finished, counting a stopped epoch as done.
    best_epoch : int
        Epoch with the best monitored value (``settings.monitor``; 0 when none).
    test_loss, test_accuracy : float
    confusion : ndarray, shape (K, K), int
        Rows: true class; columns: predicted class.
    per_class : ndarray, shape (K,)
        :func:`per_class_accuracy`.
    predicted : ndarray, shape (N_test,)
        Predicted classes of the test images.
    misclassified : ndarray of int
        Indices of the wrongly classified test images, the most confident first.
    snapshots : tuple of Snapshot
    seconds : float
        Time spent in ``model.fit``.
    samples_per_second : float
        Training images seen per second.
    interrupted : BaseException or None
        What stopped the reporter, for the caller to re-raise (not kept in a record).
    checkpoint : Checkpoint or None
        What ``ModelCheckpoint`` would have kept (None when nothing was fitted).
    active_epoch : int
        The epoch whose weights the model has, and that the test fields
        describe: the last one, or the checkpoint's once restored.
    other : WeightsView or None
        The run's other weights (the checkpoint's, or the last epoch's once
        restored) and how they tested; None when the two are the same.
    """

    history: pd.DataFrame
    reason: str
    epochs_done: int
    best_epoch: int
    test_loss: float
    test_accuracy: float
    confusion: np.ndarray
    per_class: np.ndarray
    predicted: np.ndarray
    misclassified: np.ndarray
    snapshots: tuple[Snapshot, ...]
    seconds: float
    samples_per_second: float
    interrupted: BaseException | None = field(default=None, repr=False)
    checkpoint: Checkpoint | None = None
    active_epoch: int = 0
    other: WeightsView | None = None


def evaluate(model: keras.Model, data: Prepared) -> dict[str, Any]:
    """Test a model: loss, accuracy, confusion matrix, per-class accuracy, mistakes.

    Returns
    -------
    dict
        ``test_loss, test_accuracy, confusion, per_class, predicted, misclassified``.
    """
    import keras

    output = np.asarray(model.predict(data.x_test, batch_size=256, verbose=0), dtype=np.float64)
    if model.loss.get_config().get("from_logits"):
        probs = keras.ops.convert_to_numpy(keras.ops.softmax(output, axis=-1)).astype(np.float64)
    else:
        probs = output
    predicted = probs.argmax(axis=1)
    true = data.y_test.astype(np.int64)
    picked = np.clip(probs[np.arange(len(true)), true], 1e-7, 1.0)
    matrix = confusion_matrix(true, predicted, data.classes)
    wrong = np.flatnonzero(predicted != true)
    wrong = wrong[np.argsort(-probs[wrong, predicted[wrong]], kind="stable")]
    return {
        "test_loss": float(-np.log(picked).mean()),
        "test_accuracy": float((predicted == true).mean()),
        "confusion": matrix,
        "per_class": per_class_accuracy(matrix),
        "predicted": predicted,
        "misclassified": wrong,
    }


def training_dataset(
    data: Prepared, settings: Settings, augmentation: Augmentation | None = None
) -> Any:
    """Return what ``model.fit`` trains on: the arrays, or a shuffled, augmented ``tf.data``."""
    layers = augmentation_layers(augmentation or Augmentation(), data.value_range, settings.seed)
    if not layers:
        return data.x_train, data.y_train
    import keras
    import tensorflow as tf

    pipeline = keras.Sequential(layers)
    dataset = tf.data.Dataset.from_tensor_slices((data.x_train, data.y_train))
    return (
        dataset.shuffle(len(data.x_train), seed=settings.seed, reshuffle_each_iteration=True)
        .batch(settings.batch_size)
        .map(lambda x, y: (pipeline(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )


def train(
    model: keras.Model,
    data: Prepared,
    settings: Settings,
    *,
    augmentation: Augmentation | None = None,
    reporter: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    record_every: int = 5,
    report_every: float = 0.4,
    probe_index: int = 0,
    callbacks: Sequence[Any] = (),
) -> RunResult:
    """Train ``model`` on ``data``, reporting as it goes; return the history and test results.

    Parameters
    ----------
    model : keras.Model
        From :func:`build_model`.
    data : Prepared
    settings : Settings
        Batch size, epochs, early stopping and keep-best are used here.
    augmentation : Augmentation, optional
    reporter, stop, record_every, report_every
        See :func:`live_callback`.
    probe_index : int, default 0
        The validation image whose feature maps are snapshot each epoch.
    callbacks : sequence of keras.callbacks.Callback, optional
        More callbacks for ``model.fit``, after the live one.

    Raises
    ------
    InputError
        The data with its augmentation copies over ``LIMITS.max_data_bytes``.

    Returns
    -------
    RunResult
        If ``stop`` is already set, nothing is fitted: the result, ``"stopped"``
        with an empty history, tests the initial weights. If the reporter
        raised, training stopped after that batch, the model keeps what it
        learned, and ``interrupted`` holds the exception: the caller saves the
        result, then re-raises it.
    """
    check_memory(data, augmentation)
    callback = live_callback(
        reporter=reporter,
        stop=stop,
        record_every=record_every,
        report_every=report_every,
        probe=data.x_val[probe_index],
        patience=settings.patience,
        keep_best=settings.keep_best,
        monitor=settings.monitor,
        best_only=settings.best_only,
    )
    train_data = training_dataset(data, settings, augmentation)
    if isinstance(train_data, tuple):
        x, y, extra = train_data[0], train_data[1], {"batch_size": settings.batch_size}
    else:
        x, y, extra = train_data, None, {"shuffle": False}  # the pipeline shuffles
    start = time.monotonic()
    if stop is not None and stop.is_set():
        # Stopped before the first batch (a cold server still importing TensorFlow):
        # no fit, but still a result, for the initial weights, that the page can keep.
        callback.reason = "stopped"
    else:
        model.fit(
            x,
            y,
            epochs=settings.epochs,
            validation_data=(data.x_val, data.y_val),
            callbacks=[callback, *callbacks],
            verbose=0,
            **extra,
        )
    seconds = time.monotonic() - start
    history = history_frame(callback.rows)
    # The last batch of an epoch may be short; counting it whole errs by less than a batch.
    seen = float(history["batch"].iloc[-1]) * settings.batch_size if len(history) else 0.0
    epochs_done = len(callback.values)  # epoch ends, a diverged (NaN) one included
    checkpoint = callback.checkpoint() if callback.values else None
    active, other = evaluate_both(model, data, checkpoint, epochs_done, restore=settings.keep_best)
    return RunResult(
        history=history,
        reason=callback.reason,
        epochs_done=epochs_done,
        best_epoch=callback.best_epoch,
        seconds=seconds,
        samples_per_second=seen / seconds if seconds > 0 else 0.0,
        snapshots=tuple(callback.snapshots),
        interrupted=callback.interrupted,
        checkpoint=checkpoint,
        active_epoch=active.epoch,
        other=other,
        **active.test,
    )


def evaluate_both(
    model: keras.Model,
    data: Prepared,
    checkpoint: Checkpoint | None,
    last_epoch: int,
    *,
    restore: bool,
) -> tuple[WeightsView, WeightsView | None]:
    """Test the last epoch's weights and, when they differ, the checkpoint's.

    Parameters
    ----------
    model : keras.Model
        With the last epoch's weights; left with the active ones.
    data : Prepared
    checkpoint : Checkpoint or None
    last_epoch : int
        The last epoch finished (0: nothing fitted).
    restore : bool
        Make the checkpoint's weights the active ones (``Settings.keep_best``).

    Returns
    -------
    active : WeightsView
        The weights the model is left with.
    other : WeightsView or None
        The other weights; None when the checkpoint holds the last epoch's.
    """
    final = WeightsView(last_epoch, model.get_weights(), evaluate(model, data))
    if checkpoint is None or checkpoint.weights is None or checkpoint.epoch in (0, last_epoch):
        return final, None
    model.set_weights(checkpoint.weights)
    best = WeightsView(checkpoint.epoch, checkpoint.weights, evaluate(model, data))
    if restore:
        return best, final
    model.set_weights(final.weights)
    return final, best


def without_interruption(result: RunResult) -> RunResult:
    """Return the result without the exception object (what a session keeps)."""
    return replace(result, interrupted=None)


@dataclass(frozen=True, eq=False)
class TrainingRun:
    """One run as a session keeps it: to show, compare, download and use elsewhere.

    Attributes
    ----------
    number : int
        1 for the session's first run.
    model : keras.Model
        The trained model (best weights restored when ``settings.keep_best``).
    result : RunResult
        Without the exception that stopped it (see :func:`without_interruption`).
    settings : Settings
    augmentation : Augmentation
    params, layers : int
        Weights and layers of the network.
    source : str
        The data's source, as the page named it when the run started.
    samples : int
        Training images.
    class_labels : tuple of str
        Each class as a person reads it.
    mistakes : ndarray, shape (M, H, W, C), float32 in [0, 1]
        The first wrongly classified test images, the most confident first.
    mistakes_true, mistakes_predicted : ndarray, shape (M,)
        Their true and predicted classes.
    usable : bool
        Whether the trained-network pages can use the model (:func:`usable_elsewhere`).
    other_mistakes : (ndarray, ndarray, ndarray) or None
        ``mistakes, mistakes_true, mistakes_predicted`` for ``result.other``'s
        weights (:func:`switch_weights` swaps them in).
    """

    number: int
    model: Any
    result: RunResult
    settings: Settings
    augmentation: Augmentation
    params: int
    layers: int
    source: str
    samples: int
    class_labels: tuple[str, ...]
    mistakes: np.ndarray
    mistakes_true: np.ndarray
    mistakes_predicted: np.ndarray
    usable: bool
    other_mistakes: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @cached_property
    def keras_bytes(self) -> bytes:
        """The model in Keras' ``.keras`` format, saved on the first download only."""
        return model_bytes(self.model)

    def checkpoint_weights(self) -> list[np.ndarray] | None:
        """Return the checkpoint's weights (None when nothing was fitted)."""
        checkpoint = self.result.checkpoint
        if checkpoint is None or not checkpoint.epoch:
            return None
        other = self.result.other
        if other is not None and other.epoch == checkpoint.epoch:
            return other.weights
        return self.model.get_weights()

    @cached_property
    def checkpoint_bytes(self) -> bytes | None:
        """The checkpoint's weights as a ``.weights.h5`` file (None when there is none)."""
        weights = self.checkpoint_weights()
        return None if weights is None else weights_bytes(self.model, weights)

    def test_accuracy_at(self, epoch: int) -> float | None:
        """Test accuracy of the weights of ``epoch`` (the active or the other), else None."""
        if epoch == self.result.active_epoch:
            return self.result.test_accuracy
        other = self.result.other
        return float(other.test["test_accuracy"]) if other and other.epoch == epoch else None


def training_run(
    number: int,
    model: keras.Model,
    result: RunResult,
    data: Prepared,
    *,
    settings: Settings,
    augmentation: Augmentation,
    summary: Summary | None,
    layers: int,
    source: str,
    class_labels: Sequence[str],
    mistakes_shown: int = 24,
) -> TrainingRun:
    """Return what a session keeps of a run: the fields of :class:`TrainingRun`.

    Parameters
    ----------
    number : int
        The run's number in the session.
    model : keras.Model
    result : RunResult
        From :func:`train`; its exception is dropped.
    data : Prepared
        What it trained on: the mistakes are its test images.
    settings, augmentation
        How it trained.
    summary : Summary or None
        The network's summary (None counts 0 weights).
    layers : int
        Layers of the network.
    source, class_labels
        As the page shows them.
    mistakes_shown : int, default 24
        Wrongly classified test images kept to show.
    """

    def shown(test: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        wrong = test["misclassified"][:mistakes_shown]
        return data.to_unit(data.x_test[wrong]), data.y_test[wrong], test["predicted"][wrong]

    mistakes = shown({"misclassified": result.misclassified, "predicted": result.predicted})
    return TrainingRun(
        number=number,
        model=model,
        result=without_interruption(result),
        settings=settings,
        augmentation=augmentation,
        params=summary.params if summary else 0,
        layers=layers,
        source=source,
        samples=len(data.x_train),
        class_labels=tuple(class_labels),
        mistakes=mistakes[0],
        mistakes_true=mistakes[1],
        mistakes_predicted=mistakes[2],
        usable=usable_elsewhere(data),
        other_mistakes=None if result.other is None else shown(result.other.test),
    )


def switch_weights(run: TrainingRun) -> TrainingRun:
    """Return the run with its other weights active: the checkpoint's, or back to the last epoch's.

    The model is cloned (the server's registry and other tabs keep the run as
    it finished); the test results, mistakes and downloads follow the weights.

    Raises
    ------
    InputError
        ``ckpt.error.same``: the run has one set of weights only.
    """
    import keras

    result, other = run.result, run.result.other
    if other is None or run.other_mistakes is None:
        raise InputError("ckpt.error.same", epoch=result.active_epoch)
    current = WeightsView(
        result.active_epoch,
        run.model.get_weights(),
        {name: getattr(result, name) for name in TEST_FIELDS},
    )
    model = keras.models.clone_model(run.model)
    model.set_weights(other.weights)
    model.compile(loss=run.model.loss, metrics=["accuracy"])
    images, true, predicted = run.other_mistakes
    return replace(
        run,
        model=model,
        result=replace(result, active_epoch=other.epoch, other=current, **other.test),
        mistakes=images,
        mistakes_true=true,
        mistakes_predicted=predicted,
        other_mistakes=(run.mistakes, run.mistakes_true, run.mistakes_predicted),
    )


def model_bytes(model: keras.Model) -> bytes:
    """Return the model saved in Keras' ``.keras`` format."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        model.save(path)
        return path.read_bytes()


def weights_bytes(model: keras.Model, weights: Sequence[np.ndarray]) -> bytes:
    """Return ``weights`` for ``model``'s architecture as a Keras ``.weights.h5`` file.

    A clone takes the weights, so the model itself is not touched (another
    page may be using it); the file goes through a temporary folder that is
    deleted at once.
    """
    import tempfile
    from pathlib import Path

    import keras

    clone = keras.models.clone_model(model)
    clone.set_weights(list(weights))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "checkpoint.weights.h5"
        clone.save_weights(path)
        return path.read_bytes()


NETWORK_PAGE_INPUTS: dict[tuple[int, int, int], tuple[str, ...]] = {
    (28, 28, 1): CLASS_NAMES["mnist"],
    (32, 32, 3): CLASS_NAMES["cifar10"],
}
"""What the trained-network pages can feed a model: an input shape, and the classes they name."""


def usable_elsewhere(data: Prepared) -> bool:
    """Whether a model trained on ``data`` reads what the trained-network pages feed it.

    Those pages give 28x28x1 digits or 32x32x3 colour photos in [0, 1], and
    name the outputs as MNIST's or CIFAR-10's classes
    (:data:`NETWORK_PAGE_INPUTS`): a model trained on other classes would be
    shown with wrong names.

    Examples
    --------
    >>> from cnnviz.nets.datasets import load_mnist_subset
    >>> from cnnviz.nets.training_data import prepare_data
    >>> usable_elsewhere(prepare_data(load_mnist_subset(), samples=20))
    True
    """
    names = NETWORK_PAGE_INPUTS.get(data.input_shape)
    return data.class_names == names and data.normalization == "unit"
