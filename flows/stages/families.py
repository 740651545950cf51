"""Families: which PCF conjectures are the same formula in another dress, and which are new.

Two PCFs are equivalent when an exact certificate relates them (kernels.equivalence:
M_member(n)·U(n+1) = c(n)·U(n)·M_rep(n+k)); their limits are then related by a rational
Möbius map. Searching all pairs would be quadratic in the conjectures and mostly futile,
so candidates are paired only inside a *class*: the same constants in the basis (equivalent
PCFs have Möbius-related limits), the same leading-order rate (|log λ+/λ−| of the
characteristic equation, exact from the coefficients and invariant under mirror, shift,
rescaling and constant-c coboundaries) and FR δ within ``DELTA_TOLERANCE`` (measured by an
exact walk). Inside a class, union-find: a pair already in one family is not tried, and
two families are tried against each other once.

Each family's representative is its simplest conjecture PCF; every member gets the
certificate composed along the path of found certificates to it, checked by substitution
before it is written, with the Möbius map T of the limits, checked against both members'
closed forms. A member whose composed certificate or map does not check becomes a family
of its own: a family never holds an unchecked claim.

The curated library (kernels.formulas) joins the classes as anchors (never
representatives): a conjecture related to a library PCF is *known*; one whose limit is a
rational Möbius image of a library formula's limit, with no certificate, is a new PCF for a
known constant; anything else is *new*. Trivial: constant coefficients (a quadratic
irrational), or a family holding a library PCF that the library marks trivial.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import mpmath
import polars as pl

from conjectura.flows.stages.rows import Row
from conjectura.kernels.constants import constant_value
from conjectura.kernels.dynamics import blind_delta, eigenvalue_ratio
from conjectura.kernels.equivalence import (
    IDENTITY,
    Certificate,
    apply_mobius,
    certificate_holds,
    compose,
    find_certificate,
    inverse,
    kind_of,
    limit_map,
)
from conjectura.kernels.formulas import LibraryFormula

Pcf = tuple[tuple[int, ...], tuple[int, ...]]

METRICS_DEPTH = 400
"""Depth of the exact walk that measures a conjecture PCF's δ when its space has none."""

DELTA_TOLERANCE = 0.1
"""Largest difference of FR δ (at METRICS_DEPTH) between two PCFs worth a solve: members
of one family measured here differ by up to ~0.07 (shifts change the early terms)."""

MAX_DEGREE = 4
"""Largest degree of U's polynomial entries solved for. Families left on the default run
(1,046-conjecture run) by degree 2, 3, 4, 5, 6: 61, 56, 55, 53, 52 (180, 167, 162, 160,
157), each degree costing 10 to 25% more time (tests/benchmarks/bench_families.py):
past 4 a degree merges under 2% more for that price. A high-degree U can relate two
slowly converging PCFs' matrices while its limit map fails (U(N) grows faster than the
product's columns agree); the map check refuses it and a lower degree is tried."""

MAP_CHECK_DIGITS = 30
"""The limit map is checked to min(this, both members' digits) less 2."""

CONSTANT_COEFFICIENTS = "quadratic irrational from constant coefficients"


@dataclass
class Node:
    """One PCF: a conjecture's subject, or a library formula (an anchor)."""

    pcf: Pcf
    group: tuple[str, ...]
    rate: tuple[float, bool]
    delta: float | None
    conjectures: list[dict[str, Any]] = field(default_factory=list)
    library: LibraryFormula | None = None


@dataclass(frozen=True)
class Families:
    """What the stage returns: rows of the families table, and the values it sets in the
    conjectures table (conjecture_id, family_id, known, novelty, trivial)."""

    rows: list[Row]
    annotations: pl.DataFrame
    pairs_tried: int


