"""What the stage is sent: the core's numbers, packed without loss of anything it writes."""

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from cnnviz.core.stage import (
    conv1d_stage_data,
    conv_stage_data,
    fixed_point,
    inflate,
    pool_stage_data,
)
from cnnviz.core.trace import conv1d_trace, conv2d_trace, pool2d_trace
from cnnviz.i18n import InputError, format_number

COURSE_X = [[0, 5, 0, 0, 9, 4, 0], [1, 6, 0, 0, 8, 3, 0], [2, 7, 0, 0, 7, 2, 0],
            [3, 8, 0, 0, 6, 1, 0], [4, 9, 0, 0, 5, 0, 0]]  # fmt: skip
COURSE_K = [[1, -2, 3], [4, -5, 6], [-7, 8, -9]]


def fixed_text(n: int) -> str:
    """How the stage writes a fixed-point integer (stage.js, fixedText), in Python."""
    whole, frac = divmod(abs(n), 1000)
    frac_text = f"{frac:03d}".rstrip("0")
    text = f"{whole}.{frac_text}" if frac_text else str(whole)
    return "0" if text == "0" else ("−" if n < 0 else "") + text


@given(st.floats(min_value=-2e6, max_value=2e6, allow_nan=False))
def test_fixed_point_is_what_format_number_writes(x):
    assert fixed_text(int(fixed_point(np.array([x]))[0])) == format_number(x, lang="en")


@pytest.mark.parametrize("x", [0.0625, -0.0625, 0.0005, -0.0005, 2.5e-4, 1.0005, 0.1 + 0.2])
def test_fixed_point_on_ties_and_near_ties(x):
    assert fixed_text(int(fixed_point(np.array([x]))[0])) == format_number(x, lang="en")


def test_course_example_packs_its_numbers():
    trace = conv2d_trace(COURSE_X, COURSE_K)
    data = conv_stage_data(trace)
    json.dumps(data.header)  # plain JSON, no NumPy scalars
    arrays = inflate(data)
    assert data.header["output"]["shape"] == [3, 5, 1]
    np.testing.assert_array_equal(arrays["input"][..., 0], COURSE_X)
    assert arrays["input"].dtype == np.float32  # small integers: float32 loses nothing
    assert arrays["totals"].ravel()[0] == 6000  # the course's first window: 6
    assert data.header["conv"]["kernel"] == np.array(COURSE_K)[..., None, None].tolist()
    assert "output" not in arrays  # linear: the totals are the output


