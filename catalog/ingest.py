"""Ingest integer sequences: b-files, CSV, JSONL, Parquet, streamed line by line.

A bad line is reported with its file and line number and skipped; everything else goes
in. Sequences are committed in chunks (one file per chunk, named from the source's
content hash), so re-ingesting a file adds nothing and a large file never sits in memory.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from conjectura.catalog.store import Catalog
from conjectura.schemas.tables import SEQUENCES

CHUNK = 1000
FORMATS = ("bfile", "csv", "jsonl", "parquet")


@dataclass
class IngestReport:
    source: str
    sequences: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Parsed:
    name: str
    line: int
    offset: int
    terms: list[int]


def encode(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 8) // 8), "little", signed=True)


def decode(value: bytes) -> int:
    return int.from_bytes(value, "little", signed=True)


def sequence_id(offset: int, terms: list[int]) -> str:
    return hashlib.sha256(f"{offset}|{','.join(map(str, terms))}".encode()).hexdigest()[:16]


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}.get(
        suffix, "bfile"
    )


def ingest(catalog: Catalog, path: Path, fmt: str | None = None) -> IngestReport:
    fmt = fmt or guess_format(path)
    report = IngestReport(str(path))
    digest = _file_digest(path)
    chunk: list[Parsed] = []
    index = 0
    for item in READERS[fmt](path, report.problems):
        chunk.append(item)
        if len(chunk) == CHUNK:
            _commit(catalog, path, digest, index, chunk)
            report.sequences += len(chunk)
            chunk, index = [], index + 1
    if chunk:
        _commit(catalog, path, digest, index, chunk)
        report.sequences += len(chunk)
    return report


def _commit(catalog: Catalog, path: Path, digest: str, index: int, chunk: list[Parsed]) -> None:
    catalog.commit(
        SEQUENCES,
        {
            "seq_id": [sequence_id(s.offset, s.terms) for s in chunk],
            "name": [s.name for s in chunk],
            "source": [str(path)] * len(chunk),
            "line": [s.line for s in chunk],
            "offset": [s.offset for s in chunk],
            "n_terms": [len(s.terms) for s in chunk],
            "terms": [[encode(t) for t in s.terms] for s in chunk],
        },
        partition={},
        key=f"{digest}-{index:05d}",
    )


def _file_digest(path: Path) -> str:
    hasher = hashlib.sha256(path.name.encode())
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()[:16]


def _integer(text: object) -> int:
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise ValueError(f"not an integer: {text!r}")
    return int(text) if isinstance(text, int) else int(text.strip())


def read_bfile(path: Path, problems: list[str]) -> Iterator[Parsed]:
    """`n a(n)` per line, '#' comments; one sequence per file, named after the file."""
    terms: list[int] = []
    offset = start_line = None
    with open(path) as handle:
        for number, raw in enumerate(handle, start=1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            parts = text.split()
            try:
                if len(parts) != 2:
                    raise ValueError(f"expected 'n a(n)', got {len(parts)} fields")
                n, value = _integer(parts[0]), _integer(parts[1])
                expected = None if offset is None else offset + len(terms)
                if expected is not None and n != expected:
                    raise ValueError(f"index {n} where {expected} was expected")
            except ValueError as err:
                problems.append(f"{path}:{number}: {err}")
                continue
            if offset is None:
                offset, start_line = n, number
            terms.append(value)
    if terms:
        yield Parsed(path.stem, start_line or 1, offset or 0, terms)


def read_csv(path: Path, problems: list[str]) -> Iterator[Parsed]:
    """Header `name,terms[,offset]`; terms separated by spaces or semicolons."""
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"name", "terms"} <= set(reader.fieldnames):
            problems.append(f"{path}:1: header must have name and terms columns")
            return
        for row in reader:
            line = reader.line_num
            try:
                terms = [_integer(t) for t in row["terms"].replace(";", " ").split()]
                offset = _integer(row.get("offset") or 0)
                if not terms:
                    raise ValueError("no terms")
            except (ValueError, AttributeError) as err:
                problems.append(f"{path}:{line}: {err}")
                continue
            yield Parsed(row["name"], line, offset, terms)


def read_jsonl(path: Path, problems: list[str]) -> Iterator[Parsed]:
    """One object per line: {"name": ..., "terms": [...], "offset": 0}."""
    with open(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                terms = [_integer(t) for t in item["terms"]]
                if not terms:
                    raise ValueError("no terms")
                yield Parsed(
                    str(item.get("name", f"line{number}")),
                    number,
                    _integer(item.get("offset", 0)),
                    terms,
                )
            except (ValueError, KeyError, TypeError) as err:
                problems.append(f"{path}:{number}: {type(err).__name__}: {err}")


def read_parquet(path: Path, problems: list[str]) -> Iterator[Parsed]:
    """Columns name and terms (list of integers or of decimal strings), optional offset."""
    try:
        handle = pq.ParquetFile(path)
    except Exception as err:
        problems.append(f"{path}:0: not a readable Parquet file ({err})")
        return
    row = 0
    for batch in handle.iter_batches(batch_size=1000):
        for item in batch.to_pylist():
            row += 1
            try:
                terms = [_integer(t) for t in item["terms"]]
                if not terms:
                    raise ValueError("no terms")
                yield Parsed(
                    str(item.get("name", f"row{row}")),
                    row,
                    _integer(item.get("offset") or 0),
                    terms,
                )
            except (ValueError, KeyError, TypeError) as err:
                problems.append(f"{path}:{row}: {err}")


READERS: dict[str, Callable[[Path, list[str]], Iterator[Parsed]]] = {
    "bfile": read_bfile,
    "csv": read_csv,
    "jsonl": read_jsonl,
    "parquet": read_parquet,
}
