"""The settings a student can change, with their defaults and the ranges the page offers.

:class:`SaliencyOptions` holds the tunable settings of the five methods (the
defaults are the methods' defaults, written once here) and checks them when
made; :data:`OPTION_RANGES` holds, for each number, the slider's range and
step on the Saliency page.

Examples
--------
>>> SaliencyOptions(samples=50).samples, DEFAULTS.noise_level
(50, 0.15)
>>> OPTION_RANGES["steps"]
OptionRange(low=4, high=128, step=4)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from cnnviz.i18n import InputError
from cnnviz.nets.saliency._base import check_count, check_pair


def check_noise_level(value: float) -> float:
    """Return SmoothGrad's noise level, checked to be a finite number of at least 0."""
    if not isinstance(value, numbers.Real) or not 0 <= value < math.inf:
        raise InputError("error.saliency_noise_level", value=repr(value))
    return float(value)


@dataclass(frozen=True)
class SaliencyOptions:
    """The methods' settings a page lets a student change, checked when made.

    Attributes
    ----------
    samples : int, default 25
        SmoothGrad's noisy copies, at least 1.
    noise_level : float, default 0.15
        SmoothGrad's noise, a fraction of the image's range, at least 0.
    steps : int, default 32
        Integrated Gradients' intervals along the path, at least 1.
    window : int or (int, int), default 6
        Occlusion's square, in pixels, at least 1 (at most the image: occlusion checks).
    stride : int or (int, int), default 2
        Occlusion's step, at least 1 (at most the window: occlusion checks).
    layer_name : str or None, default None
        Grad-CAM's layer; None for its default (Grad-CAM checks the name).

    Raises
    ------
    InputError
        ``error.not_int_or_pair`` or ``error.below_one`` for a count, pair or
        side that is not an int of at least 1; ``error.saliency_noise_level``
        for a negative or non-finite noise level.
    """

    samples: int = 25
    noise_level: float = 0.15
    steps: int = 32
    window: int | tuple[int, int] = 6
    stride: int | tuple[int, int] = 2
    layer_name: str | None = None

    def __post_init__(self) -> None:
        check_count(self.samples, "samples")
        check_noise_level(self.noise_level)
        check_count(self.steps, "steps")
        check_pair(self.window, "window")
        check_pair(self.stride, "stride")


DEFAULTS = SaliencyOptions()
"""Every setting at its default: what each method uses when not told otherwise."""


@dataclass(frozen=True)
class OptionRange:
    """A setting's slider on the page: from ``low`` to ``high`` by ``step``.

    The methods accept more (any count of at least 1): the range is what makes
    sense to explore on a 28×28 digit at the speed of a slider.
    """

    low: int | float
    high: int | float
    step: int | float


OPTION_RANGES: Mapping[str, OptionRange] = MappingProxyType(
    {
        "samples": OptionRange(5, 100, 5),
        "noise_level": OptionRange(0.0, 0.5, 0.05),
        "steps": OptionRange(4, 128, 4),
        "window": OptionRange(2, 14, 1),
        "stride": OptionRange(1, 7, 1),
    }
)
"""The page's slider for each numeric field of :class:`SaliencyOptions`."""
