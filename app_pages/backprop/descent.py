"""Gradient descent step by step, the loss curve, and the finite-difference check of one weight.

The steps taken live in session state with the problem they belong to (a
fingerprint of its input, weights and class): reruns keep them, a new input
starts over. A step that diverges leaves the weights as they were, under a
translated message.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import streamlit as st

from app_pages.backprop import HALF, KEY, figure_width
from app_pages.backprop.inputs import Problem
from cnnviz.core import tiny_net
from cnnviz.figures import backprop as figures
from cnnviz.figures.backprop import Panel
from cnnviz.i18n import InputError, format_number, labels, t
from cnnviz.ui import kit
from cnnviz.ui.url_state import url_number

RUN = f"{KEY}_run"
"""Session key of the steps taken: ``{"signature", "params": [...], "losses": [...]}``."""
ERROR = f"{KEY}_step_error"
CHECK = f"{KEY}_fd_result"
MAX_STEPS = 200
"""Most steps kept in a session: the curve stays readable and the state small."""


def signature(problem: Problem) -> str:
    """Fingerprint the problem: its input, starting weights and class."""
    digest = hashlib.sha1(usedforsecurity=False)
    for array in (problem.image, *(getattr(problem.params, n) for n in tiny_net.PARAMETERS)):
        digest.update(np.ascontiguousarray(array, dtype=np.float64).tobytes())
        digest.update(str(array.shape).encode())
    digest.update(str(problem.target).encode())
    return digest.hexdigest()


def run_of(problem: Problem, start: tiny_net.TinyForward) -> dict[str, Any]:
    """Return this problem's steps, starting over when the problem changed."""
    mark = signature(problem)
    run = st.session_state.get(RUN)
    if run is None or run["signature"] != mark:
        run = {"signature": mark, "params": [problem.params], "losses": [start.loss]}
        st.session_state[RUN] = run
    return run


def _step(problem: Problem, rate: float) -> None:
    """Take one step from the current weights (a button's callback, before the rerun)."""
    run = st.session_state[RUN]
    params = run["params"][-1]
    try:
        record = tiny_net.forward(problem.image, params, problem.target)
        stepped = tiny_net.sgd_step(params, tiny_net.backward(params, record), rate)
        after = tiny_net.checked_loss(problem.image, stepped, problem.target, rate)
    except InputError as err:
        st.session_state[ERROR] = err
        return
    run["params"].append(stepped)
    run["losses"].append(after.loss)


def _reset() -> None:
    run = st.session_state[RUN]
    run["params"], run["losses"] = run["params"][:1], run["losses"][:1]


def _weights_figure(before: tiny_net.TinyParams, after: tiny_net.TinyParams, f: int) -> Any:
    """Filter ``f`` before and after the step, and the change."""
    old, new = before.kernel[:, :, 0, f], after.kernel[:, :, 0, f]
    return figures.panels_figure(
        [
            Panel(old, t("backprop.descent.before", number=f), signed=True),
            Panel(new, t("backprop.descent.after", number=f), signed=True),
            Panel(new - old, t("backprop.descent.change"), signed=True),
        ],
        operators=["→", ""],
        digits=4 if before.filters == 1 else 3,  # half the width: fewer digits fit a cell
        width_px=figure_width(HALF if before.filters > 1 else 1.0),
    )


