"""The bundled network for the pages: loaded once per server, and the digit it looks at.

Both network pages share the digit: the last valid one lives in session state
under a key that is not a widget's, so it survives a switch from the
"Trained network" page to the "Saliency" page, and so do the choices that
picked it (source, class, filter, test digit number; see :func:`_carry_over`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from cnnviz.i18n import InputError, format_number, labels, t
from cnnviz.io import images
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.kit import CANVAS_PX, drawing_canvas, image_upload
from cnnviz.ui.url_state import url_choice, url_number

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from cnnviz.nets.datasets import Dataset
    from cnnviz.nets.model import Inspection, PreprocessStep

KEY = "digit"
LAST_DIGIT = f"{KEY}_last"
KEPT = f"{KEY}_kept"
"""Session-state key: source (``"draw"``, ``"upload"``) -> its last valid :class:`DigitInput`."""
SESSION_MODEL = "session_model"
"""Session-state key of a model the training page trained and the user chose to look inside."""
SESSION_MODEL_NAME = "session_model_name"
SESSION_MODEL_KEY = "session_model_key"
"""Session-state key of ``(model, cache key)``: the session model's fingerprint, hashed once."""
SOURCES = ("test", "draw", "upload")
ANY_CLASS = "any"
STROKE_PX = 20  # about 2 pixels once the drawing is fitted in 20x20, like MNIST's strokes
MAX_UPLOAD_SIDE = 512


# --- resources shared by every session (never mutated) ---------------------------------------


@st.cache_resource(show_spinner=False)
def _load_model() -> keras.Model:
    from cnnviz.nets.model import load_trained_model  # TensorFlow: only on the network pages

    keras_module()  # imported once, with the heap frozen so that reruns stay fast
    return load_trained_model()


def trained_model() -> keras.Model:
    """Return the bundled trained network, loading it (with a spinner) the first time.

    Returns
    -------
    keras.Model
        Shared by every session of the server; nobody changes its weights.
    """
    with st.spinner(t("net.loading")):
        return _load_model()


@st.cache_resource(show_spinner=False)
def test_digits() -> Dataset:
    """Return the bundled MNIST subset (8,000 training and 2,000 test digits)."""
    from cnnviz.nets.datasets import load_mnist_subset

    return load_mnist_subset()


@st.cache_resource(show_spinner=False, max_entries=8)
def _test_predictions(_model: keras.Model, model_id: str) -> np.ndarray:
    from cnnviz.nets.model import predict_batch

    probabilities = predict_batch(_model, test_digits().x_test)
    return np.argmax(probabilities, axis=1)


@dataclass(frozen=True)
class Network:
    """The network a page shows: the bundled one, or one this session trained.

    Attributes
    ----------
    model : keras.Model
        Only read, never changed.
    model_id : str
        Names the model in server-wide caches: ``"bundled"``, or
        ``"session-<fingerprint>"`` (see :func:`session_model_id`).
    label : str
        How the page names it.
    """

    model: keras.Model
    model_id: str
    label: str


def test_predictions(network: Network) -> np.ndarray:
    """Return the network's predicted class for every test digit (computed once per network)."""
    return _test_predictions(network.model, network.model_id)


def test_accuracy(network: Network) -> float:
    """Return the fraction of the bundled test digits the network classifies right.

    Measured on the digits the pages show (2,000, never used for training the
    bundled network), so what the page says about "this network" holds for the
    one that is active, the bundled one or the session's own.

    Returns
    -------
    float
        In [0, 1].
    """
    return float(np.mean(test_predictions(network) == test_digits().y_test))


def _carry_over(*keys: str) -> None:
    """Keep these widgets' values when the user opens the other network page.

    The two pages draw widgets with the same keys, but Streamlit gives a widget
    on another page a new identity and would start it from its default (no
    source selected, test digit 0). Writing the value back under the key
    before the widget is drawn hands it to the new widget.
    """
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def session_model_id(model: keras.Model) -> str:
    """Return the cache key of a model this session trained, hashing its weights once.

    The caches behind :func:`inspect_digit` and the pages are shared by every
    session, so the key must name these weights and nothing else: ``id(model)``
    would not, since Python reuses an id once its object is collected, and
    another session's model could then be served this one's feature maps.

    Parameters
    ----------
    model : keras.Model
        The session's model.

    Returns
    -------
    str
        ``"session-"`` followed by :func:`cnnviz.nets.model.fingerprint`.
    """
    from cnnviz.nets.model import fingerprint

    remembered = st.session_state.get(SESSION_MODEL_KEY)
    if remembered is None or remembered[0] is not model:
        remembered = (model, f"session-{fingerprint(model)}")
        st.session_state[SESSION_MODEL_KEY] = remembered
    return remembered[1]


