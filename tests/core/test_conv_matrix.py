"""The convolution matrix: hand values, SciPy's Toeplitz and circulant matrices, and
``conv2d`` / ``conv2d_transpose`` on random settings (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import conv_matrix as cmx
from cnnviz.core.conv import PAD_MODES, conv2d, conv2d_transpose
from cnnviz.core.conv_matrix import (
    MAX_DRAWN_CELLS,
    SEVERAL_TAPS,
    conv_matrix,
    im2col,
    keras_transpose_padding,
    matrix_counts,
    matrix_product,
    transpose_agrees,
    transposed_conv,
    window_cells,
)
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable

# --- hand values --------------------------------------------------------------------------

KERNEL_2X2 = np.array([[1.0, 2.0], [3.0, 4.0]])


def test_3x3_input_2x2_kernel_written_out() -> None:
    # Window (i, j) covers cells (i, j), (i, j+1), (i+1, j), (i+1, j+1) of the 3x3 input,
    # numbered 0..8 row by row: the four rows of the matrix, written out by hand.
    expected = np.array(
        [
            [1, 2, 0, 3, 4, 0, 0, 0, 0],
            [0, 1, 2, 0, 3, 4, 0, 0, 0],
            [0, 0, 0, 1, 2, 0, 3, 4, 0],
            [0, 0, 0, 0, 1, 2, 0, 3, 4],
        ]
    )
    cm = conv_matrix((3, 3), KERNEL_2X2)
    np.testing.assert_array_equal(cm.matrix.toarray(), expected)
    assert cm.shape == (4, 9) and cm.output_shape == (2, 2) and cm.input_shape == (3, 3)
    # Which weight: taps 0 1 2 3 (= 1 2 3 4) in every row, at the window's columns.
    np.testing.assert_array_equal(cm.taps.data, np.tile([0, 1, 2, 3], 4))
    np.testing.assert_array_equal(cm.taps.indices, [0, 1, 3, 4, 1, 2, 4, 5, 3, 4, 6, 7, 4, 5, 7, 8])
    x = np.arange(9.0)
    # Top-left window: 0*1 + 1*2 + 3*3 + 4*4 = 27.
    np.testing.assert_array_equal(cm.matrix @ x, [27, 37, 57, 67])


def test_product_reshaped_is_conv2d_with_its_difference() -> None:
    cm = conv_matrix((4, 5), KERNEL_2X2, strides=(1, 2), padding="same", pad_mode="symmetric")
    x = np.arange(20.0).reshape(4, 5)
    product = matrix_product(cm, x)
    expected = conv2d(x, KERNEL_2X2, strides=(1, 2), padding="same", pad_mode="symmetric")
    np.testing.assert_array_equal(product.by_conv2d, expected)
    np.testing.assert_allclose(product.by_matrix, expected, atol=1e-12)
    assert product.max_difference == np.max(np.abs(product.by_matrix - expected)) < 1e-12
    with pytest.raises(InputError) as info:
        matrix_product(cm, np.ones((5, 4)))
    assert_actionable(info.value, "matrix.error.x_shape", "(5, 4)", "(4, 5)")


def test_same_padding_zero_cells_have_no_column() -> None:
    # 'same' with a 2x2 kernel pads one cell bottom/right (TensorFlow): the last row
    # and column of windows lose the taps that fall on the padding.
    cm = conv_matrix((2, 2), KERNEL_2X2, padding="same")
    np.testing.assert_array_equal(
        cm.matrix.toarray(), [[1, 2, 3, 4], [0, 1, 0, 3], [0, 0, 1, 2], [0, 0, 0, 1]]
    )


def test_replicate_padding_adds_copies_onto_their_cell() -> None:
    # 1x2 input [a, b], kernel [1, 2, 4] with 'same' (one cell each side), replicate:
    # padded [a, a, b, b]; window 0 = 1a + 2a + 4b, window 1 = 1a + 2b + 4b.
    cm = conv_matrix((1, 2), [[1.0, 2.0, 4.0]], padding="same", pad_mode="replicate")
    np.testing.assert_array_equal(cm.matrix.toarray(), [[3, 4], [1, 6]])
    np.testing.assert_array_equal(cm.taps.toarray(), [[SEVERAL_TAPS, 2], [0, SEVERAL_TAPS]])


def test_bias_is_one_per_row() -> None:
    cm = conv_matrix((4, 4, 2), np.ones((3, 3, 2, 3)), bias=[1.0, 2.0, 3.0])
    np.testing.assert_array_equal(cm.bias, [1, 2, 3] * 4)
    x = np.arange(32.0).reshape(4, 4, 2)
    y = conv2d(x, np.ones((3, 3, 2, 3)), bias=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(cm.matrix @ x.ravel() + cm.bias, y.ravel())


def test_window_cells_zero_padding_is_minus_one() -> None:
    cells = window_cells((2, 2), ((1, 1), (1, 1)), (2, 2), (3, 3))
    np.testing.assert_array_equal(cells[0, 0], [[-1, -1, -1], [-1, 0, 1], [-1, 2, 3]])


# --- SciPy's matrices -------------------------------------------------------------------------


def test_one_row_valid_is_toeplitz() -> None:
    kernel = np.array([2.0, -1.0, 5.0])
    n = 7
    cm = conv_matrix((1, n), kernel[None, :])
    first_col = np.r_[kernel[0], np.zeros(n - 3)]
    first_row = np.r_[kernel, np.zeros(n - 3)]
    np.testing.assert_array_equal(cm.matrix.toarray(), scipy.linalg.toeplitz(first_col, first_row))


def test_circular_same_stride_1_is_circulant_1d() -> None:
    kernel = np.array([2.0, -1.0, 5.0])
    n = 6
    cm = conv_matrix((1, n), kernel[None, :], padding="same", pad_mode="circular")
    # Row i = kernel centred on cell i, wrapped: y[i] = 2 x[i-1] - x[i] + 5 x[i+1].
    column = np.zeros(n)
    column[[0, 1, n - 1]] = [-1.0, 2.0, 5.0]
    np.testing.assert_array_equal(cm.matrix.toarray(), scipy.linalg.circulant(column))


@given(
    h=st.integers(1, 6),
    w=st.integers(1, 6),
    kh=st.sampled_from([1, 3, 5]),
    kw=st.sampled_from([1, 3, 5]),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=40, deadline=None)
def test_circular_same_stride_1_is_doubly_block_circulant(h, w, kh, kw, seed) -> None:
    kernel = np.random.default_rng(seed).integers(-5, 6, (kh, kw)).astype(float)
    dense = conv_matrix((h, w), kernel, padding="same", pad_mode="circular").matrix.toarray()
    # Block circulant with circulant blocks: M[(i, j), (r, c)] depends only on
    # ((r - i) mod H, (c - j) mod W); the first row says on what.
    first = dense[0].reshape(h, w)
    i, j, r, c = np.meshgrid(*(np.arange(n) for n in (h, w, h, w)), indexing="ij")
    expected = first[(r - i) % h, (c - j) % w].reshape(h * w, h * w)
    np.testing.assert_array_equal(dense, expected)
    # And each block row is a circulant matrix of blocks: the block (0, b) pattern.
    blocks = dense.reshape(h, w, h, w).transpose(0, 2, 1, 3)
    for b in range(h):
        np.testing.assert_array_equal(blocks[0, b], scipy.linalg.circulant(blocks[0, b][:, 0]))


@pytest.mark.parametrize("mode", ["valid", "full"])
def test_against_scipy_correlate2d(mode: str) -> None:
    x = np.random.default_rng(1).normal(size=(6, 5))
    kernel = np.random.default_rng(2).normal(size=(3, 2))
    cm = conv_matrix(x.shape, kernel, padding=mode)
    np.testing.assert_allclose(
        cm.matrix @ x.ravel(), scipy.signal.correlate2d(x, kernel, mode=mode).ravel(), atol=1e-12
    )


# --- conv2d on random settings ----------------------------------------------------------------

cells_st = st.integers(0, 2)
paddings = st.one_of(
    st.sampled_from(["valid", "same", "full"]),
    cells_st,
    st.tuples(cells_st, cells_st),
    st.tuples(st.tuples(cells_st, cells_st), st.tuples(cells_st, cells_st)),
)
pairs = st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3)))


@st.composite
def problems(draw):
    """An input, a kernel of rank 2, 3 or 4 and conv2d settings."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    h, w, c = draw(st.integers(1, 7)), draw(st.integers(1, 7)), draw(st.integers(1, 3))
    image = rng.normal(size=(h, w, c)) if draw(st.booleans()) or c > 1 else rng.normal(size=(h, w))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rank = draw(st.sampled_from([2, 3, 4]))
    channels = image.shape[2] if image.ndim == 3 else 1
    shape = {2: (kh, kw), 3: (kh, kw, channels), 4: (kh, kw, channels, draw(st.integers(1, 3)))}
    kernel = rng.integers(-4, 5, shape[rank]).astype(float)
    options = {
        "strides": draw(pairs),
        "padding": draw(paddings),
        "dilation_rate": draw(pairs),
        "pad_mode": draw(st.sampled_from(PAD_MODES)),
        "flip": draw(st.booleans()),
    }
    return image, kernel, options


