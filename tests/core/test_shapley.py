"""Shapley values of small games with known answers: hand values, axioms, sampling error."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnviz.core import shapley
from cnnviz.i18n import InputError
from tests.core.helpers import assert_actionable

PROPERTY = settings(max_examples=40, deadline=None)


def table_game(table: dict[frozenset, float], n: int):
    """A game given coalition by coalition (missing coalitions are worth 0)."""

    def value(masks: np.ndarray) -> np.ndarray:
        return np.array([table.get(frozenset(np.flatnonzero(m).tolist()), 0.0) for m in masks])

    return value


# A 3-player game worked by hand: v(0)=1, v(1)=2, v(2)=0, v(01)=4, v(02)=3, v(12)=5, v(012)=9.
# φ0 = 1/3·(1−0) + 1/6·(4−2) + 1/6·(3−0) + 1/3·(9−5) = 1/3 + 1/3 + 1/2 + 4/3 = 5/2
# φ1 = 1/3·2 + 1/6·(4−1) + 1/6·(5−0) + 1/3·(9−3) = 2/3 + 1/2 + 5/6 + 2 = 4
# φ2 = 1/3·0 + 1/6·(3−1) + 1/6·(5−2) + 1/3·(9−4) = 0 + 1/3 + 1/2 + 5/3 = 5/2
HAND = {
    frozenset({0}): 1.0,
    frozenset({1}): 2.0,
    frozenset({2}): 0.0,
    frozenset({0, 1}): 4.0,
    frozenset({0, 2}): 3.0,
    frozenset({1, 2}): 5.0,
    frozenset({0, 1, 2}): 9.0,
}


def test_hand_worked_three_player_game():
    result = shapley.exact_shapley(table_game(HAND, 3), 3)
    np.testing.assert_allclose(result.values, [2.5, 4.0, 2.5])
    assert (result.full, result.empty, result.evaluations) == (9.0, 0.0, 8)
    assert result.exact and result.total == pytest.approx(9.0)


def test_exact_values_match_the_average_over_every_order():
    """The weighted formula equals the definition: the mean contribution over all n! orders."""
    value = table_game(HAND, 3)
    contributions = []
    for order in itertools.permutations(range(3)):
        chain = [value(np.array([np.isin(range(3), order[:k])]))[0] for k in range(4)]
        step = np.empty(3)
        step[list(order)] = np.diff(chain)
        contributions.append(step)
    np.testing.assert_allclose(np.mean(contributions, axis=0), [2.5, 4.0, 2.5])


@PROPERTY
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=10), st.floats(-3, 3))
def test_additive_game_values_are_the_weights(weights, constant):
    weights = np.array(weights)
    result = shapley.exact_shapley(lambda m: m @ weights + constant, len(weights))
    np.testing.assert_allclose(result.values, weights, atol=1e-9)
    # Sampling is exact too: every order gives each player its own weight.
    sampled = shapley.sampled_shapley(lambda m: m @ weights + constant, len(weights), 6, seed=3)
    np.testing.assert_allclose(sampled.values, weights, atol=1e-9)
    np.testing.assert_allclose(sampled.standard_errors, 0, atol=1e-9)


@PROPERTY
@given(
    st.integers(2, 8).flatmap(
        lambda n: st.tuples(
            st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n),
            st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n),
            st.lists(st.floats(0, 1, allow_nan=False), min_size=n, max_size=n),
        )
    )
)
def test_linear_model_on_masked_features(game):
    """f(z) = w·z with z = x on the coalition, b elsewhere: φ_i = w_i (x_i − b_i)."""
    w, x, b = (np.array(v) for v in game)
    result = shapley.exact_shapley(lambda m: np.where(m, x, b) @ w, len(w))
    np.testing.assert_allclose(result.values, w * (x - b), atol=1e-9)


def interacting(masks: np.ndarray) -> np.ndarray:
    """Players 0 and 1 symmetric, player 3 a dummy, 2 pairs with both."""
    m = masks.astype(float)
    return m[:, 0] + m[:, 1] + m[:, 0] * m[:, 1] + 2 * m[:, 2] * (1 + m[:, 0] + m[:, 1])


def test_symmetry_dummy_and_efficiency_axioms():
    result = shapley.exact_shapley(interacting, 4)
    assert result.values[0] == pytest.approx(result.values[1])  # symmetry
    assert result.values[3] == pytest.approx(0.0)  # dummy
    assert result.total == pytest.approx(result.full - result.empty)  # efficiency
    # by hand: a product of two players is shared half and half between them
    np.testing.assert_allclose(result.values, [1 + 0.5 + 1, 1 + 0.5 + 1, 2 + 1 + 1, 0], atol=1e-12)


@PROPERTY
@given(st.integers(1, 30), st.integers(2, 40), st.integers(0, 2**32 - 1))
def test_every_sampled_estimate_satisfies_efficiency(n, permutations, seed):
    rng = np.random.default_rng(seed)
    table = rng.standard_normal(2**n if n <= 10 else 1)

    def value(masks):  # a non-additive game: a hash of the coalition
        if n <= 10:
            return table[(masks * (1 << np.arange(n))).sum(axis=1)]
        return np.sin(masks @ np.arange(1, n + 1)) * masks.sum(axis=1)

    result = shapley.sampled_shapley(value, n, permutations, seed)
    assert result.permutations == permutations + permutations % 2
    # per permutation, not just on average: each row telescopes to v(all) - v(none)
    np.testing.assert_allclose(
        result.contributions.sum(axis=1), result.full - result.empty, atol=1e-9
    )
    assert result.evaluations == 2 + result.permutations * (n - 1)


def test_sampled_agrees_with_exact_within_its_standard_error():
    rng = np.random.default_rng(7)
    table = rng.standard_normal(2**10)

    def value(masks):
        return table[(masks * (1 << np.arange(10))).sum(axis=1)]

    exact = shapley.exact_shapley(value, 10).values
    sampled = shapley.sampled_shapley(value, 10, 400, seed=11)
    z = np.abs(sampled.values - exact) / sampled.standard_errors
    assert z.max() < 4  # ten players: all within four standard errors
    assert np.mean(z < 2) >= 0.7  # and most within two, as for a normal estimate


def test_sampling_is_seeded():
    a = shapley.sampled_shapley(interacting, 4, 10, seed=5)
    b = shapley.sampled_shapley(interacting, 4, 10, seed=5)
    c = shapley.sampled_shapley(interacting, 4, 10, seed=6)
    np.testing.assert_array_equal(a.contributions, b.contributions)
    assert not np.array_equal(a.contributions, c.contributions)


def test_one_permutation_walks_through_one_order():
    walk = shapley.one_permutation(table_game(HAND, 3), 3, region=1, seed=0)
    order = np.random.default_rng(0).permutation(3)
    np.testing.assert_array_equal(walk.order, order)
    before = frozenset(order[: walk.position].tolist())
    assert walk.before.tolist() == [i in before for i in range(3)]
    assert walk.value_before == HAND.get(before, 0.0)
    assert walk.value_after == HAND[before | {1}]
    assert walk.contribution == walk.value_after - walk.value_before
    assert walk.steps.sum() == pytest.approx(9.0)
    assert walk.steps[1] == walk.contribution


def test_grid_regions_sizes_differ_by_at_most_one_pixel():
    labels = shapley.grid_regions(28, 28, 3, 3)
    counts = np.bincount(labels.ravel())
    assert counts.size == 9
    np.testing.assert_array_equal(np.bincount(labels[:, 0]), [9, 0, 0, 10, 0, 0, 9])
    assert labels[0, 0] == 0 and labels[-1, -1] == 8 and labels[0, -1] == 2


@given(st.integers(2, 40), st.integers(2, 40), st.integers(2, 8), st.integers(2, 8))
@PROPERTY
def test_grid_regions_are_rectangles_in_reading_order(height, width, rows, cols):
    if height < rows or width < cols:
        with pytest.raises(InputError):
            shapley.grid_regions(height, width, rows, cols)
        return
    labels = shapley.grid_regions(height, width, rows, cols)
    assert labels.shape == (height, width)
    assert set(np.unique(labels)) == set(range(rows * cols))
    for region in range(rows * cols):
        r, c = np.nonzero(labels == region)
        assert r.size == (r.max() - r.min() + 1) * (c.max() - c.min() + 1)  # a full rectangle
        assert abs(r.size - height * width / (rows * cols)) < height + width


@pytest.mark.parametrize(
    ("call", "key", "quoted"),
    [
        (lambda: shapley.grid_regions(28, 28, 1, 4), "error.shapley_grid", ("1",)),
        (lambda: shapley.grid_regions(28, 28, 4, 9), "error.shapley_grid", ("9",)),
        (lambda: shapley.grid_regions(28, 28, 4.0, 4), "error.shapley_grid", ("4.0",)),
        (lambda: shapley.grid_regions(5, 28, 6, 6), "error.shapley_grid_image", ("6×6",)),
        (lambda: shapley.exact_shapley(interacting, 13), "error.shapley_exact_too_many", ("13",)),
        (lambda: shapley.sampled_shapley(interacting, 4, 1), "error.shapley_permutations", ("1",)),
        (
            lambda: shapley.sampled_shapley(interacting, 4, 1001),
            "error.shapley_permutations",
            ("1001",),
        ),
        (lambda: shapley.sampled_shapley(interacting, 4, 4, -1), "error.shapley_seed", ("-1",)),
        (lambda: shapley.one_permutation(interacting, 4, 4), "error.shapley_region", ("4",)),
        (
            lambda: shapley.exact_shapley(lambda m: np.zeros(3), 2),
            "error.shapley_value_output",
            ("3",),
        ),
    ],
)
def test_bad_settings_get_a_translated_message(call, key, quoted):
    with pytest.raises(InputError) as caught:
        call()
    assert_actionable(caught.value, key, *quoted)
