"""The badge signing key set as Secrets Manager holds it (pure parsing).

One JSON object: ``"active"`` names the key that signs new credentials; every other member is a
key id (``key-1``, ``2027-01`` …: letters, digits, ``.``, ``_``, ``-``) whose value is its secret
material (``certtrack.badges.multikey.key_from_secret``). The template generates
``{"active": "key-1", "key-1": <64 random characters>}``; a rotation adds a member and points
``active`` at it, and the old keys stay listed in the DID document.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from certtrack.badges.multikey import InvalidMultibase, key_from_secret

KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


class InvalidKeySet(ValueError):
    """The secret is not a key set (the message says why; never its values)."""


@dataclass(frozen=True)
class KeySet:
    active: str
    keys: dict[str, Ed25519PrivateKey]

    @property
    def signing_key(self) -> Ed25519PrivateKey:
        return self.keys[self.active]


def parse(secret: str) -> KeySet:
    try:
        raw = json.loads(secret)
    except ValueError:
        raise InvalidKeySet("the badge key secret is not JSON") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("active"), str):
        raise InvalidKeySet('the badge key secret has no "active" key id')
    keys: dict[str, Ed25519PrivateKey] = {}
    for key_id, material in raw.items():
        if key_id == "active":
            continue
        if not KEY_ID.fullmatch(key_id) or not isinstance(material, str):
            raise InvalidKeySet(f"badge key {key_id[:64]!r}: the id or its value is malformed")
        try:
            keys[key_id] = key_from_secret(material)
        except (InvalidMultibase, ValueError):
            raise InvalidKeySet(f"badge key {key_id!r}: not usable key material") from None
    if raw["active"] not in keys:
        raise InvalidKeySet("the active badge key is not in the key set")
    return KeySet(raw["active"], dict(sorted(keys.items())))
