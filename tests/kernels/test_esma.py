"""ESMA: the published rediscoveries, a control, and a tampered register."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from flint import arb, ctx

from conjectura.kernels.esma import (
    GUARD_DIGITS,
    PRIME,
    berlekamp_massey,
    find_register,
    polynomial_pcf,
    sign_patterns,
    signed_expansion,
    validate,
)


@pytest.fixture(autouse=True)
def precision():
    with ctx.workdps(500):
        yield


def e() -> arb:
    return arb.const_e()


def test_simple_continued_fraction_of_e() -> None:
    assert signed_expansion(e(), [1], 12) == [2, 1, 2, 1, 1, 4, 1, 1, 6, 1, 1, 8]
    found = find_register(e(), [1], terms=100)
    assert found is not None and found.digits >= 100
    assert found.register == (1, 0, 0, -2, 0, 0, 1)  # a(n) = 2a(n-3) - a(n-6)


def test_coth_half_is_an_arithmetic_progression_and_a_pcf() -> None:
    x = (e() + 1) / (e() - 1)
    assert signed_expansion(x, [1], 5) == [2, 6, 10, 14, 18]
    found = find_register(x, [1], terms=100)
    assert found is not None and found.register == (1, -2, 1) and found.digits >= 100
    assert polynomial_pcf(found, 2) == ([2, 4], [1])  # PCF(4n+2, 1)


def test_e_over_e_minus_1_with_alternating_signs() -> None:
    x = e() / (e() - 1)
    assert signed_expansion(x, [1, -1], 7) == [1, 2, 3, 2, 5, 2, 7]
    found = find_register(x, [1, -1], terms=100)
    assert found is not None and found.register == (1, 0, -2, 0, 1)
    assert found.digits >= 100


@pytest.mark.parametrize("signs", sign_patterns([1, 2]))
def test_pi_gives_no_register(signs) -> None:
    assert find_register(arb.pi(), signs, terms=100) is None


def test_a_tampered_register_fails_validation() -> None:
    x = e() / (e() - 1)
    a = signed_expansion(x, [1, -1], 100)
    good = validate(x, a[:1], a[1:], [1, 0, -2, 0, 1], [1, -1], 1000)
    assert good >= 100
    for tampered in ([1, 0, -2, 0, 2], [1, 1, -2, 0, 1], [1, 0, -3, 0, 1]):
        assert validate(x, a[:1], a[1:], tampered, [1, -1], 1000) < 100


def test_berlekamp_massey_finds_fibonacci_and_nothing_in_noise() -> None:
    fibonacci = [1, 1]
    while len(fibonacci) < 40:
        fibonacci.append(fibonacci[-1] + fibonacci[-2])
    register = berlekamp_massey(np.array([f % PRIME for f in fibonacci], np.int64), PRIME)
    assert [int(v) if v < PRIME // 2 else int(v) - PRIME for v in register] == [1, -1, -1]
    noise = np.random.default_rng(1).integers(0, PRIME, 60)
    assert len(berlekamp_massey(noise, PRIME)) - 1 >= 29


def test_a_rational_form_stops_its_expansion() -> None:
    # 7/3 = [2; 3]: the ball cannot tell 3 from 3 - 0, so the expansion ends, never guesses
    assert signed_expansion(arb(7) / 3, [1], 10) in ([2], [2, 3])


# -- honest validation digits -------------------------------------------------------------


def mp_cf(terms: list[int], signs: list[int]) -> mpmath.mpf:
    """a0 + s0/(a1 + s1/(a2 + ...)) evaluated from the back in mpmath (not the kernel)."""
    value = mpmath.mpf(terms[-1])
    for i in range(len(terms) - 2, -1, -1):
        value = terms[i] + signs[i % len(signs)] / value
    return value


def test_validation_digits_stay_below_the_working_precision() -> None:
    # at 1000 regenerated terms the CF of e/(e - 1) agrees with it past 500 digits, more
    # than a 500-digit ball can show: the digits stop short of the precision
    x = e() / (e() - 1)
    a = signed_expansion(x, [1, -1], 100)
    digits = validate(x, a[:1], a[1:], [1, 0, -2, 0, 1], [1, -1], 1000)
    assert 100 <= digits <= ctx.dps - GUARD_DIGITS
    with ctx.workdps(60):
        x = arb.const_e() / (arb.const_e() - 1)
        low = validate(x, a[:1], a[1:40], [1, 0, -2, 0, 1], [1, -1], 1000)
        assert 40 <= low <= 60 - GUARD_DIGITS


def test_validation_digits_are_capped_by_how_far_the_cf_has_settled() -> None:
    # e's CF at 100 terms agrees with e to 115.6 digits, but moves by 10^-113.4 between
    # 98 and 100 terms: it has settled to no more than that
    a = signed_expansion(e(), [1], 100)
    with mpmath.workdps(600):
        value = mp_cf(a, [1])
        moved = max(abs(value - mp_cf(a[:-1], [1])), abs(value - mp_cf(a[:-2], [1])))
        settled = float(-mpmath.log10(moved / value))
        agrees = float(-mpmath.log10(abs(value - mpmath.e) / mpmath.e))
    assert 113 < settled < agrees - 1
    digits = validate(e(), a[:1], a[1:], [1, 0, 0, -2, 0, 0, 1], [1], 100)
    assert settled - 0.5 <= digits <= settled


def test_the_want_digits_gate_fires_when_the_cf_has_not_got_there() -> None:
    # 100 terms of e settle to 113.4 digits: want 114 and the register is rejected
    assert find_register(e(), [1], terms=100, validate_terms=100, want_digits=114) is None
    passed = find_register(e(), [1], terms=100, validate_terms=100, want_digits=110)
    assert passed is not None and 110 <= passed.digits <= 113.5
    with ctx.workdps(60):  # 1000 terms, but a 60-digit ball: 50 digits at most
        x = arb.const_e()
        assert find_register(x, [1], terms=40, validate_terms=1000, want_digits=55) is None
        low = find_register(x, [1], terms=40, validate_terms=1000, want_digits=45)
        assert low is not None and 45 <= low.digits <= 60 - GUARD_DIGITS
