"""catalog.queries: each question asked of a small committed catalog, answered as worked out
by hand from the rows committed here."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conjectura.catalog import queries
from conjectura.catalog.store import Catalog
from conjectura.schemas.bigint import encode_int
from conjectura.schemas.tables import ConjectureKind, TableKind

SPACE, OTHER = "small-0123456789", "other-9876543210"


def columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [row.get(name) for row in rows] for name in rows[0]}


def pcf(id_: int, status: str, delta_fr: float | None = None, growth_c: float | None = None):
    return {
        "id": id_,
        "a_coeffs": [id_, 1],
        "b_coeffs": [0, 0, 1],
        "depth": 100,
        "status": status,
        "limit": 1.5 if status == "converged" else None,
        "digits": 12.0 if status == "converged" else None,
        "shard": "s0",
        "delta_fr": delta_fr,
        "growth_c": growth_c,
    }


def conjecture(
    cid: str,
    *,
    space: str = SPACE,
    detector: str = "mobius",
    status: str = "verified",
    run_id: str = "run-1",
    pcf_id: int | None = None,
    constant: str = "pi",
    a: list[int] | None = None,
    b: list[int] | None = None,
    digits: float = 50.0,
) -> dict[str, Any]:
    return {
        "conjecture_id": cid,
        "detector": detector,
        "run_id": run_id,
        "created_at": datetime(2024, 1, 1, tzinfo=UTC),
        "subject": f"subject-{cid}",
        "pcf_id": pcf_id,
        "space": space,
        "a_coeffs": a,
        "b_coeffs": b,
        "basis": ["1", constant, "L", f"L*{constant}"],
        "relation": [1, 0, 0, -1],
        "formula": f"formula-{cid}",
        "digits": digits,
        "status": status,
        "exact_depth": 100,
    }


def cluster(number: int, members: list[int], label: str | None) -> dict[str, Any]:
    return {
        "cluster_id": f"delta_fr~growth_c#{number}",
        "plane": "delta_fr~growth_c",
        "number": number,
        "members": members,
        "size": len(members),
        "identified": 1 if label else 0,
        "label": label,
    }


def run(run_id: str, space: str, started: datetime) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "spec_name": "small",
        "spec_hash": "abc",
        "space": space,
        "code_version": "0",
        "started_at": started,
        "status": "completed",
        "shards": 1,
    }


def sequence(seq_id: str, name: str, terms: list[int]) -> dict[str, Any]:
    return {
        "seq_id": seq_id,
        "name": name,
        "source": "test",
        "line": 1,
        "offset": 0,
        "n_terms": len(terms),
        "terms": [encode_int(t) for t in terms],
    }


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Catalog:
    catalog = Catalog(tmp_path_factory.mktemp("catalog"))
    catalog.commit(
        TableKind.PCF,
        columns(
            [
                pcf(1, "converged", 0.5, 1.0),
                pcf(2, "converged", 0.7, 1.2),
                pcf(3, "diverged"),
                pcf(4, "converged"),  # converged, but without metrics
            ]
        ),
        partition={"space": SPACE},
        key="s0",
    )
    catalog.commit(
        TableKind.PCF,
        columns([pcf(5, "oscillating"), pcf(6, "converged", 0.1, 0.1)]),
        partition={"space": SPACE},
        key="s1",
    )
    catalog.commit(
        TableKind.PCF,
        columns([pcf(1, "converged", 9.0, 9.0)]),
        partition={"space": OTHER},
        key="s0",
    )
    catalog.commit(
        TableKind.CONJECTURES,
        columns(
            [
                conjecture("c1", pcf_id=1, a=[1, 1], b=[0, 0, 1], digits=80.0),
                conjecture(
                    "c2",
                    pcf_id=2,
                    constant="log2",
                    a=[2, 1],
                    b=[0, 0, 1],
                    status="numerical",
                    digits=20.0,
                ),
                conjecture("c3", pcf_id=4, detector="cluster", a=[0, 1], b=[1], digits=120.0),
                conjecture(
                    "c4",
                    pcf_id=6,
                    detector="algebraic",
                    a=[0, 1],
                    b=[0, 0, 1],
                    status="numerical",
                    run_id="run-2",
                ),
                conjecture("c5", pcf_id=1, space=OTHER, a=[1], b=[1]),
            ]
        ),
        partition={"kind": ConjectureKind.PCF_LIMIT.value},
        key="k0",
    )
    catalog.commit(
        TableKind.CONJECTURES,
        columns([conjecture("e1", detector="esma", digits=500.0)]),
        partition={"kind": ConjectureKind.ESMA_CF.value},
        key="k1",
    )
    catalog.commit(
        TableKind.CLUSTERS,
        columns(
            [
                cluster(0, [1, 2, 6], "pi"),
                cluster(1, [3, 4, 5, 7, 8], "log2"),
                cluster(2, [9, 10], None),
            ]
        ),
        partition={"space": SPACE},
        key="plane-0",
    )
    catalog.commit(
        TableKind.CLUSTERS,
        columns([cluster(0, [1], "e")]),
        partition={"space": OTHER},
        key="plane-0",
    )
    catalog.commit(
        TableKind.RUNS,
        columns([run("run-1", SPACE, datetime(2024, 1, 2, tzinfo=UTC))]),
        partition={},
        key="run-1",
    )
    catalog.commit(
        TableKind.RUNS,
        columns([run("run-0", OTHER, datetime(2024, 1, 1, tzinfo=UTC))]),
        partition={},
        key="run-0",
    )
    catalog.commit(
        TableKind.SEQUENCES,
        columns([sequence("q2", "squares", [0, 1, 4, 9]), sequence("q1", "ones", [1, 1, 1])]),
        partition={},
        key="ingest-1",
    )
    catalog.commit(
        TableKind.SEQUENCES,
        columns([sequence("q2", "squares", [0, 1, 4, 9]), sequence("q3", "big", [2**70])]),
        partition={},
        key="ingest-2",
    )
    return catalog


def test_space_counts(catalog) -> None:
    assert queries.space_counts(catalog, SPACE) == {"pcfs": 6, "converged": 4}
    assert queries.space_counts(catalog, OTHER) == {"pcfs": 1, "converged": 1}
    assert queries.space_counts(catalog, "nowhere") == {"pcfs": 0, "converged": 0}


def test_conjecture_counts(catalog) -> None:
    assert queries.conjecture_counts(catalog, SPACE) == {"conjectures": 5, "verified": 3}
    assert queries.conjecture_counts(catalog, SPACE, ConjectureKind.PCF_LIMIT) == {
        "conjectures": 4,
        "verified": 2,
    }
    assert queries.conjecture_counts(catalog, SPACE, ConjectureKind.ESMA_CF) == {
        "conjectures": 1,
        "verified": 1,
    }
    assert queries.conjecture_counts(catalog, OTHER) == {"conjectures": 1, "verified": 1}


def test_lookup_constants_are_the_mobius_conjectures_of_the_space(catalog) -> None:
    assert queries.lookup_constants(catalog, SPACE) == {1: "pi", 2: "log2"}
    assert queries.lookup_constants(catalog, OTHER) == {1: "pi"}


def test_space_metrics_only_rows_with_metrics(catalog) -> None:
    frame = queries.space_metrics(catalog, SPACE, ["delta_fr", "growth_c"]).sort("id")
    assert frame.columns == ["id", "delta_fr", "growth_c"]
    assert frame.rows() == [(1, 0.5, 1.0), (2, 0.7, 1.2), (6, 0.1, 0.1)]


def test_pcf_rows_by_id(catalog) -> None:
    frame = queries.pcf_rows(catalog, SPACE, [1, 5, 99], ["a_coeffs", "status"]).sort("id")
    assert frame.columns == ["id", "a_coeffs", "status"]
    assert frame.rows() == [(1, [1, 1], "converged"), (5, [5, 1], "oscillating")]
    assert queries.pcf_rows(catalog, SPACE, [], ["status"]).height == 0


def test_space_clusters_and_counts(catalog) -> None:
    frame = queries.space_clusters(catalog, SPACE)
    assert sorted(frame["cluster_id"]) == [f"delta_fr~growth_c#{n}" for n in range(3)]
    assert set(frame["space"]) == {SPACE}
    assert queries.cluster_counts(catalog, SPACE) == {"clusters": 3, "labelled": 2}
    assert queries.cluster_counts(catalog, OTHER) == {"clusters": 1, "labelled": 1}


def test_labelled_clusters_leave_out_the_unlabelled(catalog) -> None:
    frame = queries.labelled_clusters(catalog, SPACE)
    assert frame.columns == ["plane", "members", "size", "label"]
    assert sorted(frame.select("members", "size", "label").rows()) == [
        ([1, 2, 6], 3, "pi"),
        ([3, 4, 5, 7, 8], 5, "log2"),
    ]
    assert set(frame["plane"]) == {"delta_fr~growth_c"}


def test_space_conjectures_verified_first_then_simplest(catalog) -> None:
    frame = queries.space_conjectures(catalog, SPACE)
    # verified: c3 (height |0|+|1|+|1| = 2), c1 (1+1+1 = 3), e1 (no PCF: null height, last);
    # numerical: c4 (0+1+1 = 2), c2 (2+1+1 = 4)
    order = frame["conjecture_id"].to_list()
    verified, numerical = order[:3], order[3:]
    assert set(verified) == {"c1", "c3", "e1"}
    assert verified.index("c3") < verified.index("c1")
    assert numerical == ["c4", "c2"]
    assert list(frame["status"]) == ["verified"] * 3 + ["numerical"] * 2


def test_run_conjectures_most_digits_first(catalog) -> None:
    frame = queries.run_conjectures(catalog, "run-1")
    assert frame.columns == ["formula", "digits", "status", "detector"]
    assert frame["formula"].to_list() == [
        "formula-e1",
        "formula-c3",
        "formula-c1",
        "formula-c5",
        "formula-c2",
    ]
    assert queries.run_conjectures(catalog, "run-2")["formula"].to_list() == ["formula-c4"]


def test_latest_space_is_that_of_the_latest_run(catalog, tmp_path: Path) -> None:
    assert queries.latest_space(catalog) == SPACE
    assert queries.latest_space(Catalog(tmp_path / "empty")) is None


def test_sequence_ids(catalog) -> None:
    assert queries.sequence_ids(catalog) == ["q1", "q2", "q3"]
    assert queries.sequence_ids(catalog, ["squares", "big"]) == ["q2", "q3"]
    assert queries.sequence_ids(catalog, ["missing"]) == []


def test_sequences_by_id_one_row_each(catalog) -> None:
    frame = queries.sequences_by_id(catalog, ["q3", "q2"])
    assert frame["seq_id"].to_list() == ["q2", "q3"]
    assert frame["n_terms"].to_list() == [4, 1]
    assert frame["terms"][1].to_list() == [encode_int(2**70)]


def test_an_empty_catalog_answers_with_zeros(tmp_path: Path) -> None:
    empty = Catalog(tmp_path / "empty")
    assert queries.space_counts(empty, SPACE) == {"pcfs": 0, "converged": 0}
    assert queries.conjecture_counts(empty, SPACE) == {"conjectures": 0, "verified": 0}
    assert queries.lookup_constants(empty, SPACE) == {}
    assert queries.cluster_counts(empty, SPACE) == {"clusters": 0, "labelled": 0}
    assert queries.sequence_ids(empty) == []


def test_conjecture_breakdown_counts_by_method_basis_kind_and_status(tmp_path: Path) -> None:
    from conjectura.catalog.queries import conjecture_breakdown
    from conjectura.flows.stages.rows import columns_of, conjecture_row
    from conjectura.schemas.tables import CONJECTURES

    def row(number: int, method: str | None, kind: str | None, status: str) -> dict:
        return conjecture_row(
            kind="pcf_limit",
            identity=[str(number)],
            detector="mobius",
            run_id="r",
            subject=f"PCF({number}, 1)",
            basis=["1", "L"],
            relation=[number, -1],
            formula="x",
            digits=50.0,
            status=status,
            exact_depth=64,
            space="s",
            method=method,
            basis_kind=kind,
        )

    rows = [
        row(1, "exact", "lookup", "verified"),
        row(2, "exact", "lookup", "verified"),
        row(3, "exact", "lookup", "numerical"),
        row(4, "accelerated", "powers", "verified"),
        row(5, None, None, "numerical"),  # written before the columns existed
    ]
    Catalog(tmp_path).commit(
        CONJECTURES, columns_of(rows, CONJECTURES), partition={"kind": "pcf_limit"}, key="k"
    )
    counts = {
        (r["method"], r["basis_kind"], r["status"]): r["conjectures"]
        for r in conjecture_breakdown(Catalog(tmp_path), "s").iter_rows(named=True)
    }
    assert counts == {
        ("exact", "lookup", "verified"): 2,
        ("exact", "lookup", "numerical"): 1,
        ("accelerated", "powers", "verified"): 1,
        ("-", "-", "numerical"): 1,
    }


def test_families_overview_puts_non_trivial_new_families_first(tmp_path: Path) -> None:
    store = Catalog(tmp_path)
    # (conjecture, family, kind, novelty, trivial); family sizes 1, 2, 1, 1
    members = [
        ("k", "fam-known", "representative", "known", None),
        ("k2", "fam-known", "mirror", "known", None),
        ("n", "fam-new", "representative", "new", None),
        ("c", "fam-constant", "representative", "known-constant-new-pcf", None),
        ("t", "fam-trivial", "representative", "new", "quadratic irrational"),
    ]
    rows = []
    for cid, family, _, novelty, trivial in members:
        rows.append({**conjecture(cid, pcf_id=1, a=[1], b=[1]), "family_id": family,
                     "novelty": novelty, "trivial": trivial})  # fmt: skip
    store.commit(TableKind.CONJECTURES, columns(rows), partition={"kind": "pcf_limit"}, key="c")
    family_rows = [
        {
            "family_id": family,
            "space": SPACE,
            "conjecture_id": cid,
            "pcf_id": 1,
            "a_coeffs": [1],
            "b_coeffs": [1],
            "rep_a_coeffs": [1],
            "rep_b_coeffs": [1],
            "kind": kind,
            "certificate": "{}",
            "limit_map": [[1, 0], [0, 1]],
            "delta": None,
            "run_id": "run-1",
        }
        for cid, family, kind, _, _ in members
    ]
    store.commit(TableKind.FAMILIES, columns(family_rows), partition={}, key=SPACE)
    overview = queries.families_overview(store, SPACE)
    assert overview["family_id"].to_list() == [
        "fam-new", "fam-constant", "fam-known", "fam-trivial"
    ]  # fmt: skip
    assert overview["members"].to_list() == [1, 1, 2, 1]
    assert overview["conjecture_id"].to_list() == ["n", "c", "k", "t"]  # representatives
    assert queries.families_overview(store, OTHER).is_empty()
