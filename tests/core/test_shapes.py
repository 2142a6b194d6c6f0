"""Tests of cnnviz.core.shapes: hand-computed sizes, Keras' shape arithmetic, receptive fields."""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from cnnviz.core import shapes
from cnnviz.core.conv import conv1d
from cnnviz.core.shapes import ReceptiveField
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable, keras_steps

PROPERTY = settings(max_examples=50, deadline=None)


# --- hand-computed values ---------------------------------------------------------------


def test_course_5x7_padding_1_stride_2_gives_3x4():
    # floor((I - k + p + s) / s) with p = 2 cells in total: (5-3+2+2)/2 = 3, (7-3+2+2)/2 = 4.
    assert shapes.conv_output_length(5, 3, strides=2, padding=1) == 3
    assert shapes.conv_output_length(7, 3, strides=2, padding=1) == 4
    assert shapes.conv_output_hw((5, 7), 3, strides=2, padding=1) == (3, 4)
    assert shapes.conv_output_hw((5, 7), 3, strides=2, padding=((1, 1), (1, 1))) == (3, 4)
    assert shapes.conv_output_shape((5, 7), filters=1, kernel_size=3, strides=2, padding=1) == (
        3,
        4,
        1,
    )
    assert shapes.padding_amounts_2d((5, 7), 3, padding=1) == ((1, 1), (1, 1))


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((6, 3), {"padding": "valid"}, (0, 0)),
        ((6, 3), {"padding": "same"}, (1, 1)),
        # Even kernel: total 3, the extra cell goes after (bottom/right), as in TensorFlow.
        ((6, 4), {"padding": "same"}, (1, 2)),
        # Stride 2: O = ceil(5/2) = 3, total = (3-1)*2 + 3 - 5 = 2.
        ((5, 3), {"strides": 2, "padding": "same"}, (1, 1)),
        # O = ceil(6/2) = 3, total = (3-1)*2 + 3 - 6 = 1: only after.
        ((6, 3), {"strides": 2, "padding": "same"}, (0, 1)),
        ((6, 1), {"strides": 2, "padding": "same"}, (0, 0)),
        # Dilation 2 spans 5 cells: same pads 2 + 2, full pads 4 + 4.
        ((6, 3), {"padding": "same", "dilation_rate": 2}, (2, 2)),
        ((6, 3), {"padding": "full"}, (2, 2)),
        ((6, 3), {"padding": "full", "dilation_rate": 2}, (4, 4)),
        ((6, 3), {"padding": 2}, (2, 2)),
        ((6, 3), {"padding": (1, 3)}, (1, 3)),
        ((6, 3), {"padding": [0, 2]}, (0, 2)),
        ((6, 3), {"padding": np.int64(1)}, (1, 1)),
    ],
)
def test_padding_amounts(args, kwargs, expected):
    assert shapes.padding_amounts(*args, **kwargs) == expected


def test_padding_amounts_2d_per_axis():
    assert shapes.padding_amounts_2d((6, 6), (2, 3), strides=2, padding="same") == ((0, 0), (0, 1))
    # (rows, cols) on each side, and explicit ((top, bottom), (left, right)).
    assert shapes.padding_amounts_2d((4, 4), 3, padding=(1, 2)) == ((1, 1), (2, 2))
    assert shapes.padding_amounts_2d((4, 4), 3, padding=((0, 1), (2, 3))) == ((0, 1), (2, 3))
    assert shapes.padding_amounts_2d((4, 4), 3, padding=[[0, 1], [2, 3]]) == ((0, 1), (2, 3))
    assert shapes.padding_amounts_2d((4, 9), (1, 3), padding="full", dilation_rate=(1, 3)) == (
        (0, 0),
        (6, 6),
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((28, 3), {}, 26),
        ((28, 3), {"padding": "same"}, 28),
        ((28, 3), {"padding": "full"}, 30),
        ((10, 3), {"strides": 3}, 3),  # floor((10 - 3) / 3) + 1
        ((10, 3), {"strides": 3, "padding": "same"}, 4),  # ceil(10 / 3)
        ((7, 3), {"dilation_rate": 2}, 3),  # spans 5 cells
        ((7, 3), {"dilation_rate": 3}, 1),  # spans 7 cells: exactly one window
        ((7, 7), {}, 1),
        ((1, 1), {"strides": 3}, 1),
        ((5, 2), {"padding": (0, 1), "strides": 2}, 3),  # (5 + 1 - 2) // 2 + 1
    ],
)
def test_conv_output_length(args, kwargs, expected):
    assert shapes.conv_output_length(*args, **kwargs) == expected


