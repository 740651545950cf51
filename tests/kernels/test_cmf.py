"""Matrix fields: parsing against the whitelist, exact conservativeness, trajectory
matrices, exact walks and their δ, singular points, and the equivalent PCF."""

from __future__ import annotations

import mpmath
import pytest
import sympy

from conjectura.kernels.cmf import (
    FieldError,
    TrajectoryLimit,
    check_conservative,
    equivalent_pcf,
    field_from_text,
    parse_entry,
    segment_product,
    trajectory_matrix,
    trajectory_metrics,
)
from conjectura.kernels.exact import ExactLimit
from conjectura.kernels.fields import library_field, library_names

ZETA3_X = [["0", "-x**3"], ["(x + 1)**3", "x**3 + (x + 1)**3 + 2*y*(y - 1)*(2*x + 1)"]]
ZETA3_Y = [
    ["-x**3 + 2*x**2*y - 2*x*y**2 + y**3", "-x**3"],
    ["x**3", "x**3 + 2*x**2*y + 2*x*y**2 + y**3"],
]


@pytest.mark.parametrize("name", library_names())
def test_every_library_field_is_conservative_and_cites_its_source(name: str) -> None:
    field = library_field(name)
    check_conservative(field)  # raises when a pair of axes does not commute
    assert field.source and len(field.axes) >= 2


def test_a_field_that_is_not_conservative_is_refused_naming_the_axes() -> None:
    broken = [row[:] for row in ZETA3_X]
    broken[1][1] = "x**3 + (x + 1)**3 + 2*y*(y - 1)*(2*x + 1) + 1"
    field = field_from_text("broken", {"x": broken, "y": ZETA3_Y})
    with pytest.raises(FieldError, match="not conservative: M_x"):
        check_conservative(field)


@pytest.mark.parametrize(
    ("matrices", "message"),
    [
        ({"x": [["1", "z"], ["1", "x"]]}, "unknown symbol 'z'"),
        ({"x": [["1", "2"], ["1"]]}, "not square"),
        ({"x": [["1", "0"], ["0", "x"]], "y": [["1"]]}, "not all the same size"),
        ({"x": [["1.5", "0"], ["0", "x"]]}, "not an integer"),
        ({"x": [["x**y", "0"], ["0", "1"]], "y": [["1", "0"], ["0", "1"]]}, "exponents"),
        ({"x": [["__import__('os')", "0"], ["0", "1"]]}, "not allowed"),
        ({"x": [["x", "x"], ["x", "x"]]}, "singular everywhere"),
        ({"n": [["1", "0"], ["0", "1"]]}, "axis name 'n'"),
    ],
)
def test_bad_matrices_are_refused_with_the_problem_named(matrices, message: str) -> None:
    with pytest.raises(FieldError, match=message):
        field_from_text("bad", matrices)


def test_entries_are_built_without_eval() -> None:
    x, y = sympy.symbols("x y")
    assert (
        parse_entry("-(x + 1)**3 + 2*x*y/3", ["x", "y"])
        == -((x + 1) ** 3) + sympy.Rational(2, 3) * x * y
    )
    assert parse_entry(7, ["x"]) == 7


def test_the_zeta3_diagonal_is_aperys_recurrence_with_its_delta() -> None:
    """Apéry: the diagonal from (1, 1) gives ζ(3) with FR δ about 0.086 at depth 2000
    (0.080 in the limit), and its equivalent PCF is Apéry's PCF(34n^3+51n^2+27n+5, -n^6)."""
    matrix = trajectory_matrix(library_field("zeta3"), [1, 1], [1, 1])
    assert equivalent_pcf(matrix) == ([5, 27, 51, 34], [0, 0, 0, 0, 0, 0, -1])
    limit = TrajectoryLimit(matrix)
    metrics = trajectory_metrics(limit, 2000)
    assert metrics.delta_fr == pytest.approx(0.086, abs=0.002)
    assert metrics.delta_naive < metrics.delta_fr  # q_n's gcd is factorial
    with mpmath.workdps(80):
        zeta3 = mpmath.zeta(3)
        assert abs(metrics.limit.to_mpf() - (1 - zeta3) / zeta3) < mpmath.mpf(10) ** -60
    assert metrics.digits_per_step == pytest.approx(3.06, abs=0.05)  # log10 (1+√2)^4


