"""Spatial hierarchy: the receptive field of one unit of each layer, drawn on the digit."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.why_cnns import KEY, bounded_number, fields
from cnnviz.core.equivariance import UnitField, most_active, nearest_unit, unit_field
from cnnviz.figures import conv as conv_figures
from cnnviz.figures import equivariance as figures
from cnnviz.i18n import t
from cnnviz.ui.kit import chart
from cnnviz.ui.network import Network, digit_picker, inspect_digit
from cnnviz.ui.url_state import catalog_choice, url_choice

UNIT_MODES = ("active", "chosen")


def growing_layers(network: Network) -> list[str]:
    """Return the spatial layers whose receptive field differs from the one before."""
    every = fields(network)
    names, previous = [], None
    for name, pair in every.items():
        if pair != previous:
            names.append(name)
        previous = pair
    return names


def _unit(feature_map) -> tuple[int, int]:
    """Return the unit the student looks at: the most active one, or the one chosen."""
    mode = catalog_choice(
        st.radio, "why.field.unit", UNIT_MODES, key=f"{KEY}_unit", horizontal=True
    )
    if mode == "active":
        return most_active(feature_map)
    rows, cols = feature_map.shape
    top, side = st.columns(2)
    with top:
        row = bounded_number(
            st.number_input, t("why.field.row", last=rows - 1), 0, rows - 1, rows // 2, "row"
        )
    with side:
        col = bounded_number(
            st.number_input, t("why.field.col", last=cols - 1), 0, cols - 1, cols // 2, "col"
        )
    return row, col


def _boxes(network: Network, names: list[str], chosen: UnitField) -> list[tuple[str, UnitField]]:
    """Each layer's unit whose field is centred nearest the chosen unit's field."""
    centre = ((chosen.top + chosen.bottom) / 2, (chosen.left + chosen.right) / 2)
    every = fields(network)
    return [(name, unit_field(every[name], *nearest_unit(every[name], centre))) for name in names]


def _table(boxes: list[tuple[str, UnitField]]) -> pd.DataFrame:
    """One row per layer: its unit, the field's size and the digit's pixels it covers."""
    return pd.DataFrame(
        {
            t("why.field.table.layer"): [name for name, _ in boxes],
            t("why.field.table.unit"): [f"({box.unit[0]}, {box.unit[1]})" for _, box in boxes],
            t("why.field.table.size"): [f"{box.size[0]}×{box.size[1]}" for _, box in boxes],
            t("why.field.table.pixels"): [
                t("why.field.table.span", top=box.top, left=box.left, bottom=box.bottom,
                  right=box.right)
                for _, box in boxes
            ],
        }
    )  # fmt: skip


def _choose(network: Network, inspection) -> tuple[str, int, tuple[int, int]]:
    """Show the choices of layer, filter and unit; return them."""
    names = growing_layers(network)
    pick_layer, pick_filter = st.columns(2)
    with pick_layer:
        layer = url_choice(
            st.selectbox, t("why.field.layer"), names, key=f"{KEY}_field_layer",
            format_func=str, default=names[-1],
        )  # fmt: skip
    count = inspection.layer(layer).values.shape[2]
    with pick_filter:
        index = bounded_number(
            st.number_input, t("why.field.filter", last=count - 1), 0, count - 1, 0, "filter"
        )
    return layer, index, _unit(inspection.layer(layer).values[..., index])


def show(network: Network, lang: str) -> None:
    """Pick a digit, a layer, a filter and a unit; draw every layer's field around it."""
    left, right = st.columns([1, 2], gap="large")
    with left:
        picked = digit_picker(network)
    if picked is None:
        return
    inspection = inspect_digit(network, picked.digit)
    with right:
        picture = st.empty()  # the fields on top, above the choices that place them
        layer, index, unit = _choose(network, inspection)
        chosen = unit_field(fields(network)[layer], *unit)
        boxes = _boxes(network, growing_layers(network), chosen)
        drawn = [
            (t("why.field.box", layer=name, rows=box.size[0], cols=box.size[1]),
             box.top, box.left, box.bottom, box.right)
            for name, box in boxes
        ]  # fmt: skip
        chart(
            figures.field_boxes(picked.digit, drawn, lang=lang), key=f"{KEY}_fields", where=picture
        )
        st.markdown(t("why.field.explain"))
        st.dataframe(_table(boxes), hide_index=True)
        st.caption(t("why.field.caption"))
    with left:
        chart(
            conv_figures.heatmap(
                inspection.layer(layer).values[..., index],
                title=t("why.field.map", layer=layer, index=index),
                clickable=False,
                show_values=False,
                highlight=unit,
                height=300,
                lang=lang,
            ),
            key=f"{KEY}_unit_map",
        )
