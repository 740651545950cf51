"""The ESMA stage: plan a constant's forms into shards, expand and validate them."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from typing import Any

from flint import arb, ctx

from conjectura.catalog.store import Catalog
from conjectura.kernels import constants as library
from conjectura.kernels.esma import (
    EsmaFinding,
    Form,
    enumerate_forms,
    extend,
    find_register,
    polynomial_pcf,
    shift_groups,
    sign_patterns,
)
from conjectura.schemas.spec import EsmaSpec
from conjectura.schemas.tables import CONJECTURES

Group = list[tuple[str, tuple[int, ...], tuple[int, ...], int]]  # constant, p, q, offset


def plan_groups(spec: EsmaSpec, expansions: dict[str, str]) -> list[Group]:
    """Forms without rationals and repeats, grouped by integer shift (one expansion each)."""
    with ctx.workdps(60):
        values = {
            name: arb(library.value_of(name, expansions).__str__()) for name in spec.constants
        }
        groups = shift_groups(
            enumerate_forms(spec.constants, spec.degree, spec.coefficient_bound), values
        )
    return [[(f.constant, f.p, f.q, offset) for f, offset in group] for group in groups]


def constant_ball(name: str, expansions: dict[str, str]) -> arb:
    """A constant (or product) as an arb ball at the current precision, from the catalog's
    decimal expansions."""
    value = arb(1)
    for factor in library.factors(name):
        value *= arb(expansions[factor])
    return value


def shard_key(spec: EsmaSpec, index: int) -> str:
    return f"{spec.label}-esma-{index:05d}"


def esma_shard(
    spec: EsmaSpec, index: int, groups: list[Group], catalog_root: str, run_id: str
) -> dict[str, Any]:
    """Expand each group's first form under every sign pattern; commit what validates."""
    catalog = Catalog(catalog_root)
    expansions = catalog.constant_expansions()
    started = time.perf_counter()
    rows = []
    with ctx.workdps(spec.digits):
        constants = {n: constant_ball(n, expansions) for n in spec.constants}
        for group in groups:
            constant, p, q, _ = group[0]
            x = Form(constant, p, q).value(constants[constant])
            for signs in sign_patterns(spec.periods):
                finding = find_register(
                    x,
                    signs,
                    terms=spec.terms,
                    max_register_fraction=spec.max_register_fraction,
                    validate_terms=spec.validate_terms,
                    want_digits=spec.want_digits,
                )
                if finding is not None:  # every pattern that validates is its own formula
                    rows.extend(_rows(spec, group, finding, run_id))
    columns = {name: [r.get(name) for r in rows] for name in CONJECTURES.schema.names}
    catalog.commit(CONJECTURES, columns, partition={"kind": "esma_cf"}, key=shard_key(spec, index))
    return {
        "shard": index,
        "groups": len(groups),
        "conjectures": len(rows),
        "seconds": time.perf_counter() - started,
    }


def _rows(spec: EsmaSpec, group: Group, finding: EsmaFinding, run_id: str) -> list[dict]:
    rows = []
    for constant, p, q, offset in group:
        form = Form(constant, p, q)
        initial = [finding.initial_terms[0] + offset, *finding.initial_terms[1:]]
        pcf = polynomial_pcf(finding, initial[0])
        degree = len(p) - 1
        powers = ["1", *("*".join([constant] * k) for k in range(1, degree + 1))]
        basis = [*powers, *(f"L*{b}" if b != "1" else "L" for b in powers)]
        relation = [*p, *(-v for v in q)]  # P(c) - L·Q(c) = 0, L the CF's value
        key = f"esma_cf|{form.text}|{finding.signs}|{finding.register}"
        rows.append(
            {
                "conjecture_id": hashlib.sha256(key.encode()).hexdigest()[:16],
                "detector": "esma",
                "run_id": run_id,
                "created_at": datetime.now(UTC),
                "subject": form.text,
                "pcf_id": None,
                "space": spec.label,
                "a_coeffs": pcf[0] if pcf else None,
                "b_coeffs": pcf[1] if pcf else None,
                "basis": basis,
                "relation": relation,
                "formula": _formula(form.text, initial, finding),
                "digits": round(finding.digits, 2),
                "status": "verified" if finding.digits >= spec.want_digits else "numerical",
                "exact_depth": finding.terms_checked,
                "pslq_confirmed": None,
                "signs": list(finding.signs),
                "initial_terms": initial,
                "recurrence": list(finding.register),
            }
        )
    return rows


def _formula(subject: str, initial: list[int], finding: EsmaFinding) -> str:
    shown = ", ".join(map(str, extend(initial[1:], finding.register, 6)))
    signs = "".join("+" if s > 0 else "-" for s in finding.signs)
    terms = []
    for j, r in enumerate(finding.register[1:], start=1):
        if r:
            coefficient = -r
            magnitude = "" if abs(coefficient) == 1 else f"{abs(coefficient)}"
            sign = "-" if coefficient < 0 else "+"
            terms.append(
                f"{sign} {magnitude}a(n-{j})"
                if terms
                else f"{'-' if coefficient < 0 else ''}{magnitude}a(n-{j})"
            )
    lead = finding.register[0]
    rule = " ".join(terms) if lead == 1 else f"({' '.join(terms)})/{lead}"
    return f"{subject} = [{initial[0]}; {shown}, ...] signs ({signs}), a(n) = {rule}"
