"""Acceleration of slowly converging PCFs: honest digits, checked against closed forms.

Every expected value is an mpmath closed form at high precision; the closed forms of the
slow fractions are themselves checked here through an independent path (plain Python
integer convergents and mpmath's own Richardson extrapolation), not through the kernel.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import mpmath
import pytest

from conjectura.kernels.acceleration import (
    GUARD_DIGITS,
    AcceleratedLimit,
    accelerated_limit,
    accelerated_value,
    converges_slowly,
    error_exponent,
    extrapolation_weights,
)

BROUNCKER = ([2], [1, -4, 4])  # PCF(2, (2n-1)^2) = 1 + 4/pi


def _closed(expression) -> mpmath.mpf:
    with mpmath.workdps(400):
        return +expression()


def _true_digits(estimate: mpmath.mpf, truth: mpmath.mpf) -> float:
    with mpmath.workdps(400):
        error = abs(mpmath.mpf(estimate) - truth)
        return float("inf") if error == 0 else -float(mpmath.log10(error / abs(truth)))


def _python_convergents(a: list[int], b: list[int], depths: list[int]) -> dict[int, Fraction]:
    """p_n/q_n from the three-term recurrence in plain Python integers (no flint)."""

    def value(coefficients: list[int], n: int) -> int:
        return sum(c * n**i for i, c in enumerate(coefficients))

    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    wanted, found = set(depths), {}
    for n in range(1, max(depths) + 1):
        a_n, b_n = value(a, n), value(b, n)
        p_prev, p = p, a_n * p + b_n * p_prev
        q_prev, q = q, a_n * q + b_n * q_prev
        if n in wanted:
            found[n] = Fraction(p, q)
    return found


@pytest.mark.parametrize(
    ("a", "b", "closed_form"),
    [
        ([5], [0, 0, 1], lambda: 2 / (2 * mpmath.log(2) - 1)),  # the claim
        ([1], [0, 0, 1], lambda: 1 / mpmath.log(2)),  # reference CSV, slow-1-over-ln2
        ([2], [1, -4, 4], lambda: 1 + 4 / mpmath.pi),  # Brouncker
    ],
)
def test_closed_forms_of_slow_fractions_hold_by_an_independent_path(a, b, closed_form):
    step, count = 200, 30
    convergents = _python_convergents(a, b, [2 * step * j for j in range(1, count + 1)])
    with mpmath.workdps(80):
        sequence = [mpmath.mpf(x.numerator) / x.denominator for _, x in sorted(convergents.items())]
        estimate, _ = mpmath.richardson(sequence)
    assert _true_digits(estimate, _closed(closed_form)) > 15


def test_brouncker_to_thirty_digits_with_the_true_error_below_the_claim():
    truth = _closed(lambda: 1 + 4 / mpmath.pi)
    result = accelerated_limit(*BROUNCKER, depth=4096, dps=60)
    assert result is not None
    assert result.method == "accelerated"
    assert result.digits >= 30
    assert _true_digits(result.value, truth) >= result.digits
    # the exact convergent at that depth has only a handful of digits
    plain = _python_convergents(*BROUNCKER, [4096])[4096]
    with mpmath.workdps(60):
        assert _true_digits(mpmath.mpf(plain.numerator) / plain.denominator, truth) < 6


SLOW_AND_FAST = [
    # slow: polynomial convergence
    ("brouncker", [2], [1, -4, 4], lambda: 1 + 4 / mpmath.pi),
    ("nilakantha", [6], [1, -4, 4], lambda: 3 + mpmath.pi),
    ("slow-1-over-ln2", [1], [0, 0, 1], lambda: 1 / mpmath.log(2)),
    ("pcf-3-n2", [3], [0, 0, 1], lambda: 1 / (1 - mpmath.log(2))),
    ("pcf-5-n2", [5], [0, 0, 1], lambda: 2 / (2 * mpmath.log(2) - 1)),
    ("slow-1-over-zeta3", [1, 3, 3, 2], [0, 0, 0, 0, 0, 0, -1], lambda: 1 / mpmath.zeta(3)),
    # fast: acceleration must not invent digits
    ("4-over-pi", [1, 2], [0, 0, 1], lambda: 4 / mpmath.pi),
    ("e", [3, 1], [0, -1], lambda: mpmath.e),
    ("1-over-ln2", [2, 3], [0, 0, -2], lambda: 1 / mpmath.log(2)),
    ("30-over-pi2", [3, 11, 11], [0, 0, 0, 0, 1], lambda: 30 / mpmath.pi**2),
    ("4-over-3pi-minus-8", [3, 3], [0, 1, -2], lambda: 4 / (3 * mpmath.pi - 8)),
]


@pytest.mark.parametrize(("name", "a", "b", "closed_form"), SLOW_AND_FAST, ids=lambda v: v)
@pytest.mark.parametrize(("depth", "dps"), [(512, 30), (2048, 60), (8192, 120)])
def test_claimed_digits_never_exceed_the_true_agreement(name, a, b, closed_form, depth, dps):
    result = accelerated_limit(a, b, depth, dps)
    assert result is not None, name
    assert result.digits <= dps - GUARD_DIGITS
    assert _true_digits(result.value, _closed(closed_form)) >= result.digits


def test_deeper_gives_more_digits_on_brouncker_until_the_precision_caps_them():
    shallow = accelerated_limit(*BROUNCKER, depth=1024, dps=300)
    deep = accelerated_limit(*BROUNCKER, depth=8192, dps=300)
    assert shallow is not None and deep is not None
    assert deep.digits > shallow.digits + 20
    assert deep.depth == 8191 and shallow.depth == 1023


def test_irrational_exponent_is_removed_term_by_term():
    """PCF(1, 2n^2): α = 1/√2. Truth from a deeper, more precise run: the test only needs
    its digits to lie far beyond the shallow claim, which its own claim says they do."""
    reference = accelerated_limit([1], [0, 0, 2], 32768, 120)
    shallow = accelerated_limit([1], [0, 0, 2], 4096, 60)
    assert reference is not None and shallow is not None
    assert reference.digits > shallow.digits + 10
    assert shallow.digits >= 15  # the plain convergent at 4096 has about 3 digits
    assert _true_digits(shallow.value, reference.value) >= shallow.digits


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([1], [0, 0, 0, 1]),  # b of degree 3 dominates: even and odd limits differ
        ([1], [0, 0, -1]),  # b ~ -n^2: the convergents keep turning
        ([1], [-2]),  # complex characteristic roots
        ([0], [1]),  # a = 0: every other denominator vanishes
        ([1, 2], [0, 0, -1]),  # PCF(2n+1, -n^2): creeps towards 0 like 1/log n
    ],
)
def test_a_fraction_that_does_not_converge_usefully_gives_no_estimate(a, b):
    assert accelerated_limit(a, b, 8192, 60) is None


def test_log_creep_is_real_so_none_is_the_honest_answer():
    """The convergents of PCF(2n+1, -n^2) still move in the first digit between 1,000 and
    8,000 (so no digit is settled), which is why the kernel returns None for it."""
    x = _python_convergents([1, 2], [0, 0, -1], [1000, 8000])
    assert abs(float(x[1000] - x[8000])) > 0.01 * abs(float(x[8000]))


@pytest.mark.parametrize(
    ("a", "b", "rational"),
    [
        ([1], [-4, 0, 1], Fraction(-2)),  # b(2) = 0: 1 + b(1)/a(1) = 1 - 3
        ([1], [3, -4, 1], Fraction(1)),  # b(1) = 0: a(0); later denominators vanish
        ([2, 1], [-6, 1, 1], Fraction(2, 3)),  # b(2) = 0: 2 + b(1)/a(1) = 2 - 4/3
    ],
)
def test_a_terminating_fraction_is_its_rational_exactly(a, b, rational):
    result = accelerated_limit(a, b, 1024, 40)
    assert result is not None
    assert result.method == "exact"
    with mpmath.workdps(40):
        assert result.value == mpmath.mpf(rational.numerator) / rational.denominator
    assert result.digits == 40 - GUARD_DIGITS
    assert not converges_slowly(a, b)


def test_accelerated_value_stops_at_the_first_depth_that_claims_enough():
    truth = _closed(lambda: 1 + 4 / mpmath.pi)
    result = accelerated_value(*BROUNCKER, digits=40, max_depth=32768, dps=60, start_depth=256)
    assert result is not None
    assert result.digits >= 40
    assert result.depth < 32768 // 2  # stopped well before the largest depth
    assert _true_digits(result.value, truth) >= result.digits


def test_accelerated_value_gives_the_deepest_answer_when_the_target_is_out_of_reach():
    result = accelerated_value(*BROUNCKER, digits=1000, max_depth=2048, dps=60)
    assert result is not None
    assert result.depth == 2047
    assert result.digits < 1000
    assert accelerated_value([1], [0, 0, 0, 1], digits=10, max_depth=4096, dps=60) is None


def test_too_shallow_gives_no_estimate():
    assert accelerated_limit(*BROUNCKER, depth=20, dps=30) is None


def test_precision_caps_the_digits_of_a_fast_fraction():
    result = accelerated_limit([1, 2], [0, 0, 1], 2048, 20)
    assert result is not None
    assert result.digits == 20 - GUARD_DIGITS
    assert result.precision == 20


ZETA3_SLOW = ([1, 3, 3, 2], [0, 0, 0, 0, 0, 0, -1])  # = 1/zeta(3), convergents monotone


@pytest.mark.parametrize(
    ("a", "b", "closed_form", "wrong", "depth"),
    [
        (*BROUNCKER, lambda: 1 + 4 / mpmath.pi, Fraction(1, 3), 1024),
        (*BROUNCKER, lambda: 1 + 4 / mpmath.pi, Fraction(3), 4096),
        # monotone convergents: even and odd extrapolations err alike, so their agreement
        # alone would overstate; the check against the half-depth level must catch it
        (*ZETA3_SLOW, lambda: 1 / mpmath.zeta(3), Fraction(3), 1024),
        (*ZETA3_SLOW, lambda: 1 / mpmath.zeta(3), Fraction(4), 4096),
    ],
)
def test_a_wrong_exponent_is_caught_by_the_agreement_checks(a, b, closed_form, wrong, depth):
    wrong_result = accelerated_limit(a, b, depth, 60, exponent=wrong)
    right_result = accelerated_limit(a, b, depth, 60)
    assert right_result is not None
    if wrong_result is not None:
        assert wrong_result.digits < right_result.digits
        assert _true_digits(wrong_result.value, _closed(closed_form)) >= wrong_result.digits


def test_result_is_frozen():
    result = accelerated_limit(*BROUNCKER, 1024, 30)
    assert isinstance(result, AcceleratedLimit)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.digits = 99  # type: ignore[misc]


def _measured_exponent(a: list[int], b: list[int], near: int) -> float:
    """α from the decay of even-convergent steps |x_2m+2 - x_2m| ~ m^-(α+1), m and 4m."""
    x = _python_convergents(a, b, [near, near + 2, 4 * near, 4 * near + 2])
    with mpmath.workdps(50):
        steps = [x[n + 2] - x[n] for n in (near, 4 * near)]
        ratio = abs(mpmath.mpf(steps[0].numerator) / steps[0].denominator) / abs(
            mpmath.mpf(steps[1].numerator) / steps[1].denominator
        )
        return float(mpmath.log(ratio) / mpmath.log(4)) - 1


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ([2], [1, -4, 4], 4000),
        ([1], [0, 0, 4], 4000),
        ([1], [0, 0, 2], 4000),
        ([3], [0, 0, 4], 4000),
        ([5], [0, 0, 1], 4000),
        ([3], [0, 1, 1], 4000),
        ([1, 3, 3, 2], [0, 0, 0, 0, 0, 0, -1], 1500),  # degree 6: big integers, stop early
    ],
)
def test_error_exponent_matches_the_measured_decay(a, b, near):
    predicted = error_exponent(a, b)
    assert predicted is not None
    assert predicted == pytest.approx(_measured_exponent(a, b, near), abs=0.02)


def test_error_exponent_is_none_where_convergence_is_not_polynomial():
    assert error_exponent([1, 2], [0, 0, 1]) is None  # geometric
    assert error_exponent([1], [0, 1]) is None  # exp(-c sqrt n)
    assert error_exponent([2, 2], [0, 0, -1]) is None  # double root, exp(-c sqrt n)
    assert error_exponent([1], [0, 0, 0, 1]) is None  # divergent


@pytest.mark.parametrize(
    ("a", "b", "slow"),
    [
        ([2], [1, -4, 4], True),
        ([1, 3, 3, 2], [0, 0, 0, 0, 0, 0, -1], True),
        ([1], [0, 1], True),
        ([1, 2], [0, 0, 1], False),
        ([3, 1], [0, -1], False),
        ([1], [0, 0, 0, 1], False),
        ([1], [0, 0, -1], False),
        ([1], [-4, 0, 1], False),  # b(2) = 0: a finite fraction, a rational
        ([0], [0, 0, 1], False),
    ],
)
def test_converges_slowly_agrees_with_how_far_convergents_settle(a, b, slow):
    assert converges_slowly(a, b) is slow
    if slow:  # and the convergents bear it out: far from settled at depth 2000
        x = _python_convergents(a, b, [2000, 4000])
        gap = abs(float(x[4000] - x[2000]))
        assert gap > 1e-60


@pytest.mark.parametrize("exponent_squared", [Fraction(1), Fraction(1, 4), Fraction(9, 4), 2])
def test_weights_reproduce_the_limit_of_an_exact_expansion(exponent_squared):
    """y_m = L + Σ c_ji m^-(jα+i) over the first few lattice exponents: L comes back."""
    square = Fraction(exponent_squared)
    nodes = tuple(range(101, 201, 10))
    with mpmath.workdps(80):
        alpha = mpmath.sqrt(mpmath.mpf(square.numerator) / square.denominator)
        limit = mpmath.mpf(7) / 3
        exponents = [alpha, alpha + 1, 2 * alpha, alpha + 2]  # in every lattice jα + i
        coefficients = [mpmath.mpf(3), mpmath.mpf(-5), mpmath.mpf(2), mpmath.mpf(11)]
        terms = list(zip(coefficients, exponents, strict=True))
        values = [limit + mpmath.fsum(c * mpmath.mpf(m) ** -s for c, s in terms) for m in nodes]
        weights = extrapolation_weights(nodes, square, 80)
        assert abs(mpmath.fsum(weights) - 1) < mpmath.mpf(10) ** -60
        extrapolated = mpmath.fsum(w * y for w, y in zip(weights, values, strict=True))
        naive_error = abs(values[-1] - limit)
        assert abs(extrapolated - limit) < mpmath.mpf(10) ** -40 * naive_error


@pytest.mark.parametrize("exponent_squared", [Fraction(13), Fraction(4, 3)])
def test_irrational_weights_solve_their_equations_at_identification_size(exponent_squared):
    """48 nodes at 226 digits (a check at 120 digits): Σ c_i = 1 and Σ c_i·u_i^s = 0 for
    the 47 smallest s = jα + i, u_i = max(nodes)/m_i, re-evaluated by mpmath at 400
    digits from the weights alone (solved by FLINT's arb, not mpmath)."""
    nodes = tuple(range(257, 512, 5))[:48]
    weights = extrapolation_weights(nodes, exponent_squared, 226)
    assert len(weights) == 48
    with mpmath.workdps(400):
        alpha = mpmath.sqrt(mpmath.mpf(exponent_squared.numerator) / exponent_squared.denominator)
        lattice = sorted(j * alpha + i for j in range(1, 49) for i in range(48))[:47]
        u = [mpmath.mpf(nodes[-1]) / m for m in nodes]
        size = mpmath.fsum(abs(w) for w in weights)
        assert abs(mpmath.fsum(weights) - 1) < mpmath.mpf(10) ** -200 * size
        for s in lattice:
            residual = mpmath.fsum(w * x**s for w, x in zip(weights, u, strict=True))
            assert abs(residual) < mpmath.mpf(10) ** -200 * size