@settings(max_examples=40, deadline=None)
@given(
    rows=st.integers(3, 9),
    cols=st.integers(3, 9),
    channels=st.sampled_from([1, 3]),
    filters=st.integers(1, 3),
    k=st.integers(1, 3),
    stride=st.integers(1, 3),
    dilation=st.integers(1, 2),
    padding=st.sampled_from(["valid", "same", "full", 1]),
    activation=st.sampled_from([None, "relu", "tanh", "sigmoid", "leaky_relu"]),
    seed=st.integers(0, 2**16),
)
def test_every_cell_is_sent_as_the_trace_writes_it(
    rows, cols, channels, filters, k, stride, dilation, padding, activation, seed
):
    rng = np.random.default_rng(seed)
    image = rng.normal(size=(rows, cols, channels))
    bank = rng.normal(size=(k, k, channels, filters))
    bias = rng.normal(size=filters)
    try:
        trace = conv2d_trace(
            image,
            bank,
            bias=bias,
            strides=stride,
            padding=padding,
            dilation_rate=dilation,
            activation=activation,
        )
    except InputError:  # an empty output: the core says so before any work
        assume(False)
    data = conv_stage_data(trace)
    arrays = inflate(data)
    np.testing.assert_array_equal(arrays["input"], trace.padded)
    assert np.array(data.header["conv"]["kernel"]).tolist() == trace.kernel.tolist()
    assert data.header["conv"]["bias"] == trace.bias.tolist()
    totals = arrays["totals"].ravel()  # step order: maps, then rows, then columns
    outputs = arrays["output"].ravel() if "output" in arrays else None
    for index in range(0, len(trace), max(1, len(trace) // 25)):
        step = trace.step(index)
        assert fixed_text(int(totals[index])) == format_number(step.total, lang="en")
        if outputs is not None:
            assert fixed_text(int(outputs[index])) == format_number(step.activated, lang="en")


def test_channel_parts_add_one_product_at_a_time():
    # What the stage computes in the browser: a float64 sum, left to right, row-major.
    rng = np.random.default_rng(0)
    trace = conv2d_trace(rng.random((6, 6, 3)), rng.normal(size=(3, 3, 3, 2)))
    for step in trace:
        for channel, part in enumerate(step.channel_totals.tolist()):
            running = 0.0
            for value, weight in zip(
                step.values[..., channel].ravel().tolist(),
                step.weights[..., channel].ravel().tolist(),
                strict=True,
            ):
                running += value * weight
            assert part == running


def test_a_two_d_kernel_on_each_channel_reads_one_channel_per_map():
    image = np.arange(48.0).reshape(4, 4, 3) / 47
    data = conv_stage_data(conv2d_trace(image, np.ones((2, 2))))
    assert data.header["conv"]["per_channel"] and data.header["output"]["shape"] == [3, 3, 3]
    assert data.header["input"]["picture"]
    assert not data.header["conv"]["channel_lines"]


def test_values_past_32_bits_are_sent_as_floats():
    trace = conv2d_trace(np.full((3, 3), 1e7), np.full((2, 2), 0.5))
    arrays = inflate(conv_stage_data(trace))
    assert arrays["totals"].dtype == np.float64
    assert arrays["totals"].ravel()[0] == 2e7


def test_images_are_sent_in_float32_and_other_values_in_float64():
    picture = np.arange(16, dtype=np.float32).reshape(4, 4) / 255
    assert inflate(conv_stage_data(conv2d_trace(picture, np.ones((2, 2)))))["input"].dtype == (
        np.float32
    )
    thirds = np.arange(16.0).reshape(4, 4) / 3
    assert inflate(conv_stage_data(conv2d_trace(thirds, np.ones((2, 2)))))["input"].dtype == (
        np.float64
    )


@pytest.mark.parametrize("op", ["max", "average"])
def test_pooling_packs_padding_and_results(op):
    x = np.arange(25.0).reshape(5, 5)
    trace = pool2d_trace(x, 2, padding="same", op=op)
    data = pool_stage_data(trace)
    arrays = inflate(data)
    assert data.header["pool"] == {"op": op}
    np.testing.assert_array_equal(arrays["input"][..., 0], trace.padded)
    for index, step in enumerate(trace):
        assert fixed_text(int(arrays["output"].ravel()[index])) == format_number(
            step.result, lang="en"
        )


def test_a_signal_is_a_one_row_image():
    trace = conv1d_trace([1, 2, -5, 4, 2, -1], [-1, 2, -1], padding="same", strides=2)
    data = conv1d_stage_data(trace)
    arrays = inflate(data)
    assert data.header["window"] == {"size": [1, 3], "strides": [1, 2], "dilation": [1, 1]}
    np.testing.assert_array_equal(arrays["input"].ravel(), trace.padded)
    assert [fixed_text(int(n)) for n in arrays["totals"].ravel()] == [
        format_number(v, lang="en") for v in trace.output
    ]


def test_the_blob_is_compressed_and_named_by_its_content():
    a = conv_stage_data(conv2d_trace(np.zeros((64, 64)), np.ones((3, 3))))
    b = conv_stage_data(conv2d_trace(np.zeros((64, 64)), np.ones((3, 3))))
    assert a.header["id"] == b.header["id"] and len(a.blob) < 64 * 64 * 4 // 10
    c = conv_stage_data(conv2d_trace(np.ones((64, 64)), np.ones((3, 3))))
    assert c.header["id"] != a.header["id"]
