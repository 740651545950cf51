"""Integer relations beyond the Möbius lookup: propose, never verify.

A limit L that the lookup (small Möbius coefficients, float precision) leaves unidentified
is searched, at the digits it is known to, for an integer relation over bases built from
the spec's constants, cheapest kind first:

- ``large``: Möbius forms with large coefficients, basis ``1, c, L, L*c``;
- ``powers``: L = P(c)/Q(c) with P, Q of degree <= 3 (``1, c, c*c, c*c*c`` and L times
  them: 30/pi^2, e^2) and Möbius forms in a product ``c1*c2``;
- ``two_constants``: L = (x0 + x1·u + x2·v)/(y0 + y1·u + y2·v) with u, v spec constants or
  their squares (zeta3/pi^2 is u = zeta3, v = pi*pi);
- ``algebraic``: an integer polynomial of degree 2 to 4 with root L.

A relation counts only when it is worth the digits it used: LIReC's return on investment,
roi = verified bits / (non-zero coefficients + Σ bit lengths), verified bits = digits·log2 10,
must reach 2. That bound, not a fixed coefficient cap, limits how large a coefficient may
be (about 10^6 for a 4-term Möbius form at 50 digits, 10^12 at 100). Zero and rational
limits are answered before any lattice is built (mpmath.pslq raises on 0, and a rational
is not a conjecture). The search uses python-flint's LLL by default, measured faster than
mpmath.pslq at every size in tests/benchmarks/bench_relations.py. What comes back is a
proposal: the caller verifies it against a deeper, independent estimate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Literal

import mpmath
from flint import fmpz_mat, fmpz_poly

BasisKind = Literal["large", "powers", "two_constants", "algebraic"]
BASIS_KINDS: tuple[BasisKind, ...] = ("large", "powers", "two_constants", "algebraic")
MIN_ROI = 2.0
"""LIReC's "high" return on investment: the relation used at most half the bits it had."""
BITS_PER_DIGIT = math.log2(10)
GUARD_DIGITS = 12
"""Working precision above the digits searched."""
INDEPENDENCE_DIGITS = 60
"""Precision at which each basis is checked, once, for relations among its constants."""


@dataclass(frozen=True)
class Relation:
    """Σ coefficients[i]·basis[i] = 0 with L the limit (the catalog's convention).

    A Möbius-shaped basis keeps ``1`` and ``L`` and, for each constant term the relation
    uses, both the term and L times it: ``("1", "pi*pi", "L", "L*pi*pi")``. An algebraic
    basis is ``("1", "L", "L*L", ...)`` up to the degree of the minimal polynomial."""

    basis: tuple[str, ...]
    coefficients: tuple[int, ...]
    basis_kind: BasisKind
    digits: float  # the digits searched at: verified bits = digits·log2 10
    roi: float
    coefficient_bits: int  # Σ bit lengths of the coefficients


def coefficient_bits(coefficients: Iterable[int]) -> int:
    """Σ bit lengths of the coefficients (a zero contributes nothing)."""
    return sum(abs(int(c)).bit_length() for c in coefficients)


def roi(coefficients: Sequence[int], digits: float) -> float:
    """LIReC's return on investment of a relation that holds to ``digits`` decimal digits:
    digits·log2 10 / (non-zero coefficients + Σ bit lengths)."""
    cost = sum(1 for c in coefficients if c) + coefficient_bits(coefficients)
    return digits * BITS_PER_DIGIT / cost if cost else 0.0


def rational_value(
    limit: mpmath.mpf, digits: float, *, min_roi: float = MIN_ROI
) -> Fraction | None:
    """The simplest p/q within ``digits`` significant digits of ``limit`` whose relation
    p - q·L = 0 has roi >= ``min_roi``, else None. ``Fraction(0)`` when |limit| < 10^-digits:
    digits are significant, so a smaller value cannot be told from zero.

    From the continued fraction of the limit, before any lattice is built."""
    if not mpmath.isfinite(limit):
        return None
    with mpmath.workdps(max(20, int(digits) + GUARD_DIGITS)):
        limit = mpmath.mpf(limit)
        if abs(limit) < mpmath.mpf(10) ** (-digits):
            return Fraction(0)
        tolerance = abs(limit) * mpmath.mpf(10) ** (-digits)
        for candidate in _convergents(_as_fraction(limit)):
            if roi((candidate.numerator, candidate.denominator), digits) < min_roi:
                return None  # every later convergent costs more
            error = abs(limit - mpmath.mpf(candidate.numerator) / candidate.denominator)
            if error <= tolerance:
                return candidate
    return None


def _as_fraction(x: mpmath.mpf) -> Fraction:
    """The binary value of x exactly (``man_exp`` drops the sign)."""
    mantissa, exponent = x.man_exp
    exact = Fraction(int(mantissa)) * Fraction(2) ** int(exponent)
    return -exact if x < 0 else exact


