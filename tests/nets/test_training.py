"""Tests of cnnviz.nets.training: presets against Keras, limits, a run, what a session keeps."""

import numpy as np
import pytest

from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.content.gallery import course_mnist
from cnnviz.core.architectures import summarize
from cnnviz.core.builder_rows import BUILDER_TYPES, new_layer
from cnnviz.i18n import InputError
from cnnviz.nets import training
from cnnviz.nets.datasets import load_mnist_subset
from cnnviz.nets.limits import Limits
from cnnviz.nets.live import HISTORY_COLUMNS
from cnnviz.nets.training_data import Augmentation, prepare_data


@pytest.fixture(scope="module")
def data():
    return prepare_data(load_mnist_subset(), samples=300, validation_split=0.2)


# --- presets and the builder -------------------------------------------------------------


def test_course_model_by_hand():
    # conv 3·3·1·32+32, conv 3·3·32·64+64, conv 3·3·64·128+128, dense 128·10+10
    by_hand = 320 + 18_496 + 73_856 + 1_290
    s = summarize(course_mnist(), (28, 28, 1))
    assert s.params == by_hand == 93_962
    assert [layer.output_shape for layer in s.layers] == [
        (26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 128), (1, 1, 128),
        (128,), (10,),
    ]  # fmt: skip


@pytest.mark.parametrize("name", list(NETWORK_PRESETS))
@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3)])
def test_presets_match_keras(name, shape):
    spec = NETWORK_PRESETS[name](4)
    model = training.build_model(spec, shape, 4, training.Settings())
    summary = summarize(spec, shape)
    assert model.count_params() == summary.params
    for layer in summary.layers:
        keras_layer = model.get_layer(layer.name)
        assert tuple(keras_layer.output.shape[1:]) == layer.output_shape
        assert keras_layer.count_params() == layer.params


def test_builder_layers_match_keras():
    spec = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 5, "strides": 2, "padding": "same",
         "activation": "relu"},
        {"type": "BatchNormalization"},
        {"type": "AveragePooling2D", "pool_size": 2},
        {"type": "Dropout", "rate": 0.3},
        {"type": "GlobalAveragePooling2D"},
        {"type": "Dense", "units": 3, "activation": "softmax"},
    ]  # fmt: skip
    model = training.build_model(spec, (28, 28, 1), 3, training.Settings())
    summary = summarize(spec, (28, 28, 1))
    assert model.count_params() == summary.params == (5 * 5 * 8 + 8) + 4 * 8 + (8 * 3 + 3)


@pytest.mark.parametrize("kind", BUILDER_TYPES)
def test_new_layers_are_valid(kind):
    flat = [{"type": "Flatten"}] if kind == "Dense" else []
    spec = [{"type": "Conv2D", "filters": 4, "kernel_size": 3}, *flat, new_layer(kind)]
    summarize(spec, (28, 28, 1))


@pytest.mark.parametrize(
    ("initializer", "std"), [("he_normal", np.sqrt(2 / 9)), ("random_normal", 0.05)]
)
def test_initializer_is_applied(initializer, std):
    spec = [{"type": "Conv2D", "filters": 2000, "kernel_size": 3, "name": "c"},
            {"type": "GlobalAveragePooling2D"}, {"type": "Dense", "units": 2}]  # fmt: skip
    limits = Limits(max_params=10**7, max_macs=10**9)
    model = training.build_model(spec, (8, 8, 1), 2, training.Settings(initializer=initializer),
                                 limits)  # fmt: skip
    kernel = model.get_layer("c").kernel.numpy()
    # He normal is truncated at two deviations and rescaled so its spread is sqrt(2 / fan_in).
    assert kernel.std() == pytest.approx(std, rel=0.05)


def test_collapsing_stack_is_refused():
    spec = [{"type": "Conv2D", "filters": 4, "kernel_size": 11}] * 3 + [{"type": "Flatten"}]
    with pytest.raises(InputError) as err:
        training.check_model(spec, (28, 28, 1), 10)
    assert err.value.key == "error.arch_layer"


