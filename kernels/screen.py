"""Screening: a float64 walk of many PCFs at once.

For a(0) + b(1)/(a(1) + b(2)/(...)) the convergents p_n/q_n obey
p_n = a(n)·p_(n-1) + b(n)·p_(n-2) (same for q) from p_-1 = 1, p_0 = a(0), q_-1 = 0, q_0 = 1.

The walk runs a block of PCFs in lockstep (n outer, PCF inner) so the inner loops are
branch-free and vectorise. Every few steps a second pass rescales each state by an exact
power of two (no overflow, no rounding) and measures how far the state has shrunk
below its own earlier peak: that shrinkage is cancellation, the float64 error is
amplified by it, and the digits a PCF may claim are capped accordingly; so are the digits
of a limit far smaller than the convergents that led to it (the error is absolute at
their scale). A PCF whose
precision is gone is ``indeterminate``, never ``converged`` on float noise.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

CONVERGED, DIVERGED, OSCILLATING, ZERO_DENOMINATOR, INDETERMINATE = range(5)
STATUS_NAMES = ("converged", "diverged", "oscillating", "zero_denominator", "indeterminate")

MIN_DIGITS = 3.0
"""A walk that agrees with itself to fewer digits than this is not called converged."""

DIVERGENCE_MAGNITUDE = 1e12
"""|p_N/q_N| above this means the convergents run off to infinity (q_n is the minimal
solution of the recurrence). Anything else that does not converge is ``oscillating``."""

MAX_A_WIDTH = 4
MAX_B_WIDTH = 7

_BLOCK = 512
_EPS = 2.220446049250313e-16
_HIGH = 2.0**600
_LOW = 2.0**-600
_SHRINK = 2.0**-600
_GROW = 2.0**600
_HEADROOM_BITS = 400.0  # bits of growth allowed between rescaling passes (< 1023 - 600)


@njit(cache=True)
def _poly_at(coefficients: np.ndarray, n: float) -> float:
    value = 0.0
    for k in range(coefficients.shape[0] - 1, -1, -1):
        value = value * n + coefficients[k]
    return value


@njit(cache=True)
def _steps_between_rescales(a_t: np.ndarray, b_t: np.ndarray, lo: int, hi: int, depth: int) -> int:
    """How many steps the state may grow before it must be rescaled.

    max(|p_n|, |p_(n-1)|) grows by at most |a(n)| + |b(n)| per step, and for n <= depth
    that is bounded by the coefficients' absolute values evaluated at n = depth.
    """
    worst = 2.0
    for j in range(lo, hi):
        bound = _poly_at(np.abs(a_t[:, j]), float(depth)) + _poly_at(
            np.abs(b_t[:, j]), float(depth)
        )
        worst = max(worst, bound + 1.0)
    return max(1, int(_HEADROOM_BITS / math.log2(worst)))


@njit(cache=True, error_model="numpy")
def screen_pcfs(
    a_coeffs: np.ndarray, b_coeffs: np.ndarray, depth: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk every PCF to ``depth``; return (status, limit, digits) arrays.

    ``a_coeffs`` (m × wa, wa <= 4) and ``b_coeffs`` (m × wb, wb <= 7) hold ascending
    integer coefficients: deg a(n) <= 3 and deg b(n) <= 6.
    ``status`` uses the module's codes; ``limit`` and ``digits`` are NaN unless converged.
    """
    m = a_coeffs.shape[0]
    if a_coeffs.shape[1] > MAX_A_WIDTH or b_coeffs.shape[1] > MAX_B_WIDTH:
        raise ValueError("screen_pcfs: deg a(n) <= 3 and deg b(n) <= 6")
    # Transposed (coefficient-major) and zero-padded to the kernel's fixed widths.
    a_t = np.zeros((MAX_A_WIDTH, m))
    a_t[: a_coeffs.shape[1]] = a_coeffs.T
    b_t = np.zeros((MAX_B_WIDTH, m))
    b_t[: b_coeffs.shape[1]] = b_coeffs.T
    status = np.empty(m, np.int8)
    limit = np.full(m, np.nan)
    digits = np.full(m, np.nan)
    for lo in range(0, m, _BLOCK):
        hi = min(m, lo + _BLOCK)
        _screen_block(a_t, b_t, lo, hi, depth, status, limit, digits)
    return status, limit, digits


