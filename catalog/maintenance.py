"""Catalog maintenance: compaction that readers never see half-done, migration of files
written by an older schema version, and a full check."""

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
from itertools import pairwise
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from conjectura.catalog.store import (
    COMPACTED_PREFIX,
    VERSION_FILE,
    Catalog,
    CatalogError,
    Footer,
    TableLike,
    read_footer,
    read_rows,
    write_file,
)
from conjectura.schemas.tables import (
    PCF,
    RUNS,
    SCHEMA_VERSION,
    TABLES,
    Table,
    TableKind,
    schema_at,
    table_of,
    unreadable_reason,
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


def compact(catalog: Catalog, table: TableLike) -> list[Compaction]:
    """Merge each partition of ``table`` holding several files into one file, recording in
    its footer every shard key and the key's row range (see ``store.KEY_ROWS_KEY``)."""
    table = table_of(table)
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
    directory = catalog.partition_dir(table, partition)
    with catalog.partition_lock(table, partition, exclusive=True):
        files = sorted(directory.glob("*.parquet"))
        if len(files) < 2:
            return None
        keys: list[str] = []
        key_rows: dict[str, tuple[int, int]] = {}
        frames: list[pl.DataFrame] = []
        offset = 0
        for path in files:
            footer = read_footer(path)
            frame = read_rows(path, table)  # older additive versions: new columns null-filled
            keys.extend(_keys_of(path, footer))
            for key, (start, stop) in _key_rows_of(path, footer, table, frame).items():
                key_rows[key] = (start + offset, stop + offset)
            offset += frame.height
            frames.append(frame)
        if len(keys) != len(set(keys)):
            raise RuntimeError(f"{directory}: a shard key appears in two files; run check")
        frame = pl.concat(frames, how="vertical")
        digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]
        replacement = catalog.staging_dir() / f"compact-{uuid.uuid4().hex}"
        replacement.mkdir()
        merged = replacement / f"{COMPACTED_PREFIX}{digest}.parquet"
        write_file(frame, merged, table, keys, key_rows or None)
        exchange(replacement, directory)  # readers now list the merged file only
        trash = catalog.root / ".trash" / f"{time.time():.0f}-{uuid.uuid4().hex[:8]}"
        trash.parent.mkdir(parents=True, exist_ok=True)
        os.replace(replacement, trash)  # the old files, kept a while for late readers
    return Compaction(table.name, partition, len(files), frame.height)


def _keys_of(path: Path, footer: Footer) -> list[str]:
    """A compacted file's keys are in its footer; a shard's own file is named by its key."""
    return list(footer.keys) if path.name.startswith(COMPACTED_PREFIX) else [path.stem]


def _key_rows_of(
    path: Path, footer: Footer, table: Table, frame: pl.DataFrame
) -> dict[str, tuple[int, int]]:
    """Each key's row range within one file, as far as it can be known.

    Files compacted before version 6 list keys without ranges: for pcf the ``shard``
    column says where each key's rows are (compaction concatenated whole files, so they
    are contiguous); for other tables those keys stay without a range."""
    if not path.name.startswith(COMPACTED_PREFIX):
        return {path.stem: (0, frame.height)}
    rows = dict(footer.key_rows)
    unknown = [key for key in footer.keys if key not in rows]
    if unknown and table.name == TableKind.PCF:
        spans = (
            frame.select(pl.col("shard"))
            .with_row_index("row")
            .filter(pl.col("shard").is_in(unknown))
            .group_by("shard")
            .agg(start=pl.col("row").min(), stop=pl.col("row").max() + 1, rows=pl.len())
        )
        for key, start, stop, count in spans.iter_rows():
            if stop - start == count:  # contiguous: a range is exact
                rows[key] = (start, stop)
        found = set(spans["shard"])
        rows.update({key: (0, 0) for key in unknown if key not in found})  # no rows at all
    return rows


def _empty_trash(catalog: Catalog) -> None:
    trash = catalog.root / ".trash"
    if not trash.exists():
        return
    now = time.time()
    for entry in trash.iterdir():
        stamp = entry.name.split("-", 1)[0]
        if stamp.isdigit() and now - int(stamp) > TRASH_GRACE_S:
            shutil.rmtree(entry, ignore_errors=True)


# -- migrate -------------------------------------------------------------------


@dataclass(frozen=True)
class MigrationReport:
    """What :func:`migrate` did: catalog.json's version before and after, files rewritten."""

    version_before: int
    version_after: int
    files_rewritten: tuple[Path, ...]

    @property
    def changed(self) -> bool:
        return self.version_before != self.version_after or bool(self.files_rewritten)


def migrate(catalog: Catalog) -> MigrationReport:
    """Rewrite every file stamped with an older (additive) version in the current schema.

    Each file is rewritten whole, with the missing columns null, the current version stamp,
    and the same name, shard keys and key row ranges, to .staging and then renamed over the
    old one, under its partition's exclusive lock; then catalog.json is moved to the
    current version. Readers therefore see the old or the new file, both valid. Running it
    again does nothing. A catalog this code cannot read raises CatalogError untouched."""
    before = catalog.stored_version()
    if before is None:
        raise CatalogError(f"{catalog.root}: no {VERSION_FILE}, so no catalog to migrate")
    rewritten: list[Path] = []
    for table in TABLES.values():
        for partition in partitions(catalog, table):
            rewritten.extend(_migrate_partition(catalog, table, partition))
    if before != SCHEMA_VERSION:
        catalog.write_version_marker()
    return MigrationReport(before, SCHEMA_VERSION, tuple(rewritten))


