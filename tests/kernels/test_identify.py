"""Identification: candidates from the Möbius table and LLL, verdicts from exact digits."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest

from conjectura.kernels.constants import LIBRARY, LIBRARY_DIGITS, decimal_expansion
from conjectura.kernels.exact import GUARD_DIGITS, ExactLimit, agreement_digits, check_candidate
from conjectura.kernels.identify import (
    AcceleratedLimits,
    accelerated_screen,
    coefficient_bits,
    conclude,
    discover_with_constant,
    identify_accelerated,
    identify_limit,
    integer_polynomial,
    is_verified,
    mobius_table,
    rational_near,
    return_on_investment,
    settles_slowly,
)
from conjectura.kernels.screen import screen_pcfs
from tests.conftest import REFERENCE_FORMULAS, ReferenceFormula

NAMES = ["pi", "e", "zeta3", "log2", "sqrt2", "sqrt5", "pi*pi"]
EXPANSIONS = {name: decimal_expansion(name) for name in LIBRARY}
MPMATH_CONSTANTS = {
    "1": lambda: mpmath.mpf(1),
    "pi": lambda: +mpmath.pi,
    "e": lambda: +mpmath.e,
    "zeta3": lambda: mpmath.zeta(3),
    "log2": lambda: mpmath.log(2),
    "sqrt2": lambda: mpmath.sqrt(2),
    "sqrt5": lambda: mpmath.sqrt(5),
}


@pytest.fixture(scope="module")
def table():
    with mpmath.workdps(30):
        floats = {
            n: float(np.prod([mpmath.mpf(EXPANSIONS[f]) for f in n.split("*")])) for n in NAMES
        }
    return mobius_table(floats, 8)


def identify(formula_a, formula_b, table, limit=None, digits=None, verify_digits=50):
    if limit is None:
        status, lim, dig = screen_pcfs(np.array([formula_a]), np.array([formula_b]), 1000)
        assert status[0] == 0
        limit, digits = float(lim[0]), float(dig[0])
    return identify_limit(
        formula_a,
        formula_b,
        limit,
        digits,
        table=table,
        algebraic_degree=4,
        algebraic_bound=12,
        verify_digits=verify_digits,
        max_exact_depth=6000,
    )


def basis_value(entry: str, L: mpmath.mpf) -> mpmath.mpf:
    value = mpmath.mpf(1)
    for factor in entry.split("*"):
        value *= L if factor == "L" else MPMATH_CONSTANTS[factor]()
    return value


def test_table_holds_no_rational_or_repeated_forms(table) -> None:
    p0, p1, q0, q1 = table.coefficients.T
    assert np.all(p0 * q1 != p1 * q0)
    per_constant = table.coefficients[table.constant_index == 0]
    assert len({tuple(r) for r in per_constant.tolist()}) == len(per_constant)
    assert np.all(np.diff(table.values) >= 0)


# 30/pi^2 needs a coefficient of 30, beyond the default bound of 8.
FAST = [
    f
    for f in REFERENCE_FORMULAS
    if not f.slow and f.constants in MPMATH_CONSTANTS and f.id != "30-over-pi2"
]


@pytest.mark.parametrize("formula", FAST, ids=lambda f: f.id)
def test_reference_formulas_are_identified_and_verified(formula: ReferenceFormula, table) -> None:
    found = identify(formula.a, formula.b, table)
    assert found is not None and found.verified and found.digits >= 50
    # never past the check's working precision (2 * 50 + 20 digits) less its guard digits
    assert found.digits <= 2 * 50 + 20 - GUARD_DIGITS
    # confirmed independently: twice as deep, at twice the precision
    assert found.pslq_confirmed and found.confirmation_digits >= 50
    assert found.confirmation_depth >= 2 * found.exact_depth
    assert found.method == "exact"
    assert found.basis_kind == ("algebraic" if found.detector == "algebraic" else "lookup")
    # The relation, re-checked by mpmath alone with the CSV's limit expression.
    with mpmath.workdps(80):
        L = formula.limit(80)
        residual = sum(
            r * basis_value(e, L) for r, e in zip(found.relation, found.basis, strict=True)
        )
        scale = sum(
            abs(r * basis_value(e, L)) for r, e in zip(found.relation, found.basis, strict=True)
        )
        assert abs(residual) < mpmath.mpf(10) ** -60 * scale


@pytest.mark.parametrize("formula", [f for f in REFERENCE_FORMULAS if f.slow], ids=lambda f: f.id)
def test_slow_formulas_never_come_out_verified(formula: ReferenceFormula, table) -> None:
    """Even handed their true limit at float precision, slow PCFs are not verified."""
    found = identify(formula.a, formula.b, table, limit=float(formula.limit(30)), digits=13)
    assert found is None or (not found.verified and found.digits < 20)
    assert found is None or not found.pslq_confirmed


def test_a_numerical_formula_is_not_confirmed(table) -> None:
    """PCF(4, n^2) = 6/(3 pi - 8) converges slowly: about 18 digits at depth 32768. The old
    PSLQ "confirmation" re-ran on that same estimate at 16 digits and always agreed; an
    independent confirmation needs the threshold's digits, so there is none."""
    with mpmath.workdps(30):
        limit = float(6 / (3 * mpmath.pi - 8))
    found = identify_limit(
        [4],
        [0, 0, 1],
        limit,
        13,
        table=table,
        algebraic_degree=4,
        algebraic_bound=12,
        verify_digits=50,
        max_exact_depth=32768,
    )
    assert found is not None and found.basis == ("1", "pi", "L", "L*pi")
    assert 12 < found.digits < 25
    with mpmath.workdps(60):  # the estimate's digits are borne out by the closed form
        assert agreement_digits(mpmath.mpf(found.value), 6 / (3 * mpmath.pi - 8)) >= 14
    assert not found.verified
    assert not found.pslq_confirmed
    assert found.confirmation_digits is None


