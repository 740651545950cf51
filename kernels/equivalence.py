"""Equivalence of polynomial continued fractions, proved by an exact certificate.

A PCF a(0) + b(1)/(a(1) + b(2)/(a(2) + ...)) is the product A·M(1)·M(2)··· with
A = [[1, a(0)], [0, 1]] and M(n) = [[0, b(n)], [1, a(n)]]; its limit is the column ratio
p_N/q_N of P_N = A·M(1)···M(N). Two PCFs, a member and a representative, are equivalent
when a rational 2x2 matrix U(n), a rational function c(n) and an integer shift k satisfy

    M_member(n) · U(n+1) = c(n) · U(n) · M_rep(n + k)        (det U(n) not identically 0)

exactly, as rational functions of n. The triple (U, c, k) is the certificate. It makes the
member's product telescope into the representative's, so the two limits are related by a
Möbius map T with integer entries (``limit_map``): L_member = (T11·L_rep + T12)/(T21·L_rep +
T22). Named special cases: the mirror (a -> -a: U = diag(1, -1), c = -1), the shift
(member(n) = rep(n+k): U = I, c = 1), the rescaling (a -> s·a, b -> s²·b: U = diag(s, 1),
c = s); anything else is a coboundary.

``find_certificate`` tries the structural forms first, then solves for a U with polynomial
entries of bounded degree. With c and k fixed the identity is linear in U's coefficients,
so it is a homogeneous integer linear system (the identity evaluated at more points than its
degree), whose nullspace python-flint computes exactly. Only a few (c, k) are worth solving:
taking determinants, -b_member(n)·d(n+1) = c(n)²·(-b_rep(n+k))·d(n) with d = det U, and
d(n+1)/d(n) = 1 + deg(d)/n + O(1/n²) fixes c's leading term up to sign and ties k to deg d.
Those necessary conditions reject most pairs before any system is built.

``certificate_holds`` is the independent judge: sympy substitutes and cancels the identity
entry by entry, sharing nothing with the solver, and every certificate returned passed it.
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import TypeVar

import mpmath
import sympy
from flint import fmpz_mat, fmpz_poly
from sympy.polys.fields import FracElement
from sympy.polys.fields import field as sympy_field

Pcf = tuple[tuple[int, ...], tuple[int, ...]]
"""(a_coeffs, b_coeffs), ascending, trailing zeros dropped."""

N = sympy.Symbol("n")
"""The variable of every rational function in a certificate."""

Matrix2 = tuple[tuple[sympy.Expr, sympy.Expr], tuple[sympy.Expr, sympy.Expr]]
IntMatrix2 = tuple[tuple[int, int], tuple[int, int]]
T = TypeVar("T")


# --- certificates -------------------------------------------------------------------------


@dataclass(frozen=True)
class Certificate:
    """M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n + shift); U and c rational functions of N."""

    U: Matrix2
    c: sympy.Expr
    shift: int

    def __post_init__(self) -> None:
        # Plain ints and strings are accepted and stored as sympy expressions.
        rows = tuple(tuple(sympy.sympify(entry) for entry in row) for row in self.U)
        if len(rows) != 2 or any(len(row) != 2 for row in rows):
            raise ValueError(f"U must be a 2x2 matrix, got {self.U!r}")
        object.__setattr__(self, "U", rows)
        object.__setattr__(self, "c", sympy.sympify(self.c))
        object.__setattr__(self, "shift", int(self.shift))

    def to_json(self) -> str:
        """{"U": [["u11", "u12"], ["u21", "u22"]], "c": "...", "shift": k}."""
        return json.dumps(
            {
                "U": [[str(entry) for entry in row] for row in self.U],
                "c": str(self.c),
                "shift": self.shift,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Certificate:
        """The certificate ``to_json`` wrote; ValueError on anything else."""
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError) as error:
            raise ValueError(f"certificate is not valid JSON: {error}") from None
        if not isinstance(data, dict) or set(data) != {"U", "c", "shift"}:
            raise ValueError('certificate JSON must be an object with keys "U", "c", "shift"')
        rows, shift = data["U"], data["shift"]
        if not (
            isinstance(rows, list)
            and len(rows) == 2
            and all(isinstance(row, list) and len(row) == 2 for row in rows)
        ):
            raise ValueError(f'certificate "U" must be a 2x2 list of strings, got {rows!r}')
        if not isinstance(shift, int) or isinstance(shift, bool):
            raise ValueError(f'certificate "shift" must be an integer, got {shift!r}')
        matrix = tuple(
            tuple(_parsed_rational_function(entry, f"U[{i}][{j}]") for j, entry in enumerate(row))
            for i, row in enumerate(rows)
        )
        return cls(matrix, _parsed_rational_function(data["c"], "c"), shift)


IDENTITY = Certificate(
    ((sympy.Integer(1), sympy.Integer(0)), (sympy.Integer(0), sympy.Integer(1))),
    sympy.Integer(1),
    0,
)

# Entries are read by walking Python's syntax tree for integers, n, + - * / and integer
# powers: parse_expr would evaluate arbitrary Python, and an unbounded or nested power could
# build a huge number.
_MAX_EXPONENT = 1000
_BINARY = {
    ast.Add: lambda x, y: x + y,
    ast.Sub: lambda x, y: x - y,
    ast.Mult: lambda x, y: x * y,
    ast.Div: lambda x, y: x / y,
}


def _parsed_rational_function(text: object, where: str) -> sympy.Expr:
    problem = f"certificate entry {where} is not a rational function of n: {text!r}"
    if not isinstance(text, str):
        raise ValueError(problem)
    try:
        expr = _expression_from_syntax(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError) as error:
        raise ValueError(f"{problem} ({error})") from None
    if not _is_rational_function(expr):
        raise ValueError(problem)
    return expr


def _expression_from_syntax(node: ast.expr) -> sympy.Expr:
    """The sympy expression of an integer / n / + - * / / small-power syntax tree."""
    match node:
        case ast.Constant(value=int() as value) if not isinstance(value, bool):
            return sympy.Integer(value)
        case ast.Name(id="n"):
            return N
        case ast.UnaryOp(op=ast.USub(), operand=operand):
            return -_expression_from_syntax(operand)
        case ast.UnaryOp(op=ast.UAdd(), operand=operand):
            return _expression_from_syntax(operand)
        case ast.BinOp(left=base, op=ast.Pow(), right=exponent):
            power = _expression_from_syntax(exponent)
            nested = any(
                isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Pow)
                for inner in ast.walk(base)
            )
            if nested or not power.is_Integer or abs(power) > _MAX_EXPONENT:
                raise ValueError("only small integer powers, not nested, are accepted")
            return _expression_from_syntax(base) ** power
        case ast.BinOp(left=left, op=op, right=right) if type(op) in _BINARY:
            return _BINARY[type(op)](_expression_from_syntax(left), _expression_from_syntax(right))
    raise ValueError(f"unexpected syntax: {ast.dump(node)}")


def _is_rational_function(expr: object) -> bool:
    """A finite, exact rational function of N (no floats, no other symbols, no infinities)."""
    return (
        isinstance(expr, sympy.Expr)
        and expr.free_symbols <= {N}
        and not expr.has(sympy.zoo, sympy.oo, -sympy.oo, sympy.nan)
        and not expr.atoms(sympy.Float)
        and expr.is_rational_function(N)
    )


# --- the exact check ----------------------------------------------------------------------


def _normalized(pcf: Pcf) -> Pcf:
    a, b = pcf
    return _trimmed(a), _trimmed(b)


def _trimmed(coefficients: Sequence[int]) -> tuple[int, ...]:
    values = [int(c) for c in coefficients]
    while values and values[-1] == 0:
        values.pop()
    return tuple(values)


def _sympy_polynomial(coefficients: Sequence[int], at: sympy.Expr) -> sympy.Expr:
    return sympy.Add(*(sympy.Integer(c) * at**i for i, c in enumerate(coefficients)))


# The check runs in sympy's field of rational functions Q(n): the same exact arithmetic as
# cancel() on expressions, an order of magnitude faster (a few ms per check, uncached).
_FIELD, _N_IN_FIELD = sympy_field("n", sympy.QQ)


def _in_field(expr: sympy.Expr) -> FracElement:
    return _FIELD.from_expr(expr)


def _field_shifted(f: FracElement, shift: int) -> FracElement:
    """f(n + shift), by Taylor shifts of numerator and denominator."""
    if shift == 0:
        return f
    return _FIELD.new(f.numer.shift(shift), f.denom.shift(shift))


def _field_step_matrix(pcf: Pcf, shift: int) -> list[list[FracElement]]:
    """M(n + shift) = [[0, b(n + shift)], [1, a(n + shift)]] over Q(n)."""
    a, b = pcf

    def polynomial(coefficients: tuple[int, ...]) -> FracElement:
        value = sum((c * _N_IN_FIELD**i for i, c in enumerate(coefficients)), _FIELD.zero)
        return _field_shifted(value, shift)

    return [[_FIELD.zero, polynomial(b)], [_FIELD.one, polynomial(a)]]


def _product(x: Sequence[Sequence[T]], y: Sequence[Sequence[T]]) -> list[list[T]]:
    """The 2x2 matrix product, for any ring's elements."""
    return [[x[i][0] * y[0][j] + x[i][1] * y[1][j] for j in range(2)] for i in range(2)]


