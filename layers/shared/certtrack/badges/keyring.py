"""The badge key set, read from Secrets Manager through Powertools parameters (cached 5 minutes).

A rotation (a new member, ``active`` pointed at it) reaches every warm function within the cache
time; nothing about the keys is logged.
"""

from __future__ import annotations

from functools import lru_cache

from certtrack.badges import keyset
from certtrack.settings import get_settings


def current() -> keyset.KeySet:
    return _parsed(get_settings().badge_keys)


@lru_cache(maxsize=4)
def _parsed(secret: str) -> keyset.KeySet:
    # Keyed by the secret's text, so a rotated value is parsed once and an old one never reused.
    return keyset.parse(secret)
