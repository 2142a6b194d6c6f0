"""Inside a trained CNN: a digit, its preprocessing, the prediction, every layer, the filters.

Kernel surgery: edit one learned filter of the first layer and watch its
feature map and the prediction change.
"""

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz import figures
from cnnviz.figures import network as network_figures
from cnnviz.i18n import format_number, get_language, labels, t
from cnnviz.ui.network import DigitInput, choose_network, digit_picker, inspect_digit
from cnnviz.ui.url_state import url_choice

KEY = "net"
SURGERY_VERSION = f"{KEY}_surgery_version"
UNSURE = 0.6  # below this top probability, the page says the network is unsure

lang = get_language()
st.title(t("net.title"))
st.caption(t("net.intro"))

network = choose_network()
# The convolutions whose filters the page shows; the first one is open to surgery.
CONVOLUTIONS = [layer.name for layer in network.model.layers if type(layer).__name__ == "Conv2D"]
SURGERY_LAYER = CONVOLUTIONS[0]
SURGERY_BANK = f"{KEY}_surgery_bank_{network.model_id}"


@st.cache_resource(show_spinner=False, max_entries=16)
def _filters(_model, model_id: str, layer: str) -> tuple[np.ndarray, np.ndarray]:
    from cnnviz.nets.model import filters

    kernel, bias = filters(_model, layer)
    kernel.flags.writeable = False
    bias.flags.writeable = False
    return kernel, bias


