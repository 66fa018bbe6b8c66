"""The ``OpenBadgeCredential`` of one certification period, before signing (pure).

Open Badges 3.0 on the VC Data Model 2.0: the issuer is a ``Profile`` identified by our did:web;
the subject is an ``AchievementSubject`` identified by a salted SHA-256 of the holder's email
(``identityHash`` = ``sha256$`` + hex of SHA-256(email + salt), OB 3.0 ``IdentityObject``), never
the address itself; the achievement carries the catalog's criteria and the logo as an embedded
SVG image. ``validFrom`` is the start of the period, ``validUntil`` the end of its last day.
Each credential has two status entries at the same index: ``revocation`` and ``suspension``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from certtrack.badges.criteria import narrative
from certtrack.badges.jsonld import OB_V3, VC_V2
from certtrack.badges.periods import Period
from certtrack.program.catalog import Catalog, Certification

STATUS_LIST_SIZE = 131_072  # entries per status list: the minimum the spec asks, for privacy
PURPOSES = ("revocation", "suspension")


@dataclass(frozen=True)
class Subject:
    """The holder, as the credential names them: a normalised email (or None) and its salt."""

    email: str | None
    candidate_id: str
    salt: str


def credential_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/public/credentials/{credential_id}"


def status_list_id(purpose: str, status_index: int) -> str:
    """The list holding a global status index: ``revocation-0`` has indexes 0 … 131,071."""
    return f"{purpose}-{status_index // STATUS_LIST_SIZE}"


def status_list_url(base_url: str, list_id: str) -> str:
    return f"{base_url}/public/status/{list_id}"


def status_entries(base_url: str, status_index: int) -> list[dict[str, str]]:
    entries = []
    for purpose in PURPOSES:
        list_url = status_list_url(base_url, status_list_id(purpose, status_index))
        position = str(status_index % STATUS_LIST_SIZE)
        entries.append(
            {
                "id": f"{list_url}#{position}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": position,
                "statusListCredential": list_url,
            }
        )
    return entries


def identity_hash(value: str, salt: str) -> str:
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def _identifier(subject: Subject) -> dict[str, Any]:
    if subject.email:
        value, kind = subject.email.strip().lower(), "emailAddress"
    else:  # a record without an address: the candidate id, hashed the same way
        value, kind = subject.candidate_id, "identifier"
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(value, subject.salt),
        "identityType": kind,
        "hashed": True,
        "salt": subject.salt,
    }


def image_data_uri(svg: str) -> str:
    """The logo embedded in the credential: wallets show it without fetching anything."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def achievement_id(cert_id: str) -> str:
    return f"urn:certtrack:achievement:{cert_id}"


def build(
    *,
    base_url: str,
    issuer_did: str,
    credential_id: str,
    cert: Certification,
    catalog: Catalog,
    period: Period,
    subject: Subject,
    status_index: int,
    image_svg: str,
) -> dict[str, Any]:
    image = image_data_uri(image_svg)
    return {
        "@context": [VC_V2, OB_V3],
        "id": credential_url(base_url, credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{cert.name} certification",
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": catalog.program, "url": base_url},
        "validFrom": f"{period.valid_from.isoformat()}T00:00:00Z",
        "validUntil": f"{period.valid_until.isoformat()}T23:59:59Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identifier(subject)],
            "achievement": {
                "id": achievement_id(cert.id),
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": cert.name,
                "description": (
                    f"{cert.name}, a {cert.category} certification of the {catalog.program}, "
                    f"valid {cert.validity_years} years from the day it is earned or renewed."
                ),
                "criteria": {"narrative": narrative(cert, catalog)},
                "image": {"id": image, "type": "Image", "caption": f"{cert.name} logo"},
            },
        },
        "credentialStatus": status_entries(base_url, status_index),
    }
