"""Tests of cnnviz.nets.adversarial: FGSM, PGD, the smallest ε and transfer, on known models."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.i18n import InputError
from cnnviz.nets import adversarial as adv
from cnnviz.nets.adversarial import AttackSettings

PROPERTY = settings(max_examples=25, deadline=None)
SHAPE = (4, 5, 1)


def linear_model(kernel: np.ndarray, bias: np.ndarray, shape=SHAPE) -> keras.Model:
    """Flatten + Dense + softmax: logits ``x @ kernel + bias``."""
    model = keras.Sequential(
        [keras.Input(shape), keras.layers.Flatten(), keras.layers.Dense(len(bias))]
    )
    model.layers[-1].set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    out = keras.layers.Activation("softmax")(model.outputs[0])
    return keras.Model(model.inputs, out)


@pytest.fixture(scope="module")
def two_class():
    """Two classes; w1 - w0 is +1 on even pixels, -1 on odd ones, 0 on the last one."""
    n = int(np.prod(SHAPE))
    w0 = np.zeros(n)
    w1 = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
    w1[-1] = 0.0
    return linear_model(np.stack([w0, w1], axis=1), np.array([0.5, 0.0])), w1 - w0


@pytest.fixture(scope="module")
def three_class():
    rng = np.random.default_rng(4)
    kernel = rng.normal(0, 1, (int(np.prod(SHAPE)), 3))
    bias = np.array([1.0, 0.0, -0.5])
    return linear_model(kernel, bias), kernel, bias


@pytest.fixture(scope="module")
def smooth():
    """A small nonlinear network (conv, tanh, dense), random weights."""
    rng = np.random.default_rng(2)
    inputs = keras.Input(SHAPE)
    x = keras.layers.Conv2D(3, 3, activation="tanh")(inputs)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(4)(x))
    for layer in model.layers:
        layer.set_weights([rng.normal(0, 0.7, w.shape).astype(np.float32) for w in layer.weights])
    return model


def image(seed: int, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, SHAPE).astype(np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


# --- FGSM on a linear model: the closed form ------------------------------------------------


@PROPERTY
@given(eps=st.floats(0.0, adv.EPSILON_MAX), seed=st.integers(0, 1000))
def test_fgsm_on_two_classes_moves_every_pixel_by_eps_along_the_weights_difference(
    two_class, eps, seed
):
    model, diff = two_class
    x = image(seed, 0.31, 0.69)  # 0.31 - 0.3 > 0 and 0.69 + 0.3 < 1: nothing is clipped
    result = adv.attack(model, x, AttackSettings("fgsm", eps))
    # Cross-entropy of class y: grad = sum_k (p_k - [k = y]) w_k = +-p_other (w1 - w0).
    expected_sign = np.sign(diff) if result.clean_prediction == 0 else -np.sign(diff)
    np.testing.assert_allclose(result.perturbation.ravel(), eps * expected_sign, rtol=0, atol=1e-6)
    assert result.perturbation.ravel()[-1] == 0  # w1 = w0 there: no gradient, no change


def test_fgsm_by_hand_on_two_pixels():
    # Logits (x0, x1); the image (0.5, 0.4) says class 0. grad of -log p0 = p1 (w1 - w0) =
    # p1 (-1, 1): the attack darkens pixel 0 and brightens pixel 1 by 0.1 -> (0.4, 0.5), class 1.
    model = linear_model(np.eye(2), np.zeros(2), shape=(1, 2, 1))
    result = adv.attack(model, np.array([[0.5, 0.4]]), AttackSettings("fgsm", 0.1))
    np.testing.assert_allclose(result.adversarial[..., 0], [[0.4, 0.5]], atol=1e-6)
    assert (result.clean_prediction, result.prediction, result.changed) == (0, 1, True)
    np.testing.assert_allclose(result.probabilities, softmax(np.array([0.4, 0.5])), atol=1e-6)
    np.testing.assert_allclose(result.clean_probabilities, softmax(np.array([0.5, 0.4])), 1e-6)


def test_fgsm_clips_to_the_valid_range(two_class):
    model, diff = two_class
    white, black = np.ones(SHAPE, np.float32), np.zeros(SHAPE, np.float32)
    for x in (white, black):
        result = adv.attack(model, x, AttackSettings("fgsm", 0.3))
        assert result.adversarial.min() >= 0 and result.adversarial.max() <= 1
        sign = np.sign(diff) if result.clean_prediction == 0 else -np.sign(diff)
        expected = np.clip(x.ravel() + 0.3 * sign, 0, 1)
        np.testing.assert_allclose(result.adversarial.ravel(), expected, atol=1e-6)
        # Only the pixels that could move did: a white pixel cannot get brighter.
        assert np.count_nonzero(result.perturbation) < x.size - 1


def test_targeted_fgsm_follows_the_closed_form_and_raises_the_target(three_class):
    model, kernel, bias = three_class
    x = image(8, 0.35, 0.65)
    clean = softmax(x.ravel() @ kernel + bias)
    target = int(np.argsort(clean)[0])  # the least likely class
    result = adv.attack(model, x, AttackSettings("fgsm", 0.05, target=target))
    grad = kernel @ (clean - np.eye(3)[target])  # of -log p_target
    np.testing.assert_allclose(result.perturbation.ravel(), -0.05 * np.sign(grad), atol=1e-6)
    logits_after = result.adversarial.ravel() @ kernel + bias
    logits_before = x.ravel() @ kernel + bias
    gap_before = logits_before[target] - np.delete(logits_before, target).max()
    assert logits_after[target] - np.delete(logits_after, target).max() > gap_before
    assert result.probabilities[target] > result.clean_probabilities[target]


# --- PGD ------------------------------------------------------------------------------------


@PROPERTY
@given(
    eps=st.floats(0.0, adv.EPSILON_MAX),
    steps=st.integers(*adv.STEPS_RANGE),
    seed=st.integers(0, 1000),
    random_start=st.booleans(),
    alpha=st.one_of(st.none(), st.floats(0.001, adv.EPSILON_MAX)),
)
def test_pgd_stays_in_the_ball_and_the_valid_range(smooth, eps, steps, seed, random_start, alpha):
    x = image(seed)
    s = AttackSettings("pgd", eps, steps=steps, alpha=alpha, random_start=random_start, seed=seed)
    result = adv.attack(smooth, x, s)
    assert np.abs(result.perturbation).max() <= eps + 1e-6
    assert result.adversarial.min() >= 0 and result.adversarial.max() <= 1
    np.testing.assert_allclose(result.adversarial - x, result.perturbation, atol=1e-7)


@PROPERTY
@given(eps=st.floats(0.0, adv.EPSILON_MAX), seed=st.integers(0, 1000))
def test_pgd_with_one_step_of_eps_is_fgsm(smooth, eps, seed):
    x = image(seed)
    fgsm = adv.attack(smooth, x, AttackSettings("fgsm", eps))
    pgd = adv.attack(smooth, x, AttackSettings("pgd", eps, steps=1, alpha=eps or None))
    # Equal up to float32 rounding (PGD adds in float32, FGSM in float64 then rounds).
    np.testing.assert_allclose(pgd.adversarial, fgsm.adversarial, rtol=0, atol=1e-6)


def test_pgd_does_at_least_as_well_as_fgsm_on_the_loss(three_class):
    model, kernel, bias = three_class
    x = image(11)
    label = int(np.argmax(x.ravel() @ kernel + bias))

    def loss(a):
        return -np.log(softmax(a.ravel() @ kernel + bias)[label])

    fgsm = adv.attack(model, x, AttackSettings("fgsm", 0.05))
    pgd = adv.attack(model, x, AttackSettings("pgd", 0.05, steps=10))
    assert loss(pgd.adversarial) >= loss(fgsm.adversarial) - 1e-6 > loss(x)


def test_default_pgd_step_is_two_and_a_half_eps_over_steps():
    assert AttackSettings("pgd", 0.1, steps=10).alpha_ratio == pytest.approx(0.25)
    assert AttackSettings("pgd", 0.1, steps=2).alpha_ratio == 1.0  # never beyond the ball
    assert AttackSettings("pgd", 0.1, steps=5, alpha=0.02).alpha_ratio == pytest.approx(0.2)


# --- the smallest ε -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s",
    [
        AttackSettings("fgsm", 0.0),
        AttackSettings("pgd", 0.0, steps=5, random_start=True, seed=3),
        AttackSettings("fgsm", 0.0, target=2),
    ],
    ids=["fgsm", "pgd", "targeted"],
)
def test_the_grid_search_agrees_with_attacking_each_eps_alone(three_class, s):
    model, kernel, bias = three_class
    x = image(5, 0.2, 0.8)
    grid = adv.epsilon_grid(0.3, 0.02)
    if s.target is not None and np.argmax(x.ravel() @ kernel + bias) == s.target:
        s = AttackSettings("fgsm", 0.0, target=1)
    search = adv.smallest_epsilon(model, x, s, grid)
    one_by_one = [
        adv.attack(model, x, AttackSettings(**{**s.__dict__, "epsilon": float(e)})) for e in grid
    ]
    np.testing.assert_array_equal(search.predictions, [r.prediction for r in one_by_one])
    worked = [r.prediction == s.target if s.target is not None else r.changed for r in one_by_one]
    np.testing.assert_array_equal(search.success, worked)
    assert any(worked)  # else the test would prove little
    assert search.smallest == grid[worked.index(True)]


def test_the_search_says_none_when_no_eps_works(two_class):
    model, _ = two_class
    # Far from the boundary: logit gap 0.5 + 10 x 0.1 ... no ε below 0.01 flips it.
    x = np.zeros(SHAPE, np.float32)
    search = adv.smallest_epsilon(model, x, AttackSettings("fgsm", 0.0), [0.001, 0.002])
    assert search.smallest is None and not search.success.any()


def test_epsilon_grid_is_the_slider():
    grid = adv.epsilon_grid()
    assert grid[0] == adv.EPSILON_STEP and grid[-1] == adv.EPSILON_MAX
    assert len(grid) == round(adv.EPSILON_MAX / adv.EPSILON_STEP)
    np.testing.assert_allclose(np.diff(grid), adv.EPSILON_STEP)


# --- transfer -------------------------------------------------------------------------------


def test_transfer_rates_agree_with_a_manual_loop(three_class):
    source, kernel, bias = three_class
    other = np.random.default_rng(9).normal(0, 1, kernel.shape)
    target_kernel = kernel + 0.8 * other
    target = linear_model(target_kernel, bias)
    rng = np.random.default_rng(10)
    xs = rng.uniform(0, 1, (40, *SHAPE)).astype(np.float32)
    ys = rng.integers(0, 3, 40)
    result = adv.transfer_attack(source, target, xs, ys, AttackSettings("fgsm", 0.1, target=1))
    right_s = right_t = fooled_s = fooled_t = 0
    for x, y in zip(xs, ys, strict=True):
        p = softmax(x.ravel() @ kernel + bias)
        grad = kernel @ (p - np.eye(3)[y])  # closed form of the source's loss gradient
        a = np.clip(x.ravel() + 0.1 * np.sign(grad), 0, 1)
        for w, counts in ((kernel, "s"), (target_kernel, "t")):
            was_right = np.argmax(x.ravel() @ w + bias) == y
            now_wrong = np.argmax(a @ w + bias) != y
            if counts == "s":
                right_s += was_right
                fooled_s += was_right and now_wrong
            else:
                right_t += was_right
                fooled_t += was_right and now_wrong
    assert (result.images, result.source_right, result.target_right) == (40, right_s, right_t)
    assert result.source_accuracy == right_s / 40 and result.target_accuracy == right_t / 40
    assert result.white_box_rate == pytest.approx(fooled_s / right_s)
    assert result.transfer_rate == pytest.approx(fooled_t / right_t)


def test_transfer_takes_uint8_images_and_a_network_on_itself_is_white_box(three_class):
    model, _, _ = three_class
    xs = np.random.default_rng(1).integers(0, 256, (12, *SHAPE[:2]), dtype=np.uint8)
    ys = np.arange(12) % 3
    result = adv.transfer_attack(model, model, xs, ys, AttackSettings("pgd", 0.2, steps=3))
    assert result.white_box_rate == result.transfer_rate


# --- bad settings ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"epsilon": -0.01}, "error.adv_epsilon"),
        ({"epsilon": 0.31}, "error.adv_epsilon"),
        ({"epsilon": float("nan")}, "error.adv_epsilon"),
        ({"epsilon": True}, "error.adv_epsilon"),
        ({"steps": 0}, "error.adv_steps"),
        ({"steps": 21}, "error.adv_steps"),
        ({"steps": 2.0}, "error.adv_steps"),
        ({"alpha": 0.0}, "error.adv_alpha"),
        ({"alpha": 0.5}, "error.adv_alpha"),
        ({"method": "cw"}, "error.adv_method"),
        ({"target": -1}, "error.adv_target"),
        ({"target": 1.0}, "error.adv_target"),
    ],
)
def test_bad_settings_are_refused_in_both_languages(kwargs, key):
    with pytest.raises(InputError) as err:
        AttackSettings(**kwargs)
    assert err.value.key == key
    assert err.value.message("es") != err.value.message("en")
    assert "{" not in err.value.message("es")


def test_a_target_must_be_another_of_the_models_classes(three_class):
    model, kernel, bias = three_class
    x = image(2)
    current = int(np.argmax(x.ravel() @ kernel + bias))
    for target, key in ((current, "error.adv_target_is_current"), (3, "error.adv_target")):
        with pytest.raises(InputError) as err:
            adv.attack(model, x, AttackSettings("fgsm", 0.1, target=target))
        assert err.value.key == key


def test_transfer_refuses_bad_batches_and_networks_that_do_not_match(three_class, two_class):
    model, _, _ = three_class
    xs = np.zeros((9, *SHAPE), np.float32)
    with pytest.raises(InputError, match="10") as err:
        adv.transfer_attack(model, model, xs, np.zeros(9), AttackSettings())
    assert err.value.key == "error.adv_batch"
    with pytest.raises(InputError) as err:
        adv.transfer_attack(model, model, np.zeros((501, *SHAPE)), np.zeros(501), AttackSettings())
    assert err.value.key == "error.adv_batch"
    with pytest.raises(InputError) as err:
        adv.transfer_attack(
            model, two_class[0], np.zeros((10, *SHAPE)), np.zeros(10), AttackSettings()
        )
    assert err.value.key == "error.adv_transfer_shape"
    bigger = linear_model(np.zeros((30, 3)), np.zeros(3), shape=(5, 6, 1))
    with pytest.raises(InputError) as err:
        adv.transfer_attack(model, bigger, np.zeros((10, *SHAPE)), np.zeros(10), AttackSettings())
    assert err.value.key == "error.adv_transfer_shape"


def test_the_search_refuses_a_grid_out_of_range(three_class):
    with pytest.raises(InputError) as err:
        adv.smallest_epsilon(three_class[0], image(1), AttackSettings(), [0.1, 0.4])
    assert err.value.key == "error.adv_epsilon"


# --- the bundled digit network --------------------------------------------------------------


def test_fgsm_flips_a_real_test_digit_of_the_bundled_network():
    from cnnviz.nets.datasets import load_mnist_subset
    from cnnviz.nets.model import load_trained_model

    model, data = load_trained_model(), load_mnist_subset()
    x = data.x_test[0].astype(np.float32) / 255
    search = adv.smallest_epsilon(model, x, AttackSettings("fgsm", 0.0))
    assert search.smallest is not None  # some ε of the slider changes its answer
    index = int(np.flatnonzero(search.grid == search.smallest)[0])
    at = adv.attack(model, x, AttackSettings("fgsm", float(search.grid[index])))
    assert at.changed and at.prediction == search.predictions[index]
    # Every smaller ε of the grid leaves the answer alone: the search reports the first.
    for eps in search.grid[:index]:
        assert not adv.attack(model, x, AttackSettings("fgsm", float(eps))).changed
