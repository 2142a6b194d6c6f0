"""Tests of cnnviz.nets.saliency.grad_cam: Grad-CAM, its layers, the bilinear resize."""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.i18n import InputError
from cnnviz.nets.saliency.grad_cam import (
    conv_layer_names,
    default_cam_layer,
    grad_cam,
    resize_bilinear,
)
from tests.nets.helpers import assert_actionable
from tests.nets.saliency.helpers import PROPERTY, bright_spot


def test_grad_cam_lights_the_bright_spot_only(spot):
    # Default layer: the ReLU after the conv. A = 3x3 box of ones around the spot;
    # the score's gradient w.r.t. A is 1/64 at each of the 16 pool winners, so alpha = 1/64.
    assert conv_layer_names(spot) == ("conv", "relu", "pool")
    assert default_cam_layer(spot) == "relu"
    cam = grad_cam(spot, bright_spot(), 0)
    expected = np.zeros((8, 8))
    expected[1:4, 4:7] = 1 / 64
    assert cam.shape == (8, 8) and cam.dtype == np.float32
    np.testing.assert_allclose(cam, expected, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(grad_cam(spot, bright_spot(), 0, layer_name="relu"), cam)
    # Class 1 has weight -1: its evidence is negative everywhere, and ReLU leaves nothing.
    np.testing.assert_array_equal(grad_cam(spot, bright_spot(), 1), 0)


def test_grad_cam_on_the_pooled_layer_is_upsampled_to_the_input(spot):
    coarse = np.zeros((4, 4))
    coarse[0:2, 2:4] = 1 / 16  # pool windows that see the box; alpha = 1/16
    np.testing.assert_allclose(
        grad_cam(spot, bright_spot(), 0, layer_name="pool", upsample=False), coarse, rtol=1e-6
    )
    cam = grad_cam(spot, bright_spot(), 0, layer_name="pool")
    assert cam.shape == (8, 8)
    np.testing.assert_allclose(cam, resize_bilinear(coarse, (8, 8)), rtol=1e-6)
    assert cam[:, :3].max() == 0 and cam[5:, :].max() == 0  # far from the spot
    assert cam[1, 5] == cam.max()


def test_default_cam_layer_is_a_conv_with_its_own_activation(smooth):
    assert default_cam_layer(smooth) == "conv"
    assert conv_layer_names(smooth) == ("conv",)


@PROPERTY
@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 30), st.integers(1, 30), st.integers())
def test_resize_bilinear_matches_tensorflow(h, w, rows, cols, seed):
    values = np.random.default_rng(seed % 2**32).standard_normal((h, w))
    expected = tf.image.resize(values[None, :, :, None], (rows, cols), method="bilinear")
    np.testing.assert_allclose(
        resize_bilinear(values, (rows, cols)), expected.numpy()[0, :, :, 0], rtol=1e-5, atol=1e-5
    )


# --- errors a student can cause ---------------------------------------------------------


def test_unknown_and_flat_layers_are_refused(spot, linear):
    with pytest.raises(InputError) as err:
        grad_cam(spot, bright_spot(), 0, layer_name="conv9")
    assert_actionable(err.value, "error.saliency_unknown_layer", "conv9", "conv, relu, pool")
    with pytest.raises(InputError) as err:
        grad_cam(spot, bright_spot(), 0, layer_name="gap")
    assert_actionable(err.value, "error.saliency_layer_not_spatial", "gap", "(?, 1)")
    with pytest.raises(InputError) as err:
        grad_cam(linear[0], np.zeros((5, 6, 2)), 0)
    assert_actionable(err.value, "error.saliency_no_conv_layer")
