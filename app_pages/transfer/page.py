"""Transfer learning: start a new network from a bundled network's layers; compare with scratch.

Streamlit runs this script on every rerun: the data (the offline demo or a
zip), the settings, Train, the live progress, and the comparison. The parts
live beside it in ``app_pages/transfer/``.
"""

import streamlit as st

from app_pages.transfer import KEY, data, results, run
from cnnviz.i18n import get_language, t

lang = get_language()

st.title(t("transfer.title"))
st.caption(t("transfer.intro"))

st.subheader(t("transfer.data.title"))
source, base, prepared = data.choose_data(lang)

st.subheader(t("transfer.run.title"))
settings = run.settings_widgets(base)
start_col, stop_col = st.columns([1, 1])
start = start_col.button(
    t("train.start"),
    type="primary",
    key=f"{KEY}_start",
    icon=":material/play_arrow:",
    disabled=prepared is None,
)
stop_slot = stop_col.empty()
if start and prepared is not None and st.session_state.get(f"{KEY}_active") is None:
    bundled = run.bundled_model(base)
    labels = tuple(prepared.class_label(i, lang) for i in range(prepared.classes))
    run.start(run.Plan(bundled, prepared, settings, labels, t(f"transfer.data.source.{source}")))
run.watch(stop_slot)

comparison = st.session_state.get(f"{KEY}_result")
if comparison is not None:
    results.show_comparison(comparison, lang)
