"""Planning: a spec's space cut into deterministic, content-addressed shards.

A shard is one or two index ranges of the space. When every range of a(n)'s coefficients
is symmetric about 0, PCF(a, b) and its mirror PCF(−a, b) have the same convergence
dynamics (see :func:`conjectura.kernels.dynamics.mirrored`), so the plan puts each pair in
one shard and the shard computes the costly metrics once for both.

With a's coefficients the leading digits of the index (see
:func:`conjectura.kernels.space.coefficients_at`), a's block index ``ia`` in 0..A−1 mirrors
to A−1−ia (every digit d becomes size−1−d), the middle block is a ≡ 0, and a range of
whole blocks (or a range inside one block) mirrors to one contiguous range.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass

from conjectura.schemas.spec import PcfSpec


@dataclass(frozen=True)
class Shard:
    index: int
    ranges: tuple[tuple[int, int], ...]  # [start, stop) index ranges of the space
    shard_id: str  # depends only on the space and the ranges: retries rewrite the same file

    @property
    def size(self) -> int:
        return sum(stop - start for start, stop in self.ranges)


def plan_shards(spec: PcfSpec) -> list[Shard]:
    ranges = spec.coefficient_ranges
    a_ranges, b_ranges = ranges[: len(spec.a)], ranges[len(spec.a) :]
    if all(low == -high for low, high in a_ranges):
        pieces = list(
            _mirrored_pieces(
                math.prod(h - lo + 1 for lo, h in a_ranges),
                math.prod(h - lo + 1 for lo, h in b_ranges),
                spec.shard_size,
            )
        )
    else:
        total = spec.space_size
        pieces = [((s, min(total, s + spec.shard_size)),) for s in range(0, total, spec.shard_size)]
    shards = []
    for index, piece in enumerate(pieces):
        text = "|".join(f"{start}:{stop}" for start, stop in piece)
        digest = hashlib.sha256(f"{spec.space_hash}|{text}".encode()).hexdigest()
        shards.append(Shard(index, piece, f"{index:06d}-{digest[:12]}"))
    return shards


def _mirrored_pieces(
    a_count: int, b_count: int, shard_size: int
) -> Iterator[tuple[tuple[int, int], ...]]:
    """Shards of the upper half of a's blocks, each with its mirror range; then a ≡ 0."""
    centre = (a_count - 1) // 2
    half = max(1, shard_size // 2)
    if half >= b_count:  # whole blocks per shard
        step = half // b_count
        for first in range(centre + 1, a_count, step):
            last = min(a_count, first + step)  # blocks first..last-1
            upper = (first * b_count, last * b_count)
            lower = ((a_count - last) * b_count, (a_count - first) * b_count)
            yield (lower, upper)
    else:  # slices of single blocks
        for block in range(centre + 1, a_count):
            mirror = a_count - 1 - block
            for lo in range(0, b_count, half):
                hi = min(b_count, lo + half)
                yield (
                    (mirror * b_count + lo, mirror * b_count + hi),
                    (block * b_count + lo, block * b_count + hi),
                )
    for lo in range(0, b_count, max(1, shard_size)):
        yield ((centre * b_count + lo, centre * b_count + min(b_count, lo + shard_size)),)
