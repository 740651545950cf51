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


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("[1, 3], 2", "[1, 3], 9223372036854775808"), "a: coefficient 1: 9223372036854775808"),
        (("[-2, 1]", "[-9223372036854775809, 1]"), "b: coefficient 2: -9223372036854775809"),
    ],
)
def test_coefficients_outside_int64_are_refused(edit: tuple[str, str], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_spec(GOOD.replace(*edit), source="big.yaml")
    assert str(caught.value) == (
        f"big.yaml: {message} is outside the 64-bit integer range "
        "[-9223372036854775808, 9223372036854775807]"
    )


def test_int64_bounds_themselves_are_accepted() -> None:
    edited = GOOD.replace("[1, 3], 2", "[-9223372036854775808, 9223372036854775807]")
    spec = parse_spec(edited.replace("[-2, 1]", "1"), source="edge.yaml", max_space=2**64)
    assert spec.coefficient_ranges[0] == (-(2**63), 2**63 - 1)


def test_spec_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("name: small", "name: caf\xe9").encode("latin-1"))
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (byte 0xe9 at offset 10, line 2)"


def test_spec_path_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(SpecError, match=r"dir\.yaml: is a directory, not a spec file"):
        load_spec(tmp_path / "dir.yaml")


def test_one_spec_hash_and_labels_as_before() -> None:
    """PcfSpec inherits spec_hash; its label hashes the space (partition names unchanged).
    The digests are the ones computed before the duplicate definition was removed."""
    pcf = parse_spec(
        "name: x\nfamily: pcf\na: [[1, 3], [0, 3]]\nb: [[0, 1], [-1, 0], [-2, 1]]\n"
        "depth: 500\nconstants: [pi, e]\ndynamics: {depth: 500}\nshard_size: 50\n",
        source="x",
    )
    assert pcf.spec_hash.startswith("85c029453245e2bd")
    assert pcf.label == "x-b0ce680635" == f"x-{pcf.space_hash[:10]}"
    esma = parse_spec("name: esma-e\nfamily: esma\nconstants: [e]\n", source="e")
    assert esma.spec_hash.startswith("ad0a6e0432dd9f21") and esma.label == "esma-e-ad0a6e0432"
    sequences = parse_spec("name: s\nfamily: sequences\nconstants: [sqrt5]\n", source="s")
    assert sequences.spec_hash.startswith("ea89fe6dcd7ffa4c") and sequences.label == "s-ea89fe6dcd"
    assert all("spec_hash" not in vars(type(s)) for s in (pcf, esma, sequences))


USER_CONSTANT = GOOD.replace(
    "constants: [pi, e]", 'constants: [pi, {name: my_g, mpmath: "1/agm(1, sqrt(2))"}, e]'
)


def test_user_constants_by_expression_keep_constants_a_list_of_names() -> None:
    spec = parse_spec(USER_CONSTANT, source="user.yaml")
    assert spec.constants == ["pi", "my_g", "e"]
    assert spec.constant_expressions == {"my_g": "1/agm(1, sqrt(2))"}
    assert parse_spec(GOOD, source="good.yaml").constant_expressions == {}


def test_user_constants_round_trip_and_enter_the_hash() -> None:
    spec = parse_spec(USER_CONSTANT, source="user.yaml")
    assert spec.model_dump()["constants"][1] == {"name": "my_g", "mpmath": "1/agm(1, sqrt(2))"}
    assert type(spec).model_validate(spec.model_dump()) == spec
    other = parse_spec(USER_CONSTANT.replace("sqrt(2)", "sqrt(3)"), source="user.yaml")
    plain = parse_spec(GOOD, source="good.yaml")
    assert len({spec.spec_hash, other.spec_hash, plain.spec_hash}) == 3
    assert spec.space_hash == other.space_hash == plain.space_hash  # the space is the same


def test_deep_search_setting() -> None:
    plain = parse_spec(GOOD, source="good.yaml")
    assert plain.identify.deep == "all"
    assert "deep" not in plain.model_dump()["identify"]  # default left out: hashes unchanged
    for choice in ("clusters", "none"):
        spec = parse_spec(GOOD + f"identify: {{deep: {choice}}}\n", source="deep.yaml")
        assert spec.identify.deep == choice
        assert spec.model_dump()["identify"]["deep"] == choice
        assert spec.spec_hash != plain.spec_hash
    explicit = parse_spec(GOOD + "identify: {deep: all}\n", source="deep.yaml")
    assert explicit.spec_hash == plain.spec_hash


