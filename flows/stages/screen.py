"""Screening a shard: enumerate its PCFs and walk them in float64 (the numba kernel)."""

from __future__ import annotations

import numpy as np

from conjectura.flows.plan import Shard
from conjectura.flows.stages.metrics import metrics_columns
from conjectura.flows.stages.rows import Columns
from conjectura.kernels.screen import CONVERGED, STATUS_NAMES, screen_pcfs
from conjectura.kernels.space import coefficients_at, pcf_id, trimmed
from conjectura.schemas.spec import PcfSpec


def screened_columns(spec: PcfSpec, shard: Shard) -> Columns:
    """The shard's ``pcf`` rows: status, float64 limit and digits, and the exact dynamics
    metrics of the converged rows when the spec asks for them."""
    rows = np.concatenate(
        [coefficients_at(spec.coefficient_ranges, start, stop) for start, stop in shard.ranges]
    )
    a_rows, b_rows = rows[:, : len(spec.a)], rows[:, len(spec.a) :]
    status, limit, digits = screen_pcfs(a_rows, b_rows, spec.depth)
    a_lists = [trimmed(r) for r in a_rows.tolist()]
    b_lists = [trimmed(r) for r in b_rows.tolist()]
    converged = status == CONVERGED
    columns = {
        "id": [pcf_id(a, b) for a, b in zip(a_lists, b_lists, strict=True)],
        "a_coeffs": a_lists,
        "b_coeffs": b_lists,
        "depth": [spec.depth] * len(a_lists),
        "status": [STATUS_NAMES[s] for s in status.tolist()],
        "limit": np.where(converged, limit, np.nan).tolist(),
        "digits": np.where(converged, digits, np.nan).tolist(),
        "shard": [shard.shard_id] * len(a_lists),
    }
    return columns | metrics_columns(spec, a_lists, b_lists, converged.tolist())
