"""docs/tables.md is generated from the schemas and must not drift from them."""

from pathlib import Path

from conjectura.schemas.reference import tables_markdown
from conjectura.schemas.tables import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "tables.md"


def test_committed_reference_matches_the_schemas() -> None:
    assert DOC.read_text() == tables_markdown() + "\n", (
        "run: conjectura docs tables > docs/tables.md"
    )


def test_every_column_is_documented() -> None:
    text = tables_markdown()
    for table in TABLES.values():
        for field in table.schema:
            assert f"| `{field.name}` |" in text
            assert (field.metadata or {}).get(b"meaning"), f"{table.name}.{field.name}"
