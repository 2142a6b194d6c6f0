"""The backward pass, one layer at a time: logits, dense layer, max pooling, ReLU, kernel, input.

Each part shows the arrays :mod:`cnnviz.core.tiny_net` computed, written out
cell by cell (:func:`cnnviz.figures.backprop.panels_figure`); the last two,
convolutions, play on the stage (:mod:`app_pages.backprop.convolutions`).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.backprop import KEY, figure_width
from app_pages.backprop.convolutions import input_part, kernel_part
from cnnviz.core import tiny_net
from cnnviz.figures import backprop as figures
from cnnviz.figures.backprop import Panel
from cnnviz.i18n import format_number, labels, t
from cnnviz.ui import kit
from cnnviz.ui.url_state import url_choice

PARTS = ("logits", "dense", "pool", "relu", "kernel", "input")
"""The backward pass' steps, from the loss back to the input."""


def class_names() -> list[str]:
    """Return the three classes' names in the current language."""
    return [t(f"backprop.class.{name}") for name in tiny_net.CLASSES]


def choose_part() -> str:
    """Show the step picker; return the chosen step."""
    return url_choice(
        st.segmented_control,
        t("backprop.part"),
        PARTS,
        key=f"{KEY}_part",
        format_func=labels("backprop.part.{}"),
    )


def choose_filter(filters: int) -> int:
    """With two filters, pick the one whose arrays are shown; 0 otherwise."""
    if filters == 1:
        return 0
    options = [str(f) for f in range(filters)]
    picked = st.segmented_control(
        t("backprop.filter"), options, key=f"{KEY}_filter", default="0", required=True
    )
    return int(picked or 0)


def _column(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1, 1)


def _row(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(1, -1)


def logits_part(record: tiny_net.TinyForward, grads: tiny_net.TinyBackward) -> None:
    """dL/dlogits = p − y, class by class, with the classes' names."""
    st.markdown(t("backprop.logits.intro"))
    names = class_names()
    head = " | ".join(t(f"backprop.logits.col.{c}") for c in ("class", "logit", "p", "y", "grad"))
    lines = [f"| {head} |", "|" + " --- |" * 5]
    for k, name in enumerate(names):
        y = int(k == record.target)
        p = format_number(record.probabilities[k], digits=4)
        cells = [
            f"**{name}**" if y else name,
            format_number(record.logits[k], digits=4),
            p,
            str(y),
            f"{p} − {y} = **{format_number(grads.logits[k], digits=4)}**",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    st.markdown("\n".join(lines))
    st.markdown(t("backprop.logits.loss", name=names[record.target],
                  p=format_number(record.probabilities[record.target], digits=4),
                  loss=format_number(record.loss, digits=4)))  # fmt: skip


def dense_part(params: tiny_net.TinyParams, record, grads) -> None:
    """dL/dW = v (dL/dlogits)ᵀ, dL/dc = dL/dlogits, dL/dv = W dL/dlogits."""
    st.markdown(t("backprop.dense.intro"))
    g = Panel(_row(grads.logits), t("backprop.name.grad_logits"), signed=True)
    kit.chart(
        figures.panels_figure(
            [Panel(_column(record.flat), "v"), g, Panel(grads.dense_weights, "∂L/∂W", signed=True)],
            operators=["×", "="],
            width_px=figure_width(),
        ),
        key=f"{KEY}_dense_w",
    )
    kit.chart(
        figures.panels_figure(
            [Panel(params.dense_weights, "W", signed=True), g,
             Panel(_column(grads.flat), "∂L/∂v", signed=True)],
            operators=["·", "="],
            width_px=figure_width(),
        ),
        key=f"{KEY}_dense_v",
    )  # fmt: skip
    st.caption(t("backprop.dense.caption"))


def pool_part(record, grads, f: int) -> None:
    """dL/dP routed to each window's winner; every other cell gets 0 (hatched)."""
    st.markdown(t("backprop.pool.intro"))
    winners = tiny_net.pool_winners(record.activated)[..., f]
    marked = tuple(zip(*np.nonzero(winners), strict=True))
    kit.chart(
        figures.panels_figure(
            [
                Panel(record.activated[..., f], "A = ReLU(Z)", marked=marked, blocks=2),
                Panel(grads.pooled[..., f], "∂L/∂P", signed=True),
                Panel(grads.activated[..., f], "∂L/∂A", muted=~winners, marked=marked, blocks=2,
                      signed=True),
            ],
            operators=["", "→"],
            width_px=figure_width(),
        ),
        key=f"{KEY}_pool",
    )  # fmt: skip
    st.caption(t("backprop.pool.caption"))


def relu_part(record, grads, f: int) -> None:
    """dL/dZ = dL/dA where Z > 0, else 0 (hatched)."""
    st.markdown(t("backprop.relu.intro"))
    off = record.totals[..., f] <= 0
    kit.chart(
        figures.panels_figure(
            [
                Panel(record.totals[..., f], "Z", muted=off, signed=True),
                Panel(grads.activated[..., f], "∂L/∂A", signed=True),
                Panel(grads.totals[..., f], "∂L/∂Z", muted=off, signed=True),
            ],
            operators=["", "→"],
            width_px=figure_width(),
        ),
        key=f"{KEY}_relu",
    )
    st.caption(t("backprop.relu.caption"))


def backward_section(problem, record, grads, f: int) -> None:
    """Show the step picker and the chosen step (for filter ``f`` where it has one per filter)."""
    part = choose_part()
    if part == "logits":
        logits_part(record, grads)
    elif part == "dense":
        dense_part(problem.params, record, grads)
    elif part == "pool":
        pool_part(record, grads, f)
    elif part == "relu":
        relu_part(record, grads, f)
    elif part == "kernel":
        kernel_part(problem, grads, f)
    else:
        input_part(problem, grads, f)
