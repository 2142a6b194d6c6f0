"""Shapes and architectures: one layer worked out, a stack's summary, the classics, a quiz.

Streamlit runs this file as a script (see :mod:`cnnviz.ui.pages`): it picks the
view and hands over to the view's module. Never imports TensorFlow.
"""

import streamlit as st

from app_pages.architectures import builder, calculator, gallery, quiz
from app_pages.architectures.shared import KEY
from cnnviz.i18n import labels, t
from cnnviz.ui.url_state import url_choice

VIEWS = {
    "calculator": calculator.show,
    "builder": builder.show,
    "gallery": gallery.show,
    "quiz": quiz.show,
}

st.title(t("arch.title"))
# A shared quiz link (?quiz_seed=) opens on the quiz; any other link on the calculator.
default_view = "quiz" if quiz.QUIZ_SEED in st.query_params else "calculator"
view = url_choice(
    st.segmented_control,
    t("arch.view"),
    tuple(VIEWS),
    key=f"{KEY}_view",
    format_func=labels("arch.view.{}"),
    default=default_view,
    label_visibility="collapsed",
)
VIEWS[view]()
