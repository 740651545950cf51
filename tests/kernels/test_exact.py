"""Exact convergents: against a plain integer recurrence and the reference formulas."""

from __future__ import annotations

import random
from fractions import Fraction

import mpmath
import pytest
from flint import fmpz_mat

from conjectura.kernels.exact import (
    GUARD_DIGITS,
    ConvergentWalk,
    ExactLimit,
    agreement_digits,
    confirm,
    convergents_at,
    exact_agreement,
    limit_estimate,
    segment_product,
    settle,
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


# -- honest limit estimates (issue 16) -------------------------------------------------------


def as_mpf(fraction: Fraction) -> mpmath.mpf:
    return mpmath.mpf(fraction.numerator) / fraction.denominator


def naive_value(a: list[int], b: list[int], depth: int) -> Fraction:
    return Fraction(*naive_convergent(a, b, depth))


@pytest.mark.parametrize("depth", [1, 2, 6, 65, 130])
def test_a_walk_step_gives_the_previous_convergent_too(depth: int) -> None:
    a, b = [5, 27, 51, 34], [0, 0, 0, 0, 0, 0, -1]
    previous, current = ConvergentWalk(a, b).pair(depth)
    assert (previous.depth, current.depth) == (depth - 1, depth)
    assert (int(previous.p), int(previous.q)) == naive_convergent(a, b, depth - 1)
    assert (int(current.p), int(current.q)) == naive_convergent(a, b, depth)


# (a, b, limit): fast (4/pi, golden ratio, e), slow alternating (Brouncker) and slow
# one-sided (Euler's form of 1/zeta(2): the convergents are 1/partial sums, error ~ 1/n).
ESTIMATED = [
    ([1, 2], [0, 0, 1], lambda: 4 / mpmath.pi),
    ([1], [1], lambda: (1 + mpmath.sqrt(5)) / 2),
    ([3, 1], [0, -1], lambda: +mpmath.e),
    ([2], [1, -4, 4], lambda: 1 + 4 / mpmath.pi),
    ([1, 2, 2], [0, 0, 0, 0, -1], lambda: 6 / mpmath.pi**2),
]


@pytest.mark.parametrize(("a", "b", "limit"), ESTIMATED)
@pytest.mark.parametrize("depth", [64, 256, 1024])
def test_estimated_digits_never_exceed_the_true_error(a, b, limit, depth) -> None:
    """The settled digits an estimate claims are at most its true agreement with the
    limit (mpmath closed forms), and not far below it (within 4 digits)."""
    with mpmath.workdps(400):
        estimate = limit_estimate(a, b, depth)
        true_digits = agreement_digits(estimate.value, limit())
    assert estimate.method == "exact" and estimate.depth == depth and estimate.precision == 400
    assert estimate.digits <= true_digits
    assert estimate.digits >= min(true_digits, 400 - GUARD_DIGITS) - 4


def test_estimated_digits_are_capped_by_the_working_precision() -> None:
    with mpmath.workdps(60):
        estimate = limit_estimate([3, 1], [0, -1], 256)  # e: hundreds of correct digits
    assert estimate.digits == 60 - GUARD_DIGITS
    assert estimate.precision == 60


def test_a_terminating_fraction_is_settled_to_the_working_precision() -> None:
    # b(3) = 0 ends the fraction: every convergent from depth 2 on is the rational value
    with mpmath.workdps(80):
        estimate = limit_estimate([1, 1], [3, -1], 64)
        assert estimate.value == as_mpf(naive_value([1, 1], [3, -1], 2))
    assert estimate.digits == 80 - GUARD_DIGITS


def test_a_shallow_agreement_with_a_wrong_candidate_is_not_trusted() -> None:
    """Brouncker's PCF(2, (2n-1)^2) = 1 + 4/pi converges like 1/n: its depth-64 convergent
    (plus 1e-60) agrees with itself to 60 digits but is 3 digits from the limit. The old
    check reported the 60 digits at depth 64 (a verified formula); the estimate has settled
    to 3 digits, so no candidate gets more."""
    a, b = [2], [1, -4, 4]
    with mpmath.workdps(120):
        wrong = as_mpf(naive_value(a, b, 64)) + mpmath.mpf(10) ** -60
        assert agreement_digits(wrong, 1 + 4 / mpmath.pi) < 3  # wrong indeed
        found = exact_agreement(a, b, wrong, want_digits=50, max_depth=4096)
    assert found is None or found.digits < 5


def test_alternating_halves_that_never_meet_are_not_settled() -> None:
    """PCF(1, n^60) does not converge: its even convergents tend to A ~ 1 + 1e-18, its odd
    ones to B ~ 2 (checked below with plain integers). At depth 64 the even convergent
    agrees with A to 60 digits; comparing two even depths (64 and 128) says it has
    settled. An odd and an even depth say it has not: A is borne out to no digits."""
    a, b = [1], [0] * 60 + [1]
    even, odd = naive_value(a, b, 1024), naive_value(a, b, 1023)
    assert abs(even - odd) > Fraction(9, 10)  # the two halves stay apart
    with mpmath.workdps(120):
        candidate = as_mpf(even)
        assert agreement_digits(as_mpf(naive_value(a, b, 64)), candidate) > 55
        found = exact_agreement(a, b, candidate, want_digits=50, max_depth=2048)
        assert found is None or found.digits < 1
        assert limit_estimate(a, b, 1024).digits < 1


def test_settle_deepens_until_the_estimate_has_settled() -> None:
    limit = ExactLimit([1, 2], [0, 0, 1])  # 4/pi: about 0.765 digits a term
    with mpmath.workdps(200):
        estimate = settle(limit, want_digits=120, max_depth=4096)
        assert estimate.digits >= 120
        assert estimate.depth == 256  # 128 terms give about 97 digits
        assert agreement_digits(estimate.value, 4 / mpmath.pi) >= estimate.digits


def test_confirmation_looks_twice_as_deep_at_twice_the_precision() -> None:
    limit = ExactLimit([1, 2], [0, 0, 1])
    with mpmath.workdps(120):
        checked = limit.estimate(128)
    confirmation = confirm(limit, lambda: 4 / mpmath.pi, checked)
    assert confirmation.depth == 256 and confirmation.estimate.precision == 240
    # x_256 of 4/pi agrees to ~195 digits (0.765 a term), far past the check's 120-digit precision
    assert 185 < confirmation.digits <= 240 - GUARD_DIGITS


def test_confirmation_of_a_wrong_value_fails() -> None:
    """A target equal to the depth-128 convergent of Brouncker's slow PCF: at depth 256 it
    is borne out to the 2-3 digits the slow estimate has, nowhere near a threshold."""
    a, b = [2], [1, -4, 4]
    limit = ExactLimit(a, b)
    with mpmath.workdps(120):
        checked = limit.estimate(128)
    shallow = naive_value(a, b, 128)
    confirmation = confirm(limit, lambda: as_mpf(shallow), checked)
    assert confirmation.digits < 4
