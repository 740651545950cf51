"""The families stage on hand-made conjectures: which PCFs join a family, by what
certificate, known or new, trivial or not; every certificate re-checked here with sympy,
independently of kernels.equivalence."""

from __future__ import annotations

import json

import mpmath
import polars as pl
import pytest
import sympy

from conjectura.flows.stages.families import basis_group, family_id_of, family_rows
from conjectura.kernels.formulas import LibraryFormula

n = sympy.Symbol("n")

MOBIUS_PI = ["1", "pi", "L", "L*pi"]


def conjecture(cid: str, a: list[int], b: list[int], basis: list[str], relation: list[int]):
    return {
        "conjecture_id": cid,
        "space": "test-space",
        "pcf_id": abs(hash(cid)) % 10**9,
        "a_coeffs": a,
        "b_coeffs": b,
        "basis": basis,
        "relation": relation,
        "formula": cid,
        "digits": 60.0,
        "status": "verified",
        "limit": None,
        "delta_fr": None,
    }


BROUNCKER = conjecture("brouncker", [1, 2], [0, 0, 1], MOBIUS_PI, [4, 0, 0, -1])  # 4/pi
MIRROR = conjecture("mirror", [-1, -2], [0, 0, 1], MOBIUS_PI, [4, 0, 0, 1])  # -4/pi
# PCF(2n+3, n^2+2n+1) = -pi/(pi - 4): Brouncker shifted by one (its tail)
SHIFT = conjecture("shift", [3, 2], [1, 2, 1], MOBIUS_PI, [0, 1, -4, 1])
EULER = conjecture("euler", [0, 1], [0, 1], ["1", "e", "L", "L*e"], [1, 0, 1, -1])  # 1/(e-1)
GOLDEN = conjecture("golden", [1], [1], ["1", "L", "L*L"], [-1, -1, 1])
# 4/(3pi - 8) = PCF(3n+3, -2n^2+n): another rate class than Brouncker's
RAMANUJAN_MACHINE = conjecture("rm", [3, 3], [0, 1, -2], MOBIUS_PI, [4, 0, 8, -3])


def frame(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows))


def library_formula(name: str, a, b, limit: str, constant: str | None, trivial=None):
    return LibraryFormula(
        name=name,
        a_coeffs=tuple(a),
        b_coeffs=tuple(b),
        limit=limit,
        constant=constant,
        trivial=trivial,
        source="test",
        family=None,
    )


LIBRARY = [library_formula("brouncker", [1, 2], [0, 0, 1], "4/pi", "pi")]


def independently_holds(row: dict) -> bool:
    """M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k), det U not 0: sympy on the stored text."""
    certificate = json.loads(row["certificate"])
    u = sympy.Matrix([[sympy.sympify(e, locals={"n": n}) for e in r] for r in certificate["U"]])
    c = sympy.sympify(certificate["c"], locals={"n": n})
    k = int(certificate["shift"])

    def poly(coefficients, at):
        return sum(x * at**i for i, x in enumerate(coefficients))

    def matrix(a, b, at):
        return sympy.Matrix([[0, poly(b, at)], [1, poly(a, at)]])

    left = matrix(row["a_coeffs"], row["b_coeffs"], n) * u.subs(n, n + 1)
    right = c * u * matrix(row["rep_a_coeffs"], row["rep_b_coeffs"], n + k)
    difference = (left - right).applyfunc(sympy.cancel)
    return difference == sympy.zeros(2, 2) and sympy.cancel(u.det()) != 0


def value_of(a, b, depth=400) -> mpmath.mpf:
    tail = mpmath.mpf(sum(x * depth**i for i, x in enumerate(a)))
    for k in range(depth, 0, -1):
        tail = (
            sum(x * (k - 1) ** i for i, x in enumerate(a))
            + sum(x * k**i for i, x in enumerate(b)) / tail
        )
    return tail


def test_basis_group_names_the_constants_of_a_relation() -> None:
    assert basis_group(MOBIUS_PI) == ("pi",)
    assert basis_group(["1", "e*e", "L", "L*e*e"]) == ("e*e",)
    assert basis_group(["1", "L", "L*L"]) == ("algebraic",)
    assert basis_group(["1", "pi", "log2", "L"]) == ("log2", "pi")


def test_mirror_and_shift_join_brouncker_and_every_certificate_checks() -> None:
    found = family_rows(frame(BROUNCKER, MIRROR, SHIFT, EULER), {}, LIBRARY, "run-1")
    rows = {r["conjecture_id"]: r for r in found.rows}
    assert len(rows) == 4
    family = rows["brouncker"]["family_id"]
    assert family == family_id_of(((1, 2), (0, 0, 1)))
    assert rows["mirror"]["family_id"] == rows["shift"]["family_id"] == family
    assert rows["euler"]["family_id"] != family
    assert rows["brouncker"]["kind"] == "representative"
    assert rows["mirror"]["kind"] == "mirror"
    assert rows["shift"]["kind"] == "shift"
    assert json.loads(rows["brouncker"]["certificate"]) == {
        "U": [["1", "0"], ["0", "1"]],
        "c": "1",
        "shift": 0,
    }
    for row in found.rows:
        assert independently_holds(row), row
        # the limit map sends the representative's value onto the member's
        (t11, t12), (t21, t22) = row["limit_map"]
        with mpmath.workdps(40):
            rep = value_of(row["rep_a_coeffs"], row["rep_b_coeffs"])
            member = value_of(row["a_coeffs"], row["b_coeffs"])
            # Brouncker converges like 1/n^2: compare to the digits depth 400 gives
            assert abs((t11 * rep + t12) / (t21 * rep + t22) - member) < 1e-4


