"""Backpropagation: a tiny CNN forward, then backward layer by layer, then gradient descent.

Streamlit runs this script on every rerun; the parts live beside it
(:mod:`app_pages.backprop.inputs`, :mod:`~app_pages.backprop.steps`,
:mod:`~app_pages.backprop.descent`). The network, its gradients and every
number come from :mod:`cnnviz.core.tiny_net`.
"""

import streamlit as st

from app_pages.backprop import KEY, descent, figure_width, inputs, steps
from cnnviz.core import tiny_net
from cnnviz.figures import backprop as figures
from cnnviz.figures.backprop import Panel
from cnnviz.i18n import format_number, t
from cnnviz.ui import kit


def forward_view(
    problem: inputs.Problem, params: tiny_net.TinyParams, record: tiny_net.TinyForward, f: int
) -> None:
    """Show the forward pass of filter ``f``: X ⋆ K = Z, ReLU, max pooling; the probabilities."""
    kit.chart(
        figures.panels_figure(
            [
                Panel(problem.image, "X"),
                Panel(params.kernel[:, :, 0, f], "K", signed=True),
                Panel(record.totals[..., f], t("backprop.name.totals", number=f), signed=True),
                Panel(record.activated[..., f], "A = ReLU(Z)", blocks=2),
                Panel(record.pooled[..., f], "P = max 2×2"),
            ],
            operators=["⋆", "=", "→", "→"],
            digits=2,
            width_px=figure_width(),
        ),
        key=f"{KEY}_forward",
    )
    names = steps.class_names()
    left, right = st.columns([1, 1], vertical_alignment="center")
    kit.chart(figures.class_bars(record.probabilities, names, height=210),
              key=f"{KEY}_forward_probs", where=left)  # fmt: skip
    right.markdown(t("backprop.forward.loss", name=names[record.target],
                     loss=format_number(record.loss, digits=4)))  # fmt: skip


st.title(t("backprop.title"))
setup = inputs.settings()
alerts = st.container()  # above the fold, where a refused input is noticed
forward_area = st.container()  # the main picture first; what it is and its inputs below
st.markdown(t("backprop.intro"))
with st.expander(t("backprop.inputs"), expanded=setup.source != "edit"):
    problem = inputs.choose_problem(setup, alerts)
if problem is None:
    st.stop()

start = tiny_net.forward(problem.image, problem.params, problem.target)
run = descent.run_of(problem, start)
params = run["params"][-1]
record = tiny_net.forward(problem.image, params, problem.target)
grads = tiny_net.backward(params, record)
with forward_area:
    st.subheader(t("backprop.forward.header"))
    taken = len(run["losses"]) - 1
    if taken:
        st.caption(t("backprop.after_steps", count=taken))
    f = steps.choose_filter(params.filters)
    forward_view(problem, params, record, f)

st.header(t("backprop.backward.header"))
steps.backward_section(inputs.Problem(problem.image, params, problem.target), record, grads, f)

st.header(t("backprop.descent.header"))
descent.descent_section(problem, run)

st.header(t("backprop.check.header"))
descent.check_section(problem, run)
