"""The deep relation search: limits computed here with mpmath at high precision, each
found relation re-checked here by evaluating it, never by the code under test."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import pytest

from conjectura.kernels.relations import (
    BASIS_KINDS,
    RelationSearch,
    coefficient_bits,
    rational_value,
    roi,
)

DPS = 250  # every value below is computed at this precision, far above the digits searched


def constants(*names: str) -> dict[str, mpmath.mpf]:
    table = {
        "pi": lambda: +mpmath.pi,
        "e": lambda: +mpmath.e,
        "log2": lambda: mpmath.log(2),
        "zeta3": lambda: mpmath.zeta(3),
        "catalan": lambda: +mpmath.catalan,
        "sqrt2": lambda: mpmath.sqrt(2),
        "sqrt5": lambda: mpmath.sqrt(5),
    }
    with mpmath.workdps(DPS):
        return {name: table[name]() for name in names}


def value(expression, **extra) -> mpmath.mpf:
    with mpmath.workdps(DPS):
        return +expression(**extra)


def relation_residual(relation, limit, values) -> mpmath.mpf:
    """|Σ c·b| for the relation's basis, each entry evaluated here from its factors."""
    with mpmath.workdps(DPS):
        total = mpmath.mpf(0)
        for coefficient, entry in zip(relation.coefficients, relation.basis, strict=True):
            term = mpmath.mpf(1)
            for factor in entry.split("*"):
                term *= 1 if factor == "1" else limit if factor == "L" else values[factor]
            total += coefficient * term
        return abs(total)


def assert_holds(relation, limit, values) -> None:
    assert relation_residual(relation, limit, values) < mpmath.mpf(10) ** -200
    assert any(c for c, b in zip(relation.coefficients, relation.basis, strict=True) if "L" in b)


def test_30_over_pi_squared_through_powers_with_pi_only() -> None:
    values = constants("pi")
    limit = value(lambda: 30 / mpmath.pi**2)
    found = RelationSearch(values).find(limit, 60)
    assert found is not None and found.basis_kind == "powers"
    assert found.basis == ("1", "pi*pi", "L", "L*pi*pi")
    assert found.coefficients == (30, 0, 0, -1)  # 30 - L·pi² = 0
    assert_holds(found, limit, values)


def test_e_squared_through_powers() -> None:
    values = constants("pi", "e")
    limit = value(lambda: mpmath.exp(2))
    found = RelationSearch(values).find(limit, 50)
    assert found is not None and found.basis_kind == "powers"
    assert found.basis == ("1", "e*e", "L", "L*e*e") and found.coefficients == (0, 1, -1, 0)
    assert_holds(found, limit, values)


def test_a_product_of_two_constants_through_powers() -> None:
    values = constants("pi", "e")
    limit = value(lambda: (3 + mpmath.pi * mpmath.e) / (2 * mpmath.pi * mpmath.e - 7))
    found = RelationSearch(values).find(limit, 60)
    assert found is not None and found.basis_kind == "powers"
    assert found.basis == ("1", "pi*e", "L", "L*pi*e")
    assert found.coefficients == (3, 1, 7, -2)
    assert_holds(found, limit, values)


def test_two_constant_mobius_form() -> None:
    values = constants("pi", "e", "log2")
    limit = value(lambda: (mpmath.pi + mpmath.log(2)) / (1 + 2 * mpmath.pi))
    found = RelationSearch(values).find(limit, 60)
    assert found is not None and found.basis_kind == "two_constants"
    assert found.basis == ("1", "pi", "log2", "L", "L*pi", "L*log2")
    assert found.coefficients == (0, 1, 1, -1, -2, 0)
    assert_holds(found, limit, values)


def test_zeta3_over_pi_squared_is_two_constants_with_a_square() -> None:
    values = constants("pi", "zeta3")
    limit = value(lambda: mpmath.zeta(3) / mpmath.pi**2)
    found = RelationSearch(values).find(limit, 60)
    assert found is not None and found.basis_kind == "two_constants"
    assert found.basis == ("1", "pi*pi", "zeta3", "L", "L*pi*pi", "L*zeta3")
    assert_holds(found, limit, values)


