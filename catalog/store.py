"""The Parquet catalog: the only code that knows where files live.

Layout (hive partitions, one file per shard and table, plain Parquet written by Polars):

    <root>/pcf/space=<name-hash>/<shard>.parquet
    <root>/conjectures/kind=<kind>/<space>-<shard>-<settings>.parquet
    <root>/constants/<name>.parquet
    <root>/runs/<run_id>.parquet

A commit writes the whole file under ``<root>/.staging`` and renames it into place, so a
reader sees either no file or a complete one; the same key always names the same file,
so a retried task replaces its own output instead of adding rows. Every file records in
its Parquet metadata the shard keys it holds, which is how a resumed run knows what is
already committed, before and after compaction.

Compaction (:mod:`conjectura.catalog.maintenance`) merges a partition's files into one
and swaps the new directory for the old in a single rename (``RENAME_EXCHANGE``), under
an exclusive lock that commits to the same partition wait for: a reader listing the
directory sees the old files or the new one, never both, never neither.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

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
KEYS_KEY = "conjectura.keys"
VERSION_FILE = "catalog.json"
COMPACTED_PREFIX = "compact-"


class CatalogError(RuntimeError):
    """A catalog that cannot be used as it is; the message says why."""


class Catalog:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._version_checked = False

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
        self.ensure_version()
        columns = dict(columns)
        rows = len(next(iter(columns.values()))) if columns else 0
        for field in table.schema:  # nullable columns left out are null
            if field.name not in columns and field.nullable:
                columns[field.name] = [None] * rows
        frame = pl.from_arrow(pa.Table.from_pydict(columns, schema=table.schema))
        assert isinstance(frame, pl.DataFrame)
        final = self.file_path(table, partition, key)
        temporary = self.staging_dir() / f"{uuid.uuid4().hex}.parquet"
        write_file(frame, temporary, table, [key])
        with self.partition_lock(table, partition, exclusive=False):
            compacted = _compacted_files(final.parent)
            for path, keys in compacted.items():
                if key in keys:  # already merged by a compaction: the rows are there
                    temporary.unlink()
                    return path
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(temporary, final)
        return final

    def committed_keys(self, table: Table, partition: Mapping[str, str]) -> set[str]:
        """Keys of every shard committed to one partition, compacted or not."""
        directory = self.file_path(table, partition, "x").parent
        with self.partition_lock(table, partition, exclusive=False):
            keys = {
                p.stem
                for p in directory.glob("*.parquet")
                if not p.name.startswith(COMPACTED_PREFIX)
            }
            for merged in _compacted_files(directory).values():
                keys.update(merged)
        return keys

    def staging_dir(self) -> Path:
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        return staging

    @contextlib.contextmanager
    def partition_lock(
        self, table: Table, partition: Mapping[str, str], *, exclusive: bool
    ) -> Iterator[None]:
        """Shared for commits, exclusive for compaction (flock: one host or a POSIX FS)."""
        name = "__".join([table.name, *(f"{k}={partition[k]}" for k in table.partition_by)])
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{name}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def ensure_version(self) -> None:
        """Stamp a new catalog with the schema version; refuse one written by another."""
        if self._version_checked:
            return
        marker = self.root / VERSION_FILE
        if marker.exists():
            found = json.loads(marker.read_text()).get("schema_version")
            if found != SCHEMA_VERSION:
                raise CatalogError(
                    f"{self.root} holds a catalog of schema version {found}; this conjectura "
                    f"reads and writes version {SCHEMA_VERSION} only"
                )
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            temporary = self.staging_dir() / f"{uuid.uuid4().hex}.json"
            temporary.write_text(json.dumps({"schema_version": SCHEMA_VERSION}) + "\n")
            os.replace(temporary, marker)
        self._version_checked = True

    # -- reading -------------------------------------------------------------

    def scan(self, table: Table | str) -> pl.LazyFrame:
        """A LazyFrame over every committed file of the table, partitions as columns."""
        table = TABLES[table] if isinstance(table, str) else table
        if (self.root / VERSION_FILE).exists():
            self.ensure_version()
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


def write_file(frame: pl.DataFrame, path: Path, table: Table, keys: list[str]) -> None:
    """A Parquet file stamped with its table, schema version and the shard keys it holds."""
    frame.write_parquet(
        path,
        metadata={
            SCHEMA_VERSION_KEY: str(SCHEMA_VERSION),
            TABLE_NAME_KEY: table.name,
            KEYS_KEY: json.dumps(sorted(keys)),
        },
    )


def keys_in(path: Path) -> list[str]:
    """The shard keys a file holds, from its footer alone."""
    metadata = pq.read_metadata(path).metadata or {}
    return json.loads(metadata.get(KEYS_KEY.encode(), b"[]"))


def _compacted_files(directory: Path) -> dict[Path, list[str]]:
    return {p: keys_in(p) for p in directory.glob(f"{COMPACTED_PREFIX}*.parquet")}
