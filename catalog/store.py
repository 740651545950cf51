"""The Parquet catalog: the only code that knows where files live.

Layout (hive partitions, one file per shard and table, plain Parquet written by Polars):

    <root>/catalog.json                       {"schema_version": N}
    <root>/pcf/space=<name-hash>/<shard>.parquet
    <root>/conjectures/kind=<kind>/<space>-<shard>-<settings>.parquet
    <root>/constants/<name>.parquet
    <root>/runs/<run_id>.parquet

A commit writes the whole file under ``<root>/.staging`` and renames it into place, so a
reader sees either no file or a complete one; the same key always names the same file,
so a retried task replaces its own output instead of adding rows. Every file records in
its Parquet footer metadata the shard keys it holds (``conjectura.keys``) and where each
key's rows are (``conjectura.key_rows``, ``{key: [start, stop]}``), which is how a resumed
run knows what is already committed and how :meth:`Catalog.read_shard` finds a shard's
rows, before and after compaction.

Compaction (:mod:`conjectura.catalog.maintenance`) merges a partition's files into one
``compact-<digest>.parquet`` and swaps the new directory for the old in a single rename
(``RENAME_EXCHANGE``), under an exclusive lock that commits and shard reads of the same
partition wait for: a reader listing the directory sees the old files or the new one,
never both, never neither. So file names are the catalog's business: callers ask for a
table (:meth:`Catalog.scan`) or a shard (:meth:`Catalog.read_shard`), never for a path.

Schema versions: every file is stamped with the version that wrote it, catalog.json with
the newest version written. Files of an older version whose later steps are all additive
(see ``SCHEMA_HISTORY``) are read with the missing columns null-filled; ``maintenance.migrate``
rewrites them to the current version.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
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
    Table,
    TableKind,
    table_of,
    unreadable_reason,
)

DEFAULT_ROOT = Path("data/catalog")
ENV_VAR = "CONJECTURA_CATALOG"
KEYS_KEY = "conjectura.keys"
"""Footer metadata: JSON list of the shard keys a file holds."""
KEY_ROWS_KEY = "conjectura.key_rows"
"""Footer metadata: JSON ``{key: [start, stop]}``, each key's row range within the file.
Absent in files compacted before schema version 6 (then only ``keys`` is known)."""
VERSION_FILE = "catalog.json"
COMPACTED_PREFIX = "compact-"

TableLike = Table | TableKind | str
"""Anything that names a table: the Table, its TableKind, or the kind's string value."""


class CatalogError(RuntimeError):
    """A catalog that cannot be used as it is; the message says why."""