def _migrate_partition(catalog: Catalog, table: Table, partition: dict[str, str]) -> list[Path]:
    directory = catalog.partition_dir(table, partition)
    rewritten = []
    with catalog.partition_lock(table, partition, exclusive=True):
        for path in sorted(directory.glob("*.parquet")):
            try:
                footer = read_footer(path)
            except Exception as err:
                raise CatalogError(f"cannot migrate {path}: unreadable footer ({err})") from err
            if footer.version == SCHEMA_VERSION:
                continue
            reason = (
                "no schema version stamp"
                if footer.version is None
                else unreadable_reason(footer.version)
            )
            if reason is not None:
                raise CatalogError(f"cannot migrate {path}: {reason}")
            frame = read_rows(path, table)
            key_rows = _key_rows_of(path, footer, table, frame)
            temporary = catalog.staging_dir() / f"{uuid.uuid4().hex}.parquet"
            try:
                write_file(frame, temporary, table, _keys_of(path, footer), key_rows or None)
                os.replace(temporary, path)  # readers see the old file or the new, whole
            finally:
                temporary.unlink(missing_ok=True)
            rewritten.append(path)
    return rewritten


# -- check ---------------------------------------------------------------------


def check(catalog: Catalog) -> list[str]:
    """Every problem found, one line each naming the file or partition; [] if none.

    Files of an older version are fine when their columns are what the schema history
    says that version wrote (``maintenance.migrate`` brings them up to date)."""
    problems: list[str] = []
    stored: int | None = None
    readable = True  # catalog.json accepted (or absent): the runs table can be scanned
    try:
        stored = catalog.stored_version()
    except CatalogError as err:
        problems.append(str(err))
        readable = False
    else:
        if stored is None and any(catalog.table_dir(t).exists() for t in TABLES.values()):
            problems.append(f"{catalog.root}: tables but no {VERSION_FILE}")
    for table in TABLES.values():
        for partition in partitions(catalog, table):
            problems.extend(_check_partition(catalog, table, partition, stored))
    if readable:
        problems.extend(_check_runs(catalog))
    return problems


def _check_partition(
    catalog: Catalog, table: Table, partition: dict[str, str], stored: int | None
) -> list[str]:
    directory = catalog.partition_dir(table, partition)
    problems = []
    keys: Counter[str] = Counter()
    ids: Counter = Counter()
    id_column = {TableKind.PCF: "id", TableKind.CONJECTURES: "conjecture_id"}.get(table.name)
    for path in sorted(directory.glob("*.parquet")):
        try:
            footer = read_footer(path)
            data = pq.read_table(path)  # decodes every page: corruption shows here
        except Exception as err:
            problems.append(f"{path}: unreadable ({type(err).__name__}: {err})")
            continue
        stamp = footer.version
        reason = "no schema version stamp" if stamp is None else unreadable_reason(stamp)
        expected: pa.Schema | None = table.schema
        if reason is not None:
            problems.append(f"{path}: {reason}")
        else:
            assert stamp is not None
            if stored is not None and stamp > stored:
                problems.append(f"{path}: schema version {stamp}, newer than {VERSION_FILE}'s")
            expected = schema_at(table, stamp)
            if expected is None:
                problems.append(f"{path}: no {table.name} table at schema version {stamp}")
                continue
        if footer.table is not None and footer.table != table.name:
            problems.append(f"{path}: stamped as a file of table {footer.table}")
        if data.schema.names != expected.names or any(
            _plain(data.schema.field(n).type) != expected.field(n).type for n in expected.names
        ):
            problems.append(
                f"{path}: columns {data.schema.names} do not match the "
                f"{table.name} schema {expected.names}"
                + (f" (version {stamp})" if stamp != SCHEMA_VERSION else "")
            )
            continue
        if data.num_rows != footer.num_rows:
            problems.append(f"{path}: footer says {footer.num_rows} rows, read {data.num_rows}")
        file_keys = _keys_of(path, footer)
        if not path.name.startswith(COMPACTED_PREFIX) and footer.keys not in ((), (path.stem,)):
            problems.append(f"{path}: footer keys {list(footer.keys)} are not its name")
        problems.extend(_check_key_rows(path, footer, table, data))
        keys.update(file_keys)
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


def _check_key_rows(path: Path, footer: Footer, table: Table, data: pa.Table) -> list[str]:
    """Key row ranges name the file's keys, stay inside it, never overlap, and cover every
    row when every key has one; in pcf, each range holds exactly its shard's rows."""
    if not footer.key_rows:
        return []
    problems = []
    strangers = set(footer.key_rows) - set(footer.keys)
    if strangers:
        problems.append(f"{path}: row ranges for keys it does not hold: {sorted(strangers)[:5]}")
    spans = sorted(footer.key_rows.values())
    if any(not 0 <= a <= b <= footer.num_rows for a, b in spans) or any(
        b > c for (_, b), (c, _) in pairwise(spans)
    ):
        problems.append(
            f"{path}: key row ranges overlap or leave the file's {footer.num_rows} rows"
        )
    elif set(footer.keys) <= set(footer.key_rows) and sum(b - a for a, b in spans) != data.num_rows:
        problems.append(f"{path}: key row ranges do not cover its {data.num_rows} rows")
    elif table.name == TableKind.PCF:
        shard = data.column("shard")
        for key, (a, b) in footer.key_rows.items():
            if set(shard.slice(a, b - a).to_pylist()) - {key}:
                problems.append(f"{path}: rows {a}..{b} are not all of shard {key}")
                break
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
        directory = catalog.partition_dir(PCF, {"space": space})
        rows = 0
        for path in directory.glob("*.parquet"):
            try:
                rows += pq.read_metadata(path).num_rows
            except Exception:
                continue
        if rows != expected:
            problems.append(f"pcf/space={space}: {rows} rows, its completed run counted {expected}")
    return problems
