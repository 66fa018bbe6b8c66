"""Bitstring Status Lists (W3C Bitstring Status List v1.0), pure.

A list is 131,072 bits (the minimum for herd privacy); bit ``i`` is the ``i``-th bit from the
left (the most significant bit of byte ``i // 8``); the list is GZIP-compressed and written as
multibase base64url without padding (prefix ``u``). The list credential is a
``BitstringStatusListCredential`` with one purpose, signed like every badge.
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Iterable
from typing import Any

from certtrack.badges.credential import PURPOSES, STATUS_LIST_SIZE
from certtrack.badges.jsonld import VC_V2

MAX_ENCODED_CHARS = 200_000  # a gzip of 16 KiB cannot be longer; bounds what decode inflates


def encode(positions: Iterable[int], size: int = STATUS_LIST_SIZE) -> str:
    bits = bytearray(size // 8)
    for position in positions:
        if not 0 <= position < size:
            raise ValueError(f"status position {position} is outside the list")
        bits[position // 8] |= 0x80 >> (position % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u") or len(encoded) > MAX_ENCODED_CHARS:
        raise ValueError("not a multibase base64url status list")
    body = encoded[1:]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
        bits = stream.read(STATUS_LIST_SIZE // 8 + 1)
    if len(bits) * 8 < STATUS_LIST_SIZE:
        raise ValueError("the status list is shorter than 131,072 entries")
    return bits


def is_set(bits: bytes, position: int) -> bool:
    return bool(bits[position // 8] & (0x80 >> (position % 8)))


def parse_list_id(list_id: str) -> tuple[str, int] | None:
    """``revocation-0`` → ("revocation", 0); None for anything else."""
    purpose, _, number = list_id.rpartition("-")
    if purpose not in PURPOSES or not number.isdigit() or len(number) > 9 or str(int(number)) != number:
        return None
    return purpose, int(number)


def list_credential(
    *, list_url: str, issuer_did: str, purpose: str, positions: Iterable[int], valid_from: str
) -> dict[str, Any]:
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(positions),
        },
    }
