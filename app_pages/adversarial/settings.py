"""The attack's settings: method, ε (also as x/255), PGD's steps and step, the target class."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.adversarial import KEY
from cnnviz.i18n import format_number, t
from cnnviz.nets import adversarial
from cnnviz.nets.adversarial import AttackSettings
from cnnviz.ui import kit
from cnnviz.ui.network import Network
from cnnviz.ui.url_state import catalog_choice, url_choice, url_number, url_toggle

EPSILON_KEY = f"{KEY}_eps"
"""Widget key (and URL parameter) of the ε slider: the challenge's answer sets it."""
DEFAULT_EPSILON = 0.05


def epsilon_text(epsilon: float, lang: str) -> str:
    """Write ε in the input's units and in grey levels: ``0,1 (25,5/255)``."""
    levels = format_number(255 * epsilon, digits=1, lang=lang)
    return t("adv.epsilon_value", value=format_number(epsilon, lang=lang), levels=levels)


def _target(network: Network, probabilities: np.ndarray, lang: str) -> int:
    """Show the target class's choice, each class with its probability now; return it."""

    def label(option: str) -> str:
        index = int(option)
        percent = format_number(100 * probabilities[index], digits=1, lang=lang)
        return t("adv.target_class", name=network.class_label(index), probability=percent)

    options = [str(c) for c in range(network.classes)]
    # Formatted now, not in AppTest's other thread: a dict of labels.
    labels = {option: label(option) for option in options}
    choice = url_choice(
        st.selectbox, t("adv.target"), options, format_func=labels.__getitem__, key=f"{KEY}_target"
    )
    return int(choice)


def _pgd_settings() -> tuple[int, float, bool]:
    """PGD's steps, its step α as a fraction of ε, and the random start."""
    low, high = adversarial.STEPS_RANGE
    steps = url_number(st.slider, t("adv.steps"), low, high, 10, key=f"{KEY}_steps")
    ratio = url_number(
        st.slider,
        t("adv.alpha"),
        0.05,
        1.0,
        0.25,
        step=0.05,
        key=f"{KEY}_alpha",
        help=t("adv.alpha_help"),
    )
    random_start = url_toggle("adv.random_start", key=f"{KEY}_random")
    return steps, ratio, random_start


def attack_settings(network: Network, probabilities: np.ndarray, lang: str) -> AttackSettings:
    """Show the settings and return them checked; the last valid ones after a bad setting.

    Parameters
    ----------
    network : Network
        Names the classes.
    probabilities : ndarray, shape (K,)
        The network's answer on the clean image, shown beside each target class.
    lang : str
        The page's language.

    Returns
    -------
    AttackSettings
        What the widgets say, or the last valid settings (FGSM, ε = 0.05 at first).
    """
    method = catalog_choice(
        st.segmented_control,
        "adv.method",
        adversarial.METHODS,
        key=f"{KEY}_method",
        help=t("adv.method_help"),
    )
    epsilon = url_number(
        st.slider,
        t("adv.epsilon"),
        0.0,
        adversarial.EPSILON_MAX,
        DEFAULT_EPSILON,
        step=adversarial.EPSILON_STEP,
        format="%.3f",
        key=EPSILON_KEY,
    )
    st.caption(t("adv.epsilon_caption", value=epsilon_text(epsilon, lang)))
    steps, ratio, random_start = 10, 0.25, False
    if method == "pgd":
        steps, ratio, random_start = _pgd_settings()
    targeted = url_toggle("adv.targeted", key=f"{KEY}_targeted")
    target = _target(network, probabilities, lang) if targeted else None
    settings = kit.checked(
        lambda: AttackSettings(
            method=method,
            epsilon=float(epsilon),
            steps=int(steps),
            alpha=ratio * epsilon if epsilon > 0 else None,
            target=target,
            random_start=random_start,
        )
    )
    return kit.last_valid(
        f"{KEY}_settings", settings, default=AttackSettings(epsilon=DEFAULT_EPSILON)
    )
