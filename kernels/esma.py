"""ESMA: signed continued fractions of a constant's forms whose partial denominators obey a
short linear recurrence (field notes, "ESMA").

x = a0 + s0/(a1 + s1/(a2 + ...)), a_i = floor(x_i) if s_i > 0 else ceil(x_i),
x_(i+1) = s_i/(x_i − a_i). The expansion runs on arb balls, so it stops the moment a
partial denominator is no longer certain. Berlekamp–Massey over GF(p) (numba) proposes a
register; it is lifted to ℤ, checked on every known term, used to regenerate many more
terms, and the continued fraction they define is evaluated exactly and compared with
the form: only then is it a conjecture. Its digits are capped by the working precision (less
GUARD_DIGITS) and by how far the regenerated continued fraction has itself settled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from flint import arb, ctx, fmpq, fmpq_mat, fmpz
from numba import njit

PRIME = 1_000_003
"""Field of the Berlekamp–Massey search: large enough that chance registers are rare."""
GUARD_DIGITS = 10
"""Digits of the working precision that validation never claims."""


def signed_expansion(x: arb, signs: Sequence[int], terms: int) -> list[int]:
    """Partial denominators a_0, a_1, ... of x for the periodic sign pattern ``signs``.

    Stops early when the ball no longer pins a_i down, or when x_i − a_i is 0 (a rational
    form)."""
    out: list[int] = []
    value = x
    for i in range(terms):
        sign = signs[i % len(signs)]
        bound = value.floor() if sign > 0 else value.ceil()
        exact = bound.unique_fmpz()
        if exact is None:
            break
        out.append(int(exact))
        remainder = value - exact
        if remainder.contains(0):
            break
        value = sign / remainder
    return out


@njit(cache=True)
def berlekamp_massey(sequence: np.ndarray, prime: int) -> np.ndarray:
    """Shortest connection polynomial C (C[0] = 1) with Σ C[j]·s[n−j] ≡ 0 (mod prime)."""
    n = sequence.shape[0]
    c = np.zeros(n + 1, np.int64)
    b = np.zeros(n + 1, np.int64)
    c[0] = 1
    b[0] = 1
    length, shift, last = 0, 1, 1
    for i in range(n):
        discrepancy = sequence[i] % prime
        for j in range(1, length + 1):
            discrepancy = (discrepancy + c[j] * sequence[i - j]) % prime
        if discrepancy == 0:
            shift += 1
            continue
        inverse = 1
        base, exponent = last % prime, prime - 2  # Fermat inverse of the last discrepancy
        while exponent:
            if exponent & 1:
                inverse = inverse * base % prime
            base = base * base % prime
            exponent >>= 1
        factor = discrepancy * inverse % prime
        previous = c.copy()
        for j in range(shift, n + 1):
            c[j] = (c[j] - factor * b[j - shift]) % prime
        if 2 * length <= i:
            length = i + 1 - length
            b = previous
            last = discrepancy
            shift = 1
        else:
            shift += 1
    return c[: length + 1]


def lift_register(terms: Sequence[int], register_mod_p: np.ndarray) -> list[int] | None:
    """An integer register [1, c1, ..., cL] with Σ c_j·t[n−j] = 0 on every term, or None.

    First the symmetric residues; failing that, the recurrence solved over ℚ from the
    first terms and scaled to integers."""
    length = len(register_mod_p) - 1
    symmetric = [int(v) if v <= PRIME // 2 else int(v) - PRIME for v in register_mod_p]
    if holds(terms, symmetric):
        return symmetric
    if 2 * length > len(terms):
        return None
    rows = [[fmpq(terms[n - j]) for j in range(1, length + 1)] for n in range(length, 2 * length)]
    rhs = [[fmpq(-terms[n])] for n in range(length, 2 * length)]
    try:
        solution = fmpq_mat(rows).solve(fmpq_mat(rhs))
    except ZeroDivisionError:
        return None
    fractions = [solution[j, 0] for j in range(length)]
    scale = 1
    for f in fractions:
        scale = math.lcm(scale, int(f.q))
    register = [scale, *(int(f.p) * (scale // int(f.q)) for f in fractions)]
    return register if holds(terms, register) else None


def holds(terms: Sequence[int], register: Sequence[int]) -> bool:
    length = len(register) - 1
    return all(
        sum(register[j] * terms[n - j] for j in range(length + 1)) == 0
        for n in range(length, len(terms))
    )


def extend(terms: Sequence[int], register: Sequence[int], count: int) -> list[int]:
    """``count`` terms: the given ones, continued by the register (exact integers)."""
    out = list(terms)
    length, lead = len(register) - 1, register[0]
    while len(out) < count:
        total = sum(register[j] * out[-j] for j in range(1, length + 1))
        if total % lead:
            raise ValueError("the register does not continue in integers")
        out.append(-total // lead)
    return out[:count]


def cf_value(a: Sequence[int], signs: Sequence[int]) -> fmpq:
    """a0 + s0/(a1 + s1/(a2 + ...)) exactly, by the forward recurrence."""
    p_prev, p, q_prev, q = fmpz(1), fmpz(a[0]), fmpz(0), fmpz(1)
    for i in range(1, len(a)):
        s = signs[(i - 1) % len(signs)]
        p_prev, p = p, a[i] * p + s * p_prev
        q_prev, q = q, a[i] * q + s * q_prev
    return fmpq(p, q)


@dataclass(frozen=True)
class EsmaFinding:
    signs: tuple[int, ...]
    start: int  # index of the first term the register governs
    initial_terms: tuple[int, ...]  # a_0 .. up to where the register takes over
    register: tuple[int, ...]
    digits: float  # agreement of the regenerated CF with the form, as far as it is known
    terms_checked: int


def find_register(
    x: arb,
    signs: Sequence[int],
    *,
    terms: int,
    max_register_fraction: float = 0.25,
    validate_terms: int = 1000,
    want_digits: float = 100.0,
) -> EsmaFinding | None:
    """Expand, look for a short register, validate it: the whole ESMA step for one form."""
    a = signed_expansion(x, signs, terms)
    if len(a) < terms:
        return None  # rational, or not enough precision for this many terms
    start = 1  # a_0 is the integer part and follows no pattern
    tail = a[start:]
    register_mod_p = berlekamp_massey(np.array([t % PRIME for t in tail], np.int64), PRIME)
    if len(register_mod_p) - 1 >= max_register_fraction * len(tail):
        return None
    register = lift_register(tail, register_mod_p)
    if register is None:
        return None
    digits = validate(x, a[:start], tail, register, signs, validate_terms)
    if digits < want_digits:
        return None
    return EsmaFinding(
        tuple(signs),
        start,
        tuple(a[: start + len(register) - 1]),
        tuple(register),
        digits,
        validate_terms,
    )


def validate(
    x: arb,
    head: Sequence[int],
    tail: Sequence[int],
    register: Sequence[int],
    signs: Sequence[int],
    count: int,
) -> float:
    """Significant digits to which the CF of ``count`` regenerated terms equals x (0 if the
    register fails), claimed only as far as they are known:

    - the agreement is that of the whole ball: -log10 of the largest |CF - x| the ball
      allows, so a difference the ball cannot resolve gives the ball's digits, no more;
    - no more than the working precision minus GUARD_DIGITS;
    - no more than the CF itself has settled: -log10 of its change from count - 1 and
      count - 2 terms (an odd and an even count), relative to its value. A CF that is still
      moving at that scale has not shown that its limit is x."""
    try:
        regenerated = [*head, *extend(tail[: len(register) - 1], register, count - len(head))]
    except ValueError:
        return 0.0
    known = min(len(head) + len(tail), count)
    if regenerated[:known] != [*head, *tail][:known]:
        return 0.0
    values = cf_values(regenerated, signs, last=3)
    if values is None:
        return 0.0
    earlier, previous, value = values
    if x.contains(0) or value == 0:
        return 0.0
    magnitude = abs(x).abs_lower()
    difference = (arb(value) - x).abs_upper()
    moved = max(abs(value - previous), abs(value - earlier))
    cap = float(ctx.dps - GUARD_DIGITS)
    digits = min(cap, _digits(difference / magnitude), _digits(arb(moved) / abs(arb(value))))
    return max(0.0, digits)


def cf_values(a: Sequence[int], signs: Sequence[int], last: int) -> list[fmpq] | None:
    """The values of the CF cut after len(a) - last + 1, ..., len(a) terms, exactly, in one
    forward pass; None when one of them has a zero denominator."""
    p_prev, p, q_prev, q = fmpz(1), fmpz(a[0]), fmpz(0), fmpz(1)
    convergents = [(p, q)]
    for i in range(1, len(a)):
        s = signs[(i - 1) % len(signs)]
        p_prev, p = p, a[i] * p + s * p_prev
        q_prev, q = q, a[i] * q + s * q_prev
        convergents.append((p, q))
    tail = convergents[-last:]
    if len(tail) < last or any(q == 0 for _, q in tail):
        return None
    return [fmpq(p, q) for p, q in tail]


def _digits(relative: arb) -> float:
    """-log10 of a relative error bound (an arb); +inf when it is exactly 0."""
    upper = relative.abs_upper()
    if upper == 0:
        return math.inf
    return float((-(upper.log() / arb(10).log())).lower())


# -- forms ---------------------------------------------------------------------


@dataclass(frozen=True)
class Form:
    """x = P(c)/Q(c), coefficients ascending, for the constant (or product) ``constant``."""

    constant: str
    p: tuple[int, ...]
    q: tuple[int, ...]

    def value(self, c: arb) -> arb:
        return _poly(self.p, c) / _poly(self.q, c)


def enumerate_forms(constants: Sequence[str], degree: int, bound: int) -> list[Form]:
    """Every P(c)/Q(c) once: primitive, Q's leading coefficient positive, not rational."""
    forms = []
    for name in constants:
        for coefficients in np.ndindex(*([2 * bound + 1] * (2 * degree + 2))):
            values = [v - bound for v in coefficients]
            p, q = tuple(values[: degree + 1]), tuple(values[degree + 1 :])
            if not any(q) or _proportional(p, q):
                continue
            if math.gcd(*values) != 1 or next(v for v in reversed(q) if v) < 0:
                continue
            forms.append(Form(name, p, q))
    return forms