def test_mobius_form_with_coefficients_above_the_lookup_bound() -> None:
    values = constants("pi", "e", "log2", "zeta3")
    limit = value(lambda: (13 * mpmath.pi + 7) / (5 * mpmath.pi - 11))
    found = RelationSearch(values).find(limit, 40)
    assert found is not None and found.basis_kind == "large"
    assert found.basis == ("1", "pi", "L", "L*pi")
    assert found.coefficients == (7, 13, 11, -5)  # p0 + p1·pi - q0·L - q1·L·pi, q1 > 0
    assert_holds(found, limit, values)
    bits = 40 * math.log2(10)
    assert found.roi == pytest.approx(bits / (4 + 3 + 4 + 4 + 3))
    assert found.coefficient_bits == 14 and found.digits == 40


def test_coefficients_in_the_thousands_at_enough_digits() -> None:
    values = constants("pi", "log2")
    limit = value(lambda: (1234 * mpmath.log(2) + 5679) / (9011 * mpmath.log(2) - 3457))
    found = RelationSearch(values).find(limit, 60)
    assert found is not None and found.basis_kind == "large"
    assert found.coefficients == (5679, 1234, 3457, -9011)
    assert_holds(found, limit, values)


def test_algebraic_number_of_degree_three() -> None:
    values = constants("pi", "e")
    with mpmath.workdps(DPS):
        plastic = mpmath.findroot(lambda x: x**3 - x - 1, mpmath.mpf("1.3247"))
    found = RelationSearch(values).find(plastic, 60)
    assert found is not None and found.basis_kind == "algebraic"
    assert found.basis == ("1", "L", "L*L", "L*L*L")
    assert found.coefficients == (-1, -1, 0, 1)
    assert_holds(found, plastic, values)


def test_a_random_number_gives_nothing() -> None:
    values = constants("pi", "e", "log2", "zeta3", "catalan", "sqrt2", "sqrt5")
    rng = random.Random(20240516)
    search = RelationSearch(values)
    for _ in range(3):
        with mpmath.workdps(DPS):
            limit = mpmath.mpf(rng.randrange(10**120)) / 10**119
        assert search.find(limit, 50) is None


def test_a_relation_below_roi_two_is_rejected() -> None:
    """(13·pi + 7)/(5·pi − 11) costs 4 non-zero + 14 bits = 18: roi 2 needs 36 bits, so
    10.8 digits. At 12 digits it is proposed, at 10 (roi 1.85) it is not."""
    values = constants("pi")
    limit = value(lambda: (13 * mpmath.pi + 7) / (5 * mpmath.pi - 11))
    search = RelationSearch(values)
    found = search.find(limit, 12)
    assert found is not None and found.coefficients == (7, 13, 11, -5)
    assert found.roi == pytest.approx(12 * math.log2(10) / 18)
    assert search.find(limit, 10) is None
    assert roi([7, 13, 11, -5], 10) < 2 <= roi([7, 13, 11, -5], 12)


def test_roi_and_coefficient_bits_by_hand() -> None:
    assert coefficient_bits([30, 0, 0, -1]) == 5 + 1
    assert roi([30, 0, 0, -1], 10) == pytest.approx(10 * math.log2(10) / (2 + 6))
    assert roi([0, 0], 50) == 0.0


def test_zero_and_rationals_are_answered_before_any_lattice() -> None:
    search = RelationSearch(constants("pi"))
    assert rational_value(mpmath.mpf(0), 50) == Fraction(0)
    assert search.find(mpmath.mpf(0), 50) is None  # mpmath.pslq would raise here
    with mpmath.workdps(DPS):
        seven = mpmath.mpf(-22) / 7
        big = mpmath.mpf(123456789) / 987654
        tiny = mpmath.mpf(10) ** -60
        pi = +mpmath.pi
    assert rational_value(seven, 50) == Fraction(-22, 7)
    assert rational_value(big, 50) == Fraction(123456789, 987654)
    assert rational_value(tiny, 50) == Fraction(0)
    assert rational_value(pi, 50) is None
    assert search.find(seven, 50) is None and search.find(big, 50) is None
    assert search.find(mpmath.inf, 50) is None and search.find(mpmath.nan, 50) is None


def test_a_rational_with_a_large_denominator_at_few_digits_is_not_called_rational() -> None:
    with mpmath.workdps(DPS):
        x = mpmath.mpf(123456789) / 987654
    assert rational_value(x, 12) is None  # 27 + 20 bits + 2 > 12·log2(10)/2