def test_effective_kernel_size_and_as_pair():
    assert shapes.effective_kernel_size(3, 2) == 5
    assert shapes.effective_kernel_size(1, 5) == 1
    assert shapes.effective_kernel_size(5) == 5
    assert shapes.as_pair(3, "kernel_size") == (3, 3)
    assert shapes.as_pair((1, 2), "strides") == (1, 2)
    assert shapes.as_pair([4, 5], "strides") == (4, 5)
    assert shapes.as_pair(np.int64(2), "strides") == (2, 2)


def test_conv_output_shape():
    assert shapes.conv_output_shape((28, 28, 1), filters=32, kernel_size=3) == (26, 26, 32)
    assert shapes.conv_output_shape((28, 28), filters=6, kernel_size=5, padding="same") == (
        28,
        28,
        6,
    )
    assert shapes.conv_output_shape((9, 8, 3), filters=2, kernel_size=(3, 2), strides=(2, 3)) == (
        4,
        3,
        2,
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (((4, 4), 2), {}, (2, 2)),
        (((5, 5, 3), 2), {}, (2, 2, 3)),
        (((5, 5, 3), 2), {"padding": "same"}, (3, 3, 3)),
        (((7, 7), 3), {"strides": 2}, (3, 3)),
        (((28, 28, 32), 2), {}, (14, 14, 32)),
        (((6, 9), (2, 3)), {}, (3, 3)),
        (((6, 9), (2, 3)), {"strides": 1}, (5, 7)),
    ],
)
def test_pool_output_shape(args, kwargs, expected):
    assert shapes.pool_output_shape(*args, **kwargs) == expected


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        ((4, 3), {"strides": 2}, 9),  # (4 - 1) * 2 + 3
        ((4, 3), {"strides": 2, "padding": "same"}, 8),
        ((4, 3), {}, 6),
        ((4, 1), {"strides": 3}, 12),  # kernel shorter than the stride: zeros in between
        ((4, 3), {"dilation_rate": 2}, 8),  # spans 5 cells
        ((1, 4), {"strides": 2, "padding": "same"}, 2),
    ],
)
def test_conv_transpose_output_length(args, kwargs, expected):
    assert shapes.conv_transpose_output_length(*args, **kwargs) == expected


def test_conv_params_and_dense_params():
    # A 5x5 filter over an RGB input has 5*5*3 weights, not 5*5.
    assert shapes.conv_params(5, 3, 1, use_bias=False) == 75
    assert shapes.conv_params(3, 1, 32) == 320
    assert shapes.conv_params((3, 5), 2, 4) == 3 * 5 * 2 * 4 + 4
    assert shapes.conv_params(5, 6, 16) == 2416  # LeNet-5's second convolution
    assert shapes.dense_params(3 * 3 * 128, 10) == 11530
    assert shapes.dense_params(84, 10, use_bias=False) == 840


def test_receptive_field_by_hand():
    sizes = [f.size for f in shapes.receptive_field([{"kernel_size": 3}] * 3, input_length=28)]
    assert sizes == [3, 5, 7]
    assert shapes.receptive_field([{"kernel_size": 3}, {"pool_size": 2}], input_length=28) == (
        ReceptiveField(size=3, jump=1, start=1.0, length=26),
        ReceptiveField(size=4, jump=2, start=1.5, length=13),
    )
    # A dilated 3-tap kernel spans 5 cells; "same" keeps the first field centred on cell 0.
    assert shapes.receptive_field(
        [{"kernel_size": 3, "dilation_rate": 2, "padding": "same"}], input_length=10
    ) == (ReceptiveField(size=5, jump=1, start=0.0, length=10),)
    # Stride 2, then a 3-tap kernel: 3 + 2 * 2 = 7 cells, 2 apart.
    assert shapes.receptive_field(
        [{"kernel_size": 3, "strides": 2}, {"kernel_size": 3}], input_length=11
    ) == (
        ReceptiveField(size=3, jump=2, start=1.0, length=5),
        ReceptiveField(size=7, jump=2, start=3.0, length=3),
    )


