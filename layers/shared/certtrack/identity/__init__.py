"""Identity: candidate records, first-time login mapping and personal info."""

from __future__ import annotations

from typing import Any, Protocol

from certtrack import keys
from certtrack.auth import Login, login_from_event
from certtrack.errors import AccountNotMapped
from certtrack.identity.models import CandidateItem, LoginMappingItem


def mapped_candidate_id(login: Login) -> str | None:
    """The candidate a login is mapped to, or None (one GetItem)."""
    try:
        item = LoginMappingItem.get(keys.login_pk(login.sub), keys.MAPPING, consistent_read=True)
    except LoginMappingItem.DoesNotExist:
        return None
    return item.candidate_id


def require_candidate_id(login: Login) -> str:
    candidate_id = mapped_candidate_id(login)
    if candidate_id is None:
        raise AccountNotMapped(
            "This login is not mapped to a candidate record yet. Map it by email or score report first."
        )
    return candidate_id


class _HasEvent(Protocol):
    @property
    def current_event(self) -> Any: ...


def current_candidate_id(app: _HasEvent) -> str:
    """The caller's candidate id for a ``/me/*`` route (resolver or router); 403 if unmapped."""
    return require_candidate_id(login_from_event(app.current_event.raw_event))


def describe_login(login: Login) -> dict[str, object]:
    """``GET /me``: mapped or not, and the candidate's name and email when mapped."""
    candidate_id = mapped_candidate_id(login)
    candidate = CandidateItem.get_candidate(candidate_id) if candidate_id else None
    if candidate is None:
        return {"mapped": False, "login_id": login.username}
    return {
        "mapped": True,
        "candidate_id": candidate.candidate_id,
        "login_id": login.username,
        "first_name": candidate.first_name,
        "last_name": candidate.last_name,
        "email": candidate.email,
    }


__all__ = [
    "CandidateItem",
    "LoginMappingItem",
    "current_candidate_id",
    "describe_login",
    "mapped_candidate_id",
    "require_candidate_id",
]
