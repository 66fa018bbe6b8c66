"""Candidate records: creation (imports, demo data) and the lookup by email."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from pynamodb.exceptions import PutError

from certtrack import keys
from certtrack.db import condition_failed
from certtrack.identity.models import CandidateItem, name_keys
from certtrack.identity.normalize import normalize_email

# A generous bound: real duplicates are a handful of records; the support case lists them all.
_MAX_EMAIL_MATCHES = 25


def create_candidate(
    candidate_id: str,
    *,
    first_name: str,
    last_name: str,
    email: str | None,
    now: datetime,
    vendor_testing_id: str | None = None,
    attributes: Mapping[str, str] | None = None,
) -> CandidateItem:
    """Create a candidate profile unless one exists (then return the existing one unchanged)."""
    item = CandidateItem(
        *CandidateItem.key(candidate_id),
        candidate_id=candidate_id,
        first_name=first_name,
        last_name=last_name,
        email=normalize_email(email) if email else None,
        created_at=now,
        vendor_testing_id=vendor_testing_id,
        attributes=dict(attributes) if attributes else None,
        **name_keys(first_name, last_name, candidate_id),
    )
    if email:
        item.GSI1PK = keys.email_gsi(email)
        item.GSI1SK = keys.candidate_pk(candidate_id)
    try:
        item.save(condition=CandidateItem.PK.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
        existing = CandidateItem.get_candidate(candidate_id)
        assert existing is not None
        return existing
    return item


def candidates_with_email(email: str) -> list[CandidateItem]:
    """Every candidate whose email is ``email`` (one Query on GSI1 ``EMAIL#<email>``)."""
    results = CandidateItem.lookup_index.query(
        keys.email_gsi(email),
        CandidateItem.GSI1SK.startswith(keys.candidate_pk("")),
        limit=_MAX_EMAIL_MATCHES,
    )
    return [item for item in results if isinstance(item, CandidateItem)]


# A merged record points at its survivor, which may itself have been merged later: a short chain.
_MAX_MERGE_HOPS = 5


def resolve_candidate(candidate_id: str) -> CandidateItem | None:
    """The candidate a record id stands for now: the record, or the survivor it was merged into.

    One GetItem for a record that was never merged, one more per merge it went through.
    """
    candidate = CandidateItem.get_candidate(candidate_id)
    for _hop in range(_MAX_MERGE_HOPS):
        if candidate is None or not candidate.merged_into:
            return candidate
        candidate = CandidateItem.get_candidate(candidate.merged_into)
    return None
