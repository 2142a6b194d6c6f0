"""Tests of cnnviz.nets.limits: limits from the environment, server-wide slots, choices."""

import threading

import pytest

from cnnviz.i18n import InputError
from cnnviz.nets import limits


def test_limits_from_environment():
    read = limits.Limits.from_env({"CNNVIZ_TRAIN_MAX_PARAMS": "7", "CNNVIZ_TRAIN_MAX_EPOCHS": "x"})
    assert read.max_params == 7 and read.max_epochs == limits.Limits().max_epochs


def test_slots_bound_concurrent_trainings():
    slots = limits.TrainingSlots(1)
    waits = []
    inside = threading.Event()
    release = threading.Event()

    def first():
        with slots.hold():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=first)
    thread.start()
    inside.wait(5)

    def on_wait(busy):
        waits.append(busy)
        release.set()  # the first training ends while the second waits

    with slots.hold(on_wait, poll=0.01):
        assert slots.busy == 1
    thread.join()
    assert waits and waits[0] == 1 and slots.busy == 0


def test_slot_is_released_when_the_script_stops():
    slots = limits.TrainingSlots(1)
    with pytest.raises(KeyboardInterrupt), slots.hold():
        raise KeyboardInterrupt
    assert slots.busy == 0
    with slots.hold():  # free again
        pass


def test_check_choice():
    assert limits.check_choice("optimizer", "adam", ("sgd", "adam")) == "adam"
    with pytest.raises(InputError) as err:
        limits.check_choice("optimizer", "lbfgs", ("sgd", "adam"))
    assert err.value.key == "train.error.choice"
    assert "sgd, adam" in err.value.message("en") and "lbfgs" in err.value.message("es")
