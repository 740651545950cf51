"""Trajectories of a conservative matrix field, one task's worth: each walked exactly to the
spec's depth (kernels.cmf), measured (limit, δ, digits per step), identified over the
spec's constants. A verified formula becomes a conjecture of kind cmf_trajectory: for a
2×2 field about its equivalent PCF (so the families stage can relate it to PCF
conjectures and to the formula library), for a larger field about the trajectory itself.

Identification is the PCF rules on the trajectory's own convergents (kernels.identify):
the Möbius lookup and the algebraic test from the limit estimate, then PSLQ over
[1, c, L, L·c] for each constant c; every candidate is borne out by a deeper exact estimate
and confirmed independently at twice the depth and precision. A trajectory's PCF is
identified the same way, from its own walk, not by mapping the trajectory's formula.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import mpmath

from conjectura.flows.stages.identify import mobius_table_for
from conjectura.flows.stages.rows import Row, conjecture_row
from conjectura.kernels.cmf import (
    Field,
    FieldError,
    TrajectoryLimit,
    equivalent_pcf,
    field_from_text,
    trajectory_matrix,
    trajectory_metrics,
)
from conjectura.kernels.exact import ExactLimit, LimitEstimate
from conjectura.kernels.fields import library_field
from conjectura.kernels.identify import (
    Identification,
    MobiusTable,
    check_precision,
    discover_on,
    identify_estimates,
)
from conjectura.kernels.space import pcf_id, trimmed
from conjectura.schemas.printing import formula_text, pcf_text, trajectory_id, trajectory_text
from conjectura.schemas.spec import CmfSpec
from conjectura.schemas.tables import ConjectureKind

DISCOVERY_MAX_COEFF = 10_000
"""Largest PSLQ coefficient for [1, c, L, L·c] (a relation must still pay for it: roi >= 2)."""

LOOKUP_DIGITS = 15
"""Digits of the limit estimate the float lookup reads (float64 holds no more)."""


def field_of(spec: CmfSpec) -> Field:
    """The spec's field: packaged, or parsed from its matrices (FieldError names a problem;
    conservativeness is checked by the caller, once per run)."""
    if spec.cmf is not None:
        try:
            return library_field(spec.cmf)
        except KeyError as err:
            raise FieldError(str(err.args[0])) from None
    assert spec.matrices is not None
    return field_from_text(spec.field_name, spec.matrices, source=f"spec {spec.name}")


def trajectory_rows(
    spec: CmfSpec,
    field: Field,
    directions: Sequence[tuple[int, ...]],
    expansions: Mapping[str, str],
    run_id: str,
) -> tuple[list[Row], list[Row]]:
    """(trajectories rows, conjecture rows) for ``directions`` from the spec's start."""
    table = mobius_table_for(tuple(spec.constants), spec.identify.mobius_bound, expansions)
    trajectories, conjectures = [], []
    for direction in directions:
        row, conjecture = _trajectory(spec, field, direction, table, run_id)
        trajectories.append(row)
        if conjecture is not None:
            conjectures.append(conjecture)
    return trajectories, conjectures


