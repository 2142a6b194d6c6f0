"""The catalog of methods, their results, running several at once, and scaling a map to show."""

from __future__ import annotations

import inspect
import numbers
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from cnnviz.i18n import InputError
from cnnviz.nets.saliency.grad_cam import grad_cam
from cnnviz.nets.saliency.gradients import integrated_gradients, smoothgrad, vanilla_gradient
from cnnviz.nets.saliency.occlusion import occlusion
from cnnviz.nets.saliency.options import SaliencyOptions

if TYPE_CHECKING:  # pragma: no cover
    import keras


def normalize_map(
    values: np.ndarray, *, signed: bool = False, percentile: float = 100.0
) -> np.ndarray:
    """Scale a saliency map for display: to [0, 1], or to [−1, 1] keeping its sign.

    Parameters
    ----------
    values : ndarray
        A map from any method.
    signed : bool, default False
        False: a non-negative map is divided by its maximum (0 stays 0, the
        strongest pixel becomes 1); a map with negative values is stretched from
        its minimum (0) to its maximum (1). True: divided by its largest absolute
        value, so 0 stays 0 and signs are kept, for a diverging colour scale.
    percentile : float, default 100
        Scale by this percentile of the magnitudes instead of the maximum, and
        clip above it, so that a few extreme pixels do not wash out the rest
        (99 is common for gradients).

    Returns
    -------
    ndarray, float32, same shape
        The scaled map; all zeros (never NaN) for a constant or all-zero map.
        Non-finite values count as 0.

    Examples
    --------
    >>> normalize_map(np.array([[0.0, 2.0], [1.0, 4.0]]))
    array([[0.  , 0.5 ],
           [0.25, 1.  ]], dtype=float32)
    >>> normalize_map(np.array([-2.0, 0.0, 1.0]), signed=True)
    array([-1. ,  0. ,  0.5], dtype=float32)
    >>> normalize_map(np.zeros((2, 2)), signed=True).tolist()
    [[0.0, 0.0], [0.0, 0.0]]
    """
    if not isinstance(percentile, numbers.Real) or not 0 < percentile <= 100:
        raise InputError("error.saliency_percentile", value=repr(percentile))
    array = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if array.size == 0:
        return array.astype(np.float32)
    if signed:
        scale = float(np.percentile(np.abs(array), percentile))
        if scale <= 0:
            return np.zeros(array.shape, np.float32)
        return np.clip(array / scale, -1.0, 1.0).astype(np.float32)
    low = min(float(array.min()), 0.0)  # non-negative maps keep 0 as "no effect"
    shifted = array - low
    scale = float(np.percentile(shifted, percentile))
    if scale <= 0:
        return np.zeros(array.shape, np.float32)
    return np.clip(shifted / scale, 0.0, 1.0).astype(np.float32)


# --- the catalog of methods --------------------------------------------------------------


@dataclass(frozen=True)
class SaliencyMethod:
    """One saliency method, as the Saliency page lists it.

    Attributes
    ----------
    id : str
        Its key in :data:`METHODS`.
    function : callable
        ``function(model, image, class_index, **options) -> (H, W) float32``.
    name_key, explain_key : str
        Catalog keys of its name and of a two-to-three-sentence explanation for
        students (what is computed, how to read the colours).
    reference : str
        Authors, year and title of the paper (not translated).
    signed : bool
        Whether the map has meaningful negative values: show it with a
        diverging scale centred on 0, red positive and blue negative
        (``normalize_map(m, signed=True)``); the others with a sequential scale.
    """

    id: str
    function: Callable[..., np.ndarray]
    name_key: str
    explain_key: str
    reference: str
    signed: bool = False

    def options(self) -> tuple[str, ...]:
        """Return the names of the method's keyword-only options.

        Examples
        --------
        >>> METHODS["smoothgrad"].options()
        ('samples', 'noise_level', 'seed')
        """
        return tuple(
            name
            for name, p in inspect.signature(self.function).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        )