def basis_group(basis: Sequence[str], relation: Sequence[int] | None = None) -> tuple[str, ...]:
    """The constants a relation is over: ``[1, pi, L, L*pi]`` -> ``("pi",)``. A quadratic
    irrational, whether PSLQ found it as a polynomial in L or over a square root
    (``[1, sqrt5, L, L*sqrt5]``), is ``("algebraic", "5")``: only PCFs with limits in one
    quadratic field can be equivalent (the field's square-free radicand, when the relation
    is given). ``()`` for a rational."""
    constants = sorted({e for e in basis if e != "1" and "L" not in e.split("*")})
    if constants and not all(_is_surd(c) for c in constants):
        return tuple(constants)
    if constants or any(e.split("*").count("L") > 1 for e in basis):
        field = _quadratic_field(basis, relation) if relation is not None else None
        return ("algebraic",) if field is None else ("algebraic", str(field))
    return ()


@functools.lru_cache(maxsize=4096)
def library_group(formula: LibraryFormula) -> tuple[str, ...] | None:
    """A library formula's class constants; None when it can meet no conjecture's class
    (no catalog constant behind its limit, and not a quadratic irrational)."""
    if formula.constant and not _is_surd(formula.constant):
        return basis_group(["1", formula.constant, "L", f"L*{formula.constant}"])
    if not formula.constant and not formula.trivial:
        return None
    with mpmath.workdps(60):
        polynomial = mpmath.findpoly(formula.value(60), 2, maxcoeff=10**8)
    if not polynomial or len(polynomial) != 3:
        return None  # rational (a terminating member): no irrational class to meet
    c2, c1, c0 = (int(c) for c in polynomial)
    return ("algebraic", str(_square_free(c1 * c1 - 4 * c0 * c2)))


def _is_surd(constant: str) -> bool:
    return all(f.startswith("sqrt") and f[4:].isdigit() for f in constant.split("*"))


def _quadratic_field(basis: Sequence[str], relation: Sequence[int]) -> int | None:
    """The square-free d with the relation's root in Q(sqrt d), or None."""
    surds = {int(f[4:]) for e in basis for f in e.split("*") if f.startswith("sqrt")}
    if surds:
        radicand = 1
        for surd in surds:
            radicand *= surd
        return _square_free(radicand) if len(surds) == 1 else None
    by_power = {e.split("*").count("L"): r for e, r in zip(basis, relation, strict=True)}
    c0, c1, c2 = (by_power.get(k, 0) for k in range(3))
    if c2 == 0 or any(k > 2 and r for k, r in by_power.items()):
        return None
    return _square_free(c1 * c1 - 4 * c0 * c2)


def _square_free(d: int) -> int:
    sign, d = (-1 if d < 0 else 1), abs(d)
    factor = 2
    while factor * factor <= d:
        while d % (factor * factor) == 0:
            d //= factor * factor
        factor += 1
    return sign * d


def family_id_of(rep: Pcf) -> str:
    """Stable across runs: derived from the representative's coefficients only."""
    key = json.dumps([list(rep[0]), list(rep[1])])
    return "fam-" + hashlib.sha256(key.encode()).hexdigest()[:12]


def simplicity(pcf: Pcf) -> tuple:
    """Sort key of a representative: lowest degrees, smallest coefficients, a positive
    leading a, then the coefficients themselves (a total order: the choice is stable)."""
    a, b = pcf
    return (
        len(a) + len(b),
        sum(abs(x) for x in a) + sum(abs(x) for x in b),
        bool(a) and a[-1] < 0,
        a,
        b,
    )


def measured_delta(pcf: Pcf, stored: float | None) -> float | None:
    """FR δ: the space's own metric when it has one, else an exact walk here."""
    if stored is not None:
        return stored
    return _walked_delta(pcf)


@functools.lru_cache(maxsize=4096)
def _walked_delta(pcf: Pcf) -> float | None:
    return blind_delta(pcf[0], pcf[1], METRICS_DEPTH).delta_fr


