"""flows.stages.sequences: recurrences and ratio limits of rows of the sequences table."""

from __future__ import annotations

import re
from math import comb

import mpmath
import polars as pl
import pytest

from conjectura.flows.stages.sequences import detected_rows, sequence_shards
from conjectura.schemas.bigint import encode_int
from conjectura.schemas.spec import SequencesSpec, parse_spec
from conjectura.schemas.tables import SEQUENCES

SPEC = """
name: sequences
family: sequences
constants: [sqrt5]
"""


def spec_of(text: str) -> SequencesSpec:
    spec = parse_spec(text, source="test")
    assert isinstance(spec, SequencesSpec)
    return spec


def fibonacci(count: int) -> list[int]:
    terms = [0, 1]
    while len(terms) < count:
        terms.append(terms[-1] + terms[-2])
    return terms


def primes(count: int) -> list[int]:
    found: list[int] = []
    candidate = 2
    while len(found) < count:
        if all(candidate % p for p in found):
            found.append(candidate)
        candidate += 1
    return found


def central_binomial(count: int) -> list[int]:
    """C(2n, n), obeying (n+1)·a(n+1) = (4n+2)·a(n): a holonomic, not a linear, recurrence."""
    terms = [1]
    for n in range(count - 1):
        terms.append(terms[-1] * (4 * n + 2) // (n + 1))
    return terms


def sequences_frame(
    named: dict[str, list[int]], offsets: dict[str, int] | None = None
) -> pl.DataFrame:
    """Rows shaped like the sequences table (terms as signed little-endian bytes); a
    sequence's offset (the index of its first term) is 0 unless ``offsets`` names it."""
    names = list(named)
    offsets = offsets or {}
    frame = pl.DataFrame(
        {
            "seq_id": [f"id-{name}" for name in names],
            "name": names,
            "source": ["test"] * len(names),
            "line": list(range(1, len(names) + 1)),
            "offset": [offsets.get(name, 0) for name in names],
            "n_terms": [len(named[name]) for name in names],
            "terms": [[encode_int(t) for t in named[name]] for name in names],
        }
    )
    assert frame.columns == SEQUENCES.schema.names
    return frame


@pytest.fixture(scope="module")
def expansions() -> dict[str, str]:
    with mpmath.workdps(100):
        return {"sqrt5": mpmath.nstr(mpmath.sqrt(5), 80)}


@pytest.fixture(scope="module")
def found(expansions) -> list[dict]:
    frame = sequences_frame(
        {
            "fibonacci": fibonacci(40),
            "primes": primes(40),
            "central": central_binomial(40),
        }
    )
    return detected_rows(spec_of(SPEC), frame, expansions, "run-seq")


def holds_everywhere(
    basis: list[str], relation: list[int], terms: list[int], offset: int = 0
) -> int:
    """Checks sum r·n^j·a(n+i) = 0 at every n the terms allow (n = offset + position);
    returns how many n."""
    parsed = []
    for entry in basis:
        match = re.fullmatch(r"(?:n(?:\^(\d+))?\*)?a\(n(?:\+(\d+))?\)", entry)
        assert match, entry
        power = int(match.group(1)) if match.group(1) else (1 if entry.startswith("n*") else 0)
        parsed.append((power, int(match.group(2) or 0)))
    order = max(shift for _, shift in parsed)
    checked = 0
    for k in range(len(terms) - order):
        n = offset + k
        total = sum(r * n**j * terms[k + i] for r, (j, i) in zip(relation, parsed, strict=True))
        assert total == 0, (n, relation)
        checked += 1
    return checked


def test_fibonacci_recurrence(found) -> None:
    (row,) = [
        r for r in found if r["subject"] == "fibonacci (id-fibonacci)" and r["kind"] == "recurrence"
    ]
    assert row["detector"] == "linear"
    assert row["status"] == "verified"
    assert row["basis"] == ["a(n)", "a(n+1)", "a(n+2)"]
    relation = row["relation"]
    assert relation in ([1, 1, -1], [-1, -1, 1])  # a(n+2) = a(n+1) + a(n)
    assert holds_everywhere(row["basis"], relation, fibonacci(40)) == 38
    assert row["formula"].startswith("fibonacci: ")
    assert row["space"] == spec_of(SPEC).label


def test_fibonacci_ratio_tends_to_the_golden_ratio(found) -> None:
    (row,) = [r for r in found if r["kind"] == "sequence_limit"]
    assert row["subject"] == "fibonacci (id-fibonacci)"
    assert row["detector"] == "ratio"
    assert row["status"] == "numerical"
    assert row["basis"] == ["1", "sqrt5", "L", "L*sqrt5"]
    with mpmath.workdps(60):
        sqrt5 = mpmath.sqrt(5)
        phi = (1 + sqrt5) / 2
        values = [1, sqrt5, phi, phi * sqrt5]
        residual = sum(r * v for r, v in zip(row["relation"], values, strict=True))
        assert abs(residual) < mpmath.mpf(10) ** -50
    assert any(row["relation"][2:])
    assert row["formula"] == "fibonacci: lim a(n+1)/a(n) = (1 + sqrt5)/2"


def test_a_holonomic_recurrence_for_the_central_binomials(found) -> None:
    (row,) = [r for r in found if r["subject"] == "central (id-central)"]
    assert row["kind"] == "recurrence"
    assert row["detector"] == "holonomic"
    assert holds_everywhere(row["basis"], row["relation"], central_binomial(40)) >= 30


def test_the_primes_obey_no_recurrence(found) -> None:
    assert not [r for r in found if r["subject"] == "primes (id-primes)"]


def test_no_ratio_lookup_without_constants() -> None:
    frame = sequences_frame({"fibonacci": fibonacci(40)})
    rows = detected_rows(spec_of("name: s\nfamily: sequences\n"), frame, {}, "r")
    assert [r["kind"] for r in rows] == ["recurrence"]


def test_terms_beyond_64_bits() -> None:
    terms = [3**k for k in range(80)]  # 3**79 > 2**125
    rows = detected_rows(
        spec_of("name: s\nfamily: sequences\n"), sequences_frame({"p": terms}), {}, "r"
    )
    (row,) = rows
    assert row["basis"] == ["a(n)", "a(n+1)"]
    assert holds_everywhere(row["basis"], row["relation"], terms) == 79


def test_shards_are_sorted_unique_ids() -> None:
    spec = spec_of("name: s\nfamily: sequences\nshard_size: 2\n")
    assert sequence_shards(spec, ["c", "a", "b", "a", "e"]) == [["a", "b"], ["c", "e"]]
    shuffled, ordered = ["e", "b", "c", "a"], ["a", "b", "c", "e"]
    assert sequence_shards(spec, shuffled) == sequence_shards(spec, ordered)
    assert sequence_shards(spec, []) == []


def catalan(count: int) -> list[int]:
    return [comb(2 * n, n) // (n + 1) for n in range(count)]


def apery(count: int) -> list[int]:
    return [sum(comb(n, k) ** 2 * comb(n + k, k) ** 2 for k in range(n + 1)) for n in range(count)]


def only(rows: list[dict], name: str, kind: str) -> dict:
    (row,) = [r for r in rows if r["subject"].startswith(f"{name} ") and r["kind"] == kind]
    return row


def test_recurrence_rows_count_the_terms_they_predicted(found) -> None:
    row = only(found, "fibonacci", "recurrence")
    # order 2, 3 unknowns: fitted on 3 + 4 equations (terms 0..8), so 40 - 9 = 31 predicted
    assert row["digits"] == 31 and row["exact_depth"] == 40
    assert (row["method"], row["basis_kind"]) == ("exact", "recurrence")
    central = only(found, "central", "recurrence")
    # order 1, degree 1, 4 unknowns: fitted on 8 equations (terms 0..8), 31 predicted
    assert central["digits"] == 31 and central["status"] == "verified"


def test_a_recurrence_predicting_too_few_terms_is_numerical() -> None:
    # Apery: 12 unknowns, fitted on 16 equations = 18 terms; 39 terms leave 21 < 12 + 10
    spec = spec_of("name: s\nfamily: sequences\n")
    rows = detected_rows(spec, sequences_frame({"apery": apery(39), "longer": apery(40)}), {}, "r")
    short, longer = only(rows, "apery", "recurrence"), only(rows, "longer", "recurrence")
    assert (short["status"], short["digits"]) == ("numerical", 21)
    assert (longer["status"], longer["digits"]) == ("verified", 22)
    assert holds_everywhere(short["basis"], short["relation"], apery(39)) == 37


def test_the_recurrence_is_stated_for_the_sequences_own_index() -> None:
    numbers = catalan(40)
    frame = sequences_frame({"c0": numbers, "c1": numbers}, offsets={"c1": 1})
    rows = detected_rows(spec_of("name: s\nfamily: sequences\n"), frame, {}, "r")
    at_zero, at_one = only(rows, "c0", "recurrence"), only(rows, "c1", "recurrence")
    assert at_zero["relation"] == [-2, -4, 2, 1]  # (n+2)·C(n+1) = (4n+2)·C(n)
    assert at_one["relation"] == [2, -4, 1, 1]  # a(n) = C(n-1): (n+1)·a(n+1) = (4n-2)·a(n)
    assert holds_everywhere(at_one["basis"], at_one["relation"], numbers, offset=1) == 39
    assert "n ≥ 1" in at_one["formula"] and "n ≥" not in at_zero["formula"]
    assert at_zero["conjecture_id"] != at_one["conjecture_id"]


def test_ratio_limit_rows_claim_no_more_than_the_ratio_has(found) -> None:
    row = only(found, "fibonacci", "sequence_limit")
    assert (row["method"], row["basis_kind"]) == ("exact", "ratio")
    # the estimate is F(39)/F(38); its agreement with the golden ratio, computed here
    terms = fibonacci(40)
    with mpmath.workdps(80):
        estimate = mpmath.mpf(terms[39]) / terms[38]
        phi = (1 + mpmath.sqrt(5)) / 2
        true = float(-mpmath.log10(abs(estimate - phi) / phi))
    assert 8 <= row["digits"] <= true
    assert row["exact_depth"] == 40


def test_a_catalan_ratio_is_not_looked_up_on_too_few_digits() -> None:
    # C(n+1)/C(n) = 4 - 6/(n+2): 2.8 digits at 1000 terms, below the lookup threshold,
    # and a geometric sequence's ratio is an exact rational, not a constant to look up
    spec = spec_of("name: s\nfamily: sequences\nconstants: [sqrt5]\n")
    frame = sequences_frame({"catalan": catalan(1000), "geometric": [3 * 4**k for k in range(60)]})
    with mpmath.workdps(100):
        expansions = {"sqrt5": mpmath.nstr(mpmath.sqrt(5), 80)}
    rows = detected_rows(spec, frame, expansions, "r")
    assert not [r for r in rows if r["kind"] == "sequence_limit"]
