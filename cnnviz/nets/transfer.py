"""Transfer learning: a new network that starts from a bundled network's convolutional layers.

The course ends its lecture on CNNs with *transfer learning* ("Pretrained FC7
features"): the filters a network learned on one task are reused for another.
:func:`build_transfer_model` keeps a bundled network's convolutional layers
(the colour network's ``conv1`` ... ``pool3``, or the digit network's
``conv1`` ... ``pool2``) and adds a **new head** for the user's classes
(``head_flatten`` or ``head_pool``, then ``head_logits`` and ``head_softmax``).
The kept layers are

- **frozen** (``"frozen"``): only the head learns; the layers are features;
- **fine-tuned** (``"fine_tuned"``): every layer learns, with a learning rate
  :data:`FINE_TUNE_FACTOR` times smaller, so the learned filters move little;
- or started **from scratch** (``"scratch"``): the same architecture with
  random initial weights, the comparison that says whether the features help.

Neither bundled network has batch normalisation (the colour network ships
with it folded into its convolutions), so a frozen layer has nothing that
moves while training: its weights stay exactly as they were. The bundled
model is never changed: its layers are cloned (``keras.models.clone_model``)
and its weights copied.

Images must fit the bundled network's input: :func:`adapt_images` resizes
them (bilinear, proportions not kept) and repeats a grey channel three times
(or averages colour to grey with the luma weights for the digit network);
:func:`adaptation_steps` says which rule applied, for the page to show.
:func:`compare_runs` trains the pretrained network and the one from scratch
on the same data with the same seed, epochs and batches, through
:func:`cnnviz.nets.training.train`; :func:`verdict` reads the result.

TensorFlow is imported only inside the functions that need it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from cnnviz.i18n import InputError
from cnnviz.io.images import LUMA_WEIGHTS
from cnnviz.nets.datasets import Dataset, load_mnist_subset
from cnnviz.nets.limits import LIMITS, Limits, check_choice
from cnnviz.nets.live import Progress
from cnnviz.nets.training import RunResult, Settings, check_settings, train, usable_elsewhere
from cnnviz.nets.training_data import Prepared, prepare_data
from cnnviz.nets.zip_dataset import load_zip_dataset

if TYPE_CHECKING:  # pragma: no cover
    import keras

BASES: tuple[str, ...] = ("cifar", "mnist")
"""Bundled networks to start from: the colour network (CIFAR-10) and the digit network."""

MODES: tuple[str, ...] = ("frozen", "fine_tuned", "scratch")
"""How the kept layers start and learn (see the module's docstring)."""

PRETRAINED_MODES: tuple[str, ...] = ("frozen", "fine_tuned")
"""The modes that keep the bundled weights."""

HEADS: tuple[str, ...] = ("flatten", "average")
"""The head's first layer: ``Flatten`` (every position its own weight) or
``GlobalAveragePooling2D`` (one mean per feature map: fewer weights)."""

FEATURE_LAYER: dict[str, str] = {"cifar": "pool3", "mnist": "pool2"}
"""The last kept layer of each bundled network (its features)."""

BASE_INPUT: dict[str, tuple[int, int, int]] = {"cifar": (32, 32, 3), "mnist": (28, 28, 1)}
"""Each bundled network's input shape."""

FINE_TUNE_FACTOR = 0.1
"""Fine-tuning trains every layer with the learning rate times this."""

HEAD_NAMES: dict[str, str] = {"flatten": "head_flatten", "average": "head_pool"}
"""Name of the head's first layer, per head."""

DEMO_SAMPLES = 300
"""Training plus validation digits of the offline demo (about 30 per class)."""

DEMO_TEST = 500
"""Test digits of the offline demo."""

DEMO_VALIDATION = 0.3
"""Share of the demo's digits held out for the per-epoch curves."""


@dataclass(frozen=True)
class TransferSettings:
    """What to start from and how to train.

    Attributes
    ----------
    base : {"cifar", "mnist"}
        The bundled network whose convolutional layers are kept.
    mode : {"frozen", "fine_tuned", "scratch"}
    head : {"flatten", "average"}
    epochs, batch_size : int
    learning_rate : float
        Adam's learning rate for ``frozen`` and ``scratch``; ``fine_tuned``
        uses it times :data:`FINE_TUNE_FACTOR`.
    seed : int
        Seeds the head's (and, from scratch, every layer's) initial weights and the data's draw.
    """

    base: str = "cifar"
    mode: str = "frozen"
    head: str = "flatten"
    epochs: int = 5
    batch_size: int = 32
    learning_rate: float = 0.001
    seed: int = 0

    def training_settings(self) -> Settings:
        """Return this run's :class:`~cnnviz.nets.training.Settings` (Adam, the effective rate).

        Examples
        --------
        >>> fine = TransferSettings(mode="fine_tuned", learning_rate=0.001)
        >>> fine.training_settings().learning_rate
        0.0001
        """
        rate = self.learning_rate * (FINE_TUNE_FACTOR if self.mode == "fine_tuned" else 1.0)
        return Settings(
            optimizer="adam",
            learning_rate=round(rate, 12),
            batch_size=self.batch_size,
            epochs=self.epochs,
            seed=self.seed,
        )


def check_transfer_settings(
    settings: TransferSettings, limits: Limits = LIMITS
) -> TransferSettings:
    """Refuse a base, mode or head that does not exist, or training settings out of the limits.

    Examples
    --------
    >>> check_transfer_settings(TransferSettings(base="vgg"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: ...
    """
    check_choice("base", settings.base, BASES)
    check_choice("mode", settings.mode, MODES)
    check_choice("head", settings.head, HEADS)
    check_settings(settings.training_settings(), limits)
    return settings


# --- adapting images ---------------------------------------------------------------------


def adaptation_steps(image_shape: tuple[int, ...], base: str) -> tuple[tuple[str, dict], ...]:
    """Say how images of ``image_shape`` are adapted to ``base``'s input: catalog keys and fields.

    Parameters
    ----------
    image_shape : (H, W) or (H, W, 3)
        One image as the dataset holds it (grey without a channel axis).
    base : {"cifar", "mnist"}

    Returns
    -------
    tuple of (key, fields)
        ``transfer.adapt.resize`` (with ``source`` and ``target`` sides),
        ``transfer.adapt.grey_to_rgb``, ``transfer.adapt.rgb_to_grey``, or
        ``transfer.adapt.none`` alone when the images fit already.

    Examples
    --------
    >>> [key for key, _ in adaptation_steps((28, 28), "cifar")]
    ['transfer.adapt.resize', 'transfer.adapt.grey_to_rgb']
    >>> adaptation_steps((32, 32, 3), "cifar")
    (('transfer.adapt.none', {}),)
    """
    side, _, channels = BASE_INPUT[base]
    steps: list[tuple[str, dict]] = []
    if tuple(image_shape[:2]) != (side, side):
        source = f"{image_shape[0]}×{image_shape[1]}"
        steps.append(("transfer.adapt.resize", {"source": source, "target": f"{side}×{side}"}))
    colour = len(image_shape) == 3
    if channels == 3 and not colour:
        steps.append(("transfer.adapt.grey_to_rgb", {}))
    if channels == 1 and colour:
        steps.append(("transfer.adapt.rgb_to_grey", {}))
    return tuple(steps) or (("transfer.adapt.none", {}),)


def adapt_images(images: np.ndarray, base: str) -> np.ndarray:
    """Resize and recolour uint8 images to fit ``base``'s input.

    Parameters
    ----------
    images : ndarray, shape (N, H, W) or (N, H, W, 3), uint8
    base : {"cifar", "mnist"}

    Returns
    -------
    ndarray, uint8
        ``(N, 32, 32, 3)`` for the colour network: each image resized
        (bilinear, proportions not kept), a grey one repeated on the three
        channels. ``(N, 28, 28)`` for the digit network: colour averaged with
        the luma weights (0.299 R + 0.587 G + 0.114 B), then resized.

    Examples
    --------
    >>> adapt_images(np.full((2, 28, 28), 7, np.uint8), "cifar").shape
    (2, 32, 32, 3)
    """
    side, _, channels = BASE_INPUT[base]
    images = np.asarray(images)
    if channels == 1 and images.ndim == 4:
        grey = images.astype(np.float64) @ np.asarray(LUMA_WEIGHTS, dtype=np.float64)
        images = np.clip(np.rint(grey), 0, 255).astype(np.uint8)
    if images.shape[1:3] != (side, side):
        images = np.stack(
            [
                np.asarray(Image.fromarray(image).resize((side, side), Image.Resampling.BILINEAR))
                for image in images
            ]
        )
    if channels == 3 and images.ndim == 3:
        images = np.repeat(images[..., None], 3, axis=-1)
    return np.ascontiguousarray(images, dtype=np.uint8)


def adapt_dataset(dataset: Dataset, base: str) -> Dataset:
    """Return ``dataset`` with its images adapted to ``base`` (:func:`adapt_images`)."""
    return replace(
        dataset,
        x_train=adapt_images(dataset.x_train, base),
        x_test=adapt_images(dataset.x_test, base),
    )


def demo_data(seed: int = 0, samples: int = DEMO_SAMPLES) -> Prepared:
    """Return the offline demo's data: bundled MNIST digits adapted to the colour network.

    Digits are a task the colour network never saw (photos of objects →
    handwriting). ``samples`` digits (drawn with ``seed``) are split into
    training and :data:`DEMO_VALIDATION` held out; :data:`DEMO_TEST` digits test.

    Examples
    --------
    >>> data = demo_data(samples=50)
    >>> data.x_train.shape[1:], len(data.x_train) + len(data.x_val), len(data.x_test)
    ((32, 32, 3), 50, 500)
    """
    return prepare_data(
        adapt_dataset(load_mnist_subset(), "cifar"),
        samples=samples,
        validation_split=DEMO_VALIDATION,
        seed=seed,
        limits=replace(LIMITS, max_test_samples=DEMO_TEST),
    )


def zip_data(data: bytes, base: str, limits: Limits = LIMITS) -> Dataset:
    """Read a user's zip (one folder per class) at ``base``'s input size and colour.

    The zip reader (:func:`cnnviz.nets.zip_dataset.load_zip_dataset`, with its
    limits) resizes each image to the base's side, proportions not kept, and
    makes it colour (grey repeated) or grey (luma) as the base expects.

    Raises
    ------
    InputError
        The reader's refusals: ``train.zip.one_class``, ``train.zip.few_images``,
        ``train.zip.not_zip``...

    Examples
    --------
    >>> zip_data(b"not a zip", "cifar")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    cnnviz.i18n.InputError: This file is not a zip archive. ...
    """
    check_choice("base", base, BASES)
    side, _, channels = BASE_INPUT[base]
    return load_zip_dataset(data, side=side, color=channels == 3, limits=limits)


def prepare_transfer(
    dataset: Dataset, *, samples: int, seed: int = 0, limits: Limits = LIMITS
) -> Prepared:
    """Draw ``samples`` images, a fifth held out for the curves, pixels / 255 (as the bases)."""
    return prepare_data(dataset, samples=samples, validation_split=0.2, seed=seed, limits=limits)


# --- the network ---------------------------------------------------------------------------


def kept_layers(base: str) -> tuple[str, ...]:
    """Names of the layers kept from ``base``, in order (up to :data:`FEATURE_LAYER`).

    Examples
    --------
    >>> kept_layers("mnist")
    ('conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2')
    """
    if base == "mnist":
        return ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2")
    names = []
    for block in range(1, 4):
        for index in (2 * block - 1, 2 * block):
            names += [f"conv{index}", f"relu{index}"]
        names.append(f"pool{block}")
    return tuple(names)


def build_transfer_model(
    bundled: keras.Model, classes: int, settings: TransferSettings
) -> keras.Model:
    """Build and compile a network with ``bundled``'s kept layers and a new head.

    Parameters
    ----------
    bundled : keras.Model
        The shared bundled network of ``settings.base`` (never changed).
    classes : int
        The user's classes: the head's output size (at least 2).
    settings : TransferSettings

    Returns
    -------
    keras.Model
        Input as ``bundled``'s; layers :func:`kept_layers` (copies, with
        ``bundled``'s weights unless from scratch; not trainable when frozen),
        then ``head_flatten`` or ``head_pool``, ``head_logits`` (``classes``
        units) and ``head_softmax``. Compiled with Adam at the effective rate
        and sparse categorical cross-entropy on probabilities.

    Notes
    -----
    The head's weights and, from scratch, every kernel are drawn from Glorot
    uniform seeded with ``settings.seed`` (biases 0), so the pretrained and the
    scratch networks of one seed start with the same head.
    """
    import keras

    check_transfer_settings(settings)
    if classes < 2:
        raise InputError("transfer.error.classes", classes=classes)
    clone = keras.models.clone_model(bundled)
    names = kept_layers(settings.base)
    if settings.mode == "scratch":
        for index, name in enumerate(names):
            layer = clone.get_layer(name)
            if hasattr(layer, "kernel"):
                init = keras.initializers.GlorotUniform(seed=settings.seed * 1000 + index)
                layer.kernel.assign(init(tuple(layer.kernel.shape)))
                layer.bias.assign(np.zeros(tuple(layer.bias.shape), np.float32))
    else:
        clone.set_weights(bundled.get_weights())
    for name in names:
        clone.get_layer(name).trainable = settings.mode != "frozen"
    features = clone.get_layer(FEATURE_LAYER[settings.base]).output
    pooled = (
        keras.layers.Flatten(name=HEAD_NAMES["flatten"])
        if settings.head == "flatten"
        else keras.layers.GlobalAveragePooling2D(name=HEAD_NAMES["average"])
    )(features)
    logits = keras.layers.Dense(
        classes,
        name="head_logits",
        kernel_initializer=keras.initializers.GlorotUniform(seed=settings.seed * 1000 + 999),
    )(pooled)
    outputs = keras.layers.Activation("softmax", name="head_softmax")(logits)
    model = keras.Model(clone.input, outputs, name=f"transfer_{settings.mode}")
    model.compile(
        optimizer=keras.optimizers.Adam(settings.training_settings().learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=["accuracy"],
    )
    return model


def trainable_count(model: keras.Model) -> int:
    """Weights that training changes (Keras' trainable parameters)."""
    return int(sum(int(np.prod(w.shape)) for w in model.trainable_weights))


# --- two runs compared -------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Comparison:
    """A pretrained network and the same one from scratch, trained alike on the same data.

    Attributes
    ----------
    settings : TransferSettings
        The pretrained run's settings (the scratch run differs only in ``mode``).
    pretrained, scratch : RunResult
    model : keras.Model
        The trained pretrained network.
    trainable, params : int
        Its trainable and total weights.
    input_shape : (H, W, C)
    class_labels : tuple of str
    source : str
        Where the data came from, as the page named it.
    usable : bool
        Whether the network pages can show the pretrained network
        (:func:`cnnviz.nets.training.usable_elsewhere`).
    """

    settings: TransferSettings
    pretrained: RunResult
    scratch: RunResult
    model: Any
    trainable: int
    params: int
    input_shape: tuple[int, int, int]
    class_labels: tuple[str, ...]
    source: str
    usable: bool = False


def compare_runs(
    bundled: keras.Model,
    data: Prepared,
    settings: TransferSettings,
    *,
    class_labels: tuple[str, ...] = (),
    source: str = "",
    reporter: Callable[[int, Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> Comparison:
    """Train ``settings.mode`` and the same network from scratch, one after the other.

    Parameters
    ----------
    bundled : keras.Model
        The bundled network of ``settings.base`` (never changed).
    data : Prepared
        Images already of the base's input shape, in [0, 1].
    settings : TransferSettings
        A pretrained mode (``frozen`` or ``fine_tuned``).
    class_labels, source
        Kept in the result for the page.
    reporter : callable, optional
        Called with the leg (0: pretrained, 1: scratch) and the live :class:`Progress`.
    stop : threading.Event, optional
        Stops the current run after its batch; a later run is then not fitted.

    Returns
    -------
    Comparison
    """
    if settings.mode not in PRETRAINED_MODES:
        raise InputError("transfer.error.mode", mode=settings.mode)
    if data.input_shape != BASE_INPUT[settings.base]:
        raise InputError(
            "transfer.error.shape", shape=data.input_shape, expected=BASE_INPUT[settings.base]
        )
    results, models = [], []
    for leg, mode in enumerate((settings.mode, "scratch")):
        model = build_transfer_model(bundled, data.classes, replace(settings, mode=mode))
        report = None if reporter is None else (lambda p, leg=leg: reporter(leg, p))
        result = train(model, data, settings.training_settings(), reporter=report, stop=stop)
        results.append(result)
        models.append(model)
        if result.interrupted is not None:
            raise result.interrupted
    return Comparison(
        settings=settings,
        pretrained=results[0],
        scratch=results[1],
        model=models[0],
        trainable=trainable_count(models[0]),
        params=int(models[0].count_params()),
        input_shape=data.input_shape,
        class_labels=tuple(class_labels),
        source=source,
        usable=usable_elsewhere(data),
    )


def verdict(pretrained: RunResult, scratch: RunResult, margin: float = 0.02) -> tuple[str, dict]:
    """Read two runs' test accuracies: did the pretrained features help? A catalog key and fields.

    Parameters
    ----------
    pretrained, scratch : RunResult
    margin : float, default 0.02
        Differences within this are read as "about the same" (a few test
        images either way).

    Returns
    -------
    (str, dict)
        ``transfer.verdict.helped``, ``.hurt`` or ``.same``, with fields
        ``pretrained``, ``scratch`` (accuracies in percent, one decimal),
        ``points`` (their difference, in percentage points) and ``first``,
        ``first_scratch`` (validation accuracy after the first epoch, percent).
    """
    difference = pretrained.test_accuracy - scratch.test_accuracy
    key = "same" if abs(difference) <= margin else ("helped" if difference > 0 else "hurt")
    return f"transfer.verdict.{key}", {
        "pretrained": round(100 * pretrained.test_accuracy, 1),
        "scratch": round(100 * scratch.test_accuracy, 1),
        "points": round(100 * abs(difference), 1),
        "first": round(100 * first_epoch_accuracy(pretrained), 1),
        "first_scratch": round(100 * first_epoch_accuracy(scratch), 1),
    }


def first_epoch_accuracy(result: RunResult) -> float:
    """Return the validation accuracy at the end of the first epoch (NaN if none finished)."""
    val = result.history["val_accuracy"].dropna()
    return float(val.iloc[0]) if len(val) else float("nan")
