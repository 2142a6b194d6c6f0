"""The networks for the pages: loaded once per server, and the image each one looks at.

Three networks can be looked inside: the bundled digit network
(:mod:`cnnviz.nets.model`, MNIST), the bundled colour network
(:mod:`cnnviz.nets.cifar_model`, CIFAR-10) and a network this session
trained. :class:`Network` says what differs between them, all read from the
model's input shape: the test set it is measured on, its class names in the
page's language, how a raw picture is prepared, and the prefix of the
picker's widget keys (``digit_*`` or ``colour_*``, so each kind keeps its
own choices).

Both network pages share the picture: the last valid one lives in session
state under a key that is not a widget's, so it survives a switch from the
"Trained network" page to the "Saliency" page, and so do the choices that
picked it (network, source, class, filter, test image number; see
:func:`_carry_over`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import streamlit as st

from cnnviz.i18n import InputError, format_number, t
from cnnviz.io import images
from cnnviz.ui.keras_runtime import keras_module
from cnnviz.ui.kit import CANVAS_PX, drawing_canvas, image_upload
from cnnviz.ui.url_state import url_choice, url_number

if TYPE_CHECKING:  # pragma: no cover
    import keras

    from cnnviz.nets.datasets import Dataset
    from cnnviz.nets.model import Inspection, Preprocessed, PreprocessStep

KEY = "digit"
COLOUR_KEY = "colour"
LAST_DIGIT = f"{KEY}_last"
KEPT = f"{KEY}_kept"
"""Session-state key: source (``"draw"``, ``"upload"``, ``"camera"``) -> its last valid input."""
NETWORK_KEY = "network"
"""Widget key and query parameter of the network's choice: ``?network=colour``."""
SESSION_SHOWN = f"{NETWORK_KEY}_session_shown"
"""Session-state key: the session model last chosen for the user, so a new one is shown first."""
SESSION_MODEL = "session_model"
"""Session-state key of a model the training page trained and the user chose to look inside."""
SESSION_MODEL_NAME = "session_model_name"
SESSION_MODEL_KEY = "session_model_key"
"""Session-state key of ``(model, cache key)``: the session model's fingerprint, hashed once."""
DIGIT_SHAPE = (28, 28, 1)
COLOUR_SHAPE = (32, 32, 3)
SOURCES = ("test", "draw", "upload", "camera")
ANY_CLASS = "any"
STROKE_PX = 20  # about 2 pixels once the drawing is fitted in 20x20, like MNIST's strokes
MAX_UPLOAD_SIDE = 512


# --- resources shared by every session (never mutated) ---------------------------------------


@st.cache_resource(show_spinner=False)
def _load_model() -> keras.Model:
    from cnnviz.nets.model import load_trained_model  # TensorFlow: only on the network pages

    keras_module()  # imported once, with the heap frozen so that reruns stay fast
    return load_trained_model()


@st.cache_resource(show_spinner=False)
def _load_colour_model() -> keras.Model:
    from cnnviz.nets.cifar_model import load_cifar_model

    keras_module()
    return load_cifar_model()


def trained_model() -> keras.Model:
    """Return the bundled digit network, loading it (with a spinner) the first time.

    Returns
    -------
    keras.Model
        Shared by every session of the server; nobody changes its weights.
    """
    with st.spinner(t("net.loading")):
        return _load_model()


def colour_model() -> keras.Model:
    """Return the bundled colour network (CIFAR-10), loading it (with a spinner) the first time."""
    with st.spinner(t("net.loading")):
        return _load_colour_model()


@st.cache_resource(show_spinner=False)
def test_digits() -> Dataset:
    """Return the bundled MNIST subset (8,000 training and 2,000 test digits)."""
    from cnnviz.nets.datasets import load_mnist_subset

    return load_mnist_subset()


@st.cache_resource(show_spinner=False)
def test_photos() -> Dataset:
    """Return the bundled CIFAR-10 subset (5,000 training and 2,000 test images)."""
    from cnnviz.nets.datasets import load_cifar_subset

    return load_cifar_subset()