@njit(cache=True, fastmath={"contract"}, error_model="numpy")
def _screen_block(a_t, b_t, lo, hi, depth, status, limit, digits):
    size = hi - lo
    half = depth // 2
    # One fused, branch-free loop per step (it vectorises); degrees above the widths
    # below are rejected by the spec, lower degrees are zero-padded.
    a0, a1, a2, a3 = (
        a_t[0, lo:hi].copy(),
        a_t[1, lo:hi].copy(),
        a_t[2, lo:hi].copy(),
        a_t[3, lo:hi].copy(),
    )
    b0, b1, b2, b3 = (
        b_t[0, lo:hi].copy(),
        b_t[1, lo:hi].copy(),
        b_t[2, lo:hi].copy(),
        b_t[3, lo:hi].copy(),
    )
    b4, b5, b6 = b_t[4, lo:hi].copy(), b_t[5, lo:hi].copy(), b_t[6, lo:hi].copy()
    p_prev = np.ones(size)  # p_(n-1)
    q_prev = np.zeros(size)
    p_cur = a0.copy()  # p_n, starting at p_0 = a(0)
    q_cur = np.ones(size)
    peak_p = np.zeros(size)
    peak_q = np.zeros(size)
    loss = np.ones(size)
    x_peak = np.zeros(size)
    x_half = np.zeros(size)
    x_before_last = np.zeros(size)
    zero_q = np.zeros(size, np.bool_)
    rescaled = np.zeros(size, np.bool_)  # then q = 0.0 may be underflow, not a zero
    every = _steps_between_rescales(a_t, b_t, lo, hi, depth)

    for n in range(1, depth + 1):
        x = float(n)
        for j in range(size):
            a = a0[j] + x * (a1[j] + x * (a2[j] + x * a3[j]))
            b = b0[j] + x * (
                b1[j] + x * (b2[j] + x * (b3[j] + x * (b4[j] + x * (b5[j] + x * b6[j]))))
            )
            p_next = a * p_cur[j] + b * p_prev[j]
            q_next = a * q_cur[j] + b * q_prev[j]
            p_prev[j] = p_cur[j]
            q_prev[j] = q_cur[j]
            p_cur[j] = p_next
            q_cur[j] = q_next

        if n % every == 0 or n == depth:
            for j in range(size):
                big = max(max(abs(p_cur[j]), abs(p_prev[j])), max(abs(q_cur[j]), abs(q_prev[j])))
                scale = 1.0
                if big > _HIGH:
                    scale = _SHRINK
                elif 0.0 < big < _LOW:
                    scale = _GROW
                if scale != 1.0:
                    rescaled[j] = True
                    p_cur[j] *= scale
                    p_prev[j] *= scale
                    q_cur[j] *= scale
                    q_prev[j] *= scale
                    peak_p[j] *= scale
                    peak_q[j] *= scale
                mag_p = abs(p_cur[j]) + abs(p_prev[j])
                mag_q = abs(q_cur[j]) + abs(q_prev[j])
                peak_p[j] = max(peak_p[j], mag_p)
                peak_q[j] = max(peak_q[j], mag_q)
                if mag_p > 0.0:
                    loss[j] = max(loss[j], peak_p[j] / mag_p)
                if mag_q > 0.0:
                    loss[j] = max(loss[j], peak_q[j] / mag_q)
                if q_cur[j] != 0.0:
                    x_peak[j] = max(x_peak[j], abs(p_cur[j] / q_cur[j]))

        if n == half or n == depth - 1:
            for j in range(size):
                if q_cur[j] == 0.0:
                    zero_q[j] = not rescaled[j]
                elif n == half:
                    x_half[j] = p_cur[j] / q_cur[j]
                else:
                    x_before_last[j] = p_cur[j] / q_cur[j]

    for j in range(size):
        i = lo + j
        if zero_q[j] or (q_cur[j] == 0.0 and not rescaled[j]):
            status[i] = ZERO_DENOMINATOR
            continue
        if q_cur[j] == 0.0:  # underflowed far below p_n: the convergents run off
            status[i] = DIVERGED
            continue
        x = p_cur[j] / q_cur[j]
        # Rounding errors are absolute at the scale of the convergents met on the way,
        # amplified by cancellation; a limit far below that scale keeps fewer digits.
        error = _EPS * depth * loss[j] * max(x_peak[j], abs(x), 1e-300)
        precision = -math.log10(error / abs(x)) if x != 0.0 else -math.log10(error)
        if not math.isfinite(x) or precision < MIN_DIGITS:
            status[i] = INDETERMINATE
            continue
        spread = max(abs(x - x_half[j]), abs(x - x_before_last[j]))
        # A limit of exactly 0.0 has no significant digits: measure it absolutely.
        scale = abs(x) if x != 0.0 else 1.0
        agreement = -math.log10(spread / scale) if spread > 0.0 else precision
        if agreement >= MIN_DIGITS and abs(x) < DIVERGENCE_MAGNITUDE:
            status[i] = CONVERGED
            limit[i] = x
            digits[i] = min(agreement, precision)
        elif abs(x) >= DIVERGENCE_MAGNITUDE:
            status[i] = DIVERGED
        else:
            status[i] = OSCILLATING
