"""Home: what cnnviz teaches, and the course's worked example of one convolution, live."""

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz.content import samples
from cnnviz.core import shapes
from cnnviz.core.trace import conv2d_trace
from cnnviz.i18n import format_number, t
from cnnviz.ui import kit
from cnnviz.ui.pages import page_links

# The course's worked example (textbook chapter, "correlación cruzada"): its 5x7
# input and a 3x3 kernel whose top-left window gives 6.
COURSE_INPUT = np.array(samples.COURSE_MATRIX)
COURSE_KERNEL = np.array(samples.COURSE_KERNEL)
WINDOW_STYLE = "background-color: #ffd966; font-weight: bold"
CELL_STYLE = "background-color: #9fc5e8; font-weight: bold"


@st.cache_data(show_spinner=False)  # its spinner would say "Running ...()" in English
def course_trace():
    """Trace the course's example once per server (it never changes)."""
    return conv2d_trace(COURSE_INPUT, COURSE_KERNEL)


def as_table(matrix: np.ndarray) -> pd.DataFrame:
    """Label rows and columns from 0, as the step formulas and the core index them."""
    return pd.DataFrame(matrix).map(format_number)


def highlight(matrix: np.ndarray, rows, cols, style: str):
    """Return a Styler that marks the cells at ``rows`` x ``cols``."""
    mask = np.zeros(matrix.shape, dtype=bool)
    mask[np.ix_(rows, cols)] = True
    styles = np.where(mask, style, "")
    return as_table(matrix).style.apply(lambda _: styles, axis=None)


st.title(t("home.title"))
st.markdown(t("home.intro"))
st.markdown(t("home.topics"))
page_links()

st.header(t("home.example.header"))
st.markdown(t("home.example.caption"))
trace = course_trace()
out_rows, out_cols = trace.output.shape
pick_row, pick_col = st.columns(2)
row = pick_row.number_input(
    t("home.example.row"), min_value=0, max_value=out_rows - 1, value=0, key="home_row"
)
col = pick_col.number_input(
    t("home.example.col"), min_value=0, max_value=out_cols - 1, value=0, key="home_col"
)
step = kit.checked(lambda: trace.step_at(int(row), int(col)))
if step is None:
    st.stop()

left, middle, right = st.columns([7, 3.5, 5.5], gap="large")
with left:
    st.subheader(t("home.example.input"))
    st.table(highlight(COURSE_INPUT, step.rows, step.cols, WINDOW_STYLE), hide_index=False)
with middle:
    st.subheader(t("home.example.kernel"))
    st.table(as_table(COURSE_KERNEL), hide_index=False)
with right:
    st.subheader(t("home.example.output"))
    st.table(highlight(trace.output, [step.row], [step.col], CELL_STYLE), hide_index=False)

st.markdown(t("home.example.formula", row=step.row, col=step.col))
st.code(step.formula(), language=None)
size_formula = [
    t(
        "home.example.size",
        axis=t(axis_key),
        n=n,
        k=k,
        result=shapes.conv_output_length(n, k),
    )
    for axis_key, n, k in (
        ("home.example.rows", COURSE_INPUT.shape[0], COURSE_KERNEL.shape[0]),
        ("home.example.cols", COURSE_INPUT.shape[1], COURSE_KERNEL.shape[1]),
    )
]
kit.bullets(size_formula)
st.caption(t("home.footer"))
