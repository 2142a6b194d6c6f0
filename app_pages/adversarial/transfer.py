"""Transfer: examples crafted on a bundled network, tried on the network trained in this session."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from app_pages.adversarial import KEY, compute
from app_pages.adversarial.settings import epsilon_text
from cnnviz.i18n import format_count, format_number, t
from cnnviz.nets import adversarial
from cnnviz.nets.adversarial import AttackSettings, TransferResult
from cnnviz.ui import kit
from cnnviz.ui.network import (
    COLOUR_SHAPE,
    SESSION_MODEL,
    Network,
    colour_model,
    session_model_id,
    test_digits,
    test_photos,
    trained_model,
)
from cnnviz.ui.pages import PAGES
from cnnviz.ui.url_state import url_number

RESULT = f"{KEY}_transfer_result"
"""Session-state key: ``(TransferResult, settings, count)`` of the last transfer run."""
DEFAULT_BATCH = 200


def _source_for(target: Network) -> tuple[Network, object]:
    """Return the bundled network that reads what the session's reads, and its test set."""
    if target.shape == COLOUR_SHAPE:
        return Network(colour_model(), "colour", t("colour.model.colour")), test_photos()
    return Network(trained_model(), "bundled", t("colour.model.digits")), test_digits()


def _percent(value: float | None, lang: str) -> str:
    return "—" if value is None else f"{format_number(100 * value, digits=1, lang=lang)} %"


def _show(result: TransferResult, s: AttackSettings, lang: str) -> None:
    """Show the two rates side by side, each with the clean accuracy it is measured on."""
    st.caption(
        t(
            "adv.transfer.used",
            method=s.method.upper(),
            value=epsilon_text(s.epsilon, lang),
            count=format_count(result.images, lang=lang),
        )
    )
    left, right = st.columns(2)
    left.metric(t("adv.transfer.white_box"), _percent(result.white_box_rate, lang))
    left.caption(
        t(
            "adv.transfer.accuracy",
            accuracy=_percent(result.source_accuracy, lang),
            right=format_count(result.source_right, lang=lang),
        )
    )
    right.metric(t("adv.transfer.transfer"), _percent(result.transfer_rate, lang))
    right.caption(
        t(
            "adv.transfer.accuracy",
            accuracy=_percent(result.target_accuracy, lang),
            right=format_count(result.target_right, lang=lang),
        )
    )
    st.caption(t("adv.transfer.explain"))


def show_transfer(s: AttackSettings, lang: str) -> None:
    """Offer the transfer attack when this session trained a network, else say where to train one.

    Parameters
    ----------
    s : AttackSettings
        The page's attack (method, ε, steps; a target class is ignored).
    lang : str
        The page's language.
    """
    st.subheader(t("adv.transfer.title"))
    own = st.session_state.get(SESSION_MODEL)
    if own is None:
        st.info(t("adv.transfer.none"))
        training = next(p for p in PAGES if p.url_path == "training")
        st.page_link(training.path, label=t("adv.transfer.train_link"), icon=training.icon)
        return
    target = Network(own, session_model_id(own), "")
    source, data = _source_for(target)
    st.caption(t("adv.transfer.intro", source=source.label))
    low, high = adversarial.BATCH_RANGE
    count = url_number(
        st.slider, t("adv.transfer.count"), low, high, DEFAULT_BATCH, step=10, key=f"{KEY}_batch"
    )
    s = replace(s, target=None)
    if st.button(t("adv.transfer.run"), key=f"{KEY}_transfer_run", icon=":material/play_arrow:"):
        with st.spinner(t("adv.transfer.running")):
            result = kit.checked(
                lambda: compute.transfer(
                    source.model,
                    own,
                    (source.model_id, target.model_id),
                    data.x_test[:count],
                    data.y_test[:count],
                    s,
                )
            )
        st.session_state[RESULT] = None if result is None else (result, s, target.model_id)
    kept = st.session_state.get(RESULT)
    if kept is not None and kept[2] == target.model_id:
        _show(kept[0], kept[1], lang)
