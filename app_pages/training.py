"""Train a small CNN live: data, layers, augmentation, settings, live curves, results.

The training runs inside this script's run: a Keras callback redraws the
progress, the curves and (each epoch) the first layer's filters and maps. The
Stop button (or any other click, or closing the tab) makes Streamlit stop the
run at the callback's next drawing; the callback turns that into a stop after
the current batch, the run is kept in the session with what it learned, and
the page reruns to show it.
"""

import threading
import time

import numpy as np
import pandas as pd
import streamlit as st

from cnnviz.content.gallery import PRESETS as NETWORK_PRESETS
from cnnviz.core.architectures import summarize
from cnnviz.core.builder_rows import BUILDER_TYPES, new_layer
from cnnviz.figures import network as network_figures
from cnnviz.figures import training as figs
from cnnviz.i18n import InputError, format_count, format_number, get_language, labels, t
from cnnviz.nets import training
from cnnviz.nets.datasets import KERAS_DATASETS, Dataset, load_keras_dataset, load_mnist_subset
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.url_state import url_choice

KEY = "train"
STACK = f"{KEY}_stack"  # [(uid, layer dict)]: the builder's layers, in order
PICK = f"{KEY}_run_pick"
LIMITS = training.LIMITS
ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "leaky_relu", "gelu", "softmax", "linear")
NUMBER_FIELDS = {  # field: (min, max, step)
    "filters": (1, 512, 1),
    "units": (1, 1024, 1),
    "kernel_size": (1, 11, 1),
    "strides": (1, 4, 1),
    "pool_size": (1, 4, 1),
    "rate": (0.0, 0.9, 0.05),
}
FIELDS = {
    "Conv2D": ("filters", "kernel_size", "strides", "padding", "activation"),
    "MaxPooling2D": ("pool_size",),
    "AveragePooling2D": ("pool_size",),
    "Dropout": ("rate",),
    "Dense": ("units", "activation"),
}
COLUMN = {  # where each field sits in a layer's row, so that the rows line up
    "filters": 1, "units": 1, "pool_size": 1, "rate": 1,
    "kernel_size": 2, "strides": 3, "padding": 4, "activation": 5,
}  # fmt: skip
MISTAKES_SHOWN = 24
CURVES_EVERY = 1.5  # seconds between redrawn curves during training (the bar moves more often)
LIVE_MAPS = 16  # filters and maps drawn live at each epoch's end (all 32 cost the browser)

lang = get_language()
state = st.session_state
state.setdefault(f"{KEY}_uid", 0)
# The runs live in a plain dict fetched once per script run: a run stopped by Streamlit
# (Stop, another click, a closed tab) may not touch st.session_state any more (every access
# raises its stop again), yet it must still save what it learned. Its lock makes this
# session train once at a time, and lets the next script run wait for that save.
store = state.setdefault(
    f"{KEY}_store", {"runs": [], "counter": 0, "latest": None, "lock": threading.Lock()}
)

st.title(t("train.title"))
st.caption(t("train.intro"))


# --- data ----------------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def zip_dataset(_data: bytes, file_id: str, side: int, color: bool) -> Dataset:
    """Read an uploaded zip once per file and size (the bytes are keyed by the upload's id)."""
    return training.load_zip_dataset(_data, side=side, color=color)


@st.cache_resource(max_entries=3, show_spinner=False)
def keras_dataset(name: str) -> Dataset:
    """Download a full Keras dataset once for the whole server."""
    return load_keras_dataset(name)


