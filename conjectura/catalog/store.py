"""The Parquet catalog: the only code that knows where files live.

Layout (hive partitions, one file per shard and table, plain Parquet written by Polars):

    <root>/pcf/space=<name-hash>/<shard>.parquet
    <root>/conjectures/kind=<kind>/<space>-<shard>-<settings>.parquet
    <root>/constants/<name>.parquet
    <root>/runs/<run_id>.parquet

A commit writes the whole file under ``<root>/.staging`` and renames it into place, so a
reader sees either no file or a complete one; the same key always names the same file,
so a retried task replaces its own output instead of adding rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from conjectura.schemas.tables import (
    CONSTANTS,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    TABLE_NAME_KEY,
    TABLES,
    Table,
)

DEFAULT_ROOT = Path("data/catalog")
ENV_VAR = "CONJECTURA_CATALOG"


class Catalog:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    @classmethod
    def locate(cls, root: str | Path | None = None) -> Catalog:
        """``root`` if given, else $CONJECTURA_CATALOG, else ./data/catalog."""
        return cls(root or os.environ.get(ENV_VAR) or DEFAULT_ROOT)

    def __repr__(self) -> str:
        return f"Catalog({str(self.root)!r})"

    # -- paths ---------------------------------------------------------------

    def table_dir(self, table: Table) -> Path:
        return self.root / table.name

    def file_path(self, table: Table, partition: Mapping[str, str], key: str) -> Path:
        if set(partition) != set(table.partition_by):
            raise ValueError(
                f"{table.name}: partition {sorted(partition)} != {list(table.partition_by)}"
            )
        directory = self.table_dir(table)
        for column in table.partition_by:
            directory = directory / f"{column}={partition[column]}"
        return directory / f"{key}.parquet"

    def glob(self, table: Table) -> str:
        return str(self.table_dir(table) / "**" / "*.parquet")

    # -- writing -------------------------------------------------------------

    def commit(
        self,
        table: Table,
        columns: Mapping[str, list[Any]],
        *,
        partition: Mapping[str, str],
        key: str,
    ) -> Path:
        """Write one file of ``table`` atomically; returns its final path."""
        frame = pl.from_arrow(pa.Table.from_pydict(dict(columns), schema=table.schema))
        assert isinstance(frame, pl.DataFrame)
        final = self.file_path(table, partition, key)
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        temporary = staging / f"{uuid.uuid4().hex}.parquet"
        frame.write_parquet(
            temporary,
            metadata={SCHEMA_VERSION_KEY: str(SCHEMA_VERSION), TABLE_NAME_KEY: table.name},
        )
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, final)
        return final

    def is_committed(self, table: Table, partition: Mapping[str, str], key: str) -> bool:
        return self.file_path(table, partition, key).exists()

    # -- reading -------------------------------------------------------------

    def scan(self, table: Table | str) -> pl.LazyFrame:
        """A LazyFrame over every committed file of the table, partitions as columns."""
        table = TABLES[table] if isinstance(table, str) else table
        empty = pl.LazyFrame(schema=self._polars_schema(table))
        if not any(self.table_dir(table).rglob("*.parquet")):
            return empty
        return pl.scan_parquet(
            self.glob(table),
            hive_partitioning=bool(table.partition_by),
            hive_schema={column: pl.String for column in table.partition_by} or None,
            missing_columns="insert",
        )

    def read_file(self, path: Path) -> pl.DataFrame:
        return pl.read_parquet(path)

    def constant_expansions(self) -> dict[str, str]:
        """name -> decimal expansion, from the constants table."""
        frame = self.scan(CONSTANTS).select("name", "value").collect()
        return dict(zip(frame["name"], frame["value"], strict=True))

    @staticmethod
    def _polars_schema(table: Table) -> pl.Schema:
        frame = pl.from_arrow(table.schema.empty_table())
        assert isinstance(frame, pl.DataFrame)
        schema = dict(frame.schema)
        schema.update({column: pl.String for column in table.partition_by})
        return pl.Schema(schema)
