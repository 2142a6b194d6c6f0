"""Checkpoints against Keras' own ModelCheckpoint; restoring; the download; presets; memory."""

from dataclasses import replace

import keras
import numpy as np
import pytest

from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.content.gallery import course_mnist
from cnnviz.core.architectures import summarize
from cnnviz.i18n import InputError, t
from cnnviz.nets import training
from cnnviz.nets.datasets import load_cifar_subset, load_mnist_subset
from cnnviz.nets.limits import LIMITS, Limits, check_data_bytes, data_bytes
from cnnviz.nets.live import MONITORS
from cnnviz.nets.training_data import Augmentation, check_memory, prepare_data

EPOCHS = 6


@pytest.fixture(scope="module")
def data():
    return prepare_data(load_mnist_subset(), samples=300, validation_split=0.2)


def _run(data, settings, extra=()):
    model = training.build_model(course_mnist(), data.input_shape, 10, settings)
    result = training.train(model, data, settings, callbacks=extra)
    run = training.training_run(
        1, model, result, data, settings=settings, augmentation=Augmentation(), summary=None,
        layers=8, source="mnist", class_labels=[str(i) for i in range(10)],
    )  # fmt: skip
    return model, result, run


def _same(a, b):
    return len(a) == len(b) and all(
        np.array_equal(x, y, equal_nan=True) for x, y in zip(a, b, strict=True)
    )


# --- against keras.callbacks.ModelCheckpoint ------------------------------------------------


@pytest.mark.parametrize("monitor", MONITORS)
def test_checkpoint_is_keras_model_checkpoint(data, tmp_path, monitor):
    # Adam at 0.01 on 240 digits: the validation values go up and down between epochs.
    settings = training.Settings(optimizer="adam", learning_rate=0.01, batch_size=16,
                                 epochs=EPOCHS, monitor=monitor)  # fmt: skip
    each = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "epoch{epoch:02d}.weights.h5"), monitor=monitor,
        save_best_only=True, save_weights_only=True,
    )  # fmt: skip
    best = keras.callbacks.ModelCheckpoint(
        str(tmp_path / "best.weights.h5"), monitor=monitor,
        save_best_only=True, save_weights_only=True,
    )  # fmt: skip
    model, result, run = _run(data, settings, (each, best))
    checkpoint = result.checkpoint
    keras_saved = tuple(sorted(int(p.name[5:7]) for p in tmp_path.glob("epoch*.weights.h5")))
    assert checkpoint.saved == keras_saved and checkpoint.epoch == keras_saved[-1]
    assert checkpoint.value == pytest.approx(float(best.best))
    # By hand: the epochs whose value beats every earlier one, in the monitor's direction.
    values = np.array(checkpoint.values)
    sign = 1 if "accuracy" in monitor else -1
    by_hand = [1] + [
        e + 1 for e in range(1, EPOCHS) if (sign * values[e] > sign * values[:e]).all()
    ]
    assert checkpoint.saved == tuple(by_hand)
    # Same weights as Keras' file, bit for bit.
    loaded = keras.models.clone_model(model)  # uncompiled: the file's optimizer state is skipped
    loaded.load_weights(tmp_path / "best.weights.h5")
    assert _same(run.checkpoint_weights(), loaded.get_weights())
    # Nothing restored: the model has the last epoch's weights.
    assert result.active_epoch == EPOCHS


# --- restoring, and the download --------------------------------------------------------------


class Ruin(keras.callbacks.Callback):
    """Blow the weights up in the last epoch, so that the best epoch is an earlier one."""

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.params["epochs"] - 1:
            self.model.optimizer.learning_rate.assign(1e4)


RUINED = training.Settings(optimizer="sgd", learning_rate=0.05, batch_size=16, epochs=3)


@pytest.fixture(scope="module")
def diverged(data):
    return _run(data, RUINED, (Ruin(),))


def test_restore_puts_the_best_epochs_weights_in_the_model(data, diverged):
    model, result, run = diverged
    checkpoint = result.checkpoint
    assert 0 < checkpoint.epoch < result.active_epoch == result.epochs_done
    last = model.get_weights()
    assert not _same(last, checkpoint.weights)
    restored = training.switch_weights(run)
    assert restored.result.active_epoch == checkpoint.epoch and _same(
        restored.model.get_weights(), checkpoint.weights
    )
    # The test results are the restored weights' own.
    test = training.evaluate(restored.model, data)
    assert restored.result.test_accuracy == test["test_accuracy"]
    assert np.array_equal(restored.result.confusion, test["confusion"])
    assert restored.test_accuracy_at(checkpoint.epoch) == test["test_accuracy"]
    assert restored.test_accuracy_at(result.epochs_done) == result.test_accuracy
    # The run as it finished is untouched (the server's registry keeps it); and back again.
    assert _same(model.get_weights(), last)
    back = training.switch_weights(restored)
    assert back.result.active_epoch == result.epochs_done and _same(back.model.get_weights(), last)
    assert back.result.test_accuracy == result.test_accuracy


def test_restore_at_the_end_when_asked(data):
    model, result, _ = _run(data, replace(RUINED, keep_best=True), (Ruin(),))
    assert 0 < result.active_epoch == result.checkpoint.epoch < result.epochs_done
    assert _same(model.get_weights(), result.checkpoint.weights)
    assert result.other.epoch == result.epochs_done
    assert result.test_accuracy == training.evaluate(model, data)["test_accuracy"]


