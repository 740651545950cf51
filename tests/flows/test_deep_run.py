"""The deep relation search inside a real PCF run: PCF(11n^2+11n+3, n^4) = 30/pi^2 with
constants [pi] only (examples/zeta2.yaml, cut to two PCFs) comes out of the flow as a
verified power-basis conjecture, checked here against mpmath's pi and plain-integer
convergents."""

from __future__ import annotations

from pathlib import Path

import mpmath
import polars as pl
import pytest

from conjectura.catalog.store import Catalog
from conjectura.schemas.spec import PcfSpec, parse_spec
from conjectura.schemas.tables import TableKind
from tests.conftest import plain_convergent

pytestmark = pytest.mark.integration

SPEC = """
name: zeta2-tiny
family: pcf
a: [[3, 4], 11, 11]
b: [0, 0, 0, 0, 1]
depth: 1000
constants: [pi]
identify: {verify_digits: 100}
"""


def test_the_zeta2_fraction_is_found_by_the_deep_search(prefect_api, tmp_path: Path) -> None:
    from conjectura.flows.pcf import pcf_search
    from conjectura.flows.runs import new_run_id

    spec = parse_spec(SPEC, source="zeta2-tiny")
    assert isinstance(spec, PcfSpec)
    summary = pcf_search(
        spec=spec, catalog_root=str(tmp_path), run_id=new_run_id(), show_progress=False
    )
    assert summary["pcfs"] == 2
    rows = (
        Catalog(tmp_path)
        .scan(TableKind.CONJECTURES)
        .filter(pl.col("a_coeffs") == [3, 11, 11])
        .collect()
        .to_dicts()
    )
    assert len(rows) == 1
    (row,) = rows
    assert row["detector"] == "deep" and row["basis_kind"] == "powers"
    assert row["method"] == "exact" and row["status"] == "verified"
    assert row["digits"] >= 100 and row["confirmation_digits"] >= 100 and row["roi"] >= 2
    assert row["formula"] == "PCF(11n^2+11n+3, n^4) = 30/pi^2"

    exact = plain_convergent([3, 11, 11], [0, 0, 0, 0, 1], 300)  # about 2.1 digits a term
    with mpmath.workdps(400):
        limit = mpmath.mpf(exact.numerator) / exact.denominator
        entries = {"1": mpmath.mpf(1), "L": limit, "pi": +mpmath.pi}
        terms = []
        for coefficient, entry in zip(row["relation"], row["basis"], strict=True):
            term = mpmath.mpf(coefficient)
            for factor in entry.split("*"):
                term *= entries[factor]
            terms.append(term)
        residual = abs(mpmath.fsum(terms)) / mpmath.fsum(abs(t) for t in terms)
        assert residual < mpmath.mpf(10) ** -row["digits"]
        assert abs(limit - 30 / mpmath.pi**2) < mpmath.mpf(10) ** -300
