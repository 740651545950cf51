"""The float64 screening kernel against exact arithmetic and the reference formulas."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from conjectura.kernels.exact import ConvergentWalk, agreement_digits
from conjectura.kernels.screen import MIN_DIGITS, STATUS_NAMES, screen_pcfs
from conjectura.kernels.space import coefficients_at
from tests.conftest import ReferenceFormula


def screen_one(a: list[int], b: list[int], depth: int) -> tuple[str, float, float]:
    status, limit, digits = screen_pcfs(np.array([a]), np.array([b]), depth)
    return STATUS_NAMES[status[0]], float(limit[0]), float(digits[0])


def true_digits(estimate: float, exact: mpmath.mpf) -> float:
    with mpmath.workdps(40):
        return agreement_digits(mpmath.mpf(estimate), exact)


SLOW_STATUS = {
    # about 6 true digits at depth 1000, and the last convergents agree to 9: converged
    "slow-1-over-zeta3": "converged",
    # convergents alternate around 1/ln 2 with error ~1/n: the last two agree to only
    # 2.8 digits, below MIN_DIGITS, so the walk must not call it converged
    "slow-1-over-ln2": "oscillating",
}
"""What the screen must say at depth 1000 for the reference formulas of polynomial
convergence; a new slow formula in ../shared needs its entry here."""


def test_reference_formulas_screen_honestly(reference_formula: ReferenceFormula) -> None:
    a, b = reference_formula.a, reference_formula.b
    status, limit, digits = screen_one(a, b, 1000)
    exact = reference_formula.limit(40)
    if reference_formula.slow:
        assert reference_formula.id in SLOW_STATUS, f"add {reference_formula.id} to SLOW_STATUS"
        assert status == SLOW_STATUS[reference_formula.id]
        if status == "converged":
            # Polynomial convergence: whatever the walk claims must be digits it really has.
            assert MIN_DIGITS <= digits < 9
            assert digits <= true_digits(limit, exact) + 0.5
        else:
            assert math.isnan(limit) and math.isnan(digits)
            with mpmath.workdps(40):
                walk = ConvergentWalk(a, b)
                before_last, last = walk.at(999).to_mpf(), walk.at(1000).to_mpf()
                assert agreement_digits(before_last, last) < MIN_DIGITS  # rightly unsettled
        return
    assert status == "converged"
    assert digits >= 12  # float64 at depth 1000 keeps more than 12 significant digits
    assert true_digits(limit, exact) >= digits - 0.5


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0], [1], "zero_denominator"),  # q_n = 0, 1, 0, 1, ...
        ([1], [-1], "zero_denominator"),  # period 6 with q_2 = 0
        ([1], [-2], "oscillating"),  # complex eigenvalues of equal modulus
        ([0], [-1], "zero_denominator"),
    ],
)
def test_small_cases_are_classified(a: list[int], b: list[int], expected: str) -> None:
    assert screen_one(a, b, 500)[0] == expected


def test_every_class_agrees_with_exact_convergents() -> None:
    """A sample of the default space, each claim checked against exact p_n/q_n."""
    depth = 400
    rng = np.random.default_rng(20261123)
    ranges = [(-4, 4)] * 5
    indices = rng.choice(9**5, size=1500, replace=False)
    rows = np.concatenate([coefficients_at(ranges, int(i), int(i) + 1) for i in indices])
    status, limit, digits = screen_pcfs(rows[:, :2], rows[:, 2:], depth)
    seen = set()
    with mpmath.workdps(60):
        for row, s, x, d in zip(rows.tolist(), status, limit, digits, strict=True):
            name = STATUS_NAMES[s]
            seen.add(name)
            walk = ConvergentWalk(row[:2], row[2:])
            half, before_last, last = walk.at(depth // 2), walk.at(depth - 1), walk.at(depth)
            if name == "converged":
                assert last.q != 0
                if x == 0.0:  # digits of a zero limit are absolute
                    assert abs(last.to_mpf()) < 10 ** (-d + 0.5), row
                else:
                    assert agreement_digits(mpmath.mpf(x), last.to_mpf()) >= d - 0.5, row
            elif name == "zero_denominator":
                assert 0 in (half.q, before_last.q, last.q), row
            elif name == "diverged":
                assert last.q == 0 or abs(last.to_mpf()) > 1e9, row
            elif name == "oscillating":
                spread = max(
                    abs(last.to_mpf() - before_last.to_mpf()), abs(last.to_mpf() - half.to_mpf())
                )
                assert spread > 1e-6 * max(1, abs(last.to_mpf())), row
    assert {"converged", "oscillating", "zero_denominator"} <= seen


def test_cancellation_makes_a_walk_indeterminate_not_converged() -> None:
    """a(n) = 2n - 40, b(n) = -(n - 20)^2 + 1: early terms cancel hard before growth.

    Whatever the kernel says, it must not claim digits that exact arithmetic denies."""
    a, b = [-40, 2], [-399, 40, -1]
    status, limit, digits = screen_one(a, b, 1000)
    if status == "converged":
        with mpmath.workdps(60):
            exact = ConvergentWalk(a, b).at(1000).to_mpf()
            assert agreement_digits(mpmath.mpf(limit), exact) >= digits - 0.5


def test_degrees_above_the_kernel_width_are_refused() -> None:
    with pytest.raises(ValueError, match="deg"):
        screen_pcfs(np.zeros((1, 5), np.int64), np.zeros((1, 2), np.int64), 100)


def test_shard_results_do_not_depend_on_batching() -> None:
    rows = coefficients_at([(-4, 4)] * 5, 0, 1000)
    whole = screen_pcfs(rows[:, :2], rows[:, 2:], 300)
    parts = [
        screen_pcfs(rows[i : i + 97, :2], rows[i : i + 97, 2:], 300) for i in range(0, 1000, 97)
    ]
    for k in range(3):
        joined = np.concatenate([p[k] for p in parts])
        assert np.array_equal(whole[k], joined, equal_nan=k > 0)
    assert not math.isnan(float(np.nanmax(whole[1])))