def test_wrong_output_is_refused():
    with pytest.raises(InputError) as err:
        training.check_model(course_mnist(10), (28, 28, 1), 3)
    assert err.value.key == "train.error.output"


# --- limits ------------------------------------------------------------------------------


def test_limits_are_enforced():
    small = Limits(max_params=1000, max_epochs=2, max_batch_size=16, max_samples=100,
                            max_layers=3, max_macs=10)  # fmt: skip
    keys = []
    for call in (
        lambda: training.check_model(course_mnist(), (28, 28, 1), 10, small),
        lambda: training.check_model(course_mnist()[-2:], (28, 28, 1), 10, small),
        lambda: training.check_model(
            [{"type": "Flatten"}, {"type": "Dense", "units": 10}], (2, 2, 1), 10, small
        ),
        lambda: training.check_settings(training.Settings(epochs=3), small),
        lambda: training.check_settings(training.Settings(epochs=1, batch_size=32), small),
        lambda: prepare_data(load_mnist_subset(), samples=101, limits=small),
    ):
        with pytest.raises(InputError) as err:
            call()
        keys.append(err.value.key)
    expected = ["layers", "params", "macs", "epochs", "batch_size", "samples"]
    assert keys == [f"train.limit.{name}" for name in expected]


# --- the callback and a run --------------------------------------------------------------


def test_reporter_exception_stops_cleanly_and_keeps_the_model(data):
    settings = training.Settings(epochs=2, batch_size=16, optimizer="adam", learning_rate=0.003)
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    reports = []

    class Interrupt(BaseException):
        pass

    def reporter(progress):
        reports.append(progress)
        if progress.epoch == 2 and progress.batch >= 3:
            raise Interrupt

    before = model.get_weights()[0].copy()
    result = training.train(model, data, settings, reporter=reporter, report_every=0.0)
    assert isinstance(result.interrupted, Interrupt) and result.reason == "stopped"
    assert reports[-1].epoch == 2 and reports[-1].batch == 3  # no report after the stop
    assert not np.allclose(model.get_weights()[0], before)
    assert result.history["batch"].iloc[-1] == 15 + 3  # 15 batches of 16 in epoch 1, then 3
    assert result.epochs_done == 2 and len(result.snapshots) == 2
    assert result.confusion.sum() == len(data.x_test)
    assert training.without_interruption(result).interrupted is None


def test_one_epoch_run(data):
    settings = training.Settings(epochs=1, batch_size=32, optimizer="adam", learning_rate=0.003)
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    reports = []
    result = training.train(model, data, settings, reporter=reports.append, record_every=2)
    assert result.reason == "completed" and result.interrupted is None
    history = result.history
    assert list(history.columns) == list(HISTORY_COLUMNS)
    assert history["val_loss"].notna().sum() == 1 and history["epoch"].iloc[-1] == 1.0
    assert history["batch"].tolist() == [2, 4, 6, 8]  # 240 / 32 = 8 batches, every 2
    assert reports[-1].epoch_end and reports[-1].fraction == 1.0
    # The confusion matrix agrees with the predictions, counted by hand.
    predicted = model.predict(data.x_test, verbose=0).argmax(axis=1)
    assert np.array_equal(result.predicted, predicted)
    for true in range(10):
        for guess in range(10):
            count = np.sum((data.y_test == true) & (predicted == guess))
            assert result.confusion[true, guess] == count
    assert result.test_accuracy == pytest.approx(np.mean(predicted == data.y_test))
    wrong = result.misclassified
    assert set(wrong.tolist()) == set(np.flatnonzero(predicted != data.y_test).tolist())
    snap = result.snapshots[0]
    assert snap.filters.shape == (3, 3, 32) and snap.maps.shape == (26, 26, 32)
    # What the session keeps: the first mistakes, most confident first, and the model's file.
    run = training.training_run(
        3, model, result, data, settings=settings, augmentation=Augmentation(),
        summary=summarize(course_mnist(), data.input_shape), layers=8, source="MNIST",
        class_labels=[str(i) for i in range(10)], mistakes_shown=4,
    )  # fmt: skip
    shown = wrong[:4]
    assert run.params == 93_962 and run.samples == 240 and run.usable and run.number == 3
    assert np.array_equal(run.mistakes_true, data.y_test[shown])
    assert np.array_equal(run.mistakes_predicted, predicted[shown])
    assert run.mistakes.shape == (len(shown), 28, 28, 1) and run.mistakes.max() <= 1
    assert run.keras_bytes[:2] == b"PK"  # a .keras file is a zip
    assert run.keras_bytes is run.keras_bytes  # saved once


