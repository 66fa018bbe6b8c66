"""The badges routes' payloads (light: the routes import these at init, the signing code on use)."""

from __future__ import annotations

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
