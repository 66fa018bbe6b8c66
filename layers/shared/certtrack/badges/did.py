"""The issuer's ``did:web`` and its DID document (pure).

did:web of the public origin's host (a port's colon percent-encoded, path segments as ``:``):
``https://certs.example.com`` → ``did:web:certs.example.com``, ``http://127.0.0.1:3000`` →
``did:web:127.0.0.1%3A3000``. Every key of the key set is a ``Multikey`` verification method
and an ``assertionMethod``: retired keys stay, so credentials they signed keep verifying.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from certtrack.badges import multikey
from certtrack.badges.jsonld import DID_V1, MULTIKEY_V1
from certtrack.badges.keyset import KeySet


def did_web(base_url: str) -> str:
    parts = urlsplit(base_url)
    if not parts.netloc:
        raise ValueError("the public base URL has no host")
    segments = [parts.netloc.replace(":", "%3A"), *(s for s in parts.path.split("/") if s)]
    return "did:web:" + ":".join(segments)


def method_id(did: str, key_id: str) -> str:
    return f"{did}#{key_id}"


def document(did: str, keyset: KeySet) -> dict[str, Any]:
    methods = [
        {
            "id": method_id(did, key_id),
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey.public_multikey(key.public_key()),
        }
        for key_id, key in keyset.keys.items()
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