def _rate(pcf: Pcf) -> tuple[float, bool]:
    ratio, complex_ = eigenvalue_ratio(pcf[0], pcf[1])
    return round(abs(ratio), 9), complex_


def family_rows(
    conjectures: pl.DataFrame,
    deltas: Mapping[int, float | None],
    library: Sequence[LibraryFormula],
    run_id: str,
    *,
    max_degree: int = MAX_DEGREE,
) -> Families:
    """Families of a space's pcf_limit conjectures (``conjectures``: rows of the table;
    ``deltas``: pcf id -> stored FR δ or None); certificates with polynomial entries of
    degree up to ``max_degree``."""
    nodes = _conjecture_nodes(conjectures, deltas)
    anchors = _library_nodes(library, {node.group for node in nodes.values()})
    graph = _EquivalenceGraph([*nodes.values(), *anchors], max_degree)
    graph.connect()
    library_constants = frozenset(f.constant for f in library if f.constant)
    rows: list[Row] = []
    notes: list[dict[str, Any]] = []
    for component in graph.components():
        for family in _checked_families(graph, component):
            rows_, notes_ = _family_output(family, run_id, library_constants)
            rows += rows_
            notes += notes_
    annotations = pl.DataFrame(
        notes,
        schema={
            "conjecture_id": pl.String,
            "family_id": pl.String,
            "known": pl.String,
            "novelty": pl.String,
            "trivial": pl.String,
        },
    )
    return Families(rows, annotations, graph.pairs_tried)


def _conjecture_nodes(
    conjectures: pl.DataFrame, deltas: Mapping[int, float | None]
) -> dict[Pcf, Node]:
    nodes: dict[Pcf, Node] = {}
    ordered = conjectures.sort(["status", "digits"], descending=[True, True])
    for row in ordered.iter_rows(named=True):
        pcf = (tuple(row["a_coeffs"]), tuple(row["b_coeffs"]))
        if pcf not in nodes:
            delta = measured_delta(pcf, deltas.get(row["pcf_id"]))
            group = basis_group(row["basis"], row["relation"])
            nodes[pcf] = Node(pcf, group, _rate(pcf), delta)
        nodes[pcf].conjectures.append(row)
    return nodes


def _library_nodes(library: Sequence[LibraryFormula], groups: set[tuple[str, ...]]) -> list[Node]:
    """Library formulas in the classes some conjecture is in (the rest cannot meet one)."""
    anchors = []
    for formula in library:
        group = library_group(formula)
        if group in groups:
            pcf = (formula.a_coeffs, formula.b_coeffs)
            node = Node(pcf, group, _rate(pcf), _walked_delta(pcf), library=formula)
            anchors.append(node)
    return anchors


