r"""The bundled colour network: a small VGG-style CNN for CIFAR-10's 32×32 RGB images.

Three blocks of two 3×3 convolutions (32, 64 and 128 filters, "same"
padding), each convolution followed by its ReLU and each block by a 2×2 max
pooling, then flatten, dropout and a dense layer of ten logits and a softmax
(:func:`build_cifar_model`). As in the digit network (:mod:`cnnviz.nets.model`),
ReLU and softmax are layers of their own, so a page can show a map before and
after its ReLU and saliency methods can differentiate the logits.

It is *trained* with batch normalisation after each convolution
(``build_cifar_model(batch_norm=True)``), which lets a network this deep learn
in a few epochs, and *shipped* without it: :func:`fold_batch_norm` folds each
normalisation into the convolution before it, so the bundled network
(``assets/models/cifar_cnn.weights.h5``, written by ``scripts/train_cifar.py``;
``assets/models/CIFAR_MODEL_CARD.md`` says how it was trained and how well it
does) is plain convolutions, ReLUs and poolings whose every number the stage
can show.

TensorFlow is imported only inside the functions that need it.

Notes
-----
In inference, batch normalisation after a convolution :math:`z = W \star x + b`
computes, per output channel :math:`f`,

.. math:: \mathrm{BN}(z)_f = \gamma_f \frac{z_f - \mu_f}{\sqrt{\sigma^2_f + \epsilon}} + \beta_f
          = (s_f W_f) \star x + s_f (b_f - \mu_f) + \beta_f,
          \qquad s_f = \frac{\gamma_f}{\sqrt{\sigma^2_f + \epsilon}},

which is one convolution with kernel :math:`s_f W_f` and bias
:math:`s_f (b_f - \mu_f) + \beta_f`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from cnnviz.nets.model import with_weights

if TYPE_CHECKING:
    import keras

CIFAR_WEIGHTS_PATH = (
    Path(__file__).resolve().parents[2] / "assets" / "models" / "cifar_cnn.weights.h5"
)
"""The bundled colour network's weights (Keras' ``.weights.h5``, batch norm folded)."""

CIFAR_CLASSES: tuple[str, ...] = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
"""CIFAR-10's classes in the order of the network's outputs (Keras' label order)."""

CIFAR_INPUT_SHAPE: tuple[int, int, int] = (32, 32, 3)
"""The network's input: 32×32 RGB, channels last, floats in [0, 1]."""

BLOCK_FILTERS: tuple[int, ...] = (32, 64, 128)
"""Filters of the two convolutions of each block."""

CIFAR_DROPOUT_RATE = 0.3
"""Dropout before the dense layer, active only while training."""


def conv_names() -> tuple[str, ...]:
    """Return the convolutions' names in order: ``conv1`` to ``conv6``."""
    return tuple(f"conv{i + 1}" for i in range(2 * len(BLOCK_FILTERS)))


def build_cifar_model(*, batch_norm: bool = False) -> keras.Model:
    """Build the untrained colour network.

    Parameters
    ----------
    batch_norm : bool, default False
        True for the network as trained: each convolution (without bias) is
        followed by a ``BatchNormalization`` layer ``bn1`` ... ``bn6``. False
        for the network as shipped, whose convolutions have a bias instead
        (:func:`fold_batch_norm` maps one onto the other).

    Returns
    -------
    keras.Model
        Input ``(32, 32, 3)`` floats in :math:`[0, 1]`; output ten
        probabilities. Layer names: ``conv1, relu1, conv2, relu2, pool1,
        conv3, relu3, conv4, relu4, pool2, conv5, relu5, conv6, relu6, pool3,
        flatten, dropout, logits, softmax``.

    Notes
    -----
    Shapes: 32×32×3 → conv1, conv2 32×32×32 → pool1 16×16×32 → conv3, conv4
    16×16×64 → pool2 8×8×64 → conv5, conv6 8×8×128 → pool3 4×4×128 → flatten
    2,048 → logits 10. Parameters (shipped): 896 + 9,248 + 18,496 + 36,928 +
    73,856 + 147,584 + 20,490 = 307,498.
    """
    import keras  # lazy: TensorFlow loads with it
    from keras import layers

    inputs = keras.Input(shape=CIFAR_INPUT_SHAPE, name="image")
    x = inputs
    number = 0
    for block, filters in enumerate(BLOCK_FILTERS, start=1):
        for _ in range(2):
            number += 1
            x = layers.Conv2D(
                filters, 3, padding="same", use_bias=not batch_norm, name=f"conv{number}"
            )(x)
            if batch_norm:
                x = layers.BatchNormalization(name=f"bn{number}")(x)
            x = layers.Activation("relu", name=f"relu{number}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{block}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(CIFAR_DROPOUT_RATE, name="dropout")(x)
    x = layers.Dense(len(CIFAR_CLASSES), name="logits")(x)
    outputs = layers.Activation("softmax", name="softmax")(x)
    return keras.Model(inputs, outputs, name="cifar_cnn" + ("_bn" if batch_norm else ""))


def fold_batch_norm(trained: keras.Model) -> keras.Model:
    r"""Return the shipped network computing what ``trained`` computes in inference.

    Parameters
    ----------
    trained : keras.Model
        A ``build_cifar_model(batch_norm=True)`` network.

    Returns
    -------
    keras.Model
        A ``build_cifar_model()`` network whose convolution ``conv{i}`` has
        kernel :math:`s \odot W` and bias :math:`\beta - s\mu`, with
        :math:`s = \gamma / \sqrt{\sigma^2 + \epsilon}` from ``bn{i}`` (see the
        module's notes); the dense layer is copied.
    """
    folded = build_cifar_model()
    for index, name in enumerate(conv_names(), start=1):
        (kernel,) = trained.get_layer(name).get_weights()
        norm = trained.get_layer(f"bn{index}")
        gamma, beta, mean, variance = (np.asarray(w, np.float64) for w in norm.get_weights())
        scale = gamma / np.sqrt(variance + norm.epsilon)
        folded.get_layer(name).set_weights(
            [
                (kernel.astype(np.float64) * scale).astype(np.float32),
                (beta - scale * mean).astype(np.float32),
            ]
        )
    folded.get_layer("logits").set_weights(trained.get_layer("logits").get_weights())
    return folded


def load_cifar_model(path: Path | str = CIFAR_WEIGHTS_PATH) -> keras.Model:
    """Build the shipped colour network and load its trained weights.

    Parameters
    ----------
    path : Path or str, default :data:`CIFAR_WEIGHTS_PATH`
        A ``.weights.h5`` file written by ``scripts/train_cifar.py``.

    Returns
    -------
    keras.Model
        The trained network. Cache it once per server and never mutate it.

    Raises
    ------
    FileNotFoundError
        If the file is missing: rebuild it with ``python scripts/train_cifar.py``.
    """
    return with_weights(build_cifar_model, path, "scripts/train_cifar.py")
