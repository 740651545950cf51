"""flows.stages.esma: forms of e grouped by integer shift, signed continued fractions whose
partial denominators obey a recurrence."""

from __future__ import annotations

import itertools

import mpmath
import pytest

from conjectura.flows.stages.esma import Group, esma_rows, form_groups
from conjectura.schemas.spec import EsmaSpec, parse_spec

SPEC = """
name: esma-e
family: esma
constants: [e]
coefficient_bound: 1
"""


@pytest.fixture(scope="module")
def spec() -> EsmaSpec:
    parsed = parse_spec(SPEC, source="test")
    assert isinstance(parsed, EsmaSpec)
    return parsed


@pytest.fixture(scope="module")
def expansions() -> dict[str, str]:
    with mpmath.workdps(1100):
        return {"e": mpmath.nstr(mpmath.exp(1), 1060)}


@pytest.fixture(scope="module")
def groups(spec, expansions) -> list[Group]:
    return form_groups(spec, expansions)


@pytest.fixture(scope="module")
def rows(spec, groups, expansions) -> list[dict]:
    return esma_rows(spec, groups, expansions, "run-esma")


def form_value(p: tuple[int, ...], q: tuple[int, ...]) -> mpmath.mpf:
    e = mpmath.exp(1)
    return mpmath.polyval(list(reversed(p)), e) / mpmath.polyval(list(reversed(q)), e)


def regular_cf(x: mpmath.mpf, count: int) -> list[int]:
    terms = []
    for _ in range(count):
        whole = int(mpmath.floor(x))
        terms.append(whole)
        x = 1 / (x - whole)
    return terms


def regenerate(initial: list[int], register: list[int], count: int) -> list[int]:
    """a_0 .. a_(count-1): a_1, a_2, ... obey sum_j register[j]·a(n-j) = 0 once the initial
    terms run out (the conjectures table's meaning of ``recurrence``)."""
    tail = list(initial[1:])
    while len(tail) < count - 1:
        k = len(tail)
        total = sum(register[j] * tail[k - j] for j in range(1, len(register)))
        assert total % register[0] == 0
        tail.append(-total // register[0])
    return [initial[0], *tail[: count - 1]]


def signed_cf_value(terms: list[int], signs: list[int]) -> mpmath.mpf:
    """a0 + s0/(a1 + s1/(a2 + ...)), evaluated from the back."""
    value = mpmath.mpf(terms[-1])
    for i in range(len(terms) - 2, -1, -1):
        value = terms[i] + signs[i % len(signs)] / value
    return value


def test_groups_hold_every_irrational_form_once(groups) -> None:
    with mpmath.workdps(50):
        expected = set()
        for p0, p1, q0, q1 in itertools.product(range(-1, 2), repeat=4):
            if (q0, q1) == (0, 0) or p0 * q1 == p1 * q0:  # no value, or a rational one
                continue
            expected.add(mpmath.nstr(form_value((p0, p1), (q0, q1)), 30))
        members = [member for group in groups for member in group]
        found = [mpmath.nstr(form_value(p, q), 30) for _, p, q, _ in members]
    assert len(found) == len(set(found))  # no value twice
    assert set(found) == expected


def test_members_of_a_group_differ_by_their_integer_offset(groups) -> None:
    assert any(len(group) > 1 for group in groups)
    with mpmath.workdps(50):
        for group in groups:
            constant, p, q, offset = group[0]
            assert constant == "e" and offset == 0
            first = form_value(p, q)
            for _, p_i, q_i, offset_i in group[1:]:
                assert abs(form_value(p_i, q_i) - offset_i - first) < mpmath.mpf(10) ** -40


def test_e_has_its_regular_continued_fraction(rows) -> None:
    (row,) = [r for r in rows if r["subject"] == "e" and r["signs"] == [1]]
    with mpmath.workdps(300):
        expected = regular_cf(mpmath.exp(1), 60)
    assert expected[:9] == [2, 1, 2, 1, 1, 4, 1, 1, 6]  # by hand
    assert regenerate(row["initial_terms"], row["recurrence"], 60) == expected
    assert row["formula"].startswith("e = [2; 1, 2, 1, 1, 4, ")
    assert row["status"] == "verified"
    assert row["digits"] >= 100
    assert row["kind"] == "esma_cf" and row["detector"] == "esma"
    assert row["basis"] == ["1", "e", "L", "L*e"]
    assert row["relation"] == [0, 1, -1, 0]  # e - L = 0
    assert row["a_coeffs"] is None  # not a polynomial pattern


def test_a_polynomial_pattern_is_also_a_pcf(rows) -> None:
    # (e + 1)/(e - 1) = coth(1/2) = [2; 6, 10, 14, ...] = PCF(4n+2, 1)
    (row,) = [r for r in rows if r["subject"] == "(e + 1)/(e - 1)" and r["signs"] == [1]]
    assert (row["a_coeffs"], row["b_coeffs"]) == ([2, 4], [1])
    with mpmath.workdps(60):
        assert regular_cf((mpmath.e + 1) / (mpmath.e - 1), 6) == [2, 6, 10, 14, 18, 22]


def test_every_row_regenerates_its_value(rows) -> None:
    """Each conjecture's terms, regenerated here from initial terms and recurrence, give
    P(e)/Q(e) under its sign pattern."""
    assert len(rows) > 20
    assert {tuple(r["signs"]) for r in rows} <= {(1,), (1, -1), (-1, 1)}
    with mpmath.workdps(80):
        for row in rows:
            p0, p1, minus_q0, minus_q1 = row["relation"]
            expected = form_value((p0, p1), (-minus_q0, -minus_q1))
            terms = regenerate(row["initial_terms"], row["recurrence"], 400)
            found = signed_cf_value(terms, row["signs"])
            assert abs(found - expected) < mpmath.mpf(10) ** -50, row["formula"]
            assert row["status"] == "verified"


def test_ids_are_unique_and_stable(spec, groups, expansions, rows) -> None:
    ids = [r["conjecture_id"] for r in rows]
    assert len(set(ids)) == len(ids)
    again = esma_rows(spec, groups[:2], expansions, "another-run")
    assert {r["conjecture_id"] for r in again} <= set(ids)


def test_no_groups_no_rows(spec, expansions) -> None:
    assert esma_rows(spec, [], expansions, "r") == []


def test_digits_stop_short_of_the_working_precision(spec, rows) -> None:
    # 1000 regenerated terms take every CF of e past 500 digits, more than the 500-digit
    # expansion can show; 10 guard digits are never claimed
    assert spec.digits == 500 and spec.validate_terms == 1000
    assert all(spec.want_digits <= r["digits"] <= spec.digits - 10 for r in rows)
    assert {(r["method"], r["basis_kind"]) for r in rows} == {("exact", "esma")}


def test_the_want_digits_gate_fires_at_low_precision(expansions) -> None:
    # at 60 digits nothing can be shown to 55: every register is rejected; at 45 they pass
    text = SPEC + "terms: 30\ndigits: 60\nvalidate_terms: 200\nwant_digits: {}\n"
    for want, expected in ((55, False), (45, True)):
        low = parse_spec(text.format(want), source="test")
        assert isinstance(low, EsmaSpec)
        found = esma_rows(low, form_groups(low, expansions), expansions, "r")
        assert bool(found) is expected, want
        assert all(45 <= r["digits"] <= 50 for r in found)