def test_set_for(shape: tuple[int, ...]) -> Dataset | None:
    """The bundled test set for an input shape: MNIST (28×28×1), CIFAR-10 (32×32×3), else None."""
    if tuple(shape) == DIGIT_SHAPE:
        return test_digits()
    return test_photos() if tuple(shape) == COLOUR_SHAPE else None


@st.cache_resource(show_spinner=False, max_entries=8)
def _test_predictions(_model: keras.Model, model_id: str, shape: tuple[int, ...]) -> np.ndarray:
    from cnnviz.nets.model import predict_batch

    return np.argmax(predict_batch(_model, test_set_for(shape).x_test), axis=1)


@dataclass(frozen=True)
class Network:
    """The network a page shows: a bundled one, or one this session trained.

    What differs between networks is read from the model's input shape
    (:attr:`shape`): 28×28×1 reads digits, 32×32×3 colour photos.

    Attributes
    ----------
    model : keras.Model
        Only read, never changed.
    model_id : str
        Names the model in server-wide caches: ``"bundled"`` (the digit
        network), ``"colour"``, or ``"session-<fingerprint>"`` (see
        :func:`session_model_id`).
    label : str
        How the page names it.
    """

    model: keras.Model
    model_id: str
    label: str

    @cached_property
    def shape(self) -> tuple[int, int, int]:
        """One input's shape ``(H, W, C)``."""
        from cnnviz.nets.model import input_shape

        return input_shape(self.model)

    @property
    def reads_digits(self) -> bool:
        """Whether it reads MNIST-like digits (28×28, one channel, ink 1 on 0)."""
        return self.shape == DIGIT_SHAPE

    @property
    def key(self) -> str:
        """Prefix of the picker's widget and state keys: ``"digit"`` or ``"colour"``."""
        return KEY if self.reads_digits else COLOUR_KEY

    @property
    def classes(self) -> int:
        """How many classes it tells apart."""
        return int(self.model.outputs[0].shape[-1])

    def test_set(self) -> Dataset | None:
        """The bundled test images of its input shape (MNIST's or CIFAR-10's), None for others."""
        return test_set_for(self.shape)

    def class_label(self, index: int) -> str:
        """Class ``index``'s name in the page's language ("7", "gato", "cat"...)."""
        data = self.test_set()
        if data is None or index >= len(data.class_names):
            return str(index)
        return data.class_label(index)

    def prepare(self, pixels: np.ndarray) -> Preprocessed:
        """Turn a decoded picture into its input, step by step (digit or photo preprocessing)."""
        if self.reads_digits:
            from cnnviz.nets.model import preprocess_digit

            return preprocess_digit(pixels)
        from cnnviz.nets.photo import preprocess_photo

        return preprocess_photo(pixels, self.shape)


def test_predictions(network: Network) -> np.ndarray:
    """Return the network's predicted class for every test image (computed once per network)."""
    with st.spinner(t("colour.measuring")):
        return _test_predictions(network.model, network.model_id, network.shape)


def test_accuracy(network: Network) -> float:
    """Return the fraction of the bundled test images the network classifies right.

    Measured on the images the pages show (2,000, never used for training the
    bundled networks), so what the page says about "this network" holds for the
    one that is active, a bundled one or the session's own.

    Returns
    -------
    float
        In [0, 1].
    """
    return float(np.mean(test_predictions(network) == network.test_set().y_test))


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


def _session_network() -> Network | None:
    own = st.session_state.get(SESSION_MODEL)
    if own is None:
        return None
    return Network(own, session_model_id(own), st.session_state.get(SESSION_MODEL_NAME, ""))


def _digits_network(with_accuracy: bool) -> Network:
    bundled = Network(trained_model(), "bundled", "")
    if not with_accuracy:
        return bundled
    accuracy = format_number(100 * test_accuracy(bundled), digits=1)
    return Network(bundled.model, "bundled", t("net.model.bundled", accuracy=accuracy))