def test_dependent_constants_are_left_out_of_the_bases() -> None:
    values = constants("pi", "sqrt2")
    with mpmath.workdps(DPS):
        values["two"] = mpmath.mpf(2)
        values["pi_again"] = 3 * mpmath.pi / 3
    search = RelationSearch(values)
    assert ("1", "two", "L", "L*two") not in search.bases("large")
    # sqrt2*sqrt2 = 2: sqrt2 has no powers basis; its square is not a two-constant term.
    assert all("sqrt2*sqrt2" not in b for kind in BASIS_KINDS for b in search.bases(kind))
    assert ("1", "pi", "pi*pi", "pi*pi*pi", "L", "L*pi", "L*pi*pi", "L*pi*pi*pi") in (
        search.bases("powers")
    )
    assert all(not ({"pi", "pi_again"} <= set(b)) for b in search.bases("two_constants"))


def test_a_limit_in_a_dependent_constant_still_names_the_independent_one() -> None:
    values = constants("sqrt2")
    limit = value(lambda: 1 + mpmath.sqrt(2))
    found = RelationSearch(values).find(limit, 40)
    assert found is not None and found.basis_kind == "large"
    assert_holds(found, limit, values)


def test_kinds_choose_and_order_the_bases() -> None:
    values = constants("pi")
    limit = value(lambda: 30 / mpmath.pi**2)
    assert RelationSearch(values, kinds=("large", "algebraic")).find(limit, 60) is None
    assert RelationSearch(values, kinds=("algebraic",)).bases("powers") == []
    with pytest.raises(ValueError, match="unknown basis kind"):
        RelationSearch(values, kinds=("cubic",))  # type: ignore[arg-type]


def test_the_kind_is_the_shape_of_the_relation_found_not_of_the_basis() -> None:
    values = constants("pi", "log2")
    search = RelationSearch(values, kinds=("two_constants",))
    power = search.find(value(lambda: 30 / mpmath.pi**2), 40)
    assert power is not None and power.basis_kind == "powers"
    assert power.basis == ("1", "pi*pi", "L", "L*pi*pi")
    mobius = search.find(value(lambda: (13 * mpmath.pi + 7) / (5 * mpmath.pi - 11)), 40)
    assert mobius is not None and mobius.basis_kind == "large"
    assert mobius.basis == ("1", "pi", "L", "L*pi") and mobius.coefficients == (7, 13, 11, -5)


def test_pslq_proposes_the_same_relation_as_lll() -> None:
    values = constants("pi")
    limit = value(lambda: (13 * mpmath.pi + 7) / (5 * mpmath.pi - 11))
    lll = RelationSearch(values, kinds=("large",)).find(limit, 40)
    pslq = RelationSearch(values, kinds=("large",), method="pslq").find(limit, 40)
    assert lll is not None and pslq is not None and lll == pslq


def naive_pcf_value(a: list[int], b: list[int], depth: int) -> Fraction:
    """p_n/q_n straight from the recurrence with Python integers."""
    at = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    p_prev, p, q_prev, q = 1, at(a, 0), 0, 1
    for n in range(1, depth + 1):
        p_prev, p = p, at(a, n) * p + at(b, n) * p_prev
        q_prev, q = q, at(a, n) * q + at(b, n) * q_prev
    return Fraction(p, q)


def test_the_zeta2_pcf_limit_is_found_as_30_over_pi_squared() -> None:
    """PCF(11n² + 11n + 3, n⁴) = 5/zeta(2) = 30/pi² from its exact convergent at depth 100
    (about 210 correct digits, checked here against mpmath), searched at 60."""
    exact = naive_pcf_value([3, 11, 11], [0, 0, 0, 0, 1], 100)
    with mpmath.workdps(DPS):
        limit = mpmath.mpf(exact.numerator) / exact.denominator
        assert abs(limit - 5 / mpmath.zeta(2)) < mpmath.mpf(10) ** -100
    found = RelationSearch(constants("pi")).find(limit, 60)
    assert found is not None and found.basis_kind == "powers"
    assert found.basis == ("1", "pi*pi", "L", "L*pi*pi") and found.coefficients == (30, 0, 0, -1)
