"""Public verification of a certificate or fulfillment kit by its code: ``GET /public/verify/{code}``.

code → ``VERIFY#<code>`` (GetItem) → the certification it names in the holder's partition
(GetItem) → the holder's name (GetItem). The status is the certification's standing on the day
(:mod:`certtrack.program.standing`): an expired or revoked certification is shown as such,
never as valid. Unknown codes, and every code of a holder who withdrew ``verification_consent``,
get the same neutral 404 (status, body, headers): it never says or implies that a code is forged,
only that it cannot be verified online.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from certtrack import i18n, keys, verification
from certtrack.certifications.models import CertificationItem
from certtrack.dates import iso_day
from certtrack.errors import NotFound
from certtrack.identity.candidates import resolve_candidate
from certtrack.identity.personal import settings_of
from certtrack.pages import PRIVACY_HEADERS, render
from certtrack.program import standing
from certtrack.program.catalog import load_catalog

# The one answer for a code that cannot be shown (unknown, or the holder withdrew consent).
NOT_FOUND_DETAIL = i18n.N_(
    "This code cannot be verified online. Ask the holder for a transcript or contact the program."
)


@dataclass(frozen=True)
class Verification:
    code: str
    kind: str  # "certificate" | "fulfillment"
    first_name: str
    last_name: str
    cert_id: str
    certification: str
    category: str
    status: str  # "active" | "expired" | "revoked"
    active_date: str | None
    expiration_date: str | None
    checked_on: str
    program: str
    superseded_on: str | None = None  # a newer certificate replaced the one carrying this code
    candidate_id: str = ""  # never shown: the handler finds the certification's credential with it

    def as_json(self) -> dict[str, Any]:
        return {
            "verification_code": self.code,
            "kind": self.kind,
            "holder": {"first_name": self.first_name, "last_name": self.last_name},
            "certification": {"id": self.cert_id, "name": self.certification, "category": self.category},
            "status": self.status,
            "active_date": self.active_date,
            "expiration_date": self.expiration_date,
            "checked_on": self.checked_on,
            "program": self.program,
            "superseded": self.superseded_on is not None,
            "superseded_on": self.superseded_on,
        }


def public_status(item: CertificationItem, today: date) -> str:
    """``revoked`` / ``expired`` / ``active`` (the standing); anything not active is not valid."""
    shown = standing.standing(item, today)
    return shown if shown in (standing.ACTIVE, standing.REVOKED) else standing.EXPIRED


def not_found() -> NotFound:
    return NotFound(NOT_FOUND_DETAIL, code="verification_unavailable", headers=dict(PRIVACY_HEADERS))


def verify(code: str, today: date) -> Verification:
    """Three GetItems at most; raises the one 404 for anything that cannot be shown."""
    pointer = verification.lookup(code)
    if pointer is None or not pointer.cert_id:
        raise not_found()
    # A code of a record merged since names the survivor, which holds the certification now.
    candidate = resolve_candidate(pointer.candidate_id)
    if candidate is None or settings_of(candidate).get("verification_consent") is False:
        raise not_found()
    definition = load_catalog().certification(pointer.cert_id)
    try:
        item = CertificationItem.get(keys.candidate_pk(candidate.candidate_id), keys.cert_sk(pointer.cert_id))
    except CertificationItem.DoesNotExist:
        raise not_found() from None
    if definition is None:
        raise not_found()
    return Verification(
        code=pointer.code,
        kind=pointer.kind,
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        cert_id=definition.id,
        certification=definition.name,
        category=definition.category,
        status=public_status(item, today),
        active_date=iso_day(item.active_date),
        expiration_date=iso_day(item.expiration_date),
        checked_on=today.isoformat(),
        program=load_catalog().program,
        superseded_on=pointer.superseded_on if pointer.kind == "certificate" else None,
        candidate_id=candidate.candidate_id,
    )


def render_page(result: Verification | None, credential: dict[str, Any] | None = None, *, language: str = "en") -> str:
    """The HTML page (autoescaped); ``None`` renders the not-found page. ``credential``: the
    certification's digital badge and its checks (``{"url", "verified", "summary", "checks"}``),
    which the handler adds when one was issued (badges sit above certifications)."""
    return render(
        "verify.html",
        language=language,
        result=result,
        credential=credential,
        program=load_catalog().program,
        not_found_detail=NOT_FOUND_DETAIL,
    )
