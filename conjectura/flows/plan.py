"""Planning: a spec's space cut into deterministic, content-addressed shards."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from conjectura.schemas.spec import PcfSpec


@dataclass(frozen=True)
class Shard:
    index: int
    start: int  # first index of the space in this shard
    stop: int  # one past the last
    shard_id: str  # depends only on the space and [start, stop): retries rewrite the same file

    @property
    def size(self) -> int:
        return self.stop - self.start


def plan_shards(spec: PcfSpec) -> list[Shard]:
    total = spec.space_size
    shards = []
    for index, start in enumerate(range(0, total, spec.shard_size)):
        stop = min(total, start + spec.shard_size)
        digest = hashlib.sha256(f"{spec.space_hash}|{start}|{stop}".encode()).hexdigest()
        shards.append(Shard(index, start, stop, f"{index:06d}-{digest[:12]}"))
    return shards