def test_discovery_sample_setting() -> None:
    text = "name: x\nfamily: pcf\na: [[1, 3]]\nb: [[0, 1]]\ndepth: 500\nconstants: [pi]\n"
    plain = parse_spec(text + "dynamics: {depth: 500}\n", source="x.yaml")
    cluster = plain.dynamics.cluster
    assert cluster.discovery_sample == 2000
    assert "discovery_sample" not in plain.model_dump()["dynamics"]["cluster"]  # hashes kept
    explicit = parse_spec(
        text + "dynamics: {depth: 500, cluster: {discovery_sample: 2000}}\n", source="x.yaml"
    )
    assert explicit.spec_hash == plain.spec_hash
    other = parse_spec(
        text + "dynamics: {depth: 500, cluster: {discovery_sample: 10}}\n", source="x.yaml"
    )
    assert other.spec_hash != plain.spec_hash and other.label == plain.label
    assert type(other).model_validate(other.model_dump()) == other
    with pytest.raises(SpecError, match="discovery_sample"):
        parse_spec(text + "dynamics: {cluster: {discovery_sample: -1}}\n", source="x.yaml")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('{name: pi, mpmath: "1"}', "constants.1: name 'pi' is a library constant"),
        ('{name: gauss, mpmath: "1/agm(1, sqrt(2))"}', "name 'gauss' is a library constant"),
        ('{name: L, mpmath: "2"}', "constants.1: name 'L' is reserved"),
        ('{name: "a*b", mpmath: "2"}', "name 'a*b' is not a letter followed by"),
        ('{name: g, mpmath: "os.system(1)"}', "constants.1 (g): call of 'os.system' is not"),
        ('{name: g, mpmath: "__import__(1)"}', "'__import__' is not a whitelisted function"),
        ('{name: g, mpmath: "mpmath.pi"}', "constants.1 (g): attribute access 'mpmath.pi'"),
        ('{name: g, mpmath: "foo(2)"}', "constants.1 (g): 'foo' is not a whitelisted function"),
        ('{name: g, mpmath: "1 +"}', "constants.1 (g): not a valid expression"),
        ("{name: g, mpmath: 3}", "constants.1 (g): mpmath: an expression is a string, got int"),
        ("{name: g}", "constants.1: a user constant is {name: ..., mpmath: ...}, got keys name"),
        ('{name: g, mpmath: "1", x: 2}', "got keys name, mpmath, x"),
        ('{name: e, mpmath: "exp(1)"}', "constants.1: name 'e' is a library constant"),
    ],
)
def test_bad_user_constants_name_the_problem(entry: str, message: str) -> None:
    text = USER_CONSTANT.replace('{name: my_g, mpmath: "1/agm(1, sqrt(2))"}', entry)
    with pytest.raises(SpecError) as caught:
        parse_spec(text, source="bad.yaml")
    assert str(caught.value).startswith("bad.yaml: ") and message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_user_constant_listed_twice_and_expressions_given_apart() -> None:
    twice = USER_CONSTANT.replace(", e]", ', {name: my_g, mpmath: "2"}]')
    with pytest.raises(SpecError, match="listed more than once: my_g"):
        parse_spec(twice, source="bad.yaml")
    apart = GOOD + "constant_expressions: {pi2: 'pi**2'}\n"
    with pytest.raises(SpecError, match="constant_expressions: unknown key"):
        parse_spec(apart, source="bad.yaml")


def test_bad_deep_setting_is_named() -> None:
    with pytest.raises(SpecError, match=r"identify\.deep: Input should be 'all', 'clusters'"):
        parse_spec(GOOD + "identify: {deep: some}\n", source="bad.yaml")


def test_deep_limit_is_a_budget_left_out_of_the_hash_at_its_default() -> None:
    plain = parse_spec(GOOD, source="deep.yaml")
    assert plain.identify.deep_limit == 100
    assert "deep_limit" not in plain.model_dump()["identify"]
    explicit = parse_spec(GOOD + "identify: {deep_limit: 100}\n", source="deep.yaml")
    assert explicit.spec_hash == plain.spec_hash
    for limit in (0, 5000):
        spec = parse_spec(GOOD + f"identify: {{deep_limit: {limit}}}\n", source="deep.yaml")
        assert spec.identify.deep_limit == limit
        assert spec.model_dump()["identify"]["deep_limit"] == limit
        assert spec.spec_hash != plain.spec_hash
    with pytest.raises(SpecError, match=r"identify\.deep_limit: Input should be greater than"):
        parse_spec(GOOD + "identify: {deep_limit: -1}\n", source="bad.yaml")


CMF = """name: c
family: cmf
cmf: zeta3
directions: {box: 1}
start: [1, 1]
constants: [zeta3]
"""


def test_a_box_of_directions_is_every_primitive_vector_with_a_positive_entry() -> None:
    one = parse_spec(CMF, source="c").planned_directions()
    assert sorted(one) == sorted([(1, 0), (0, 1), (1, 1), (1, -1), (-1, 1)])
    two = parse_spec(CMF.replace("box: 1", "box: 2"), source="c")
    listed = [
        (1, 0), (0, 1), (1, 1), (1, -1), (-1, 1),
        (1, 2), (2, 1), (1, -2), (-2, 1), (2, -1), (-1, 2),
    ]  # fmt: skip
    assert sorted(two.planned_directions()) == sorted(listed) and two.size == 11
    assert two.planned_directions()[0] == (1, 0)  # shortest first


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("cmf: zeta3", "cmf: zeta3\nmatrices: {x: [[1]]}"), "exactly one of cmf"),
        (("cmf: zeta3\n", ""), "exactly one of cmf"),
        (
            ("directions: {box: 1}", "directions: {box: 1}\ntrajectories: [[1, 1]]"),
            "exactly one of trajectories",
        ),
        (("directions: {box: 1}", "trajectories: [[1, 1], [1, 1]]"), "twice"),
        (("directions: {box: 1}", "trajectories: [[0, 0]]"), "does not move"),
        (("directions: {box: 1}", "trajectories: [[1, 1, 1]]"), "has 3 entries for 2 axes"),
        (("directions: {box: 1}", "directions: {box: 0}"), "greater than or equal to 1"),
        (("start: [1, 1]", "start: [1, 1.5]"), "start"),
    ],
)
def test_bad_cmf_specs_are_refused_naming_the_problem(change, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        parse_spec(CMF.replace(*change), source="c")


def test_a_cmf_spec_hash_names_its_user_field() -> None:
    text = CMF.replace("cmf: zeta3", 'matrices: {x: [[0, "x"], [1, 1]], y: [[1, 0], [0, 1]]}')
    spec = parse_spec(text, source="c")
    other = parse_spec(text.replace('"x"]', '"x + 1"]'), source="c")
    assert spec.field_name.startswith("c-") and spec.field_name != other.field_name