def choose_data() -> Dataset | None:
    """Show the data source's widgets; return the dataset, or None with a message why not."""
    source = url_choice(
        st.radio,
        t("train.data.source"),
        ("mnist", "zip", "keras"),
        key=f"{KEY}_source",
        format_func=labels("train.data.source.{}"),
        horizontal=True,
    )
    if source == "mnist":
        return load_mnist_subset()
    if source == "zip":
        st.caption(t("train.zip.help", limit=LIMITS.max_zip_files))
        left, middle, right = st.columns([3, 1, 1])
        upload = left.file_uploader(t("train.zip.upload"), type=["zip"], key=f"{KEY}_zip")
        side = middle.selectbox(t("train.zip.side"), (28, 32, 48, 64), index=1, key=f"{KEY}_side")
        color = right.toggle(t("train.zip.color"), value=True, key=f"{KEY}_color")
        if upload is None:
            return None
        try:
            return zip_dataset(upload.getvalue(), upload.file_id, int(side), bool(color))
        except InputError as err:
            st.error(err.message())
            return None
    name = url_choice(
        st.selectbox,
        t("train.data.keras"),
        KERAS_DATASETS,
        key=f"{KEY}_keras",
        format_func=labels("train.data.keras.{}"),
    )
    st.caption(t("train.data.keras_note"))
    loaded = state.setdefault(f"{KEY}_keras_loaded", [])
    if st.button(t("train.data.download"), key=f"{KEY}_download") and name not in loaded:
        loaded.append(name)
    if name not in loaded:
        return None
    try:
        with st.spinner(t("train.data.downloading", name=t(f"train.data.keras.{name}"))):
            return keras_dataset(name)
    except InputError as err:
        loaded.remove(name)
        st.error(err.message())
        return None


st.subheader(t("train.data.title"))
dataset = choose_data()
source = st.session_state[f"{KEY}_source"]  # named in the run's record (read before training)
if dataset is None:
    st.stop()
top = min(len(dataset.x_train), LIMITS.max_samples)
samples_key = f"{KEY}_samples"
state[samples_key] = min(int(state.get(samples_key, min(2000, top))), top)
cols = st.columns(3)
samples = cols[0].number_input(
    t("train.data.samples", limit=top),
    min_value=2,
    max_value=top,
    step=100,
    key=samples_key,
)
val_split = cols[1].slider(
    t("train.data.val_split"),
    min_value=0.05,
    max_value=0.5,
    value=0.2,
    step=0.05,
    key=f"{KEY}_val",
    bind="query-params",
)
normalization = url_choice(
    cols[2].selectbox,
    t("train.data.normalization"),
    training.NORMALIZATIONS,
    key=f"{KEY}_norm",
    format_func=labels("train.data.normalization.{}"),
)
try:
    data = training.prepare_data(
        dataset,
        samples=int(samples),
        validation_split=float(val_split),
        normalization=normalization,
    )
except InputError as err:
    st.error(err.message())
    st.stop()
class_labels = [data.class_label(i, lang) for i in range(data.classes)]
st.caption(
    t(
        "train.data.summary",
        train=len(data.x_train),
        val=len(data.x_val),
        test=len(data.x_test),
        shape="×".join(map(str, data.input_shape)),
        classes=data.classes,
    )
)


# --- layers --------------------------------------------------------------------------------


def load_preset() -> None:
    """Replace the stack by the chosen preset (new widget keys, so they take its values)."""
    spec = NETWORK_PRESETS[state[f"{KEY}_preset"]](state[f"{KEY}_classes"])
    stack = []
    for layer in spec:
        state[f"{KEY}_uid"] += 1
        stack.append((state[f"{KEY}_uid"], dict(layer)))
    state[STACK] = stack


def move(index: int, step: int) -> None:
    """Move layer ``index`` up (-1) or down (+1)."""
    stack = state[STACK]
    other = index + step
    stack[index], stack[other] = stack[other], stack[index]


def remove(index: int) -> None:
    """Delete layer ``index``."""
    del state[STACK][index]


def add_layer() -> None:
    """Append a layer of the chosen type."""
    state[f"{KEY}_uid"] += 1
    state[STACK].append((state[f"{KEY}_uid"], new_layer(state[f"{KEY}_add_type"])))


def fit_output(uid: int, classes: int) -> None:
    """Give the last Dense layer one unit per class."""
    state[f"{KEY}_l{uid}_units"] = classes


