"""The cmf stage on real walks: the ζ(3) field's diagonal is verified with Apéry's δ, its
equivalent PCF is a member of Apéry's family by a checked certificate, a singular
trajectory is recorded as such, and a user field given by its matrices runs the same way."""

from __future__ import annotations

import pytest

from conjectura.flows.stages.cmf import field_of, trajectory_rows
from conjectura.flows.stages.constants import constant_columns, needed_constants
from conjectura.kernels.equivalence import certificate_holds, find_certificate
from conjectura.kernels.formulas import load_library
from conjectura.schemas.spec import parse_spec
from conjectura.schemas.tables import TRAJECTORIES, ConjectureKind

SPEC = """name: zeta3-stage
family: cmf
cmf: zeta3
trajectories: [[1, 1], [1, -1]]
start: [1, 1]
depth: 2000
constants: [zeta3]
"""


def expansions(names: list[str]) -> dict[str, str]:
    columns = constant_columns(needed_constants(names))
    return dict(zip(columns["name"], columns["value"], strict=True))


@pytest.fixture(scope="module")
def rows():
    spec = parse_spec(SPEC, source="test")
    return spec, trajectory_rows(
        spec, field_of(spec), spec.planned_directions(), expansions(["zeta3"]), "run-1"
    )


def test_the_zeta3_diagonal_is_a_verified_zeta3_formula_with_aperys_delta(rows) -> None:
    spec, (trajectories, _) = rows
    diagonal = next(r for r in trajectories if r["trajectory"] == [1, 1])
    assert diagonal["status"] == "verified"
    assert "zeta3" in diagonal["basis"] and diagonal["digits"] >= spec.identify.verify_digits
    assert diagonal["delta_fr"] == pytest.approx(0.086, abs=0.002)
    assert diagonal["trajectory_id"] == "zeta3:1,1@1,1" and diagonal["start"] == [1, 1]
    assert set(diagonal) <= set(TRAJECTORIES.schema.names)


def test_its_pcf_is_in_aperys_family_by_a_certificate(rows) -> None:
    _, (trajectories, conjectures) = rows
    diagonal = next(r for r in trajectories if r["trajectory"] == [1, 1])
    (conjecture,) = conjectures
    assert conjecture["kind"] == ConjectureKind.CMF_TRAJECTORY
    assert conjecture["status"] == "verified" and conjecture["relation"]
    assert diagonal["conjecture_id"] == conjecture["conjecture_id"]
    member = (tuple(diagonal["pcf_a_coeffs"]), tuple(diagonal["pcf_b_coeffs"]))
    apery = next(f for f in load_library() if f.name == "apery-6-over-zeta3")
    rep = (apery.a_coeffs, apery.b_coeffs)
    certificate = find_certificate(member, rep)
    assert certificate is not None and certificate_holds(member, rep, certificate)


def test_a_singular_trajectory_is_recorded_not_raised(rows) -> None:
    _, (trajectories, _) = rows
    back = next(r for r in trajectories if r["trajectory"] == [1, -1])
    assert back["status"] == "singular" and "n = 0" in back["reason"]
    assert back.get("limit") is None and back.get("delta_fr") is None


def test_a_user_field_runs_like_a_library_one() -> None:
    """Brouncker's PCF(2n+1, n^2) as a one-axis field in companion form: 4/pi."""
    spec = parse_spec(
        """name: brouncker
family: cmf
matrices: {x: [[0, "x**2"], [1, "2*x + 1"]]}
trajectories: [[1]]
start: [1]
depth: 1000
constants: [pi]
""",
        source="test",
    )
    (row,), _ = trajectory_rows(
        spec, field_of(spec), spec.planned_directions(), expansions(["pi"]), "run-2"
    )
    assert row["pcf_a_coeffs"] == [1, 2] or row["pcf_a_coeffs"] == [3, 2]
    assert row["limit"] is not None and row["reason"] is None
    assert spec.field_name.startswith("brouncker-")
