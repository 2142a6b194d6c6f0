"""Tests of cnnviz.nets.saliency.options: defaults, the page's ranges, checks."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from cnnviz.i18n import InputError
from cnnviz.nets.saliency.methods import METHODS, compute_all
from cnnviz.nets.saliency.options import DEFAULTS, OPTION_RANGES, SaliencyOptions
from tests.nets.helpers import assert_actionable


def test_options_defaults_are_the_methods_defaults_and_sit_in_the_page_ranges():
    assert (DEFAULTS.samples, DEFAULTS.noise_level, DEFAULTS.steps) == (25, 0.15, 32)
    assert (DEFAULTS.window, DEFAULTS.stride, DEFAULTS.layer_name) == (6, 2, None)
    for method in METHODS.values():
        parameters = inspect.signature(method.function).parameters
        for name in set(method.options()) & set(vars(DEFAULTS)):
            assert parameters[name].default == getattr(DEFAULTS, name), (method.id, name)
    assert {name: tuple(vars(r).values()) for name, r in OPTION_RANGES.items()} == {
        "samples": (5, 100, 5),
        "noise_level": (0.0, 0.5, 0.05),
        "steps": (4, 128, 4),
        "window": (2, 14, 1),
        "stride": (1, 7, 1),
    }
    for name, bounds in OPTION_RANGES.items():
        default = getattr(DEFAULTS, name)
        assert bounds.low <= default <= bounds.high, name
        assert (default - bounds.low) / bounds.step == pytest.approx(
            round((default - bounds.low) / bounds.step)
        ), name


@pytest.mark.parametrize(
    ("fields", "key", "quoted"),
    [
        ({"samples": 0}, "error.below_one", ("samples", "0")),
        ({"steps": 2.5}, "error.not_int_or_pair", ("2.5",)),
        ({"noise_level": -0.1}, "error.saliency_noise_level", ("-0.1",)),
        ({"noise_level": float("inf")}, "error.saliency_noise_level", ("inf",)),
        ({"window": (2, 0)}, "error.below_one", ("window",)),
        ({"stride": True}, "error.not_int_or_pair", ("True",)),
    ],
)
def test_options_are_checked_when_made(fields, key, quoted):
    with pytest.raises(InputError) as err:
        SaliencyOptions(**fields)
    assert_actionable(err.value, key, *quoted)
    with pytest.raises(InputError) as err:  # compute_all checks them before running anything
        compute_all(None, np.zeros((2, 2)), 0, **fields)
    assert err.value.key == key
