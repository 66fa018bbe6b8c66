"""Bitstring Status List encoding: bit order, size, GZIP + multibase base64url, list ids."""

from __future__ import annotations

import base64
import gzip

import pytest
from certtrack.badges import statuslist
from certtrack.badges.credential import STATUS_LIST_SIZE, status_entries, status_list_id


def test_an_empty_list_is_131072_zero_bits_gzipped_in_base64url() -> None:
    encoded = statuslist.encode([])

    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded and "/" not in encoded
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert raw == bytes(STATUS_LIST_SIZE // 8)


def test_bit_zero_is_the_leftmost_bit_of_the_first_byte() -> None:
    bits = statuslist.decode(statuslist.encode([0, 9, STATUS_LIST_SIZE - 1]))

    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert [statuslist.is_set(bits, i) for i in (0, 1, 8, 9, 10, STATUS_LIST_SIZE - 1)] == [
        True,
        False,
        False,
        True,
        False,
        True,
    ]


def test_positions_outside_the_list_and_short_lists_are_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        statuslist.encode([STATUS_LIST_SIZE])
    short = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(100))).decode().rstrip("=")
    with pytest.raises(ValueError, match="shorter"):
        statuslist.decode(short)


def test_indexes_map_to_lists_and_positions() -> None:
    assert status_list_id("revocation", 0) == "revocation-0"
    assert status_list_id("suspension", STATUS_LIST_SIZE + 5) == "suspension-1"
    entries = status_entries("https://certs.example.com", STATUS_LIST_SIZE + 5)
    assert [(e["statusPurpose"], e["statusListIndex"]) for e in entries] == [("revocation", "5"), ("suspension", "5")]
    assert entries[1]["statusListCredential"] == "https://certs.example.com/public/status/suspension-1"


@pytest.mark.parametrize(
    "list_id", ["revocation-01", "revocation-", "expiry-0", "revocation--1", "x" * 32, "suspension-1e3"]
)
def test_malformed_list_ids_name_no_list(list_id: str) -> None:
    assert statuslist.parse_list_id(list_id) is None


def test_list_ids_parse() -> None:
    assert statuslist.parse_list_id("suspension-12") == ("suspension", 12)