def _conv_or_error(image, kernel, options):
    try:
        return conv2d(image, kernel, **options), None
    except InputError as err:
        return None, err.key


@given(problems())
@settings(max_examples=300, deadline=None)
def test_matrix_times_input_is_conv2d(problem) -> None:
    image, kernel, options = problem
    expected, error = _conv_or_error(image, kernel, options)
    if error is not None:  # the same settings are refused the same way
        with pytest.raises(InputError) as info:
            conv_matrix(image.shape, kernel, **options)
        assert info.value.key == error
        return
    cm = conv_matrix(image.shape, kernel, **options)
    assert cm.output_shape == expected.shape
    assert cm.shape == (expected.size, image.size)
    np.testing.assert_allclose(cm.matrix @ image.ravel(), expected.ravel(), atol=1e-9)
    # Each single-tap entry is the kernel weight its tap index names.
    single = cm.taps.data != SEVERAL_TAPS
    np.testing.assert_array_equal(cm.matrix.data[single], cm.kernel.ravel()[cm.taps.data[single]])
    np.testing.assert_array_equal(cm.taps.indices, cm.matrix.indices)
    np.testing.assert_array_equal(cm.taps.indptr, cm.matrix.indptr)
    if options["pad_mode"] == "zeros":  # several taps share a cell only through padding copies
        assert single.all()


