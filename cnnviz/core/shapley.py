r"""Shapley values of image regions, for any value function (NumPy only).

A *game* has ``n`` players (here: the regions of an image) and a value
function :math:`v` that scores every coalition :math:`S` (the regions kept
from the image; the others come from a baseline). The Shapley value of player
:math:`i` is its marginal contribution :math:`v(S \cup \{i\}) - v(S)`
averaged over every order in which the players could join:

.. math:: \phi_i = \sum_{S \subseteq N \setminus \{i\}}
          \frac{|S|!\,(n - |S| - 1)!}{n!}\,\bigl(v(S \cup \{i\}) - v(S)\bigr).

It is the only attribution with four properties: *efficiency*
(:math:`\sum_i \phi_i = v(N) - v(\varnothing)`), *symmetry* (two players that
change every coalition equally get equal values), *dummy* (a player that never
changes anything gets 0) and *additivity*.

The value function here takes a batch: ``value(masks) -> values`` with
``masks`` a bool array ``(B, n)`` (row ``b`` = one coalition, ``True`` = in)
and ``values`` shape ``(B,)``. The network side
(:mod:`cnnviz.nets.shapley`) builds it from a model; the tests use small
games with known answers.

- :func:`exact_shapley` evaluates all :math:`2^n` coalitions (at most
  :data:`EXACT_MAX_REGIONS` players);
- :func:`sampled_shapley` averages marginal contributions over random
  permutations (antithetic pairs: each order and its reverse), with a standard
  error;
- :func:`one_permutation` records one order step by step, for the page;
- :func:`grid_regions` cuts an image into ``rows × cols`` square-ish patches.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from cnnviz.core._checks import is_int
from cnnviz.i18n import InputError

__all__ = [
    "EXACT_MAX_REGIONS",
    "GRID_RANGE",
    "PERMUTATION_RANGE",
    "PermutationWalk",
    "ShapleyResult",
    "ValueFunction",
    "exact_shapley",
    "grid_regions",
    "one_permutation",
    "sampled_shapley",
]

ValueFunction = Callable[[np.ndarray], np.ndarray]
"""``value(masks)``: bool ``(B, n)`` coalitions -> float ``(B,)`` values."""

GRID_RANGE = (2, 8)
"""Regions per side of :func:`grid_regions`: 2x2 (4 regions) to 8x8 (64 regions)."""

EXACT_MAX_REGIONS = 12
"""Most players :func:`exact_shapley` accepts: 2^12 = 4,096 coalitions."""

PERMUTATION_RANGE = (2, 1000)
"""Permutations :func:`sampled_shapley` accepts (rounded up to an even number)."""

_BATCH = 1024  # coalitions per call of the value function in exact_shapley


@dataclass(frozen=True)
class ShapleyResult:
    r"""Shapley values and what they were computed from.

    Attributes
    ----------
    values : ndarray, shape (n,), float64
        One value per player (region).
    standard_errors : ndarray, shape (n,), float64
        Standard error of each value: zeros when exact.
    full, empty : float
        :math:`v(N)` (every region from the image) and :math:`v(\varnothing)`
        (every region from the baseline).
    permutations : int
        Permutations sampled; 0 when exact.
    evaluations : int
        Coalitions the value function scored.
    contributions : ndarray, shape (permutations, n), or None
        Each sampled permutation's marginal contribution of each player (their
        column means are ``values``); None when exact.
    """

    values: np.ndarray
    standard_errors: np.ndarray
    full: float
    empty: float
    permutations: int
    evaluations: int
    contributions: np.ndarray | None = None

    @property
    def exact(self) -> bool:
        """Whether the values are exact (every coalition evaluated)."""
        return self.permutations == 0

    @property
    def total(self) -> float:
        """The values' sum, which efficiency says equals ``full - empty``."""
        return float(self.values.sum())


@dataclass(frozen=True)
class PermutationWalk:
    """One order of the players, and :math:`v` after each joins.

    Attributes
    ----------
    order : ndarray, shape (n,), int
        The players in the order they join.
    chain : ndarray, shape (n + 1,), float64
        ``chain[k]`` = value of the coalition of the first ``k`` players of
        ``order`` (``chain[0]`` = empty, ``chain[n]`` = all).
    region : int
        The player followed.
    """

    order: np.ndarray
    chain: np.ndarray
    region: int

    @property
    def position(self) -> int:
        """How many players joined before ``region``."""
        return int(np.flatnonzero(self.order == self.region)[0])

    @property
    def before(self) -> np.ndarray:
        """The players already in when ``region`` joins (bool, shape (n,))."""
        mask = np.zeros(self.order.size, dtype=bool)
        mask[self.order[: self.position]] = True
        return mask

    @property
    def value_before(self) -> float:
        """:math:`v(S)`, before ``region`` joins."""
        return float(self.chain[self.position])

    @property
    def value_after(self) -> float:
        r""":math:`v(S \cup \{i\})`, once it has joined."""
        return float(self.chain[self.position + 1])

    @property
    def contribution(self) -> float:
        """The marginal contribution ``value_after - value_before``."""
        return self.value_after - self.value_before

    @property
    def steps(self) -> np.ndarray:
        """Every player's marginal contribution in this order, by player (shape (n,))."""
        steps = np.empty(self.order.size)
        steps[self.order] = np.diff(self.chain)
        return steps