def layer_widgets(index: int, uid: int, layer: dict, count: int) -> None:
    """One row of the builder: the layer's type, its settings, and move/delete buttons."""
    kind = layer["type"]
    names = FIELDS.get(kind, ())
    with st.container(border=True):
        cols = st.columns([1.7, 1, 1, 1, 1.1, 1.6, 0.4, 0.4, 0.4], vertical_alignment="bottom")
        cols[0].markdown(f"**{index + 1} · {kind}**")
        if not names:
            cols[5].caption(t(f"train.layer.note.{kind}"))
        for name in names:
            col = cols[COLUMN[name]]
            key = f"{KEY}_l{uid}_{name}"
            if key not in state:
                state[key] = layer.get(name, new_layer(kind).get(name, 1))
                if name == "activation" and state[key] is None:
                    state[key] = "linear"
            label = t(f"train.field.{name}")
            if name in NUMBER_FIELDS:
                low, high, step = NUMBER_FIELDS[name]
                value = col.number_input(label, min_value=low, max_value=high, step=step, key=key)
            elif name == "padding":
                value = col.selectbox(label, ("valid", "same"), key=key)
            else:
                options = ACTIVATIONS if state[key] in ACTIVATIONS else (*ACTIVATIONS, state[key])
                value = col.selectbox(label, options, key=key)
            layer[name] = value
        icons = (":material/arrow_upward:", ":material/arrow_downward:", ":material/delete:")
        cols[6].button(
            "", icon=icons[0], key=f"{KEY}_up{uid}", help=t("train.layer.up"),
            disabled=index == 0, on_click=move, args=(index, -1),
        )  # fmt: skip
        cols[7].button(
            "", icon=icons[1], key=f"{KEY}_down{uid}", help=t("train.layer.down"),
            disabled=index == count - 1, on_click=move, args=(index, 1),
        )  # fmt: skip
        cols[8].button(
            "", icon=icons[2], key=f"{KEY}_del{uid}", help=t("train.layer.delete"),
            disabled=count == 1, on_click=remove, args=(index,),
        )  # fmt: skip


def shape_text(shape: tuple[int, ...]) -> str:
    """``26×26×32``."""
    return "×".join(map(str, shape))


st.subheader(t("train.layers.title"))
state[f"{KEY}_classes"] = data.classes
preset_col, load_col = st.columns([3, 1], vertical_alignment="bottom")
preset_col.selectbox(
    t("train.preset"),
    tuple(NETWORK_PRESETS),
    format_func=labels("train.preset.{}"),
    key=f"{KEY}_preset",
)
load_col.button(t("train.preset.load"), key=f"{KEY}_load", on_click=load_preset)
st.caption(t(f"train.preset.{state[f'{KEY}_preset']}.note"))
if STACK not in state:
    load_preset()
stack = state[STACK]
for index, (uid, layer) in enumerate(stack):
    layer_widgets(index, uid, layer, len(stack))
add_col, add_button = st.columns([3, 1], vertical_alignment="bottom")
add_col.selectbox(t("train.layer.add_type"), BUILDER_TYPES, key=f"{KEY}_add_type")
add_button.button(t("train.layer.add"), key=f"{KEY}_add", on_click=add_layer)

spec = [dict(layer) for _, layer in stack]
problem: InputError | None = None
summary = None
try:
    summary = summarize(spec, data.input_shape)
    training.check_model(spec, data.input_shape, data.classes)
except InputError as err:
    problem = err
if summary is not None:
    st.markdown(f"**{t('train.summary.title')}**")
    st.dataframe(
        pd.DataFrame(
            {
                t("train.summary.layer"): [s.name for s in summary.layers],
                t("train.summary.type"): [s.type for s in summary.layers],
                t("train.summary.shape"): [shape_text(s.output_shape) for s in summary.layers],
                t("train.summary.params"): [format_count(s.params, lang) for s in summary.layers],
            }
        ),
        hide_index=True,
        key=f"{KEY}_summary",
    )
    st.caption(
        t(
            "train.summary.total",
            params=format_count(summary.params, lang),
            trainable=format_count(summary.trainable_params, lang),
            macs=format_count(summary.macs, lang),
            limit=format_count(LIMITS.max_params, lang),
        )
    )
