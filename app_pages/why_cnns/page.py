"""Why CNNs work: sparse interactions, shared weights, equivariance, hierarchy, measured.

The course's slide "¿Por qué funcionan?" lists four reasons; each view shows one or two of
them on the bundled network (or the session's own): the costs of its convolutions against
dense layers, a digit shifted pixel by pixel through every layer, and receptive fields.
"""

import streamlit as st

from app_pages.why_cnns import KEY, fields, hierarchy, shifts, sparse
from cnnviz.i18n import get_language, t
from cnnviz.ui.network import choose_network
from cnnviz.ui.presenter import presenting
from cnnviz.ui.url_state import catalog_choice

lang = get_language()
st.title(t("why.title"))
if not presenting():  # projected, the teacher says it: the picture gets the room
    st.caption(t("why.intro"))

network = choose_network()
view = catalog_choice(
    st.segmented_control,
    "why.view",
    ("sparse", "shift", "hierarchy"),
    key=f"{KEY}_view",
    label_visibility="collapsed",  # the options say what they are
)
if view == "sparse":
    sparse.show(network, lang)
elif not fields(network):  # a session's own network may be dense only
    st.info(t("why.no_maps"))
elif view == "shift":
    shifts.show(network, lang)
else:
    hierarchy.show(network, lang)
