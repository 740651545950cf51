"""An independent recheck of committed conjectures, by a code path that shares nothing
with the one that found them.

Why separate: a detector that checks its own work with its own code repeats its own
mistakes. Here the convergents come from a plain Python-integer loop (p_n = a(n)·p_(n-1)
+ b(n)·p_(n-2), the same for q, with p_-1 = 1, p_0 = a(0), q_-1 = 0, q_0 = 1), the
constants are computed afresh by mpmath at the precision this check needs (never the
catalog's constants table, never ``kernels.constants``), and the relation is evaluated
from the stored ``basis`` and ``relation`` alone. No python-flint, no ``kernels.exact``.

The rule, for a row that claims ``d`` digits (its ``digits`` column):

1. Walk. Evaluate the subject's estimate x_D at D = 16, 32, 64, ... (capped at
   ``max_depth``, 2^17 by default). The estimate has *settled* to s digits at depth D
   when x_D agrees to s significant digits both with x_(D-1) (the other parity:
   alternating convergents bracket the limit) and with x_(D/2) (a slow, one-sided
   approach shows only over a long stretch). The walk stops as soon as the row is
   confirmed (below), once s ≥ d + 10, at the cap, or early when the last two doublings
   each gained about the same few digits and, at twice that pace, the cap would still
   not bring s to the next level where the verdict could change (d - 1, then d + 5): a
   polynomially converging fraction, which the cap would not settle either.
2. Judge, with h the digits to which the relation holds at x_D (the residual
   |Σ r_i·B_i| scaled by Σ |r_i·B_i|, as significant digits):
   - confirmed: h ≥ d - 1 and s ≥ d - 1 (the relation holds as far as claimed, on an
     estimate that is itself good that far);
   - false: s ≥ d + 5 and h < d - 1 (the estimate has settled well past the claim and
     the relation does not hold: its failure cannot be the estimate's error);
   - unconfirmable: anything else (too slow to settle at this depth).

Kinds: ``pcf_limit`` walks the PCF of ``a_coeffs``, ``b_coeffs``; ``esma_cf`` walks the
signed continued fraction a0 + s0/(a1 + s1/(a2 + ...)) of ``initial_terms`` continued by
the register ``recurrence`` (Σ r[j]·a[n-j] = 0, a counted from a_1) with the periodic
``signs``; ``sequence_limit`` takes x_k = t(k+1)/t(k) from the stored terms (which end
where they end: a geometric tail bound stands in for going deeper). Rows whose
``method`` is ``accelerated`` are re-extrapolated by
``kernels.acceleration.accelerated_limit(a, b, depth, dps)`` at depths D = 1024, 2048, ...
(cap 2^14), s being the agreement of the values at D and D/2 (the accelerator's own digits
are not used); without that module they are unconfirmable. That accelerator takes its
convergents from ``kernels.exact``, so for these rows only the depths, the constants, the
relation and the judgement are this module's own. ``recurrence`` rows are
exact: the recurrence is checked on every term of the sequence, n counted from the
sequence's offset; confirmed if it holds on all, false at the first failure. A basis
entry naming a constant this module cannot compute (a user constant) makes the row
unconfirmable; a register that stops yielding integers makes it false.
"""

from __future__ import annotations

import functools
import random
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import mpmath
import polars as pl

MAX_DEPTH = 2**17
"""Deepest convergent the walk takes (Python integers of about a million digits there)."""
START_DEPTH = 16
MAX_ACCELERATED_DEPTH = 2**14
"""Deepest depth handed to the accelerator (its cost grows faster than the exact walk's)."""
START_ACCELERATED_DEPTH = 512
SETTLE_MARGIN = 10.0
"""The walk aims for the claimed digits plus this many."""
FALSE_MARGIN = 5.0
"""A row is false only when its estimate settled this far past the claimed digits."""
CONFIRM_SLACK = 1.0
"""Digits a confirmation may fall short of the claim (rounding of the stored digits)."""
GUARD_DIGITS = 10
"""Working precision is the claimed digits plus SETTLE_MARGIN plus twice this."""
STALL_FROM = 1024
"""Depth from which steady small gains per doubling end the walk early."""