@st.cache_resource(show_spinner=False, max_entries=16)
def _filters(_model: keras.Model, model_id: str, layer: str) -> tuple[np.ndarray, np.ndarray]:
    from cnnviz.nets.model import filters

    kernel, bias = filters(_model, layer)
    kernel.flags.writeable = False  # shared by every session: an edit must copy
    bias.flags.writeable = False
    return kernel, bias


def learned_filters(network: Network, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """Return a convolution layer's learned weights, read once per network and layer.

    Parameters
    ----------
    network : Network
        The network.
    layer : str
        A ``Conv2D`` layer's name.

    Returns
    -------
    kernel : ndarray, shape (kh, kw, C_in, F), read-only
    bias : ndarray, shape (F,), read-only
    """
    return _filters(network.model, network.model_id, layer)


def choose_network() -> Network:
    """Return the network to look at: the bundled one, or the session's own if it trained one.

    A model trained on the training page and marked "use this model" is
    offered here for this session only; it is never shared with other users.
    """
    own = st.session_state.get(SESSION_MODEL)
    if own is None:
        return Network(trained_model(), "bundled", "")
    _carry_over(f"{KEY}_network")
    bundled = Network(trained_model(), "bundled", "")
    accuracy = format_number(100 * test_accuracy(bundled), digits=1)
    bundled = replace(bundled, label=t("net.model.bundled", accuracy=accuracy))
    mine = Network(own, session_model_id(own), st.session_state.get(SESSION_MODEL_NAME, ""))
    names = {"session": t("net.model.session", name=mine.label), "bundled": bundled.label}
    choice = st.segmented_control(
        t("net.model.choose"),
        list(names),
        format_func=names.__getitem__,
        default="session",
        required=True,
        key=f"{KEY}_network",
    )
    return mine if choice == "session" else bundled


def window_size(size: int | tuple[int, ...]) -> str:
    """Write a kernel or pooling window as the pages do: ``3×3``.

    Examples
    --------
    >>> window_size((3, 3)), window_size(2), window_size((2, 1))
    ('3×3', '2×2', '2×1')
    """
    rows, cols = (size, size) if isinstance(size, int) else size[:2]
    return f"{rows}×{cols}"


EXPLAINED = ("Conv2D", "Activation", "MaxPooling2D", "AveragePooling2D", "Dropout")
"""Layer types with an explanation of their own (``net.maps.explain.<type>``)."""


def layer_explanation(network: Network, name: str) -> str:
    """Say in words what one layer of the active network computes, with its real sizes.

    A network trained on the training page may have 5×5 kernels, 3×3 pooling,
    a ReLU inside its convolutions, average pooling or dropout: the text names
    what this network does, not what the bundled one does.

    Parameters
    ----------
    network : Network
        The active network.
    name : str
        One of its layers.

    Returns
    -------
    str
        The translated explanation.
    """
    layer = network.model.get_layer(name)
    kind = type(layer).__name__
    if kind not in EXPLAINED:
        return t("net.maps.explain.other", name=name, type=kind)
    size = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None) or 1
    activation = getattr(getattr(layer, "activation", None), "__name__", "linear")
    if kind == "Conv2D" and activation != "linear":
        kind = "Conv2D_activated"  # the maps come out of the activation already
    return t(f"net.maps.explain.{kind}", name=name, size=window_size(size), activation=activation)


@st.cache_data(max_entries=64, show_spinner=False)
def _inspect(_model: keras.Model, model_id: str, digit: np.ndarray, overrides: tuple | None):
    from cnnviz.nets.model import inspect

    filter_overrides = None if overrides is None else {name: (k, b) for name, k, b in overrides}
    return inspect(_model, digit, filter_overrides=filter_overrides)


