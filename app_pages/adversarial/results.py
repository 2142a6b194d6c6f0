"""What the attack did: the three pictures, the prediction before and after, bars and saliency."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages.adversarial import KEY, compute
from cnnviz.figures import adversarial as figures
from cnnviz.figures import network as network_figures
from cnnviz.i18n import format_number, t
from cnnviz.nets.adversarial import AttackResult
from cnnviz.ui.kit import chart
from cnnviz.ui.network import Network
from cnnviz.ui.presenter import presenting

PROJECTED_ROW = 280
"""The pictures' row in presenter mode, wide without the sidebar: about 190-pixel pictures."""


def _class_title(network: Network) -> str:
    return t("net.bars.class" if network.reads_digits else "colour.bars.class")


def _answer(network: Network, probabilities: np.ndarray, lang: str) -> str:
    """Write the winning class and its probability: ``9 (63,1 %)``."""
    winner = int(np.argmax(probabilities))
    percent = format_number(100 * probabilities[winner], digits=1, lang=lang)
    return t("adv.answer", name=network.class_label(winner), probability=percent)


def verdict_key(result: AttackResult, label: int | None) -> str:
    """Say what the attack did; a network that was wrong and is now right is not "fooled".

    Parameters
    ----------
    result : AttackResult
    label : int or None
        The image's true class, when known (a test image).
    """
    if not result.changed:
        return "adv.unchanged"
    if label is not None and result.clean_prediction != label == result.prediction:
        return "adv.changed_to_right"
    return "adv.changed"


def show_attack(network: Network, result: AttackResult, lang: str, label: int | None) -> None:
    """Show original | perturbation (amplified) | adversarial, the prediction before → after, bars.

    Parameters
    ----------
    network : Network
        Names the classes.
    result : AttackResult
        The attack on the picked image.
    lang : str
        The page's language.
    label : int or None
        The image's true class, when known.
    """
    factor = figures.amplification(result.perturbation)
    titles = [
        t("adv.row.original"),
        t("adv.row.perturbation", factor=format_number(factor, digits=1, lang=lang)),
        t("adv.row.adversarial"),
    ]
    image = result.adversarial - result.perturbation
    chart(
        figures.attack_row(
            image,
            result.perturbation,
            result.adversarial,
            titles,
            height=PROJECTED_ROW if presenting() else figures.ROW_HEIGHT,
            lang=lang,
        ),
        key=f"{KEY}_row",
    )
    colours = "adv.row.colours" if network.shape[2] == 1 else "adv.row.colours_rgb"
    st.caption(t(colours, factor=format_number(factor, digits=1, lang=lang)))
    before = _answer(network, result.clean_probabilities, lang)
    after = _answer(network, result.probabilities, lang)
    verdict = verdict_key(result, label)
    # A heading, not a caption: the room must read it from the back.
    st.markdown(f"### {t('adv.before_after', before=before, after=after)}")
    if verdict == "adv.changed_to_right":
        st.info(t(verdict, label=network.class_label(label)))
    else:
        (st.error if result.changed else st.success)(t(verdict))
    chart(
        figures.before_after_bars(
            result.clean_probabilities,
            result.probabilities,
            class_names=[network.class_label(c) for c in range(network.classes)],
            class_title=_class_title(network),
            lang=lang,
        ),
        key=f"{KEY}_bars",
    )


def show_saliency(network: Network, result: AttackResult, lang: str) -> None:
    """Show the gradient saliency map of the answer before (on the original) and after.

    Parameters
    ----------
    network : Network
        The attacked network.
    result : AttackResult
        The attack.
    lang : str
        The page's language.
    """
    st.subheader(t("adv.saliency.title"))
    st.caption(t("adv.saliency.intro"))
    image = result.adversarial - result.perturbation
    pairs = (
        (image, result.clean_prediction, "adv.saliency.before"),
        (result.adversarial, result.prediction, "adv.saliency.after"),
    )
    for column, (picture, winner, title) in zip(st.columns(2), pairs, strict=True):
        saliency = compute.gradient_map(network.model, network.model_id, picture, winner)
        name = network.class_label(winner)
        figure = network_figures.saliency_panels(
            picture, [saliency], [t(title, name=name)], signed=[False], height=330, lang=lang
        )
        with column:
            chart(figure, key=f"{KEY}_{title}")
