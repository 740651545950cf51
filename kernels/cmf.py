"""Conservative matrix fields (CMFs) and the walks along their trajectories.

A CMF is a set of square matrices M_x, M_y, ... whose entries are rational functions of the
axes x, y, ..., such that walking from one lattice point to another gives the same product
along every path. The conventions are those of the CMF literature (and of ramanujantools):

- M_x(P) is the step from P to P + e_x, and a walk multiplies its steps left to right:
  from P, x then y is M_x(P)·M_y(P + e_x). Conservative means, for every pair of axes,
  M_x(P)·M_y(P + e_x) = M_y(P)·M_x(P + e_y) as rational functions.
- A step back along x, from P to P − e_x, is M_x(P − e_x)^(−1).
- The trajectory matrix of a direction d from a start s is the product of the axis steps
  from s + n·d to s + (n+1)·d, as a matrix of rational functions of n: every step of the
  first axis, then of the second, and so on (the field is conservative, so the order does
  not matter). Here it is kept as integer polynomials: the common denominator and the
  common factor of all entries are dropped, a scalar per step that changes neither the
  limit nor the FR δ (a common integer factor of p and q cancels in their gcd).
- The walk to depth N is W_N = T(0)·T(1)···T(N−1), and its limit estimate is the ratio of
  the last column's first two entries, p_N/q_N = W_N[0, −1]/W_N[1, −1]. For a 2×2 field in
  companion form [[0, b(n)], [1, a(n)]] these are a PCF's convergents.
- A trajectory is singular when T(n), before the scalar is dropped, has a pole or a zero
  determinant at a walk point n = 0, 1, ..., N − 1: its walk has no limit to speak of.

Matrices are parsed from text against a whitelist (integers, the axes, + − * / ** with an
integer exponent) into sympy, never through ``eval`` or ``sympify``. For speed, each
field's entries are compiled once to integer polynomials in the axes, and a trajectory
matrix is built by substituting the lines s + o + n·d into them with python-flint
(univariate polynomials in n), not by sympy.
"""

from __future__ import annotations

import ast
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import sympy
from flint import fmpz, fmpz_mat, fmpz_poly

from conjectura.kernels.exact import Convergent, ExactLimit

LEAF_STEPS = (
    32  # steps multiplied out with Python integers before FLINT takes over (measured: 32 beats 64)
)


class FieldError(ValueError):
    """A field that cannot be walked: the message names the matrix, entry or pair of axes."""


# -- parsing -------------------------------------------------------------------------------

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def parse_entry(text: str | int, axes: Sequence[str]) -> sympy.Expr:
    """One matrix entry as a sympy expression in ``axes`` (FieldError names what is refused)."""
    if isinstance(text, bool) or not isinstance(text, str | int):
        raise FieldError(f"an entry is a string or an integer, got {text!r}")
    source = str(text).strip()
    if not source:
        raise FieldError("empty entry")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as err:
        raise FieldError(f"entry {source!r} does not parse: {err.msg}") from None
    symbols = {name: sympy.Symbol(name) for name in axes}
    return _build(tree.body, source, symbols)


def _build(node: ast.AST, source: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int):
            raise FieldError(f"entry {source!r}: literal {node.value!r} is not an integer")
        return sympy.Integer(node.value)
    if isinstance(node, ast.Name):
        if node.id not in symbols:
            known = ", ".join(symbols)
            raise FieldError(f"entry {source!r}: unknown symbol {node.id!r} (axes: {known})")
        return symbols[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _build(node.operand, source, symbols)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left = _build(node.left, source, symbols)
        right = _build(node.right, source, symbols)
        if isinstance(node.op, ast.Pow):
            if not (right.is_Integer and 0 <= int(right) <= 64):
                raise FieldError(f"entry {source!r}: exponents are integers from 0 to 64")
            return left**right
        if isinstance(node.op, ast.Div):
            if right == 0:
                raise FieldError(f"entry {source!r}: division by zero")
            return left / right
        return {ast.Add: left + right, ast.Sub: left - right, ast.Mult: left * right}[type(node.op)]
    segment = ast.get_source_segment(source, node) or type(node).__name__
    raise FieldError(f"entry {source!r}: {segment!r} is not allowed (integers, axes, + - * / **)")


# -- fields --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A matrix field: one square matrix of rational functions of the axes per axis."""

    name: str
    axes: tuple[str, ...]
    matrices: tuple[sympy.ImmutableMatrix, ...]  # in the order of ``axes``
    source: str = ""
    constants: tuple[str, ...] = ()  # what its trajectories are known to give

    @property
    def dimension(self) -> int:
        return self.matrices[0].shape[0]

    def matrix(self, axis: str) -> sympy.Matrix:
        return self.matrices[self.axes.index(axis)]

    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(a) for a in self.axes)


