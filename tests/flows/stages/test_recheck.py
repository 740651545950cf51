"""flows.stages.recheck: hand-made conjecture rows classed confirmed, false or unconfirmable
by the separate code path (plain integers, fresh mpmath constants)."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import mpmath
import polars as pl
import pytest

from conjectura.flows.stages import recheck
from conjectura.flows.stages.recheck import Verdict, recheck_frame, recheck_row

PI_BASIS = ["1", "pi", "L", "L*pi"]


def pcf_row(a: list[int], b: list[int], relation: list[int], digits: float, **extra) -> dict:
    row = {
        "conjecture_id": "c-" + "-".join(map(str, relation)),
        "kind": "pcf_limit",
        "formula": f"PCF({a}, {b})",
        "status": "verified",
        "method": None,
        "subject": "PCF",
        "a_coeffs": a,
        "b_coeffs": b,
        "basis": PI_BASIS,
        "relation": relation,
        "digits": digits,
    }
    row.update(extra)
    return row


def esma_row(
    initial: list[int],
    register: list[int],
    signs: list[int],
    relation: list[int],
    basis: list[str],
    digits: float = 100.0,
) -> dict:
    return {
        "conjecture_id": "esma",
        "kind": "esma_cf",
        "formula": "esma",
        "status": "verified",
        "method": None,
        "subject": "x",
        "a_coeffs": None,
        "b_coeffs": None,
        "basis": basis,
        "relation": relation,
        "digits": digits,
        "initial_terms": initial,
        "recurrence": register,
        "signs": signs,
    }


def sequence_row(kind: str, basis: list[str], relation: list[int], digits: float) -> dict:
    return {
        "conjecture_id": f"{kind}-row",
        "kind": kind,
        "formula": kind,
        "status": "verified" if kind == "recurrence" else "numerical",
        "method": None,
        "subject": "fib (0123456789abcdef)",
        "a_coeffs": None,
        "b_coeffs": None,
        "basis": basis,
        "relation": relation,
        "digits": digits,
    }


def fibonacci(count: int) -> list[int]:
    terms = [0, 1]
    while len(terms) < count:
        terms.append(terms[-1] + terms[-2])
    return terms


# -- PCF limits ------------------------------------------------------------------------------


def test_4_over_pi_is_confirmed() -> None:
    # PCF(2n+1, n^2) = 4/pi: 4 - L*pi = 0
    result = recheck_row(pcf_row([1, 2], [0, 0, 1], [4, 0, 0, -1], 50))
    assert result.verdict is Verdict.CONFIRMED, result.reason
    assert result.settled >= 49 and result.holds >= 49


def test_a_cmf_trajectorys_pcf_is_rechecked_like_a_pcf_limit() -> None:
    """Apéry's PCF from the ζ(3) field's diagonal: 6 - L·zeta3 = 0 over [1, zeta3, L, L*zeta3]."""
    row = {
        **pcf_row([5, 27, 51, 34], [0, 0, 0, 0, 0, 0, -1], [6, 0, 0, -1], 50),
        "kind": "cmf_trajectory",
        "basis": ["1", "zeta3", "L", "L*zeta3"],
    }
    assert recheck_row(row).verdict is Verdict.CONFIRMED
    wrong = {**row, "relation": [5, 0, 0, -1]}
    assert recheck_row(wrong).verdict is Verdict.FALSE
    larger = {**row, "a_coeffs": None, "b_coeffs": None}  # a 3x3 field's trajectory
    assert recheck_row(larger).verdict is Verdict.UNCONFIRMABLE


def test_a_wrong_relation_on_a_settled_estimate_is_false() -> None:
    result = recheck_row(pcf_row([1, 2], [0, 0, 1], [3, 0, 0, -1], 50))
    assert result.verdict is Verdict.FALSE
    assert result.settled >= 55  # settled well past the claim
    assert result.holds < 2  # 3/pi is not 4/pi in the first digit


def test_a_relation_true_to_fewer_digits_than_claimed_is_false() -> None:
    # L = N/10^25 with N = floor(4/pi·10^25): holds to about 25 digits, not 50
    with mpmath.workdps(60):
        numerator = int(mpmath.floor(4 / mpmath.pi * 10**25))
    row = pcf_row([1, 2], [0, 0, 1], [-numerator, 10**25], 50, basis=["1", "L"])
    result = recheck_row(row)
    assert result.verdict is Verdict.FALSE
    assert 23 < result.holds < 27
    honest = recheck_row({**row, "digits": 20.0})
    assert honest.verdict is Verdict.CONFIRMED


def test_brouncker_claiming_50_digits_is_unconfirmable_not_false() -> None:
    # PCF(2, (2n-1)^2) = 1 + 4/pi: 4 + pi - L*pi = 0, true, but polynomially slow
    row = pcf_row([2], [1, -4, 4], [4, 1, 0, -1], 50)
    result = recheck_row(row)
    assert result.verdict is Verdict.UNCONFIRMABLE
    assert result.settled < 20
    # the same slow walk confirms the few digits it does reach
    assert recheck_row({**row, "digits": 3.0}).verdict is Verdict.CONFIRMED
    # and a wrong constant term is not called false either: nothing settled that far
    wrong = recheck_row({**row, "relation": [5, 1, 0, -1]})
    assert wrong.verdict is Verdict.UNCONFIRMABLE


def test_the_walk_stops_at_the_depth_cap() -> None:
    result = recheck_row(pcf_row([1, 2], [0, 0, 1], [4, 0, 0, -1], 500), max_depth=64)
    assert result.depth <= 64
    assert result.verdict is Verdict.UNCONFIRMABLE


def test_products_and_powers_of_constants_in_the_basis() -> None:
    # PCF(11n^2+11n+3, n^4) = 30/pi^2: 30 - L*pi^2 = 0, once as pi^2 and once as pi*pi
    for entry in ("L*pi^2", "L*pi*pi"):
        row = pcf_row([3, 11, 11], [0, 0, 0, 0, 1], [30, -1], 60, basis=["1", entry])
        assert recheck_row(row).verdict is Verdict.CONFIRMED
    # (1 + sqrt5)/2 from PCF(1, 1) as a quadratic: L^2 - L - 1 = 0
    golden = pcf_row([1], [1], [-1, -1, 1], 40, basis=["1", "L", "L*L"])
    assert recheck_row(golden).verdict is Verdict.CONFIRMED


def test_an_unknown_constant_is_unconfirmable() -> None:
    row = pcf_row([1, 2], [0, 0, 1], [4, 0, 0, -1], 50, basis=["1", "my_g", "L", "L*my_g"])
    result = recheck_row(row)
    assert result.verdict is Verdict.UNCONFIRMABLE
    assert "my_g" in result.reason


# -- accelerated rows --------------------------------------------------------------------------


def fake_accelerator(a, b, depth, dps):
    """1 + 4/pi with an error of depth^-12: two depths agree to about 12·log10(depth)."""
    with mpmath.workdps(dps):
        return (1 + 4 / mpmath.pi + mpmath.mpf(depth) ** -12, 0.0)


def test_accelerated_rows_are_rerun_through_the_accelerator() -> None:
    row = pcf_row([2], [1, -4, 4], [4, 1, 0, -1], 30, method="accelerated")
    assert recheck_row(row, accelerate=fake_accelerator).verdict is Verdict.CONFIRMED
    wrong = recheck_row({**row, "relation": [5, 1, 0, -1]}, accelerate=fake_accelerator)
    assert wrong.verdict is Verdict.FALSE


def test_accelerated_rows_without_an_accelerator_are_unconfirmable() -> None:
    row = pcf_row([2], [1, -4, 4], [4, 1, 0, -1], 30, method="accelerated")
    result = recheck_row(row, accelerate=None)
    assert result.verdict is Verdict.UNCONFIRMABLE
    assert "accelerat" in result.reason
    silent = recheck_row(row, accelerate=lambda a, b, depth, dps: None)  # no estimate
    assert silent.verdict is Verdict.UNCONFIRMABLE


def test_brouncker_through_the_projects_accelerator() -> None:
    pytest.importorskip("conjectura.kernels.acceleration")
    row = pcf_row([2], [1, -4, 4], [4, 1, 0, -1], 30, method="accelerated")
    assert recheck_row(row).verdict is Verdict.CONFIRMED
    assert recheck_row({**row, "relation": [5, 1, 0, -1]}).verdict is Verdict.FALSE


# -- ESMA --------------------------------------------------------------------------------------

E_BASIS = ["1", "e", "L", "L*e"]


def test_the_continued_fraction_of_e_is_confirmed() -> None:
    # e = [2; 1, 2, 1, 1, 4, 1, ...]: a_n - 2 a_(n-3) + a_(n-6) = 0 from a_1 on; e - L = 0
    row = esma_row([2, 1, 2, 1, 1, 4, 1], [1, 0, 0, -2, 0, 0, 1], [1], [0, 1, -1, 0], E_BASIS)
    assert recheck_row(row).verdict is Verdict.CONFIRMED
    wrong = recheck_row({**row, "relation": [1, 1, -1, 0]})  # e + 1 - L
    assert wrong.verdict is Verdict.FALSE


def test_a_signed_continued_fraction_uses_its_signs() -> None:
    # e/(e-1) = 1 + 1/(2 - 1/(3 + 1/(2 - 1/(5 + ...)))), register [1, 0, -2, 0, 1]:
    # e - L·(e - 1) = 0
    row = esma_row([1, 2, 3, 2, 5], [1, 0, -2, 0, 1], [1, -1], [0, 1, 1, -1], E_BASIS)
    assert recheck_row(row).verdict is Verdict.CONFIRMED
    unsigned = recheck_row({**row, "signs": [1]})
    assert unsigned.verdict is Verdict.FALSE


def test_a_register_that_leaves_the_integers_is_false() -> None:
    # 2 a_n = a_(n-1): 1, then 1/2
    row = esma_row([2, 1], [2, -1], [1], [0, 1, -1, 0], E_BASIS)
    result = recheck_row(row)
    assert result.verdict is Verdict.FALSE
    assert "integers" in result.reason


# -- recurrences and sequence limits -------------------------------------------------------------


def test_the_fibonacci_recurrence_is_confirmed() -> None:
    row = sequence_row("recurrence", ["a(n)", "a(n+1)", "a(n+2)"], [1, 1, -1], 60)
    result = recheck_row(row, (0, fibonacci(60)))
    assert result.verdict is Verdict.CONFIRMED
    assert result.depth == 58  # every equation a(n) + a(n+1) = a(n+2) with terms


def test_a_recurrence_that_fails_on_one_term_is_false() -> None:
    terms = fibonacci(60)
    terms[40] += 1
    row = sequence_row("recurrence", ["a(n)", "a(n+1)", "a(n+2)"], [1, 1, -1], 60)
    result = recheck_row(row, (0, terms))
    assert result.verdict is Verdict.FALSE
    assert "n = 38" in result.reason  # a(38) + a(39) = a(40) is the first to fail


def test_a_recurrence_counts_n_from_the_sequences_offset() -> None:
    # n! from n = 1: a(n+1) = (n+1)·a(n), i.e. a(n) + n*a(n) - a(n+1) = 0
    factorials, value = [], 1
    for n in range(1, 30):
        value *= n
        factorials.append(value)
    basis = ["a(n)", "n*a(n)", "a(n+1)", "n*a(n+1)"]
    row = sequence_row("recurrence", basis, [1, 1, -1, 0], 29)
    assert recheck_row(row, (1, factorials)).verdict is Verdict.CONFIRMED
    # the same terms' recurrence stated for n counted from 0 is wrong for the sequence
    shifted = recheck_row({**row, "relation": [2, 1, -1, 0]}, (1, factorials))
    assert shifted.verdict is Verdict.FALSE
    assert "offset 1" in shifted.reason


def test_a_recurrence_without_its_sequence_is_unconfirmable() -> None:
    row = sequence_row("recurrence", ["a(n)", "a(n+1)", "a(n+2)"], [1, 1, -1], 60)
    assert recheck_row(row, None).verdict is Verdict.UNCONFIRMABLE


def test_a_sequence_limit_settles_on_its_ratios() -> None:
    # lim F(n+1)/F(n) = (1 + sqrt5)/2: 1 + sqrt5 - 2L = 0
    row = sequence_row("sequence_limit", ["1", "sqrt5", "L", "L*sqrt5"], [1, 1, -2, 0], 15)
    assert recheck_row(row, (0, fibonacci(200))).verdict is Verdict.CONFIRMED
    wrong = recheck_row({**row, "relation": [1, 1, -3, 0]}, (0, fibonacci(200)))
    assert wrong.verdict is Verdict.FALSE


def test_a_geometric_tail_settles_a_short_sequence() -> None:
    # 80 Fibonacci numbers: the last ratio is within about phi^-156 (32 digits) of the limit,
    # which x_k against x_(k/2) alone (about 16 digits) could not show
    row = sequence_row("sequence_limit", ["1", "sqrt5", "L", "L*sqrt5"], [1, 1, -2, 0], 30)
    result = recheck_row(row, (0, fibonacci(80)))
    assert result.verdict is Verdict.CONFIRMED
    assert 30 < result.settled < 34


def test_a_slowly_settling_ratio_is_unconfirmable() -> None:
    # Catalan numbers: C(n+1)/C(n) = 2(2n+1)/(n+2) -> 4 with an error of about 6/n
    catalan = [1]
    for n in range(300):
        catalan.append(catalan[-1] * 2 * (2 * n + 1) // (n + 2))
    row = sequence_row("sequence_limit", ["1", "L"], [4, -1], 15)
    assert recheck_row(row, (0, catalan)).verdict is Verdict.UNCONFIRMABLE
    wrong = recheck_row({**row, "relation": [5, -1]}, (0, catalan))
    assert wrong.verdict is Verdict.UNCONFIRMABLE  # not false: nothing settled that far


def test_recheck_frame_reads_the_sequences_table() -> None:
    terms = fibonacci(40)
    sequences = pl.DataFrame(
        {
            "seq_id": ["0123456789abcdef"],
            "offset": [0],
            "terms": [
                [
                    t.to_bytes(max(1, (t.bit_length() + 8) // 8), "little", signed=True)
                    for t in terms
                ]
            ],
        }
    )
    rows = pl.DataFrame(
        [sequence_row("recurrence", ["a(n)", "a(n+1)", "a(n+2)"], [1, 1, -1], 40)],
        schema_overrides={
            "method": pl.String,
            "a_coeffs": pl.List(pl.Int64),
            "b_coeffs": pl.List(pl.Int64),
        },
    )
    [result] = recheck_frame(rows, sequences)
    assert result.verdict is Verdict.CONFIRMED
    assert result.depth == 38
    assert recheck.sequence_ids(rows) == ["0123456789abcdef"]


# -- constants, selection, summary, independence --------------------------------------------------

PUBLISHED = {  # 25 significant digits, from the literature (OEIS A062539, A014549, ...)
    "gauss": "0.8346268416740731862814297",
    "lemniscate": "2.622057554292119810464839",
    "gompertz": "0.5963473623231940743410784",
    "catalan": "0.9159655941772190150546035",
    "zeta5": "1.036927755143369926331365",
    "euler_gamma": "0.5772156649015328606065120",
}


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_fresh_constants_match_published_digits(name: str) -> None:
    with mpmath.workdps(40):
        value = recheck.constant(name, 40)
        assert abs(value - mpmath.mpf(PUBLISHED[name])) < mpmath.mpf(10) ** -23


def conjectures_frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "conjecture_id": ["d", "a", "c", "b", "a", "e"],
            "kind": [
                "pcf_limit",
                "pcf_limit",
                "sequence_limit",
                "pcf_limit",
                "pcf_limit",
                "esma_cf",
            ],
            "status": ["verified", "verified", "verified", "numerical", "verified", "verified"],
        }
    )


def test_select_takes_verified_rows_once_and_all_with_everything() -> None:
    frame = conjectures_frame()
    assert recheck.select(frame)["conjecture_id"].to_list() == ["e", "a", "d"]
    everything = recheck.select(frame, everything=True)
    assert sorted(everything["conjecture_id"].to_list()) == ["a", "b", "c", "d", "e"]


def test_select_samples_reproducibly() -> None:
    frame = pl.DataFrame(
        {
            "conjecture_id": [f"id{i:03d}" for i in range(100)],
            "kind": ["pcf_limit"] * 100,
            "status": ["verified"] * 100,
        }
    )
    first = recheck.select(frame, sample=10, seed=7)["conjecture_id"].to_list()
    assert len(set(first)) == 10
    assert first == recheck.select(frame, sample=10, seed=7)["conjecture_id"].to_list()
    assert first != recheck.select(frame, sample=10, seed=8)["conjecture_id"].to_list()
    assert recheck.select(frame, sample=500).height == 100


def test_summary_counts_per_class_and_kind() -> None:
    def result(kind: str, verdict: Verdict) -> recheck.Recheck:
        return recheck.Recheck("id", kind, "f", 50.0, verdict, "why")

    text = recheck.summary(
        [
            result("pcf_limit", Verdict.CONFIRMED),
            result("pcf_limit", Verdict.CONFIRMED),
            result("pcf_limit", Verdict.FALSE),
            result("esma_cf", Verdict.UNCONFIRMABLE),
        ]
    )
    assert text == (
        "4 rows: 2 confirmed, 1 false, 1 unconfirmable "
        "(esma_cf: 1 unconfirmable; pcf_limit: 2 confirmed, 1 false)"
    )


def test_the_recheck_shares_no_code_with_the_finders() -> None:
    tree = ast.parse(Path(inspect.getfile(recheck)).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module or "")
    assert not any(name.startswith("flint") for name in imported)
    conjectura = {name for name in imported if name.startswith("conjectura")}
    assert conjectura <= {"conjectura.kernels.acceleration"}
