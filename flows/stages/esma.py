"""ESMA: plan a constant's forms into shift groups; expand each group under every sign
pattern and keep the registers that validate (kernels.esma)."""

from __future__ import annotations

from collections.abc import Mapping

from flint import arb, ctx

from conjectura.flows.stages.rows import Row, conjecture_row
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
from conjectura.schemas.printing import esma_formula_text, rational_form_text
from conjectura.schemas.spec import EsmaSpec
from conjectura.schemas.tables import ConjectureKind

Group = list[tuple[str, tuple[int, ...], tuple[int, ...], int]]  # constant, p, q, offset


def form_groups(spec: EsmaSpec, expansions: Mapping[str, str]) -> list[Group]:
    """Forms without rationals and repeats, grouped by integer shift (one expansion each)."""
    with ctx.workdps(60):
        values = {name: constant_ball(name, expansions) for name in spec.constants}
        groups = shift_groups(
            enumerate_forms(spec.constants, spec.degree, spec.coefficient_bound), values
        )
    return [[(f.constant, f.p, f.q, offset) for f, offset in group] for group in groups]


def constant_ball(name: str, expansions: Mapping[str, str]) -> arb:
    """A constant (or product) as an arb ball at the current precision, from decimal
    expansions."""
    value = arb(1)
    for factor in library.factors(name):
        value *= arb(expansions[factor])
    return value


def esma_rows(
    spec: EsmaSpec, groups: list[Group], expansions: Mapping[str, str], run_id: str
) -> list[Row]:
    """Expand each group's first form under every sign pattern; every pattern whose
    register validates is a conjecture for each form of the group."""
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
                if finding is not None:
                    rows.extend(_group_rows(spec, group, finding, run_id))
    return rows


def _group_rows(spec: EsmaSpec, group: Group, finding: EsmaFinding, run_id: str) -> list[Row]:
    rows = []
    for constant, p, q, offset in group:
        subject = rational_form_text(p, q, constant)
        initial = [finding.initial_terms[0] + offset, *finding.initial_terms[1:]]
        pcf = polynomial_pcf(finding, initial[0])
        degree = len(p) - 1
        powers = ["1", *("*".join([constant] * k) for k in range(1, degree + 1))]
        basis = [*powers, *(f"L*{b}" if b != "1" else "L" for b in powers)]
        shown = extend(initial[1:], finding.register, 6)
        rows.append(
            conjecture_row(
                kind=ConjectureKind.ESMA_CF,
                identity=[subject, str(finding.signs), str(finding.register)],
                detector="esma",
                run_id=run_id,
                subject=subject,
                basis=basis,
                relation=[*p, *(-v for v in q)],  # P(c) - L·Q(c) = 0, L the CF's value
                formula=esma_formula_text(
                    subject, initial[0], shown, finding.register, finding.signs
                ),
                # as far as it is known: below the working precision less guard digits,
                # and no further than the regenerated CF has settled (kernels.esma.validate)
                digits=round(finding.digits, 2),
                # find_register keeps only registers that reach want_digits
                status="verified",
                exact_depth=finding.terms_checked,
                method="exact",  # the CF's value is exact, from regenerated integer terms
                basis_kind="esma",
                space=spec.label,
                a_coeffs=pcf[0] if pcf else None,
                b_coeffs=pcf[1] if pcf else None,
                signs=list(finding.signs),
                initial_terms=initial,
                recurrence=list(finding.register),
            )
        )
    return rows