if problem is not None:
    st.error(t("train.refused", reason=problem.message()))
    if problem.key == "train.error.output" and stack and stack[-1][1]["type"] == "Dense":
        st.button(
            t("train.fix_output", classes=data.classes),
            key=f"{KEY}_fix",
            on_click=fit_output,
            args=(stack[-1][0], data.classes),
        )


# --- augmentation --------------------------------------------------------------------------


with st.expander(t("train.aug.title")):
    cols = st.columns(3)
    augmentation = training.Augmentation(
        rotation=cols[0].slider(t("train.aug.rotation"), 0, 45, 0, key=f"{KEY}_aug_rot"),
        shift=cols[1].slider(t("train.aug.shift"), 0.0, 0.3, 0.0, 0.05, key=f"{KEY}_aug_shift"),
        zoom=cols[2].slider(t("train.aug.zoom"), 0.0, 0.3, 0.0, 0.05, key=f"{KEY}_aug_zoom"),
        shear=cols[0].slider(t("train.aug.shear"), 0.0, 0.5, 0.0, 0.05, key=f"{KEY}_aug_shear"),
        brightness=cols[1].slider(
            t("train.aug.brightness"), 0.0, 0.5, 0.0, 0.05, key=f"{KEY}_aug_bright"
        ),
        flip=cols[2].toggle(t("train.aug.flip"), key=f"{KEY}_aug_flip"),
    )
    if augmentation.active:
        keras_module()  # the preview runs Keras' augmentation layers
        originals = data.x_train[:8]
        copies = training.augment(originals, augmentation, data.value_range, copies=3, seed=1)
        grid = np.concatenate([originals, *(copies[i::3] for i in range(3))])
        titles = [t("train.aug.original")] * 8 + [t("train.aug.augmented")] * 24
        st.plotly_chart(
            figs.image_grid(data.to_unit(grid), titles, columns=8, panel_px=80, lang=lang),
            key=f"{KEY}_aug_grid",
            config={"displayModeBar": False},
        )
        st.caption(t("train.aug.caption"))
    else:
        st.caption(t("train.aug.off"))


# --- settings ------------------------------------------------------------------------------

st.subheader(t("train.settings.title"))
cols = st.columns(4)
optimizer = url_choice(
    cols[0].selectbox,
    t("train.settings.optimizer"),
    training.OPTIMIZERS,
    key=f"{KEY}_optimizer",
    format_func=labels("train.settings.optimizer.{}"),
)
learning_rate = cols[1].number_input(
    t("train.settings.lr"),
    min_value=0.0001,
    max_value=1.0,
    value=0.01,
    step=0.001,
    format="%.4f",
    key=f"{KEY}_lr",
    bind="query-params",
)
momentum = cols[2].number_input(
    t("train.settings.momentum"),
    min_value=0.0,
    max_value=0.99,
    value=0.0,
    step=0.1,
    key=f"{KEY}_momentum",
    disabled=optimizer != "sgd",
    bind="query-params",
)
batch_size = cols[3].select_slider(
    t("train.settings.batch"),
    [b for b in (8, 16, 32, 64, 128, 256, 512) if b <= LIMITS.max_batch_size],
    value=32,
    key=f"{KEY}_batch",
)
cols = st.columns(4)
epochs = cols[0].number_input(
    t("train.settings.epochs", limit=LIMITS.max_epochs),
    min_value=1,
    max_value=LIMITS.max_epochs,
    value=3,
    key=f"{KEY}_epochs",
    bind="query-params",
)
initializer = url_choice(
    cols[1].selectbox,
    t("train.settings.init"),
    training.INITIALIZERS,
    key=f"{KEY}_init",
    format_func=labels("train.settings.init.{}"),
)
patience = cols[2].number_input(
    t("train.settings.patience"),
    min_value=0,
    max_value=10,
    value=0,
    key=f"{KEY}_patience",
    help=t("train.settings.patience_help"),
)
keep_best = cols[3].toggle(
    t("train.settings.keep_best"), key=f"{KEY}_keep_best", help=t("train.settings.keep_best_help")
)
settings = training.Settings(
    optimizer=optimizer,
    learning_rate=float(learning_rate),
    momentum=float(momentum) if optimizer == "sgd" else 0.0,
    batch_size=int(batch_size),
    epochs=int(epochs),
    initializer=initializer,
    patience=int(patience),
    keep_best=bool(keep_best),
)