def certificate_holds(member: Pcf, rep: Pcf, certificate: Certificate) -> bool:
    """Whether M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k) holds identically in n, with
    det U ≢ 0 and c ≢ 0.

    Exact substitution and cancellation in sympy's Q(n), sharing nothing with the solver."""
    entries = [*certificate.U[0], *certificate.U[1], certificate.c]
    if not all(_is_rational_function(entry) for entry in entries):
        return False
    u11, u12, u21, u22, c = (_in_field(entry) for entry in entries)
    u = [[u11, u12], [u21, u22]]
    if c == 0 or u11 * u22 - u12 * u21 == 0:
        return False
    u_next = [[_field_shifted(entry, 1) for entry in row] for row in u]
    left = _product(_field_step_matrix(_normalized(member), 0), u_next)
    right = _product(u, _field_step_matrix(_normalized(rep), certificate.shift))
    return all(left[i][j] == c * right[i][j] for i in range(2) for j in range(2))


# --- the search ---------------------------------------------------------------------------


def find_certificate(
    member: Pcf, rep: Pcf, *, max_degree: int = 2, max_shift: int = 3
) -> Certificate | None:
    """A certificate relating ``member`` to ``rep``, or None when none is found.

    Structural forms (mirror, shift, scale and their combinations) first, then a U with
    polynomial entries of degree <= ``max_degree`` for the candidate (c, k) with |k| <=
    ``max_shift``. Whatever is returned passed ``certificate_holds``."""
    member, rep = _normalized(member), _normalized(rep)
    shifts = _shift_order(max_shift)
    for found in _structural_certificates(member, rep, shifts):
        if certificate_holds(member, rep, found):
            return found
    for shift in shifts:
        for multiplier in _multiplier_candidates(member, rep, shift, max_degree):
            found = _coboundary_certificate(member, rep, multiplier, shift, max_degree)
            if found is not None and certificate_holds(member, rep, found):
                return found
    return None


