"""schemas.bigint: integers of any size as signed little-endian bytes."""

from __future__ import annotations

import pytest

from conjectura.schemas.bigint import decode_int, encode_int

VALUES = [0, 1, -1, 2, -2, 127, 128, -128, -129, 255, 256, 2**63, -(2**63), 10**40, -(10**40)]


@pytest.mark.parametrize("value", VALUES)
def test_round_trip(value: int) -> None:
    assert decode_int(encode_int(value)) == value


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        (0, b"\x00"),
        (1, b"\x01"),
        (-1, b"\xff"),
        (127, b"\x7f"),
        (128, b"\x80\x00"),  # the top bit set needs a sign byte
        (-128, b"\x80"),
        (255, b"\xff\x00"),
        (256, b"\x00\x01"),
        (-256, b"\x00\xff"),
    ],
)
def test_encoding_is_twos_complement_little_endian(value: int, encoded: bytes) -> None:
    """The low bytes as worked by hand; any further bytes only extend the sign."""
    found = encode_int(value)
    assert found[: len(encoded)] == encoded
    assert set(found[len(encoded) :]) <= {0xFF if value < 0 else 0x00}
    assert int.from_bytes(found, "little", signed=True) == value  # readable without conjectura
    assert decode_int(encoded) == value


def test_large_values_decode_from_hand_built_bytes() -> None:
    # 2**63 = 0x80 00 .. 00: eight bytes, low first, then a zero sign byte
    assert decode_int(bytes(7) + b"\x80\x00") == 2**63
    assert decode_int(bytes(7) + b"\x80") == -(2**63)
    assert decode_int(encode_int(2**63)[:8]) != 2**63  # the sign byte is needed
    # 10**40 needs 133 bits plus a sign bit: 17 bytes at least
    assert len(encode_int(10**40)) >= 17
    assert len(encode_int(-(10**40))) >= 17
    assert decode_int((10**40).to_bytes(17, "little", signed=True)) == 10**40


def test_sign_and_magnitude_are_preserved_for_powers_of_two() -> None:
    for bits in range(0, 200, 7):
        for value in (2**bits, -(2**bits), 2**bits - 1, -(2**bits) + 1):
            assert decode_int(encode_int(value)) == value