class Verdict(StrEnum):
    CONFIRMED = "confirmed"
    FALSE = "false"
    UNCONFIRMABLE = "unconfirmable"


@dataclass(frozen=True)
class Recheck:
    """The recheck of one conjecture row."""

    conjecture_id: str
    kind: str
    formula: str
    claimed: float
    verdict: Verdict
    reason: str
    settled: float | None = None  # digits the estimate settled to (numerical kinds)
    holds: float | None = None  # digits to which the relation holds there
    depth: int | None = None  # depth of the estimate, or equations checked (recurrence)


Accelerator = Callable[..., Any]
"""accelerated_limit(a_coeffs, b_coeffs, depth, dps) -> an estimate (a number, a tuple
whose first item is one, an object whose ``value`` is one) or None (no estimate)."""

_UNSET: Any = object()


# -- fresh constants -------------------------------------------------------------------

_CONSTANTS: dict[str, Callable[[], mpmath.mpf]] = {
    "pi": lambda: +mpmath.pi,
    "e": lambda: +mpmath.e,
    "zeta3": lambda: mpmath.zeta(3),
    "zeta5": lambda: mpmath.zeta(5),
    "catalan": lambda: +mpmath.catalan,
    "log2": lambda: mpmath.log(2),
    "sqrt2": lambda: mpmath.sqrt(2),
    "sqrt3": lambda: mpmath.sqrt(3),
    "sqrt5": lambda: mpmath.sqrt(5),
    "gauss": lambda: 1 / mpmath.agm(1, mpmath.sqrt(2)),
    "lemniscate": lambda: mpmath.pi / mpmath.agm(1, mpmath.sqrt(2)),
    "euler_gamma": lambda: +mpmath.euler,
    "gompertz": lambda: mpmath.e * mpmath.e1(1),
}
KNOWN_CONSTANTS = frozenset(_CONSTANTS)


@functools.lru_cache(maxsize=256)
def constant(name: str, dps: int) -> mpmath.mpf:
    """A named constant to ``dps`` digits, computed here (cached by name and precision)."""
    if name not in _CONSTANTS:
        raise KeyError(name)
    with mpmath.workdps(dps + GUARD_DIGITS):
        value = _CONSTANTS[name]()
    with mpmath.workdps(dps):
        return +value


class UnknownConstant(KeyError):
    """A basis entry names something this recheck cannot compute."""


def basis_value(entry: str, limit: mpmath.mpf, dps: int) -> mpmath.mpf:
    """One basis entry: "1", "L", a constant, powers ("pi^2") and products ("L*pi")."""
    value = mpmath.mpf(1)
    for factor in entry.replace(" ", "").split("*"):
        name, _, power = factor.partition("^")
        if name == "1":
            base = mpmath.mpf(1)
        elif name == "L":
            base = limit
        elif name in _CONSTANTS:
            base = constant(name, dps)
        else:
            raise UnknownConstant(name)
        value *= base ** int(power) if power else base
    return value


def relation_digits(
    basis: Sequence[str], relation: Sequence[int], limit: mpmath.mpf, dps: int
) -> float:
    """Significant digits to which sum(relation[i]·basis[i]) = 0 holds at L = ``limit``:
    -log10 of the residual over the sum of the terms' sizes (capped at ``dps``)."""
    with mpmath.workdps(dps):
        terms = [r * basis_value(b, limit, dps) for r, b in zip(relation, basis, strict=True)]
        residual = abs(mpmath.fsum(terms))
        scale = mpmath.fsum(abs(t) for t in terms)
        if scale == 0:
            return 0.0  # every term vanishes: the relation says nothing
        if residual == 0:
            return float(dps)
        return min(float(dps), float(-mpmath.log10(residual / scale)))


