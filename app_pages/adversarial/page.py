"""Adversarial examples: the smallest change to a picture that changes the network's answer.

FGSM or PGD against any network the pages show (the digit network, the colour
network, the session's own), untargeted or towards a chosen class; the
challenge of the smallest ε; saliency before and after; transfer to the
network trained in this session. The parts live beside it in
``app_pages/adversarial/``.
"""

import streamlit as st

from app_pages.adversarial import compute, results
from app_pages.adversarial.challenge import show_challenge
from app_pages.adversarial.settings import attack_settings
from app_pages.adversarial.transfer import show_transfer
from cnnviz.i18n import get_language, t
from cnnviz.ui import kit
from cnnviz.ui.network import choose_network, digit_picker, inspect_digit
from cnnviz.ui.presenter import presenting

lang = get_language()
st.title(t("adv.title"))
if not presenting():  # projected, the teacher says it: the pictures get the room
    st.caption(t("adv.intro"))

network = choose_network(colour=True)
left, right = st.columns([1, 2], gap="medium")
with left:
    picked = digit_picker(network)
    if picked is None:
        st.stop()
    probabilities = inspect_digit(network, picked.digit).probabilities
    settings = attack_settings(network, probabilities, lang)

with right:
    with st.spinner(t("adv.computing")):
        result = kit.checked(
            lambda: compute.attack(network.model, network.model_id, picked.digit, settings)
        )
    if result is not None:
        results.show_attack(network, result, lang, picked.label)

if result is not None:
    results.show_saliency(network, result, lang)
    show_challenge(network, picked.digit, settings, lang)
show_transfer(settings, lang)

with st.expander(t("adv.course.title")):
    st.markdown(t("adv.course.body"))
    st.caption(t("adv.course.reference"))
