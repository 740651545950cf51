"""Catalog maintenance: compaction that readers never see half-done, and a full check."""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from conjectura.catalog.store import (
    COMPACTED_PREFIX,
    Catalog,
    keys_in,
    write_file,
)
from conjectura.schemas.tables import (
    PCF,
    RUNS,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    TABLES,
    Table,
)

TRASH_GRACE_S = 600.0
"""Replaced directories stay this long, for readers that listed files just before a swap."""

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def exchange(first: Path, second: Path) -> None:
    """Swap two directories in one atomic step (Linux renameat2 RENAME_EXCHANGE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    result = libc.renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"cannot exchange {first} and {second}: {os.strerror(errno)}")


def partitions(catalog: Catalog, table: Table) -> Iterator[dict[str, str]]:
    """Every partition of a table present on disk."""
    depth = len(table.partition_by)
    root = catalog.table_dir(table)
    if not root.exists():
        return
    if depth == 0:
        yield {}
        return
    pattern = "/".join(["*"] * depth)
    for directory in sorted(root.glob(pattern)):
        parts = directory.relative_to(root).parts
        if directory.is_dir() and all("=" in p for p in parts):
            yield dict(p.split("=", 1) for p in parts)


@dataclass(frozen=True)
class Compaction:
    table: str
    partition: dict[str, str]
    files_before: int
    rows: int


def compact(catalog: Catalog, table: Table) -> list[Compaction]:
    """Merge each partition of ``table`` holding several files into one file."""
    done = []
    for partition in partitions(catalog, table):
        if not table.partition_by:
            continue  # small unpartitioned tables (runs, constants) are not compacted
        result = _compact_partition(catalog, table, partition)
        if result is not None:
            done.append(result)
    _empty_trash(catalog)
    return done


def _compact_partition(catalog: Catalog, table: Table, partition: dict[str, str]):
    directory = catalog.file_path(table, partition, "x").parent
    with catalog.partition_lock(table, partition, exclusive=True):
        files = sorted(directory.glob("*.parquet"))
        if len(files) < 2:
            return None
        keys: list[str] = []
        for path in files:
            keys.extend(keys_in(path) if path.name.startswith(COMPACTED_PREFIX) else [path.stem])
        if len(keys) != len(set(keys)):
            raise RuntimeError(f"{directory}: a shard key appears in two files; run check")
        frame = pl.concat([pl.read_parquet(p) for p in files], how="vertical")
        digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
        replacement = catalog.staging_dir() / f"compact-{uuid.uuid4().hex}"
        replacement.mkdir()
        write_file(frame, replacement / f"{COMPACTED_PREFIX}{digest}.parquet", table, keys)
        exchange(replacement, directory)  # readers now list the merged file only
        trash = catalog.root / ".trash" / f"{time.time():.0f}-{uuid.uuid4().hex[:8]}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.replace(replacement, trash)  # the old files, kept a while for late readers
    return Compaction(table.name, partition, len(files), frame.height)


def _empty_trash(catalog: Catalog) -> None:
    trash = catalog.root / ".trash"
    if not trash.exists():
        return
    now = time.time()
    for entry in trash.iterdir():
        stamp = entry.name.split("-", 1)[0]
        if stamp.isdigit() and now - int(stamp) > TRASH_GRACE_S:
            shutil.rmtree(entry, ignore_errors=True)


# -- check ---------------------------------------------------------------------


def check(catalog: Catalog) -> list[str]:
    """Every problem found, one line each naming the file or partition; [] if none."""
    problems: list[str] = []
    for table in TABLES.values():
        for partition in partitions(catalog, table):
            problems.extend(_check_partition(catalog, table, partition))
    problems.extend(_check_runs(catalog))
    return problems


def _check_partition(catalog: Catalog, table: Table, partition: dict[str, str]) -> list[str]:
    directory = catalog.file_path(table, partition, "x").parent
    problems = []
    keys: Counter[str] = Counter()
    ids: Counter = Counter()
    id_column = {"pcf": "id", "conjectures": "conjecture_id"}.get(table.name)
    for path in sorted(directory.glob("*.parquet")):
        try:
            metadata = pq.read_metadata(path)
            data = pq.read_table(path)  # decodes every page: corruption shows here
        except Exception as err:
            problems.append(f"{path}: unreadable ({type(err).__name__}: {err})")
            continue
        stamp = (metadata.metadata or {}).get(SCHEMA_VERSION_KEY.encode(), b"?").decode()
        if stamp != str(SCHEMA_VERSION):
            problems.append(f"{path}: schema version {stamp}, expected {SCHEMA_VERSION}")
        expected = table.schema
        if data.schema.names != expected.names or any(
            _plain(data.schema.field(n).type) != expected.field(n).type for n in expected.names
        ):
            problems.append(
                f"{path}: columns {data.schema.names} do not match the "
                f"{table.name} schema {expected.names}"
            )
            continue
        if data.num_rows != metadata.num_rows:
            problems.append(f"{path}: footer says {metadata.num_rows} rows, read {data.num_rows}")
        keys.update(keys_in(path) if path.name.startswith(COMPACTED_PREFIX) else [path.stem])
        if id_column:
            ids.update(data.column(id_column).to_pylist())
    where = f"{table.name}/" + "/".join(f"{k}={v}" for k, v in partition.items())
    repeated_keys = [k for k, n in keys.items() if n > 1]
    if repeated_keys:
        problems.append(f"{where}: shards in more than one file: {', '.join(repeated_keys[:5])}")
    repeated_ids = [i for i, n in ids.items() if n > 1]
    if repeated_ids:
        problems.append(
            f"{where}: {len(repeated_ids)} ids appear more than once (first: {repeated_ids[0]})"
        )
    return problems


def _plain(type_: pa.DataType) -> pa.DataType:
    """Polars writes large_string / large_list; they hold the same values as the schema's."""
    if pa.types.is_large_string(type_):
        return pa.string()
    if pa.types.is_large_list(type_) or pa.types.is_list(type_):
        return pa.list_(_plain(type_.value_type))
    return type_


def _check_runs(catalog: Catalog) -> list[str]:
    """A completed run's space holds exactly the PCFs the run counted."""
    runs_dir = catalog.table_dir(RUNS)
    if not runs_dir.exists():
        return []
    try:
        runs = catalog.scan(RUNS).filter(pl.col("status") == "completed").collect()
    except Exception as err:
        return [f"{runs_dir}: runs table unreadable ({err})"]
    problems = []
    for space, expected in runs.group_by("space").agg(pl.col("pcfs").max()).iter_rows():
        directory = catalog.file_path(PCF, {"space": space}, "x").parent
        rows = 0
        for path in directory.glob("*.parquet"):
            try:
                rows += pq.read_metadata(path).num_rows
            except Exception:
                continue
        if rows != expected:
            problems.append(f"pcf/space={space}: {rows} rows, its completed run counted {expected}")
    return problems