def inspect_digit(
    network: Network,
    digit: np.ndarray,
    overrides: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Inspection:
    """Run a network on a digit: every layer's output (cached per network, digit and edit).

    Parameters
    ----------
    network : Network
        The network to run.
    digit : ndarray, shape (28, 28)
        The preprocessed digit, ink 1 on background 0.
    overrides : dict, optional
        Replacement ``(kernel, bias)`` of some convolution layers, by name.

    Returns
    -------
    cnnviz.nets.model.Inspection
        Probabilities and every layer's output.
    """
    frozen = None
    if overrides:
        frozen = tuple((name, k, b) for name, (k, b) in sorted(overrides.items()))
    return _inspect(network.model, network.model_id, digit, frozen)


# --- the digit ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitInput:
    """The digit the network pages look at.

    Attributes
    ----------
    digit : ndarray, shape (28, 28)
        What the network sees: float32, ink 1 on background 0.
    steps : tuple of cnnviz.nets.model.PreprocessStep
        How a drawing or an upload became ``digit``; empty for a test digit.
    label : int or None
        The true class of a test digit; None for a drawing or an upload.
    description : str
        Where the digit came from, for a caption.
    """

    digit: np.ndarray
    steps: tuple[PreprocessStep, ...]
    label: int | None
    description: str


def _random_candidate(candidates: np.ndarray) -> None:
    """Pick a test digit at random among ``candidates`` (a button's or a filter's callback)."""
    rng = np.random.default_rng()
    st.session_state[f"{KEY}_index"] = int(rng.choice(candidates)) if candidates.size else 0


def _candidates(labels_: np.ndarray, predicted: np.ndarray, digit_class: str, wrong: bool):
    chosen = np.ones(labels_.size, bool)
    if digit_class != ANY_CLASS:
        chosen &= labels_ == int(digit_class)
    if wrong:
        chosen &= predicted != labels_
    return np.flatnonzero(chosen)


def matching_index(current: int, candidates: np.ndarray) -> int | None:
    """Return the test digit to show once the filters allow only ``candidates``.

    The current digit if it matches; else the first match after it, counting
    on from the start when there is none after it, so that every change of a
    filter shows a matching digit at once and a link names the same one.

    Parameters
    ----------
    current : int
        The test digit number shown so far.
    candidates : ndarray of int, shape (n,)
        The matching test digit numbers, increasing.

    Returns
    -------
    int or None
        A member of ``candidates``; None if it is empty.

    Examples
    --------
    >>> matching_index(5, np.array([2, 5, 9])), matching_index(6, np.array([2, 5, 9]))
    (5, 9)
    >>> matching_index(10, np.array([2, 5, 9])), matching_index(3, np.array([], int))
    (2, None)
    """
    if candidates.size == 0:
        return None
    after = int(np.searchsorted(candidates, current))
    return int(candidates[after % candidates.size])


def _follow_filters(network: Network) -> None:
    """Show a test digit that matches the class and "wrong only" filters just changed.

    A callback of both filters: it runs before the page, with their new values.
    """
    state = st.session_state
    candidates = _candidates(
        test_digits().y_test,
        test_predictions(network),
        state.get(f"{KEY}_class", ANY_CLASS),
        bool(state.get(f"{KEY}_wrong", False)),
    )
    index = matching_index(int(state.get(f"{KEY}_index", 0)), candidates)
    if index is not None:  # none: the page says so and keeps the digit it shows
        state[f"{KEY}_index"] = index


def _from_test_set(network: Network) -> DigitInput | None:
    data = test_digits()
    predicted = test_predictions(network)
    count = data.x_test.shape[0]
    any_class = t("net.pick.any_class")  # AppTest formats options in another thread
    digit_class = url_choice(
        st.selectbox,
        t("net.pick.class"),
        [ANY_CLASS, *map(str, range(10))],
        format_func=lambda c: any_class if c == ANY_CLASS else c,
        key=f"{KEY}_class",
        on_change=_follow_filters,
        args=(network,),
    )
    wrong = st.toggle(
        t("net.pick.wrong"),
        key=f"{KEY}_wrong",
        bind="query-params",
        on_change=_follow_filters,
        args=(network,),
    )
    candidates = _candidates(data.y_test, predicted, digit_class, wrong)
    if candidates.size == 0:
        if digit_class == ANY_CLASS:
            st.info(t("net.pick.none"))
        else:
            st.info(t("net.pick.none_class", digit=digit_class))
        return None
    # Without a (usable) index in the link: the first digit that fits the filters.
    index = url_number(
        st.number_input,
        t("net.pick.index", last=count - 1),
        0,
        count - 1,
        int(candidates[0]),
        step=1,
        key=f"{KEY}_index",
    )
    st.button(  # under the number, not beside it: side by side, both were cut at 1024 px
        t("net.pick.random"),
        key=f"{KEY}_random",
        on_click=_random_candidate,
        args=(candidates,),
        icon=":material/casino:",
        width="stretch",
    )
    if index not in candidates:
        st.caption(t("net.pick.outside_filter"))
    label = int(data.y_test[index])
    digit = data.x_test[index].astype(np.float32) / 255.0
    description = t("net.pick.test_caption", index=index, label=label)
    return DigitInput(digit, (), label, description)


def _preprocessed(pixels: np.ndarray, description: str) -> DigitInput:
    from cnnviz.nets.model import preprocess_digit

    result = preprocess_digit(pixels)
    return DigitInput(result.digit, result.steps, None, description)


def _kept_or(source: str, hint: str, where: Any = st) -> None:
    """Nothing new from ``source``: say at ``where`` that its last digit is still shown, else hint.

    A drawing or an upload of this session stays with the page (also after a
    switch between the two network pages, where the canvas starts empty).
    """
    if source in st.session_state.get(KEPT, {}):
        where.caption(t(f"net.pick.kept.{source}"))
    else:
        where.info(hint)


def _from_canvas() -> DigitInput | None:
    st.caption(t("net.pick.draw_hint"))
    note = st.empty()  # above the canvas, which is taller than a projected screen's spare room
    data = drawing_canvas(key=f"{KEY}_canvas", stroke_width=STROKE_PX)
    try:
        if not data:
            raise InputError("preprocess.blank")
        pixels = images.decode_image(data, max_side=CANVAS_PX).pixels
        return _preprocessed(pixels, t("net.pick.drawn"))
    except InputError as err:
        if err.key != "preprocess.blank":
            raise
        _kept_or("draw", t("net.pick.draw_first"), note)  # an empty canvas is a start
        return None


def _from_upload() -> DigitInput | None:
    upload = image_upload(t("net.pick.upload"), key=f"{KEY}_upload")
    if upload is None:
        _kept_or("upload", t("net.pick.upload_hint"))
        return None
    pixels = images.decode_image(upload.getvalue(), max_side=MAX_UPLOAD_SIDE).pixels
    return _preprocessed(pixels, t("net.pick.uploaded", name=upload.name))


def digit_picker(network: Network) -> DigitInput | None:
    """Show where the digit comes from (test set, drawing, upload) and return it.

    A blank drawing or a broken upload shows a message and the page keeps the
    last valid digit, so nothing the user did is lost.

    Parameters
    ----------
    network : Network
        The network, which finds the misclassified test digits.

    Returns
    -------
    DigitInput or None
        The digit of the chosen source: this run's, else the last valid one from
        that source (a drawing stays when the canvas starts empty on the other
        page), else the last valid one of this session (None before the first).
    """
    state = st.session_state
    _carry_over(*(f"{KEY}_{name}" for name in ("source", "class", "wrong", "index")))
    # Radio buttons, not a segmented control: the column is narrow at projector width
    # (1024 px with the sidebar open) and radio options wrap instead of being cut off.
    source = url_choice(
        st.radio,
        t("net.pick.source"),
        SOURCES,
        format_func=labels("net.pick.source.{}"),
        key=f"{KEY}_source",
        horizontal=True,
    )
    try:
        if source == "draw":
            picked = _from_canvas()
        elif source == "upload":
            picked = _from_upload()
        else:
            picked = _from_test_set(network)
    except InputError as err:
        st.error(str(err))
        picked = None
    kept = state.setdefault(KEPT, {})
    if picked is not None and source != "test":
        kept[source] = picked
    if picked is None:
        picked = kept.get(source)
    if picked is not None:
        state[LAST_DIGIT] = picked
    return state.get(LAST_DIGIT)
