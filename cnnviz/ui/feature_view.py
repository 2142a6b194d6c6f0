"""The trained-network page's "feature visualisation" view: what a filter or a class likes most.

Controls (all kept in the URL, so a teacher's link shows the same picture):
the layer (its convolutions, or the classes), the filter or class, the
regularisers as switches, the steps and the seed. The generated image sits
beside the test images that activate the filter most, each with the receptive
field of its most active unit outlined; the objective's curve below.

Caching. A run updates ``st.progress`` step by step, which a
``st.cache_data`` function would replay awkwardly; so the ascent runs
*outside* any Streamlit cache, with a callback, and its result is kept in a
small server-wide dictionary (:class:`_Results`, at most :data:`KEPT` runs,
oldest dropped first, guarded by a lock) keyed by the network's ``model_id``,
the layer, the unit and the settings: the second visit is instant. Each
network's activation table (the test set through the cut model, once per
layer) is a ``st.cache_resource``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from cnnviz.core.feature_math import display_scale
from cnnviz.figures import conv as conv_figures
from cnnviz.figures import features as feature_figures
from cnnviz.i18n import format_count, format_number, t
from cnnviz.nets import feature_vis
from cnnviz.ui.kit import chart, checked
from cnnviz.ui.url_state import url_choice, url_number

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from cnnviz.ui.network import Network

KEY = "features"
KEPT = 32
TOP_COUNT = 9
STEP_RANGE = (8, 256)
SWITCHES = ("jitter", "blur", "tv", "l2", "clip")


class _Results:
    """A bounded, thread-safe store of finished runs (oldest dropped first)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: OrderedDict[tuple, feature_vis.FeatureResult] = OrderedDict()

    def get(self, key: tuple) -> feature_vis.FeatureResult | None:
        with self.lock:
            if key in self.runs:
                self.runs.move_to_end(key)
            return self.runs.get(key)

    def put(self, key: tuple, result: feature_vis.FeatureResult) -> None:
        with self.lock:
            self.runs[key] = result
            while len(self.runs) > KEPT:
                self.runs.popitem(last=False)


@st.cache_resource(show_spinner=False)
def _results() -> _Results:
    return _Results()


@st.cache_resource(show_spinner=False, max_entries=2)
def _test_inputs(shape: tuple[int, int, int]) -> np.ndarray:
    """Return the bundled test images of this input shape as the network reads them: [0, 1]."""
    from cnnviz.ui.network import test_set_for

    data = test_set_for(shape)
    return (data.x_test.astype(np.float32) / np.float32(255)).reshape((-1, *shape))


@st.cache_resource(show_spinner=False, max_entries=16)
def _table(_model: keras.Model, model_id: str, layer: str, shape: tuple[int, int, int]):
    """Return the layer's activation table on the test images, once per network and layer."""
    return feature_vis.activation_table(_model, layer, _test_inputs(shape))


def _link_problem(network: Network, layers: tuple[str, ...]) -> None:
    """Say why a link's layer was not taken (no such layer, or one without filters), once."""
    linked = st.query_params.get(f"{KEY}_layer")
    if linked is None or linked in layers or st.session_state.get(f"{KEY}_layer") in layers:
        return
    checked(lambda: feature_vis.unit_count(network.model, linked))


def _choose_unit(network: Network, layer: str) -> tuple[int, str]:
    """Choose the filter (a number) or the class (by name); return it and how the page names it."""
    if layer == feature_vis.CLASS_LAYER:
        classes = [str(c) for c in range(network.classes)]
        name = url_choice(
            st.selectbox,
            t("features.class"),
            classes,
            format_func=lambda c: network.class_label(int(c)),
            key=f"{KEY}_class",
        )
        index = int(name)
        return index, t("features.unit.class", name=network.class_label(index))
    count = feature_vis.unit_count(network.model, layer)
    index = min(
        int(
            url_number(
                st.number_input,
                t("features.filter", last=count - 1),
                0,
                count - 1,
                0,
                key=f"{KEY}_filter",
            )
        ),
        count - 1,
    )
    return index, t("features.unit.filter", index=index, layer=layer)


def _switches() -> dict[str, bool]:
    """Show the regularisers' switches, one under the other, each kept in the URL."""
    base = feature_vis.DEFAULTS
    st.caption(t("features.regularisers"))
    helps = {
        "jitter": {"pixels": base.jitter},
        "blur": {"every": base.blur_every, "sigma": format_number(base.blur, digits=1)},
    }
    return {
        name: st.toggle(
            t(f"features.{name}"),
            value=True,
            key=f"{KEY}_{name}",
            bind="query-params",
            help=t(f"features.{name}_help", **helps.get(name, {})),
        )
        for name in SWITCHES
    }


def _settings(on: dict[str, bool], steps: int, seed: int) -> feature_vis.FeatureSettings:
    """Return the run's settings: the defaults, with a switched-off regulariser at zero."""
    base = feature_vis.DEFAULTS
    return feature_vis.FeatureSettings(
        steps=int(steps),
        rate=base.rate,
        jitter=base.jitter if on["jitter"] else 0,
        blur=base.blur if on["blur"] else 0.0,
        blur_every=base.blur_every,
        tv=base.tv if on["tv"] else 0.0,
        l2=base.l2 if on["l2"] else 0.0,
        clip=on["clip"],
        seed=int(seed),
    )


