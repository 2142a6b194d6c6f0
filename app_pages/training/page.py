"""Train a small CNN live: data, layers, augmentation, settings, live curves, results.

Streamlit runs this script on every rerun: it reads the sections' widgets in
order and hands each part what it needs. The parts live beside it in
``app_pages/training/`` (data, builder, settings, run, results); how a run
outlives a reload and is stopped and kept is told in :mod:`app_pages.training.run`.
"""

import streamlit as st

from app_pages.training import KEY, builder, data, presets, results, run, settings
from cnnviz.i18n import get_language, t

lang = get_language()
store = st.session_state.setdefault(f"{KEY}_store", run.new_store())

st.title(t("train.title"))
st.caption(t("train.intro"))
run.reattach(store)  # a link with ?run=: its training, running or finished
presets.presets_row()

st.subheader(t("train.data.title"))
source, dataset = data.choose_data()
prepared = None if dataset is None else data.prepare(dataset)

if prepared is None:
    # No data yet (a zip to upload again after a reload): a running or finished run still shows.
    slots = run.Slots.below(st.empty())
else:
    st.subheader(t("train.layers.title"))
    stack = builder.layer_stack(prepared.classes)
    summary, problem = builder.check_stack(stack, prepared.input_shape, prepared.classes, lang)

    augmentation = settings.augmentation_widgets(prepared, lang)
    chosen = settings.settings_widgets()
    too_big = settings.memory_refused(prepared, augmentation)

    start, slots = run.run_controls(problem is not None or too_big, lang)
    # One training per session at a time: a click on Train during one only reruns the page.
    if start and problem is None and not too_big and store["active"] is None:
        plan = run.Plan(
            spec=[dict(layer) for _, layer in stack],
            data=prepared,
            settings=chosen,
            augmentation=augmentation,
            summary=summary,
            source=data.source_label(source),
            class_labels=tuple(prepared.class_label(i, lang) for i in range(prepared.classes)),
        )
        run.start_training(plan, store)

run.watch(store, slots, lang)
results.show_results(store, lang)
