"""Translation equivariance, measured: a digit shifted pixel by pixel through every layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app_pages.why_cnns import KEY, bounded_number
from cnnviz.core.equivariance import aligned_maps, recognised_span
from cnnviz.figures import equivariance as figures
from cnnviz.i18n import format_number, t
from cnnviz.nets.equivariance import ShiftSweep
from cnnviz.ui.kit import chart, checked
from cnnviz.ui.network import Network, digit_picker
from cnnviz.ui.url_state import catalog_choice, url_choice, url_number

DIRECTIONS = {"cols": (0, 1), "rows": (1, 0), "diagonal": (1, 1)}
"""Where a positive shift moves the digit: right, down, or both."""
MEASURES = ("equivariance", "invariance", "prediction")
MAX_REACH = 10  # pixels: past this a 20-pixel digit has mostly left its 28-pixel frame
DEFAULT_REACH = 6


@st.cache_data(max_entries=8, show_spinner=False)  # a sweep of 21 shifts holds about 3 MB
def _sweep(_model: Any, model_id: str, digit: np.ndarray, shifts: tuple) -> ShiftSweep:
    from cnnviz.nets.equivariance import shift_sweep

    return shift_sweep(_model, digit, shifts)


def _percent(value: float, lang: str) -> str:
    if not np.isfinite(value):
        return "—"
    return f"{format_number(100 * value, digits=1, lang=lang)} %"


def _chart(sweep: ShiftSweep, steps: list[int], measure: str, lang: str) -> None:
    """Draw the chosen measure against the shift, with the sentence that reads it."""
    x_title = t("why.shift.x_title")
    if measure == "prediction":
        winner = int(np.argmax(sweep.original[sweep.names[-1]]))
        predicted = np.argmax(sweep.probabilities, axis=1)
        figure = figures.prediction_curves(
            steps, sweep.probabilities, highlight=winner, others=sorted(set(predicted.tolist())),
            x_title=x_title, y_title=t("why.shift.probability"), lang=lang,
        )  # fmt: skip
        chart(figure, key=f"{KEY}_prediction")
        low, high = recognised_span(steps, predicted) or (0, 0)
        whole = (low, high) == (steps[0], steps[-1])  # it never stops within this reach
        key = "why.shift.recognised_all" if whole else "why.shift.recognised"
        st.markdown(t(key, digit=winner, low=low, high=high))
        return
    if measure == "equivariance":
        series = {name: [g.difference for g in gaps] for name, gaps in sweep.gaps.items()}
        exact = {name: [g.exact for g in gaps] for name, gaps in sweep.gaps.items()}
    else:
        names = dict.fromkeys([*sweep.fields, *sweep.names[-2:]])  # maps, logits, softmax
        series, exact = {name: list(sweep.changes[name]) for name in names}, None
    figure = figures.gap_curves(
        steps, series, exact=exact, x_title=x_title, y_title=t(f"why.shift.{measure}_axis"),
        lang=lang,
    )  # fmt: skip
    chart(figure, key=f"{KEY}_{measure}")
    st.caption(t(f"why.shift.{measure}_caption"))


def _maps(sweep: ShiftSweep, steps: list[int], reach: int, lang: str) -> None:
    """One layer's channel: layer then shift, shift then layer, and their difference."""
    st.subheader(t("why.maps.title"))
    names = list(sweep.fields)
    pick_layer, pick_channel, pick_shift = st.columns(3)
    with pick_layer:
        layer = url_choice(
            st.selectbox, t("why.maps.layer"), names, key=f"{KEY}_layer", format_func=str,
            default=names[min(2, len(names) - 1)],
        )  # fmt: skip
    original, outputs = sweep.original[layer], sweep.outputs[layer]
    channels = original.shape[2]
    with pick_channel:
        channel = bounded_number(
            st.number_input, t("why.maps.channel", last=channels - 1), 0, channels - 1, 0, "channel"
        )
    with pick_shift:
        k = bounded_number(st.slider, t("why.maps.shift"), -reach, reach, 1, "k")
    index = steps.index(k)
    gap = sweep.gaps[layer][index]
    moved, difference = aligned_maps(original[..., channel], outputs[index][..., channel], gap)
    offset = gap.alignment.offset
    titles = [
        t("why.maps.layer_then_shift", rows=offset[0], cols=offset[1]),
        t("why.maps.shift_then_layer"),
        t("why.maps.difference"),
    ]
    maps = np.stack([moved, outputs[index][..., channel], difference], axis=-1)
    chart(figures.shift_maps(maps, titles, gap.alignment.shifted, lang=lang), key=f"{KEY}_maps")
    rows, cols = (field.jump for field in sweep.fields[layer])
    fields = {
        "layer": layer,
        "shift": k,
        "jump": rows if rows == cols else f"{rows}×{cols}",
        "gap": _percent(gap.difference, lang),
    }
    if gap.exact:
        st.markdown(t("why.maps.exact", **fields))
    else:
        st.markdown(t("why.maps.not_exact", **fields))
    st.caption(t("why.maps.interior"))


def show(network: Network, lang: str) -> None:
    """Show the whole view: digit and settings, the chosen measure, then one layer's maps."""
    left, right = st.columns([1, 2], gap="large")
    with left:
        picked = digit_picker(network)
        direction = catalog_choice(
            st.radio, "why.shift.direction", tuple(DIRECTIONS), key=f"{KEY}_direction"
        )
        reach = url_number(
            st.slider, t("why.shift.reach"), 1, MAX_REACH, DEFAULT_REACH, key=f"{KEY}_reach"
        )
    if picked is None:
        return
    steps = list(range(-reach, reach + 1))
    rows, cols = DIRECTIONS[direction]
    shifts = tuple((k * rows, k * cols) for k in steps)
    sweep = checked(lambda: _sweep(network.model, network.model_id, picked.digit, shifts))
    if sweep is None:
        return
    with right:
        measure = catalog_choice(
            st.segmented_control, "why.measure", MEASURES, key=f"{KEY}_measure"
        )
        _chart(sweep, steps, measure, lang)
        st.markdown(t("why.shift.explain"))
        st.caption(picked.description)
    _maps(sweep, steps, reach, lang)