# -- convergents with plain integers --------------------------------------------------


def polynomial(coefficients: Sequence[int], n: int) -> int:
    """c0 + c1·n + c2·n² + ... (Horner, Python integers)."""
    value = 0
    for c in reversed(coefficients):
        value = value * n + int(c)
    return value


class Walk:
    """Convergents p_n/q_n of a0 + b1/(a1 + b2/(a2 + ...)) from a stream of (a_n, b_n),
    n = 1, 2, ...; keeps the last two so it can be advanced further."""

    def __init__(self, a0: int, steps: Iterator[tuple[int, int]]) -> None:
        self.n = 0
        self.p_prev, self.p, self.q_prev, self.q = 1, int(a0), 0, 1
        self._steps = steps

    def advance(self, depth: int) -> None:
        while self.n < depth:
            a, b = next(self._steps)
            self.p_prev, self.p = self.p, a * self.p + b * self.p_prev
            self.q_prev, self.q = self.q, a * self.q + b * self.q_prev
            self.n += 1


def pcf_steps(a_coeffs: Sequence[int], b_coeffs: Sequence[int]) -> Iterator[tuple[int, int]]:
    n = 1
    while True:
        yield polynomial(a_coeffs, n), polynomial(b_coeffs, n)
        n += 1


class BrokenRegister(ValueError):
    """The register does not continue the terms in integers."""


def register_terms(initial: Sequence[int], register: Sequence[int]) -> Iterator[int]:
    """a_0, a_1, ...: ``initial`` then Σ_j register[j]·a[n-j] = 0 (a counted from a_1)."""
    terms = [int(t) for t in initial]
    yield from terms
    length, lead = len(register) - 1, int(register[0])
    if lead == 0 or len(terms) < length + 1:
        raise BrokenRegister("the register has no lead or too little history")
    history = terms[len(terms) - length :] if length else []
    while True:
        total = sum(int(register[j]) * history[-j] for j in range(1, length + 1))
        if total % lead:
            raise BrokenRegister(f"the register does not continue in integers at a_{len(terms)}")
        nxt = -total // lead
        terms.append(nxt)
        if length:
            history = [*history[1:], nxt]
        yield nxt


def esma_steps(
    initial: Sequence[int], register: Sequence[int], signs: Sequence[int]
) -> tuple[int, Iterator[tuple[int, int]]]:
    """a0 and the steps (a_n, s_(n-1)) of the signed continued fraction."""
    terms = register_terms(initial, register)
    a0 = next(terms)

    def steps() -> Iterator[tuple[int, int]]:
        for n, a in enumerate(terms, start=1):
            yield a, int(signs[(n - 1) % len(signs)])

    return a0, steps()


def agreement(p: int, q: int, p2: int, q2: int) -> float:
    """Significant digits to which p/q and p2/q2 agree, exactly (-inf if a q is 0)."""
    if q == 0 or q2 == 0:
        return float("-inf")
    difference = abs(p * q2 - p2 * q)
    if difference == 0:
        return float("inf")
    if p == 0:
        return float("-inf")  # an estimate of 0 that still moves: nothing settled
    return _log10(abs(p * q2)) - _log10(difference)


def _log10(value: int) -> float:
    with mpmath.workdps(20):
        return float(mpmath.log10(mpmath.mpf(value)))


@dataclass
class Settled:
    """Where a walk stopped: the estimate, the digits it settled to, those to which the
    relation holds there, and the depth."""

    estimate: mpmath.mpf | None
    digits: float
    holds: float
    depth: int


Holds = Callable[[mpmath.mpf], float]
"""Digits to which the row's relation holds at an estimate."""