def test_golden_ratio_reads_as_a_form_of_sqrt5(table) -> None:
    found = identify([1], [1], table)
    assert found is not None and found.basis == ("1", "sqrt5", "L", "L*sqrt5")
    p0, p1, minus_q0, minus_q1 = found.relation  # L = (p0 + p1·sqrt5)/(q0 + q1·sqrt5)
    golden = (1 + mpmath.sqrt(5)) / 2
    value = (p0 + p1 * mpmath.sqrt(5)) / (-minus_q0 - minus_q1 * mpmath.sqrt(5))
    assert abs(value - golden) < 1e-14
    assert abs(found.value - float(golden)) < 1e-15


def test_integer_polynomial_finds_minimal_polynomials() -> None:
    assert integer_polynomial(1.618033988749895, 13, 4, 12) == [-1, -1, 1]
    assert integer_polynomial(2 ** (1 / 3), 13, 4, 12) == [-2, 0, 0, 1]
    assert integer_polynomial(0.75, 13, 4, 12) == [-3, 4]
    assert integer_polynomial(3.141592653589793, 13, 4, 12) is None


def test_rational_limits_are_not_conjectures(table) -> None:
    # b(2) = 0 ends the fraction: 1 + 1/(2 + 0) = 3/2
    assert identify([1, 1], [2, -1], table, limit=1.5, digits=15) is None


def test_products_of_constants_are_bases() -> None:
    from conjectura.kernels.constants import value_of

    with mpmath.workdps(200):
        assert abs(value_of("pi*pi", EXPANSIONS) - mpmath.pi**2) < mpmath.mpf(10) ** -190
        with pytest.raises(KeyError, match="unknown constant tau"):
            value_of("pi*tau", EXPANSIONS)


# -- return on investment, constants past the catalog, zero and rational limits -------------


def test_return_on_investment_follows_lirec() -> None:
    # 4 - L*pi = 0 (L = 4/pi): two non-zero coefficients of 3 and 1 bits
    assert coefficient_bits((4, 0, 0, -1)) == 4
    assert return_on_investment(60, (4, 0, 0, -1)) == pytest.approx(60 * 3.321928094887362 / 6)
    # 1 + sqrt5 - 2L = 0: three coefficients of 1, 1 and 2 bits
    assert coefficient_bits((1, 1, -2, 0)) == 4
    assert return_on_investment(50, (1, 1, -2, 0)) == pytest.approx(50 * 3.321928094887362 / 7)


def test_verified_needs_digits_a_confirmation_and_a_return() -> None:
    small = (4, 0, 0, -1)
    assert is_verified(60, 80, small, 50)
    assert not is_verified(49, 80, small, 50)  # too few digits
    assert not is_verified(60, 45, small, 50)  # the confirmation fell short
    assert not is_verified(60, None, small, 50)  # no confirmation
    # 2^100 costs 101 bits: (60 digits = 199 bits) / (4 + 101 + 3) = 1.85 < 2
    large = (2**100, 1, 1, 1)
    assert return_on_investment(60, large) < 2
    assert not is_verified(60, 80, large, 50)


