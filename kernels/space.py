"""The PCF coefficient space: enumeration by index and stable ids (text forms: schemas.printing).

A space is a list of (low, high) ranges, a(n)'s coefficients first, then b(n)'s. Index i
is read in mixed radix (the last coefficient varies fastest), so any shard [start, stop)
is enumerated on its own, in the same order, on any machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np


def coefficients_at(ranges: Sequence[tuple[int, int]], start: int, stop: int) -> np.ndarray:
    """The coefficient rows of indices start..stop-1, as an int64 array (stop-start × len)."""
    sizes = np.array([high - low + 1 for low, high in ranges], dtype=np.int64)
    lows = np.array([low for low, _ in ranges], dtype=np.int64)
    index = np.arange(start, stop, dtype=np.int64)
    rows = np.empty((index.size, len(ranges)), dtype=np.int64)
    for column in range(len(ranges) - 1, -1, -1):
        rows[:, column] = lows[column] + index % sizes[column]
        index //= sizes[column]
    return rows


def trimmed(coefficients: Sequence[int]) -> list[int]:
    """Ascending coefficients without trailing zeros; the zero polynomial is [0]."""
    values = [int(c) for c in coefficients]
    while len(values) > 1 and values[-1] == 0:
        values.pop()
    return values


def pcf_id(a: Sequence[int], b: Sequence[int]) -> int:
    """Stable signed 64-bit id of PCF(a, b), the same for any padding of the coefficients."""
    key = f"pcf|{','.join(map(str, trimmed(a)))}|{','.join(map(str, trimmed(b)))}"
    return int.from_bytes(
        hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True
    )