def test_known_new_and_known_constant_from_the_library() -> None:
    found = family_rows(frame(BROUNCKER, SHIFT, EULER, RAMANUJAN_MACHINE), {}, LIBRARY, "r")
    notes = {r["conjecture_id"]: r for r in found.annotations.iter_rows(named=True)}
    assert notes["brouncker"]["known"] == "brouncker" == notes["shift"]["known"]
    assert notes["brouncker"]["novelty"] == "known"
    # a pi limit, no certificate to the library's pi formula: a new PCF for a known constant
    assert notes["rm"]["known"] is None and notes["rm"]["novelty"] == "known-constant-new-pcf"
    # the library has no e formula here: new
    assert notes["euler"]["novelty"] == "new"
    assert all(note["trivial"] is None for note in notes.values())


def test_constant_coefficients_are_trivial() -> None:
    found = family_rows(frame(GOLDEN, BROUNCKER), {}, LIBRARY, "r")
    notes = {r["conjecture_id"]: r for r in found.annotations.iter_rows(named=True)}
    assert notes["golden"]["trivial"] == "quadratic irrational from constant coefficients"
    assert notes["brouncker"]["trivial"] is None


def test_library_family_marked_trivial_makes_its_members_trivial() -> None:
    family = library_formula(
        "sqrt-family[m=5]", [1, 2], [5, 0, -1], "sqrt(5)", None, "one-parameter family"
    )
    # PCF(-2n-1, 5 - n^2) = -sqrt5: the mirror of the library member
    sqrt5 = conjecture("sqrt5", [-1, -2], [5, 0, -1], ["1", "L", "L*L"], [-5, 0, 1])
    found = family_rows(frame(sqrt5), {}, [family], "r")
    note = found.annotations.row(0, named=True)
    assert note["known"] == "sqrt-family[m=5]" and note["trivial"].startswith("one-parameter")


def test_a_member_whose_claimed_limit_the_map_contradicts_is_left_on_its_own() -> None:
    # the shift's relation claims pi/(pi - 4), the negative of its value: the certificate
    # holds, but the limit map does not send 4/pi there, so no family holds the claim
    wrong = {**SHIFT, "conjecture_id": "wrong", "relation": [0, 1, 4, -1]}
    found = family_rows(frame(BROUNCKER, wrong), {}, LIBRARY, "r")
    rows = {r["conjecture_id"]: r for r in found.rows}
    assert rows["wrong"]["family_id"] != rows["brouncker"]["family_id"]
    assert rows["wrong"]["kind"] == "representative"


def test_the_representative_is_the_simplest_member_whatever_the_input_order() -> None:
    for order in ([SHIFT, MIRROR, BROUNCKER], [BROUNCKER, SHIFT, MIRROR]):
        found = family_rows(frame(*order), {}, [], "r")
        assert {r["rep_a_coeffs"] == [1, 2] for r in found.rows} == {True}


@pytest.mark.parametrize("delta", [-0.19, None])
def test_stored_deltas_are_used_and_reported(delta) -> None:
    found = family_rows(frame(BROUNCKER), {BROUNCKER["pcf_id"]: delta}, [], "r")
    stored = found.rows[0]["delta"]
    assert stored == delta if delta is not None else stored is not None  # walked here


def test_a_certificate_whose_limit_map_fails_does_not_join_a_family() -> None:
    # PCF(-4, n^2) = -6/(3pi - 8) and PCF(2, n^2) = -2/(pi - 4) converge like powers of n.
    # A degree-4 U (det -9) relates their matrices exactly, yet its T sends -2/(pi - 4) to
    # 0.344..., not -4.21...: U(N) grows faster than the columns of the slow product agree;
    # a degree-2 U relates them with a map that holds.
    from conjectura.kernels.equivalence import Certificate, certificate_holds, limit_map

    u = [
        ["-32*n**3 - 16*n**2 + 2*n + 3", "-32*n**4 - 32*n**3 - 10*n**2"],
        ["-32*n**2 + 32*n - 10", "-32*n**3 + 16*n**2 + 2*n - 3"],
    ]
    certificate = Certificate.from_json(json.dumps({"U": u, "c": "1", "shift": 0}))
    member, rep = ((-4,), (0, 0, 1)), ((2,), (0, 0, 1))
    assert certificate_holds(member, rep, certificate)
    (t11, t12), (t21, t22) = limit_map(member, rep, certificate)
    with mpmath.workdps(30):
        l_rep, l_member = -2 / (mpmath.pi - 4), -6 / (3 * mpmath.pi - 8)
        assert abs((t11 * l_rep + t12) / (t21 * l_rep + t22) - l_member) > 1
        slow_rep = conjecture("rep", [2], [0, 0, 1], MOBIUS_PI, [2, 0, -4, 1])
        slow_member = conjecture("member", [-4], [0, 0, 1], MOBIUS_PI, [6, 0, -8, 3])
        # the stage refuses that map and falls back to a lower degree, whose map holds
        found = family_rows(frame(slow_rep, slow_member), {}, [], "r", max_degree=4)
        rows = {row["conjecture_id"]: row for row in found.rows}
        assert rows["member"]["family_id"] == rows["rep"]["family_id"]
        assert json.loads(rows["member"]["certificate"])["U"] != u
        (t11, t12), (t21, t22) = rows["member"]["limit_map"]
        assert abs((t11 * l_rep + t12) / (t21 * l_rep + t22) - l_member) < 1e-20
