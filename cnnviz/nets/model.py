r"""The bundled trained CNN: its architecture, MNIST-style preprocessing, every layer's output.

The network is small enough to show whole: two convolutions of 3×3 filters,
each followed by a ReLU and a 2×2 max pooling, then one dense layer of ten
logits and a softmax (:func:`build_model`). ReLU and softmax are layers of
their own, so a page can show a feature map before and after the ReLU, and
saliency methods can differentiate the logits. Its weights
(``assets/models/mnist_cnn.weights.h5``, written by ``scripts/train_model.py``;
``assets/models/MODEL_CARD.md`` reports how it was trained and how well it
does) are loaded into the architecture defined here: a model *file* from a
user is never loaded (Keras' ``safe_mode`` has been bypassed repeatedly).

TensorFlow is imported only inside the functions that need it, so
``import cnnviz.nets.model`` is fast; :func:`preprocess_digit` needs only NumPy and
Pillow.

Notes
-----
:func:`preprocess_digit` follows how MNIST itself was made (LeCun, Cortes and
Burges): the digit is scaled so that its bounding box fits a 20×20 box,
keeping its proportions, with anti-aliasing, then placed in a 28×28 frame so
that its centre of mass

.. math:: \bar r = \frac{\sum_{r,c} r\,x_{rc}}{\sum_{r,c} x_{rc}},\qquad
          \bar c = \frac{\sum_{r,c} c\,x_{rc}}{\sum_{r,c} x_{rc}}

lands on the frame's centre, row 14 and column 14 (the average centre of
mass of MNIST's digits, measured on the bundled subset).
"""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.io.images import LUMA_WEIGHTS

if TYPE_CHECKING:
    import keras

WEIGHTS_PATH = Path(__file__).resolve().parents[2] / "assets" / "models" / "mnist_cnn.weights.h5"
"""The bundled network's trained weights (Keras' ``.weights.h5`` format, no architecture)."""

CLASS_NAMES: tuple[str, ...] = tuple("0123456789")
"""The network's ten classes, in the order of its outputs."""

DIGIT_SIDE = 28
"""Rows and columns of the network's input, as MNIST's."""

INPUT_SHAPE: tuple[int, int, int] = (DIGIT_SIDE, DIGIT_SIDE, 1)
"""The network's input shape, channels last."""

BOX_SIDE = 20
"""The longer side of a digit once fitted, as in MNIST (the rest of the 28×28 frame is margin)."""

CENTER: tuple[float, float] = (14.0, 14.0)
"""Where the centre of mass goes in the 28×28 frame (row, column), as in MNIST."""

INK_THRESHOLD = 0.2
"""After the background is set to 0 and the brightest ink to 1, pixels above this are ink."""

MIN_CONTRAST = 0.05
"""Brightest pixel minus background below this (on a 0 to 1 scale): the picture is blank."""

BACKGROUND_SPREAD = 0.25
"""Frame pixels further than this from the frame's median are ink, not background."""

DROPOUT_RATE = 0.25
"""Dropout before the dense layer, active only while training."""

BATCH_SIZE = 512
"""Images per forward pass in :func:`predict_batch`, which bounds its memory."""


# --- architecture and weights -----------------------------------------------------------


