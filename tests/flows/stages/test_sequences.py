"""flows.stages.sequences: recurrences and ratio limits of rows of the sequences table."""

from __future__ import annotations

import re

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


def sequences_frame(named: dict[str, list[int]]) -> pl.DataFrame:
    """Rows shaped like the sequences table (terms as signed little-endian bytes)."""
    names = list(named)
    frame = pl.DataFrame(
        {
            "seq_id": [f"id-{name}" for name in names],
            "name": names,
            "source": ["test"] * len(names),
            "line": list(range(1, len(names) + 1)),
            "offset": [0] * len(names),
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


def holds_everywhere(basis: list[str], relation: list[int], terms: list[int]) -> int:
    """Checks sum r·n^j·a(n+i) = 0 at every n the terms allow; returns how many n."""
    parsed = []
    for entry in basis:
        match = re.fullmatch(r"(?:n(?:\^(\d+))?\*)?a\(n(?:\+(\d+))?\)", entry)
        assert match, entry
        power = int(match.group(1)) if match.group(1) else (1 if entry.startswith("n*") else 0)
        parsed.append((power, int(match.group(2) or 0)))
    order = max(shift for _, shift in parsed)
    checked = 0
    for n in range(len(terms) - order):
        assert sum(r * n**j * terms[n + i] for r, (j, i) in zip(relation, parsed, strict=True)) == 0
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
