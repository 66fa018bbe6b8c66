"""Factories that build records through the domain models (not hand-written dicts)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from certtrack import keys
from certtrack.identity.models import CandidateItem, LoginMappingItem

_seq = itertools.count(1)


def candidate(
    *,
    candidate_id: str | None = None,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    email: str | None = None,
    login_sub: str | None = None,
) -> CandidateItem:
    """A saved candidate; mapped to ``login_sub`` when given."""
    n = next(_seq)
    cid = candidate_id or f"CSCO{10_000_000 + n:08d}"
    now = datetime(2026, 1, 1, tzinfo=UTC)
    address = email or f"candidate{n}@example.com"
    item = CandidateItem(
        *CandidateItem.key(cid),
        candidate_id=cid,
        first_name=first_name,
        last_name=last_name,
        email=address,
        created_at=now,
        GSI1PK=keys.email_gsi(address),
        GSI1SK=keys.candidate_pk(cid),
    )
    if login_sub:
        item.login_sub = login_sub
        item.mapped_at = now
        LoginMappingItem(keys.login_pk(login_sub), keys.MAPPING, candidate_id=cid, mapped_at=now).save()
    item.save()
    return item