def shift_groups(forms: Sequence[Form], constants: dict[str, arb]) -> list[list[tuple[Form, int]]]:
    """Forms grouped by fractional part: members differ from the group's first form by an
    integer, so one expansion serves all (a_0 shifts, the rest is the same).

    Each member comes with its integer offset from the first form."""
    groups: dict[str, list[tuple[Form, int, arb]]] = {}
    order: list[str] = []
    for form in forms:
        x = form.value(constants[form.constant])
        if not x.is_finite():
            continue
        floor = x.floor().unique_fmpz()
        if floor is None:
            continue
        key = f"{form.constant}|{(x - floor).str(40, radius=False)}"
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append((form, int(floor), x))
    result = []
    for key in order:
        members = sorted(groups[key], key=lambda m: (_height(m[0]), m[0].p, m[0].q))
        base = members[0][1]
        result.append([(form, floor - base) for form, floor, _ in members])
    return result


def sign_patterns(periods: Sequence[int]) -> list[tuple[int, ...]]:
    """All ±1 patterns of the given periods that are not repeats of a shorter pattern."""
    patterns = []
    for period in sorted(set(periods)):
        for bits in range(2**period):
            pattern = tuple(1 if (bits >> i) & 1 == 0 else -1 for i in range(period))
            if any(
                period % d == 0 and pattern == pattern[:d] * (period // d) for d in range(1, period)
            ):
                continue
            patterns.append(pattern)
    return patterns


def polynomial_pcf(finding: EsmaFinding, a0: int) -> tuple[list[int], list[int]] | None:
    """PCF(a(n), s) when the partial denominators are one polynomial in n (constant sign)
    from a_0 on; None otherwise."""
    if len(set(finding.signs)) != 1:
        return None
    register = list(finding.register)
    k = len(register) - 1  # (1 - x)^k: a polynomial sequence of degree k - 1
    binomial = [(-1) ** j * math.comb(k, j) for j in range(k + 1)]
    if register != binomial and register != [-v for v in binomial]:
        return None
    points = list(range(1, k + 1))
    values = list(finding.initial_terms[1 : k + 1])
    if len(values) < k:
        return None
    coefficients = _interpolate(points, values)
    if coefficients is None or coefficients[0] != a0:
        return None
    return coefficients, [finding.signs[0]]


def _interpolate(points: list[int], values: list[int]) -> list[int] | None:
    size = len(points)
    matrix = fmpq_mat([[fmpq(n) ** j for j in range(size)] for n in points])
    solution = matrix.solve(fmpq_mat([[fmpq(v)] for v in values]))
    out = [solution[j, 0] for j in range(size)]
    if any(c.q != 1 for c in out):
        return None
    result = [int(c.p) for c in out]
    while len(result) > 1 and result[-1] == 0:
        result.pop()
    return result


def _poly(coefficients: Sequence[int], c: arb) -> arb:
    value = arb(0)
    for coefficient in reversed(coefficients):
        value = value * c + coefficient
    return value


def _proportional(p: Sequence[int], q: Sequence[int]) -> bool:
    return all(p[i] * q[j] == p[j] * q[i] for i in range(len(p)) for j in range(len(q)))


def _height(form: Form) -> tuple[int, int]:
    values = [*form.p, *form.q]
    return max(abs(v) for v in values), sum(abs(v) for v in values)
