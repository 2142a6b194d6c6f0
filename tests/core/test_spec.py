"""Tests of cnnviz.core.spec: the layer vocabulary is Keras'."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import pytest

from cnnviz.core.architectures import summarize
from cnnviz.core.spec import ACTIVATIONS
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable


def test_every_activation_name_is_keras():
    for name in ACTIVATIONS:
        assert callable(keras.activations.get(name)), name
    with pytest.raises(InputError) as info:
        summarize([{"type": "Activation", "activation": "relu7", "name": "act"}], (4,))
    assert_actionable(info.value, "error.arch_bad_value", "act", "relu7", "relu")