# --- training ------------------------------------------------------------------------------


def clock(seconds: float | None) -> str:
    """``1:05`` for 65 seconds."""
    if seconds is None:
        return "…"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def percent(value: float) -> str:
    """``97,1 %`` or ``97.1%``."""
    return t("train.percent", lang=lang, value=format_number(100 * value, digits=1, lang=lang))


def run_training() -> None:
    """Train the stack with the settings, drawing as it goes; keep the run in the session."""
    stop_slot.button(t("train.stop"), key=f"{KEY}_stop", icon=":material/stop_circle:")
    bar = progress_slot.progress(0.0, text=t("train.status.preparing"))

    def on_wait(busy: int) -> None:
        status_slot.info(t("train.wait", busy=busy, capacity=training.SLOTS.capacity))

    draws = iter(range(10**9))  # unique chart keys: one chart per drawing
    last_curves = [-float("inf")]

    def reporter(progress: training.Progress) -> None:
        bar.progress(
            progress.fraction,
            text=t(
                "train.status.running",
                epoch=progress.epoch,
                epochs=progress.epochs,
                batch=progress.batch,
                batches=progress.batches,
                left=clock(progress.remaining),
            ),
        )
        history = training.history_frame(progress.rows)
        now = time.monotonic()
        # A new chart per drawing costs the browser more than the progress bar: fewer of them.
        if len(history) and (progress.epoch_end or now - last_curves[0] >= CURVES_EVERY):
            last_curves[0] = now
            curves_slot.plotly_chart(
                figs.curves(history, epochs=progress.epochs, lang=lang),
                key=f"{KEY}_live_{next(draws)}",
                config={"displayModeBar": False},
            )
        if progress.epoch_end and progress.snapshots:
            draw_snapshot(
                progress.snapshots[-1], maps_slot, f"{KEY}_live_maps_{next(draws)}", LIVE_MAPS
            )

    keras_module()  # imported once per server, the heap frozen so that reruns stay fast
    with store["lock"], training.SLOTS.hold(on_wait):
        status_slot.empty()
        try:
            model = training.build_model(spec, data.input_shape, data.classes, settings)
            result = training.train(
                model,
                data,
                settings,
                augmentation=augmentation,
                reporter=reporter,
                report_every=0.5,
            )
        except InputError as err:
            status_slot.error(err.message())
            return
        keep_run(model, result)
        if result.interrupted is not None:
            raise result.interrupted  # Streamlit's stop or rerun: the run is saved
    for slot in (stop_slot, progress_slot, curves_slot, maps_slot):
        slot.empty()


def keep_run(model, result: training.RunResult) -> None:
    """Store a run in the session (the oldest goes when there are too many)."""
    store["counter"] += 1
    number = store["counter"]
    wrong = result.misclassified[:MISTAKES_SHOWN]
    record = {
        "number": number,
        "model": model,
        "result": training.without_interruption(result),
        "settings": settings,
        "augmentation": augmentation,
        "params": summary.params if summary else 0,
        "layers": len(spec),
        "source": t(f"train.data.source.{source}"),
        "samples": len(data.x_train),
        "class_labels": class_labels,
        "mistakes": data.to_unit(data.x_test[wrong]),
        "mistake_labels": (data.y_test[wrong], result.predicted[wrong]),
        "usable": training.usable_elsewhere(data),
    }
    runs = store["runs"]
    runs.append(record)
    del runs[: -LIMITS.max_runs_kept]
    store["latest"] = number