def test_download_loads_back_with_load_weights(data, diverged, tmp_path):
    _, result, run = diverged
    path = tmp_path / "checkpoint.weights.h5"
    path.write_bytes(run.checkpoint_bytes)
    fresh = training.build_model(course_mnist(), data.input_shape, 10, run.settings)
    fresh.load_weights(path)
    assert _same(fresh.get_weights(), result.checkpoint.weights)


def test_a_run_with_one_set_of_weights_cannot_switch(data):
    settings = training.Settings(epochs=1, batch_size=32)
    _, result, run = _run(data, settings)
    assert result.other is None and result.checkpoint.epoch == 1
    with pytest.raises(InputError) as err:
        training.switch_weights(run)
    assert err.value.key == "ckpt.error.same"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_missing_and_never_improved_messages_name_the_value(lang):
    missing = t("ckpt.missing", lang=lang, monitor="val_accuracy", epoch=3)
    never = t("ckpt.never_improved", lang=lang, monitor="val_loss", value="2,302")
    assert "val_accuracy" in missing and "3" in missing
    assert "val_loss" in never and "2,302" in never


def test_unknown_monitor_is_refused():
    with pytest.raises(InputError) as err:
        training.check_settings(training.Settings(monitor="val_auc"))
    assert err.value.key == "train.error.choice"


# --- presets ---------------------------------------------------------------------------------


def test_course_preset_is_the_course_settings():
    preset = training.TRAINING_PRESETS["course_cifar"]
    course = training.COURSE_SETTINGS
    for name in ("optimizer", "learning_rate", "momentum", "batch_size"):
        assert getattr(preset.settings, name) == getattr(course, name)
    assert replace(preset.settings, epochs=course.epochs) == course  # nothing else differs
    assert preset.settings.epochs == 10 and preset.source == "cifar"
    assert preset.samples == len(load_cifar_subset().x_train) == training.CIFAR_SAMPLES


def test_course_cifar_network_by_hand():
    s = summarize(NETWORK_PRESETS["course_cifar"](10), (32, 32, 3))
    # conv 3·3·3·32+32, 3·3·32·32+32, 3·3·32·64+64, 3·3·64·64+64, dense 2304·512+512, 512·10+10
    assert s.params == 896 + 9_248 + 18_496 + 36_928 + 1_180_160 + 5_130 == 1_250_858
    assert [layer.output_shape for layer in s.layers if layer.type == "MaxPooling2D"] == [
        (15, 15, 32), (6, 6, 64),
    ]  # fmt: skip


@pytest.mark.parametrize("key", list(training.TRAINING_PRESETS))
def test_presets_fit_this_servers_limits(key):
    preset = training.TRAINING_PRESETS[key]
    training.check_settings(preset.settings)
    training.check_model(NETWORK_PRESETS[preset.network](10), (32, 32, 3), 10)
    cifar = prepare_data(load_cifar_subset(), samples=preset.samples)
    assert check_memory(cifar) <= LIMITS.max_data_bytes


# --- the memory budget -----------------------------------------------------------------------


def test_colour_costs_three_times_grey_by_hand():
    grey = data_bytes(80, 20, 50, (32, 32, 1))
    assert grey == 150 * 32 * 32 * 4 == 614_400
    assert data_bytes(80, 20, 50, (32, 32, 3)) == 3 * grey
    # Augmentation: two more copies of the 80 training images.
    assert data_bytes(80, 20, 50, (32, 32, 3), augmented=True) == (150 + 160) * 3072 * 4


def test_prepare_refuses_colour_over_the_budget_naming_the_numbers():
    cifar = load_cifar_subset()
    # 400 training + 100 validation + 2,000 test images of 32x32x3: 2,500 · 12,288 bytes.
    needed = 2_500 * 32 * 32 * 3 * 4
    small = Limits(max_data_bytes=needed - 1)
    with pytest.raises(InputError) as err:
        prepare_data(cifar, samples=500, limits=small)
    assert err.value.key == "trainset.limit.memory"
    assert "30,720,000" in err.value.message("en")
    assert "30\u00a0720\u00a0000" in err.value.message("es")  # grouped with no-break spaces
    data = prepare_data(cifar, samples=500, limits=Limits(max_data_bytes=needed))
    assert check_memory(data, limits=Limits(max_data_bytes=needed)) == needed


def test_augmentation_counts_against_the_budget():
    with pytest.raises(InputError) as err:
        check_data_bytes(4000, 1000, 2000, (32, 32, 3), augmented=True,
                         limits=Limits(max_data_bytes=184_319_999))  # fmt: skip
    assert err.value.key == "trainset.limit.memory.augmented"
    assert "184,320,000" in err.value.message("en")
    # The whole bundled subset with augmentation fits the default budget; full CIFAR-10 doesn't.
    assert check_data_bytes(4000, 1000, 2000, (32, 32, 3), augmented=True) == 184_320_000
    with pytest.raises(InputError):
        check_data_bytes(6400, 1600, 2000, (32, 32, 3), augmented=True)