def choose_network(*, colour: bool = False) -> Network:
    """Return the network to look at, chosen with one URL-bound control.

    Parameters
    ----------
    colour : bool, default False
        Offer the bundled colour network too (``?network=colour``), and the
        session's own network whatever its input; else (pages about digits)
        the digit network, or the session's own if it reads digits.

    Returns
    -------
    Network
        A model trained on the training page and marked "use this model" is
        offered for this session only; it is never shared with other users.
    """
    mine = _session_network()
    if not colour:
        return _digits_only(mine)
    _carry_over(NETWORK_KEY)
    if mine is not None and st.session_state.get(SESSION_SHOWN) != mine.model_id:
        # A model just marked "use this model" on the training page: show it first.
        st.session_state[SESSION_SHOWN] = mine.model_id
        st.session_state[NETWORK_KEY] = "session"
    # The digit network's measured accuracy tells it from the session's own, as before;
    # without one, measuring it would only slow down the colour network's first visit.
    digits = _digits_network(with_accuracy=True).label if mine else t("colour.model.digits")
    names = {} if mine is None else {"session": t("net.model.session", name=mine.label)}
    names |= {"digits": digits, "colour": t("colour.model.colour")}
    choice = url_choice(
        st.segmented_control,
        t("net.model.choose"),
        list(names),
        format_func=names.__getitem__,
        default="session" if mine is not None else "digits",
        key=NETWORK_KEY,
    )
    if choice == "session" and mine is not None:
        return mine
    if choice == "colour":
        return Network(colour_model(), "colour", names["colour"])
    return _digits_network(with_accuracy=False)


def _digits_only(mine: Network | None) -> Network:
    """Return the digit network or the session's own if it reads digits (pages about digits)."""
    if mine is None or not mine.reads_digits:
        return _digits_network(with_accuracy=False)
    _carry_over(f"{KEY}_network")
    bundled = _digits_network(with_accuracy=True)
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


# --- the picture ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DigitInput:
    """The picture the network pages look at: a digit, or a colour image.

    Attributes
    ----------
    digit : ndarray, shape (H, W) or (H, W, C)
        What the network sees: float32 in [0, 1]; (28, 28) for a digit (ink 1
        on background 0), (32, 32, 3) for a colour image.
    steps : tuple of cnnviz.nets.model.PreprocessStep
        How a drawing, an upload or a camera shot became ``digit``; empty for a test image.
    label : int or None
        The true class of a test image; None for a drawing, an upload or a shot.
    description : str
        Where the picture came from, for a caption.
    """

    digit: np.ndarray
    steps: tuple[PreprocessStep, ...]
    label: int | None
    description: str


def _random_candidate(candidates: np.ndarray, key: str) -> None:
    """Pick a test image at random among ``candidates`` (a button's or a filter's callback)."""
    rng = np.random.default_rng()
    st.session_state[f"{key}_index"] = int(rng.choice(candidates)) if candidates.size else 0


def _candidates(network: Network, labels_: np.ndarray, chosen_class: str, wrong: bool):
    chosen = np.ones(labels_.size, bool)
    if chosen_class != ANY_CLASS:
        chosen &= labels_ == int(chosen_class)
    if wrong:  # the predictions only when asked: the colour network's take seconds
        chosen &= test_predictions(network) != labels_
    return np.flatnonzero(chosen)