def test_identifications_carry_their_return_and_bits(table) -> None:
    found = identify([1, 2], [0, 0, 1], table)  # 4/pi
    assert found is not None and found.relation in ((4, 0, 0, -1), (-4, 0, 0, 1))
    assert found.coefficient_bits == 4
    assert found.roi == pytest.approx(found.digits * 3.321928094887362 / 6)
    assert found.roi >= 2


def test_lookup_verifies_past_the_catalogs_digits(table) -> None:
    """verify_digits 600: the check runs at 1,220 digits and the confirmation at 2,440,
    past the 1,050 the catalog stores; the constants are computed to that precision."""
    found = identify([1, 2], [0, 0, 1], table, verify_digits=600)
    assert found is not None and found.verified
    assert found.relation in ((4, 0, 0, -1), (-4, 0, 0, 1))
    assert found.digits >= 600
    # x_2048 of PCF(2n+1, n^2) is within 10^-1500 of 4/pi (0.765 digits a term)
    assert found.confirmation_digits > LIBRARY_DIGITS + 300


ZERO = ([0, 1], [-1, 1])  # b(1) = 0 ends the fraction at a(0) = 0: the limit is exactly 0
FOUR_THIRDS = ([0, 1], [2, 1])  # PCF(n, n+2) = 4/3 (tests/flows/stages/test_identify.py)


def test_a_zero_limit_is_not_a_conjecture(table) -> None:
    assert identify(*ZERO, table, limit=0.0, digits=15) is None


@pytest.mark.parametrize("pcf", [ZERO, FOUR_THIRDS], ids=["zero", "four-thirds"])
def test_cluster_discovery_skips_zero_and_rational_limits(pcf) -> None:
    """PSLQ raises ValueError on a zero entry (L = 0 makes L and L*c zero): zero and
    rational limits are recognised before it runs."""
    assert (
        discover_with_constant(*pcf, "pi", max_coeff=1000, search_digits=30, max_exact_depth=4096)
        is None
    )


def test_rational_near_recognises_rationals_only() -> None:
    with mpmath.workdps(120):
        assert rational_near(mpmath.mpf(0), 100) == 0
        assert rational_near(mpmath.mpf(4) / 3, 100) == Fraction(4, 3)
        assert rational_near(mpmath.mpf(-123456789) / 987654321, 100) == Fraction(
            -123456789, 987654321
        )
        assert rational_near(+mpmath.pi, 100) is None
        assert rational_near(mpmath.sqrt(2) / 7, 100) is None
        assert rational_near(mpmath.mpf(4) / 3, 8) is None  # too few digits to tell


def test_a_shallow_coincidence_is_not_called_verified() -> None:
    """Brouncker's PCF(2, (2n-1)^2) = 1 + 4/pi converges like 1/n. A candidate equal to its
    depth-64 convergent (as a wrong closed form would be, by coincidence) agrees with the
    depth-64 estimate to the working precision; the identification built on it is not
    verified, because the estimate has settled to 2-4 digits only."""
    a, b = [2], [1, -4, 4]
    p_prev, p, q_prev, q = 1, 2, 0, 1  # p_-1, p_0 = a(0), q_-1, q_0
    for n in range(1, 65):
        b_n = (2 * n - 1) ** 2
        p_prev, p = p, 2 * p + b_n * p_prev
        q_prev, q = q, 2 * q + b_n * q_prev
    shallow = Fraction(p, q)
    with mpmath.workdps(30):
        assert abs(mpmath.mpf(p) / q - (1 + 4 / mpmath.pi)) > 1e-4  # a wrong value indeed

    def target() -> mpmath.mpf:
        return mpmath.mpf(shallow.numerator) / shallow.denominator

    limit = ExactLimit(a, b)
    with mpmath.workdps(120):
        check = check_candidate(limit, target(), want_digits=50, max_depth=4096, start_depth=64)
    assert check is not None and check.digits < 5
    found = conclude(
        limit,
        check,
        target,
        detector="mobius",
        basis=("1", "L"),
        relation=(shallow.numerator, -shallow.denominator),
        basis_kind="lookup",
        verify_digits=50,
    )
    assert not found.verified and not found.pslq_confirmed


# -- slowly converging PCFs: identification through acceleration ---------------------------

BROUNCKER = ([2], [1, -4, 4])  # PCF(2, (2n-1)^2) = 1 + 4/pi