class _EquivalenceGraph:
    """Nodes joined by checked certificates; union-find over them."""

    def __init__(self, nodes: Sequence[Node], max_degree: int) -> None:
        self.nodes = list(nodes)
        self.max_degree = max_degree
        self.parent = list(range(len(self.nodes)))
        # i -> [(j, certificate, forward)]: forward when it relates i to j, else j to i
        self.edges: dict[int, list[tuple[int, Certificate, bool]]] = {}
        self.pairs_tried = 0

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def connect(self) -> None:
        classes: dict[tuple, list[int]] = {}
        for i, node in enumerate(self.nodes):
            classes.setdefault((node.group, node.rate), []).append(i)
        for members in classes.values():
            self._connect_class(members)

    def _connect_class(self, members: list[int]) -> None:
        """Pairs in order of δ, within the tolerance (any δ for a PCF without one); two
        families are tried against each other at most once."""
        failed: set[tuple[int, int]] = set()
        by_delta = sorted(members, key=lambda i: _delta_key(self.nodes[i]))
        for x, i in enumerate(by_delta):
            for j in by_delta[x + 1 :]:
                if not _close(self.nodes[i], self.nodes[j]):
                    if self.nodes[j].delta is not None and self.nodes[i].delta is not None:
                        break  # sorted: every later j is further away
                    continue
                root_i, root_j = self.find(i), self.find(j)
                pair = (min(root_i, root_j), max(root_i, root_j))
                if root_i == root_j or pair in failed:
                    continue
                if self.nodes[i].library is not None and self.nodes[j].library is not None:
                    continue  # two library formulas: nothing to learn
                self.pairs_tried += 1
                certificate = find_certificate(
                    self.nodes[i].pcf, self.nodes[j].pcf, max_degree=self.max_degree
                )
                if certificate is None:
                    failed.add(pair)
                    continue
                self.edges.setdefault(i, []).append((j, certificate, True))
                self.edges.setdefault(j, []).append((i, certificate, False))
                self.parent[root_i] = root_j
                failed = {(self.find(a), self.find(b)) for a, b in failed}
                failed = {(min(p), max(p)) for p in failed}

    def components(self) -> list[list[int]]:
        groups: dict[int, list[int]] = {}
        for i in range(len(self.nodes)):
            groups.setdefault(self.find(i), []).append(i)
        return [g for g in groups.values() if any(self.nodes[i].conjectures for i in g)]

    def certificate_to(self, start: int, goal: int) -> Certificate:
        """Compose the found certificates along a path start -> goal (breadth first)."""
        previous: dict[int, tuple[int, Certificate, bool]] = {}
        frontier, seen = [start], {start}
        while frontier and goal not in seen:
            following = []
            for i in frontier:
                for j, certificate, forward in self.edges.get(i, []):
                    if j not in seen:
                        seen.add(j)
                        previous[j] = (i, certificate, forward)
                        following.append(j)
            frontier = following
        path: list[Certificate] = []
        node = goal
        while node != start:
            node, certificate, forward = previous[node]
            path.append(certificate if forward else _inverted(certificate))
        result = IDENTITY
        for certificate in reversed(path):
            result = compose(result, certificate)
        return result


@functools.lru_cache(maxsize=4096)
def _inverted(certificate: Certificate) -> Certificate:
    """Inverses are needed only along paths walked backwards: computed then, once."""
    return inverse(certificate)


def _delta_key(node: Node) -> float:
    return node.delta if node.delta is not None else float("-inf")


def _close(first: Node, second: Node) -> bool:
    if first.delta is None or second.delta is None:
        return True  # no measurement to rule the pair out
    return abs(first.delta - second.delta) <= DELTA_TOLERANCE


@dataclass
class _Family:
    rep: Node
    members: list[tuple[Node, Certificate, tuple[tuple[int, int], tuple[int, int]]]]
    anchors: list[Node]


def _checked_families(graph: _EquivalenceGraph, component: list[int]) -> Iterable[_Family]:
    """The component's family, and a family of its own for each member whose composed
    certificate or limit map does not check."""
    conjecture_nodes = [i for i in component if graph.nodes[i].conjectures]
    rep_index = min(conjecture_nodes, key=lambda i: simplicity(graph.nodes[i].pcf))
    rep = graph.nodes[rep_index]
    anchors = [
        graph.nodes[i]
        for i in component
        if graph.nodes[i].library is not None and _anchor_checks(graph, i, rep_index)
    ]
    family = _Family(rep, [(rep, IDENTITY, ((1, 0), (0, 1)))], anchors)
    loners = []
    for i in conjecture_nodes:
        if i == rep_index:
            continue
        member = graph.nodes[i]
        for certificate, substituted in _certificates_to_rep(graph, i, rep_index):
            checked = _checked(member, rep, certificate, substituted=substituted)
            if checked is not None:
                family.members.append((member, certificate, checked))
                break
        else:
            loners.append(_Family(member, [(member, IDENTITY, ((1, 0), (0, 1)))], []))
    yield family
    yield from loners


