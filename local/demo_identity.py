"""Identity demo data: candidates to try both mapping paths, and one candidate mapped to ``demo``.

``seed(now, logins)`` runs after the dev server has created the demo logins in the identity
provider (``logins`` maps username → Cognito ``sub``; the sub is known only then). Everything is
written through the domain code, so a second run changes nothing.

| candidate      | name             | email               | to try                                        |
|----------------|------------------|---------------------|-----------------------------------------------|
| CSCO10000000   | John Doe         | john.doe@example.com| mapped to the login ``demo``                  |
| CSCO10000001   | Alice Martin     | alice@example.com   | map by email: a link arrives in the outbox    |
| CSCO10000002   | Bob Shared       | shared@example.com  | map by email: duplicate → support case        |
| CSCO10000003   | Roberta Shared   | shared@example.com  | (second record sharing the address)           |
| CSCO10000004   | José Núñez       | jose.old@example.com| map by score report: last name "nunez" + the  |
|                |                  |                     | registration number of his exam (seeded by the|
|                |                  |                     | certifications demo data, ``SCORE_REPORT_REG``)|
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from certtrack.identity import mapping
from certtrack.identity.candidates import create_candidate
from certtrack.settings import get_settings

MAPPED_LOGIN = "demo"
# The certifications seed gives CSCO10000004 a passed exam with this registration number.
SCORE_REPORT_REG = "REG10000004"

# (number, first name, last name, email, testing vendor id, attributes)
CANDIDATES: tuple[tuple[int, str, str, str, str | None, dict[str, str]], ...] = (
    (0, "John", "Doe", "john.doe@example.com", "VUE10000000", {"job_title": "Network Engineer"}),
    (1, "Alice", "Martin", "alice@example.com", "VUE10000001", {}),
    (2, "Bob", "Shared", "shared@example.com", None, {}),
    (3, "Roberta", "Shared", "shared@example.com", None, {}),
    (4, "José", "Núñez", "jose.old@example.com", "VUE10000004", {}),
)


def candidate_id(number: int) -> str:
    return f"{get_settings().candidate_prefix}{10_000_000 + number:08d}"


def seed(now: datetime, logins: dict[str, str]) -> dict[str, Any]:
    """Create the identity demo candidates and map ``demo``; returns what was made, for printing."""
    for number, first_name, last_name, email, vendor_id, attributes in CANDIDATES:
        create_candidate(
            candidate_id(number),
            first_name=first_name,
            last_name=last_name,
            email=email,
            now=now,
            vendor_testing_id=vendor_id,
            attributes=attributes or None,
        )
    mapped: dict[str, str] = {}
    if MAPPED_LOGIN in logins:
        mapping.map_login(logins[MAPPED_LOGIN], MAPPED_LOGIN, candidate_id(0), now)
        mapped[MAPPED_LOGIN] = candidate_id(0)
    return {
        "mapped": mapped,
        "map_by_email": {"email": "alice@example.com", "candidate_id": candidate_id(1)},
        "duplicate_email": {"email": "shared@example.com", "candidate_ids": [candidate_id(2), candidate_id(3)]},
        "score_report": {
            "candidate_id": candidate_id(4),
            "last_name": "Núñez",
            "registration_number": SCORE_REPORT_REG,
        },
    }