SHAPE_ERRORS = [
    ("input 0", lambda: shapes.conv_output_length(0, 3), "error.below_one", ["0"]),
    ("kernel 0", lambda: shapes.conv_output_length(5, 0), "error.below_one", ["kernel_size", "0"]),
    (
        "stride 0",
        lambda: shapes.conv_output_length(5, 3, strides=0),
        "error.stride_below_one",
        ["strides", "0"],
    ),
    (
        "dilation 0",
        lambda: shapes.conv_output_hw((5, 5), 3, dilation_rate=(1, 0)),
        "error.below_one",
        ["dilation_rate", "0"],
    ),
    (
        "kernel too big",
        lambda: shapes.conv_output_length(4, 7),
        "error.output_empty",
        ["4", "7"],
    ),
    (
        "dilated kernel too big",
        lambda: shapes.conv_output_length(8, 3, dilation_rate=4),
        "error.output_empty",
        ["8", "3", "9", "4"],
    ),
    (
        "padding name",
        lambda: shapes.padding_amounts(5, 3, padding="sme"),
        "error.unknown_padding",
        ["'sme'"],
    ),
    (
        "padding float",
        lambda: shapes.padding_amounts(5, 3, padding=1.5),
        "error.unknown_padding",
        ["1.5"],
    ),
    (
        "padding triple",
        lambda: shapes.padding_amounts_2d((5, 5), 3, padding=(1, 2, 3)),
        "error.unknown_padding",
        ["(1, 2, 3)"],
    ),
    (
        "padding -1",
        lambda: shapes.padding_amounts(5, 3, padding=-1),
        "error.negative_padding",
        ["-1"],
    ),
    (
        "padding (1, -2)",
        lambda: shapes.padding_amounts(5, 3, padding=(1, -2)),
        "error.negative_padding",
        ["(1, -2)"],
    ),
    (
        "kernel_size 2.5",
        lambda: shapes.as_pair(2.5, "kernel_size"),
        "error.not_int_or_pair",
        ["kernel_size", "2.5"],
    ),
    (
        "strides True",
        lambda: shapes.as_pair(True, "strides"),
        "error.not_int_or_pair",
        ["strides", "True"],
    ),
    (
        "input rank 4",
        lambda: shapes.conv_output_shape((1, 5, 5, 3), filters=2, kernel_size=3),
        "error.image_rank",
        ["(1, 5, 5, 3)", "4"],
    ),
    (
        "filters 0",
        lambda: shapes.conv_output_shape((5, 5), filters=0, kernel_size=3),
        "error.below_one",
        ["filters", "0"],
    ),
    (
        "pool padding full",
        lambda: shapes.pool_output_shape((4, 4), 2, padding="full"),
        "error.unknown_pool_padding",
        ["'full'"],
    ),
    (
        "pool too big",
        lambda: shapes.pool_output_shape((4, 6), (2, 7), strides=1),
        "error.pool_output_empty",
        ["(4, 6)", "(2, 7)"],
    ),
    (
        "transpose padding full",
        lambda: shapes.conv_transpose_output_length(4, 3, padding="full"),
        "error.unknown_transpose_padding",
        ["'full'"],
    ),
    (
        "pool_size 0",
        lambda: shapes.pool_output_shape((4, 4), 0),
        "error.below_one",
        ["pool_size", "0"],
    ),
    (
        "pool_size (2, -1)",
        lambda: shapes.pool_output_shape((4, 4), (2, -1), strides=1),
        "error.below_one",
        ["pool_size", "-1"],
    ),
    (
        "params kernel 0",
        lambda: shapes.conv_params(0, 3, 4),
        "error.below_one",
        ["kernel_size", "0"],
    ),
    (
        "params kernel (3, -1)",
        lambda: shapes.conv_params((3, -1), 1, 1),
        "error.below_one",
        ["kernel_size", "-1"],
    ),
    (
        "receptive field stride 0",
        lambda: shapes.receptive_field([{"kernel_size": 3, "strides": 0}], input_length=8),
        "error.stride_below_one",
        ["strides", "0"],
    ),
    (
        "receptive field kernel 2.5",
        lambda: shapes.receptive_field([{"kernel_size": 2.5}], input_length=8),
        "error.not_int_or_pair",
        ["kernel_size", "2.5"],
    ),
    (
        "receptive field pool 0",
        lambda: shapes.receptive_field([{"pool_size": 0}], input_length=8),
        "error.below_one",
        ["pool_size", "0"],
    ),
    (
        "params in_channels 0",
        lambda: shapes.conv_params(3, 0, 4),
        "error.below_one",
        ["0"],
    ),
]


@pytest.mark.parametrize(
    ("call", "key", "quoted"),
    [case[1:] for case in SHAPE_ERRORS],
    ids=[case[0] for case in SHAPE_ERRORS],
)
def test_shape_errors_are_actionable(call, key, quoted):
    with pytest.raises(InputError) as info:
        call()
    assert_actionable(info.value, key, *quoted)