def settle_exact(
    walk: Walk, claimed: float, holds_at: Holds, dps: int, max_depth: int = MAX_DEPTH
) -> Settled:
    """Walk to D = 16, 32, ... (the rule of the module docstring): stop when the row is
    confirmed, when x_D agrees with x_(D-1) and x_(D/2) to the claim plus SETTLE_MARGIN,
    at the cap, or when steady small gains cannot reach a decision by the cap."""
    depth = min(START_DEPTH, max_depth)
    walk.advance(depth // 2)
    half = (walk.p, walk.q)
    gains: list[float] = []
    digits = float("-inf")
    while True:
        walk.advance(depth - 1)
        before = (walk.p, walk.q)
        walk.advance(depth)
        now = min(agreement(walk.p, walk.q, *before), agreement(walk.p, walk.q, *half))
        if now != float("-inf") and digits != float("-inf"):
            gains.append(now - digits)
        digits = min(now, float(dps - GUARD_DIGITS))
        holds = float("-inf")
        if digits >= claimed - CONFIRM_SLACK:
            holds = holds_at(_ratio(walk.p, walk.q, dps))
            if holds >= claimed - CONFIRM_SLACK:
                break  # confirmed: no need to go deeper
        if (
            digits >= claimed + SETTLE_MARGIN
            or depth * 2 > max_depth
            or _stalled(gains, digits, depth, max_depth, claimed)
        ):
            break
        half = (walk.p, walk.q)
        depth *= 2
    if walk.q == 0:
        return Settled(None, digits, float("-inf"), walk.n)
    estimate = _ratio(walk.p, walk.q, dps)
    if holds == float("-inf"):
        holds = holds_at(estimate)
    return Settled(estimate, digits, holds, walk.n)


def _ratio(p: int, q: int, dps: int) -> mpmath.mpf:
    with mpmath.workdps(dps):
        return mpmath.mpf(p) / mpmath.mpf(q)


def _stalled(gains: list[float], digits: float, depth: int, max_depth: int, claimed: float) -> bool:
    """Steady, small gains per doubling (polynomial convergence) that cannot reach, by the
    cap, the next level where a verdict can change: the claim (to confirm), or the claim
    plus FALSE_MARGIN (to call it false) once the claim is reached."""
    if depth < STALL_FROM or len(gains) < 2:
        return False
    last, before = gains[-1], gains[-2]
    if last <= 0 or before <= 0 or last > 1.25 * before:
        return False  # not converging steadily, or speeding up (geometric or faster)
    need = claimed - CONFIRM_SLACK
    if digits >= need:
        need = claimed + FALSE_MARGIN
    doublings = (max_depth // depth).bit_length() - 1
    return digits + 2 * last * doublings < need  # twice the pace, to be generous


def settle_accelerated(
    accelerate: Accelerator,
    a_coeffs: Sequence[int],
    b_coeffs: Sequence[int],
    claimed: float,
    holds_at: Holds,
    dps: int,
    max_depth: int = MAX_ACCELERATED_DEPTH,
) -> Settled:
    """Accelerated estimates at D and 2D, doubling D until they agree to the claim plus
    SETTLE_MARGIN (or the row is confirmed, or the cap). The accelerator's own digits are
    not used; a depth where it gives no estimate (None) is skipped."""
    depth = min(START_ACCELERATED_DEPTH, max_depth // 2)
    previous = _estimate(accelerate(list(a_coeffs), list(b_coeffs), depth, dps), dps)
    current, digits, holds = None, float("-inf"), float("-inf")
    while depth * 2 <= max_depth:
        depth *= 2
        current = _estimate(accelerate(list(a_coeffs), list(b_coeffs), depth, dps), dps)
        if current is None or previous is None:
            previous = current
            continue
        digits = min(_mp_agreement(current, previous, dps), float(dps - GUARD_DIGITS))
        holds = holds_at(current)
        if min(digits, holds) >= claimed - CONFIRM_SLACK or digits >= claimed + SETTLE_MARGIN:
            break
        previous = current
    return Settled(current, digits, holds, depth)


def _estimate(result: Any, dps: int) -> mpmath.mpf | None:
    if result is None:
        return None
    value = getattr(result, "value", result)
    if isinstance(value, tuple | list):
        value = value[0]
    with mpmath.workdps(dps):
        return mpmath.mpf(value)


def _mp_agreement(x: mpmath.mpf, y: mpmath.mpf, dps: int) -> float:
    with mpmath.workdps(dps):
        difference = abs(x - y)
        if difference == 0:
            return float(dps)
        if x == 0:
            return float("-inf")
        return float(-mpmath.log10(difference / abs(x)))


def default_accelerator() -> Accelerator | None:
    """kernels.acceleration.accelerated_limit, if the project has it."""
    try:
        from conjectura.kernels.acceleration import accelerated_limit
    except ImportError:
        return None
    return accelerated_limit


# -- judging -----------------------------------------------------------------------------


def judge(claimed: float, settled: float, holds: float) -> Verdict:
    """The rule of the module docstring."""
    if holds >= claimed - CONFIRM_SLACK and settled >= claimed - CONFIRM_SLACK:
        return Verdict.CONFIRMED
    if settled >= claimed + FALSE_MARGIN and holds < claimed - CONFIRM_SLACK:
        return Verdict.FALSE
    return Verdict.UNCONFIRMABLE


def working_dps(claimed: float) -> int:
    return int(max(claimed, 0.0) + SETTLE_MARGIN) + 2 * GUARD_DIGITS


def recheck_row(
    row: Mapping[str, Any],
    sequence: tuple[int, Sequence[int]] | None = None,
    *,
    accelerate: Accelerator | None = _UNSET,
    max_depth: int = MAX_DEPTH,
) -> Recheck:
    """Recheck one conjectures row; ``sequence`` is (offset, terms) of its subject for
    the kinds recurrence and sequence_limit."""
    claimed = float(row["digits"])
    base = {
        "conjecture_id": row["conjecture_id"],
        "kind": row["kind"],
        "formula": row["formula"],
        "claimed": claimed,
    }
    kind = row["kind"]
    if kind == "recurrence":
        return _recurrence(row, sequence, base)
    if kind not in ("pcf_limit", "esma_cf", "sequence_limit", "cmf_trajectory"):
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason=f"unknown kind {kind}")
    if kind == "cmf_trajectory" and row.get("a_coeffs") is None:
        # a larger field's trajectory: no PCF to walk apart from the field's own code
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason="no PCF to walk")
    basis, relation = list(row["basis"]), list(row["relation"])
    unknown = unknown_names(basis)
    if unknown:
        reason = f"cannot compute {', '.join(unknown)}"
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason=reason)
    dps = working_dps(claimed)

    def holds_at(estimate: mpmath.mpf) -> float:
        return relation_digits(basis, relation, estimate, dps)

    if accelerate is _UNSET:
        accelerate = default_accelerator()
    try:
        if kind == "sequence_limit":
            if sequence is None:
                return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason="sequence not found")
            settled = _settle_ratios(sequence[1], holds_at, dps)
        elif row.get("method") == "accelerated":
            if accelerate is None:
                reason = "accelerated, and no accelerator to re-run"
                return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason=reason)
            settled = settle_accelerated(
                accelerate, row["a_coeffs"], row["b_coeffs"], claimed, holds_at, dps
            )
        elif kind == "esma_cf":
            a0, steps = esma_steps(row["initial_terms"], row["recurrence"], row["signs"])
            settled = settle_exact(Walk(a0, steps), claimed, holds_at, dps, max_depth)
        else:
            a_coeffs, b_coeffs = row["a_coeffs"], row["b_coeffs"]
            walk = Walk(polynomial(a_coeffs, 0), pcf_steps(a_coeffs, b_coeffs))
            settled = settle_exact(walk, claimed, holds_at, dps, max_depth)
    except BrokenRegister as err:
        return Recheck(**base, verdict=Verdict.FALSE, reason=str(err))
    if settled.estimate is None:
        reason = f"no estimate at depth {settled.depth}"
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason=reason, depth=settled.depth)
    reason = (
        f"claims {claimed:.1f} digits; at depth {settled.depth} the estimate settled to "
        f"{settled.digits:.1f} and the relation holds to {settled.holds:.1f}"
    )
    return Recheck(
        **base,
        verdict=judge(claimed, settled.digits, settled.holds),
        reason=reason,
        settled=settled.digits,
        holds=settled.holds,
        depth=settled.depth,
    )