def _count(value: object, low: int, high: int, key: str) -> int:
    """Return a whole number checked to lie in ``[low, high]``, else raise ``InputError(key)``."""
    if not is_int(value) or not low <= value <= high:
        raise InputError(key, value=repr(value), low=low, high=high)
    return int(value)


def grid_regions(height: int, width: int, rows: int, cols: int) -> np.ndarray:
    """Cut an image into ``rows × cols`` patches and label each pixel with its patch.

    Parameters
    ----------
    height, width : int
        The image's size in pixels, at least ``rows`` and ``cols``.
    rows, cols : int
        Patches down and across, each from 2 to 8 (:data:`GRID_RANGE`).

    Returns
    -------
    ndarray, shape (height, width), int
        Patch number of each pixel, ``row * cols + col`` (row-major from the top
        left). Patch edges are ``round(k * height / rows)``, so sizes differ by
        at most one pixel (28 rows in 3 patches: 9, 10, 9).

    Raises
    ------
    InputError
        For a grid outside 2 to 8 a side (``error.shapley_grid``) or larger than
        the image (``error.shapley_grid_image``).

    Examples
    --------
    >>> grid_regions(4, 6, 2, 3)
    array([[0, 0, 1, 1, 2, 2],
           [0, 0, 1, 1, 2, 2],
           [3, 3, 4, 4, 5, 5],
           [3, 3, 4, 4, 5, 5]])
    """
    low, high = GRID_RANGE
    rows = _count(rows, low, high, "error.shapley_grid")
    cols = _count(cols, low, high, "error.shapley_grid")
    if not (is_int(height) and is_int(width)) or height < rows or width < cols:
        raise InputError("error.shapley_grid_image", grid=f"{rows}×{cols}", size=(height, width))
    row_of = np.searchsorted(
        np.round(np.arange(1, rows) * height / rows), np.arange(height), "right"
    )
    col_of = np.searchsorted(np.round(np.arange(1, cols) * width / cols), np.arange(width), "right")
    return row_of[:, None] * cols + col_of[None, :]


def _evaluate(value: ValueFunction, masks: np.ndarray) -> np.ndarray:
    """Call the value function and check it gave one finite number per coalition."""
    out = np.asarray(value(masks), dtype=np.float64)
    if out.shape != (len(masks),) or not np.isfinite(out).all():
        raise InputError("error.shapley_value_output", shape=out.shape, expected=(len(masks),))
    return out


def _players(n: object, high: int, key: str) -> int:
    return _count(n, 1, high, key)


def exact_shapley(value: ValueFunction, n: int) -> ShapleyResult:
    """Evaluate every coalition and apply the Shapley formula.

    Parameters
    ----------
    value : callable
        ``value(masks)``, masks bool ``(B, n)`` -> values ``(B,)``; called with
        batches of at most 1,024 coalitions.
    n : int
        Players, from 1 to :data:`EXACT_MAX_REGIONS` (:math:`2^n` coalitions).

    Returns
    -------
    ShapleyResult
        Exact values (standard errors 0, ``permutations`` 0).

    Raises
    ------
    InputError
        ``error.shapley_exact_too_many`` above 12 players: sample instead.

    Examples
    --------
    A glove game: player 0 has a left glove, players 1 and 2 a right one;
    a pair is worth 1.

    >>> glove = lambda m: (m[:, 0] & (m[:, 1] | m[:, 2])).astype(float)
    >>> exact_shapley(glove, 3).values.round(4)
    array([0.6667, 0.1667, 0.1667])
    """
    n = _players(n, EXACT_MAX_REGIONS, "error.shapley_exact_too_many")
    codes = np.arange(2**n)
    masks = (codes[:, None] >> np.arange(n)) & 1 == 1  # coalition c holds player i if bit i set
    values = np.concatenate(
        [_evaluate(value, masks[start : start + _BATCH]) for start in range(0, 2**n, _BATCH)]
    )
    sizes = masks.sum(axis=1)
    # weight of a coalition of size s not holding i: s! (n - s - 1)! / n!
    weights = np.array([math.factorial(s) * math.factorial(n - s - 1) for s in range(n)])
    weights = weights / math.factorial(n)
    phi = np.empty(n)
    for i in range(n):
        without = codes[~masks[:, i]]
        phi[i] = np.sum(weights[sizes[without]] * (values[without | (1 << i)] - values[without]))
    return ShapleyResult(phi, np.zeros(n), float(values[-1]), float(values[0]), 0, 2**n)