def field_from_text(
    name: str,
    matrices: Mapping[str, Sequence[Sequence[str | int]]],
    *,
    source: str = "",
    constants: Sequence[str] = (),
) -> Field:
    """A field from entries as text, axes in the order of ``matrices``' keys. Shapes are
    checked here (square, all the same size); conservativeness by :func:`check_conservative`."""
    axes = tuple(matrices)
    if not axes:
        raise FieldError("a field needs at least one axis")
    for axis in axes:
        if not axis.isidentifier() or axis == "n":
            raise FieldError(f"axis name {axis!r} is not an identifier other than n")
    built = []
    for axis, rows in matrices.items():
        if not isinstance(rows, Sequence) or isinstance(rows, str) or not rows:
            raise FieldError(f"matrix {axis}: a non-empty list of rows")
        size = len(rows)
        for row in rows:
            if isinstance(row, str) or not isinstance(row, Sequence) or len(row) != size:
                raise FieldError(f"matrix {axis} is not square: {len(rows)} rows of {row!r}")
        try:
            built.append(sympy.Matrix([[parse_entry(e, axes) for e in row] for row in rows]))
        except FieldError as err:
            raise FieldError(f"matrix {axis}: {err}") from None
    sizes = {m.shape[0] for m in built}
    if len(sizes) > 1:
        shapes = ", ".join(
            f"{a}: {m.shape[0]}x{m.shape[0]}" for a, m in zip(axes, built, strict=True)
        )
        raise FieldError(f"the matrices are not all the same size ({shapes})")
    if built[0].shape[0] < 2:
        raise FieldError("matrices must be at least 2x2 (a limit is a ratio of two entries)")
    for axis, matrix in zip(axes, built, strict=True):
        if sympy.cancel(matrix.det()) == 0:
            raise FieldError(f"matrix {axis} is singular everywhere (its determinant is 0)")
    return Field(name, axes, tuple(map(sympy.ImmutableMatrix, built)), source, tuple(constants))


def check_conservative(field: Field) -> None:
    """FieldError naming the first pair of axes whose steps do not commute:
    M_x(P)·M_y(P + e_x) ≠ M_y(P)·M_x(P + e_y), checked exactly in sympy."""
    symbols = field.symbols()
    for (i, x), (j, y) in itertools.combinations(enumerate(symbols), 2):
        mx, my = field.matrices[i], field.matrices[j]
        left = mx * my.subs(x, x + 1)
        right = my * mx.subs(y, y + 1)
        difference = (left - right).applyfunc(lambda e: sympy.cancel(sympy.together(e)))
        if any(entry != 0 for entry in difference):
            raise FieldError(
                f"field {field.name!r} is not conservative: M_{x}(P)·M_{y}(P+e_{x}) ≠ "
                f"M_{y}(P)·M_{x}(P+e_{y})"
            )


# -- trajectory matrices -------------------------------------------------------------------

_Terms = tuple[tuple[tuple[int, ...], int], ...]  # ((exponents, integer coefficient), ...)


@dataclass(frozen=True)
class _CompiledAxis:
    """One axis matrix as integer polynomials in the axes: entries[i][j] / denominator."""

    entries: tuple[tuple[_Terms, ...], ...]
    denominator: _Terms


@functools.lru_cache(maxsize=64)
def _compiled(field: Field) -> tuple[_CompiledAxis, ...]:
    symbols = field.symbols()
    compiled = []
    for matrix in field.matrices:
        parts = [
            [sympy.fraction(sympy.cancel(sympy.together(e))) for e in row]
            for row in matrix.tolist()
        ]
        denominator = sympy.Integer(1)
        for row in parts:
            for _, den in row:
                denominator = sympy.lcm(denominator, den)
        entries = [[sympy.cancel(num * denominator / den) for num, den in row] for row in parts]
        scale = sympy.Integer(1)  # clear rational coefficients: multiply everything by it
        polys = [[sympy.Poly(e, *symbols) for e in row] for row in entries]
        den_poly = sympy.Poly(denominator, *symbols)
        for poly in [*(p for row in polys for p in row), den_poly]:
            for coefficient in poly.coeffs():
                scale = sympy.ilcm(scale, sympy.Rational(coefficient).q)
        compiled.append(
            _CompiledAxis(
                tuple(tuple(_terms(p, scale) for p in row) for row in polys),
                _terms(den_poly, scale),
            )
        )
    return tuple(compiled)


