"""An independent recheck of the families table: every stored certificate and limit map
re-derived with plain sympy from the stored text alone, sharing no code with
``kernels.equivalence`` (which found and checked them first).

For a row: parse U, c and k; require det U(n) not identically 0 and

    M_member(n)·U(n+1) - c(n)·U(n)·M_rep(n+k) = 0   (each entry cancels to 0),

with M(n) = [[0, b(n)], [1, a(n)]]. Then recompute the Möbius map of the limits from the
certificate: past every integer pole and zero (of U's and c's denominators, c's numerator
and det U) at n0, the member's product telescopes onto the representative's, so

    T = A_member·M_member(1)···M_member(n0-1)·U(n0)·(M_rep(1)···M_rep(n0-1+k))^-1·A_rep^-1,

A = [[1, a(0)], [0, 1]]; the stored ``limit_map`` must be T up to a non-zero factor.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sympy

n = sympy.Symbol("n")


@dataclass(frozen=True)
class CertificateRecheck:
    conjecture_id: str
    family_id: str
    holds: bool
    reason: str  # empty when it holds


def _poly(coefficients: Sequence[int], at: sympy.Expr | int) -> sympy.Expr:
    return sum((sympy.Integer(c) * sympy.sympify(at) ** i for i, c in enumerate(coefficients)),
               sympy.Integer(0))  # fmt: skip


def _step(a: Sequence[int], b: Sequence[int], at: sympy.Expr | int) -> sympy.Matrix:
    return sympy.Matrix([[0, _poly(b, at)], [1, _poly(a, at)]])


def _start(a: Sequence[int]) -> sympy.Matrix:
    return sympy.Matrix([[1, _poly(a, 0)], [0, 1]])


ENTRY_TEXT = re.compile(r"[0-9n+\-*/() ]+")
"""What a certificate entry may contain: sympify evaluates its text, so nothing else."""


def _parsed(text: str) -> sympy.Expr:
    if not ENTRY_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a rational function of n")
    expression = sympy.sympify(text, locals={"n": n}, rational=True)
    if expression.free_symbols - {n} or not expression.is_rational_function(n):
        raise ValueError(f"{text!r} is not a rational function of n")
    return expression


def _bad_points(expressions: Sequence[sympy.Expr]) -> set[int]:
    """Positive integers where an expression has a pole or a zero."""
    points: set[int] = set()
    for expression in expressions:
        numerator, denominator = sympy.fraction(sympy.cancel(expression))
        for part in (numerator, denominator):
            if part.has(n):
                points |= {int(r) for r in sympy.roots(sympy.Poly(part, n)) if r.is_integer}
    return {p for p in points if p >= 1}


def recheck_certificate(row: Mapping[str, Any]) -> CertificateRecheck:
    """One families row, judged from its own columns."""

    def verdict(reason: str = "") -> CertificateRecheck:
        return CertificateRecheck(row["conjecture_id"], row["family_id"], not reason, reason)

    try:
        stored = json.loads(row["certificate"])
        u = sympy.Matrix([[_parsed(str(e)) for e in line] for line in stored["U"]])
        c = _parsed(str(stored["c"]))
        k = int(stored["shift"])
    except (ValueError, KeyError, TypeError, sympy.SympifyError) as err:
        return verdict(f"unreadable certificate: {err}")
    member = (row["a_coeffs"], row["b_coeffs"])
    rep = (row["rep_a_coeffs"], row["rep_b_coeffs"])
    det = sympy.cancel(u.det())
    if det == 0:
        return verdict("det U is identically 0")
    left = _step(*member, n) * u.subs(n, n + 1)
    right = c * u * _step(*rep, n + k)
    if any(sympy.cancel(entry) != 0 for entry in left - right):
        return verdict("M_member(n)·U(n+1) ≠ c(n)·U(n)·M_rep(n+k)")
    bad = _bad_points([*u, c, det])
    n0 = max([*bad, 0]) + 1
    n0 = max(n0, 1 - k)  # the representative's product must not start before n = 1
    product_member = sympy.eye(2)
    for j in range(1, n0):
        product_member = product_member * _step(*member, j)
    product_rep = sympy.eye(2)
    for j in range(1, n0 + k):
        product_rep = product_rep * _step(*rep, j)
    if product_rep.det() == 0:
        return verdict(f"M_rep is singular below n = {n0 + k}")
    transform = (
        _start(member[0])
        * product_member
        * u.subs(n, n0)
        * product_rep.inv()
        * _start(rep[0]).inv()
    )
    expected = sympy.Matrix(row["limit_map"])
    if transform.det() == 0:
        return verdict("the recomputed limit map is singular")
    # equal up to a factor: every 2x2 minor of the pair of flattened matrices vanishes
    flat_t, flat_e = list(transform), list(expected)
    if any(
        sympy.simplify(flat_t[i] * flat_e[j] - flat_t[j] * flat_e[i]) != 0
        for i in range(4)
        for j in range(i + 1, 4)
    ):
        return verdict(f"limit_map {row['limit_map']} is not T = {transform.tolist()}")
    return verdict()
