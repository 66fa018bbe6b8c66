"""Confirmation tokens: 32 random bytes, URL-safe; only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

TOKEN_BYTES = 32
TOKEN_LIFETIME = timedelta(hours=2)
# DynamoDB's TTL deletes tokens eventually; the 2-hour limit is checked against created_at, so
# keeping expired tokens a few days lets a late click say "expired" rather than "invalid".
TOKEN_RETENTION = timedelta(days=3)

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # base64url of 32 bytes, no padding


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(_TOKEN_SHAPE.fullmatch(token))


def is_expired(created_at: datetime, now: datetime) -> bool:
    return now >= created_at + TOKEN_LIFETIME


def ttl_epoch(created_at: datetime) -> int:
    return int((created_at + TOKEN_RETENTION).timestamp())