def _identify_slow(a, b, table, *, verify_digits=30, max_exact_depth=32768):
    estimate = accelerated_screen(a, b, max_depth=max_exact_depth)
    assert estimate is not None
    return identify_accelerated(
        a,
        b,
        estimate,
        table=table,
        algebraic_degree=4,
        algebraic_bound=12,
        verify_digits=verify_digits,
        max_exact_depth=max_exact_depth,
    )


def _true_digits(value: mpmath.mpf, truth: mpmath.mpf) -> float:
    with mpmath.workdps(400):
        error = abs(mpmath.mpf(value) - truth)
        return float("inf") if error == 0 else -float(mpmath.log10(error / abs(truth)))


def test_exact_convergents_of_brouncker_have_a_handful_of_digits() -> None:
    """Why acceleration: x_2048 of Brouncker's fraction (plain Python integers) is 3 to 5
    digits from 1 + 4/pi, so the exact path could never verify it."""
    p_prev, p, q_prev, q = 1, 2, 0, 1
    for n in range(1, 2049):
        b_n = (2 * n - 1) ** 2
        p_prev, p = p, 2 * p + b_n * p_prev
        q_prev, q = q, 2 * q + b_n * q_prev
    with mpmath.workdps(60):
        assert 3 < _true_digits(mpmath.mpf(p) / q, 1 + 4 / mpmath.pi) < 5


@pytest.mark.parametrize(
    ("a", "b", "closed_form"),
    [
        ([2], [1, -4, 4], lambda: 1 + 4 / mpmath.pi),
        ([5], [0, 0, 1], lambda: 2 / (2 * mpmath.log(2) - 1)),  # alpha = 5
        ([1], [0, 0, 1], lambda: 1 / mpmath.log(2)),  # alpha = 1, the slowest of the three
        ([0, 2], [4, 1, -1], lambda: (mpmath.sqrt(17) - 1) / 2),  # double root, irrational α
    ],
)
def test_the_accelerated_screen_claims_only_digits_it_has(a, b, closed_form) -> None:
    estimate = accelerated_screen(a, b, max_depth=32768)
    assert estimate is not None and estimate.method == "accelerated"
    assert estimate.digits >= 10  # enough for the lookup
    with mpmath.workdps(400):
        truth = +closed_form()
    assert _true_digits(estimate.value, truth) >= estimate.digits


