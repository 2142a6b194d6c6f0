"""Saliency: which pixels made the network say what it said, five methods side by side."""

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz.figures import network as network_figures
from cnnviz.i18n import format_number, get_language, t
from cnnviz.nets import saliency
from cnnviz.ui.kit import chart
from cnnviz.ui.network import choose_network, digit_picker, inspect_digit
from cnnviz.ui.shapley_view import shapley_section
from cnnviz.ui.url_state import url_choice, url_number

KEY = "sal"
PREDICTED = "predicted"

lang = get_language()
st.title(t("saliency.page.title"))
st.caption(t("saliency.page.intro"))

network = choose_network(colour=True)
CLASS_NAMES = [network.class_label(c) for c in range(network.classes)]


@st.cache_data(max_entries=32, show_spinner=False)
def saliency_of(
    _model,
    model_id: str,
    digit: np.ndarray,
    class_index: int,
    methods: tuple,
    options: saliency.SaliencyOptions,
) -> dict[str, saliency.SaliencyResult]:
    """Compute every chosen method's map for one digit and class (cached per network)."""
    # Saliency only reads the weights: one model serves every session.
    return saliency.compute_all(_model, digit, class_index, methods=list(methods), options=options)


def target_labels(probabilities: np.ndarray, winner: int) -> dict[str, str]:
    """Label every target choice now: AppTest formats options in another thread."""
    choices = {PREDICTED: t("saliency.page.target_predicted", digit=CLASS_NAMES[winner])}
    for index, probability in enumerate(probabilities):
        percent = format_number(100 * probability, digits=1, lang=lang)
        choices[str(index)] = t(
            "saliency.page.target_class", digit=CLASS_NAMES[index], probability=percent
        )
    return choices


def method_names() -> dict[str, str]:
    """Name every saliency method in the page's language."""
    return {m: t(info.name_key) for m, info in saliency.METHODS.items()}


# Each numeric setting's slider: its label and its widget key (the URL's name for it).
SLIDERS = {
    "samples": ("saliency.page.samples", f"{KEY}_samples"),
    "noise_level": ("saliency.page.noise", f"{KEY}_noise"),
    "steps": ("saliency.page.steps", f"{KEY}_steps"),
    "window": ("saliency.page.window", f"{KEY}_window"),
    "stride": ("saliency.page.stride", f"{KEY}_stride"),
}


def option_slider(name: str):
    """Show a setting's slider with the range, step and default the core gives; return it."""
    label, key = SLIDERS[name]
    bounds = saliency.OPTION_RANGES[name]
    default = getattr(saliency.DEFAULTS, name)
    return url_number(
        st.slider, t(label), bounds.low, bounds.high, default, step=bounds.step, key=key
    )


def method_options() -> saliency.SaliencyOptions:
    """Each method's settings, in an expander: SmoothGrad's noise, IG's steps, Grad-CAM's layer."""
    with st.expander(t("saliency.page.options")):
        columns = st.columns(3)
        with columns[0]:
            samples = option_slider("samples")
            noise = option_slider("noise_level")
        with columns[1]:
            steps = option_slider("steps")
            layers = saliency.conv_layer_names(network.model)
            layer = st.selectbox(
                t("saliency.page.layer"),
                layers,
                index=layers.index(saliency.default_cam_layer(network.model)),
                key=f"{KEY}_layer",
                bind="query-params",
            )
        with columns[2]:
            window = option_slider("window")
            stride = option_slider("stride")
            if stride > window:  # a pixel between two windows would never be covered
                st.caption(t("saliency.page.stride_capped", window=window))
                stride = window
    return saliency.SaliencyOptions(
        samples=samples,
        noise_level=noise,
        steps=steps,
        window=window,
        stride=stride,
        layer_name=layer,
    )


left, right = st.columns([1, 1.4], gap="large")
with left:
    picked = digit_picker(network)
if picked is None:
    st.stop()
probabilities = inspect_digit(network, picked.digit).probabilities
winner = int(np.argmax(probabilities))

with right:
    st.caption(picked.description)
    target = url_choice(
        st.selectbox,
        t("saliency.page.target"),
        [PREDICTED, *map(str, range(probabilities.size))],
        format_func=target_labels(probabilities, winner).__getitem__,
        key=f"{KEY}_target",
    )
    class_index = winner if target == PREDICTED else int(target)
    method_ids = list(saliency.METHODS)
    chosen = st.multiselect(
        t("saliency.page.methods"),
        method_ids,
        default=method_ids,
        format_func=method_names().__getitem__,
        key=f"{KEY}_methods",
    )
    opacity = url_number(
        st.slider, t("saliency.page.opacity"), 0.0, 1.0, 0.6, step=0.05, key=f"{KEY}_opacity"
    )
    options = method_options()

if not chosen:
    st.info(t("saliency.page.no_method"))
    st.stop()
chosen = [m for m in method_ids if m in chosen]  # the page's order, whatever the click order
with st.spinner(t("saliency.page.computing")):
    results = saliency_of(
        network.model,
        network.model_id,
        picked.digit,
        class_index,
        tuple(chosen),
        options,
    )

st.subheader(t("saliency.page.maps", digit=CLASS_NAMES[class_index]))
chart(
    network_figures.saliency_panels(
        picked.digit,
        [results[m].map for m in chosen],
        [t(saliency.METHODS[m].name_key) for m in chosen],
        signed=[saliency.METHODS[m].signed for m in chosen],
        opacity=opacity,
        lang=lang,
    ),
    key=f"{KEY}_panels",
)
st.caption(t("saliency.page.colours"))
if "grad_cam" in results and not results["grad_cam"].map.any():
    st.info(t("saliency.page.cam_blank", layer=options.layer_name))

shapley_section(network, picked.digit, class_index, CLASS_NAMES[class_index])

timing = pd.DataFrame(
    {
        t("saliency.page.method"): [t(saliency.METHODS[m].name_key) for m in chosen],
        t("saliency.page.milliseconds"): [
            format_number(1000 * results[m].seconds, digits=0, lang=lang) for m in chosen
        ],
    }
)
st.dataframe(timing, hide_index=True)

for method in chosen:
    info = saliency.METHODS[method]
    with st.expander(t(info.name_key)):
        st.markdown(t(info.explain_key))
        st.caption(info.reference)