def test_delta_agrees_with_200_digit_arithmetic_on_a_slow_trajectory() -> None:
    """FR δ from the exact convergents against an independent computation at 200 digits."""
    from flint import fmpz

    limit = TrajectoryLimit(trajectory_matrix(library_field("zeta3"), [0, 1], [1, 1]))
    metrics = trajectory_metrics(limit, 400)
    half, last = limit.convergent(200), limit.convergent(400)
    with mpmath.workdps(200):
        error = abs(mpmath.mpf(int(last.p)) / int(last.q) - mpmath.mpf(int(half.p)) / int(half.q))
        reduced = abs(int(half.q)) // int(fmpz.gcd(half.p, half.q))
        expected = float(-1 - mpmath.log(error) / mpmath.log(reduced))
    assert metrics.delta_fr == pytest.approx(expected, abs=1e-12)


def test_the_trajectory_matrix_does_not_depend_on_the_order_of_the_axes() -> None:
    """Conservative: the product along x then y equals y then x (the axes swapped)."""
    xy = field_from_text("xy", {"x": ZETA3_X, "y": ZETA3_Y})
    yx = field_from_text("yx", {"y": ZETA3_Y, "x": ZETA3_X})
    for direction, start in (([1, 1], [1, 1]), ([2, 1], [1, 2]), ([1, 3], [2, 1])):
        first = trajectory_matrix(xy, direction, start)
        second = trajectory_matrix(yx, direction[::-1], start[::-1])
        assert first.entries == second.entries


def test_the_walk_is_the_product_of_the_trajectory_matrices() -> None:
    """W_N = T(0)···T(N−1), against a plain sympy product."""
    matrix = trajectory_matrix(library_field("pi"), [1, 2], [1, 1])
    n = sympy.Symbol("n")
    symbolic = matrix.sympy_matrix(n)
    expected = sympy.eye(2)
    for k in range(70):
        expected = expected * symbolic.subs(n, k)
    product = segment_product(matrix, 0, 70)
    assert [[int(product[i, j]) for j in range(2)] for i in range(2)] == expected.tolist()


def test_a_step_back_is_the_inverse_of_a_step_forward() -> None:
    field = library_field("e")
    forward = trajectory_matrix(field, [1, 0], [3, 2]).sympy_matrix()
    backward = trajectory_matrix(field, [-1, 0], [4, 2]).sympy_matrix()
    n = sympy.Symbol("n")
    # from (4, 2) back to (3, 2) undoes the step from (3, 2): the products are scalar
    product = (forward.subs(n, 0) * backward.subs(n, 0)).applyfunc(sympy.nsimplify)
    assert product[0, 1] == 0 and product[1, 0] == 0 and product[0, 0] == product[1, 1] != 0


def test_singular_points_are_found_before_the_walk() -> None:
    """det M_x(x) = -(x - 3): from x = 1 the walk meets a zero determinant at n = 2; a
    denominator x - 5 is a pole at n = 4."""
    zero = trajectory_matrix(field_from_text("z", {"x": [["0", "x - 3"], ["1", "1"]]}), [1], [1])
    assert zero.singular_before(100) == 2 and zero.singular_before(2) is None
    pole = trajectory_matrix(
        field_from_text("p", {"x": [["0", "1"], ["1", "1/(x - 5)"]]}), [1], [1]
    )
    assert pole.poles == (4,) and pole.singular_before(100) == 4


def test_a_larger_field_walks_and_has_no_pcf() -> None:
    """3F2 at z = −1: where a_i = b_j − 1 a step's determinant vanishes (its contiguity
    relation degenerates), so the start keeps a_i and b_j − 1 apart along the diagonal."""
    field = library_field("hyp3f2")
    matrix = trajectory_matrix(field, [1, 1, 1, 1, 1], [1, 1, 1, 3, 3])  # a_i ≠ b_j − 1
    assert matrix.dimension == 3 and equivalent_pcf(matrix) is None
    metrics = trajectory_metrics(TrajectoryLimit(matrix), 400)
    assert metrics.reason is None and metrics.limit is not None
    with pytest.raises(FieldError, match="vanishes identically"):  # a1 = b1 − 1 all along
        trajectory_matrix(field, [1, 0, 0, 1, 0], [1, 1, 1, 2, 2])


def test_trajectory_limits_serve_the_exact_estimates() -> None:
    """TrajectoryLimit has ExactLimit's interface: estimates settle like a PCF's."""
    matrix = trajectory_matrix(library_field("zeta3"), [1, 1], [1, 1])
    limit = TrajectoryLimit(matrix)
    assert isinstance(limit, ExactLimit)
    with mpmath.workdps(60):
        estimate = limit.estimate(64)
        assert estimate.digits > 40
        assert limit.convergent(30).q == TrajectoryLimit(matrix).convergent(30).q