def unknown_names(basis: Sequence[str]) -> list[str]:
    """Factors of the basis entries this recheck cannot compute."""
    names = {f.partition("^")[0] for entry in basis for f in entry.replace(" ", "").split("*")}
    return sorted(names - KNOWN_CONSTANTS - {"1", "L"})


def _settle_ratios(terms: Sequence[int], holds_at: Holds, dps: int) -> Settled:
    """x_k = t(k+1)/t(k) at the last k. The terms end where they end, so the walk cannot
    go deeper: when the last two steps shrink geometrically (ratio r < 0.9) the rest of
    the tail is at most |x_k - x_(k-1)|·r/(1 - r); otherwise the rule of the walk (x_k
    against x_(k-1) and x_(k/2))."""
    last = len(terms) - 2
    if last < 3 or any(t == 0 for t in terms[last - 2 : last + 1]):
        return Settled(None, float("-inf"), float("-inf"), max(last, 0))
    p, q = int(terms[last + 1]), int(terms[last])
    before = (int(terms[last]), int(terms[last - 1]))
    half = (int(terms[last // 2 + 1]), int(terms[last // 2]))
    digits = min(agreement(p, q, *before), agreement(p, q, *half))
    with mpmath.workdps(dps):
        x = [mpmath.mpf(int(terms[k + 1])) / int(terms[k]) for k in (last - 2, last - 1, last)]
        step, previous = abs(x[2] - x[1]), abs(x[1] - x[0])
        if step == 0:
            digits = float("inf")
        elif previous != 0 and x[2] != 0 and step / previous < mpmath.mpf("0.9"):
            r = step / previous
            digits = max(digits, float(-mpmath.log10(step * r / (1 - r) / abs(x[2]))))
    digits = min(digits, float(dps - GUARD_DIGITS))
    estimate = _ratio(p, q, dps)
    return Settled(estimate, digits, holds_at(estimate), last)


# -- recurrences ---------------------------------------------------------------------------

_MONOMIAL = re.compile(r"^(?:n(?:\^(\d+))?\*)?a\(n(?:\+(\d+))?\)$")


def parse_monomial(entry: str) -> tuple[int, int]:
    """ "n^2*a(n+1)" -> (power of n, shift) = (2, 1)."""
    match = _MONOMIAL.match(entry.replace(" ", ""))
    if match is None:
        raise ValueError(f"not a recurrence term: {entry!r}")
    power = match.group(1)
    if power is None:
        power = "1" if entry.replace(" ", "").startswith("n*") else "0"
    return int(power), int(match.group(2) or 0)


def recurrence_failure(
    basis: Sequence[str], relation: Sequence[int], offset: int, terms: Sequence[int]
) -> tuple[int | None, int]:
    """(first n where sum relation[k]·n^j_k·a(n+i_k) != 0, or None; equations checked),
    n the sequence's own index (terms[0] is a(offset))."""
    monomials = [parse_monomial(b) for b in basis]
    reach = max(i for _, i in monomials)
    checked = 0
    for k in range(len(terms) - reach):
        n = offset + k
        total = sum(
            int(r) * n**j * int(terms[k + i]) for r, (j, i) in zip(relation, monomials, strict=True)
        )
        if total != 0:
            return n, checked
        checked += 1
    return None, checked


def _recurrence(
    row: Mapping[str, Any], sequence: tuple[int, Sequence[int]] | None, base: dict[str, Any]
) -> Recheck:
    if sequence is None:
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason="sequence not found")
    offset, terms = sequence
    try:
        failure, checked = recurrence_failure(row["basis"], row["relation"], offset, terms)
    except ValueError as err:
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason=str(err))
    if checked == 0 and failure is None:
        return Recheck(**base, verdict=Verdict.UNCONFIRMABLE, reason="too few terms", depth=0)
    if failure is None:
        return Recheck(
            **base,
            verdict=Verdict.CONFIRMED,
            reason=f"holds on all {checked} equations (n from {offset})",
            depth=checked,
        )
    reason = f"fails at n = {failure} (a({failure}) is term {failure - offset} of the sequence)"
    if offset and recurrence_failure(row["basis"], row["relation"], 0, terms)[0] is None:
        reason += f"; it holds with n counted from 0, not from the sequence's offset {offset}"
    return Recheck(**base, verdict=Verdict.FALSE, reason=reason, depth=checked)


# -- frames -----------------------------------------------------------------------------

_SEQ_ID = re.compile(r"\(([^()\s]+)\)\s*$")


def subject_sequence_id(subject: str) -> str | None:
    """The seq_id in a sequence subject "name (seq_id)"."""
    match = _SEQ_ID.search(subject)
    return match.group(1) if match else None


def select(
    conjectures: pl.DataFrame, *, everything: bool = False, sample: int | None = None, seed: int = 0
) -> pl.DataFrame:
    """The rows to recheck: verified ones, sequence limits aside (``everything``: all
    rows), one per conjecture_id, in a fixed order; ``sample`` draws that many with
    ``seed`` (the same seed, the same rows)."""
    frame = conjectures.unique("conjecture_id", keep="first").sort("kind", "conjecture_id")
    if not everything:
        frame = frame.filter(
            (pl.col("status") == "verified") & (pl.col("kind") != "sequence_limit")
        )
    if sample is not None and sample < frame.height:
        picked = sorted(random.Random(seed).sample(range(frame.height), sample))
        frame = frame[picked]
    return frame


def sequence_ids(conjectures: pl.DataFrame) -> list[str]:
    """The sequences the recurrence and sequence_limit rows are about."""
    rows = conjectures.filter(pl.col("kind").is_in(["recurrence", "sequence_limit"]))
    return sorted({i for s in rows["subject"] if (i := subject_sequence_id(s)) is not None})


def recheck_frame(
    conjectures: pl.DataFrame,
    sequences: pl.DataFrame | None = None,
    *,
    accelerate: Accelerator | None = _UNSET,
    max_depth: int = MAX_DEPTH,
) -> list[Recheck]:
    """Recheck every row of ``conjectures`` (sequences: rows of the sequences table for
    the recurrence and sequence_limit subjects)."""
    known: dict[str, tuple[int, list[int]]] = {}
    if sequences is not None:
        for seq in sequences.iter_rows(named=True):
            terms = [int.from_bytes(t, "little", signed=True) for t in seq["terms"]]
            known[seq["seq_id"]] = (int(seq["offset"]), terms)
    out = []
    for row in conjectures.iter_rows(named=True):
        seq_id = subject_sequence_id(row["subject"])
        out.append(
            recheck_row(
                row,
                known.get(seq_id) if seq_id else None,
                accelerate=accelerate,
                max_depth=max_depth,
            )
        )
    return out


def summary(results: Sequence[Recheck]) -> str:
    """ "N rows: a confirmed, b false, c unconfirmable (pcf_limit: a confirmed; ...)": every
    class overall, the classes that occur per kind."""

    def counts(items: Sequence[Recheck], every: bool) -> str:
        found = [(v, sum(r.verdict == v for r in items)) for v in Verdict]
        return ", ".join(f"{count} {v}" for v, count in found if every or count)

    kinds = sorted({r.kind for r in results})
    per_kind = "; ".join(
        f"{k}: {counts([r for r in results if r.kind == k], False)}" for k in kinds
    )
    text = f"{len(results)} rows: {counts(results, True)}"
    return f"{text} ({per_kind})" if per_kind else text
