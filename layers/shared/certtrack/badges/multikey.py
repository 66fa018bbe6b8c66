"""Ed25519 keys as Multikey strings (``z6Mk…``) and signatures as multibase base58btc (pure).

Multikey (W3C Controlled Identifiers): multibase ``z`` (base58btc) of the multicodec prefix and
the raw key: ``0xed 0x01`` for an Ed25519 public key, ``0x80 0x26`` for a private key.
"""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {character: value for value, character in enumerate(_ALPHABET)}
ED25519_PUBLIC = b"\xed\x01"
ED25519_PRIVATE = b"\x80\x26"


class InvalidMultibase(ValueError):
    """Not a base58btc multibase string, or not the key type expected."""


def base58btc(data: bytes) -> str:
    """Multibase base58btc: ``z`` + the Bitcoin alphabet (leading zero bytes as ``1``)."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "z" + "1" * zeros + "".join(reversed(digits))


def from_base58btc(text: str) -> bytes:
    if not text.startswith("z") or len(text) > 200:
        raise InvalidMultibase("not a base58btc multibase value")
    body = text[1:]
    number = 0
    for character in body:
        if character not in _INDEX:
            raise InvalidMultibase("not a base58btc multibase value")
        number = number * 58 + _INDEX[character]
    zeros = len(body) - len(body.lstrip("1"))
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + raw


def public_multikey(key: Ed25519PublicKey) -> str:
    return base58btc(ED25519_PUBLIC + key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key(multikey: str) -> Ed25519PublicKey:
    raw = from_base58btc(multikey)
    if not raw.startswith(ED25519_PUBLIC) or len(raw) != 34:
        raise InvalidMultibase("not an Ed25519 Multikey public key")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def private_key(multikey: str) -> Ed25519PrivateKey:
    raw = from_base58btc(multikey)
    if not raw.startswith(ED25519_PRIVATE) or len(raw) != 34:
        raise InvalidMultibase("not an Ed25519 Multikey private key")
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


def key_from_secret(material: str) -> Ed25519PrivateKey:
    """The private key of one verification method of the key set (``certtrack.badges.keyset``).

    A ``z3u2…`` value is a Multikey private key as such; anything else is secret text generated
    by Secrets Manager (64 random letters and digits, ≈ 380 bits), whose SHA-256 is the seed.
    """
    if material.startswith("z3u2"):
        return private_key(material)
    if len(material) < 32:
        raise InvalidMultibase("a key's secret material must be at least 32 characters")
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(material.encode("utf-8")).digest())
