"""Convolution as a matrix: M drawn cell by cell, M x, its transpose, a dense layer.

What each part draws is in :mod:`cnnviz.ui.matrix_view`; the maths in
:mod:`cnnviz.core.conv_matrix`.
"""

import streamlit as st

from cnnviz.i18n import t
from cnnviz.ui import kit
from cnnviz.ui.conv_settings import conv_settings
from cnnviz.ui.matrix_view import (
    KEY,
    counts_panel,
    dense_panel,
    drawing,
    edited_input,
    matrix_inputs,
    matrix_result,
    proof,
    view_choice,
)

LAST_VALID = f"{KEY}_last"

st.title(t("matrix.title"))
settings = conv_settings(key=KEY, linear=True)
inputs = matrix_inputs()
alerts = st.container()  # above the picture, where a teacher changing a setting sees it
mode = view_choice()
picture = st.container()  # filled once the input table below has been read
under = st.container()

image = edited_input(inputs.image)
# A matrix too large to draw, or an empty output, keeps the last one on show under the message.
computed = kit.checked(
    lambda: (
        (matrix_result(image, inputs.kernel, settings), image, inputs.kernel, settings)
        if image is not None
        else None
    ),
    where=alerts,
)
last = kit.last_valid(LAST_VALID, computed, caption=t("matrix.showing_last_valid"), where=alerts)
if last is None:
    st.stop()
result, image, kernel, settings = last

with picture:
    drawing(image, kernel, settings, mode)
with under:
    proof(result, mode)
    st.markdown(f"{t('matrix.intro')} {t('matrix.why')}")
    counts_panel(result.counts, result.cm)
    st.subheader(t("matrix.dense.title"))
    dense_panel(result.counts)
    with st.expander(t("matrix.more.title")):
        st.markdown(t("matrix.more.body"))
