"""Every spec model has one registered family whose flow, plan and stages load."""

from __future__ import annotations

import importlib
from pathlib import Path

from conjectura.catalog.store import Catalog
from conjectura.flows.registry import FAMILIES, family_of
from conjectura.schemas.spec import SPEC_MODELS, parse_spec


def test_every_spec_model_has_exactly_one_family() -> None:
    assert sorted(FAMILIES) == sorted(SPEC_MODELS)
    for name, family in FAMILIES.items():
        assert family.spec_model is SPEC_MODELS[name] and family.name == name
        for stage in family.stages:
            importlib.import_module(f"conjectura.flows.stages.{stage}")


def test_each_family_plans_a_small_spec_without_prefect(tmp_path: Path) -> None:
    from conjectura.flows.runs import commit_constants

    catalog = Catalog(tmp_path)
    pcf = parse_spec(
        "name: p\nfamily: pcf\na: [[0, 2], 1]\nb: [0, [-1, 1]]\ndepth: 100\nconstants: [pi]\n"
        "shard_size: 4\n",
        source="p",
    )
    esma = parse_spec("name: s\nfamily: esma\nconstants: [e]\ncoefficient_bound: 1\n", source="s")
    sequences = parse_spec("name: q\nfamily: sequences\n", source="q")
    shards = family_of(pcf).load_plan()(pcf)
    assert sum(s.size for s in shards) == pcf.space_size == 9
    groups = family_of(esma).load_plan()(esma, commit_constants(catalog, esma))
    assert sum(map(len, groups)) > 0 and all(len(shard) <= esma.shard_size for shard in groups)
    assert family_of(sequences).load_plan()(sequences, catalog) == []  # nothing ingested
    assert family_of(pcf).describe(pcf) == "9 PCFs, depth 100"
    cmf = parse_spec(
        "name: c\nfamily: cmf\ncmf: zeta3\ndirections: {box: 2}\nstart: [1, 1]\n"
        "constants: [zeta3]\nshard_size: 4\n",
        source="c",
    )
    planned = family_of(cmf).load_plan()(cmf)
    assert sum(map(len, planned)) == 11 and all(len(shard) <= 4 for shard in planned)
    assert callable(family_of(esma).load_flow())