def test_brouncker_is_verified_through_acceleration(table) -> None:
    found = _identify_slow(*BROUNCKER, table, verify_digits=30)
    assert found is not None and found.method == "accelerated"
    assert found.basis == ("1", "pi", "L", "L*pi")
    assert found.verified and found.pslq_confirmed
    assert found.digits >= 30 and found.confirmation_digits >= 30
    # capped by the check's precision (2 * 30 + 20) less the acceleration's guard digits
    assert found.digits <= 2 * 30 + 20 - 5
    # confirmed by a second acceleration from deeper convergents
    assert found.confirmation_depth > found.exact_depth
    with mpmath.workdps(80):  # the relation, by mpmath alone
        L, pi = 1 + 4 / mpmath.pi, +mpmath.pi
        residual = sum(r * v for r, v in zip(found.relation, [1, pi, L, L * pi], strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -70


def test_brouncker_is_not_verified_when_the_acceleration_is_too_shallow(table) -> None:
    """At depth 256 the extrapolations agree to about 27 digits: the formula is found, but
    short of verify_digits 30, so it stays numerical and no confirmation is attempted."""
    found = _identify_slow(*BROUNCKER, table, verify_digits=30, max_exact_depth=256)
    assert found is not None and found.method == "accelerated"
    assert found.basis == ("1", "pi", "L", "L*pi")
    assert found.exact_depth <= 256
    assert 10 <= found.digits < 30
    assert not found.verified and not found.pslq_confirmed
    assert found.confirmation_digits is None
    with mpmath.workdps(60):  # its digits are still true ones
        assert _true_digits(mpmath.mpf(found.value), 1 + 4 / mpmath.pi) >= min(found.digits, 15)


def test_a_mirror_is_the_negated_limit_and_verified_as_such(table) -> None:
    """PCF(-2, (2n-1)^2) = -(1 + 4/pi): it reuses its mirror's accelerations, negated."""
    mirror = AcceleratedLimits([-2], [1, -4, 4])
    with mpmath.workdps(60):
        estimate = mirror.estimate(1024)
        assert estimate is not None
        assert _true_digits(estimate.value, -(1 + 4 / mpmath.pi)) >= estimate.digits
    found = _identify_slow([-2], [1, -4, 4], table, verify_digits=30)
    assert found is not None and found.verified
    with mpmath.workdps(80):
        L, pi = -(1 + 4 / mpmath.pi), +mpmath.pi
        residual = sum(r * v for r, v in zip(found.relation, [1, pi, L, L * pi], strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -70


def test_an_accelerated_check_refutes_a_near_miss() -> None:
    """A candidate 10^-20 away from 1 + 4/pi agrees with a 25-digit estimate to about 20
    digits; deeper accelerations settle past that, and the check says no."""
    limits = AcceleratedLimits(*BROUNCKER)
    with mpmath.workdps(80):
        wrong = 1 + 4 / mpmath.pi + mpmath.mpf(10) ** -20
        assert limits.check(wrong, want_digits=30, max_depth=32768) is None
        right = limits.check(1 + 4 / mpmath.pi, want_digits=30, max_depth=32768)
    assert right is not None and right.digits >= 30


def test_an_accelerated_confirmation_is_deeper_and_more_precise() -> None:
    limits = AcceleratedLimits(*BROUNCKER)
    with mpmath.workdps(80):
        check = limits.check(1 + 4 / mpmath.pi, want_digits=30, max_depth=32768)
    assert check is not None
    confirmation = limits.confirm(lambda: 1 + 4 / mpmath.pi, check.estimate)
    assert confirmation.estimate.depth > check.estimate.depth
    assert confirmation.estimate.precision == 2 * check.estimate.precision
    assert confirmation.digits > check.digits


@pytest.mark.parametrize("formula", [f for f in REFERENCE_FORMULAS if f.slow], ids=lambda f: f.id)
def test_slow_reference_formulas_are_verified_through_acceleration(
    formula: ReferenceFormula, table
) -> None:
    """The CSV's slow rows (1/log2, 1/zeta3), which exact convergents never verify (above),
    at verify_digits 50."""
    found = _identify_slow(formula.a, formula.b, table, verify_digits=50)
    assert found is not None and found.method == "accelerated" and found.verified
    assert found.digits >= 50 and found.confirmation_digits >= 50
    with mpmath.workdps(120):
        L = formula.limit(120)
        values = [basis_value(e, L) for e in found.basis]
        residual = sum(r * v for r, v in zip(found.relation, values, strict=True))
        scale = sum(abs(r * v) for r, v in zip(found.relation, values, strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -50 * scale


def test_settles_slowly_tells_slow_walks_from_fast_and_diverging_ones() -> None:
    assert settles_slowly(*BROUNCKER, below=10, max_depth=32768)
    assert not settles_slowly([1, 2], [0, 0, 1], below=10, max_depth=32768)  # 4/pi, fast
    assert not settles_slowly([1], [-1], below=10, max_depth=32768)  # complex roots: no limit


def test_the_small_polynomial_prefilter_never_hides_one_the_lll_finds() -> None:
    """Wherever integer_polynomial finds a polynomial (degree <= 2, |c| <= 12), the
    vectorized prefilter says one may exist; on plain random limits it mostly says none."""
    import random

    from conjectura.kernels.identify import integer_polynomial, may_have_small_polynomial

    rng = random.Random(5)
    values = [rng.uniform(-20, 20) for _ in range(400)]
    values += [
        (p + q * math.sqrt(d)) / r
        for p, q, d, r in [(1, 1, 3, 1), (-2, 1, 5, 3), (3, -2, 2, 1), (7, 1, 13, 2), (0, 1, 7, 4)]
    ]
    values += [p / q for p, q in [(3, 7), (-11, 12), (5, 1), (1, 9)]]
    digits = [15.0] * len(values)
    mask = may_have_small_polynomial(np.array(values), np.array(digits), 2, 12)
    found = [integer_polynomial(x, 15.0, 2, 12) is not None for x in values]
    assert all(m for m, f in zip(mask, found, strict=True) if f)
    assert sum(found) >= 8 and mask[:400].sum() <= 8  # sqrt(7)/4 needs 16x^2 - 7: past 12
    assert may_have_small_polynomial(np.array([0.5]), np.array([3.0]), 2, 12).tolist() == [False]
    assert may_have_small_polynomial(np.array([0.1234]), np.array([15.0]), 4, 12).tolist() == [True]
