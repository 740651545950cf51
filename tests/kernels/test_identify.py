"""Identification: candidates from the Möbius table and LLL, verdicts from exact digits."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from conjectura.kernels.constants import LIBRARY, decimal_expansion
from conjectura.kernels.identify import identify_limit, integer_polynomial, mobius_table
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


def identify(formula_a, formula_b, table, limit=None, digits=None):
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
        expansions=EXPANSIONS,
        algebraic_degree=4,
        algebraic_bound=12,
        verify_digits=50,
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