def _method(
    id: str, function: Callable[..., np.ndarray], reference: str, *, signed: bool = False
) -> SaliencyMethod:
    return SaliencyMethod(
        id=id,
        function=function,
        name_key=f"saliency.method.{id}.name",
        explain_key=f"saliency.method.{id}.explain",
        reference=reference,
        signed=signed,
    )


METHODS: Mapping[str, SaliencyMethod] = MappingProxyType(
    {
        m.id: m
        for m in (
            _method(
                "gradient",
                vanilla_gradient,
                "Simonyan, Vedaldi & Zisserman (2014). Deep Inside Convolutional Networks: "
                "Visualising Image Classification Models and Saliency Maps.",
            ),
            _method(
                "smoothgrad",
                smoothgrad,
                "Smilkov, Thorat, Kim, Viégas & Wattenberg (2017). SmoothGrad: "
                "removing noise by adding noise.",
            ),
            _method(
                "integrated_gradients",
                integrated_gradients,
                "Sundararajan, Taly & Yan (2017). Axiomatic Attribution for Deep Networks.",
                signed=True,
            ),
            _method(
                "grad_cam",
                grad_cam,
                "Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra (2017). Grad-CAM: Visual "
                "Explanations from Deep Networks via Gradient-based Localization.",
            ),
            _method(
                "occlusion",
                occlusion,
                "Zeiler & Fergus (2014). Visualizing and Understanding Convolutional Networks.",
                signed=True,
            ),
        )
    }
)
"""The five methods in the order the page shows them, by id."""


@dataclass(frozen=True)
class SaliencyResult:
    """One method's map and how long it took.

    Attributes
    ----------
    method : str
        Its id in :data:`METHODS`.
    map : ndarray, shape (H, W), float32
        The saliency map, unnormalised.
    seconds : float
        Wall time of the call (``time.perf_counter``), validation included.
    """

    method: str
    map: np.ndarray
    seconds: float


def compute_all(
    model: keras.Model,
    image: np.ndarray,
    class_index: int,
    *,
    methods: Iterable[str] | None = None,
    options: SaliencyOptions | None = None,
    **overrides: Any,
) -> dict[str, SaliencyResult]:
    """Run several saliency methods on one image and time each.

    Parameters
    ----------
    model, image, class_index
        A built classifier, one image ``(H, W)`` or ``(H, W, C)``, a class from 0.
    methods : iterable of str, optional
        Ids from :data:`METHODS`, run in the order given; all five by default.
    options : SaliencyOptions, optional
        The settings (:data:`~cnnviz.nets.saliency.options.DEFAULTS` if not given);
        each goes to the methods that take it (``samples`` to SmoothGrad,
        ``window`` to occlusion...).
    **overrides
        Keyword options that replace fields of ``options`` (``samples=10``), or
        other options of a method (``seed``, ``baseline``, ``fill``, ``target``,
        ``upsample``).

    Returns
    -------
    dict of str to SaliencyResult
        By method id, in the order run.

    Raises
    ------
    InputError
        For an unknown method id, a setting :class:`SaliencyOptions` refuses,
        or what a method refuses.
    TypeError
        For an option no method takes (a programming error).
    """
    ids = tuple(METHODS) if methods is None else tuple(methods)
    for method_id in ids:
        if method_id not in METHODS:
            raise InputError(
                "error.saliency_unknown_method", value=repr(method_id), methods=", ".join(METHODS)
            )
    known = {name for m in METHODS.values() for name in m.options()}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise TypeError(f"No saliency method takes the option(s) {unknown}; known: {sorted(known)}")
    settings = {field.name for field in fields(SaliencyOptions)}
    checked = replace(  # replace() makes a new SaliencyOptions, which checks every field
        options or SaliencyOptions(), **{k: v for k, v in overrides.items() if k in settings}
    )
    values = {**{name: getattr(checked, name) for name in settings}, **overrides}
    results: dict[str, SaliencyResult] = {}
    for method_id in ids:
        method = METHODS[method_id]
        kwargs = {name: values[name] for name in method.options() if name in values}
        start = time.perf_counter()
        result = method.function(model, image, class_index, **kwargs)
        results[method_id] = SaliencyResult(method_id, result, time.perf_counter() - start)
    return results
