"""The search spec: the default, and every kind of bad input named in one message."""

from __future__ import annotations

from pathlib import Path

import pytest

from conjectura.schemas.spec import SpecError, load_spec, parse_spec

GOOD = """
name: small
family: pcf
a: [[1, 3], 2]
b: [0, 0, [-2, 1]]
depth: 200
constants: [pi, e]
"""


def test_default_spec_is_the_documented_space() -> None:
    spec = load_spec(None)
    assert spec.space_size == 9**5 == 59_049
    assert spec.depth == 1000
    assert {"pi", "e", "log2", "zeta3", "catalan", "sqrt2", "sqrt5"} <= set(spec.constants)
    assert len(spec.a) == 2 and len(spec.b) == 3


def test_ranges_and_fixed_values() -> None:
    spec = parse_spec(GOOD, source="good.yaml")
    assert spec.coefficient_ranges == [(1, 3), (2, 2), (0, 0), (0, 0), (-2, 1)]
    assert spec.space_size == 12


def test_hashes_ignore_the_name_but_not_the_space() -> None:
    one = parse_spec(GOOD, source="x")
    renamed = parse_spec(GOOD.replace("name: small", "name: other"), source="x")
    deeper = parse_spec(GOOD.replace("depth: 200", "depth: 300"), source="x")
    assert one.space_hash == renamed.space_hash and one.label != renamed.label
    assert one.space_hash != deeper.space_hash


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("constants: [pi, e]", "constants: [pi, e]\ncolour: blue"), "colour: unknown key"),
        (("[-2, 1]", "[]"), "empty range []"),
        (("[-2, 1]", "[1, -2]"), "range [1, -2] is empty (low > high)"),
        (("[1, 3], 2", "[1, 3], 2.5"), "a.1: expected an integer or a [low, high] range"),
        (("[-2, 1]", "[-2, '1']"), "b.2: expected an integer or a [low, high] range"),
        (("depth: 200", "depth: 2.0e2"), "depth: expected an integer"),
        (("family: pcf", "family: hypergeometric"), "unknown family 'hypergeometric'"),
        (("[-2, 1]", "[-2, 1, 3]"), "a range is [low, high], got 3 values"),
    ],
)
def test_bad_specs_name_the_problem(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(GOOD.replace(*edit), source="bad.yaml")
    text = str(caught.value)
    assert text.startswith("bad.yaml: ") and message in text
    assert "\n" not in text


def test_space_above_the_cap_is_refused() -> None:
    with pytest.raises(SpecError, match="the space holds 12 PCFs, above the cap of 10"):
        parse_spec(GOOD, source="big.yaml", max_space=10)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="spec file not found"):
        load_spec(tmp_path / "nope.yaml")


def test_not_yaml_or_not_a_mapping() -> None:
    with pytest.raises(SpecError, match="not valid YAML"):
        parse_spec("a: [", source="broken.yaml")
    with pytest.raises(SpecError, match="a spec is a YAML mapping"):
        parse_spec("- 1\n- 2\n", source="list.yaml")
