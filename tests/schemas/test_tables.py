"""Table kinds, conjecture kinds and the schema history that migrations rely on."""

from __future__ import annotations

import pytest

from conjectura.schemas.tables import (
    CONJECTURES,
    OLDEST_READABLE_VERSION,
    RUNS,
    SCHEMA_HISTORY,
    SCHEMA_VERSION,
    TABLES,
    ConjectureKind,
    Table,
    TableKind,
    schema_at,
    table_of,
    unreadable_reason,
)


def test_every_table_kind_names_its_table() -> None:
    assert list(TABLES) == list(TableKind)
    for kind, table in TABLES.items():
        assert table.name == kind and TABLES[kind.value] is table and table_of(kind.value) is table
    assert {k.value for k in TableKind} == {
        "pcf", "conjectures", "constants", "runs", "clusters", "sequences", "families",
        "trajectories",
    }  # fmt: skip
    assert f"{TableKind.RUNS}" == "runs" and table_of(RUNS) is RUNS
    with pytest.raises(KeyError, match="no table 'run'"):
        table_of("run")


def test_conjecture_kinds_are_the_values_of_the_kind_partition() -> None:
    assert [k.value for k in ConjectureKind] == [
        "pcf_limit", "esma_cf", "recurrence", "sequence_limit", "cmf_trajectory"
    ]  # fmt: skip
    assert CONJECTURES.partition_by == ("kind",)
    assert ConjectureKind("esma_cf") is ConjectureKind.ESMA_CF


def test_the_dead_file_schema_property_is_gone() -> None:
    assert not hasattr(Table, "file_schema")


def test_version_6_adds_the_nullable_family_column_after_space() -> None:
    step = next(s for s in SCHEMA_HISTORY if s.version == 6)
    assert step.additive and step.new_columns == {"runs": ("family",)}
    names = RUNS.schema.names
    assert names[names.index("space") + 1] == "family" and RUNS.schema.field("family").nullable
    assert RUNS.schema.field("family").type == "string"
    old = schema_at(RUNS, 5)
    assert old is not None and old.names == [n for n in names if n != "family"]
    assert schema_at(RUNS, 6) == RUNS.schema and schema_at("pcf", 5) == TABLES["pcf"].schema


def test_version_7_adds_how_digits_were_obtained_to_conjectures() -> None:
    step = next(s for s in SCHEMA_HISTORY if s.version == 7)
    added = step.new_columns["conjectures"]
    assert step.additive and {"method", "basis_kind", "roi", "coefficient_bits"} <= set(added)
    assert all(CONJECTURES.schema.field(name).nullable for name in added)
    old = schema_at(CONJECTURES, 6)
    assert old is not None and not set(added) & set(old.names)


def test_versions_before_the_last_step_that_was_not_additive_are_unreadable() -> None:
    assert OLDEST_READABLE_VERSION == 5
    assert unreadable_reason(5) is None and unreadable_reason(6) is None
    assert "version 5 was not additive" in (unreadable_reason(4) or "")
    assert unreadable_reason(SCHEMA_VERSION) is None
    assert "newer than this conjectura" in (unreadable_reason(SCHEMA_VERSION + 1) or "")
    with pytest.raises(ValueError, match="not additive"):
        schema_at(RUNS, 4)


def test_every_additive_step_only_adds_nullable_columns_or_tables() -> None:
    for step in SCHEMA_HISTORY:
        if not step.additive:
            continue
        for name, columns in step.new_columns.items():
            for column in columns:
                assert TABLES[name].schema.field(column).nullable, (step.version, column)
        for name in step.new_tables:
            assert schema_at(name, step.version - 1) is None