def _convergents(x: Fraction) -> Iterable[Fraction]:
    """The continued fraction convergents of x, simplest first."""
    p0, q0, p1, q1 = 0, 1, 1, 0
    while True:
        a = math.floor(x)
        p0, q0, p1, q1 = p1, q1, a * p1 + p0, a * q1 + q0
        yield Fraction(p1, q1)
        if x == a:
            return
        x = 1 / (x - a)


@dataclass(frozen=True)
class _Basis:
    """A Möbius-shaped basis 1, u.., L, L*u.. (``terms`` are the u), or the algebraic
    basis 1, L, .., L^degree (``terms`` empty)."""

    kind: BasisKind
    terms: tuple[str, ...]
    degree: int = 0

    def names(self) -> tuple[str, ...]:
        if self.kind == "algebraic":
            return ("1", "L", *("*".join(["L"] * k) for k in range(2, self.degree + 1)))
        return ("1", *self.terms, "L", *(f"L*{t}" for t in self.terms))


class RelationSearch:
    """The deep search for one spec's constants: bases built (and checked for relations
    among the constants alone) once, then :meth:`find` per limit.

    ``constants`` maps names to values (mpf, or decimal strings such as the constants
    table holds) carrying at least the digits of any limit to be searched plus
    GUARD_DIGITS. Products and powers are named by their factors in the
    order given, joined by ``*`` (``pi*pi``, ``pi*e``). A constant that is rational, or a
    power that depends linearly on the lower ones (sqrt2*sqrt2 = 2), is left out of the
    bases, so that no relation found can avoid L.
    """

    def __init__(
        self,
        constants: Mapping[str, mpmath.mpf | str],
        *,
        kinds: Sequence[BasisKind] = BASIS_KINDS,
        max_power: int = 3,
        pair_products: bool = True,
        square_pairs: bool = True,
        algebraic_degree: int = 4,
        min_roi: float = MIN_ROI,
        method: Literal["lll", "pslq"] = "lll",
    ) -> None:
        unknown = [k for k in kinds if k not in BASIS_KINDS]
        if unknown:
            raise ValueError(f"unknown basis kind(s) {unknown}; known: {BASIS_KINDS}")
        self.kinds = tuple(kinds)
        self.min_roi = min_roi
        self.method = method
        self._constants = dict(constants)  # rounded only when used, at the working precision
        self._cache: dict[tuple[str, int], mpmath.mpf] = {}
        with mpmath.workdps(INDEPENDENCE_DIGITS + GUARD_DIGITS):
            usable = [n for n in self._constants if self._independent([n])]
            powers: dict[str, list[str]] = {}
            for name in usable:
                kept = [name]
                for k in range(2, max_power + 1):
                    term = "*".join([name] * k)
                    if not self._independent([*kept, term]):
                        break  # c is algebraic of degree < k: higher powers depend too
                    kept.append(term)
                powers[name] = kept
            products = [
                f"{first}*{second}"
                for first, second in combinations(usable, 2)
                if pair_products and self._independent([f"{first}*{second}"])
            ]
            pool = [(name, term) for name in usable for term in powers[name][:2]]
            if not square_pairs:
                pool = [(name, term) for name, term in pool if term == name]
            pairs = [
                (u, v)
                for (base_u, u), (base_v, v) in combinations(pool, 2)
                if base_u != base_v and self._independent([u, v])
            ]
        self._bases: dict[BasisKind, list[_Basis]] = {
            "large": [_Basis("large", (n,)) for n in usable],
            "powers": [_Basis("powers", tuple(powers[n])) for n in usable if len(powers[n]) > 1]
            + [_Basis("powers", (p,)) for p in products],
            "two_constants": [_Basis("two_constants", pair) for pair in pairs],
            "algebraic": [_Basis("algebraic", (), algebraic_degree)]
            if algebraic_degree >= 2
            else [],
        }

    def bases(self, kind: BasisKind) -> list[tuple[str, ...]]:
        """The bases :meth:`find` tries for ``kind``, in order (full, before trimming)."""
        return [basis.names() for basis in self._bases[kind]] if kind in self.kinds else []

    def find(self, limit: mpmath.mpf, digits: float) -> Relation | None:
        """The simplest relation involving L with roi >= min_roi, from the first basis kind
        (in ``kinds`` order) that has one; None for zero, rational or non-finite limits and
        when nothing is found. ``digits`` are the limit's significant digits, and the
        digits searched at: LLL's cost grows with them, so pass min(known, ~100).

        Below about 15 digits random limits draw proposals (16 of 100 at 10 digits, 4 at
        12, none at 15 to 30, with the default spec's 7 constants: bench_relations.py), so a
        caller searches at 20 digits or more and verifies what comes back deeper."""
        if not mpmath.isfinite(limit) or digits <= 0:
            return None
        if rational_value(limit, digits, min_roi=self.min_roi) is not None:
            return None
        with mpmath.workdps(int(digits) + GUARD_DIGITS):
            limit = mpmath.mpf(limit)
            for kind in self.kinds:
                found = [
                    relation
                    for basis in self._bases[kind]
                    if (relation := self._search(basis, limit, digits)) is not None
                ]
                if found:
                    return min(found, key=lambda r: (-r.roi, len(r.basis)))
        return None

    # -- one basis ---------------------------------------------------------------

    def _search(self, basis: _Basis, limit: mpmath.mpf, digits: float) -> Relation | None:
        values = self._basis_values(basis, limit)
        best: Relation | None = None
        for vector in self._candidates(values, digits):
            relation = self._accept(basis, values, vector, limit, digits)
            if relation is not None and (best is None or relation.roi > best.roi):
                best = relation
        return best

    def _basis_values(self, basis: _Basis, limit: mpmath.mpf) -> list[mpmath.mpf]:
        if basis.kind == "algebraic":
            return [limit**k for k in range(basis.degree + 1)]
        terms = [self._term(t) for t in basis.terms]
        return [mpmath.mpf(1), *terms, limit, *(limit * t for t in terms)]

    def _term(self, term: str) -> mpmath.mpf:
        """A product of constants at the current precision (cached per precision)."""
        key = (term, mpmath.mp.prec)
        if key not in self._cache:
            value = mpmath.mpf(1)
            for factor in term.split("*"):
                value *= mpmath.mpf(self._constants[factor])
            self._cache[key] = value
        return self._cache[key]

    def _candidates(self, values: list[mpmath.mpf], digits: float) -> list[list[int]]:
        if self.method == "pslq":
            return _pslq_candidates(values, digits, self.min_roi)
        return _lll_candidates(values, digits)

    def _accept(
        self,
        basis: _Basis,
        values: list[mpmath.mpf],
        vector: list[int],
        limit: mpmath.mpf,
        digits: float,
    ) -> Relation | None:
        """The candidate as a relation, if it holds to the digits, involves L and is worth
        them; trimmed (unused terms dropped, a polynomial reduced to its factor at L).

        LLL rows that are no relation have roi near 1 (coefficients about W^(1/n)): they
        are dropped on their integers alone, before any arithmetic at the working
        precision. The bar there is 3/4 of min_roi, for what a common factor or the factor
        at L may still take off."""
        if roi(vector, digits) < 0.75 * self.min_roi or not _holds(values, vector, digits):
            return None
        if basis.kind == "algebraic":
            vector = _factor_at(vector, limit)
            if len(vector) < 3:
                return None  # rational (or nothing)
            names = _Basis("algebraic", (), len(vector) - 1).names()
        else:
            k = len(basis.terms)
            if not any(vector[k + 1 :]):
                return None  # a relation among the constants alone
            if basis.kind == "powers" and k > 1:
                vector = _without_common_factor(vector)
            names, vector = _trimmed(basis.terms, vector)
        divisor = math.gcd(*vector)
        vector = [c // divisor for c in vector]
        if _needs_negation(basis.kind, vector):
            vector = [-c for c in vector]
        value = roi(vector, digits)
        if value < self.min_roi:
            return None
        return Relation(
            basis=names,
            coefficients=tuple(vector),
            basis_kind=_kind_of(basis.kind, names),
            digits=float(digits),
            roi=value,
            coefficient_bits=coefficient_bits(vector),
        )

    def _independent(self, terms: list[str]) -> bool:
        """No integer relation among 1 and the terms at INDEPENDENCE_DIGITS."""
        vector = [mpmath.mpf(1), *(self._term(t) for t in terms)]
        return not any(
            _holds(vector, candidate, INDEPENDENCE_DIGITS)
            and roi(candidate, INDEPENDENCE_DIGITS) >= 2 * MIN_ROI
            for candidate in _lll_candidates(vector, INDEPENDENCE_DIGITS)
        )


def _lll_candidates(values: Sequence[mpmath.mpf], digits: float) -> list[list[int]]:
    """The rows of the LLL-reduced lattice [I | W·x], W = 10^digits / max|x|: a relation
    that holds to the digits with small coefficients is a short row."""
    n = len(values)
    scale = mpmath.mpf(10) ** digits / max(abs(v) for v in values)
    entries: list[int] = []
    for i, value in enumerate(values):
        row = [0] * (n + 1)
        row[i] = 1
        row[n] = int(mpmath.nint(scale * value))
        entries.extend(row)
    reduced = fmpz_mat(n, n + 1, entries).lll()
    return [[int(reduced[r, k]) for k in range(n)] for r in range(n)]


def _pslq_candidates(
    values: Sequence[mpmath.mpf], digits: float, min_roi: float
) -> list[list[int]]:
    """mpmath.pslq's relation, bounded by the largest coefficient any relation with roi
    >= min_roi can have (two non-zero coefficients of equal size)."""
    bits = digits * BITS_PER_DIGIT / min_roi
    bound = 2 ** max(1, int(bits / 2) - 1)
    top = max(abs(v) for v in values)
    with mpmath.workdps(int(digits) + GUARD_DIGITS):
        found = mpmath.pslq(
            [v / top for v in values],
            tol=mpmath.mpf(10) ** (-digits),
            maxcoeff=bound,
            maxsteps=100 * len(values) ** 2 * max(1, int(digits)),
        )
    return [list(found)] if found is not None else []


def _holds(values: Sequence[mpmath.mpf], vector: Sequence[int], digits: float) -> bool:
    """Σ c·x vanishes to the digits, relative to the size of its terms (one digit spare)."""
    if not any(vector):
        return False
    terms = [c * x for c, x in zip(vector, values, strict=True) if c]
    scale = sum(abs(t) for t in terms)
    return abs(mpmath.fsum(terms)) <= scale * mpmath.mpf(10) ** (1 - digits)


def _trimmed(terms: Sequence[str], vector: list[int]) -> tuple[tuple[str, ...], list[int]]:
    """Drop each constant term u whose coefficients on u and on L*u are both zero."""
    k = len(terms)
    keep = [i for i in range(k) if vector[1 + i] or vector[k + 2 + i]]
    names = ("1", *(terms[i] for i in keep), "L", *(f"L*{terms[i]}" for i in keep))
    kept = [vector[0], *(vector[1 + i] for i in keep), vector[k + 1]]
    kept += [vector[k + 2 + i] for i in keep]
    return names, kept


def _kind_of(searched: BasisKind, names: Sequence[str]) -> BasisKind:
    """The kind of the relation as trimmed, which may be simpler than the basis searched:
    a two-constant basis can find 30 - L·pi*pi = 0 (a power) or 7 + 13·pi + ... (a
    single-constant Möbius form) when it has the digits and the smaller bases did not."""
    terms = names[1 : len(names) // 2]
    if searched == "algebraic" or not terms:
        return searched
    bases = {term.split("*")[0] for term in terms}
    if len(terms) == 1 and "*" not in terms[0]:
        return "large"
    if len(bases) == 1 and all(set(term.split("*")) == bases for term in terms):
        return "powers"
    if len(terms) == 1:
        return "powers"  # a product c1*c2
    return "two_constants"


def _without_common_factor(vector: list[int]) -> list[int]:
    """P(c) + L·Q(c) = 0 over the powers 1, c, .., c^m divided by gcd(P, Q): the basis
    also holds c·(the relation), as cheap as the relation itself, and L·c^2 = 30 reads
    better than L·c^3 = 30·c."""
    half = len(vector) // 2
    p, q = fmpz_poly(vector[:half]), fmpz_poly(vector[half:])
    common = p.gcd(q) if p != 0 and q != 0 else (q if p == 0 else p)
    if common.degree() < 1:
        return vector
    p, q = p // common, q // common
    pad = [0] * half
    return ([int(c) for c in p.coeffs()] + pad)[:half] + ([int(c) for c in q.coeffs()] + pad)[:half]


def _needs_negation(kind: BasisKind, vector: Sequence[int]) -> bool:
    """Signs as the catalog writes them: a polynomial with a positive leading coefficient;
    a Möbius-shaped relation with its last non-zero L term negative, so that in
    L = (Σ x·u)/(Σ y·u) the denominator leads with a positive coefficient (as in
    p0 + p1·c - q0·L - q1·L·c = 0 with q1 > 0)."""
    if kind == "algebraic":
        return vector[-1] < 0
    half = len(vector) // 2
    last = max(i for i in range(half, len(vector)) if vector[i])
    return vector[last] > 0


def _factor_at(vector: Sequence[int], limit: mpmath.mpf) -> list[int]:
    """The irreducible factor of Σ c_k·x^k that vanishes at the limit (primitive)."""
    coefficients = list(vector)
    while coefficients and coefficients[-1] == 0:
        coefficients.pop()
    if len(coefficients) < 2:
        return []
    _content, factors = fmpz_poly(coefficients).factor()

    def size_at_limit(factor: fmpz_poly) -> mpmath.mpf:
        values = [int(c) for c in factor.coeffs()]
        return abs(mpmath.polyval(values[::-1], limit)) / sum(
            abs(c) * abs(limit) ** k for k, c in enumerate(values)
        )

    best = min((f for f, _ in factors), key=size_at_limit)
    return [int(c) for c in best.coeffs()]