def _orders(n: int, permutations: int, seed: int) -> np.ndarray:
    """Antithetic orders: ``permutations / 2`` random ones, each followed by its reverse."""
    rng = np.random.default_rng(seed)
    half = np.array([rng.permutation(n) for _ in range(permutations // 2)]).reshape(-1, n)
    return np.stack([half, half[:, ::-1]], axis=1).reshape(-1, n)


def _chains(value: ValueFunction, orders: np.ndarray) -> tuple[np.ndarray, float, float]:
    """``v`` along each order: shape (P, n + 1), with v(all) and v(none) evaluated once.

    The inner ``n - 1`` coalitions of every order go to the value function as
    one batch; the two ends are shared, so every order's contributions add up to
    the same ``v(all) - v(none)`` (efficiency holds per permutation).
    """
    count, n = orders.shape
    ends = _evaluate(value, np.array([np.ones(n, bool), np.zeros(n, bool)]))
    ranks = np.empty_like(orders)
    np.put_along_axis(ranks, orders, np.arange(n)[None, :], axis=1)  # position of each player
    steps = np.arange(1, n)[None, :, None]  # coalition k holds the first k players
    inner = (ranks[:, None, :] < steps).reshape(-1, n)
    chain = np.empty((count, n + 1))
    chain[:, 0], chain[:, n] = ends[1], ends[0]
    if n > 1:
        chain[:, 1:n] = _evaluate(value, inner).reshape(count, n - 1)
    return chain, float(ends[0]), float(ends[1])


def sampled_shapley(
    value: ValueFunction, n: int, permutations: int, seed: int = 0
) -> ShapleyResult:
    r"""Estimate Shapley values by averaging marginal contributions over random orders.

    Parameters
    ----------
    value : callable
        ``value(masks)``, masks bool ``(B, n)`` -> values ``(B,)``; called once
        with ``P (n - 1)`` coalitions and once with the two ends.
    n : int
        Players, from 1 to 4,096.
    permutations : int
        Orders to sample, from 2 to 1,000 (:data:`PERMUTATION_RANGE`); an odd
        number is rounded up, since orders come in antithetic pairs (an order
        and its reverse, which lowers the variance for nearly additive games).
    seed : int, default 0
        Seed of NumPy's random generator: the same seed gives the same orders.

    Returns
    -------
    ShapleyResult
        ``values`` = mean contribution; ``standard_errors`` = standard deviation
        of the pair means over the ``P / 2`` independent pairs, divided by
        :math:`\sqrt{P/2}`; ``contributions`` = every order's contributions.
        Every order's contributions add up to ``full - empty`` (the chain
        telescopes), so the estimate satisfies efficiency to rounding error.

    Raises
    ------
    InputError
        For a number of players or permutations out of range, or a seed that
        is not a whole number from 0.

    Examples
    --------
    >>> additive = lambda m: m @ np.array([1.0, 2.0, 3.0])
    >>> sampled_shapley(additive, 3, 4, seed=1).values
    array([1., 2., 3.])
    """
    n = _players(n, 4096, "error.shapley_players")
    low, high = PERMUTATION_RANGE
    permutations = _count(permutations, low, high, "error.shapley_permutations")
    seed = _count(seed, 0, 2**32 - 1, "error.shapley_seed")
    orders = _orders(n, permutations + permutations % 2, seed)
    chain, full, empty = _chains(value, orders)
    contributions = np.empty((len(orders), n))
    np.put_along_axis(contributions, orders, np.diff(chain, axis=1), axis=1)
    pairs = contributions.reshape(-1, 2, n).mean(axis=1)
    errors = pairs.std(axis=0, ddof=1) / math.sqrt(len(pairs)) if len(pairs) > 1 else np.zeros(n)
    return ShapleyResult(
        contributions.mean(axis=0),
        errors,
        full,
        empty,
        len(orders),
        2 + len(orders) * (n - 1),
        contributions,
    )


def one_permutation(value: ValueFunction, n: int, region: int, seed: int = 0) -> PermutationWalk:
    """Follow one random order of the players, to show a marginal contribution step by step.

    Parameters
    ----------
    value : callable
        ``value(masks)``, masks bool ``(B, n)`` -> values ``(B,)``.
    n : int
        Players, from 1 to 4,096.
    region : int
        The player followed, from 0 to ``n - 1``.
    seed : int, default 0
        Seed of the order (``numpy.random.default_rng(seed).permutation(n)``).

    Returns
    -------
    PermutationWalk
        The order and ``v`` after each player joins.

    Examples
    --------
    >>> walk = one_permutation(lambda m: m @ np.array([1.0, 2.0, 3.0]), 3, 2, seed=0)
    >>> walk.order.tolist(), walk.chain.tolist(), walk.contribution
    ([2, 0, 1], [0.0, 3.0, 4.0, 6.0], 3.0)
    """
    n = _players(n, 4096, "error.shapley_players")
    region = _count(region, 0, n - 1, "error.shapley_region")
    seed = _count(seed, 0, 2**32 - 1, "error.shapley_seed")
    order = np.random.default_rng(seed).permutation(n)
    chain, _, _ = _chains(value, order[None, :])
    return PermutationWalk(order, chain[0], region)
