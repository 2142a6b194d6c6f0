"""A finished run's checkpoint: which epoch it holds, the two test accuracies, restore, download.

The checkpoint (:class:`cnnviz.nets.live.Checkpoint`) is kept in the server's
memory, never on disk; its ``.weights.h5`` file is written in a temporary
folder that is deleted as soon as its bytes are read. Restoring swaps the
run's weights (:func:`cnnviz.nets.training.switch_weights`): the results, the
downloads and the model used elsewhere follow.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from app_pages.training import KEY, percent, run_label
from cnnviz.i18n import format_number, t
from cnnviz.nets.training import TrainingRun, switch_weights


def switch(store: dict[str, Any], number: int, lang: str) -> None:
    """Swap run ``number``'s weights (a callback); the model used elsewhere follows."""
    runs = store["runs"]
    index = next(i for i, run in enumerate(runs) if run.number == number)
    old = runs[index]
    runs[index] = switch_weights(old)
    state = st.session_state
    if state.get("session_model") is old.model:
        state["session_model"] = runs[index].model
        state["session_model_name"] = run_label(runs[index], lang)


def points(difference: float, lang: str) -> str:
    """Write an accuracy difference in percentage points, signed with ASCII for ``st.metric``.

    ``st.metric`` reads the delta's direction from a leading ``-``; the true minus
    of :func:`~cnnviz.i18n.format_number` would read as a rise.

    Examples
    --------
    >>> points(-0.027, "es"), points(0.1, "en")
    ('-2,7 pp', '+10 pp')
    """
    sign = "-" if difference < 0 else "+"
    return f"{sign}{format_number(abs(100 * difference), digits=1, lang=lang)} pp"


def checkpoint_panel(run: TrainingRun, store: dict[str, Any], lang: str) -> None:
    """Show ``run``'s checkpoint: what it holds, how both weights test, restore, download."""
    result = run.result
    checkpoint = result.checkpoint
    if checkpoint is None or not checkpoint.epoch:
        return
    monitor = checkpoint.monitor
    st.markdown(f"**{t('ckpt.result.title', monitor=monitor)}**")
    if checkpoint.missing:
        st.warning(t("ckpt.missing", monitor=monitor, epoch=checkpoint.epoch))
    elif checkpoint.never_improved:
        st.info(
            t(
                "ckpt.never_improved",
                monitor=monitor,
                value=format_number(checkpoint.values[0], digits=3, lang=lang),
            )
        )
    last = result.epochs_done
    holds = "ckpt.result.holds" if checkpoint.best_only else "ckpt.result.holds_last"
    st.caption(
        t(
            holds,
            epoch=checkpoint.epoch,
            monitor=monitor,
            value=format_number(checkpoint.value, digits=3, lang=lang),
        )
    )
    final_accuracy = run.test_accuracy_at(last) or 0.0
    best_accuracy = run.test_accuracy_at(checkpoint.epoch)
    cols = st.columns(2)
    cols[0].metric(t("ckpt.result.final", epoch=last), percent(final_accuracy, lang))
    cols[1].metric(
        t("ckpt.result.best", epoch=checkpoint.epoch),
        percent(best_accuracy or 0.0, lang),
        delta=None
        if checkpoint.epoch == last or best_accuracy is None
        else points(best_accuracy - final_accuracy, lang),
    )
    restored = result.active_epoch == checkpoint.epoch and checkpoint.epoch != last
    if result.other is not None:
        st.button(
            t("ckpt.back" if restored else "ckpt.restore", epoch=result.other.epoch),
            key=f"{KEY}_restore{run.number}",
            icon=":material/history:",
            on_click=switch,
            args=(store, run.number, lang),
            type="secondary" if restored else "primary",
        )
    st.info(
        t(
            "ckpt.active.checkpoint" if restored else "ckpt.active.last",
            epoch=result.active_epoch,
        ),
        icon=":material/bookmark:",
    )
    data = run.checkpoint_bytes
    if data is not None:
        st.download_button(
            t("ckpt.download", epoch=checkpoint.epoch),
            data,
            file_name=f"cnnviz_run{run.number}_epoch{checkpoint.epoch}.weights.h5",
            mime="application/octet-stream",
            key=f"{KEY}_dl_ckpt",
            icon=":material/download:",
            on_click="ignore",  # a rerun at the click races the download (see convolution.py)
        )
