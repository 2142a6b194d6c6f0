"""Inside a trained CNN: a picture, its preprocessing, the prediction, every layer, the filters.

Three networks (``?network=``): the digit network, the colour network
(CIFAR-10) and the session's own. Kernel surgery: edit one learned filter of
the first layer and watch its feature map and the prediction change.
"""

import numpy as np
import streamlit as st

from cnnviz.figures import conv as conv_figures
from cnnviz.figures import network as network_figures
from cnnviz.i18n import format_count, format_number, format_shape, get_language, labels, t
from cnnviz.ui import channel_view, feature_view
from cnnviz.ui.kit import bullets, chart
from cnnviz.ui.network import (
    DigitInput,
    choose_network,
    digit_picker,
    inspect_digit,
    layer_explanation,
    learned_filters,
    test_accuracy,
    window_size,
)
from cnnviz.ui.presenter import presenting
from cnnviz.ui.surgery import Surgery
from cnnviz.ui.url_state import url_choice, url_number

KEY = "net"
UNSURE = 0.6  # below this top probability, the page says the network is unsure
MAX_LAYER_BUTTONS = 8
COLOUR_VERDICTS = ("colour.label_right", "colour.label_wrong")

lang = get_language()
st.title(t("net.title"))
intro = st.empty()  # says which network: known once it is chosen, below

network = choose_network(colour=True)
DIGITS = network.reads_digits  # the texts say "digit" for this network, "image" for the others
INTROS = {"bundled": "net.intro", "colour": "colour.intro"}
if not presenting():  # projected, the teacher says it: the picture gets the room
    intro.caption(t(INTROS.get(network.model_id, "net.intro_session"), name=network.label))
CLASS_NAMES = [network.class_label(c) for c in range(network.classes)]
# The convolutions whose filters the page shows; the first one is open to surgery.
CONVOLUTIONS = [layer.name for layer in network.model.layers if type(layer).__name__ == "Conv2D"]
SURGERY = Surgery(network, CONVOLUTIONS[0], KEY)


def pick_index(label: str, count: int, key: str) -> int:
    """Show a number input from 0 to ``count - 1`` bound to the URL; clamp what the URL says."""
    index = url_number(st.number_input, label, 0, count - 1, key=key)
    return min(int(index), count - 1)


def show_prediction(picked: DigitInput, probabilities: np.ndarray) -> None:
    """Show the network's answer in big type, the true label when known, and the bars."""
    winner = int(np.argmax(probabilities))
    confidence = format_number(100 * probabilities[winner], digits=1, lang=lang)
    st.subheader(t("net.prediction", digit=CLASS_NAMES[winner], confidence=confidence))
    right, wrong = ("net.label_right", "net.label_wrong") if DIGITS else COLOUR_VERDICTS
    label = None if picked.label is None else CLASS_NAMES[picked.label]
    if picked.label == winner:
        st.success(t(right, label=label))
    elif picked.label is not None:
        # Measured on these test images for the active network, bundled or the session's own.
        accuracy = format_number(100 * test_accuracy(network), digits=1, lang=lang)
        count = format_count(network.test_set().y_test.size, lang=lang)
        st.warning(t(wrong, label=label, accuracy=accuracy, count=count))
    if probabilities[winner] < UNSURE:
        st.info(t("net.unsure" if DIGITS else "colour.unsure"))
    chart(
        network_figures.probability_bars(
            probabilities,
            class_names=CLASS_NAMES,
            class_title=t("net.bars.class" if DIGITS else "colour.bars.class"),
            lang=lang,
        ),
        key=f"{KEY}_bars",
    )


def show_preprocessing(picked: DigitInput) -> None:
    """Show the steps from the drawing, upload or shot to the input the network reads."""
    with st.expander(t("net.preprocess.title"), expanded=True):
        chart(
            network_figures.image_strip(
                [step.image for step in picked.steps],
                [t(step.key) for step in picked.steps],
                lang=lang,
            ),
            key=f"{KEY}_steps",
        )
        bullets(
            f"**{t(step.key)}** {t(step.note_key, **step.note_fields)}"
            for step in picked.steps
            if step.note_key
        )


def layer_label(layer) -> str:
    """``conv1 · 26 × 26 × 16``: a layer's name and output shape."""
    return f"{layer.name} · {format_shape(layer.values.shape)}"


