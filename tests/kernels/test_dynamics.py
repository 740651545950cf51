"""Convergence-dynamics metrics: pinned facts, the published tool as oracle, clustering."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
import sympy
from ramanujantools.pcf import PCF

from conjectura.kernels import dynamics as dynamics_module
from conjectura.kernels.dynamics import (
    blind_delta,
    convergent_gcds,
    dynamics,
    eigenvalue_ratio,
    error_curve,
    mirrored,
    terminating_depth,
)
from conjectura.kernels.exact import sampled_walk
from conjectura.kernels.screen import screen_pcfs
from tests.conftest import REFERENCE_FORMULAS

BY_ID = {f.id: f for f in REFERENCE_FORMULAS}


def test_apery_is_factorially_reduced_with_delta_near_0_085() -> None:
    apery = BY_ID["6-over-zeta3-apery"]
    found = dynamics(apery.a, apery.b, 1200)  # δ at n = 600, L from depth 1200
    assert found.reason is None and found.fr is True
    assert found.delta_fr == pytest.approx(0.085, abs=0.003)
    assert found.delta_naive < 0 < found.delta_fr  # without the gcd, no irrationality proof
    assert found.delta_predicted == pytest.approx(found.delta_fr, abs=0.01)


@pytest.mark.parametrize(
    "formula_id", ["4-over-pi", "4-over-3pi-minus-8", "1-over-ln2", "golden-ratio"]
)
def test_exponential_convergence(formula_id: str) -> None:
    f = BY_ID[formula_id]
    found = dynamics(f.a, f.b, 1000)
    assert found.convergence_c < -0.5 and abs(found.convergence_d) < 0.05
    assert not found.eigen_complex and found.eigen_ratio != 0
    assert found.delta_predicted == pytest.approx(found.delta_fr, abs=0.05)


@pytest.mark.parametrize("formula_id", ["e", "1-over-e-minus-1", "e-over-e-minus-2", "coth-half"])
def test_factorial_convergence_of_the_e_family(formula_id: str) -> None:
    f = BY_ID[formula_id]
    found = dynamics(f.a, f.b, 1000)
    assert found.convergence_d < -0.9  # log error ~ -n log n: faster than any exponential
    assert found.growth_d > 0.9  # and so do the reduced denominators grow
    assert found.fr is False
    assert math.isinf(found.eigen_ratio) and found.delta_predicted is None


def test_eigenvalue_ratio_closed_forms() -> None:
    assert eigenvalue_ratio([1, 2], [0, 0, 1]) == (pytest.approx(2 * math.asinh(1)), False)
    assert eigenvalue_ratio([2, 3], [0, 0, -2]) == (pytest.approx(math.log(2)), False)
    assert eigenvalue_ratio([1], [-2]) == (0.0, True)  # 1 - 8 < 0


def test_a_terminating_fraction_has_a_reason_not_numbers() -> None:
    found = dynamics([1, 1], [2, -1], 200)  # b(2) = 0
    assert found.reason is not None and found.delta_fr is None


@pytest.mark.parametrize(
    ("b", "stop"),
    [([2, -1], 2), ([0, 0, 1], None), ([-6, 1, 1], 2), ([0, -3, 1], 3), ([0], 1), ([5, 1], None)],
)
def test_terminating_depth_is_the_first_positive_root_of_b(b: list[int], stop: int | None) -> None:
    assert terminating_depth(b, 1000) == stop
    if stop is not None:  # the walk agrees: from there on every convergent is the limit
        assert "terminates" in dynamics([1, 1], b, 200).reason


def test_a_pcf_and_its_mirror_have_the_same_dynamics() -> None:
    """PCF(−a, b): every |p_n|, |q_n| and gcd is the same, so every metric but the
    eigenvalue ratio's sign is; computed both ways here, walked twice."""
    rng = random.Random(9)
    compared = 0
    while compared < 40:
        a = [rng.randint(-5, 5) for _ in range(3)]
        b = [rng.randint(-5, 5) for _ in range(3)]
        direct = dynamics([-c for c in a], b, 800)
        if direct.reason is not None:
            continue
        assert mirrored(dynamics(a, b, 800), [-c for c in a], b) == direct, (a, b)
        ratio = dynamics(a, b, 800).eigen_ratio
        assert direct.eigen_ratio == (-ratio if math.isfinite(ratio) else ratio)  # inf: unsigned
        compared += 1


def test_error_curve_is_exact_and_falls() -> None:
    ns, errors = error_curve([1, 2], [0, 0, 1], 200)
    assert ns[0] == 1 and ns[-1] == 200
    slope = (errors[-1] - errors[99]) / (ns[-1] - ns[99])
    assert slope == pytest.approx(-2 * math.asinh(1) / math.log(10), rel=0.02)