def descent_section(problem: Problem, run: dict[str, Any]) -> None:
    """Learning rate, Step / Step again / Reset, the loss before and after, weights, curve."""
    st.markdown(t("backprop.descent.intro"))
    steps = len(run["losses"]) - 1
    left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
    rate = url_number(
        left.number_input, t("backprop.rate"), 0.0001, 1e6, 0.1, key=f"{KEY}_rate",
        format="%g", step=0.1,
    )  # fmt: skip
    middle.button(
        t("backprop.step_again" if steps else "backprop.step"),
        key=f"{KEY}_step",
        on_click=_step,
        args=(problem, float(rate)),
        disabled=steps >= MAX_STEPS,
        type="primary",
        width="stretch",
    )
    right.button(t("backprop.reset"), key=f"{KEY}_reset", on_click=_reset, disabled=not steps,
                 width="stretch")  # fmt: skip
    error = st.session_state.pop(ERROR, None)
    if error is not None:
        st.error(str(error))
    if steps >= MAX_STEPS:
        st.caption(t("backprop.descent.max_steps", count=MAX_STEPS))
    if not steps:
        st.caption(t("backprop.descent.none_yet"))
        return
    losses = run["losses"]
    cols = st.columns(3)
    cols[0].metric(t("backprop.descent.loss_before"), format_number(losses[-2], digits=4))
    fell = losses[-1] < losses[-2]
    cols[1].metric(
        t("backprop.descent.loss_after"),
        format_number(losses[-1], digits=4),
        # The page's minus is "−", which Streamlit does not read as negative: say it outright.
        delta=format_number(losses[-1] - losses[-2], digits=4),
        delta_color="green" if fell else "red",
        delta_arrow="down" if fell else "up",
    )
    cols[2].metric(t("backprop.descent.steps"), steps)
    if losses[-1] > losses[-2]:
        st.warning(t("backprop.descent.went_up"))
    before, after = run["params"][-2], run["params"][-1]
    for f, column in enumerate(st.columns(before.filters)):
        kit.chart(_weights_figure(before, after, f), key=f"{KEY}_weights_{f}", where=column)
    kit.chart(figures.loss_curve(losses), key=f"{KEY}_curve")


def scientific(value: float) -> str:
    """Write a tiny difference as mantissa and power of ten in the page's language (``2,3e−11``)."""
    if value == 0 or not np.isfinite(value):
        return format_number(value)
    exponent = int(np.floor(np.log10(abs(value))))
    mantissa = format_number(value / 10.0**exponent, digits=1)
    return f"{mantissa}e{format_number(exponent)}"


def _check(problem: Problem, params: tiny_net.TinyParams, name: str, index: tuple) -> None:
    result = tiny_net.finite_difference(problem.image, params, problem.target, name, index)
    st.session_state[CHECK] = (signature(problem), len(st.session_state[RUN]["losses"]), result)


def check_section(problem: Problem, run: dict[str, Any]) -> None:
    """Pick a weight, click, see the central difference beside the backward pass' value."""
    params = run["params"][-1]
    st.markdown(t("backprop.check.intro", epsilon=format_number(tiny_net.FD_EPSILON, digits=6)))
    left, middle, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    name = left.selectbox(
        t("backprop.check.parameter"), tiny_net.PARAMETERS, key=f"{KEY}_fd_name",
        format_func=labels("backprop.param.{}"),
    )  # fmt: skip
    indices = tiny_net.weight_indices(params, name)
    index = middle.selectbox(
        t("backprop.check.index"), indices, key=f"{KEY}_fd_index_{name}_{params.filters}",
        format_func=lambda i: "[" + ", ".join(str(n) for n in i) + "]",
    )  # fmt: skip
    right.button(
        t("backprop.check.button"), key=f"{KEY}_fd_go", on_click=_check,
        args=(problem, params, name, index), width="stretch",
    )  # fmt: skip
    stored = st.session_state.get(CHECK)
    if stored is None or stored[:2] != (signature(problem), len(run["losses"])):
        return
    result = stored[2]
    cols = st.columns(3)
    cols[0].metric(t("backprop.check.numeric"), format_number(result.numeric, digits=8))
    cols[1].metric(t("backprop.check.analytic"), format_number(result.analytic, digits=8))
    cols[2].metric(t("backprop.check.difference"), scientific(result.difference))
    st.caption(
        t("backprop.check.formula", weight=t(f"backprop.param.{result.name}"),
          index=", ".join(str(n) for n in result.index),
          plus=format_number(result.loss_plus, digits=8),
          minus=format_number(result.loss_minus, digits=8),
          epsilon=format_number(result.epsilon, digits=6),
          numeric=format_number(result.numeric, digits=8))
    )  # fmt: skip