def _shift_order(max_shift: int) -> list[int]:
    """0, 1, -1, 2, -2, ...: small shifts first."""
    return [0, *(sign * k for k in range(1, max_shift + 1) for sign in (1, -1))]


def _shifted(coefficients: tuple[int, ...], shift: int) -> tuple[int, ...]:
    """The coefficients of p(n + shift)."""
    if not coefficients or shift == 0:
        return coefficients
    shifted = fmpz_poly(list(coefficients))(fmpz_poly([shift, 1]))
    return _trimmed([int(c) for c in shifted.coeffs()])


def _rational_sqrt(x: Fraction) -> Fraction | None:
    if x < 0:
        return None
    top, bottom = math.isqrt(x.numerator), math.isqrt(x.denominator)
    if top * top != x.numerator or bottom * bottom != x.denominator:
        return None
    return Fraction(top, bottom)


def _structural_certificates(member: Pcf, rep: Pcf, shifts: list[int]) -> Iterator[Certificate]:
    """Diagonal certificates for member(n) = (s·a_rep, s²·b_rep)(n + k)."""
    a_m, b_m = member
    for shift in shifts:
        a_r, b_r = _shifted(rep[0], shift), _shifted(rep[1], shift)
        if len(a_m) != len(a_r) or len(b_m) != len(b_r):
            continue
        if a_r:
            scales = [Fraction(a_m[-1], a_r[-1])]
        elif b_r:  # a ≡ 0 on both sides: only b tells s, up to sign
            root = _rational_sqrt(Fraction(b_m[-1], b_r[-1]))
            scales = [] if root is None else [root, -root]
        else:
            scales = [Fraction(1)]
        for s in scales:
            if all(x == s * y for x, y in zip(a_m, a_r, strict=True)) and all(
                x == s * s * y for x, y in zip(b_m, b_r, strict=True)
            ):
                yield _diagonal_certificate(s, shift)


