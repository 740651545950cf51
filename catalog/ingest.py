"""Ingest integer sequences: b-files, CSV, JSONL, Parquet, streamed line by line.

A bad line is reported with its file and line number and skipped; everything else goes
in. Sequences are committed in chunks (one file per chunk, named from the source's
content hash), so re-ingesting a file adds nothing and a large file never sits in memory.

A file that cannot be read as a whole (a text file that is not UTF-8, an unreadable
file) is refused before anything is committed: :func:`prepare` checks every file of a
call first and raises :class:`IngestError`, so a call commits each file whole or none.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from conjectura.catalog.store import Catalog
from conjectura.schemas.bigint import encode_int
from conjectura.schemas.tables import SEQUENCES

CHUNK = 1000
BLOCK = 1 << 20
"""Bytes read at a time to hash a file and check its encoding."""
TEXT_FORMATS = frozenset({"bfile", "csv", "jsonl"})
"""Formats read as UTF-8 text (Parquet is binary)."""


class IngestError(ValueError):
    """A file refused as a whole, before anything is committed; the message names it."""


@dataclass
class IngestReport:
    source: str
    sequences: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Source:
    """A file checked by :func:`prepare`: its format and content digest."""

    path: Path
    fmt: str
    digest: str


@dataclass(frozen=True)
class Parsed:
    name: str
    line: int
    offset: int
    terms: list[int]


def sequence_id(offset: int, terms: list[int]) -> str:
    return hashlib.sha256(f"{offset}|{','.join(map(str, terms))}".encode()).hexdigest()[:16]


def guess_format(path: Path) -> str:
    suffix = path.suffix.lower()
    return {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}.get(
        suffix, "bfile"
    )


def prepare(paths: Iterable[Path], fmt: str | None = None) -> list[Source]:
    """Every file's format (``fmt``, else from its suffix) and digest, each text file
    checked to decode as UTF-8, streamed in blocks. Raises :class:`IngestError` naming
    the first file that fails; call it on all files before committing any."""
    return [_prepare(path, fmt or guess_format(path)) for path in paths]


def ingest(catalog: Catalog, path: Path, fmt: str | None = None) -> IngestReport:
    """Check one file (see :func:`prepare`), then commit its sequences."""
    return ingest_source(catalog, prepare([path], fmt)[0])


def ingest_source(catalog: Catalog, source: Source) -> IngestReport:
    """Commit the sequences of a file checked by :func:`prepare`."""
    path, digest = source.path, source.digest
    report = IngestReport(str(path))
    chunk: list[Parsed] = []
    index = 0
    for item in READERS[source.fmt](path, report.problems):
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
            "terms": [[encode_int(t) for t in s.terms] for s in chunk],
        },
        partition={},
        key=f"{digest}-{index:05d}",
    )


def _prepare(path: Path, fmt: str) -> Source:
    if fmt not in READERS:
        raise IngestError(f"{path}: unknown format {fmt!r} (known: {', '.join(READERS)})")
    hasher = hashlib.sha256(path.name.encode())
    check = _Utf8Check(path) if fmt in TEXT_FORMATS else None
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(BLOCK), b""):
                hasher.update(block)
                if check:
                    check.feed(block)
    except OSError as err:
        raise IngestError(f"{path}: cannot read: {err.strerror}; no file ingested") from None
    if check:
        check.feed(b"", final=True)
    return Source(path, fmt, hasher.hexdigest()[:16])


class _Utf8Check:
    """An incremental UTF-8 decoder that names the first bad byte: its offset and line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.fed = 0  # bytes fed so far
        self.newlines = 0  # b"\n" in them

    def feed(self, block: bytes, final: bool = False) -> None:
        pending = self.decoder.getstate()[0]  # an incomplete character from the last block
        try:
            self.decoder.decode(block, final)
        except UnicodeDecodeError as err:
            data = pending + block  # what the decoder saw; pending holds no b"\n"
            offset = self.fed - len(pending) + err.start
            line = self.newlines + data.count(b"\n", 0, err.start) + 1
            raise IngestError(
                f"{self.path}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset "
                f"{offset}, line {line}); no file ingested"
            ) from None
        self.fed += len(block)
        self.newlines += block.count(b"\n")


def _integer(text: object) -> int:
    if isinstance(text, bool) or not isinstance(text, int | str):
        raise ValueError(f"not an integer: {text!r}")
    return int(text) if isinstance(text, int) else int(text.strip())


def _terms(value: object) -> list[int]:
    """A list of integers (or decimal strings); a bare string or mapping is not one."""
    if not isinstance(value, list):
        raise ValueError(f"terms must be a list, got {type(value).__name__}")
    return [_integer(t) for t in value]


def read_bfile(path: Path, problems: list[str]) -> Iterator[Parsed]:
    """`n a(n)` per line, '#' comments; one sequence per file, named after the file."""
    terms: list[int] = []
    offset = start_line = None
    with open(path, encoding="utf-8") as handle:
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
    with open(path, newline="", encoding="utf-8") as handle:
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
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                item = json.loads(raw)
                terms = _terms(item["terms"])
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
                terms = _terms(item["terms"])
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
