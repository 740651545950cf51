"""The search families: each registers here once, with its spec model, plan, stages,
flow and tables; the CLI and the scheduled flow look a family up instead of branching on
its name.

Flows and plans are named as ``module:attribute`` and loaded on first use: Prefect reads
its settings when first imported, and the CLI describes a spec before it has started the
API server the flows talk to.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from conjectura.schemas.spec import CmfSpec, EsmaSpec, PcfSpec, SequencesSpec, Spec
from conjectura.schemas.tables import ConjectureKind, TableKind


@dataclass(frozen=True)
class Family:
    name: str
    spec_model: type[Spec]
    plan: str  # module:function giving the units a run submits
    stages: tuple[str, ...]  # modules of conjectura.flows.stages it runs
    flow: str  # module:flow, the Prefect flow of a run
    tables: tuple[TableKind, ...]  # what a run writes
    conjecture_kinds: tuple[ConjectureKind, ...]
    describe: Callable[[Any], str]  # a spec's size, for the line a run starts with
    summary: Callable[[Any, Mapping[str, Any]], str]  # spec and flow result: closing line

    def load_flow(self) -> Any:
        return _load(self.flow)

    def load_plan(self) -> Callable[..., list]:
        return _load(self.plan)


def _load(reference: str) -> Any:
    module, attribute = reference.split(":")
    return getattr(importlib.import_module(module), attribute)


def _run_line(summary: Mapping[str, Any]) -> str:
    return (
        f"run {summary['run_id']}: {summary['shards']:,} shards, "
        f"{summary['skipped']:,} already committed"
    )


FAMILIES: dict[str, Family] = {
    family.name: family
    for family in (
        Family(
            name="pcf",
            spec_model=PcfSpec,
            plan="conjectura.flows.plan:plan_shards",
            stages=("screen", "metrics", "identify", "discovery"),
            flow="conjectura.flows.pcf:pcf_search",
            tables=(
                TableKind.CONSTANTS,
                TableKind.PCF,
                TableKind.CONJECTURES,
                TableKind.CLUSTERS,
                TableKind.RUNS,
            ),
            conjecture_kinds=(ConjectureKind.PCF_LIMIT,),
            describe=lambda spec: f"{spec.space_size:,} PCFs, depth {spec.depth}",
            summary=lambda spec, s: (
                f"{_run_line(s)}; space {spec.label}: {s['pcfs']:,} PCFs, "
                f"{s['converged']:,} converged, {s['conjectures']:,} conjectures "
                f"({s['verified']:,} verified)"
            ),
        ),
        Family(
            name="esma",
            spec_model=EsmaSpec,
            plan="conjectura.flows.esma:planned_shards",
            stages=("esma",),
            flow="conjectura.flows.esma:esma_search",
            tables=(TableKind.CONSTANTS, TableKind.CONJECTURES, TableKind.RUNS),
            conjecture_kinds=(ConjectureKind.ESMA_CF,),
            describe=lambda spec: f"{spec.forms_count:,} forms, periods {spec.periods}",
            summary=lambda spec, s: (
                f"{_run_line(s)}; {s['forms']:,} forms in {s['groups']:,} shift groups; "
                f"space {spec.label}: {s['conjectures']:,} conjectures ({s['verified']:,} verified)"
            ),
        ),
        Family(
            name="sequences",
            spec_model=SequencesSpec,
            plan="conjectura.flows.sequences:planned_shards",
            stages=("sequences",),
            flow="conjectura.flows.sequences:sequences_search",
            tables=(TableKind.CONSTANTS, TableKind.CONJECTURES, TableKind.RUNS),
            conjecture_kinds=(ConjectureKind.RECURRENCE, ConjectureKind.SEQUENCE_LIMIT),
            describe=lambda spec: f"order <= {spec.max_order}, degree <= {spec.max_degree}",
            summary=lambda spec, s: (
                f"{_run_line(s)}; {s['sequences']:,} sequences; "
                f"{s['conjectures']:,} conjectures ({s['verified']:,} verified)"
            ),
        ),
        Family(
            name="cmf",
            spec_model=CmfSpec,
            plan="conjectura.flows.cmf:planned_shards",
            stages=("cmf", "families"),
            flow="conjectura.flows.cmf:cmf_search",
            tables=(
                TableKind.CONSTANTS,
                TableKind.TRAJECTORIES,
                TableKind.CONJECTURES,
                TableKind.FAMILIES,
                TableKind.RUNS,
            ),
            conjecture_kinds=(ConjectureKind.CMF_TRAJECTORY,),
            describe=lambda spec: (
                f"field {spec.field_name}, {spec.size:,} trajectories from {spec.start}, "
                f"depth {spec.depth}"
            ),
            summary=lambda spec, s: (
                f"{_run_line(s)}; field {s['cmf']}: {s['trajectories']:,} trajectories, "
                f"{s['verified']:,} verified, {s['numerical']:,} numerical, "
                f"{s['singular']:,} singular; {s['conjectures']:,} PCF conjectures"
            ),
        ),
    )
}


def family_of(spec: Spec) -> Family:
    """The family a validated spec belongs to."""
    return FAMILIES[spec.family]