def _run(network: Network, layer: str, unit: int, settings: feature_vis.FeatureSettings):
    """Return the run's result: from the store, or computed now with a progress bar."""
    key = (network.model_id, layer, unit, settings)
    store = _results()
    found = store.get(key)
    if found is not None:
        return found
    bar = st.progress(0.0, text=t("features.running", step=0, steps=settings.steps))

    def progress(step: int, steps: int) -> None:
        if step % 8 == 0 or step == steps:  # fewer browser messages, the same bar
            bar.progress(step / steps, text=t("features.running", step=step, steps=steps))

    result = feature_vis.visualise(network.model, layer, unit, settings, progress=progress)
    bar.empty()
    store.put(key, result)
    return result


def _show_generated(result, unit_name: str, lang: str) -> None:
    picture, stretched = display_scale(result.image)
    shown = picture[..., 0] if picture.shape[-1] == 1 else picture
    st.markdown(f"**{t('features.generated', unit=unit_name)}**")
    chart(conv_figures.image_figure(shown, height=480, lang=lang), key=f"{KEY}_image")
    if stretched:
        low, high = (
            format_number(float(v), digits=2, lang=lang)
            for v in (result.image.min(), result.image.max())
        )
        st.caption(t("features.scale.stretched", low=low, high=high))
    else:
        st.caption(t("features.scale.as_is"))


def _show_top(network: Network, layer: str, unit: int, unit_name: str, table, lang: str) -> None:
    is_class = layer == feature_vis.CLASS_LAYER
    fields = None if is_class else feature_vis.receptive_fields(network.model, layer)
    found = feature_vis.top_images(table, unit, TOP_COUNT, fields, network.shape)
    images = _test_inputs(network.shape)
    titles = [format_number(item.value, digits=1, lang=lang) for item in found]
    chart(
        feature_figures.top_images(
            [images[item.index] for item in found], [item.box for item in found], titles, lang=lang
        ),
        key=f"{KEY}_top",
    )
    if is_class:
        st.caption(t("features.top_class", count=TOP_COUNT, unit=unit_name))
    else:
        st.caption(
            t(
                "features.top",
                count=TOP_COUNT,
                unit=unit_name,
                rows=fields[0].size,
                cols=fields[1].size,
            )
        )


def _controls(network: Network) -> tuple[str, int, str, feature_vis.FeatureSettings]:
    """Show the controls: layer, filter or class, steps and seed beside the switches."""
    layers = (*feature_vis.filter_layers(network.model), feature_vis.CLASS_LAYER)
    _link_problem(network, layers)
    choices, switches = st.columns(2, gap="large")
    with choices:
        layer = url_choice(
            st.selectbox,
            t("features.layer"),
            layers,
            format_func=lambda name: t("features.layer.class") if name == layers[-1] else name,
            key=f"{KEY}_layer",
            default=layers[-2] if len(layers) > 1 else layers[0],
        )
        unit, unit_name = _choose_unit(network, layer)
        steps = url_number(
            st.slider,
            t("features.steps"),
            *STEP_RANGE,
            feature_vis.DEFAULTS.steps,
            key=f"{KEY}_steps",
        )
        seed = url_number(
            st.number_input, t("features.seed"), *feature_vis.SEED, 0, key=f"{KEY}_seed"
        )
    with switches:
        on = _switches()
    return layer, unit, unit_name, _settings(on, steps, seed)


def show(network: Network, *, lang: str) -> None:
    """Show the view for ``network``: controls, the generated image, the top test images."""
    st.caption(t("features.intro"))
    layer, unit, unit_name, settings = _controls(network)
    if settings == feature_vis.without_regularisers(settings):
        st.info(t("features.bare"))
    result = checked(lambda: _run(network, layer, unit, settings))
    if result is None:
        return
    count = format_count(len(_test_inputs(network.shape)), lang=lang)
    shown = t("features.layer.class") if layer == feature_vis.CLASS_LAYER else layer
    with st.spinner(t("features.ranking", count=count, layer=shown)):
        table = _table(network.model, network.model_id, layer, network.shape)
    generated, top = st.columns(2, gap="medium")
    with generated:
        _show_generated(result, unit_name, lang)
    with top:
        _show_top(network, layer, unit, unit_name, table, lang)
    _show_summary(result, layer, unit, unit_name, table, lang)


def _show_summary(result, layer: str, unit: int, unit_name: str, table, lang: str) -> None:
    best = float(table.means[:, unit].max())
    key = "features.compare_class" if layer == feature_vis.CLASS_LAYER else "features.compare"
    st.markdown(
        t(
            key,
            unit=unit_name,
            generated=format_number(result.activation, digits=2, lang=lang),
            best=format_number(best, digits=2, lang=lang),
            count=format_count(len(table.means), lang=lang),
        )
    )
    if result.pre_relu:
        st.caption(t("features.pre_relu"))
    chart(feature_figures.objective_curve(result.objective, lang=lang), key=f"{KEY}_curve")
