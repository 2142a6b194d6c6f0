"""The backward pass' two convolutions, played on the stage: the kernel's gradient and the input's.

The kernel's gradient is the input correlated with dL/dZ, one term per output
position, added up window by window; the input's is dL/dZ, padded with zeros,
fully convolved with the kernel turned 180° (the lecture's a..i / i..a).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.backprop import HALF, KEY, figure_width
from cnnviz.core import backprop
from cnnviz.core.stage import StageData, conv_stage_data
from cnnviz.figures import backprop as figures
from cnnviz.figures.backprop import Panel
from cnnviz.i18n import format_number, t
from cnnviz.ui import kit
from cnnviz.ui.stage import stage

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
            width_px=figure_width(),
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
            width_px=figure_width(HALF),
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
        figures.panels_figure(
            [Panel(grads.image, t("backprop.input.total"), signed=True)], width_px=figure_width()
        ),
        key=f"{KEY}_dx",
    )