def draw_snapshot(snapshot: training.Snapshot, slot, key: str, count: int = 32) -> None:
    """Draw the first convolution's filters and the probe image's maps at the end of an epoch."""
    count = min(count, snapshot.filters.shape[-1])
    with slot.container():
        left, right = st.columns(2)
        left.markdown(t("train.live.filters", epoch=snapshot.epoch))
        left.plotly_chart(
            network_figures.map_grid(snapshot.filters[..., :count], signed=True, lang=lang),
            key=f"{key}_f",
            config={"displayModeBar": False},
        )
        right.markdown(t("train.live.maps", epoch=snapshot.epoch))
        right.plotly_chart(
            network_figures.map_grid(snapshot.maps[..., :count], lang=lang),
            key=f"{key}_m",
            config={"displayModeBar": False},
        )


st.subheader(t("train.run.title"))
st.caption(
    t(
        "train.run.limits",
        samples=format_count(LIMITS.max_samples, lang),
        epochs=LIMITS.max_epochs,
        params=format_count(LIMITS.max_params, lang),
        concurrent=LIMITS.max_concurrent,
    )
)
start_col, stop_col = st.columns([1, 1])
start = start_col.button(
    t("train.start"),
    type="primary",
    key=f"{KEY}_start",
    icon=":material/play_arrow:",
    disabled=problem is not None,
)
stop_slot = stop_col.empty()
status_slot = st.empty()
progress_slot = st.empty()
curves_slot = st.empty()
maps_slot = st.empty()
if start and problem is None:
    st.caption(t("train.run.any_click"))
    run_training()


# --- results -------------------------------------------------------------------------------


def run_label(record: dict) -> str:
    """``Run 2 · 97.1%``."""
    return t(  # in the page's language: a selectbox may call this from another thread
        "train.use.label",
        lang=lang,
        number=record["number"],
        accuracy=percent(record["result"].test_accuracy),
    )


def show_run(record: dict) -> None:
    """Show a run: outcome, curves, confusion matrix, per class, mistakes, maps, downloads."""
    result: training.RunResult = record["result"]
    labels_ = record["class_labels"]
    message = t(
        f"train.reason.{result.reason}",
        epochs=result.epochs_done,
        planned=record["settings"].epochs,
    )
    (st.warning if result.reason == "stopped" else st.success)(message)
    if record["settings"].keep_best and result.best_epoch:
        st.caption(t("train.result.best_kept", epoch=result.best_epoch))
    cols = st.columns(4)
    cols[0].metric(t("train.result.test_accuracy"), percent(result.test_accuracy))
    cols[1].metric(t("train.result.test_loss"), format_number(result.test_loss, digits=3))
    cols[2].metric(t("train.result.time"), clock(result.seconds))
    cols[3].metric(t("train.result.speed"), format_count(round(result.samples_per_second), lang))
    if len(result.history):
        st.plotly_chart(
            figs.curves(result.history, lang=lang),
            key=f"{KEY}_curves",
            config={"displayModeBar": False},
        )
    tabs = st.tabs(
        [
            t("train.result.confusion"),
            t("train.result.per_class"),
            t("train.result.mistakes"),
            t("train.result.maps"),
        ]
    )
    with tabs[0]:
        st.caption(t("train.result.confusion_help"))
        st.plotly_chart(
            figs.confusion_figure(result.confusion, labels_, lang=lang),
            key=f"{KEY}_confusion",
            config={"displayModeBar": False},
        )
    with tabs[1]:
        st.plotly_chart(
            figs.per_class_bars(result.per_class, labels_, lang=lang),
            key=f"{KEY}_per_class",
            config={"displayModeBar": False},
        )
    with tabs[2]:
        if len(record["mistakes"]):
            true, predicted = record["mistake_labels"]
            titles = [
                t("train.result.mistake", true=labels_[a], predicted=labels_[b])
                for a, b in zip(true, predicted, strict=True)
            ]
            st.caption(
                t("train.result.mistakes_help", count=len(result.misclassified), shown=len(titles))
            )
            st.plotly_chart(
                figs.image_grid(record["mistakes"], titles, columns=8, lang=lang),
                key=f"{KEY}_mistakes",
                config={"displayModeBar": False},
            )
        else:
            st.info(t("train.result.no_mistakes"))
    with tabs[3]:
        snapshots = result.snapshots
        if snapshots:
            epoch = snapshots[-1].epoch
            if len(snapshots) > 1:
                epoch = st.select_slider(
                    t("train.result.epoch"),
                    [s.epoch for s in snapshots],
                    value=snapshots[-1].epoch,
                    key=f"{KEY}_snap_epoch",
                )
            snapshot = next(s for s in snapshots if s.epoch == epoch)
            draw_snapshot(snapshot, st.empty(), f"{KEY}_snap")
        else:
            st.info(t("train.result.no_maps"))
    cols = st.columns(3)
    if "keras_bytes" not in record:
        record["keras_bytes"] = training.model_bytes(record["model"])
    cols[0].download_button(
        t("train.download.model"),
        record["keras_bytes"],
        file_name=f"cnnviz_run{record['number']}.keras",
        mime="application/octet-stream",
        key=f"{KEY}_dl_model",
        icon=":material/download:",
    )
    cols[1].download_button(
        t("train.download.history"),
        result.history.to_csv(index=False).encode(),
        file_name=f"cnnviz_run{record['number']}_history.csv",
        mime="text/csv",
        key=f"{KEY}_dl_history",
        icon=":material/download:",
    )
    if record["usable"]:
        if cols[2].button(t("train.use.button"), key=f"{KEY}_use", icon=":material/check:"):
            state["session_model"] = record["model"]
            state["session_model_name"] = run_label(record)
        if state.get("session_model") is record["model"]:
            st.success(t("train.use.done", name=state["session_model_name"]))
    else:
        cols[2].caption(t("train.use.unusable"))


