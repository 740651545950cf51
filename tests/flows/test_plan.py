"""Shard plans: every index once, each PCF beside its mirror when a's ranges allow it."""

from __future__ import annotations

import numpy as np
import pytest

from conjectura.flows.plan import plan_shards
from conjectura.kernels.space import coefficients_at
from conjectura.schemas.spec import parse_spec

SPEC = """name: plan
family: pcf
a: [{a0}, [-1, 1]]
b: [[-1, 1], [0, 2]]
depth: 100
constants: [pi]
shard_size: {size}
"""


def shard_rows(spec, shard) -> np.ndarray:
    return np.concatenate(
        [coefficients_at(spec.coefficient_ranges, start, stop) for start, stop in shard.ranges]
    )


@pytest.mark.parametrize("size", [1, 5, 7, 18, 100, 1000])
def test_a_symmetric_space_puts_every_mirror_pair_in_one_shard(size: int) -> None:
    spec = parse_spec(SPEC.format(a0="[-2, 2]", size=size), source="test")
    shards = plan_shards(spec)
    covered = np.concatenate([np.arange(s, e) for shard in shards for s, e in shard.ranges])
    assert sorted(covered.tolist()) == list(range(spec.space_size))
    assert len({shard.shard_id for shard in shards}) == len(shards)
    for shard in shards:
        assert shard.size <= max(size, 2)
        keys = {(tuple(r[:2]), tuple(r[2:])) for r in shard_rows(spec, shard).tolist()}
        for a, b in keys:
            assert (tuple(-c for c in a), b) in keys, (shard, a, b)


def test_an_asymmetric_space_is_cut_into_plain_ranges() -> None:
    spec = parse_spec(SPEC.format(a0="[-2, 3]", size=7), source="test")
    shards = plan_shards(spec)
    assert all(len(shard.ranges) == 1 for shard in shards)
    assert [shard.ranges[0] for shard in shards][:2] == [(0, 7), (7, 14)]
    assert sum(shard.size for shard in shards) == spec.space_size


def test_the_plan_is_deterministic() -> None:
    spec = parse_spec(SPEC.format(a0="[-2, 2]", size=18), source="test")
    assert plan_shards(spec) == plan_shards(spec)
