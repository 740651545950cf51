"""The analyst's door: Polars LazyFrames per table, SQL over views, and helpers.

from conjectura.catalog import api
catalog = api.open("data/catalog")
catalog.conjectures().filter(pl.col("basis").list.contains("zeta3")).collect()
catalog.sql("SELECT formula, digits FROM conjectures WHERE status = 'verified'")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from conjectura.catalog.store import Catalog
from conjectura.schemas.bigint import decode_int, encode_int  # noqa: F401  (the analyst's codec)
from conjectura.schemas.tables import TABLES, TableKind, table_of


class CatalogReader:
    """Read-only access to one catalog; every table as a hive-partitioned LazyFrame."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    @property
    def root(self) -> Path:
        return self.catalog.root

    def table(self, name: TableKind | str) -> pl.LazyFrame:
        """The table in its current schema (columns newer than a file read as null)."""
        return self.catalog.scan(table_of(name))

    def pcf(self) -> pl.LazyFrame:
        return self.table(TableKind.PCF)

    def conjectures(self) -> pl.LazyFrame:
        return self.table(TableKind.CONJECTURES)

    def constants(self) -> pl.LazyFrame:
        return self.table(TableKind.CONSTANTS)

    def runs(self) -> pl.LazyFrame:
        return self.table(TableKind.RUNS)

    def clusters(self) -> pl.LazyFrame:
        return self.table(TableKind.CLUSTERS)

    def trajectories(self) -> pl.LazyFrame:
        """Walked trajectories of conservative matrix fields (partition ``cmf``)."""
        return self.table(TableKind.TRAJECTORIES)

    def sequences(self) -> pl.LazyFrame:
        """Ingested sequences; decode a term with :func:`decode_int`."""
        return self.table(TableKind.SEQUENCES)

    def families(self) -> pl.LazyFrame:
        """One row per PCF conjecture: its family, representative and certificate."""
        return self.table(TableKind.FAMILIES)

    def conjectures_with_pcf(self) -> pl.LazyFrame:
        """Each PCF conjecture beside its screened row (limit, digits, dynamics metrics)."""
        pcf = (
            self.pcf()
            .drop("a_coeffs", "b_coeffs")
            .rename({"id": "pcf_id", "digits": "screen_digits"})
        )
        return self.conjectures().join(pcf, on=["pcf_id", "space"], how="inner", suffix="_pcf")

    def latest_run(self) -> dict[str, Any] | None:
        """The most recently started run, as a dict (None for an empty catalog)."""
        runs = self.runs().sort("started_at", descending=True).head(1).collect()
        return runs.row(0, named=True) if runs.height else None

    def connect(self) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB with one view per table that has files.

        Each view is the table's current schema (an empty Arrow table of it, registered as
        ``_schema_<table>``) unioned by name with its files, so a column added since some
        files were written is there, null for their rows, even when no file has it yet."""
        connection = duckdb.connect()
        for name, table in TABLES.items():
            if not any(self.catalog.table_dir(table).rglob("*.parquet")):
                continue
            hive = "true" if table.partition_by else "false"
            connection.register(f"_schema_{name}", table.schema.empty_table())
            connection.execute(
                f"CREATE VIEW {name} AS SELECT * FROM _schema_{name} UNION ALL BY NAME "
                f"SELECT * FROM read_parquet('{self.catalog.glob(table)}', "
                f"hive_partitioning={hive}, union_by_name=true)"
            )
        return connection

    def sql(self, query: str) -> pl.DataFrame:
        with self.connect() as connection:
            return connection.sql(query).pl()


def open(root: str | Path | None = None) -> CatalogReader:
    """The catalog at ``root`` (default: $CONJECTURA_CATALOG or ./data/catalog)."""
    catalog = Catalog.locate(root)
    if not catalog.root.is_dir():
        raise FileNotFoundError(f"no catalog at {catalog.root}")
    catalog.ensure_version(write=False)  # refuses what this code cannot read; writes nothing
    return CatalogReader(catalog)
