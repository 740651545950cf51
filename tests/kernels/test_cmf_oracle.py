"""ramanujantools (test extra only) as the oracle of the matrix-field walks: for sampled
trajectories of its known fields (e, pi, zeta3 and its derived 2F1), our trajectory
matrix equals its own up to a scalar factor, and the limits and FR δ of the walks agree.

The 2F1 field is not in our library: it is given to us as text, the way a user writes a
field with `matrices:`, from the same matrices ramanujantools holds."""

from __future__ import annotations

import pytest
import sympy

ramanujantools = pytest.importorskip("ramanujantools")
from ramanujantools.cmf import known_cmfs  # noqa: E402

from conjectura.kernels.cmf import (  # noqa: E402
    TrajectoryLimit,
    field_from_text,
    trajectory_matrix,
    trajectory_metrics,
)
from conjectura.kernels.fields import library_field  # noqa: E402

DEPTH = 400

DERIVED_2F1 = {
    "a": [["1 + 2*a", "(1 + 2*a)*(1 + 2*b)"], ["1", "5 + 4*a + 2*b + 4*c"]],
    "b": [["1 + 2*b", "(1 + 2*a)*(1 + 2*b)"], ["1", "5 + 2*a + 4*b + 4*c"]],
    "c": [["-1 - 2*c", "(1 + 2*a)*(1 + 2*b)"], ["1", "3 + 2*a + 2*b + 2*c"]],
}

CASES = [
    ("e", known_cmfs.e, [(1, 0), (0, 1), (1, 1), (2, 1), (1, 2)], (1, 1)),
    ("pi", known_cmfs.pi, [(1, 0), (0, 1), (1, 1), (2, 1), (1, 3)], (1, 1)),
    ("zeta3", known_cmfs.zeta3, [(1, 1), (1, 0), (0, 1), (2, 1), (1, 2)], (1, 1)),
    (
        "2F1",
        known_cmfs.hypergeometric_derived_2F1,
        [(1, 0, 0), (0, 1, 0), (1, 1, 1), (1, 0, 1)],
        (1, 1, 1),
    ),
]


def _ours(name: str):
    if name == "2F1":
        return field_from_text("derived-2F1", DERIVED_2F1)
    return library_field(name)


@pytest.mark.parametrize(
    ("name", "theirs", "directions", "start"), CASES, ids=[c[0] for c in CASES]
)
def test_trajectory_matrices_limits_and_delta_agree_with_ramanujantools(
    name: str, theirs, directions, start
) -> None:
    field, oracle = _ours(name), theirs()
    symbols = [sympy.Symbol(axis) for axis in field.axes]
    n = sympy.Symbol("n")
    compared = 0
    for direction in directions:
        trajectory = dict(zip(symbols, direction, strict=True))
        origin = dict(zip(symbols, start, strict=True))
        matrix = trajectory_matrix(field, direction, start)
        if matrix.singular_before(2 * DEPTH) is not None:
            continue
        ours = matrix.sympy_matrix(n)
        expected = sympy.Matrix(oracle.trajectory_matrix(trajectory, origin))
        i, j = next((i, j) for i in range(2) for j in range(2) if ours[i, j] != 0)
        scalar = sympy.cancel(expected[i, j] / ours[i, j])
        assert (expected - scalar * ours).applyfunc(sympy.cancel) == sympy.zeros(2, 2), direction

        metrics = trajectory_metrics(TrajectoryLimit(matrix), DEPTH)
        half, full = oracle.limit(trajectory, [DEPTH // 2, DEPTH], origin)
        # the same rational p_N/q_N: a scalar per step cancels in the ratio
        assert sympy.Rational(int(metrics.limit.p), int(metrics.limit.q)) == full.as_rational()
        their_delta = float(half.delta(full.as_float()))
        if metrics.delta_fr is not None:
            # theirs subtracts L and p/q in 15-digit floats: on a slow trajectory that costs
            # it up to 1e-8 (ours is checked against 200-digit arithmetic in test_cmf)
            assert metrics.delta_fr == pytest.approx(their_delta, abs=1e-7), direction
        compared += 1
    assert compared >= 3
