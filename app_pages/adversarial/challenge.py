"""The challenge: find the smallest ε that changes the prediction; the answer one click away."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.adversarial import KEY, compute
from app_pages.adversarial.settings import EPSILON_KEY, epsilon_text
from cnnviz.i18n import t
from cnnviz.nets.adversarial import AttackSettings
from cnnviz.ui.network import Network

SHOWN = f"{KEY}_answer_for"
"""Session-state key: the (network, image) whose answer the student asked to see."""


def _set_epsilon(value: float) -> None:
    """Move the ε slider to the answer (a button's callback: before the slider is drawn)."""
    st.session_state[EPSILON_KEY] = value


def show_challenge(network: Network, image: np.ndarray, s: AttackSettings, lang: str) -> None:
    """Ask for the smallest ε; on a click, give it (every ε of the slider tried in one batch).

    Parameters
    ----------
    network : Network
        The attacked network.
    image : ndarray
        The picked image.
    s : AttackSettings
        The attack's settings (its ε is replaced by each of the slider's).
    lang : str
        The page's language.
    """
    st.subheader(t("adv.challenge.title"))
    st.markdown(t("adv.challenge.ask"))
    this = (network.model_id, image.tobytes())
    if st.button(t("adv.challenge.show"), key=f"{KEY}_show_answer", icon=":material/key:"):
        st.session_state[SHOWN] = this
    if st.session_state.get(SHOWN) != this:  # a new picture: a new challenge
        return
    with st.spinner(t("adv.challenge.searching")):
        search = compute.smallest(network.model, network.model_id, image, s)
    kind = "adv.challenge.targeted" if s.target is not None else "adv.challenge.untargeted"
    if search.smallest is None:
        st.info(t("adv.challenge.none", high=epsilon_text(float(search.grid[-1]), lang)))
        return
    index = int(np.flatnonzero(search.grid == search.smallest)[0])
    st.success(
        t(
            "adv.challenge.answer",
            value=epsilon_text(search.smallest, lang),
            name=network.class_label(int(search.predictions[index])),
            method=s.method.upper(),
            kind=t(kind),
        )
    )
    st.button(
        t("adv.challenge.apply"),
        key=f"{KEY}_apply_answer",
        on_click=_set_epsilon,
        args=(search.smallest,),
        icon=":material/tune:",
    )
