"""Holders for document tests (certification records: ``tests.factories.certification``)."""

from __future__ import annotations

from certtrack.identity.models import CandidateItem

from tests.factories import candidate


def holder(
    login_sub: str | None = "sub-holder",
    *,
    first_name: str = "Zoë",
    last_name: str = "Ångström",
    consent: bool | None = None,
) -> CandidateItem:
    """A mapped candidate; ``consent`` sets the ``verification_consent`` flag when not None."""
    item = candidate(first_name=first_name, last_name=last_name, login_sub=login_sub)
    if consent is not None:
        item.update(actions=[CandidateItem.settings.set({"verification_consent": consent})])
    return item
