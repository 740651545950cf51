"""ESMA throughput: forms processed per second on one core.

The forms of the example spec (e, degree 1, coefficients <= 2, sign periods 1 and 2):
plan (shift groups), then expand each group under every sign pattern at 500 digits,
Berlekamp-Massey, lift and validate on 1000 regenerated terms, as the ESMA task does.

    .venv/bin/python tests/benchmarks/bench_esma.py [--bound 2]
"""

from __future__ import annotations

import argparse
import time

from flint import ctx

from conjectura.flows.stages.esma import constant_ball, form_groups
from conjectura.kernels.constants import decimal_expansion
from conjectura.kernels.esma import Form, find_register, sign_patterns
from conjectura.schemas.spec import parse_spec


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bound", type=int, default=2)
    args = parser.parse_args()
    spec = parse_spec(
        f"name: bench\nfamily: esma\nconstants: [e]\ncoefficient_bound: {args.bound}\n",
        source="bench",
    )
    expansions = {"e": decimal_expansion("e")}
    with ctx.workdps(spec.digits):
        find_register(constant_ball("e", expansions), [1], terms=20)  # compile outside timing
        start = time.perf_counter()
        groups = form_groups(spec, expansions)
        c = constant_ball("e", expansions)
        found = 0
        for group in groups:
            constant, p, q, _ = group[0]
            x = Form(constant, p, q).value(c)
            for signs in sign_patterns(spec.periods):
                finding = find_register(x, signs, terms=spec.terms, validate_terms=1000)
                found += finding is not None
        seconds = time.perf_counter() - start
    forms = sum(len(g) for g in groups)
    patterns = len(sign_patterns(spec.periods))
    print(
        f"e, degree 1, |coefficients| <= {args.bound}, periods {spec.periods}: "
        f"{forms} forms in {len(groups)} shift groups, {patterns} sign patterns"
    )
    print(
        f"  {seconds:.2f} s on one core: {forms / seconds:,.1f} forms/s, "
        f"{len(groups) * patterns / seconds:,.1f} expansions/s; {found} registers validated"
    )


if __name__ == "__main__":
    main()
