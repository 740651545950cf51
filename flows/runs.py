"""What every family's flow shares: the run's row and artifact, the constants it needs,
and the one bounded submission loop with its progress bars."""

from __future__ import annotations

import contextlib
import secrets
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from prefect.artifacts import create_markdown_artifact
from prefect.futures import PrefectFuture, as_completed
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from conjectura import __version__
from conjectura.catalog import queries
from conjectura.catalog.store import Catalog, CatalogError
from conjectura.flows.stages.constants import (
    constant_columns,
    needed_constants,
    same_expression,
    user_constant_columns,
)
from conjectura.schemas.spec import Spec
from conjectura.schemas.tables import TableKind

TASK_RETRIES = 2
DEFAULT_IN_FLIGHT = 8

Manifest = dict[str, Any]
"""What a task returns: a few counts, never a DataFrame."""

Unit = TypeVar("Unit")


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


class ConstantConflict(CatalogError):
    """A user constant whose name the catalog's constants table already gives another
    expression: one catalog is shared by runs, and a name in a basis means one number."""


def commit_constants(catalog: Catalog, spec: Spec) -> dict[str, str]:
    """Compute and commit the constants the spec needs that the catalog lacks, library
    constants and the spec's user constants (its mpmath expressions); return every
    constant's decimal expansion.

    Raises :class:`ConstantConflict` (before committing anything) when a user constant's
    name is already in the catalog with a different expression."""
    user: dict[str, str] = dict(getattr(spec, "constant_expressions", {}))
    stored = catalog.scan(TableKind.CONSTANTS).select("name", "expression").collect()
    present = dict(zip(stored["name"], stored["expression"], strict=True))
    for name, text in user.items():
        if name in present and not same_expression(present[name], text):
            raise ConstantConflict(
                f"constant {name}: the catalog {catalog.root} already defines it as "
                f"{present[name]!r}, the spec as {text!r}; rename it in the spec"
            )
    for name in needed_constants(spec.constants, user):
        if name not in present:
            catalog.commit(TableKind.CONSTANTS, constant_columns([name]), partition={}, key=name)
    for name, text in user.items():
        if name not in present:
            columns = user_constant_columns({name: text})
            catalog.commit(TableKind.CONSTANTS, columns, partition={}, key=name)
    return catalog.constant_expansions()


@contextlib.contextmanager
def recorded_run(catalog: Catalog, spec: Spec, run_id: str, shards: int) -> Iterator[dict]:
    """The run's `runs` row: `running` on entry, then `failed` or `completed` with the
    totals the block filled in, and the run's artifact."""
    started = datetime.now(UTC)
    _commit_run(catalog, spec, run_id, started, "running", shards)
    totals: dict[str, int] = {}
    try:
        yield totals
    except BaseException:
        _commit_run(catalog, spec, run_id, started, "failed", shards)
        raise
    _commit_run(catalog, spec, run_id, started, "completed", shards, totals)
    publish_artifact(catalog, spec, run_id, totals)


def _commit_run(
    catalog: Catalog,
    spec: Spec,
    run_id: str,
    started: datetime,
    status: str,
    shards: int,
    totals: Mapping[str, int] | None = None,
) -> None:
    totals = totals or {}
    catalog.commit(
        TableKind.RUNS,
        {
            "run_id": [run_id],
            "spec_name": [spec.name],
            "spec_hash": [spec.spec_hash],
            "space": [spec.label],
            "family": [spec.family],
            "code_version": [__version__],
            "started_at": [started],
            "finished_at": [datetime.now(UTC) if status != "running" else None],
            "status": [status],
            "shards": [shards],
            **{k: [totals.get(k)] for k in ("pcfs", "converged", "conjectures", "verified")},
        },
        partition={},
        key=run_id,
    )


def publish_artifact(catalog: Catalog, spec: Spec, run_id: str, totals: Mapping[str, Any]) -> None:
    """A markdown artifact in the Prefect API: what this run found."""
    found = queries.run_conjectures(catalog, run_id)
    lines = [
        f"# {spec.name}: run {run_id}",
        "",
        ", ".join(f"{k}: {v:,}" for k, v in totals.items()),
        "",
        f"{found.height} new conjectures" + (" (first 200 shown)" if found.height > 200 else ""),
        "",
        "| formula | digits | status | detector |",
        "|---|---:|---|---|",
        *(f"| `{f}` | {d:.1f} | {s} | {t} |" for f, d, s, t in found.head(200).iter_rows()),
    ]
    create_markdown_artifact(
        key=f"conjectures-{spec.name.lower().replace('_', '-').replace('.', '-')}",
        markdown="\n".join(lines),
        description=f"conjectures found by run {run_id}",
    )


class StageBars:
    """One progress bar per stage on stderr; a bar's detail counts the conjectures its
    tasks report."""

    _COLUMNS = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
    )

    def __init__(self, show: bool) -> None:
        self._progress = Progress(
            *self._COLUMNS,
            console=Console(stderr=True),
            disable=not show,
            refresh_per_second=4,  # the flow process shares the cores with the workers
        )
        self._bars: dict[str, Any] = {}
        self._found: Counter[str] = Counter()  # conjectures per stage
        self._verified: Counter[str] = Counter()

    def __enter__(self) -> StageBars:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(*exc)  # type: ignore[arg-type]

    def add(self, stage: str, *, total: int, done: int, detail: str = "") -> None:
        self._bars[stage] = self._progress.add_task(
            stage, total=total, completed=done, detail=detail
        )

    def finished(self, stage: str, manifest: Manifest) -> None:
        """A task of ``stage`` finished with ``manifest``."""
        update: dict[str, Any] = {"advance": 1}
        if "conjectures" in manifest:
            self._found[stage] += manifest["conjectures"]
            self._verified[stage] += manifest.get("verified", 0)
            update["detail"] = (
                f"{self._found[stage]:,} conjectures, {self._verified[stage]:,} verified"
            )
        self._progress.update(self._bars[stage], **update)


def bounded(
    units: Iterable[Unit],
    submit: Callable[[Unit], list[tuple[str, PrefectFuture]]],
    bars: StageBars,
    *,
    max_in_flight: int,
) -> None:
    """Submit unit after unit with at most ``max_in_flight`` units unfinished at once.

    ``submit`` sends one unit's tasks (a shard's screen and identify, say) and returns
    them as (stage, future); a unit holds its slot until all of them are done, so memory
    in the flow and on the workers does not grow with the size of the search. A task's
    failure (after its retries) is raised here."""
    waiting = iter(units)
    running: dict[PrefectFuture, tuple[str, int]] = {}
    unfinished: Counter[int] = Counter()
    number = 0
    while True:
        while len(unfinished) < max_in_flight and (unit := next(waiting, None)) is not None:
            for stage, future in submit(unit):
                running[future] = (stage, number)
                unfinished[number] += 1
            number += 1
        if not running:
            return
        future = next(as_completed(list(running)))
        stage, owner = running.pop(future)
        bars.finished(stage, future.result())
        unfinished[owner] -= 1
        if unfinished[owner] == 0:
            del unfinished[owner]