def matching_index(current: int, candidates: np.ndarray) -> int | None:
    """Return the test image to show once the filters allow only ``candidates``.

    The current image if it matches; else the first match after it, counting
    on from the start when there is none after it, so that every change of a
    filter shows a matching image at once and a link names the same one.

    Parameters
    ----------
    current : int
        The test image number shown so far.
    candidates : ndarray of int, shape (n,)
        The matching test image numbers, increasing.

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
    """Show a test image that matches the class and "wrong only" filters just changed.

    A callback of both filters: it runs before the page, with their new values.
    """
    state, key = st.session_state, network.key
    candidates = _candidates(
        network,
        network.test_set().y_test,
        state.get(f"{key}_class", ANY_CLASS),
        bool(state.get(f"{key}_wrong", False)),
    )
    index = matching_index(int(state.get(f"{key}_index", 0)), candidates)
    if index is not None:  # none: the page says so and keeps the image it shows
        state[f"{key}_index"] = index


def _class_filters(network: Network, data: Dataset) -> tuple[str, bool]:
    """Show the class and "only the ones it gets wrong" filters; return their values."""
    key = network.key
    # Labelled now: AppTest formats options in another thread, without the page's language.
    names = {ANY_CLASS: t("net.pick.any_class" if network.reads_digits else "colour.pick.any")}
    names |= {str(c): network.class_label(c) for c in range(len(data.class_names))}
    chosen_class = url_choice(
        st.selectbox,
        t("net.pick.class"),
        list(names),
        format_func=names.__getitem__,
        key=f"{key}_class",
        on_change=_follow_filters,
        args=(network,),
    )
    wrong = st.toggle(
        t("net.pick.wrong"),
        key=f"{key}_wrong",
        bind="query-params",
        on_change=_follow_filters,
        args=(network,),
    )
    return chosen_class, wrong


def _from_test_set(network: Network) -> DigitInput | None:
    data, key, digits = network.test_set(), network.key, network.reads_digits
    count = data.x_test.shape[0]
    chosen_class, wrong = _class_filters(network, data)
    candidates = _candidates(network, data.y_test, chosen_class, wrong)
    if candidates.size == 0:
        if chosen_class == ANY_CLASS:
            st.info(t("net.pick.none"))
        else:
            st.info(t("net.pick.none_class", digit=network.class_label(int(chosen_class))))
        return None
    # Without a (usable) index in the link: the first image that fits the filters.
    index = url_number(
        st.number_input,
        t("net.pick.index" if digits else "colour.pick.index", last=count - 1),
        0,
        count - 1,
        int(candidates[0]),
        step=1,
        key=f"{key}_index",
    )
    st.button(  # under the number, not beside it: side by side, both were cut at 1024 px
        t("net.pick.random"),
        key=f"{key}_random",
        on_click=_random_candidate,
        args=(candidates, key),
        icon=":material/casino:",
        width="stretch",
    )
    if index not in candidates:
        st.caption(t("net.pick.outside_filter"))
    label = int(data.y_test[index])
    image = data.x_test[index].astype(np.float32) / 255.0
    if digits:
        return DigitInput(image, (), label, t("net.pick.test_caption", index=index, label=label))
    caption = t("colour.pick.test_caption", index=index, label=network.class_label(label))
    return DigitInput(image, (), label, caption)


def _preprocessed(network: Network, pixels: np.ndarray, description: str) -> DigitInput:
    result = network.prepare(pixels)
    return DigitInput(result.digit, result.steps, None, description)


def _kept_or(network: Network, source: str, hint: str, where: Any = st) -> None:
    """Nothing new from ``source``: say at ``where`` that its last picture stays, else hint.

    A drawing, an upload or a shot of this session stays with the page (also
    after a switch between the two network pages, where the widget starts empty).
    """
    if source in st.session_state.get(f"{network.key}_kept", {}):
        where.caption(
            t("colour.pick.kept.camera" if source == "camera" else f"net.pick.kept.{source}")
        )
    else:
        where.info(hint)


def _from_canvas(network: Network) -> DigitInput | None:
    st.caption(t("net.pick.draw_hint"))
    note = st.empty()  # above the canvas, which is taller than a projected screen's spare room
    data = drawing_canvas(key=f"{KEY}_canvas", stroke_width=STROKE_PX)
    try:
        if not data:
            raise InputError("preprocess.blank")
        pixels = images.decode_image(data, max_side=CANVAS_PX).pixels
        return _preprocessed(network, pixels, t("net.pick.drawn"))
    except InputError as err:
        if err.key != "preprocess.blank":
            raise
        _kept_or(network, "draw", t("net.pick.draw_first"), note)  # an empty canvas is a start
        return None


def _from_upload(network: Network) -> DigitInput | None:
    digits = network.reads_digits
    label = t("net.pick.upload" if digits else "colour.pick.upload")
    upload = image_upload(label, key=f"{network.key}_upload")
    if upload is None:
        _kept_or(
            network, "upload", t("net.pick.upload_hint" if digits else "colour.pick.upload_hint")
        )
        return None
    # decode_image reads the size from the header and refuses a bomb before decoding.
    pixels = images.decode_image(upload.getvalue(), max_side=MAX_UPLOAD_SIDE).pixels
    return _preprocessed(network, pixels, t("net.pick.uploaded", name=upload.name))


def _from_camera(network: Network) -> DigitInput | None:
    hint = t("colour.pick.camera_digit" if network.reads_digits else "colour.pick.camera_photo")
    st.caption(hint)
    shot = st.camera_input(t("colour.pick.camera"), key=f"{network.key}_camera")
    if shot is None:  # no shot yet, or the browser refused the camera: it says so itself
        _kept_or(network, "camera", t("colour.pick.camera_hint"))
        return None
    pixels = images.decode_image(shot.getvalue(), max_side=MAX_UPLOAD_SIDE).pixels
    return _preprocessed(network, pixels, t("colour.pick.shot"))


PICKERS = {
    "test": _from_test_set,
    "draw": _from_canvas,
    "upload": _from_upload,
    "camera": _from_camera,
}


def _sources(network: Network) -> dict[str, str]:
    """Return the sources this network offers, labelled now (in the page's language)."""
    if network.reads_digits:
        names = {s: t(f"net.pick.source.{s}") for s in SOURCES[:3]}
    else:
        names = {"test": t("colour.pick.source.test"), "upload": t("net.pick.source.upload")}
    names["camera"] = t("colour.pick.source.camera")
    if network.test_set() is None:  # a session's network of another size: no test images
        del names["test"]
    return names


def _fits(network: Network, picked: DigitInput | None) -> DigitInput | None:
    """Return the picture if the network can read it (a session's network may have another size)."""
    if picked is None:
        return None
    expected = network.shape[:2] if network.shape[2] == 1 else network.shape
    return picked if picked.digit.shape in (network.shape, expected) else None


def digit_picker(network: Network) -> DigitInput | None:
    """Show where the picture comes from (test set, drawing, upload, camera) and return it.

    A blank drawing, a photo of nothing or a broken upload shows a message and
    the page keeps the last valid picture, so nothing the user did is lost.

    Parameters
    ----------
    network : Network
        The network: its kind decides the sources (digits can be drawn), the
        test set and how a picture is prepared.

    Returns
    -------
    DigitInput or None
        The picture of the chosen source: this run's, else the last valid one
        from that source (a drawing stays when the canvas starts empty on the
        other page), else the last valid one of this session for this kind of
        network (None before the first).
    """
    state, key = st.session_state, network.key
    _carry_over(*(f"{key}_{name}" for name in ("source", "class", "wrong", "index")))
    names = _sources(network)
    # Radio buttons, not a segmented control: the column is narrow at projector width
    # (1024 px with the sidebar open) and radio options wrap instead of being cut off.
    source = url_choice(
        st.radio,
        t("net.pick.source" if network.reads_digits else "colour.pick.source"),
        list(names),
        format_func=names.__getitem__,
        key=f"{key}_source",
        horizontal=True,
    )
    try:
        picked = PICKERS[source](network)
    except InputError as err:
        st.error(str(err))
        picked = None
    kept = state.setdefault(f"{key}_kept", {})
    if picked is not None and source != "test":
        kept[source] = picked
    if picked is None:
        picked = _fits(network, kept.get(source))
    if picked is not None:
        state[f"{key}_last"] = picked
    return _fits(network, state.get(f"{key}_last"))
