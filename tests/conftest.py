"""Shared fixtures: the reference formulas of ../shared, parsed independently of conjectura."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import mpmath
import pytest

REPO = Path(__file__).resolve().parents[1]
REFERENCE_CSV = REPO.parent / "shared" / "reference" / "pcf-formulas.csv"


@dataclass(frozen=True)
class ReferenceFormula:
    id: str
    a: list[int]
    b: list[int]
    limit_text: str
    constants: str

    @property
    def slow(self) -> bool:
        return self.id.startswith("slow-")

    def limit(self, dps: int) -> mpmath.mpf:
        """The limit evaluated by mpmath from the CSV's own expression."""
        names = {
            "pi": mpmath.pi,
            "e": mpmath.e,
            "sqrt": mpmath.sqrt,
            "log": mpmath.log,
            "zeta": mpmath.zeta,
        }
        with mpmath.workdps(dps):
            return +eval(self.limit_text, {"__builtins__": {}}, names)  # trusted test data


def polynomial_coefficients(expression: str, max_degree: int = 8) -> list[int]:
    """Ascending integer coefficients of a polynomial in n given as Python text, by exact
    interpolation of its values at n = 0..max_degree (no project code involved)."""
    points = list(range(max_degree + 1))
    values = [Fraction(eval(expression, {"__builtins__": {}}, {"n": n})) for n in points]
    # Newton divided differences, then expand to the monomial basis.
    table = list(values)
    newton = [table[0]]
    for level in range(1, len(points)):
        table = [
            (table[i + 1] - table[i]) / (points[i + level] - points[i])
            for i in range(len(table) - 1)
        ]
        newton.append(table[0])
    coefficients = [Fraction(0)] * len(points)
    basis = [Fraction(1)]  # product of (n - points[j]) so far, ascending coefficients
    for k, c in enumerate(newton):
        for i, v in enumerate(basis):
            coefficients[i] += c * v
        basis = [Fraction(0), *basis]
        for i in range(len(basis) - 1):
            basis[i] -= points[k] * basis[i + 1]
    result = [int(c) for c in coefficients]
    assert all(c.denominator == 1 for c in coefficients)
    while len(result) > 1 and result[-1] == 0:
        result.pop()
    return result


def load_reference_formulas() -> list[ReferenceFormula]:
    with open(REFERENCE_CSV) as handle:
        return [
            ReferenceFormula(
                row["id"],
                polynomial_coefficients(row["a"]),
                polynomial_coefficients(row["b"]),
                row["limit"],
                row["constants"],
            )
            for row in csv.DictReader(handle)
        ]


REFERENCE_FORMULAS = load_reference_formulas()


@pytest.fixture(params=REFERENCE_FORMULAS, ids=lambda f: f.id)
def reference_formula(request) -> ReferenceFormula:
    return request.param


def plain_convergent(a: list[int], b: list[int], depth: int) -> Fraction:
    """p_depth/q_depth by the three-term recurrence in Python integers: independent of
    conjectura's kernels, for tests that check them."""
    value = lambda poly, n: sum(c * n**k for k, c in enumerate(poly))  # noqa: E731
    p_prev, p, q_prev, q = 1, value(a, 0), 0, 1
    for n in range(1, depth + 1):
        a_n, b_n = value(a, n), value(b, n)
        p_prev, p = p, a_n * p + b_n * p_prev
        q_prev, q = q, a_n * q + b_n * q_prev
    return Fraction(p, q)
