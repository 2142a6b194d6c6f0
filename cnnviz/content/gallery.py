"""The classic architectures the gallery shows, and the preset networks the training page trains.

Each is a spec (:mod:`cnnviz.core.spec`): LeNet-5, AlexNet, VGG, ResNet,
an inception block and a small U-Net, with the totals their papers (or
Keras' ``applications``) give; the course's MNIST network and two other
small presets for training.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cnnviz.core.spec import INPUT_NAME, Spec, conv_layer
from cnnviz.i18n import InputError


def _imagenet_head(hidden: tuple[str, ...], output: str, *, dropout: bool = False) -> Spec:
    """Return AlexNet's and VGG's classifier: flatten, dense 4096 ReLU layers, a 1000-way softmax.

    With ``dropout``, each hidden layer ``fcN`` is followed by a ``dropN`` of rate 0.5 (AlexNet).
    """
    spec: Spec = [{"type": "Flatten", "name": "flatten"}]
    for name in hidden:
        spec.append({"type": "Dense", "name": name, "units": 4096, "activation": "relu"})
        if dropout:
            spec.append({"type": "Dropout", "name": name.replace("fc", "drop"), "rate": 0.5})
    spec.append({"type": "Dense", "name": output, "units": 1000, "activation": "softmax"})
    return spec


def lenet5() -> Spec:
    """Return LeNet-5 (LeCun et al., 1998) as a spec, for a 32x32x1 input.

    Returns
    -------
    list of dict
        C1 (6 5x5, tanh), S2 (average pool 2), C3 (16 5x5), S4, C5 (120 5x5, a
        convolution that leaves 1x1), F6 (84, tanh) and a 10-way softmax: 61,706
        parameters. C3 connects to all of S2's maps (the paper's partial table
        is left out) and the output is a softmax, not RBF units.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(lenet5(), (32, 32, 1)).params
    61706
    """
    return [
        conv_layer("c1", 6, 5, activation="tanh"),
        {"type": "AveragePooling2D", "name": "s2", "pool_size": 2},
        conv_layer("c3", 16, 5, activation="tanh"),
        {"type": "AveragePooling2D", "name": "s4", "pool_size": 2},
        conv_layer("c5", 120, 5, activation="tanh"),
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "f6", "units": 84, "activation": "tanh"},
        {"type": "Dense", "name": "output", "units": 10, "activation": "softmax"},
    ]


def alexnet() -> Spec:
    """Return AlexNet (Krizhevsky et al., 2012) as one stream, for a 227x227x3 input.

    Returns
    -------
    list of dict
        Five convolutions (96 11x11/4, 256 5x5, 384, 384, 256 3x3), three max
        pools 3x3/2, two dense 4096 with dropout and a 1000-way softmax:
        62,378,344 parameters (the often quoted 62.3 million). The paper split
        conv2, conv4 and conv5 over two GPUs (about 61 million); local response
        normalisation is left out (it has no parameters).

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(alexnet(), (227, 227, 3)).params
    62378344
    """
    pool = {"type": "MaxPooling2D", "pool_size": 3, "strides": 2}
    return [
        conv_layer("conv1", 96, 11, strides=4, activation="relu"),
        {**pool, "name": "pool1"},
        conv_layer("conv2", 256, 5, padding="same", activation="relu"),
        {**pool, "name": "pool2"},
        conv_layer("conv3", 384, 3, padding="same", activation="relu"),
        conv_layer("conv4", 384, 3, padding="same", activation="relu"),
        conv_layer("conv5", 256, 3, padding="same", activation="relu"),
        {**pool, "name": "pool5"},
        *_imagenet_head(("fc6", "fc7"), "fc8", dropout=True),
    ]


def vgg(depth: int = 16) -> Spec:
    """Return VGG-16 or VGG-19 (Simonyan and Zisserman, 2014) as Keras' ``applications`` build it.

    Parameters
    ----------
    depth : {16, 19}, default 16
        Weight layers.

    Returns
    -------
    list of dict
        Keras' layer names (``block1_conv1``... ``fc1``, ``fc2``, ``predictions``),
        for a 224x224x3 input: 138,357,544 and 143,667,240 parameters.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(vgg(19), (224, 224, 3)).params
    143667240
    """
    convs = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}.get(depth)
    if convs is None:
        raise InputError("error.arch_vgg_depth", value=depth)
    spec: Spec = []
    for block, (count, filters) in enumerate(
        zip(convs, (64, 128, 256, 512, 512), strict=True), start=1
    ):
        for i in range(1, count + 1):
            spec.append(
                conv_layer(f"block{block}_conv{i}", filters, 3, padding="same", activation="relu")
            )
        spec.append({"type": "MaxPooling2D", "name": f"block{block}_pool", "pool_size": 2})
    return [
        *spec,
        *_imagenet_head(("fc1", "fc2"), "predictions"),
    ]


def resnet(depth: int = 18) -> Spec:
    """Return ResNet-18 or ResNet-34 (He et al., 2016) with basic blocks, as torchvision builds it.

    Parameters
    ----------
    depth : {18, 34}, default 18
        Weight layers.

    Returns
    -------
    list of dict
        For a 224x224x3 input: a 7x7/2 convolution, a 3x3/2 max pool, stages of
        (2, 2, 2, 2) or (3, 4, 6, 3) basic blocks (two 3x3 convolutions without
        bias, each followed by batch normalisation; a 1x1 projection with batch
        normalisation on the shortcut when the size or width changes), global
        average pooling and a 1000-way softmax. Keras' layer naming
        (``conv2_block1_1_conv``...). Trainable parameters equal torchvision's
        11,689,512 and 21,797,672; Keras also counts the batch normalisations'
        moving statistics, for 11,699,112 and 21,814,696 in all.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> s = summarize(resnet(18), (224, 224, 3))
    >>> s.trainable_params, s.output_shape
    (11689512, (1000,))
    """
    stages = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}.get(depth)
    if stages is None:
        raise InputError("error.arch_resnet_depth", value=depth)
    spec: Spec = [
        {"type": "ZeroPadding2D", "name": "conv1_pad", "padding": 3},
        conv_layer("conv1_conv", 64, 7, strides=2, use_bias=False),
        {"type": "BatchNormalization", "name": "conv1_bn", "epsilon": 1e-5},
        {"type": "Activation", "name": "conv1_relu", "activation": "relu"},
        {"type": "ZeroPadding2D", "name": "pool1_pad", "padding": 1},
        {"type": "MaxPooling2D", "name": "pool1_pool", "pool_size": 3, "strides": 2},
    ]
    previous, width = "pool1_pool", 64
    for stage, (blocks, filters) in enumerate(
        zip(stages, (64, 128, 256, 512), strict=True), start=2
    ):
        for block in range(1, blocks + 1):
            p = f"conv{stage}_block{block}_"
            stride = 2 if block == 1 and stage > 2 else 1
            spec += [
                conv_layer(
                    p + "1_conv",
                    filters,
                    3,
                    strides=stride,
                    padding="same",
                    use_bias=False,
                    inputs=[previous],
                ),
                {"type": "BatchNormalization", "name": p + "1_bn", "epsilon": 1e-5},
                {"type": "Activation", "name": p + "1_relu", "activation": "relu"},
                conv_layer(p + "2_conv", filters, 3, padding="same", use_bias=False),
                {"type": "BatchNormalization", "name": p + "2_bn", "epsilon": 1e-5},
            ]
            shortcut = previous
            if stride != 1 or width != filters:
                spec += [
                    conv_layer(
                        p + "0_conv", filters, 1, strides=stride, use_bias=False, inputs=[previous]
                    ),
                    {"type": "BatchNormalization", "name": p + "0_bn", "epsilon": 1e-5},
                ]
                shortcut = p + "0_bn"
            spec += [
                {"type": "Add", "name": p + "add", "inputs": [p + "2_bn", shortcut]},
                {"type": "Activation", "name": p + "out", "activation": "relu"},
            ]
            previous, width = p + "out", filters
    return [
        *spec,
        {"type": "GlobalAveragePooling2D", "name": "avg_pool"},
        {"type": "Dense", "name": "predictions", "units": 1000, "activation": "softmax"},
    ]


def inception_3a() -> Spec:
    """Return GoogLeNet's (Szegedy et al., 2015) inception block 3a, for a 28x28x192 input.

    Returns
    -------
    list of dict
        Four branches concatenated: 1x1 (64); 1x1 (96) then 3x3 (128); 1x1 (16)
        then 5x5 (32); 3x3 max pool then 1x1 (32). Output 28x28x256; 163,696
        parameters with biases (163,328 weights, the paper's "159K" in units of
        1024) and 128,049,152 MACs (the paper's "128M" operations).

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> s = summarize(inception_3a(), (28, 28, 192))
    >>> s.output_shape, s.params, s.macs
    ((28, 28, 256), 163696, 128049152)
    """
    p = "inception_3a_"

    def conv(name: str, filters: int, kernel: int, source: str) -> dict[str, Any]:
        return conv_layer(
            p + name, filters, kernel, padding="same", activation="relu", inputs=[source]
        )

    return [
        conv("1x1", 64, 1, INPUT_NAME),
        conv("3x3_reduce", 96, 1, INPUT_NAME),
        conv("3x3", 128, 3, p + "3x3_reduce"),
        conv("5x5_reduce", 16, 1, INPUT_NAME),
        conv("5x5", 32, 5, p + "5x5_reduce"),
        {
            "type": "MaxPooling2D",
            "name": p + "pool",
            "pool_size": 3,
            "strides": 1,
            "padding": "same",
            "inputs": [INPUT_NAME],
        },
        conv("pool_proj", 32, 1, p + "pool"),
        {
            "type": "Concatenate",
            "name": p + "output",
            "inputs": [p + "1x1", p + "3x3", p + "5x5", p + "pool_proj"],
        },
    ]


def small_unet(base: int = 16, depth: int = 2, channels_out: int = 1) -> Spec:
    """Return a small U-Net (after Ronneberger et al., 2015), for e.g. a 64x64x1 input.

    Parameters
    ----------
    base : int, default 16
        Filters of the first level; each level down doubles them.
    depth : int, default 2
        Poolings down (and transposed convolutions back up).
    channels_out : int, default 1
        Channels of the output mask (sigmoid).

    Returns
    -------
    list of dict
        Two 3x3 "same" ReLU convolutions per level, 2x2 max pools down, 2x2/2
        transposed convolutions up, each concatenated with the level's encoder
        output (the skip connection), and a 1x1 output convolution. The default
        has 116,753 parameters; the output has the input's rows and columns.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(small_unet(), (64, 64, 1)).output_shape
    (64, 64, 1)
    """
    spec: Spec = []
    skips = []

    def double(prefix: str, filters: int, source: str | None = None) -> None:
        first = conv_layer(prefix + "_conv1", filters, 3, padding="same", activation="relu")
        if source is not None:
            first["inputs"] = [source]
        spec.extend(
            [first, conv_layer(prefix + "_conv2", filters, 3, padding="same", activation="relu")]
        )

    for level in range(1, depth + 1):
        double(f"enc{level}", base * 2 ** (level - 1))
        skips.append(f"enc{level}_conv2")
        spec.append({"type": "MaxPooling2D", "name": f"pool{level}", "pool_size": 2})
    double("bottleneck", base * 2**depth)
    for level in range(depth, 0, -1):
        filters = base * 2 ** (level - 1)
        spec.append(
            {
                "type": "Conv2DTranspose",
                "name": f"up{level}",
                "filters": filters,
                "kernel_size": 2,
                "strides": 2,
            }
        )
        spec.append(
            {
                "type": "Concatenate",
                "name": f"concat{level}",
                "inputs": [f"up{level}", skips[level - 1]],
            }
        )
        double(f"dec{level}", filters)
    spec.append(conv_layer("mask", channels_out, 1, activation="sigmoid"))
    return spec


def course_mnist(classes: int = 10) -> Spec:
    """Return the course's MNIST network: three 3x3 ReLU convolutions, each max-pooled, a softmax.

    Parameters
    ----------
    classes : int, default 10
        Units of the softmax.

    Returns
    -------
    list of dict
        32, 64 and 128 filters of 3x3 with ``"valid"`` padding, each followed by a
        2x2 max pooling; flatten; a ``classes``-way softmax. On 28x28x1:
        26 → 13 → 11 → 5 → 3 → 1, 93,962 parameters. The course trains it with
        SGD, learning rate 0.01 and batches of 32 (:data:`cnnviz.nets.training.COURSE_SETTINGS`).

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(course_mnist(), (28, 28, 1)).params
    93962
    """
    spec: Spec = []
    for index, filters in enumerate((32, 64, 128), start=1):
        spec.append(
            {
                "type": "Conv2D",
                "name": f"conv{index}",
                "filters": filters,
                "kernel_size": 3,
                "padding": "valid",
                "activation": "relu",
            }
        )
        spec.append({"type": "MaxPooling2D", "name": f"pool{index}", "pool_size": 2})
    return [
        *spec,
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "output", "units": classes, "activation": "softmax"},
    ]


def lenet5_1998(classes: int = 10) -> Spec:
    """Return LeNet-5 as in 1998 for a 28x28 digit: sigmoid units and average pooling.

    The paper padded MNIST's 28x28 digits to 32x32; a ``"same"`` first
    convolution does the same here, so every later shape is the paper's
    (C1 28x28x6, S2 14x14x6, C3 10x10x16, S4 5x5x16, C5 1x1x120, F6 84). The
    paper's squashing function was a scaled tanh; the sigmoid is what the
    course uses. C3 connects to all of S2's maps and the output is a softmax.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(lenet5_1998(), (28, 28, 1)).params
    61706
    """
    return [
        {"type": "Conv2D", "name": "c1", "filters": 6, "kernel_size": 5, "padding": "same",
         "activation": "sigmoid"},
        {"type": "AveragePooling2D", "name": "s2", "pool_size": 2},
        {"type": "Conv2D", "name": "c3", "filters": 16, "kernel_size": 5, "activation": "sigmoid"},
        {"type": "AveragePooling2D", "name": "s4", "pool_size": 2},
        {"type": "Conv2D", "name": "c5", "filters": 120, "kernel_size": 5,
         "activation": "sigmoid"},
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "f6", "units": 84, "activation": "sigmoid"},
        {"type": "Dense", "name": "output", "units": classes, "activation": "softmax"},
    ]  # fmt: skip


def tiny_vgg(classes: int = 10) -> Spec:
    """Return a tiny VGG: two blocks of two 3x3 ``"same"`` convolutions and a max pooling.

    16 then 32 filters, a dense layer of 64 with dropout 0.5, a softmax.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(tiny_vgg(), (28, 28, 1)).params
    117434
    """
    spec: Spec = []
    for block, filters in ((1, 16), (2, 32)):
        for conv in (1, 2):
            spec.append(_relu_conv3(f"block{block}_conv{conv}", filters))
        spec.append({"type": "MaxPooling2D", "name": f"block{block}_pool", "pool_size": 2})
    return [*spec, *_dense_head(64, classes, dropout=0.5)]


def _relu_conv3(name: str, filters: int, padding: str = "same") -> dict[str, Any]:
    """Return a 3x3 ReLU convolution layer."""
    return {"type": "Conv2D", "name": name, "filters": filters, "kernel_size": 3,
            "padding": padding, "activation": "relu"}  # fmt: skip


def _dense_head(
    units: int, classes: int, *, dropout: float = 0.0, dropout_name: str = "dropout"
) -> Spec:
    """Flatten, a ReLU dense layer ``fc`` (then dropout, when ``dropout``), a softmax ``output``."""
    head: Spec = [
        {"type": "Flatten", "name": "flatten"},
        {"type": "Dense", "name": "fc", "units": units, "activation": "relu"},
    ]
    if dropout:
        head.append({"type": "Dropout", "name": dropout_name, "rate": dropout})
    head.append({"type": "Dense", "name": "output", "units": classes, "activation": "softmax"})
    return head


def course_cifar(classes: int = 10) -> Spec:
    """Return the network of the course's CIFAR-10 exercise: Keras' classic CIFAR-10 example.

    The course's guided exercise (slides ``002``) gives no network of its own;
    it follows the ``cifar10_cnn.py`` example of the Keras repository: two
    blocks of a 3x3 ``"same"`` then a 3x3 ``"valid"`` ReLU convolution (32,
    then 64 filters), each max-pooled with dropout 0.25; a dense layer of 512
    ReLU units with dropout 0.5; a softmax. The example's separate
    ``Activation`` layers are folded into the convolutions and the dense layer
    (the same function and weights).

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> s = summarize(course_cifar(), (32, 32, 3))
    >>> s.params, s.layers[6].output_shape  # 1,250,858 as the example's model.summary()
    (1250858, (6, 6, 64))
    """
    spec: Spec = []
    for block, filters in ((1, 32), (2, 64)):
        for index, padding in ((1, "same"), (2, "valid")):
            spec.append(_relu_conv3(f"conv{2 * block - 2 + index}", filters, padding))
        spec.append({"type": "MaxPooling2D", "name": f"pool{block}", "pool_size": 2})
        spec.append({"type": "Dropout", "name": f"dropout{block}", "rate": 0.25})
    return [*spec, *_dense_head(512, classes, dropout=0.5, dropout_name="dropout3")]


def quick_cifar(classes: int = 10) -> Spec:
    """Return a small colour network that learns CIFAR-10 in seconds: the live demo's.

    Three 3x3 ``"same"`` ReLU convolutions (16, 32, 64 filters), each
    max-pooled (32 → 16 → 8 → 4), a dense layer of 64 ReLU units, a softmax:
    about 2.8 million multiply-adds an image, a seventh of :func:`course_cifar`'s.

    Examples
    --------
    >>> from cnnviz.core.architectures import summarize
    >>> summarize(quick_cifar(), (32, 32, 3)).params
    89834
    """
    spec: Spec = []
    for index, filters in enumerate((16, 32, 64), start=1):
        spec.append(_relu_conv3(f"conv{index}", filters))
        spec.append({"type": "MaxPooling2D", "name": f"pool{index}", "pool_size": 2})
    return [*spec, *_dense_head(64, classes)]


PRESETS: Mapping[str, Callable[[int], Spec]] = {
    "course": course_mnist,
    "lenet5": lenet5_1998,
    "tiny_vgg": tiny_vgg,
    "course_cifar": course_cifar,
    "quick_cifar": quick_cifar,
}
"""Preset networks by id; each takes the number of classes."""


@dataclass(frozen=True)
class Architecture:
    """A classic architecture: how to build its spec, its input and its expected size.

    Attributes
    ----------
    key : str
        Its key in :data:`ARCHITECTURES`; ``arch.<key>.title`` and
        ``arch.<key>.note`` are its name and the variant and source, translated.
    build : callable
        Returns a fresh spec.
    input_shape : tuple of int
        The input it was designed for.
    params, trainable_params : int
        Expected totals (Keras' count; see the note for the source).
    """

    key: str
    build: Callable[[], Spec]
    input_shape: tuple[int, ...]
    params: int
    trainable_params: int

    @property
    def title_key(self) -> str:
        """Catalog key of its name."""
        return f"arch.{self.key}.title"

    @property
    def note_key(self) -> str:
        """Catalog key of its variant and source."""
        return f"arch.{self.key}.note"

    def spec(self) -> Spec:
        """Return a fresh copy of its spec."""
        return self.build()


ARCHITECTURES: Mapping[str, Architecture] = {
    a.key: a
    for a in (
        Architecture("lenet5", lenet5, (32, 32, 1), 61_706, 61_706),
        Architecture("alexnet", alexnet, (227, 227, 3), 62_378_344, 62_378_344),
        Architecture("vgg16", lambda: vgg(16), (224, 224, 3), 138_357_544, 138_357_544),
        Architecture("vgg19", lambda: vgg(19), (224, 224, 3), 143_667_240, 143_667_240),
        Architecture("resnet18", lambda: resnet(18), (224, 224, 3), 11_699_112, 11_689_512),
        Architecture("resnet34", lambda: resnet(34), (224, 224, 3), 21_814_696, 21_797_672),
        Architecture("inception_3a", inception_3a, (28, 28, 192), 163_696, 163_696),
        Architecture("small_unet", small_unet, (64, 64, 1), 116_753, 116_753),
    )
}
"""The classic architectures by key, in teaching order."""