def show_feature_maps(inspection) -> None:
    """Every channel of one layer, then one channel large with its values."""
    spatial = {layer.name: layer for layer in inspection.layers if layer.values.ndim == 3}
    names = list(spatial)
    layer_names = {name: layer_label(spatial[name]) for name in names}
    # Up to about eight layers fit in one row of buttons; the colour network's 15 in a list.
    widget = st.segmented_control if len(names) <= MAX_LAYER_BUTTONS else st.selectbox
    chosen = url_choice(
        widget, t("net.maps.layer"), names, format_func=layer_names.__getitem__, key=f"{KEY}_layer"
    )
    layer = spatial[chosen]
    st.caption(layer_explanation(network, layer.name))
    channels = layer.values.shape[2]
    columns = 8 if channels <= 32 else 16  # 128 maps of 8x8 in 8 rows, not 16
    chart(network_figures.map_grid(layer.values, columns=columns, lang=lang), key=f"{KEY}_grid")
    channels = layer.values.shape[2]
    picker, enlarged = st.columns([1, 2])
    with picker:
        channel = pick_index(t("net.maps.enlarge", last=channels - 1), channels, f"{KEY}_channel")
    with enlarged:
        chart(
            conv_figures.heatmap(
                layer.values[..., channel],
                title=t("net.maps.one", name=layer.name, channel=channel),
                clickable=False,
                height=420,
                lang=lang,
            ),
            key=f"{KEY}_one",
        )
    dense = [layer for layer in inspection.layers if layer.values.ndim == 1]
    if dense:
        st.caption(
            t("net.maps.dense", layers=", ".join(f"{d.name} ({d.values.size})" for d in dense))
        )


def show_first_layer(picked: DigitInput) -> None:
    """Show the first convolution's learned filters.

    A digit network's filters have one slice each, shown as a grid. A colour
    network's have three (R, G, B): its filters are drawn as RGB pictures and
    per channel, and the picked filter's map on this image as the sum of the
    R, G and B contributions plus the bias, one cell's arithmetic on the stage
    (:mod:`cnnviz.ui.channel_view`).
    """
    kernel1, bias1 = learned_filters(network, CONVOLUTIONS[0])
    if kernel1.shape[2] == 3:
        rgb_key = f"{KEY}_rgb"
        index = channel_view.show_filter_bank(kernel1, bias1, key=rgb_key)
        padding = network.model.get_layer(CONVOLUTIONS[0]).padding
        channel_view.show_channel_sum(
            picked.digit, kernel1, bias1, index, padding=padding, key=rgb_key
        )
        return
    size = window_size(kernel1.shape[:2])
    st.markdown(t("net.filters.first", count=kernel1.shape[3], size=size))
    chart(
        network_figures.map_grid(kernel1[..., 0, :], signed=True, lang=lang),
        key=f"{KEY}_filters1",
    )


def show_filters(picked: DigitInput, inspection) -> None:
    """Show the first layer's filters with their weights; one filter of the second layer."""
    show_first_layer(picked)
    if len(CONVOLUTIONS) < 2:
        return
    kernel2, _ = learned_filters(network, CONVOLUTIONS[1])
    count = kernel2.shape[3]
    index = pick_index(t("net.filters.second_pick", last=count - 1), count, f"{KEY}_filter2")
    size = window_size(kernel2.shape[:2])
    st.markdown(t("net.filters.second", index=index, channels=kernel2.shape[2], size=size))
    titles = [t("net.filters.input_channel", channel=c) for c in range(kernel2.shape[2])]
    chart(
        network_figures.map_grid(kernel2[:, :, :, index], titles=titles, signed=True, lang=lang),
        key=f"{KEY}_filters2",
    )


# --- the page ---------------------------------------------------------------------------------

left, right = st.columns([1, 1.2], gap="large")
with left:
    picked = digit_picker(network)
if picked is None:
    st.stop()
inspection = inspect_digit(network, picked.digit)
with left:
    st.caption(picked.description)
    sees = "net.what_it_sees" if DIGITS else "colour.what_it_sees"
    st.markdown(f"**{t(sees, size=format_shape(network.shape))}**")
    seen = picked.digit[..., 0] if picked.digit.shape[-1:] == (1,) else picked.digit  # grey
    chart(conv_figures.image_figure(seen, height=300, lang=lang), key=f"{KEY}_digit")
with right:
    show_prediction(picked, inspection.probabilities)
if picked.steps:
    show_preprocessing(picked)

tab = url_choice(
    st.segmented_control,
    t("net.view"),
    ("maps", "filters", "features", "surgery"),
    format_func=labels("net.view.{}"),
    key=f"{KEY}_view",
)
if tab == "maps":
    show_feature_maps(inspection)
elif tab == "filters":
    show_filters(picked, inspection)
elif tab == "features":
    feature_view.show(network, lang=lang)
else:
    SURGERY.show(picked.digit, inspection, CLASS_NAMES, lang=lang)