class ShardNotFoundError(CatalogError, KeyError):
    """No shard of that key is committed to that partition.

    Both a CatalogError and a KeyError, so ``except KeyError`` works as for a mapping."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class Catalog:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        self._version_checked = False  # catalog.json read and accepted
        self._version_written = False  # catalog.json says SCHEMA_VERSION

    @classmethod
    def locate(cls, root: str | Path | None = None) -> Catalog:
        """``root`` if given, else $CONJECTURA_CATALOG, else ./data/catalog."""
        return cls(root or os.environ.get(ENV_VAR) or DEFAULT_ROOT)

    def __repr__(self) -> str:
        return f"Catalog({str(self.root)!r})"

    # -- paths: the catalog's internals (views and checks); callers read by table or shard --

    def table_dir(self, table: TableLike) -> Path:
        """Internal: the table's directory. Read tables with :meth:`scan`, not by path."""
        return self.root / table_of(table).name

    def partition_dir(self, table: TableLike, partition: Mapping[str, str]) -> Path:
        """Internal: the directory of one partition (the table's for unpartitioned tables)."""
        table = table_of(table)
        if set(partition) != set(table.partition_by):
            raise ValueError(
                f"{table.name}: partition {sorted(partition)} != {list(table.partition_by)}"
            )
        directory = self.table_dir(table)
        for column in table.partition_by:
            directory = directory / f"{column}={partition[column]}"
        return directory

    def file_path(self, table: TableLike, partition: Mapping[str, str], key: str) -> Path:
        """Internal: where a commit of ``key`` lands. After compaction the shard's rows live
        in a merged file instead: read them with :meth:`read_shard`, never by this path."""
        return self.partition_dir(table, partition) / f"{key}.parquet"

    def glob(self, table: TableLike) -> str:
        """Internal: a glob of every file of the table (for DuckDB views and checks)."""
        return str(self.table_dir(table) / "**" / "*.parquet")

    # -- writing -------------------------------------------------------------

    def commit(
        self,
        table: TableLike,
        columns: Mapping[str, list[Any]],
        *,
        partition: Mapping[str, str],
        key: str,
    ) -> Path:
        """Write one file of ``table`` atomically; returns its final path."""
        table = table_of(table)
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

    def annotate(
        self,
        table: TableLike,
        partition: Mapping[str, str],
        values: pl.DataFrame,
        *,
        on: str | Sequence[str],
    ) -> int:
        """Set some nullable columns of committed rows: ``values`` holds the ``on`` columns
        (which together identify a row) and the columns to set; rows of the partition that
        ``values`` names get those values, every other row and column stays as it was.
        Returns the number of rows changed.

        For columns that a later stage derives from rows already committed (a conjecture's
        family, say). Each file is rewritten whole, keeping its name, shard keys and row
        order (so the footers' row ranges stay true), to .staging and renamed over the old
        one, under the partition's exclusive lock: a reader sees the old file or the new,
        and a commit waits. A crash half-way leaves some files set and others not, never a
        row lost or doubled; setting the same values again changes nothing more."""
        table = table_of(table)
        self.ensure_version()
        keys = [on] if isinstance(on, str) else list(on)
        columns = [c for c in values.columns if c not in keys]
        for column in columns:
            if column not in table.schema.names or not table.schema.field(column).nullable:
                raise CatalogError(f"{table.name}.{column}: not a nullable column to annotate")
        if values.select(keys).is_duplicated().any():
            raise CatalogError(f"{table.name}: annotations name a row ({', '.join(keys)}) twice")
        wanted = values.select(
            *keys, *[pl.col(c).alias(f"__new_{c}") for c in columns], __hit=pl.lit(True)
        )
        changed = 0
        directory = self.partition_dir(table, partition)
        with self.partition_lock(table, partition, exclusive=True):
            for path in sorted(directory.glob("*.parquet")):
                frame = read_rows(path, table)
                joined = frame.join(wanted, on=keys, how="left", maintain_order="left")
                hits = int(joined["__hit"].sum())
                if not hits:
                    continue
                frame = joined.with_columns(
                    pl.when(pl.col("__hit"))
                    .then(pl.col(f"__new_{c}"))
                    .otherwise(pl.col(c))
                    .alias(c)
                    for c in columns
                ).select(table.schema.names)
                footer = read_footer(path)
                compacted = path.name.startswith(COMPACTED_PREFIX)
                shard_keys = list(footer.keys) if compacted else [path.stem]
                key_rows = dict(footer.key_rows) if compacted else None
                temporary = self.staging_dir() / f"{uuid.uuid4().hex}.parquet"
                try:
                    write_file(frame, temporary, table, shard_keys, key_rows or None)
                    os.replace(temporary, path)
                finally:
                    temporary.unlink(missing_ok=True)
                changed += hits
        return changed

    def committed_keys(self, table: TableLike, partition: Mapping[str, str]) -> set[str]:
        """Keys of every shard committed to one partition, compacted or not."""
        table = table_of(table)
        directory = self.partition_dir(table, partition)
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
        self, table: TableLike, partition: Mapping[str, str], *, exclusive: bool
    ) -> Iterator[None]:
        """Shared for commits and shard reads, exclusive for compaction and migration
        (flock: one host or a POSIX file system)."""
        table = table_of(table)
        name = "__".join([table.name, *(f"{k}={partition[k]}" for k in table.partition_by)])
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        with open(locks / f"{name}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- versions ------------------------------------------------------------

    def stored_version(self) -> int | None:
        """The schema version in catalog.json (None: there is none yet).

        CatalogError when it cannot be read, or names a version this code cannot read
        (newer than the code, or older than the last step that was not additive)."""
        marker = self.root / VERSION_FILE
        try:
            text = marker.read_text()
        except FileNotFoundError:
            return None
        try:
            found = json.loads(text)["schema_version"]
        except (ValueError, KeyError, TypeError, IndexError) as err:
            raise CatalogError(
                f"{marker}: no readable schema version ({type(err).__name__}: {err})"
            ) from None
        if not isinstance(found, int) or isinstance(found, bool):
            raise CatalogError(f"{marker}: schema version {found!r} is not an integer")
        reason = unreadable_reason(found)
        if reason is not None:
            raise CatalogError(f"{self.root} holds a catalog of {reason}")
        return found

    def ensure_version(self, *, write: bool = True) -> None:
        """Refuse a catalog this code cannot read; before a write, stamp catalog.json.

        A catalog of an older version whose later steps are all additive is read as it is
        (missing columns null-filled); the first write moves its catalog.json to the current
        version, because files of that version are about to appear. Its older files keep
        their own stamps until ``maintenance.migrate`` rewrites them."""
        if self._version_written or (self._version_checked and not write):
            return
        found = self.stored_version()
        self._version_checked = True
        if not write:
            return
        if found != SCHEMA_VERSION:
            self.write_version_marker()
        self._version_written = True

    def write_version_marker(self) -> None:
        """Internal: catalog.json := the current version, atomically (other keys kept)."""
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self.root / VERSION_FILE
        content: dict[str, Any] = {}
        with contextlib.suppress(FileNotFoundError, ValueError):
            loaded = json.loads(marker.read_text())
            content = loaded if isinstance(loaded, dict) else {}
        content["schema_version"] = SCHEMA_VERSION
        temporary = self.staging_dir() / f"{uuid.uuid4().hex}.json"
        temporary.write_text(json.dumps(content) + "\n")
        os.replace(temporary, marker)

    # -- reading -------------------------------------------------------------

    def scan(self, table: TableLike) -> pl.LazyFrame:
        """A LazyFrame over every committed file of the table, partitions as columns.

        Always the current schema, whatever version wrote each file: columns added since
        an older file was written read as null."""
        table = table_of(table)
        self.ensure_version(write=False)
        if not any(self.table_dir(table).rglob("*.parquet")):
            return pl.LazyFrame(schema=self._polars_schema(table))
        return pl.scan_parquet(
            self.glob(table),
            schema=file_schema(table),
            hive_partitioning=bool(table.partition_by),
            hive_schema={column: pl.String for column in table.partition_by} or None,
            missing_columns="insert",
        )

    def read_shard(self, table: TableLike, partition: Mapping[str, str], key: str) -> pl.DataFrame:
        """The rows committed under ``key`` in one partition, in the table's current schema
        (file columns only: the partition is the caller's), wherever they live now: the
        shard's own file or a compacted file, located by the footers' key row ranges.

        Holds the partition's shared lock while locating and reading, so a concurrent
        compaction cannot swap the files underneath. Raises ShardNotFoundError (a KeyError)
        when the key is not committed there, CatalogError when its rows sit in a non-pcf
        file compacted before row ranges were recorded (schema version 5)."""
        table = table_of(table)
        self.ensure_version(write=False)
        own = self.file_path(table, partition, key)
        with self.partition_lock(table, partition, exclusive=False):
            if own.exists() and not own.name.startswith(COMPACTED_PREFIX):
                return read_rows(own, table)
            for path in sorted(own.parent.glob(f"{COMPACTED_PREFIX}*.parquet")):
                footer = read_footer(path)
                if key not in footer.keys:
                    continue
                if key in footer.key_rows:
                    return read_rows(path, table, footer.key_rows[key])
                if table.name == TableKind.PCF:  # every pcf row names its shard
                    return read_rows(path, table).filter(pl.col("shard") == key)
                raise CatalogError(
                    f"{path} holds {table.name} shard {key!r} but was compacted before "
                    "the catalog recorded where each shard's rows are; read the whole "
                    "partition with Catalog.scan instead"
                )
        where = ", ".join(f"{k}={v}" for k, v in partition.items()) or "no partition"
        raise ShardNotFoundError(f"{table.name} ({where}): no shard {key!r} is committed")

    def constant_expansions(self) -> dict[str, str]:
        """name -> decimal expansion, from the constants table."""
        frame = self.scan(CONSTANTS).select("name", "value").collect()
        return dict(zip(frame["name"], frame["value"], strict=True))

    @staticmethod
    def _polars_schema(table: Table) -> pl.Schema:
        schema = dict(file_schema(table))
        schema.update({column: pl.String for column in table.partition_by})
        return pl.Schema(schema)


# -- files: the footer contract, shared with maintenance ----------------------------------


@dataclass(frozen=True)
class Footer:
    """What a file's footer says about it, read without decoding any data page."""

    version: int | None  # None: not stamped, or not an integer
    table: str | None
    keys: tuple[str, ...]
    key_rows: dict[str, tuple[int, int]]  # may be empty (compacted before version 6)
    num_rows: int


def read_footer(path: Path) -> Footer:
    metadata = pq.read_metadata(path)
    values = {k.decode(): v.decode() for k, v in (metadata.metadata or {}).items()}
    stamp = values.get(SCHEMA_VERSION_KEY, "")
    return Footer(
        version=int(stamp) if stamp.isdigit() else None,
        table=values.get(TABLE_NAME_KEY),
        keys=tuple(json.loads(values.get(KEYS_KEY, "[]"))),
        key_rows={
            k: (int(a), int(b)) for k, (a, b) in json.loads(values.get(KEY_ROWS_KEY, "{}")).items()
        },
        num_rows=metadata.num_rows,
    )


def keys_in(path: Path) -> list[str]:
    """The shard keys a file holds, from its footer alone."""
    return list(read_footer(path).keys)


def file_schema(table: TableLike) -> pl.Schema:
    """The Polars schema of the columns stored in the table's files (current version)."""
    frame = pl.from_arrow(table_of(table).schema.empty_table())
    assert isinstance(frame, pl.DataFrame)
    return frame.schema


def read_rows(path: Path, table: TableLike, rows: tuple[int, int] | None = None) -> pl.DataFrame:
    """A file's rows ``[start, stop)`` (all by default) in the table's current schema."""
    scan = pl.scan_parquet(
        path, schema=file_schema(table), hive_partitioning=False, missing_columns="insert"
    )
    if rows is not None:
        scan = scan.slice(rows[0], rows[1] - rows[0])
    return scan.collect()


def write_file(
    frame: pl.DataFrame,
    path: Path,
    table: TableLike,
    keys: list[str],
    key_rows: Mapping[str, tuple[int, int]] | None = None,
) -> None:
    """A Parquet file of the current schema, stamped with its table, the current version,
    the shard keys it holds and, where known, each key's row range (one key: all rows)."""
    table = table_of(table)
    if frame.columns != table.schema.names:
        raise CatalogError(f"{table.name}: writing columns {frame.columns}, not the schema's")
    if key_rows is None and len(keys) == 1:
        key_rows = {keys[0]: (0, frame.height)}
    metadata = {
        SCHEMA_VERSION_KEY: str(SCHEMA_VERSION),
        TABLE_NAME_KEY: table.name,
        KEYS_KEY: json.dumps(sorted(keys)),
    }
    if key_rows:
        metadata[KEY_ROWS_KEY] = json.dumps(
            {k: [int(a), int(b)] for k, (a, b) in key_rows.items()}, sort_keys=True
        )
    frame.write_parquet(path, metadata=metadata)


def _compacted_files(directory: Path) -> dict[Path, list[str]]:
    return {p: keys_in(p) for p in directory.glob(f"{COMPACTED_PREFIX}*.parquet")}