@given(problems())
@settings(max_examples=200, deadline=None)
def test_im2col_times_kernel_is_conv2d(problem) -> None:
    image, kernel, options = problem
    options = {**options, "flip": False}
    expected, error = _conv_or_error(image, kernel, options)
    if error is not None or kernel.ndim == 2:
        return  # a 2-D kernel is per channel: im2col's product is for a filter bank
    bank = kernel if kernel.ndim == 4 else kernel[..., None]
    columns = im2col(image, kernel.shape[:2], **options)
    channels = image.shape[2] if image.ndim == 3 else 1
    assert columns.shape == (expected.shape[0] * expected.shape[1], bank[..., 0].size)
    assert columns.shape[1] == kernel.shape[0] * kernel.shape[1] * channels
    np.testing.assert_allclose(
        columns @ bank.reshape(-1, bank.shape[3]),
        expected.reshape(columns.shape[0], -1),
        atol=1e-9,
    )


def test_im2col_hand_values_with_padding() -> None:
    # [[1, 2]] with a 1x2 kernel and one cell of zeros on the right: windows [1 2], [2 0].
    np.testing.assert_array_equal(
        im2col(np.array([[1.0, 2.0]]), (1, 2), padding=((0, 0), (0, 1))), [[1, 2], [2, 0]]
    )


# --- the transpose ----------------------------------------------------------------------------