def _certificates_to_rep(
    graph: _EquivalenceGraph, i: int, rep_index: int
) -> Iterator[tuple[Certificate, bool]]:
    """Certificates relating node i to the representative, best first, each with whether
    it was already checked by substitution: a direct one (simpler to read than a composed
    one, and cheaper), the composition along found certificates, then direct ones of
    lower degree, for when a high-degree U's limit map fails its check (a U growing
    faster than a slowly converging PCF settles)."""
    member, rep = graph.nodes[i].pcf, graph.nodes[rep_index].pcf
    direct = find_certificate(member, rep, max_degree=graph.max_degree)
    if direct is not None:
        yield direct, True  # find_certificate returns only what substitution accepted
    yield graph.certificate_to(i, rep_index), False
    for degree in range(graph.max_degree):
        lower = find_certificate(member, rep, max_degree=degree)
        if lower is not None and lower != direct:
            yield lower, True


def _anchor_checks(graph: _EquivalenceGraph, anchor_index: int, rep_index: int) -> bool:
    """A library PCF counts for the family only when a certificate to the representative
    holds and its limit map sends the representative's closed form onto the library's
    stated value, like any member's."""
    anchor, rep = graph.nodes[anchor_index], graph.nodes[rep_index]
    library = anchor.library
    assert library is not None
    digits = min(MAP_CHECK_DIGITS, rep.conjectures[0]["digits"]) - 2
    for certificate, substituted in _certificates_to_rep(graph, anchor_index, rep_index):
        if not substituted and not certificate_holds(anchor.pcf, rep.pcf, certificate):
            continue
        try:
            transform = limit_map(anchor.pcf, rep.pcf, certificate)
        except ValueError:
            continue
        value = lambda: library.value(mpmath.mp.dps)  # noqa: E731
        if _maps_onto(transform, rep.conjectures[0], value, digits):
            return True
    return False


def _maps_onto(
    transform: tuple[tuple[int, int], tuple[int, int]],
    rep_row: Mapping[str, Any],
    target: Callable[[], mpmath.mpf],
    digits: float,
) -> bool:
    """T sends the representative's closed form to ``target()`` within ``digits`` (a U
    growing faster than a slow PCF converges gives a certificate whose T does not)."""
    with mpmath.workdps(MAP_CHECK_DIGITS + 20):
        try:
            mapped = apply_mobius(transform, closed_form(rep_row))
            value = target()
        except (ArithmeticError, ValueError, mpmath.libmp.NoConvergence):
            return False  # a closed form that cannot be evaluated cannot back the map
        error = abs(mapped - value) / max(mpmath.mpf(1), abs(value))
        return bool(error <= mpmath.mpf(10) ** (-digits))