def _terms(poly: sympy.Poly, scale: int) -> _Terms:
    return tuple(
        (tuple(m), int(c * scale)) for m, c in zip(poly.monoms(), poly.coeffs(), strict=True)
    )


def _substituted(terms: _Terms, lines: Sequence[fmpz_poly]) -> fmpz_poly:
    """Σ c·∏ line_i^e_i: the polynomial in n along the lattice line ``lines``."""
    total = fmpz_poly([0])
    for exponents, coefficient in terms:
        product = fmpz_poly([coefficient])
        for line, e in zip(lines, exponents, strict=True):
            if e:
                product *= line**e
        total += product
    return total


_PolyMatrix = list[list[fmpz_poly]]


def _poly_product(left: _PolyMatrix, right: _PolyMatrix) -> _PolyMatrix:
    k = len(left)
    return [
        [sum((left[i][m] * right[m][j] for m in range(k)), fmpz_poly([0])) for j in range(k)]
        for i in range(k)
    ]


def _poly_det(matrix: _PolyMatrix) -> fmpz_poly:
    """Laplace expansion along the first row (fields are small)."""
    if len(matrix) == 1:
        return matrix[0][0]
    total = fmpz_poly([0])
    for j, entry in enumerate(matrix[0]):
        if entry.is_zero():
            continue
        minor = [row[:j] + row[j + 1 :] for row in matrix[1:]]
        term = entry * _poly_det(minor)
        total = total + term if j % 2 == 0 else total - term
    return total


def _poly_adjugate(matrix: _PolyMatrix) -> _PolyMatrix:
    k = len(matrix)
    if k == 1:
        return [[fmpz_poly([1])]]
    adjugate = [[fmpz_poly([0])] * k for _ in range(k)]
    for i in range(k):
        for j in range(k):
            minor = [row[:j] + row[j + 1 :] for r, row in enumerate(matrix) if r != i]
            cofactor = _poly_det(minor)
            adjugate[j][i] = cofactor if (i + j) % 2 == 0 else -cofactor
    return adjugate


@dataclass(frozen=True)
class TrajectoryMatrix:
    """T(n) = scalar(n)·entries(n): ``entries`` integer polynomials in n (ascending
    coefficients), with no common factor; ``poles`` and ``zeros`` the integer n >= 0
    where T(n) has a pole or a zero determinant (before the scalar is dropped)."""

    direction: tuple[int, ...]
    start: tuple[int, ...]
    entries: tuple[tuple[tuple[int, ...], ...], ...]
    poles: tuple[int, ...]
    zeros: tuple[int, ...]

    @property
    def dimension(self) -> int:
        return len(self.entries)

    def singular_before(self, depth: int) -> int | None:
        """The first walk point n < ``depth`` where T(n) is singular, or None."""
        bad = [n for n in (*self.poles, *self.zeros) if n < depth]
        return min(bad) if bad else None

    def sympy_matrix(self, symbol: sympy.Symbol | None = None) -> sympy.Matrix:
        n = symbol or sympy.Symbol("n")
        return sympy.Matrix(
            [[sum(c * n**k for k, c in enumerate(entry)) for entry in row] for row in self.entries]
        )


