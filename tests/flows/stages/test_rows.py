"""flows.stages.rows: the conjecture-row builder and the rows-to-columns helper."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa

from conjectura.flows.stages.rows import columns_of, conjecture_id, conjecture_row
from conjectura.schemas.tables import CLUSTERS, CONJECTURES, ConjectureKind


def _row(**changes: object) -> dict:
    settings: dict = {
        "kind": ConjectureKind.PCF_LIMIT,
        "identity": ["PCF(2n+1, n^2)", "1,pi,L,L*pi", "4,0,0,-1"],
        "detector": "mobius",
        "run_id": "run-1",
        "subject": "PCF(2n+1, n^2)",
        "basis": ("1", "pi", "L", "L*pi"),
        "relation": (4, 0, 0, -1),
        "formula": "PCF(2n+1, n^2) = 4/pi",
        "digits": 98.5,
        "status": "verified",
        "exact_depth": 512,
    }
    return conjecture_row(**(settings | changes))


def test_columns_of_follows_the_schema_and_fills_missing_columns_with_none() -> None:
    rows = [
        {
            "cluster_id": "p#0",
            "plane": "p",
            "number": 0,
            "members": [1, 2],
            "size": 2,
            "identified": 1,
            "label": "pi",
        },
        {
            "cluster_id": "p#1",
            "plane": "p",
            "number": 1,
            "members": [3],
            "size": 1,
            "identified": 0,
        },
    ]
    columns = columns_of(rows, CLUSTERS)
    assert list(columns) == CLUSTERS.schema.names
    assert columns["cluster_id"] == ["p#0", "p#1"]
    assert columns["members"] == [[1, 2], [3]]
    assert columns["label"] == ["pi", None]


def test_columns_of_ignores_keys_outside_the_schema_and_handles_no_rows() -> None:
    columns = columns_of([{"cluster_id": "x", "not_a_column": 5}], CLUSTERS)
    assert "not_a_column" not in columns
    assert columns["size"] == [None]
    empty = columns_of([], CONJECTURES)
    assert list(empty) == CONJECTURES.schema.names
    assert all(values == [] for values in empty.values())


def test_conjecture_id_is_stable_and_depends_on_kind_and_identity() -> None:
    first = conjecture_id("pcf_limit", ["PCF(2n+1, n^2)", "1,pi"])
    assert first == conjecture_id("pcf_limit", iter(["PCF(2n+1, n^2)", "1,pi"]))
    assert len(first) == 16 and int(first, 16) >= 0
    others = {
        conjecture_id("esma_cf", ["PCF(2n+1, n^2)", "1,pi"]),
        conjecture_id("pcf_limit", ["PCF(2n+1, n^2)", "1,e"]),
        conjecture_id("pcf_limit", ["1,pi", "PCF(2n+1, n^2)"]),
        conjecture_id("pcf_limit", ["PCF(2n+1, n^2)"]),
    }
    assert first not in others
    assert len(others) == 4


def test_conjecture_id_is_the_same_in_another_process() -> None:
    """A retry on another worker must write the same key: no per-process hashing."""
    code = (
        "from conjectura.flows.stages.rows import conjecture_id;"
        "print(conjecture_id('recurrence', ['abc', 'a(n),a(n+1)', '1,-1']))"
    )
    environment = os.environ | {"PYTHONHASHSEED": "12345"}
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    ).stdout.strip()
    assert output == conjecture_id("recurrence", ["abc", "a(n),a(n+1)", "1,-1"])


def test_conjecture_row_fills_every_required_column() -> None:
    before = datetime.now(UTC)
    row = _row(relation=np.array([4, 0, 0, -1], dtype=np.int64), pcf_id=7, space="s-1")
    assert row["conjecture_id"] == conjecture_id(
        ConjectureKind.PCF_LIMIT, ["PCF(2n+1, n^2)", "1,pi,L,L*pi", "4,0,0,-1"]
    )
    assert row["relation"] == [4, 0, 0, -1]
    assert all(type(r) is int for r in row["relation"])
    assert row["basis"] == ["1", "pi", "L", "L*pi"]
    assert row["created_at"].tzinfo is not None
    assert before <= row["created_at"] <= datetime.now(UTC)
    assert (row["pcf_id"], row["space"]) == (7, "s-1")
    required = {f.name for f in CONJECTURES.schema if not f.nullable}
    assert required <= set(row)


def test_rows_become_a_table_of_the_conjectures_schema() -> None:
    rows = [_row(), _row(subject="other", identity=["other"], signs=[1, -1])]
    table = pa.Table.from_pydict(columns_of(rows, CONJECTURES), schema=CONJECTURES.schema)
    assert table.num_rows == 2
    assert table.column("signs").to_pylist() == [None, [1, -1]]
    assert table.column("pcf_id").to_pylist() == [None, None]
    assert len(set(table.column("conjecture_id").to_pylist())) == 2