def _diagonal_certificate(s: Fraction, shift: int) -> Certificate:
    one, zero = sympy.Integer(1), sympy.Integer(0)
    if s == -1:  # the mirror, in its usual form
        return Certificate(((one, zero), (zero, -one)), -one, shift)
    scale = sympy.Rational(s.numerator, s.denominator)
    return Certificate(((scale, zero), (zero, one)), scale, shift)


# A multiplier c(n) = num(n)/den(n), both integer polynomials (ascending coefficients).
Multiplier = tuple[tuple[int, ...], tuple[int, ...]]


def _multiplier_candidates(member: Pcf, rep: Pcf, shift: int, max_degree: int) -> list[Multiplier]:
    """The c(n) worth solving for at this shift, each passing the determinant test.

    Constants: c² must be lc(b_member)/lc(b_rep) (so ±lc(a_member)/lc(a_rep) and ±1 are
    either among these or hopeless). When the degrees of a differ, the inflation-like
    c(n) = ±a_member(n)/a_rep(n+k) is tried too."""
    (a_m, b_m), (a_r, b_r) = member, (_shifted(rep[0], shift), _shifted(rep[1], shift))
    if bool(b_m) != bool(b_r):
        return []  # det M is 0 on one side only: no invertible U relates them
    found: list[Multiplier] = []
    if b_m and len(b_m) == len(b_r):
        root = _rational_sqrt(Fraction(b_m[-1], b_r[-1]))
        if root is not None:
            found += [
                ((root.numerator,), (root.denominator,)),
                ((-root.numerator,), (root.denominator,)),
            ]
    elif not b_m:
        found += [((1,), (1,)), ((-1,), (1,))]
        if a_m and a_r:
            ratio = Fraction(a_m[-1], a_r[-1])
            found += [
                ((ratio.numerator,), (ratio.denominator,)),
                ((-ratio.numerator,), (ratio.denominator,)),
            ]
    if a_m and a_r and len(a_m) != len(a_r):
        # Inflation by g(n) (a -> g(n)·a, b -> g(n)·g(n-1)·b) has c = g(n) with
        # U = diag(g(n-1), 1); the deflation back has c = 1/g(n-1) with U = diag(1, g(n)).
        for lag in (0, -1):
            ratio = _reduced_ratio(_shifted(a_m, lag), _shifted(a_r, lag))
            found += [ratio, (tuple(-x for x in ratio[0]), ratio[1])]
    unique = list(dict.fromkeys(found))
    if not b_m:
        return unique
    return [m for m in unique if _determinant_test(b_m, b_r, m, max_degree)]


