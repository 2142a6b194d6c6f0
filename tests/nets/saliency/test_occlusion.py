"""Tests of cnnviz.nets.saliency.occlusion: the windows, the drops, the settings."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import InputError
from cnnviz.nets.saliency.occlusion import occlusion, window_starts
from tests.nets.helpers import assert_actionable
from tests.nets.saliency.helpers import COL, COLS, PROPERTY, ROW, ROWS, WEIGHT


@PROPERTY
@given(st.integers(1, 40), st.data())
def test_window_starts_cover_every_pixel(length, data):
    window = data.draw(st.integers(1, length))
    stride = data.draw(st.integers(1, window))
    starts = window_starts(length, window, stride)
    assert starts[0] == 0 and starts[-1] == length - window
    assert list(starts) == sorted(set(starts))
    assert all(b - a == stride for a, b in itertools.pairwise(starts[:-1]))
    covered = np.zeros(length, bool)
    for s in starts:
        covered[s : s + window] = True
    assert covered.all()


def reference_occlusion(probability, image, window, stride, fill=0.0):
    """A plain loop over the windows: each pixel's average drop over those covering it."""
    rows, cols = image.shape
    total, count = np.zeros((rows, cols)), np.zeros((rows, cols))
    whole = probability(image)
    for r in window_starts(rows, window, stride):
        for c in window_starts(cols, window, stride):
            covered = image.copy()
            covered[r : r + window, c : c + window] = fill
            total[r : r + window, c : c + window] += whole - probability(covered)
            count[r : r + window, c : c + window] += 1
    return total / count


@pytest.mark.parametrize(("window", "stride"), [(3, 1), (2, 2), (4, 3), (6, 6), (1, 1)])
def test_occlusion_of_the_one_pixel_model(one_pixel, pixel_image, window, stride):
    def probability(image):  # class 0's softmax probability, by hand: sigmoid(w x[r, c])
        return 1 / (1 + np.exp(-WEIGHT * float(image[ROW, COL])))

    result = occlusion(one_pixel, pixel_image, 0, window=window, stride=stride)
    expected = reference_occlusion(probability, pixel_image, window, stride)
    assert result.shape == (ROWS, COLS) and result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-5, atol=1e-7)
    # Nonzero exactly where some window covering the pixel also covers (ROW, COL).
    reach = np.zeros((ROWS, COLS), bool)
    for r in window_starts(ROWS, window, stride):
        for c in window_starts(COLS, window, stride):
            if r <= ROW < r + window and c <= COL < c + window:
                reach[r : r + window, c : c + window] = True
    assert np.array_equal(result != 0, reach)
    assert result.max() > 0


def test_occlusion_of_scores_with_a_fill_and_several_channels(linear):
    model, kernel, bias = linear
    image = np.random.default_rng(13).random((5, 6, 2)).astype(np.float32)
    weights = kernel[:, 1].reshape(5, 6, 2)

    def score(x):
        return float((x * weights).sum() + bias[1])

    result = occlusion(model, image, 1, window=(2, 3), stride=(1, 2), fill=0.5, target="score")
    # The same with a per-axis window: build it by hand.
    total, count = np.zeros((5, 6)), np.zeros((5, 6))
    for r in window_starts(5, 2, 1):
        for c in window_starts(6, 3, 2):
            covered = image.copy()
            covered[r : r + 2, c : c + 3] = 0.5
            total[r : r + 2, c : c + 3] += score(image) - score(covered)
            count[r : r + 2, c : c + 3] += 1
    np.testing.assert_allclose(result, total / count, rtol=1e-4, atol=1e-5)


def test_occlusion_batches_beyond_one_call(spot, monkeypatch):
    # The batches are cut where the passes run, in _base.
    monkeypatch.setattr("cnnviz.nets.saliency._base.BATCH_SIZE", 4)  # 7x7 + 1 = 50: 13 calls
    image = np.random.default_rng(14).random((8, 8)).astype(np.float32)
    small = occlusion(spot, image, 0, window=2, stride=1)
    monkeypatch.undo()
    np.testing.assert_allclose(small, occlusion(spot, image, 0, window=2, stride=1), atol=1e-7)


# --- errors a student can cause ---------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "key", "quoted"),
    [
        ({"window": 7}, "error.saliency_window_too_large", ("7 × 7", "6 × 7")),
        ({"window": (2, 8)}, "error.saliency_window_too_large", ("2 × 8",)),
        ({"window": 0}, "error.below_one", ("0",)),
        ({"stride": 0}, "error.below_one", ("0", "stride")),
        ({"stride": 1.5}, "error.not_int_or_pair", ("1.5",)),
        ({"window": 2, "stride": (1, 3)}, "error.saliency_stride_above_window", ("1 × 3", "2 × 2")),
        ({"fill": float("nan")}, "error.saliency_fill", ("nan",)),
        ({"target": "logit"}, "error.saliency_target", ("logit",)),
    ],
)
def test_bad_occlusion_settings(one_pixel, pixel_image, options, key, quoted):
    with pytest.raises(InputError) as err:
        occlusion(one_pixel, pixel_image, 0, **options)
    assert_actionable(err.value, key, *quoted)
