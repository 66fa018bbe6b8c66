"""The badges routes' payloads (light: the routes import these at init, the signing code on use)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from certtrack.fields import Schema

LD_JSON = "application/ld+json"
DID_JSON = "application/did+ld+json"


class BadgeOut(Schema):
    certification_id: str
    name: str
    status: str  # the certification's standing today: active | expired | revoked
    credential_url: str
    image_url: str
    linkedin_url: str


class BadgeList(Schema):
    badges: list[BadgeOut]


class CredentialVerification(Schema):
    """What ``POST /public/credentials/verify`` and the verification page find (certtrack.badges.verifier)."""

    verified: bool = Field(description="True only when every check passed.")
    summary: str = Field(description='One sentence: "Verified …", "Not ours …", "Invalid signature …", "… revoked".')
    credential_id: str | None
    checked_at: str
    checks: dict[str, dict[str, Any]] = Field(
        description="`issuer` (`ours`|`not_ours`), `signature` (`valid`|`invalid`|`not_checked`, with a "
        "`reason`), `status` (`active`|`revoked`|`suspended`|`unknown`|`not_checked`), `dates` (`valid`|"
        "`not_yet_valid`|`expired`|`invalid`); each has `result` and `detail`."
    )