if store["lock"].locked() and not start:
    # The run that was just stopped finishes its batch and saves itself: wait for it.
    with st.spinner(t("train.finishing")):
        if store["lock"].acquire(timeout=120):
            store["lock"].release()
runs = store["runs"]
if runs:
    st.subheader(t("train.result.title"))
    numbers = [record["number"] for record in runs]
    if state.get(PICK) not in numbers or state.get(f"{KEY}_seen") != store["latest"]:
        state[PICK] = numbers[-1]  # a new run: show it
        state[f"{KEY}_seen"] = store["latest"]
    by_number = {record["number"]: record for record in runs}
    picked = st.selectbox(
        t("train.result.pick"),
        numbers,
        format_func=lambda n: run_label(by_number[n]),
        key=PICK,
    )
    show_run(by_number[picked])
    if len(runs) > 1:
        st.subheader(t("train.compare.title"))
        st.plotly_chart(
            figs.runs_overlay(
                [(run_label(record), record["result"].history) for record in runs], lang=lang
            ),
            key=f"{KEY}_overlay",
            config={"displayModeBar": False},
        )
        st.dataframe(
            pd.DataFrame(
                {
                    t("train.compare.run"): [run_label(r) for r in runs],
                    t("train.compare.data"): [f"{r['source']} · {r['samples']}" for r in runs],
                    t("train.compare.params"): [format_count(r["params"], lang) for r in runs],
                    t("train.settings.optimizer"): [
                        t(f"train.settings.optimizer.{r['settings'].optimizer}") for r in runs
                    ],
                    t("train.settings.lr"): [r["settings"].learning_rate for r in runs],
                    t("train.settings.batch"): [r["settings"].batch_size for r in runs],
                    t("train.compare.epochs"): [r["result"].epochs_done for r in runs],
                    t("train.compare.augmented"): [
                        "✓" if r["augmentation"].active else "" for r in runs
                    ],
                }
            ),
            hide_index=True,
            key=f"{KEY}_compare",
        )
