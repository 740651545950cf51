"""ESMA: the published rediscoveries, a control, and a tampered register."""

from __future__ import annotations

import numpy as np
import pytest
from flint import arb, ctx

from conjectura.kernels.esma import (
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