def learned_filters(layer: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the network's kernel (kh, kw, C_in, F) and bias (F,) of a layer (read-only)."""
    return _filters(network.model, network.model_id, layer)


def show_prediction(picked: DigitInput, probabilities: np.ndarray) -> None:
    """Show the network's answer in big type, the true label when known, and the bars."""
    winner = int(np.argmax(probabilities))
    confidence = format_number(100 * probabilities[winner], digits=1, lang=lang)
    st.subheader(t("net.prediction", digit=winner, confidence=confidence))
    if picked.label is not None:
        key = "net.label_right" if picked.label == winner else "net.label_wrong"
        (st.success if picked.label == winner else st.warning)(t(key, label=picked.label))
    if probabilities[winner] < UNSURE:
        st.info(t("net.unsure"))
    st.plotly_chart(
        network_figures.probability_bars(probabilities, lang=lang),
        key=f"{KEY}_bars",
        config={"displayModeBar": False},
    )


def show_preprocessing(picked: DigitInput) -> None:
    """Show the steps from the drawing or upload to the 28x28 digit the network reads."""
    with st.expander(t("net.preprocess.title"), expanded=True):
        st.plotly_chart(
            network_figures.image_strip(
                [step.image for step in picked.steps],
                [t(step.key) for step in picked.steps],
                lang=lang,
            ),
            key=f"{KEY}_steps",
            config={"displayModeBar": False},
        )
        notes = [
            f"- **{t(step.key)}** {t(step.note_key, **step.note_fields)}"
            for step in picked.steps
            if step.note_key
        ]
        st.markdown("\n".join(notes))


def layer_label(layer) -> str:
    """``conv1 · 26×26×16``: a layer's name and output shape."""
    return f"{layer.name} · {'×'.join(map(str, layer.values.shape))}"


def show_feature_maps(inspection) -> None:
    """Every channel of one layer, then one channel large with its values."""
    spatial = {layer.name: layer for layer in inspection.layers if layer.values.ndim == 3}
    names = list(spatial)
    chosen = url_choice(
        st.segmented_control,
        t("net.maps.layer"),
        names,
        format_func=lambda name: layer_label(spatial[name]),
        key=f"{KEY}_layer",
    )
    layer = spatial[chosen]
    st.caption(t(f"net.maps.explain.{layer.type}", name=layer.name))
    st.plotly_chart(
        network_figures.map_grid(layer.values, columns=8, lang=lang),
        key=f"{KEY}_grid",
        config={"displayModeBar": False},
    )
    channels = layer.values.shape[2]
    picker, enlarged = st.columns([1, 2])
    with picker:
        channel = st.number_input(
            t("net.maps.enlarge", last=channels - 1),
            min_value=0,
            max_value=channels - 1,
            key=f"{KEY}_channel",
            bind="query-params",
        )
    channel = min(int(channel), channels - 1)
    with enlarged:
        st.plotly_chart(
            figures.heatmap(
                layer.values[..., channel],
                title=t("net.maps.one", name=layer.name, channel=channel),
                clickable=False,
                height=420,
                lang=lang,
            ),
            key=f"{KEY}_one",
            config={"displayModeBar": False},
        )
    dense = [layer for layer in inspection.layers if layer.values.ndim == 1]
    if dense:
        st.caption(
            t("net.maps.dense", layers=", ".join(f"{d.name} ({d.values.size})" for d in dense))
        )


def show_filters() -> None:
    """Show the first layer's 16 filters with their weights; one filter of the second layer."""
    kernel1, _ = learned_filters(CONVOLUTIONS[0])
    st.markdown(t("net.filters.first", count=kernel1.shape[3]))
    st.plotly_chart(
        network_figures.map_grid(kernel1[:, :, 0, :], signed=True, lang=lang),
        key=f"{KEY}_filters1",
        config={"displayModeBar": False},
    )
    if len(CONVOLUTIONS) < 2:
        return
    kernel2, _ = learned_filters(CONVOLUTIONS[1])
    count = kernel2.shape[3]
    index = st.number_input(
        t("net.filters.second_pick", last=count - 1),
        min_value=0,
        max_value=count - 1,
        key=f"{KEY}_filter2",
        bind="query-params",
    )
    index = min(int(index), count - 1)
    st.markdown(t("net.filters.second", index=index, channels=kernel2.shape[2]))
    titles = [t("net.filters.input_channel", channel=c) for c in range(kernel2.shape[2])]
    st.plotly_chart(
        network_figures.map_grid(kernel2[:, :, :, index], titles=titles, signed=True, lang=lang),
        key=f"{KEY}_filters2",
        config={"displayModeBar": False},
    )


# --- kernel surgery ---------------------------------------------------------------------------


def surgery_bank() -> np.ndarray:
    """Return the session's own copy of the first layer's kernel (the shared model stays as is)."""
    if SURGERY_BANK not in st.session_state:
        st.session_state[SURGERY_BANK] = learned_filters(SURGERY_LAYER)[0].copy()
    return st.session_state[SURGERY_BANK]


def _edit(index: int, action: str) -> None:
    """Reset, switch off or negate one filter (a button's callback)."""
    bank = surgery_bank()
    learned = learned_filters(SURGERY_LAYER)[0]
    edits = {
        "reset": learned[..., index],
        "zero": np.zeros_like(learned[..., index]),
        "negate": -bank[..., index],
    }
    bank[..., index] = edits[action]
    # A new editor key: the table shows the new weights instead of its stale edits.
    st.session_state[SURGERY_VERSION] = st.session_state.get(SURGERY_VERSION, 0) + 1


def _reset_all() -> None:
    st.session_state[SURGERY_BANK] = learned_filters(SURGERY_LAYER)[0].copy()
    st.session_state[SURGERY_VERSION] = st.session_state.get(SURGERY_VERSION, 0) + 1


def filter_table(bank: np.ndarray, index: int) -> None:
    """Edit one filter's weights in a table; valid numbers go straight into the bank."""
    weights = bank[:, :, 0, index]
    frame = pd.DataFrame(weights, columns=[str(c) for c in range(weights.shape[1])])
    version = st.session_state.get(SURGERY_VERSION, 0)
    edited = st.data_editor(frame, key=f"{KEY}_surgery_editor_{index}_{version}", hide_index=False)
    values = pd.DataFrame(edited).apply(pd.to_numeric, errors="coerce").to_numpy(float)
    if values.shape != weights.shape or not np.isfinite(values).all():
        st.error(t("net.surgery.bad_cell"))  # keep the last valid weights
        return
    bank[:, :, 0, index] = values


def show_surgery(picked: DigitInput, original) -> None:
    """Edit a first-layer filter; compare its feature map and the prediction before and after."""
    bank = surgery_bank()
    count = bank.shape[3]
    st.markdown(t("net.surgery.explain"))
    left, right = st.columns([1, 2])
    with left:
        index = int(
            st.number_input(
                t("net.surgery.filter", last=count - 1),
                min_value=0,
                max_value=count - 1,
                key=f"{KEY}_surgery_filter",
            )
        )
        filter_table(bank, index)
        with st.container(horizontal=True):  # the buttons wrap in a narrow column
            for action, icon in (
                ("reset", ":material/undo:"),
                ("zero", ":material/block:"),
                ("negate", ":material/swap_vert:"),
            ):
                st.button(
                    t(f"net.surgery.{action}"),
                    key=f"{KEY}_surgery_{action}",
                    on_click=_edit,
                    args=(index, action),
                    icon=icon,
                )
            st.button(
                t("net.surgery.reset_all"), key=f"{KEY}_surgery_reset_all", on_click=_reset_all
            )
    bias = learned_filters(SURGERY_LAYER)[1]
    edited = inspect_digit(network, picked.digit, {SURGERY_LAYER: (bank.copy(), bias)})
    before = next(layer for layer in original.layers if layer.name == SURGERY_LAYER)
    after = next(layer for layer in edited.layers if layer.name == SURGERY_LAYER)
    with right:
        old, new = int(np.argmax(original.probabilities)), int(np.argmax(edited.probabilities))
        if old != new:
            st.warning(t("net.surgery.changed", old=old, new=new))
        else:
            st.success(t("net.surgery.same", digit=new))
        st.plotly_chart(
            network_figures.probability_bars(
                edited.probabilities, reference=original.probabilities, lang=lang
            ),
            key=f"{KEY}_surgery_bars",
            config={"displayModeBar": False},
        )
    st.plotly_chart(
        figures.feature_map_grid(
            np.stack([before.values[..., index], after.values[..., index]], axis=-1),
            titles=[t("net.surgery.before", index=index), t("net.surgery.after", index=index)],
            clickable=False,
            lang=lang,
        ),
        key=f"{KEY}_surgery_maps",
        config={"displayModeBar": False},
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
    st.markdown(f"**{t('net.what_it_sees')}**")
    st.plotly_chart(
        figures.image_figure(picked.digit, height=300, lang=lang),
        key=f"{KEY}_digit",
        config={"displayModeBar": False},
    )
with right:
    show_prediction(picked, inspection.probabilities)
if picked.steps:
    show_preprocessing(picked)

tab = url_choice(
    st.segmented_control,
    t("net.view"),
    ("maps", "filters", "surgery"),
    format_func=labels("net.view.{}"),
    key=f"{KEY}_view",
)
if tab == "maps":
    show_feature_maps(inspection)
elif tab == "filters":
    show_filters()
else:
    show_surgery(picked, inspection)