def build_model() -> keras.Model:
    """Build the untrained network: (conv, ReLU, max pool) twice, flatten, dropout, dense, softmax.

    Returns
    -------
    keras.Model
        Input ``(28, 28, 1)`` floats in :math:`[0, 1]`, ink = 1; output ten
        probabilities. Layer names: ``conv1, relu1, pool1, conv2, relu2, pool2,
        flatten, dropout, logits, softmax``.

    Notes
    -----
    Shapes: 28×28×1 → conv1 (16 filters 3×3, valid) 26×26×16 → pool1 13×13×16
    → conv2 (32 filters 3×3×16) 11×11×32 → pool2 5×5×32 → flatten 800 →
    logits 10. Parameters: 160 + 4,640 + 8,010 = 12,810.

    Examples
    --------
    >>> model = build_model()  # doctest: +SKIP
    >>> model.count_params()  # doctest: +SKIP
    12810
    """
    import keras  # lazy: TensorFlow loads with it
    from keras import layers

    inputs = keras.Input(shape=INPUT_SHAPE, name="digit")
    x = layers.Conv2D(16, 3, padding="valid", name="conv1")(inputs)
    x = layers.Activation("relu", name="relu1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="valid", name="conv2")(x)
    x = layers.Activation("relu", name="relu2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(DROPOUT_RATE, name="dropout")(x)
    x = layers.Dense(10, name="logits")(x)
    outputs = layers.Activation("softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name="mnist_cnn")


def load_trained_model(path: Path | str = WEIGHTS_PATH) -> keras.Model:
    """Build the network and load its trained weights (never a model file's architecture).

    Takes about as long as importing TensorFlow the first time; cache the
    result once per server (``st.cache_resource``) and never mutate it.

    Parameters
    ----------
    path : Path or str, default :data:`WEIGHTS_PATH`
        A ``.weights.h5`` file written by ``model.save_weights`` for
        :func:`build_model`'s architecture.

    Returns
    -------
    keras.Model
        The trained network, ready for :func:`inspect` and :func:`predict_batch`.

    Raises
    ------
    FileNotFoundError
        If the file is missing: rebuild it with ``python scripts/train_model.py``.
    """
    return with_weights(build_model, path, "scripts/train_model.py")


def with_weights(build: Callable[[], keras.Model], path: Path | str, script: str) -> keras.Model:
    """Build a network with ``build`` and load its weights from ``path``.

    Raises
    ------
    FileNotFoundError
        If the file is missing, naming the ``script`` that rebuilds it.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No weights at {path}. Rebuild them with: python {script}")
    model = build()
    model.load_weights(path)
    return model


def filters(model: keras.Model, layer_name: str = "conv1") -> tuple[np.ndarray, np.ndarray]:
    """Return a convolutional layer's kernel and bias, as NumPy copies.

    Parameters
    ----------
    model : keras.Model
        The network.
    layer_name : str, default "conv1"
        A ``Conv2D`` layer of it.

    Returns
    -------
    kernel : ndarray, shape (kh, kw, C_in, F), float32
        Keras' layout: ``kernel[:, :, c, f]`` is filter ``f``'s slice over input channel ``c``.
    bias : ndarray, shape (F,), float32

    Raises
    ------
    InputError
        ``model.error.override_layer`` if there is no such ``Conv2D`` layer.
    """
    layer = _conv_layer(model, layer_name)
    kernel, bias = (np.array(w, dtype=np.float32) for w in layer.get_weights())
    return kernel, bias


def fingerprint(model: keras.Model) -> str:
    """Return a name for a model that only another model with the same layers and weights shares.

    Server-wide caches of feature maps and predictions are keyed by it: unlike
    ``id(model)``, which Python hands to a new object once the old one is
    garbage-collected, it cannot make one session's model answer for another's.

    Parameters
    ----------
    model : keras.Model
        A built network.

    Returns
    -------
    str
        64 hexadecimal digits: SHA-256 over every layer's class and settings
        (without its name) and every weight's shape, dtype and bytes. Hash it
        once per model: it reads all the weights (about a millisecond for the
        bundled network).
    """
    digest = hashlib.sha256()
    for layer in model.layers:
        config = dict(layer.get_config())
        config.pop("name", None)  # names are generated (conv2d_7): same network, same key
        # repr for anything JSON cannot say: at worst a cache miss, never a shared key.
        digest.update(type(layer).__name__.encode())
        digest.update(json.dumps(config, sort_keys=True, default=repr).encode())
    for weights in model.get_weights():
        array = np.ascontiguousarray(weights)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# --- preprocessing ----------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PreprocessStep:
    """One step of :func:`preprocess_digit`, to show as a picture with its title and note.

    Attributes
    ----------
    key : str
        Catalog key of the step's title, such as ``"preprocess.step.grayscale"``.
    image : ndarray, shape (H, W) or (H, W, 3)
        The picture after this step: grey for a digit, RGB for a colour
        photo (:mod:`cnnviz.nets.photo`); floats in :math:`[0, 1]` or uint8.
    note_key : str or None
        Catalog key of a sentence saying what happened, such as
        ``"preprocess.note.inverted"``; fill it with ``note_fields``.
    note_fields : Mapping[str, object]
        The note's fields: ``t(step.note_key, **step.note_fields)``.
    """

    key: str
    image: np.ndarray
    note_key: str | None = None
    note_fields: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Preprocessed:
    """A picture made MNIST-like, with every intermediate step.

    Attributes
    ----------
    steps : tuple of PreprocessStep
        Grayscale, invert (and set the background to 0), crop to the ink,
        fit in 20×20, centre by mass in 28×28; in that order.
    digit : ndarray, shape (28, 28), float32
        What the network reads: values in :math:`[0, 1]`, ink = 1.
    """

    steps: tuple[PreprocessStep, ...]
    digit: np.ndarray


def checked_pixels(image: object) -> np.ndarray:
    """Validate a picture and return it as float64 in [0, 1], shape (H, W, C) with C in 1..4.

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C), C in 1..4
        Integers from 0 to 255 or floats in [0, 1] (bools are 0 and 1).

    Raises
    ------
    InputError
        ``preprocess.bad_values``, ``preprocess.bad_shape``, ``error.image_dtype``,
        ``error.image_no_pixels`` or ``error.image_not_finite``.
    """
    array = np.asarray(image)
    shape = tuple(array.shape)
    if array.dtype == bool:
        array = array.astype(np.float64)
    elif np.issubdtype(array.dtype, np.integer):
        if array.size and (array.min() < 0 or array.max() > 255):
            raise InputError("preprocess.bad_values", low=int(array.min()), high=int(array.max()))
        array = array.astype(np.float64) / 255.0
    elif np.issubdtype(array.dtype, np.floating):
        array = array.astype(np.float64)
    else:
        raise InputError("error.image_dtype", dtype=str(array.dtype))
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4):
        raise InputError("preprocess.bad_shape", shape=shape)
    if array.size == 0:
        raise InputError("error.image_no_pixels", shape=shape)
    finite = np.isfinite(array)
    if not finite.all():
        raise InputError(
            "error.image_not_finite",
            count=int(array.size - np.count_nonzero(finite)),
            shape=shape,
        )
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        raise InputError("preprocess.bad_values", low=round(low, 3), high=round(high, 3))
    return array


def _to_gray(pixels: np.ndarray) -> np.ndarray:
    """One brightness per pixel; transparent pixels take the background's shade."""
    channels = pixels.shape[2]
    has_alpha = channels in (2, 4)
    colour = pixels[:, :, : channels - 1] if has_alpha else pixels
    gray = colour[:, :, 0] if colour.shape[2] == 1 else colour @ np.asarray(LUMA_WEIGHTS)
    if not has_alpha:
        return gray
    alpha = pixels[:, :, -1]
    if alpha.min() >= 1.0:
        return gray
    if alpha.max() <= 0.0:
        raise InputError("preprocess.blank")
    # A drawing canvas returns the strokes on a transparent background, whose
    # colour channels mean nothing. Paint the background the shade opposite to
    # the ink (white under dark ink, black under light ink) so the strokes stand
    # out whatever colour they were drawn in.
    ink = float(np.average(gray, weights=alpha))
    background = 1.0 if ink < 0.5 else 0.0
    return alpha * gray + (1.0 - alpha) * background


def _border(image: np.ndarray) -> np.ndarray:
    """Return the picture's outermost pixels (its frame, one pixel wide)."""
    if min(image.shape) <= 2:
        return image.ravel()
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def _background_surface(image: np.ndarray) -> np.ndarray:
    """Return the background's level at every pixel: a plane through the frame's background.

    A drawing's background is one shade, and the plane is that shade. Paper
    photographed under a lamp is lighter on one side: one level for the
    whole picture would call the darker side ink and crop to it, a plane
    follows the light. Frame pixels far from the frame's median (ink that
    touches the edge) are left out of the least-squares fit.
    """
    rows, cols = np.indices(image.shape, dtype=np.float64)
    values, r, c = _border(image), _border(rows), _border(cols)
    median = np.median(values)
    keep = np.abs(values - median) <= BACKGROUND_SPREAD
    design = np.column_stack([np.ones(int(keep.sum())), r[keep], c[keep]])
    # Fitted around the median: one shade gives exactly that shade (zero coefficients).
    coef = np.linalg.lstsq(design, values[keep] - median, rcond=None)[0]
    return median + coef[0] + coef[1] * rows + coef[2] * cols


def _center_of_mass(image: np.ndarray) -> tuple[float, float]:
    total = image.sum()
    rows = np.arange(image.shape[0]) @ image.sum(axis=1) / total
    cols = np.arange(image.shape[1]) @ image.sum(axis=0) / total
    return float(rows), float(cols)


def _fit(image: np.ndarray, side: int = BOX_SIDE) -> np.ndarray:
    """Scale so that the longer side is ``side`` pixels, keeping the proportions."""
    rows, cols = image.shape
    scale = side / max(rows, cols)
    size = (max(1, round(cols * scale)), max(1, round(rows * scale)))  # Pillow: (width, height)
    # Lanczos is antialiased when shrinking (its support widens with the
    # scale), as MNIST's digits were; reducing_gap first averages big blocks,
    # which keeps a 2000 x 2000 photo fast. Its ringing can step out of [0, 1].
    resized = Image.fromarray(image.astype(np.float32)).resize(
        size, Image.Resampling.LANCZOS, reducing_gap=3.0
    )
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def preprocess_digit(image: np.ndarray) -> Preprocessed:
    """Turn a drawing, a photo or an MNIST digit into the 28×28 input the network expects.

    Parameters
    ----------
    image : ndarray, shape (H, W), (H, W, 3) or (H, W, 4)
        Grayscale, RGB or RGBA (as a drawing canvas returns it: transparent
        pixels are background; (H, W, 2) is grayscale with alpha). Integers
        from 0 to 255 or floats in :math:`[0, 1]`. Any size; dark ink on a
        light background or light ink on a dark one.

    Returns
    -------
    Preprocessed
        The five steps and the final ``digit`` (28×28, float32, ink = 1).

    Raises
    ------
    InputError
        ``preprocess.blank`` if the picture is all one shade (nothing
        drawn); ``preprocess.bad_shape``, ``preprocess.bad_values`` and the
        image errors of :mod:`cnnviz.io.images` for arrays that are not a picture.

    Notes
    -----
    1. **Grayscale**: :math:`0.299 R + 0.587 G + 0.114 B`; transparent pixels
       take the shade opposite to the ink's.
    2. **Invert**: a digit sits in the middle, so the frame of the picture
       shows its background; if the median of the outermost pixels is light
       (above 0.5), the picture is inverted (MNIST is bright ink on black).
       Then the background becomes 0 and the brightest pixel 1, so a photo
       of paper under grey light looks like MNIST too. The background level
       is a plane fitted to the frame's pixels (one shade for a drawing), so
       paper lit more on one side than the other is background everywhere.
    3. **Crop** to the bounding box of the pixels above :data:`INK_THRESHOLD`.
    4. **Fit** the box's longer side to 20 pixels, keeping the proportions
       (Lanczos resampling, antialiased).
    5. **Centre** by mass in the 28×28 frame (integer shift, so no blur). If
       the mass is so lopsided that the shift would push ink out of the
       frame, the shift stops at the edge: all the ink stays visible.

    Examples
    --------
    A dark bar on white, off to the top left, ends bright and centred:

    >>> picture = np.ones((50, 60))
    >>> picture[5:25, 8:12] = 0.0
    >>> result = preprocess_digit(picture)
    >>> [step.key.rsplit(".", 1)[1] for step in result.steps]
    ['grayscale', 'invert', 'crop', 'resize', 'center']
    >>> result.digit.shape, float(result.digit.max())
    ((28, 28), 1.0)
    >>> rows, cols = np.nonzero(result.digit > 0.5)
    >>> int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())
    (4, 23, 12, 15)
    """
    pixels = checked_pixels(image)
    gray = _to_gray(pixels)
    steps = [
        PreprocessStep(
            "preprocess.step.grayscale",
            gray.astype(np.float32),
            "preprocess.note.grayscale",
            {"rows": gray.shape[0], "cols": gray.shape[1]},
        )
    ]

    background = float(np.median(_border(gray)))
    inverted = background > 0.5
    flipped = 1.0 - gray if inverted else gray
    above = flipped - _background_surface(flipped)
    peak = float(above.max())
    if peak < MIN_CONTRAST:
        raise InputError("preprocess.blank")
    normal = np.clip(above / peak, 0.0, 1.0)
    steps.append(
        PreprocessStep(
            "preprocess.step.invert",
            normal.astype(np.float32),
            "preprocess.note.inverted" if inverted else "preprocess.note.kept",
            {"background": round(background, 2)},
        )
    )

    ink = normal > INK_THRESHOLD
    ink_rows, ink_cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = normal[ink_rows[0] : ink_rows[-1] + 1, ink_cols[0] : ink_cols[-1] + 1]
    steps.append(
        PreprocessStep(
            "preprocess.step.crop",
            crop.astype(np.float32),
            "preprocess.note.crop",
            {"rows": crop.shape[0], "cols": crop.shape[1], "threshold": INK_THRESHOLD},
        )
    )

    fitted = _fit(crop)
    if not fitted.any():  # cannot happen with Lanczos on a crop holding a pixel at 1
        raise InputError("preprocess.blank")
    steps.append(
        PreprocessStep(
            "preprocess.step.resize",
            fitted,
            "preprocess.note.resize",
            {"rows": fitted.shape[0], "cols": fitted.shape[1], "side": BOX_SIDE},
        )
    )

    com_row, com_col = _center_of_mass(fitted)
    top = int(np.clip(np.rint(CENTER[0] - com_row), 0, DIGIT_SIDE - fitted.shape[0]))
    left = int(np.clip(np.rint(CENTER[1] - com_col), 0, DIGIT_SIDE - fitted.shape[1]))
    digit = np.zeros((DIGIT_SIDE, DIGIT_SIDE), np.float32)
    digit[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    steps.append(
        PreprocessStep(
            "preprocess.step.center",
            digit,
            "preprocess.note.center",
            {"row": round(top + com_row, 1), "col": round(left + com_col, 1)},
        )
    )
    digit.flags.writeable = False
    return Preprocessed(tuple(steps), digit)


# --- forward passes ---------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class LayerOutput:
    """What one layer computed for one digit.

    Attributes
    ----------
    name : str
        The layer's name (``"conv1"``, ``"relu1"``, ... ``"softmax"``).
    type : str
        Its Keras class name (``"Conv2D"``, ``"Activation"``, ``"MaxPooling2D"``...).
    values : ndarray, shape (H, W, C) or (units,), float32
        Its output for the digit (the batch axis dropped).
    """

    name: str
    type: str
    values: np.ndarray


@dataclass(frozen=True, eq=False)
class Inspection:
    """One forward pass of one image, every layer's output kept.

    Attributes
    ----------
    probabilities : ndarray, shape (10,), float32
        The softmax output, one probability per class of :data:`CLASS_NAMES`.
    layers : tuple of LayerOutput
        Every layer's output in order, from ``conv1`` to ``softmax`` (the input is not included).
    """

    probabilities: np.ndarray
    layers: tuple[LayerOutput, ...]

    @property
    def predicted(self) -> int:
        """The most probable class (index into :data:`CLASS_NAMES`)."""
        return int(np.argmax(self.probabilities))

    def layer(self, name: str) -> LayerOutput:
        """Return the output of the layer called ``name``.

        Raises
        ------
        KeyError
            If the network has no such layer.
        """
        for output in self.layers:
            if output.name == name:
                return output
        raise KeyError(name)


# The layers of each model in the order they run, found once per model; a weak
# key so an unloaded model is not kept alive by this cache.
_CHAINS: weakref.WeakKeyDictionary[object, tuple[object, ...]] = weakref.WeakKeyDictionary()
_CHAINS_LOCK = threading.Lock()


def _chain(model: keras.Model) -> tuple[keras.layers.Layer, ...]:
    """Return the model's layers in order, checked to form a single chain (each feeds the next)."""
    with _CHAINS_LOCK:
        cached = _CHAINS.get(model)
    if cached is not None:
        return cached  # type: ignore[return-value]
    import keras

    chain = tuple(layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer))
    previous = model.inputs[0] if len(model.inputs) == 1 else None
    for layer in chain:
        if previous is None or layer.input is not previous:
            raise ValueError(f"{model.name} is not a chain of layers; inspect() needs one.")
        previous = layer.output
    if previous is not model.outputs[0] or len(model.outputs) != 1:
        raise ValueError(f"{model.name} is not a chain of layers; inspect() needs one.")
    with _CHAINS_LOCK:
        _CHAINS[model] = chain
    return chain


def _conv_layer(model: keras.Model, name: str) -> keras.layers.Layer:
    convs = [layer for layer in model.layers if type(layer).__name__ == "Conv2D"]
    for layer in convs:
        if layer.name == name:
            return layer
    raise InputError(
        "model.error.override_layer",
        layer=repr(name),
        expected=", ".join(layer.name for layer in convs),
    )


def input_shape(model: keras.Model) -> tuple[int, int, int]:
    """Return one input's shape ``(H, W, C)`` of a network that reads images.

    Parameters
    ----------
    model : keras.Model
        A network with one input of known size ``(None, H, W, C)``.

    Returns
    -------
    tuple of int
        ``(28, 28, 1)`` for the digit network, ``(32, 32, 3)`` for the colour one.

    Raises
    ------
    ValueError
        If the input is not a batch of images of known size.
    """
    shape = tuple(model.inputs[0].shape)
    if len(shape) != 4 or any(n is None for n in shape[1:]):
        raise ValueError(f"{model.name} does not read images of a known size: {shape}.")
    return (int(shape[1]), int(shape[2]), int(shape[3]))


def _shape_error(expected: tuple[int, int, int], shape: tuple[int, ...]) -> InputError:
    """Return the error for an image that does not fit (the digit one for the digit network)."""
    if expected == INPUT_SHAPE:
        return InputError("model.error.digit_shape", shape=shape)
    return InputError(
        "colour.error.input_shape",
        shape=shape,
        expected=expected,
        rows=expected[0],
        cols=expected[1],
    )


def _fits(shape: tuple[int, ...], expected: tuple[int, int, int], *, batch: bool) -> bool:
    """Whether images of ``shape`` fit the input: ``(H, W, C)``, or ``(H, W)`` for one channel."""
    one = shape[1:] if batch else shape
    if batch and len(shape) == 0:
        return False
    return one == expected or (expected[2] == 1 and one == expected[:2])


def _as_image(model: keras.Model, image: object) -> np.ndarray:
    """Return one image as the network's input batch: float32 (1, H, W, C)."""
    array = np.asarray(image)
    expected = input_shape(model)
    if not _fits(array.shape, expected, batch=False):
        raise _shape_error(expected, tuple(array.shape))
    return _as_batch(array[None], expected)


def _as_batch(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """uint8 images are divided by 255; floats are taken as [0, 1] already."""
    if images.dtype == np.uint8:
        batch = images.astype(np.float32) / np.float32(255)
    else:
        batch = np.asarray(images, dtype=np.float32)
    if not np.isfinite(batch).all():
        raise InputError(
            "error.image_not_finite",
            count=int(batch.size - np.count_nonzero(np.isfinite(batch))),
            shape=tuple(images.shape),
        )
    return batch.reshape(-1, *shape)


def _checked_overrides(
    model: keras.Model, overrides: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    checked = {}
    for name, (kernel, bias) in overrides.items():
        layer = _conv_layer(model, name)
        expected_kernel = tuple(layer.kernel.shape)
        kernel = np.asarray(kernel, dtype=np.float32)
        bias = np.asarray(bias, dtype=np.float32)
        if kernel.shape != expected_kernel:
            raise InputError(
                "model.error.override_kernel_shape",
                layer=name,
                shape=tuple(kernel.shape),
                expected=expected_kernel,
            )
        if bias.shape != (expected_kernel[-1],):
            raise InputError(
                "model.error.override_bias_shape",
                layer=name,
                shape=tuple(bias.shape),
                expected=(expected_kernel[-1],),
            )
        bad = int(kernel.size + bias.size - np.isfinite(kernel).sum() - np.isfinite(bias).sum())
        if bad:
            raise InputError("model.error.override_not_finite", layer=name, count=bad)
        checked[name] = (kernel, bias)
    return checked


def inspect(
    model: keras.Model,
    digit: np.ndarray,
    *,
    filter_overrides: Mapping[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Inspection:
    """Run one image (a digit, a colour picture) through the network and keep every layer's output.

    Parameters
    ----------
    model : keras.Model
        The network (a chain of layers, as :func:`build_model` makes). It is
        only read, never changed, so one model can serve every session.
    digit : ndarray, shape (H, W, C), or (H, W) when C = 1
        The network's input shape (:func:`input_shape`): (28, 28) or (28, 28,
        1) for the digit network, (32, 32, 3) for the colour one. Floats in
        :math:`[0, 1]` (ink = 1 for digits), such as :attr:`Preprocessed.digit`,
        or uint8 from 0 to 255 (the datasets' arrays).
    filter_overrides : Mapping[str, (kernel, bias)], optional
        "Kernel surgery": for a ``Conv2D`` layer's name, a kernel ``(kh, kw,
        C_in, F)`` and a bias ``(F,)`` to use instead of the trained ones
        (same shapes). The layers after it see the changed feature maps.

    Returns
    -------
    Inspection
        The probabilities and every layer's output.

    Raises
    ------
    InputError
        ``model.error.digit_shape`` for a digit not 28×28
        (``colour.error.input_shape`` for another network's input);
        ``model.error.override_layer``, ``model.error.override_kernel_shape``,
        ``model.error.override_bias_shape`` or
        ``model.error.override_not_finite`` for an override that does not fit.

    Notes
    -----
    The layers run one by one in eager mode, in inference mode (dropout does
    nothing), so every intermediate output is at hand without a second
    model. An overridden convolution is computed with ``keras.ops.conv`` and
    the given weights (plus the layer's own activation) instead of calling the
    layer: the shared model's weights are never assigned, so a change made by
    one student is invisible to another and needs no lock.
    """
    import keras

    batch = _as_image(model, digit)
    overrides = _checked_overrides(model, filter_overrides or {})
    outputs = []
    x = keras.ops.convert_to_tensor(batch)
    for layer in _chain(model):
        if layer.name in overrides:
            kernel, bias = overrides[layer.name]
            x = keras.ops.conv(
                x,
                kernel,
                strides=layer.strides,
                padding=layer.padding,
                data_format=layer.data_format,
                dilation_rate=layer.dilation_rate,
            )
            x = layer.activation(keras.ops.add(x, bias))
        else:
            x = layer(x, training=False)
        outputs.append(
            LayerOutput(layer.name, type(layer).__name__, keras.ops.convert_to_numpy(x)[0])
        )
    return Inspection(outputs[-1].values, tuple(outputs))


def predict_batch(model: keras.Model, images: np.ndarray) -> np.ndarray:
    """Return the network's probabilities for many images at once.

    Parameters
    ----------
    model : keras.Model
        The network.
    images : ndarray, shape (N, H, W, C), or (N, H, W) when C = 1
        The network's input shape (:func:`input_shape`); uint8 from 0 to 255
        (the datasets' arrays) or floats in :math:`[0, 1]`.

    Returns
    -------
    ndarray, shape (N, classes), float32
        One row of probabilities per image.

    Raises
    ------
    InputError
        ``model.error.digit_shape`` if the digit network's images are not 28×28,
        ``colour.error.input_shape`` if another network's do not fit its input.
    """
    import keras

    array = np.asarray(images)
    expected = input_shape(model)
    if not _fits(array.shape, expected, batch=True):
        raise _shape_error(expected, tuple(array.shape))
    batch = _as_batch(array, expected)
    if len(batch) == 0:
        return np.zeros((0, int(model.outputs[0].shape[-1])), np.float32)
    parts = [
        keras.ops.convert_to_numpy(model(batch[i : i + BATCH_SIZE], training=False))
        for i in range(0, len(batch), BATCH_SIZE)
    ]
    return np.concatenate(parts).astype(np.float32, copy=False)