def _checked(
    member: Node, rep: Node, certificate: Certificate, *, substituted: bool
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The limit map when the certificate holds by substitution (already ``substituted``,
    or here) and maps the rep's closed form onto the member's; None otherwise."""
    if not substituted and not certificate_holds(member.pcf, rep.pcf, certificate):
        return None
    try:
        transform = limit_map(member.pcf, rep.pcf, certificate)
    except ValueError:
        return None
    member_row, rep_row = member.conjectures[0], rep.conjectures[0]
    digits = min(MAP_CHECK_DIGITS, member_row["digits"], rep_row["digits"]) - 2
    if not _maps_onto(transform, rep_row, lambda: closed_form(member_row), digits):
        return None
    return transform


def closed_form(row: Mapping[str, Any]) -> mpmath.mpf:
    """A conjecture's value from its relation (a polynomial in L over its constants, at
    the current precision): the root nearest the screened limit when there are several."""
    by_power: dict[int, mpmath.mpf] = {}
    for entry, coefficient in zip(row["basis"], row["relation"], strict=True):
        if coefficient == 0:
            continue
        factors = entry.split("*")
        power = factors.count("L")
        constants = [f for f in factors if f not in ("L", "1")]
        value = constant_value("*".join(constants)) if constants else mpmath.mpf(1)
        by_power[power] = by_power.get(power, mpmath.mpf(0)) + coefficient * value
    degree = max(by_power)
    if degree == 1:
        return -by_power.get(0, mpmath.mpf(0)) / by_power[1]
    coefficients = [by_power.get(k, mpmath.mpf(0)) for k in range(degree, -1, -1)]
    roots = [r.real for r in mpmath.polyroots(coefficients, maxsteps=200, extraprec=60)]
    near = row.get("limit")
    if near is None:
        near = float(_walked_value((tuple(row["a_coeffs"]), tuple(row["b_coeffs"]))))
    return min(roots, key=lambda r: abs(r - near))


@functools.lru_cache(maxsize=1024)
def _walked_value(pcf: Pcf) -> float:
    from conjectura.kernels.exact import limit_estimate

    return float(limit_estimate(pcf[0], pcf[1], 200).value)


def _family_output(
    family: _Family, run_id: str, library_constants: frozenset[str]
) -> tuple[list[Row], list[dict[str, Any]]]:
    rep = family.rep
    family_id = family_id_of(rep.pcf)
    trivial = _trivial_reason(family)
    rows, notes = [], []
    for member, certificate, transform in family.members:
        kind = "representative" if member is rep else kind_of(certificate)
        known = _known_name(family.anchors, member.pcf, rep.pcf)
        for conjecture in member.conjectures:
            rows.append(
                {
                    "family_id": family_id,
                    "space": conjecture["space"],
                    "conjecture_id": conjecture["conjecture_id"],
                    "pcf_id": conjecture["pcf_id"],
                    "a_coeffs": list(member.pcf[0]),
                    "b_coeffs": list(member.pcf[1]),
                    "rep_a_coeffs": list(rep.pcf[0]),
                    "rep_b_coeffs": list(rep.pcf[1]),
                    "kind": kind,
                    "certificate": certificate.to_json(),
                    "limit_map": [list(transform[0]), list(transform[1])],
                    "delta": member.delta,
                    "run_id": run_id,
                }
            )
            notes.append(
                {
                    "conjecture_id": conjecture["conjecture_id"],
                    "family_id": family_id,
                    "known": known,
                    "novelty": _novelty(
                        known, member.group, conjecture["basis"], library_constants
                    ),
                    "trivial": trivial,
                }
            )
    return rows, notes


def _trivial_reason(family: _Family) -> str | None:
    if any(len(m.pcf[0]) <= 1 and len(m.pcf[1]) <= 1 for m, _, _ in family.members):
        return CONSTANT_COEFFICIENTS
    for anchor in family.anchors:
        assert anchor.library is not None
        if anchor.library.trivial:
            return f"{anchor.library.trivial} ({anchor.library.family or anchor.library.name})"
    return None


def _known_name(anchors: Sequence[Node], member: Pcf, rep: Pcf) -> str | None:
    """The library formula a member is known as: the one that is its very PCF, else the
    representative's, else a named classic before a member of a parameter family, then by
    name (a stable choice). Every anchor of the family is related to it by certificates."""
    formulas = [node.library for node in anchors if node.library is not None]
    if not formulas:
        return None

    def preference(formula: LibraryFormula) -> tuple:
        pcf = (formula.a_coeffs, formula.b_coeffs)
        return (pcf != member, pcf != rep, formula.family is not None, formula.name)

    return min(formulas, key=preference).name


def _novelty(
    known: str | None,
    group: tuple[str, ...],
    basis: Sequence[str],
    library_constants: frozenset[str],
) -> str:
    if known is not None:
        return "known"
    if len(group) == 1 and _is_mobius(basis, group[0]) and group[0] in library_constants:
        return "known-constant-new-pcf"
    return "new"


def _is_mobius(basis: Sequence[str], constant: str) -> bool:
    return sorted(basis) == sorted(["1", constant, "L", f"L*{constant}"])
