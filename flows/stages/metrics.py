"""Convergence-dynamics metrics of screened PCFs (exact walks, kernels.dynamics)."""

from __future__ import annotations

from conjectura.flows.stages.rows import Columns
from conjectura.kernels.dynamics import Dynamics, dynamics, mirrored
from conjectura.schemas.spec import PcfSpec
from conjectura.schemas.tables import DYNAMICS_FIELDS

_ATTRIBUTE = {"metrics_depth": "depth", "metrics_reason": "reason"}
"""Columns whose Dynamics attribute has another name."""


def metrics_columns(
    spec: PcfSpec, a_lists: list[list[int]], b_lists: list[list[int]], converged: list[bool]
) -> Columns:
    """The metric columns of the converged rows (all null when the spec asks for none).

    A PCF and its mirror PCF(−a, b) share their metrics, so each pair is walked once."""
    names = [f.name for f in DYNAMICS_FIELDS]
    columns: Columns = {name: [None] * len(a_lists) for name in names}
    if spec.dynamics is None:
        return columns
    walked: dict[tuple[tuple[int, ...], tuple[int, ...]], Dynamics] = {}
    for i, ok in enumerate(converged):
        if not ok:
            continue
        a, b = a_lists[i], b_lists[i]
        mirror = (tuple(-c for c in a), tuple(b))
        if mirror in walked:
            metrics = mirrored(walked[mirror], a, b)
        else:
            metrics = dynamics(a, b, spec.dynamics.depth)
            walked[(tuple(a), tuple(b))] = metrics
        for name in names:
            columns[name][i] = getattr(metrics, _ATTRIBUTE.get(name, name))
    return columns