@st.composite
def transpose_problems(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    c, f = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    options = {"strides": draw(pairs), "padding": draw(st.sampled_from(["valid", "same"]))}
    return (h, w, c), rng.normal(size=(kh, kw, c, f)), options, rng


@given(transpose_problems())
@settings(max_examples=300, deadline=None)
def test_transpose_is_conv2d_transpose_exactly_when_the_rule_says(problem) -> None:
    shape, kernel, options, rng = problem
    try:
        cm = conv_matrix(shape, kernel, **options)
    except InputError:
        return  # an empty output: no transpose to compare
    y = rng.normal(size=cm.output_shape)
    result = transposed_conv(cm, y)
    assert result.keras_padding == options["padding"]
    rule = transpose_agrees(shape[:2], kernel.shape[:2], cm.strides, options["padding"])
    assert result.agrees == rule
    keras = conv2d_transpose(y, kernel, **options)
    np.testing.assert_array_equal(result.keras, keras)
    if rule:
        np.testing.assert_allclose(result.by_matrix, keras, atol=1e-9)
        assert result.max_difference < 1e-9
    elif options["padding"] == "valid":
        # Both start at the top-left corner and agree where they overlap; past it the
        # longer one is zeros: input cells no window reached (M^T), or the gap after
        # the layer's last scattered kernel when k < s (Keras).
        rows = min(keras.shape[0], shape[0])
        cols = min(keras.shape[1], shape[1])
        np.testing.assert_allclose(result.by_matrix[:rows, :cols], keras[:rows, :cols], atol=1e-9)
        for longer in (result.by_matrix, keras):
            assert not longer[rows:].any() and not longer[:, cols:].any()
    else:  # "same" with H not a multiple of the stride: the layer gives ceil(H/s)*s rows
        assert keras.shape[:2] == tuple(
            -(-n // s) * s for n, s in zip(shape[:2], cm.strides, strict=True)
        )
        assert keras.shape != result.by_matrix.shape


@given(problems())
@settings(max_examples=200, deadline=None)
def test_transpose_is_the_full_transposed_conv_cropped_or_folded(problem) -> None:
    # Any settings: M^T y is the transposed convolution of the *dilated* kernel over
    # the padded frame, each padded cell folded back onto the input cell it copies
    # (dropped for zero padding).
    image, kernel, options = problem
    if (kernel.ndim == 2 and image.ndim == 3) or _conv_or_error(image, kernel, options)[1]:
        return
    cm = conv_matrix(image.shape, kernel, **options)
    y = np.random.default_rng(0).normal(size=cm.output_shape)
    bank = cm.kernel.reshape(
        *cm.kernel.shape[:2], -1, cm.output_shape[2] if len(cm.output_shape) == 3 else 1
    )
    dr, dc = cm.dilation_rate
    dilated = np.zeros(
        ((bank.shape[0] - 1) * dr + 1, (bank.shape[1] - 1) * dc + 1, *bank.shape[2:])
    )
    dilated[::dr, ::dc] = bank
    full = conv2d_transpose(y.reshape(*y.shape[:2], -1), dilated, strides=cm.strides)
    (top, bottom), (left, right) = cm.pads
    h, w = image.shape[:2]
    framed = np.zeros((h + top + bottom, w + left + right, full.shape[2]))
    rows, cols = min(full.shape[0], framed.shape[0]), min(full.shape[1], framed.shape[1])
    framed[:rows, :cols] = full[:rows, :cols]
    cells = cmx.pad2d(np.arange(1, h * w + 1).reshape(h, w), cm.pads, pad_mode=cm.pad_mode) - 1
    folded = np.zeros((h * w, full.shape[2]))
    np.add.at(folded, cells[cells >= 0], framed[cells >= 0])
    np.testing.assert_allclose(cm.matrix.T @ y.ravel(), folded.ravel(), atol=1e-9)


def test_no_keras_layer_for_dilation_or_other_modes() -> None:
    for options in (
        {"dilation_rate": 2},
        {"pad_mode": "reflect", "padding": "same"},
        {"padding": 1},
    ):
        cm = conv_matrix((6, 6), np.ones((3, 3)), **options)
        assert keras_transpose_padding(cm) is None
        result = transposed_conv(cm, np.ones(cm.output_shape))
        assert result.keras is None and not result.agrees
    assert keras_transpose_padding(conv_matrix((6, 6, 2), np.ones((3, 3)))) is None


def test_transpose_refuses_a_wrong_shape() -> None:
    with pytest.raises(InputError) as info:
        transposed_conv(conv_matrix((3, 3), KERNEL_2X2), np.ones((3, 3)))
    assert_actionable(info.value, "matrix.error.y_shape", "(3, 3)", "(2, 2)")


# --- counts -----------------------------------------------------------------------------------


def test_counts_6x6_input_3x3_kernel() -> None:
    counts = matrix_counts(conv_matrix((6, 6), np.arange(9.0).reshape(3, 3)))
    # 16 windows x 9 taps; a dense layer: 36 inputs x 16 units + 16 biases.
    assert (counts.rows, counts.cols, counts.nonzeros) == (16, 36, 144)
    assert counts.density == pytest.approx(0.25)
    assert counts.distinct_weights == 9
    assert (counts.conv_params, counts.dense_params) == (10, 592)
    assert (counts.conv_macs, counts.dense_macs) == (144, 576)


def test_counts_same_padding_skip_padded_taps() -> None:
    # 8x8 'same' 3x3: 64 windows x 9 taps = 576 MACs, but the 28 border windows lose
    # taps on the padding: 4 corners lose 5, 24 edges lose 3 -> 576 - 20 - 72 = 484 entries.
    counts = matrix_counts(conv_matrix((8, 8), np.ones((3, 3)), padding="same"))
    assert (counts.rows, counts.cols, counts.nonzeros, counts.conv_macs) == (64, 64, 484, 576)
    assert counts.dense_params == 64 * 64 + 64


def test_counts_filter_bank_and_several_taps() -> None:
    counts = matrix_counts(conv_matrix((5, 5, 3), np.ones((3, 3, 3, 4)), strides=2))
    assert (counts.rows, counts.cols) == (2 * 2 * 4, 75)
    assert counts.conv_params == 3 * 3 * 3 * 4 + 4 and counts.distinct_weights == 108
    assert counts.conv_macs == 2 * 2 * 4 * 27 == counts.nonzeros
    merged = matrix_counts(
        conv_matrix((1, 2), [[1.0, 2.0, 4.0]], padding="same", pad_mode="replicate")
    )
    assert merged.distinct_weights == 2  # taps 2 and 0 alone; the other two cells sum several


# --- bounds -----------------------------------------------------------------------------------


def test_too_large_to_draw_names_sizes_and_cap(monkeypatch) -> None:
    def no_work(*args, **kwargs):
        raise AssertionError("the matrix was built before the cap was checked")

    monkeypatch.setattr(cmx, "window_cells", no_work)
    # 8x8 'full' with a 7x7 kernel dilated by 2: 20x20 = 400 rows x 64 columns = 25,600 cells.
    with pytest.raises(InputError) as info:
        conv_matrix(
            (8, 8), np.ones((7, 7)), padding="full", dilation_rate=2, max_cells=MAX_DRAWN_CELLS
        )
    assert_actionable(info.value, "matrix.error.too_large", "400", "64", "25600", "16384")
    with pytest.raises(InputError) as info:
        conv_matrix((64, 64, 8), np.ones((3, 3)), max_cells=MAX_DRAWN_CELLS)
    assert_actionable(info.value, "matrix.error.too_many_columns", "32768", "16384")


@pytest.mark.parametrize(
    "shape", [(0, 3), (3,), (3, 3, 3, 3), (65, 2), (2.5, 3), "33", (3, 3, 0), (2, 2, 65)]
)
def test_bad_input_shapes(shape) -> None:
    with pytest.raises(InputError) as info:
        conv_matrix(shape, np.ones((1, 1)))
    assert_actionable(info.value, "matrix.error.input_shape", "64")
