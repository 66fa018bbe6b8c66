"""Demo data for the local runtime: ``seed(now)`` writes it and returns the demo logins to print.

Each domain adds its demo records here (through its own models or functions) so that ``make run``
shows every screen with something on it. The dev server creates the returned logins in the
identity provider, so the printed passwords work.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

from certtrack import keys
from certtrack.auth import OPERATORS_GROUP
from certtrack.settings import get_settings

# (number, first name, last name, email); the two "Sam Lee" share an email on purpose: mapping by
# that address opens a support case instead of picking one.
DEMO_CANDIDATES = (
    (1, "Ada", "Lovelace", "ada.lovelace@example.com"),
    (2, "Grace", "Hopper", "grace.hopper@example.com"),
    (3, "Sam", "Lee", "sam.lee@example.com"),
    (4, "Sam", "Lee", "sam.lee@example.com"),
)

DEMO_LOGINS = (
    {
        "username": "demo",
        "password": "Demo-pass-1",
        "groups": [],
        "note": "not mapped yet: map it by email to ada.lovelace@example.com, then open the link in /_local/outbox",
    },
    {"username": "operator", "password": "Operator-pass-1", "groups": [OPERATORS_GROUP], "note": "operators group"},
)


def candidate_id(number: int) -> str:
    return f"{get_settings().candidate_prefix}{number:08d}"


def seed(now: datetime) -> dict[str, Any]:
    """Write the demo records; returns ``{"logins": [{"username","password","groups","note"}]}``."""
    logins = {"logins": [dict(login) for login in DEMO_LOGINS]}
    try:
        from certtrack.identity.models import CandidateItem
    except ImportError:
        print("seed: certtrack.identity is not available yet; no demo candidates were created", file=sys.stderr)
        return logins
    for number, first_name, last_name, email in DEMO_CANDIDATES:
        cid = candidate_id(number)
        CandidateItem(
            keys.candidate_pk(cid),
            keys.PROFILE,
            candidate_id=cid,
            first_name=first_name,
            last_name=last_name,
            email=email,
            created_at=now,
            GSI1PK=keys.email_gsi(email),
            GSI1SK=keys.candidate_pk(cid),
        ).save()
    return logins
