"""Tests of cnnviz.nets.saliency's score model (the private ``_base``)."""

from __future__ import annotations

import keras
import numpy as np

from cnnviz.nets.saliency import score_model


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def test_score_model_takes_the_input_of_a_softmax_activation_layer(spot):
    x = np.random.default_rng(4).random((3, 8, 8, 1)).astype(np.float32)
    logits = keras.Model(spot.inputs[0], spot.get_layer("logits").output)(x)
    scores = score_model(spot)(x)
    np.testing.assert_allclose(scores, logits, rtol=1e-6)
    np.testing.assert_allclose(softmax(np.asarray(scores)), spot(x), rtol=1e-5, atol=1e-7)
    assert score_model(spot) is score_model(spot)  # cached


def test_score_model_strips_the_softmax_of_a_dense_layer_and_shares_its_weights():
    rng = np.random.default_rng(5)
    model = keras.Sequential(
        [keras.Input((4, 4, 1)), keras.layers.Flatten(), keras.layers.Dense(3, "softmax")]
    )
    dense = model.layers[-1]
    kernel, bias = rng.standard_normal((16, 3)), rng.standard_normal(3)
    dense.set_weights([kernel, bias])
    x = rng.random((2, 4, 4, 1)).astype(np.float32)
    expected = x.reshape(2, 16) @ kernel + bias
    scores = score_model(model)
    np.testing.assert_allclose(scores(x), expected, rtol=1e-5)
    np.testing.assert_allclose(model(x), softmax(expected), rtol=1e-5)  # the model is untouched
    dense.kernel.assign(2 * kernel)  # shared, not copied: new weights show in the scores
    np.testing.assert_allclose(scores(x), x.reshape(2, 16) @ (2 * kernel) + bias, rtol=1e-5)
    assert score_model(model) is scores


def test_score_model_of_a_model_that_gives_logits_is_the_model(linear, smooth):
    assert score_model(linear[0]) is linear[0]
    assert score_model(smooth) is smooth