# --- against Keras' own shape arithmetic ------------------------------------------------

sizes = st.integers(1, 12)
pairs = st.tuples(st.integers(1, 5), st.integers(1, 5))
small_pairs = st.tuples(st.integers(1, 3), st.integers(1, 3))


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=st.integers(1, 3),
    filters=st.integers(1, 3),
    kernel=pairs,
    steps=keras_steps,
    padding=st.sampled_from(["valid", "same"]),
)
def test_conv_output_shape_matches_keras(h, w, c, filters, kernel, steps, padding):
    strides, dilation = steps
    layer = keras.layers.Conv2D(
        filters, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    try:
        ours = shapes.conv_output_shape((h, w, c), filters=filters, kernel_size=kernel, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        with pytest.raises(ValueError, match="zero or negative"):
            layer.compute_output_shape((None, h, w, c))
        return
    assert tuple(layer.compute_output_shape((None, h, w, c))) == (None, *ours)
    lengths = tuple(
        shapes.conv_output_length(
            n, kernel[i], strides=strides[i], padding=padding, dilation_rate=dilation[i]
        )
        for i, n in enumerate((h, w))
    )
    assert lengths == ours[:2]


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    kernel=pairs,
    steps=keras_steps,
    pads=st.tuples(*[st.integers(0, 4)] * 4),
    form=st.sampled_from(["int", "explicit", "full"]),
)
def test_explicit_padding_matches_keras_zero_padding_then_valid(h, w, kernel, steps, pads, form):
    # Keras has no int/explicit/"full" padding in Conv2D: it pads with ZeroPadding2D first.
    strides, dilation = steps
    if form == "int":
        padding, explicit = pads[0], ((pads[0], pads[0]), (pads[0], pads[0]))
    elif form == "explicit":
        padding = explicit = ((pads[0], pads[1]), (pads[2], pads[3]))
    else:
        padding = "full"
        explicit = tuple(((k - 1) * d, (k - 1) * d) for k, d in zip(kernel, dilation, strict=True))
    kwargs = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    assert shapes.padding_amounts_2d((h, w), kernel, **kwargs) == explicit
    padded = keras.layers.ZeroPadding2D(explicit).compute_output_shape((None, h, w, 1))
    layer = keras.layers.Conv2D(1, kernel, strides=strides, dilation_rate=dilation)
    try:
        ours = shapes.conv_output_hw((h, w), kernel, **kwargs)
    except InputError as err:
        event("output empty")
        assert err.key == "error.output_empty"
        with pytest.raises(ValueError, match="zero or negative"):
            layer.compute_output_shape(padded)
        return
    assert tuple(layer.compute_output_shape(padded)) == (None, *ours, 1)


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    c=st.integers(1, 3),
    pool=pairs,
    strides=st.none() | small_pairs,
    padding=st.sampled_from(["valid", "same"]),
)
def test_pool_output_shape_matches_keras(h, w, c, pool, strides, padding):
    layer = keras.layers.MaxPooling2D(pool, strides=strides, padding=padding)
    try:
        ours = shapes.pool_output_shape((h, w, c), pool, strides=strides, padding=padding)
    except InputError as err:
        assert err.key == "error.pool_output_empty"
        with pytest.raises(ValueError, match="zero or negative"):
            layer.compute_output_shape((None, h, w, c))
        return
    assert tuple(layer.compute_output_shape((None, h, w, c))) == (None, *ours)
    assert shapes.pool_output_shape((h, w), pool, strides=strides, padding=padding) == ours[:2]


@PROPERTY
@given(
    h=sizes,
    w=sizes,
    filters=st.integers(1, 3),
    kernel=pairs,
    steps=keras_steps,
    padding=st.sampled_from(["valid", "same"]),
)
def test_conv_transpose_output_length_matches_keras(h, w, filters, kernel, steps, padding):
    strides, dilation = steps
    layer = keras.layers.Conv2DTranspose(
        filters, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    ours = tuple(
        shapes.conv_transpose_output_length(
            n, kernel[i], strides=strides[i], padding=padding, dilation_rate=dilation[i]
        )
        for i, n in enumerate((h, w))
    )
    assert tuple(layer.compute_output_shape((None, h, w, 2))) == (None, *ours, filters)


@PROPERTY
@given(
    kernel=st.integers(1, 5) | pairs,
    in_channels=st.integers(1, 4),
    filters=st.integers(1, 4),
    use_bias=st.booleans(),
)
def test_conv_params_matches_keras(kernel, in_channels, filters, use_bias):
    layer = keras.layers.Conv2D(filters, kernel, use_bias=use_bias)
    layer.build((None, 8, 8, in_channels))
    expected = layer.count_params()
    assert shapes.conv_params(kernel, in_channels, filters, use_bias=use_bias) == expected
    assert expected == sum(int(np.prod(v.shape)) for v in layer.weights)


@PROPERTY
@given(in_features=st.integers(1, 50), units=st.integers(1, 10), use_bias=st.booleans())
def test_dense_params_matches_keras(in_features, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, in_features))
    assert shapes.dense_params(in_features, units, use_bias=use_bias) == layer.count_params()