def trajectory_matrix(
    field: Field, direction: Sequence[int], start: Sequence[int]
) -> TrajectoryMatrix:
    """The trajectory matrix of ``direction`` from ``start`` (axes in the field's order)."""
    direction, start = tuple(map(int, direction)), tuple(map(int, start))
    if len(direction) != len(field.axes) or len(start) != len(field.axes):
        raise FieldError(
            f"field {field.name!r} has axes {list(field.axes)}: direction {list(direction)} and "
            f"start {list(start)} need {len(field.axes)} entries each"
        )
    if not any(direction):
        raise FieldError("the zero direction does not move")
    compiled = _compiled(field)
    k = field.dimension
    numerator: _PolyMatrix = [[fmpz_poly([int(i == j)]) for j in range(k)] for i in range(k)]
    denominator = fmpz_poly([1])
    offset = [0] * len(field.axes)
    for axis, steps in enumerate(direction):
        for _ in range(abs(steps)):
            if steps < 0:
                offset[axis] -= 1  # the step back from P is M(P − e)^(−1)
            lines = [
                fmpz_poly([s + o, d]) for s, o, d in zip(start, offset, direction, strict=True)
            ]
            axis_matrix = compiled[axis]
            step = [[_substituted(t, lines) for t in row] for row in axis_matrix.entries]
            step_denominator = _substituted(axis_matrix.denominator, lines)
            if steps < 0:  # (N/D)^(−1) = D·adj(N)/det(N)
                determinant = _poly_det(step)
                if determinant.is_zero():
                    raise FieldError(f"matrix {field.axes[axis]} cannot be inverted (det = 0)")
                step = [[step_denominator * e for e in row] for row in _poly_adjugate(step)]
                step_denominator = determinant
            else:
                offset[axis] += 1
            numerator = _poly_product(numerator, step)
            denominator *= step_denominator
            numerator, denominator = _cancelled(numerator, denominator)
    determinant = _poly_det(numerator)
    if determinant.is_zero():
        raise FieldError(
            f"field {field.name!r}: the trajectory {list(direction)} from {list(start)} has a "
            "determinant that vanishes identically"
        )
    content = _common_factor(numerator)
    reduced = [[entry // content for entry in row] for row in numerator]
    return TrajectoryMatrix(
        direction,
        start,
        tuple(
            tuple(tuple(int(c) for c in entry.coeffs()) or (0,) for entry in row) for row in reduced
        ),
        _nonnegative_integer_roots(denominator),
        _nonnegative_integer_roots(determinant),
    )


def _common_factor(matrix: _PolyMatrix) -> fmpz_poly:
    """The gcd of all entries (content included), sign chosen positive."""
    g = fmpz_poly([0])
    for row in matrix:
        for entry in row:
            g = entry if g.is_zero() else g.gcd(entry)
    if g.is_zero():
        return fmpz_poly([1])
    return -g if g.leading_coefficient() < 0 else g


def _cancelled(numerator: _PolyMatrix, denominator: fmpz_poly) -> tuple[_PolyMatrix, fmpz_poly]:
    """N/D with the factors common to every entry of N and to D cancelled."""
    common = _common_factor(numerator).gcd(denominator)
    if common.degree() < 1 and abs(int(common[0])) == 1:
        return numerator, denominator
    return [[e // common for e in row] for row in numerator], denominator // common


def _nonnegative_integer_roots(poly: fmpz_poly) -> tuple[int, ...]:
    if poly.degree() <= 0:
        return ()
    _, factors = poly.factor()
    roots = []
    for factor, _ in factors:
        if factor.degree() == 1:
            c0, c1 = (int(c) for c in factor.coeffs())
            if c0 % c1 == 0 and -c0 // c1 >= 0:
                roots.append(-c0 // c1)
    return tuple(sorted(set(roots)))


# -- the walk ------------------------------------------------------------------------------


def _values(entry: Sequence[int], lo: int, hi: int) -> list[int]:
    """entry(n) for n = lo..hi − 1 as Python integers: in int64 when every term fits."""
    bound = sum(abs(c) * max(abs(lo), abs(hi)) ** i for i, c in enumerate(entry))
    if bound < 2**62:
        n = np.arange(lo, hi, dtype=np.int64)
        values = np.zeros(hi - lo, np.int64)
        for c in reversed(entry):
            values = values * n + c
        return values.tolist()
    out = []
    for n in range(lo, hi):
        value = 0
        for c in reversed(entry):
            value = value * n + c
        out.append(value)
    return out


def segment_product(matrix: TrajectoryMatrix, lo: int, hi: int) -> fmpz_mat:
    """T(lo)·T(lo+1)···T(hi−1), exactly (identity when hi <= lo): leaves of LEAF_STEPS steps
    with Python integers, then a balanced product with FLINT."""
    k = matrix.dimension
    if hi <= lo:
        return fmpz_mat(k, k, [int(i == j) for i in range(k) for j in range(k)])
    values = [[_values(entry, lo, hi) for entry in row] for row in matrix.entries]
    leaf = _leaf_2x2 if k == 2 else _leaf_kxk
    leaves = [
        fmpz_mat(k, k, leaf(values, start, min(start + LEAF_STEPS, hi - lo)))
        for start in range(0, hi - lo, LEAF_STEPS)
    ]
    while len(leaves) > 1:  # left to right: T(lo) first
        paired = [leaves[i] * leaves[i + 1] for i in range(0, len(leaves) - 1, 2)]
        if len(leaves) % 2:
            paired.append(leaves[-1])
        leaves = paired
    return leaves[0]


def _leaf_2x2(values: list[list[list[int]]], lo: int, hi: int) -> list[int]:
    """The product of steps lo..hi−1 of a 2×2 walk, row by row (the hot loop: locals only)."""
    (v00, v01), (v10, v11) = values
    x00, x01, x10, x11 = 1, 0, 0, 1
    for a, b, c, d in zip(v00[lo:hi], v01[lo:hi], v10[lo:hi], v11[lo:hi], strict=True):
        x00, x01 = x00 * a + x01 * c, x00 * b + x01 * d
        x10, x11 = x10 * a + x11 * c, x10 * b + x11 * d
    return [x00, x01, x10, x11]


def _leaf_kxk(values: list[list[list[int]]], lo: int, hi: int) -> list[int]:
    k = len(values)
    x = [[int(i == j) for j in range(k)] for i in range(k)]
    for t in range(lo, hi):
        step = [[values[i][j][t] for j in range(k)] for i in range(k)]
        x = [[sum(x[i][m] * step[m][j] for m in range(k)) for j in range(k)] for i in range(k)]
    return [e for row in x for e in row]


def convergent_of(product: fmpz_mat, depth: int) -> Convergent:
    """p/q = W[0, −1]/W[1, −1]: the last column's first two entries."""
    last = product.ncols() - 1
    return Convergent(depth, product[0, last], product[1, last])


class TrajectoryLimit(ExactLimit):
    """A trajectory's convergents behind the exact estimates and checks of
    kernels.exact and kernels.identify (the interface of ExactLimit).

    Every product W_d it computed is kept, so asking for a depth below the deepest one
    walks on from the nearest product below it, not from the start."""

    def __init__(self, matrix: TrajectoryMatrix) -> None:
        self.matrix = matrix
        k = matrix.dimension
        self._products = {0: fmpz_mat(k, k, [int(i == j) for i in range(k) for j in range(k)])}
        self._known: dict[int, Convergent] = {}

    def product(self, depth: int) -> fmpz_mat:
        """W_depth = T(0)···T(depth − 1)."""
        if depth not in self._products:
            below = max(d for d in self._products if d < depth)
            self._products[depth] = self._products[below] * segment_product(
                self.matrix, below, depth
            )
        return self._products[depth]

    def convergent(self, depth: int) -> Convergent:
        if depth < 1:
            raise ValueError(f"a trajectory convergent needs depth >= 1, not {depth}")
        if depth not in self._known:  # with the one before, as ExactLimit's estimates expect
            if depth > 1:
                self._known[depth - 1] = convergent_of(self.product(depth - 1), depth - 1)
            self._known[depth] = convergent_of(self.product(depth), depth)
        return self._known[depth]


# -- metrics -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrajectoryMetrics:
    """The limit estimate p_N/q_N and the blind δs at N/2 (PCF metrics' definitions), with
    the digits gained per step between N/2 and N; every number None when ``reason`` is set."""

    depth: int
    limit: Convergent | None
    delta_naive: float | None = None
    delta_fr: float | None = None
    digits_per_step: float | None = None
    reason: str | None = None


def _log(value: fmpz) -> float:
    from flint import arb

    return float(arb(abs(value)).log())


def trajectory_metrics(limit: TrajectoryLimit, depth: int) -> TrajectoryMetrics:
    """δ at N/2 = depth/2 with L = p_N/q_N: −1 − log|L − p/q| / log q (naive) or over
    log(q/gcd(p, q)) (FR)."""
    half = depth // 2
    if half < 1:
        return TrajectoryMetrics(depth, None, reason=f"depth {depth} too small")
    at_half, last = limit.convergent(half), limit.convergent(depth)
    if last.q == 0 or at_half.q == 0:
        return TrajectoryMetrics(depth, None, reason="q vanishes: no limit estimate")
    numerator = last.p * at_half.q - at_half.p * last.q
    if numerator == 0:
        return TrajectoryMetrics(depth, last, reason=f"p_{half}/q_{half} equals the limit estimate")
    log_error = _log(numerator) - _log(last.q) - _log(at_half.q)
    reduced = abs(at_half.q) // fmpz.gcd(at_half.p, at_half.q)
    per_step = -log_error / math.log(10) / (depth - half)
    if abs(at_half.q) <= 1 or reduced <= 1:
        return TrajectoryMetrics(depth, last, digits_per_step=per_step, reason="q does not grow")
    return TrajectoryMetrics(
        depth,
        last,
        delta_naive=-1 - log_error / _log(at_half.q),
        delta_fr=-1 - log_error / _log(reduced),
        digits_per_step=per_step,
    )


# -- the equivalent PCF of a 2x2 trajectory -----------------------------------------------


def equivalent_pcf(matrix: TrajectoryMatrix) -> tuple[list[int], list[int]] | None:
    """An integer PCF (a, b) whose recurrence a column of the walk obeys, deflated, or None
    (a field larger than 2×2, or a triangular T).

    With T = [[t00, t01], [t10, t11]], the last column's entries (p_N, q_N) obey
    u_(N+1) = (t11(N) + t01(N)t00(N−1)/t01(N−1))·u_N − t01(N)·det T(N−1)/t01(N−1)·u_(N−1);
    scaled by ∏ t01 this is the PCF a(n) = t01(n−2)·t11(n−1) + t01(n−1)·t00(n−2),
    b(n) = −t01(n−1)·t01(n−3)·det T(n−2). The first column gives the same with t10 for t01
    (and t00, t11 swapped). Each is deflated (a = c·a', b = c(n)·c(n−1)·b' gives the
    equivalent PCF(a', b')) and started where its recurrence holds (n >= 2 and past every
    root of b: its tail from there is the PCF), and the simpler of the two is returned."""
    if matrix.dimension != 2:
        return None
    (t00, t01), (t10, t11) = ((fmpz_poly(list(e)) for e in row) for row in matrix.entries)
    det = t00 * t11 - t01 * t10
    found = []
    for off, same, other in ((t01, t11, t00), (t10, t00, t11)):
        if off.is_zero():
            continue
        a = _shifted(off, -2) * _shifted(same, -1) + _shifted(off, -1) * _shifted(other, -2)
        b = -_shifted(off, -1) * _shifted(off, -3) * _shifted(det, -2)
        if b.is_zero():
            continue
        a, b = _deflated(a, b)
        # The recurrence holds from N = 1 on, the PCF's n = N + 1: start its tail there,
        # and past the last b(k) = 0 (where a PCF would terminate).
        shift = max((1, *(r for r in _nonnegative_integer_roots(b))))
        a, b = _shifted(a, shift), _shifted(b, shift)
        found.append(([int(c) for c in a.coeffs()] or [0], [int(c) for c in b.coeffs()]))
    if not found:
        return None
    return min(found, key=lambda ab: (len(ab[0]) + len(ab[1]), sum(map(abs, ab[0] + ab[1]))))


def _shifted(poly: fmpz_poly, k: int) -> fmpz_poly:
    """poly(n + k)."""
    return poly(fmpz_poly([k, 1]))


def _deflated(a: fmpz_poly, b: fmpz_poly) -> tuple[fmpz_poly, fmpz_poly]:
    """Divide out every c(n) with c | a and c(n)·c(n−1) | b, and integer k with k | a, k² | b."""
    changed = True
    while changed:
        changed = False
        if not a.is_zero():
            _, factors = a.factor()
            for factor, _ in factors:
                if factor.degree() < 1:
                    continue
                both = factor * _shifted(factor, -1)
                if (b % both).is_zero() and (a % factor).is_zero():
                    a, b, changed = a // factor, b // both, True
                    break
        content_a = int(a.content()) if not a.is_zero() else 0
        content_b = int(b.content())
        for k in sorted({p for p in _small_primes(content_a or content_b)}):
            if (content_a == 0 or content_a % k == 0) and content_b % (k * k) == 0:
                a, b, changed = a // k if not a.is_zero() else a, b // (k * k), True
                break
    sign = -1 if (not a.is_zero() and a.leading_coefficient() < 0) else 1
    return a * sign, b  # PCF(−a, b) = −PCF(a, b): a positive leading coefficient


def _small_primes(value: int) -> list[int]:
    value = abs(value)
    primes, p = [], 2
    while value > 1 and p * p <= value:
        if value % p == 0:
            primes.append(p)
            while value % p == 0:
                value //= p
        p += 1
    if value > 1:
        primes.append(value)
    return primes