def test_agrees_with_ramanujantools_on_random_degree_2_pcfs() -> None:
    """The published library as oracle: FR δ (blind, L from 2n) and limits to 1e-6."""
    n = sympy.Symbol("n")
    rng = random.Random(20261123)
    depth = 600
    compared = 0
    while compared < 200:
        a = [rng.randint(-5, 5) for _ in range(3)]
        b = [rng.randint(-5, 5) for _ in range(3)]
        status, limit, digits = screen_pcfs(np.array([a]), np.array([b]), depth)
        if status[0] != 0:
            continue
        ours = dynamics(a, b, depth)
        if ours.reason is not None:
            continue
        theirs = PCF(sum(c * n**k for k, c in enumerate(a)), sum(c * n**k for k, c in enumerate(b)))
        assert ours.delta_fr == pytest.approx(float(theirs.delta(depth // 2)), abs=1e-6), (a, b)
        their_limit = float(theirs.limit(depth).as_float())
        if digits[0] >= 6:
            assert limit[0] == pytest.approx(their_limit, rel=1e-6, abs=1e-9), (a, b)
        compared += 1


def _converging_pcfs(count: int, seed: int) -> list[tuple[list[int], list[int]]]:
    rng = random.Random(seed)
    found: list[tuple[list[int], list[int]]] = []
    while len(found) < count:
        a = [rng.randint(-5, 5) for _ in range(3)]
        b = [rng.randint(-5, 5) for _ in range(3)]
        if screen_pcfs(np.array([a]), np.array([b]), 600)[0][0] == 0:
            found.append((a, b))
    return found


def test_error_logs_from_arb_balls_equal_the_exact_numerators(monkeypatch) -> None:
    """log|L − p_n/q_n| through the determinant identity and arb suffix products against
    the numerators p_N·q_n − p_n·q_N formed exactly (every ball refused)."""
    pcfs = _converging_pcfs(60, 31)
    through_balls = [dynamics(a, b, 800) for a, b in pcfs]
    monkeypatch.setattr(dynamics_module, "SUFFIX_ACCURACY_BITS", 10**9)
    exactly = [dynamics(a, b, 800) for a, b in pcfs]
    compared = 0
    for (a, b), ball, exact in zip(pcfs, through_balls, exactly, strict=True):
        assert ball.reason == exact.reason, (a, b)
        if ball.reason is None:
            for name in ("delta_fr", "delta_naive", "convergence_b", "convergence_c"):
                assert getattr(ball, name) == pytest.approx(getattr(exact, name), abs=1e-9)
            compared += 1
    assert compared >= 40


def test_blind_delta_is_the_delta_dynamics_stores() -> None:
    for a, b in _converging_pcfs(40, 32):
        full, alone = dynamics(a, b, 1000), blind_delta(a, b, 1000)
        assert (full.reason is None) == (alone.reason is None), (a, b)
        if alone.reason is None:
            assert alone.delta_fr == pytest.approx(full.delta_fr, abs=1e-12)
            assert alone.delta_naive == pytest.approx(full.delta_naive, abs=1e-12)
            assert alone.limit is not None and alone.limit.depth == 1000
    apery = BY_ID["6-over-zeta3-apery"]
    assert blind_delta(apery.a, apery.b, 1200).delta_fr == pytest.approx(0.085, abs=0.003)
    assert "terminates" in blind_delta([1, 1], [2, -1], 200).reason


def test_split_gcds_equal_the_direct_ones() -> None:
    """gcd(p_n, q_n) through K = gcd(u)·|det P_m| in blocks against fmpz.gcd on the convergents, on
    factorially reduced PCFs (large gcds) and random ones (small gcds)."""
    from flint import fmpz

    pcfs = [(BY_ID[i].a, BY_ID[i].b) for i in ("6-over-zeta3-apery", "e", "4-over-pi")]
    pcfs += _converging_pcfs(40, 33)
    depths = [6, 125, 250, 400, 500, 625, 750, 875, 1000, 1200, 1400, 2000]
    split_at = [n for n in depths if n >= dynamics_module.SPLIT_GCD_FROM]
    assert len(split_at) >= 6
    large = 0
    for a, b in pcfs:
        if terminating_depth(b, 2000) is not None:
            continue
        walk = sampled_walk(a, b, depths)
        found = convergent_gcds(walk, depths, depths, int(a[0]))
        for convergent in walk.convergents:
            assert found[convergent.depth] == fmpz.gcd(convergent.p, convergent.q), (a, b)
        large += found[2000] > 2**1000
    assert large >= 1  # Apéry's gcd is factorial: the split met a large one
