"""Exact convergents: against a plain integer recurrence and the reference formulas."""

from __future__ import annotations

import random

import mpmath
import pytest
from flint import fmpz_mat

from conjectura.kernels.exact import (
    ConvergentWalk,
    agreement_digits,
    convergents_at,
    exact_agreement,
    segment_product,
)
from tests.conftest import REFERENCE_FORMULAS, ReferenceFormula


def naive_convergent(a: list[int], b: list[int], depth: int) -> tuple[int, int]:
    """p_n = a(n) p_(n-1) + b(n) p_(n-2) with Python ints, straight from the definition."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    for n in range(1, depth + 1):
        p_prev, p = p, value(a, n) * p + value(b, n) * p_prev
        q_prev, q = q, value(a, n) * q + value(b, n) * q_prev
    return p, q


@pytest.mark.parametrize("depth", [1, 2, 7, 8, 9, 100, 257])
def test_walk_matches_the_recurrence(depth: int) -> None:
    a, b = [5, 27, 51, 34], [0, 0, 0, 0, 0, 0, -1]
    walk = ConvergentWalk(a, b)
    convergent = walk.at(depth)
    assert (int(convergent.p), int(convergent.q)) == naive_convergent(a, b, depth)


def test_walk_extends_in_place() -> None:
    walk = ConvergentWalk([1, 2], [0, 0, 1])
    walk.at(50)
    assert (int(walk.at(120).p), int(walk.at(120).q)) == naive_convergent([1, 2], [0, 0, 1], 120)
    with pytest.raises(ValueError):
        walk.at(10)


# Digits proven at a given depth, from each PCF's known convergence rate:
# 4/pi: error ~ (3-2*sqrt2)^n, 0.765 digits a term; golden ratio: phi^-2n, 0.418 a term;
# e-family and Apéry: factorial or (sqrt2+1)^-4n speed; 1/ln2: 2^-n, 0.301 a term.
PINNED = {
    "4-over-pi": (100, 70),
    "golden-ratio": (100, 40),
    "silver-ratio": (100, 70),
    "e": (50, 60),
    "1-over-ln2": (200, 55),
    "6-over-zeta3-apery": (40, 60),
}


@pytest.mark.parametrize(
    "formula", [f for f in REFERENCE_FORMULAS if f.id in PINNED], ids=lambda f: f.id
)
def test_digits_at_pinned_depth(formula: ReferenceFormula) -> None:
    depth, at_least = PINNED[formula.id]
    with mpmath.workdps(200):
        x = ConvergentWalk(formula.a, formula.b).at(depth).to_mpf()
        assert agreement_digits(x, formula.limit(200)) >= at_least


def test_every_fast_reference_formula_reaches_50_digits(reference_formula) -> None:
    with mpmath.workdps(120):
        found = exact_agreement(
            reference_formula.a,
            reference_formula.b,
            reference_formula.limit(120),
            want_digits=50,
            max_depth=6000,
        )
    assert found is not None
    if reference_formula.slow:
        # polynomial convergence: the notes give ~8 and ~4 digits at depth 6000
        assert found.digits < 12
        assert found.depth == 6000
    else:
        assert found.digits >= 50


def test_a_wrong_target_is_rejected() -> None:
    with mpmath.workdps(120):
        near_miss = 4 / mpmath.pi + mpmath.mpf(10) ** -20
        assert exact_agreement([1, 2], [0, 0, 1], near_miss, want_digits=50, max_depth=4096) is None


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1, 3, 2], [0, 0, -2]),  # small terms: the numba leaves
        ([-5, 0, 5], [5, -5, -5]),
        ([7, 0, 0, 3], [0, 0, 0, 0, 0, 0, -1]),  # n^6 passes 2^30 near n = 32: Python leaves
        ([2**29, 1], [1]),  # a term at the kernel's bound from the start
    ],
)
def test_convergents_at_many_depths_match_the_recurrence(a: list[int], b: list[int]) -> None:
    depths = [1, 6, 63, 64, 65, 200, 517]
    for convergent in convergents_at(a, b, depths):
        expected = naive_convergent(a, b, convergent.depth)
        assert (int(convergent.p), int(convergent.q)) == expected, convergent.depth


def test_segment_products_match_a_plain_product() -> None:
    rng = random.Random(3)
    for _ in range(60):
        a = [rng.randint(-9, 9) for _ in range(rng.randint(1, 4))]
        b = [rng.randint(-9, 9) for _ in range(rng.randint(1, 7))]
        lo = rng.randint(1, 200)
        hi = lo + rng.randint(0, 300)
        plain = fmpz_mat(2, 2, [1, 0, 0, 1])
        for n in range(lo, hi + 1):
            a_n = sum(c * n**k for k, c in enumerate(a))
            b_n = sum(c * n**k for k, c in enumerate(b))
            plain = fmpz_mat(2, 2, [a_n, b_n, 1, 0]) * plain
        assert segment_product(a, b, lo, hi) == plain, (a, b, lo, hi)
