"""The backward pass, one layer at a time: logits, dense layer, max pooling, ReLU, kernel, input.

Each part shows the arrays :mod:`cnnviz.core.tiny_net` computed, written out
cell by cell (:func:`cnnviz.figures.backprop.panels_figure`), and the two
convolutions of the backward pass play on the stage: the kernel's gradient
(the input correlated with dL/dZ, one term per position) and the input's
(dL/dZ fully convolved with the kernel turned 180°).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.backprop import KEY
from cnnviz.core import backprop, tiny_net
from cnnviz.core.stage import StageData, conv_stage_data
from cnnviz.figures import backprop as figures
from cnnviz.figures.backprop import Panel
from cnnviz.i18n import format_number, labels, t
from cnnviz.ui import kit
from cnnviz.ui.stage import stage
from cnnviz.ui.url_state import url_choice

PARTS = ("logits", "dense", "pool", "relu", "kernel", "input")
"""The backward pass' steps, from the loss back to the input."""

HALF_WIDTH = 380
"""Width of a figure in one of two columns, in pixels (the main column at 1024 px, halved)."""

LETTERS = "abcdefghi"
"""The lecture's names of a 3x3 kernel's weights."""


@st.cache_data(max_entries=16, show_spinner=False)
def kernel_stage(
    image: np.ndarray, kernel: np.ndarray, grad_totals: np.ndarray, f: int
) -> StageData:
    """Pack dK of filter ``f`` as the stage plays it: the input correlated with dL/dZ."""
    return conv_stage_data(backprop.kernel_gradient_trace(image, kernel, grad_totals, filter=f))


@st.cache_data(max_entries=16, show_spinner=False)
def input_stage(kernel: np.ndarray, grad_totals: np.ndarray, shape: tuple, f: int) -> StageData:
    """Pack filter ``f``'s part of dL/dX: dL/dZ fully convolved with the rotated kernel."""
    return conv_stage_data(backprop.input_gradient_trace(kernel, grad_totals, shape, filter=f))


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
        ),
        key=f"{KEY}_dense_w",
    )
    kit.chart(
        figures.panels_figure(
            [Panel(params.dense_weights, "W", signed=True), g,
             Panel(_column(grads.flat), "∂L/∂v", signed=True)],
            operators=["·", "="],
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
        ),
        key=f"{KEY}_relu",
    )
    st.caption(t("backprop.relu.caption"))


def _select(name: str):
    def on_select(row: int, col: int, fmap: int | None) -> None:
        st.session_state[f"{KEY}_{name}_cell"] = (row, col)

    return on_select


def kernel_part(problem, grads, f: int) -> None:
    """Show ∂L/∂K summed over positions: the stage, then a position slider with the running sum."""
    st.markdown(t("backprop.kernel.intro"))
    cell = st.session_state.get(f"{KEY}_dk_cell", (0, 0))
    stage(
        kernel_stage(problem.image, problem.params.kernel, grads.totals, f),
        key=f"{KEY}_dk_stage",
        selected=(min(cell[0], 2), min(cell[1], 2), None),
        on_select=_select("dk"),
        titles={"input": t("backprop.kernel.stage_input"),
                "output": t("backprop.kernel.stage_output", number=f)},
    )  # fmt: skip
    parts = backprop.kernel_gradient_accumulation(
        problem.image, problem.params.kernel, grads.totals, filter=f
    )
    rows, cols = grads.totals.shape[:2]
    count = parts.shape[0]
    k = st.slider(t("backprop.kernel.position"), 1, count, 1, key=f"{KEY}_position_{count}")
    i, j = divmod(k - 1, cols)
    g = grads.totals[..., f]
    running = np.cumsum(parts, axis=0)
    kit.chart(
        figures.panels_figure(
            [
                Panel(problem.image, "X", window=(i, j, 3, 3)),
                Panel(g, "∂L/∂Z", marked=((i, j),), signed=True),
                Panel(parts[k - 1], t("backprop.kernel.term", row=i, col=j), signed=True),
                Panel(running[k - 1], t("backprop.kernel.sum", count=k, total=count), signed=True),
            ],
            operators=["×", "=", "⇒"],
        ),
        key=f"{KEY}_accumulate",
    )
    st.caption(t("backprop.kernel.caption", count=count, rows=rows, cols=cols,
                 bias=format_number(grads.bias[f], digits=4)))  # fmt: skip


def _letters_latex(reverse: bool) -> str:
    letters = LETTERS[::-1] if reverse else LETTERS
    rows = [" & ".join(letters[3 * r : 3 * r + 3]) for r in range(3)]
    return r"\begin{pmatrix}" + r" \\ ".join(rows) + r"\end{pmatrix}"


def input_part(problem, grads, f: int) -> None:
    """dL/dX: dL/dZ padded with zeros, convolved with the kernel turned 180° (a..i / i..a)."""
    st.markdown(t("backprop.input.intro"))
    trace = backprop.input_gradient_trace(
        problem.params.kernel, grads.totals, problem.image.shape, filter=f
    )
    left, right = st.columns(2, vertical_alignment="center")
    left.latex(_letters_latex(False) + r"\;\xrightarrow{180^\circ}\;" + _letters_latex(True))
    turned = trace.kernel[:, :, 0, 0] if trace.kernel.ndim == 4 else trace.kernel
    kit.chart(
        figures.panels_figure(
            [Panel(problem.params.kernel[:, :, 0, f], "K", signed=True),
             Panel(turned, t("backprop.input.rotated"), signed=True)],
            operators=["↻"],
            width_px=HALF_WIDTH,
        ),
        key=f"{KEY}_rotated",
        where=right,
    )  # fmt: skip
    cell = st.session_state.get(f"{KEY}_dx_cell", (0, 0))
    last_row, last_col = problem.image.shape
    stage(
        input_stage(problem.params.kernel, grads.totals, problem.image.shape, f),
        key=f"{KEY}_dx_stage",
        selected=(min(cell[0], last_row - 1), min(cell[1], last_col - 1), None),
        on_select=_select("dx"),
        titles={"input": t("backprop.input.stage_input"),
                "output": t("backprop.input.stage_output", number=f)},
    )  # fmt: skip
    st.caption(t("backprop.input.caption"))
    kit.chart(
        figures.panels_figure([Panel(grads.image, t("backprop.input.total"), signed=True)]),
        key=f"{KEY}_dx",
    )


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