def _reduced_ratio(top: tuple[int, ...], bottom: tuple[int, ...]) -> Multiplier:
    """top/bottom in lowest terms, the denominator's leading coefficient positive."""
    top_poly, bottom_poly = fmpz_poly(list(top)), fmpz_poly(list(bottom))
    common = top_poly.gcd(bottom_poly)
    num, den = _int_coefficients(top_poly // common), _int_coefficients(bottom_poly // common)
    if den[-1] < 0:
        return tuple(-x for x in num), tuple(-x for x in den)
    return num, den


def _int_coefficients(poly: fmpz_poly) -> tuple[int, ...]:
    return tuple(int(c) for c in poly.coeffs())


def _determinant_test(
    b_m: tuple[int, ...], b_r_shifted: tuple[int, ...], multiplier: Multiplier, max_degree: int
) -> bool:
    """Necessary condition from det: c(n)²·b_rep(n+k)/b_member(n) = d(n+1)/d(n) for a
    polynomial d = det U of degree <= 2·max_degree, i.e. 1 + deg(d)/n + O(1/n²)."""
    num, den = (fmpz_poly(list(p)) for p in multiplier)
    top = _int_coefficients(num * num * fmpz_poly(list(b_r_shifted)))
    bottom = _int_coefficients(den * den * fmpz_poly(list(b_m)))
    if len(top) != len(bottom) or top[-1] != bottom[-1]:
        return False
    if len(top) == 1:
        return True
    degree_of_det = Fraction(top[-2] - bottom[-2], top[-1])
    return degree_of_det.denominator == 1 and 0 <= degree_of_det <= 2 * max_degree


def _value(coefficients: Sequence[int], n: int) -> int:
    value = 0
    for c in reversed(coefficients):
        value = value * n + c
    return value


def _coboundary_certificate(
    member: Pcf, rep: Pcf, multiplier: Multiplier, shift: int, max_degree: int
) -> Certificate | None:
    """The lowest-degree polynomial U (<= max_degree) for this c and k, or None.

    The system at max_degree is solved first: it is the only one a non-equivalent pair
    pays for. Lower degrees are searched only once a solution is known to exist."""
    solution = _invertible_solution(member, rep, multiplier, shift, max_degree)
    if solution is None:
        return None
    for degree in range(max_degree):
        lower = _invertible_solution(member, rep, multiplier, shift, degree)
        if lower is not None:
            return _certificate_from_solution(lower, degree, multiplier, shift)
    return _certificate_from_solution(solution, max_degree, multiplier, shift)


def _invertible_solution(
    member: Pcf, rep: Pcf, multiplier: Multiplier, shift: int, degree: int
) -> list[int] | None:
    """Coefficients of a U (entry-major, ascending powers) with det U ≢ 0, or None."""
    basis = _solution_basis(member, rep, multiplier, shift, degree)
    # det U is a quadratic form in U's coefficients: if it vanishes on every basis vector
    # and every sum of two, it vanishes on the whole nullspace.
    pairs = ([x + y for x, y in zip(u, v, strict=True)] for u, v in combinations(basis, 2))
    for candidate in [*basis, *pairs]:
        if not _determinant_vanishes(candidate, degree):
            return _primitive(candidate)
    return None


def _solution_basis(
    member: Pcf, rep: Pcf, multiplier: Multiplier, shift: int, degree: int
) -> list[list[int]]:
    """A basis of the U (coefficient vectors) with den·M_m(n)·U(n+1) = num·U(n)·M_r(n+k).

    Each entry of the difference is a polynomial of degree <= identity_degree, so it is
    zero once it vanishes at identity_degree + 1 points: the system is exact."""
    (a_m, b_m), (a_r, b_r) = member, (_shifted(rep[0], shift), _shifted(rep[1], shift))
    num, den = multiplier
    step_degree = max(len(a_m), len(b_m), len(a_r), len(b_r), 1) - 1
    identity_degree = max(len(num), len(den)) - 1 + step_degree + degree
    width = degree + 1
    rows: list[int] = []
    for n in range(1, identity_degree + 2):
        left_scale, right_scale = _value(den, n), _value(num, n)
        m_member = ((0, _value(b_m, n)), (1, _value(a_m, n)))
        m_rep = ((0, _value(b_r, n)), (1, _value(a_r, n)))
        powers_next = [(n + 1) ** t for t in range(width)]
        powers = [n**t for t in range(width)]
        for i in range(2):
            for j in range(2):
                row = [0] * (4 * width)
                for ell in range(2):
                    # left: den·M_m[i][ell]·U[ell][j](n+1); right: num·U[i][ell](n)·M_r[ell][j]
                    left, right = left_scale * m_member[i][ell], right_scale * m_rep[ell][j]
                    for t in range(width):
                        row[(2 * ell + j) * width + t] += left * powers_next[t]
                        row[(2 * i + ell) * width + t] -= right * powers[t]
                rows += row
    system = fmpz_mat(len(rows) // (4 * width), 4 * width, rows)
    kernel, nullity = system.nullspace()
    return [[int(kernel[r, col]) for r in range(4 * width)] for col in range(nullity)]


def _determinant_vanishes(solution: list[int], degree: int) -> bool:
    """det U ≡ 0: it has degree <= 2·degree, so 2·degree + 1 points decide."""
    width = degree + 1
    entries = [solution[e * width : (e + 1) * width] for e in range(4)]
    for n in range(2 * degree + 1):
        u11, u12, u21, u22 = (_value(entry, n) for entry in entries)
        if u11 * u22 - u12 * u21 != 0:
            return False
    return True


def _primitive(solution: list[int]) -> list[int]:
    """Divided by its content, first nonzero coefficient positive (U is defined up to scale)."""
    content = math.gcd(*solution)
    sign = -1 if next(x for x in solution if x) < 0 else 1
    return [sign * x // content for x in solution]


def _certificate_from_solution(
    solution: list[int], degree: int, multiplier: Multiplier, shift: int
) -> Certificate:
    width = degree + 1
    entries = [_sympy_polynomial(solution[e * width : (e + 1) * width], N) for e in range(4)]
    num, den = multiplier
    c = sympy.cancel(_sympy_polynomial(num, N) / _sympy_polynomial(den, N))
    return Certificate(((entries[0], entries[1]), (entries[2], entries[3])), c, shift)


# --- algebra of certificates --------------------------------------------------------------


def _matrix(rows: Sequence[Sequence[sympy.Expr]]) -> Matrix2:
    """A 2x2 matrix of sympy expressions, each entry simplified by cancel()."""
    (u11, u12), (u21, u22) = rows
    return (sympy.cancel(u11), sympy.cancel(u12)), (sympy.cancel(u21), sympy.cancel(u22))


def _shifted_matrix(u: Matrix2, shift: int) -> Matrix2:
    """U(n + shift)."""
    (u11, u12), (u21, u22) = u
    at = N + shift
    return (u11.subs(N, at), u12.subs(N, at)), (u21.subs(N, at), u22.subs(N, at))


def compose(first: Certificate, second: Certificate) -> Certificate:
    """X -> R from X -> Y (first) and Y -> R (second): U = U1(n)·U2(n+k1), c = c1(n)·c2(n+k1)."""
    k1 = first.shift
    return Certificate(
        _matrix(_product(first.U, _shifted_matrix(second.U, k1))),
        sympy.cancel(first.c * second.c.subs(N, N + k1)),
        k1 + second.shift,
    )


def inverse(certificate: Certificate) -> Certificate:
    """Y -> X from X -> Y.

    V(n) = U(n-k)^{-1} and c'(n) = 1/c(n-k) would do; the adjugate det U(n-k)·U(n-k)^{-1}
    keeps a polynomial U polynomial, and rescaling V by f(n) = det U(n-k) multiplies c' by
    f(n+1)/f(n)."""
    k = certificate.shift
    (u11, u12), (u21, u22) = _shifted_matrix(certificate.U, -k)
    det = u11 * u22 - u12 * u21
    det_next = det.subs(N, N + 1)
    return Certificate(
        _matrix(((u22, -u12), (-u21, u11))),
        sympy.cancel(det_next / (certificate.c.subs(N, N - k) * det)),
        -k,
    )


def kind_of(certificate: Certificate) -> str:
    """The certificate's kind: representative, mirror, shift, scale or coboundary.

    U counts only up to a constant factor: diag(-1, 1) with c = -1 is the mirror too."""
    (u11, u12), (u21, u22) = (tuple(sympy.cancel(e) for e in row) for row in certificate.U)
    c, k = sympy.cancel(certificate.c), certificate.shift
    constant_diagonal = (
        u12 == 0
        and u21 == 0
        and u11 != 0
        and u22 != 0
        and not (u11.free_symbols or u22.free_symbols or c.free_symbols)
    )
    if not constant_diagonal:
        return "coboundary"
    ratio = sympy.cancel(u11 / u22)
    if ratio == 1 and c == 1:
        return "representative" if k == 0 else "shift"
    if k == 0 and ratio == -1 and c == -1:
        return "mirror"
    if k == 0 and ratio == c:
        return "scale"
    return "coboundary"


# --- the limit map ------------------------------------------------------------------------

FractionMatrix = list[list[Fraction]]


def _step(pcf: Pcf, n: int) -> FractionMatrix:
    a, b = pcf
    return [[Fraction(0), Fraction(_value(b, n))], [Fraction(1), Fraction(_value(a, n))]]


def _positive_integer_roots(expr: sympy.Expr) -> list[int]:
    """Positive integer zeros of a polynomial expression in N (none for a constant)."""
    poly = sympy.Poly(expr, N)
    if poly.degree() <= 0:
        return []
    coefficients = [Fraction(int(c.p), int(c.q)) for c in reversed(poly.all_coeffs())]
    scale = math.lcm(*(c.denominator for c in coefficients))
    _, factors = fmpz_poly([int(c * scale) for c in coefficients]).factor()
    roots = []
    for factor, _ in factors:
        if factor.degree() == 1:
            root = Fraction(-int(factor[0]), int(factor[1]))
            if root.denominator == 1 and root >= 1:
                roots.append(int(root))
    return roots


def _start_index(certificate: Certificate) -> int:
    """The first n0 >= 1 past every positive integer pole of U and c, zero of c or of det U.

    The identity is multiplied out from n0 on (where all of it is finite and invertible);
    n0 = 1 for any polynomial U with a constant c and det U free of positive integer roots."""
    (u11, u12), (u21, u22) = certificate.U
    c_numerator, c_denominator = sympy.fraction(sympy.cancel(certificate.c))
    det_numerator, _ = sympy.fraction(sympy.cancel(u11 * u22 - u12 * u21))
    u_denominators = [sympy.fraction(sympy.cancel(u))[1] for u in (u11, u12, u21, u22)]
    singular = [
        root
        for polynomial in [c_numerator, c_denominator, det_numerator, *u_denominators]
        for root in _positive_integer_roots(polynomial)
    ]
    return max(singular, default=0) + 1


def limit_map(member: Pcf, rep: Pcf, certificate: Certificate) -> IntMatrix2:
    """T with L_member = (T11·L_rep + T12)/(T21·L_rep + T22), coprime integers, first nonzero
    entry positive.

    Multiplying the identity out from n0 to N gives P_member(N)·U(N+1) = (scalar)·T·P_rep(N+k)
    with T = A_m·M_m(1)···M_m(n0-1)·U(n0)·(M_r(1)···M_r(n0-1+k))^{-1}·A_r^{-1}, where a
    negative count means M_r(n0+k)···M_r(0), not inverted. With n0 = 1 (the usual case) this
    is A_m·U(1)·(M_r(1)···M_r(k))^{-1}·A_r^{-1}. Raises ValueError when a needed M_rep(j) is
    singular or T is."""
    member, rep = _normalized(member), _normalized(rep)
    k = certificate.shift
    start = _start_index(certificate)
    a_member0, a_rep0 = _value(member[0], 0), _value(rep[0], 0)
    t: FractionMatrix = [[Fraction(1), Fraction(a_member0)], [Fraction(0), Fraction(1)]]
    for n in range(1, start):
        t = _product(t, _step(member, n))
    u_start = [[_fraction_at(entry, start) for entry in row] for row in certificate.U]
    t = _product(t, u_start)
    count = start - 1 + k
    if count >= 0:
        # (M_r(1)···M_r(count))^{-1} = M_r(count)^{-1}···M_r(1)^{-1}
        for j in range(count, 0, -1):
            b_j, a_j = _value(rep[1], j), _value(rep[0], j)
            if b_j == 0:
                raise ValueError(f"M_rep({j}) is singular (b_rep({j}) = 0): it cannot be inverted")
            inverse_step = [[Fraction(-a_j, b_j), Fraction(1)], [Fraction(1, b_j), Fraction(0)]]
            t = _product(t, inverse_step)
    else:
        for j in range(count + 1, 1):
            t = _product(t, _step(rep, j))
    t = _product(t, [[Fraction(1), Fraction(-a_rep0)], [Fraction(0), Fraction(1)]])
    if t[0][0] * t[1][1] - t[0][1] * t[1][0] == 0:
        shown = [[str(x) for x in row] for row in t]
        raise ValueError(f"the limit map T = {shown} is singular: no Möbius relation")
    return _coprime_integers(t)


def _fraction_at(expr: sympy.Expr, n: int) -> Fraction:
    value = sympy.cancel(expr).subs(N, n)
    if not value.is_Rational:
        raise ValueError(f"U has a pole at n = {n}: {expr} is {value}")
    return Fraction(int(value.p), int(value.q))


def _coprime_integers(t: FractionMatrix) -> IntMatrix2:
    flat = [x for row in t for x in row]
    scale = math.lcm(*(x.denominator for x in flat))
    integers = [int(x * scale) for x in flat]
    content = math.gcd(*integers)
    sign = -1 if next(x for x in integers if x) < 0 else 1
    t11, t12, t21, t22 = (sign * x // content for x in integers)
    return (t11, t12), (t21, t22)


def apply_mobius(t: IntMatrix2, x: mpmath.mpf | Fraction) -> mpmath.mpf | Fraction:
    """(T11·x + T12)/(T21·x + T22)."""
    (t11, t12), (t21, t22) = t
    return (t11 * x + t12) / (t21 * x + t22)
