"""Integers of any size in Parquet: signed little-endian bytes in a Binary column.

Parquet has no big-integer type (Int128 and decimal stop too early); this is the one
codec for every column that holds such integers (e.g. ``sequences.terms``)."""

from __future__ import annotations


def encode_int(value: int) -> bytes:
    length = max(1, (value.bit_length() + 8) // 8)
    return value.to_bytes(length, "little", signed=True)


def decode_int(value: bytes | None) -> int | None:
    """None (a null cell) stays None."""
    return None if value is None else int.from_bytes(value, "little", signed=True)