# --- receptive fields, checked by perturbation ------------------------------------------

conv_layers = st.fixed_dictionaries(
    {"kernel_size": st.integers(1, 4)},
    optional={
        "strides": st.integers(1, 3),
        "dilation_rate": st.integers(1, 3),
        "padding": st.sampled_from(["valid", "same", "full"]),
    },
)
pool_layers = st.fixed_dictionaries(
    {"pool_size": st.integers(1, 3)},
    optional={"strides": st.integers(1, 3), "padding": st.sampled_from(["valid", "same"])},
)


def run_stack(signal: np.ndarray, layers) -> np.ndarray:
    """Run a 1-D stack with all-ones kernels (a pooling window sums like one)."""
    for layer in layers:
        is_pool = "pool_size" in layer
        kernel = layer["pool_size"] if is_pool else layer["kernel_size"]
        signal = conv1d(
            signal,
            np.ones(kernel),
            strides=layer.get("strides", kernel if is_pool else 1),
            padding=layer.get("padding", "valid"),
            dilation_rate=layer.get("dilation_rate", 1),
        )
    return signal


@PROPERTY
@given(n=st.integers(1, 40), layers=st.lists(conv_layers | pool_layers, min_size=1, max_size=3))
def test_receptive_field_is_the_span_of_influencing_inputs(n, layers):
    try:
        fields = shapes.receptive_field(layers, input_length=n)
    except InputError as err:
        assert err.key == "error.output_empty"
        return
    field = fields[-1]
    # Ones kernels on a unit impulse: output o is positive exactly when input i influences it
    # (every path has a positive weight, padded cells are zeros).
    influence = np.stack([run_stack(np.eye(n)[i], layers) > 0 for i in range(n)])  # (n, out)
    assert influence.shape[1] == field.length
    for o in range(field.length):
        centre = field.start + o * field.jump
        low, high = centre - (field.size - 1) / 2, centre + (field.size - 1) / 2
        cells = np.flatnonzero(influence[:, o])
        if cells.size == 0:
            # A dilated kernel has holes: its taps can all fall on padding while the
            # few real cells sit between them (input 1, kernel 2, dilation 2, "same").
            assert any(layer.get("dilation_rate", 1) > 1 for layer in layers)
            continue
        assert low <= cells.min() and cells.max() <= high
        if low >= 0 and high <= n - 1:  # entirely inside the input: the whole span is seen
            assert (cells.min(), cells.max()) == (low, high)
    for earlier, later in itertools.pairwise(fields):
        assert later.size >= earlier.size and later.jump >= earlier.jump


@given(
    n=st.integers(1, 64),
    kernel=st.integers(1, 9),
    strides=st.integers(1, 4),
    padding=st.sampled_from(["valid", "same"]),
    dilation=st.integers(1, 3),
)
def test_transpose_formula_ends_with_the_core_length(n, kernel, strides, padding, dilation):
    out = shapes.conv_transpose_output_length(
        n, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    formula = shapes.conv_transpose_length_formula(
        n, kernel, strides=strides, padding=padding, dilation_rate=dilation
    )
    assert formula.endswith(f"= {out}")
    assert formula.startswith(f"{n}·{strides}")


@given(
    kh=st.integers(1, 7),
    kw=st.integers(1, 7),
    c=st.integers(1, 64),
    f=st.integers(1, 64),
    use_bias=st.booleans(),
)
def test_per_filter_formula_agrees_with_conv_params(kh, kw, c, f, use_bias):
    text = shapes.conv_params_per_filter_formula((kh, kw), c, f, use_bias=use_bias)
    total = shapes.conv_params((kh, kw), c, f, use_bias=use_bias)
    assert text.endswith(f"= {total}")
    assert text.startswith(f"({kh}·{kw}·{c}")
    assert total == (kh * kw * c + use_bias) * f
