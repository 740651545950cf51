"""Ingest: every reader on small files, bad lines reported and skipped, non-UTF-8 text
refused before any commit, re-ingest idempotent, stable sequence ids."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conjectura.catalog import ingest as ingest_module
from conjectura.catalog.ingest import (
    IngestError,
    Parsed,
    ingest,
    prepare,
    read_bfile,
    read_csv,
    read_jsonl,
    read_parquet,
    sequence_id,
)
from conjectura.catalog.store import Catalog
from conjectura.schemas.bigint import decode_int
from conjectura.schemas.tables import SEQUENCES

BIG = 1180591620717411303425  # 2**70 + 1: beyond 64 bits
NEG_BIG = -36893488147419103232  # -(2**65)


def catalog_rows(catalog: Catalog) -> list[dict[str, Any]]:
    """The sequences table read back with polars, terms decoded, sorted by source and line."""
    frame = catalog.scan(SEQUENCES).collect()
    rows = frame.sort(["source", "line"]).to_dicts()
    for row in rows:
        row["terms"] = [decode_int(t) for t in row["terms"]]
    return rows


def committed_files(catalog: Catalog) -> list[Path]:
    return sorted((catalog.root / "sequences").rglob("*.parquet"))


# -- readers ------------------------------------------------------------------------------


def test_bfile_reads_name_offset_and_terms(tmp_path: Path) -> None:
    path = tmp_path / "A000045.txt"
    path.write_text(
        "# A000045 Fibonacci-like, with big terms\n"
        "\n"
        "1 1\n"
        "2 1\n"
        "3 2   # inline comment\n"
        f"4 {BIG}\n"
        f"5 {NEG_BIG}\n",
        encoding="utf-8",
    )
    problems: list[str] = []
    parsed = list(read_bfile(path, problems))
    assert problems == []
    assert parsed == [Parsed("A000045", 3, 1, [1, 1, 2, BIG, NEG_BIG])]


def test_bfile_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "b000001.txt"
    path.write_text("1 1\n2 x\n3\n2 5\n5 9\n3 8\n", encoding="utf-8")
    problems: list[str] = []
    parsed = list(read_bfile(path, problems))
    assert parsed == [Parsed("b000001", 1, 1, [1, 5, 8])]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert "expected 'n a(n)', got 1 fields" in problems[1]
    assert "index 5 where 3 was expected" in problems[2]


def test_bfile_of_only_comments_yields_nothing(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_text("# nothing here\n\n", encoding="utf-8")
    problems: list[str] = []
    assert list(read_bfile(path, problems)) == []
    assert problems == []


def test_csv_reads_names_offsets_and_terms(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text(
        f"name,terms,offset\nfib,1 1 2 3 5,0\nbig,1;{BIG};{NEG_BIG},2\nno_offset,7 8,\n",
        encoding="utf-8",
    )
    problems: list[str] = []
    parsed = list(read_csv(path, problems))
    assert problems == []
    assert parsed == [
        Parsed("fib", 2, 0, [1, 1, 2, 3, 5]),
        Parsed("big", 3, 2, [1, BIG, NEG_BIG]),
        Parsed("no_offset", 4, 0, [7, 8]),
    ]


def test_csv_bad_rows_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text("name,terms\nok,1 2\nempty,\nbad,1 x 3\nok2,4;5\n", encoding="utf-8")
    problems: list[str] = []
    parsed = list(read_csv(path, problems))
    assert parsed == [Parsed("ok", 2, 0, [1, 2]), Parsed("ok2", 5, 0, [4, 5])]
    assert len(problems) == 2
    assert problems[0] == f"{path}:3: no terms"
    assert problems[1].startswith(f"{path}:4: ")
    assert "'x'" in problems[1]


def test_csv_without_terms_column_is_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text("name,values\nfib,1 1 2\n", encoding="utf-8")
    problems: list[str] = []
    assert list(read_csv(path, problems)) == []
    assert problems == [f"{path}:1: header must have name and terms columns"]


def test_jsonl_reads_names_offsets_and_terms(tmp_path: Path) -> None:
    path = tmp_path / "seqs.jsonl"
    path.write_text(
        '{"name": "a", "terms": [1, 2, 3]}\n'
        f'{{"name": "b", "terms": ["{BIG}", 4, "{NEG_BIG}"], "offset": 3}}\n'
        "\n"
        f'{{"terms": [{BIG}]}}\n',
        encoding="utf-8",
    )
    problems: list[str] = []
    parsed = list(read_jsonl(path, problems))
    assert problems == []
    assert parsed == [
        Parsed("a", 1, 0, [1, 2, 3]),
        Parsed("b", 2, 3, [BIG, 4, NEG_BIG]),
        Parsed("line4", 4, 0, [BIG]),
    ]


def test_jsonl_bad_lines_are_reported_and_skipped(tmp_path: Path) -> None:
    path = tmp_path / "seqs.jsonl"
    path.write_text(
        '{"name": "good", "terms": [1]}\n'
        "not json\n"
        '{"name": "no_terms"}\n'
        '{"name": "empty", "terms": []}\n'
        '{"name": "float", "terms": [1.5]}\n'
        '{"name": "bool", "terms": [true]}\n'
        '{"name": "last", "terms": [2, 3]}\n',
        encoding="utf-8",
    )
    problems: list[str] = []
    parsed = list(read_jsonl(path, problems))
    assert parsed == [Parsed("good", 1, 0, [1]), Parsed("last", 7, 0, [2, 3])]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6)]
    assert problems[0].startswith(f"{path}:2: JSONDecodeError: ")
    assert problems[1] == f"{path}:3: KeyError: 'terms'"
    assert problems[2] == f"{path}:4: ValueError: no terms"
    assert "1.5" in problems[3]
    assert "True" in problems[4]


def test_parquet_reads_names_offsets_and_terms(tmp_path: Path) -> None:
    path = tmp_path / "seqs.parquet"
    table = pa.table(
        {
            "name": ["strings", "small"],
            "terms": [[str(BIG), "-1", str(NEG_BIG)], ["10", "20"]],
            "offset": [5, None],
        }
    )
    pq.write_table(table, path)
    problems: list[str] = []
    parsed = list(read_parquet(path, problems))
    assert problems == []
    assert parsed == [
        Parsed("strings", 1, 5, [BIG, -1, NEG_BIG]),
        Parsed("small", 2, 0, [10, 20]),
    ]


def test_parquet_integer_lists_without_name_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "ints.parquet"
    pq.write_table(
        pa.table({"terms": pa.array([[1, 2], [], None, [3]], type=pa.list_(pa.int64()))}), path
    )
    problems: list[str] = []
    parsed = list(read_parquet(path, problems))
    assert parsed == [Parsed("row1", 1, 0, [1, 2]), Parsed("row4", 4, 0, [3])]
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:2", f"{path}:3"]
    assert problems[0] == f"{path}:2: no terms"


def test_unreadable_parquet_is_one_problem_not_an_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.parquet"
    path.write_bytes(b"\xff\xfe this is not parquet")
    catalog = Catalog(tmp_path / "catalog")
    report = ingest(catalog, path)
    assert report.sequences == 0
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{path}:0: not a readable Parquet file")
    assert committed_files(catalog) == []


# -- prepare: whole files refused before any commit -----------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "offset", "line", "byte"),
    [
        # "name,terms\n" (11 bytes) + "ok,1 2\n" (7) + "bad,3 " (6): the 0xff at 24, line 3
        ("seqs.csv", b"name,terms\nok,1 2\nbad,3 \xff 4\n", 24, 3, "0xff"),
        # "1 1\n" (4) + "2 " (2): the 0xfe at 6, line 2
        ("A000001.txt", b"1 1\n2 \xfe\n", 6, 2, "0xfe"),
        # first line of 31 bytes, then '{"name": "' (10): 0xc3 followed by '(' at 41, line 2
        (
            "seqs.jsonl",
            b'{"name": "a", "terms": [1, 2]}\n{"name": "\xc3(", "terms": [1]}\n',
            41,
            2,
            "0xc3",
        ),
    ],
)
def test_non_utf8_text_is_refused_naming_file_and_offset(
    tmp_path: Path, name: str, data: bytes, offset: int, line: int, byte: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(IngestError) as caught:
        prepare([path])
    message = str(caught.value)
    assert message.startswith(f"{path}: not UTF-8 text")
    assert f"byte {byte} at offset {offset}, line {line}" in message

    catalog = Catalog(tmp_path / "catalog")
    with pytest.raises(IngestError, match=re.escape(f"offset {offset}")):
        ingest(catalog, path)
    assert committed_files(catalog) == []
    assert catalog_rows(catalog) == []


# bytes 0-1 "# ", 2-3 é, 4 " ", 5-6 é, 7 "\n", 8-11 "1 2\n", 12-13 "2 ", then the bad bytes
PREFIX = "# é é\n1 2\n2 ".encode()


@pytest.mark.parametrize("block", [1, 2, 3, 5, 1 << 20])
@pytest.mark.parametrize(
    ("tail", "byte"),
    [
        (b"\xc3(\n", "0xc3"),  # a lead byte followed by no continuation byte
        (b"\xff\n", "0xff"),  # never valid in UTF-8
        (b"\xe2\x82", "0xe2"),  # a character cut off at the end of the file
    ],
)
def test_bad_byte_offset_does_not_depend_on_block_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int, tail: bytes, byte: str
) -> None:
    assert len(PREFIX) == 14
    monkeypatch.setattr(ingest_module, "BLOCK", block)
    path = tmp_path / "A000002.txt"
    path.write_bytes(PREFIX + tail)
    with pytest.raises(IngestError) as caught:
        prepare([path])
    assert f"{path}: not UTF-8 text (byte {byte} at offset 14, line 3)" in str(caught.value)


def test_multibyte_text_across_blocks_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_module, "BLOCK", 3)
    path = tmp_path / "A000003.txt"
    path.write_bytes(PREFIX + b"3\n# \xe2\x82\xac\n")  # "# €" straddles blocks
    (source,) = prepare([path])
    assert source.fmt == "bfile" and source.path == path
    assert re.fullmatch(r"[0-9a-f]{16}", source.digest)


def test_prepare_names_the_bad_file_of_several(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("name,terms\nok,1 2\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name,terms\n\x80\n")
    with pytest.raises(IngestError) as caught:
        prepare([good, bad])
    message = str(caught.value)
    assert message.startswith(f"{bad}: ")
    assert str(good) not in message
    assert "offset 11, line 2" in message


def test_prepare_exempts_parquet(tmp_path: Path) -> None:
    real = tmp_path / "real.parquet"
    pq.write_table(pa.table({"name": ["x"], "terms": [["1"]]}), real)
    junk = tmp_path / "junk.parquet"
    junk.write_bytes(b"PAR1\xff\xfe\x80")
    sources = prepare([real, junk])
    assert [s.fmt for s in sources] == ["parquet", "parquet"]
    # the same non-UTF-8 bytes as text are refused
    with pytest.raises(IngestError, match="not UTF-8"):
        prepare([junk], fmt="csv")


def test_prepare_refuses_unknown_format_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text("name,terms\nok,1\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"unknown format 'xml'"):
        prepare([path], fmt="xml")
    missing = tmp_path / "missing.csv"
    with pytest.raises(IngestError, match=re.escape(f"{missing}: cannot read")):
        prepare([missing])


def test_format_comes_from_the_suffix_unless_given(tmp_path: Path) -> None:
    names = ["a.csv", "b.jsonl", "c.ndjson", "d.PARQUET", "e.txt", "A000045"]
    paths = []
    for name in names:
        path = tmp_path / name
        path.write_bytes(b"x\n")
        paths.append(path)
    assert [s.fmt for s in prepare(paths)] == [
        "csv",
        "jsonl",
        "jsonl",
        "parquet",
        "bfile",
        "bfile",
    ]
    assert [s.fmt for s in prepare(paths[:1], fmt="jsonl")] == ["jsonl"]


# -- commit -------------------------------------------------------------------------------


def test_ingest_commits_rows_with_big_terms(tmp_path: Path) -> None:
    path = tmp_path / "seqs.csv"
    path.write_text(f"name,terms,offset\nfib,1 1 2 3 5,0\nbig,{BIG} {NEG_BIG},1\n")
    catalog = Catalog(tmp_path / "catalog")
    report = ingest(catalog, path)
    assert report.sequences == 2 and report.problems == [] and report.source == str(path)
    rows = catalog_rows(catalog)
    assert [(r["name"], r["line"], r["offset"], r["n_terms"], r["terms"]) for r in rows] == [
        ("fib", 2, 0, 5, [1, 1, 2, 3, 5]),
        ("big", 3, 1, 2, [BIG, NEG_BIG]),
    ]
    assert {r["source"] for r in rows} == {str(path)}
    assert rows[0]["seq_id"] == "ea4f1fd63343f85c"  # sha256 of "0|1,1,2,3,5", by sha256sum


def test_bad_lines_are_skipped_and_the_rest_goes_in(tmp_path: Path) -> None:
    path = tmp_path / "seqs.jsonl"
    path.write_text('{"name": "a", "terms": [1]}\n{oops\n{"name": "b", "terms": [2, 3]}\n')
    catalog = Catalog(tmp_path / "catalog")
    report = ingest(catalog, path)
    assert report.sequences == 2
    assert len(report.problems) == 1 and report.problems[0].startswith(f"{path}:2: ")
    assert [(r["name"], r["terms"]) for r in catalog_rows(catalog)] == [("a", [1]), ("b", [2, 3])]


@pytest.mark.parametrize("chunk", [1000, 2])
def test_ingesting_the_same_file_twice_adds_no_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(ingest_module, "CHUNK", chunk)
    path = tmp_path / "seqs.csv"
    path.write_text("name,terms\n" + "".join(f"s{i},{i} {i + 1}\n" for i in range(5)))
    catalog = Catalog(tmp_path / "catalog")
    first = ingest(catalog, path)
    rows = catalog_rows(catalog)
    files = committed_files(catalog)
    assert first.sequences == 5 and len(rows) == 5
    assert len(files) == (1 if chunk == 1000 else 3)  # 5 rows in chunks of 2: 2 + 2 + 1

    second = ingest(Catalog(tmp_path / "catalog"), path)
    assert second.sequences == 5
    assert catalog_rows(catalog) == rows
    assert committed_files(catalog) == files
    assert pl.read_parquet(files).height == 5


# -- sequence ids -------------------------------------------------------------------------


def test_sequence_id_is_pinned_and_depends_on_offset_and_terms() -> None:
    # computed with `printf '%s' '0|1,1,2,3,5' | sha256sum | cut -c1-16` (and so on)
    assert sequence_id(0, [1, 1, 2, 3, 5]) == "ea4f1fd63343f85c"
    assert sequence_id(1, [1, 1, 2, 3, 5]) == "bf15a260047de04c"
    assert sequence_id(0, [1, 1, 2, 3, 6]) == "f439d7e454e41082"
    assert sequence_id(0, [1, 1, 2, 3, 5]) == sequence_id(0, [1, 1, 2, 3, 5])
    assert sequence_id(0, [12, 3]) != sequence_id(0, [1, 23])
    assert re.fullmatch(r"[0-9a-f]{16}", sequence_id(-3, [BIG, NEG_BIG]))


def test_same_sequence_gets_the_same_id_from_any_format(tmp_path: Path) -> None:
    bfile = tmp_path / "fib.txt"
    bfile.write_text("0 1\n1 1\n2 2\n3 3\n4 5\n")
    csv_path = tmp_path / "fib.csv"
    csv_path.write_text("name,terms,offset\nfibonacci,1 1 2 3 5,0\nshifted,1 1 2 3 5,1\n")
    catalog = Catalog(tmp_path / "catalog")
    ingest(catalog, bfile)
    ingest(catalog, csv_path)
    ids = {r["name"]: r["seq_id"] for r in catalog_rows(catalog)}
    assert ids == {
        "fib": "ea4f1fd63343f85c",
        "fibonacci": "ea4f1fd63343f85c",
        "shifted": "bf15a260047de04c",
    }


# -- terms that are not a list -------------------------------------------------------------


@pytest.mark.parametrize("terms", ['"123"', '{"7": 1}'])
def test_jsonl_terms_that_are_not_a_list_are_a_problem(tmp_path: Path, terms: str) -> None:
    path = tmp_path / "seqs.jsonl"
    path.write_text(f'{{"name": "s", "terms": {terms}}}\n', encoding="utf-8")
    problems: list[str] = []
    assert list(read_jsonl(path, problems)) == []
    assert len(problems) == 1 and problems[0].startswith(f"{path}:1: ")


def test_parquet_terms_column_of_strings_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "flat.parquet"
    pq.write_table(pa.table({"name": ["s"], "terms": ["123"]}), path)
    problems: list[str] = []
    assert list(read_parquet(path, problems)) == []
    assert len(problems) == 1 and problems[0].startswith(f"{path}:1: ")