def test_keep_best_and_early_stopping(data):
    # A learning rate far too high: the validation loss gets worse after the first epoch.
    settings = training.Settings(epochs=6, batch_size=16, optimizer="sgd", learning_rate=5.0,
                                 patience=1, keep_best=True)  # fmt: skip
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    result = training.train(model, data, settings)
    val = result.history["val_loss"].dropna().to_numpy()
    if result.reason == "early_stopping":
        assert len(val) == result.best_epoch + 1
    assert result.best_epoch == int(np.nanargmin(val)) + 1


def test_confusion_matrix_by_hand():
    matrix = training.confusion_matrix(
        np.array([0, 0, 1, 1, 1, 2]), np.array([0, 1, 1, 1, 2, 2]), 3
    )
    assert matrix.tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]
    assert training.per_class_accuracy(matrix) == pytest.approx([0.5, 2 / 3, 1.0])


def test_importing_training_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, cnnviz.nets.training, cnnviz.figures.training; "
        "print('tensorflow' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_stop_before_the_first_batch_keeps_a_stopped_run_of_the_initial_weights(data):
    import threading

    settings = training.Settings(epochs=3, batch_size=16)
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    before = [w.copy() for w in model.get_weights()]
    stop = threading.Event()
    stop.set()  # pressed while TensorFlow was still importing
    result = training.train(model, data, settings, stop=stop)
    assert result.reason == "stopped" and result.epochs_done == 0
    assert len(result.history) == 0 and list(result.history.columns) == list(HISTORY_COLUMNS)
    assert result.snapshots == () and result.samples_per_second == 0.0
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), before, strict=True))
    assert result.confusion.sum() == len(data.x_test)  # the untrained network, tested
    labels = [str(i) for i in range(10)]
    run = training.training_run(0, model, result, data, settings=settings,
                                augmentation=Augmentation(), summary=None, layers=7,
                                source="MNIST", class_labels=labels)  # fmt: skip
    assert run.result.reason == "stopped" and run.samples == len(data.x_train)


def test_the_page_defaults_learn_the_bundled_digits():
    # What a teacher shows first: above 95 % on the test digits (about 97 % measured).
    data = prepare_data(load_mnist_subset(), samples=training.DEMO_SAMPLES, validation_split=0.2)
    settings = training.DEMO_SETTINGS
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    result = training.train(model, data, settings)
    assert result.reason == "completed" and result.epochs_done == 5
    assert result.test_accuracy > 0.95 and result.history["val_accuracy"].iloc[-1] > 0.95


def test_only_models_the_network_pages_can_name_are_usable_there():
    from cnnviz.nets.datasets import Dataset, load_cifar_subset

    digits = prepare_data(load_mnist_subset(), samples=20)
    photos = prepare_data(load_cifar_subset(), samples=20)
    assert training.usable_elsewhere(digits) and training.usable_elsewhere(photos)
    # Same colour photos under other names (a zip of ten scenes): the pages would mislabel them.
    cifar = load_cifar_subset()
    scenes = Dataset(
        "scenes",
        cifar.x_train[:40],
        cifar.y_train[:40],
        cifar.x_test[:20],
        cifar.y_test[:20],
        class_names=tuple(f"scene{i}" for i in range(10)),
    )
    assert not training.usable_elsewhere(prepare_data(scenes, samples=20))
    # Digits standardised instead of divided by 255 are read differently.
    assert not training.usable_elsewhere(
        prepare_data(load_mnist_subset(), samples=20, normalization="standard")
    )