def _trajectory(
    spec: CmfSpec,
    field: Field,
    direction: tuple[int, ...],
    table: MobiusTable,
    run_id: str,
) -> tuple[Row, Row | None]:
    cmf, start, depth = spec.field_name, tuple(spec.start), spec.depth
    row: Row = {
        "trajectory_id": trajectory_id(cmf, direction, start),
        "trajectory": list(direction),
        "start": list(start),
        "axes": list(field.axes),
        "depth": depth,
        "run_id": run_id,
        "spec_hash": spec.spec_hash,
        "created_at": datetime.now(UTC),
    }
    try:
        matrix = trajectory_matrix(field, direction, start)
    except FieldError as err:
        return {**row, "status": "singular", "reason": str(err)}, None
    singular = matrix.singular_before(depth + 1)
    if singular is not None:
        kind = "a pole" if singular in matrix.poles else "a zero determinant"
        return {**row, "status": "singular", "reason": f"T(n) has {kind} at n = {singular}"}, None
    pcf = equivalent_pcf(matrix)
    if pcf is not None and not all(abs(c) < 2**63 for c in (*pcf[0], *pcf[1])):
        pcf = None  # beyond the table's int64 coefficients
    if pcf is not None:
        row["pcf_a_coeffs"], row["pcf_b_coeffs"] = trimmed(pcf[0]), trimmed(pcf[1])
    limit = TrajectoryLimit(matrix)
    limit.convergent(max(depth // 2, 1))  # N/2 first: the estimate's depths walk on from it
    with mpmath.workdps(check_precision(spec.identify.verify_digits)):
        estimate = limit.estimate(depth)
    metrics = trajectory_metrics(limit, depth)
    row.update(
        delta_naive=metrics.delta_naive,
        delta_fr=metrics.delta_fr,
        digits_per_step=metrics.digits_per_step,
        reason=metrics.reason,
    )
    if metrics.limit is None:
        return row, None
    row.update(limit=float(estimate.value), digits=round(estimate.digits, 2), method="exact")
    # identification walks deeper than the depth (its confirmation twice as deep as a
    # check): never past a singular point
    most = spec.identify.max_exact_depth
    deepest = matrix.singular_before(2 * most + 1)
    max_depth = most if deepest is None else min(most, (deepest - 1) // 2)
    found = identified(limit, estimate, spec, table, max_depth)
    if found is None:
        return row, None
    subject = trajectory_text(cmf, direction, start)
    row.update(
        formula=formula_text(subject, found.basis, found.relation, near=found.value),
        basis=list(found.basis),
        relation=list(found.relation),
        digits=round(found.digits, 2),
        status="verified" if found.verified else "numerical",
    )
    if not found.verified:
        return row, None
    if matrix.dimension > 2:  # no PCF: the conjecture states the trajectory's own limit
        conjecture = _conjecture_row(spec, subject, None, found, row["trajectory_id"], run_id)
        row["conjecture_id"] = conjecture["conjecture_id"]
        return row, conjecture
    if pcf is None:
        return row, None
    conjecture = _pcf_conjecture(spec, pcf, row["trajectory_id"], table, run_id)
    if conjecture is not None:
        row["conjecture_id"] = conjecture["conjecture_id"]
    return row, conjecture


def identified(
    limit: ExactLimit,
    estimate: LimitEstimate,
    spec: CmfSpec,
    table: MobiusTable,
    max_depth: int,
) -> Identification | None:
    """The lookup and the algebraic test on the estimate, then PSLQ per constant."""
    settings = spec.identify
    if estimate.digits >= 8:
        found = identify_estimates(
            limit,
            float(estimate.value),
            min(estimate.digits, LOOKUP_DIGITS),
            table=table,
            algebraic_degree=settings.algebraic_degree,
            algebraic_bound=settings.algebraic_bound,
            verify_digits=settings.verify_digits,
            max_exact_depth=max_depth,
        )
        if found is not None:
            return found
    return discover_on(
        limit,
        list(spec.constants),
        max_coeff=DISCOVERY_MAX_COEFF,
        search_digits=settings.verify_digits,
        max_exact_depth=max_depth,
    )


def _pcf_conjecture(
    spec: CmfSpec,
    pcf: tuple[list[int], list[int]],
    trajectory: str,
    table: MobiusTable,
    run_id: str,
) -> Row | None:
    """The verified trajectory's equivalent PCF, identified from its own walk. Its id
    covers the trajectory too: two trajectories with one PCF state it twice, each once."""
    a, b = trimmed(pcf[0]), trimmed(pcf[1])
    exact = ExactLimit(a, b)
    with mpmath.workdps(check_precision(spec.identify.verify_digits)):
        estimate = exact.estimate(spec.depth)
    found = identified(exact, estimate, spec, table, spec.identify.max_exact_depth)
    if found is None or not found.verified:
        return None
    return _conjecture_row(spec, pcf_text(a, b), (a, b), found, trajectory, run_id)


def _conjecture_row(
    spec: CmfSpec,
    subject: str,
    pcf: tuple[list[int], list[int]] | None,
    found: Identification,
    trajectory: str,
    run_id: str,
) -> Row:
    """A cmf_trajectory conjecture: about a PCF (2×2 fields) or the trajectory itself."""
    extra = {} if pcf is None else {"pcf_id": pcf_id(*pcf), "a_coeffs": pcf[0], "b_coeffs": pcf[1]}
    return conjecture_row(
        kind=ConjectureKind.CMF_TRAJECTORY,
        identity=[trajectory, subject, ",".join(found.basis), ",".join(map(str, found.relation))],
        detector=f"cmf:{found.detector}",
        run_id=run_id,
        subject=subject,
        basis=found.basis,
        relation=found.relation,
        formula=formula_text(subject, found.basis, found.relation, near=found.value),
        digits=round(found.digits, 2),
        status="verified",
        exact_depth=found.exact_depth,
        space=spec.label,
        **extra,
        pslq_confirmed=found.pslq_confirmed,
        method=found.method,
        basis_kind=found.basis_kind,
        roi=round(found.roi, 3),
        coefficient_bits=found.coefficient_bits,
        confirmation_digits=(
            None if found.confirmation_digits is None else round(found.confirmation_digits, 2)
        ),
    )
