"""Which certifications a transcript shows, and what a transcript request may ask for (pure rules).

A transcript either shows the holder's *active* certifications or a *selected* set. The ids that
were active when the holder made the choice are kept as the baseline; with
``include_new_certifications`` anything active later and not in the baseline joins automatically.
Selected certifications are shown with their real status (an expired one is never shown as
active); certifications never earned (``in_progress``) are never shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from certtrack.dates import iso_day
from certtrack.program.catalog import Catalog
from certtrack.program.standing import standing

ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"
SELECTABLE = frozenset({ACTIVE, EXPIRED})
SHOWN_WHEN_SELECTED = frozenset({ACTIVE, EXPIRED, REVOKED})
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class CertificationRecord(Protocol):
    """What the rules need of a certification record (``CertificationItem`` has it)."""

    @property
    def cert_id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def active_date(self) -> date | None: ...
    @property
    def expiration_date(self) -> date | None: ...
    @property
    def verification_code(self) -> str | None: ...


@dataclass(frozen=True)
class ShownCertification:
    id: str
    name: str
    abbreviation: str
    category: str
    level: int
    active_date: str | None
    expiration_date: str | None
    status: str
    verification_code: str | None


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    type: str = "value_error"

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message, "type": self.type}


def effective_status(record: CertificationRecord, today: date) -> str:
    """The record's standing on ``today`` (:mod:`certtrack.program.standing`)."""
    return standing(record, today)


def active_ids(records: Iterable[CertificationRecord], today: date) -> list[str]:
    return sorted(r.cert_id for r in records if effective_status(r, today) == ACTIVE)


def shown_certifications(
    *,
    include: str,
    selected_ids: Sequence[str],
    baseline_ids: Sequence[str],
    include_new: bool,
    records: Iterable[CertificationRecord],
    today: date,
    catalog: Catalog,
) -> list[ShownCertification]:
    """The certifications a viewer sees today, ordered by category then name."""
    by_id = {r.cert_id: r for r in records}
    status = {cert_id: effective_status(r, today) for cert_id, r in by_id.items()}
    active_now = {cert_id for cert_id, s in status.items() if s == ACTIVE}
    new = active_now - set(baseline_ids) if include_new else set()
    if include == "selected":
        chosen = {cert_id for cert_id in selected_ids if status.get(cert_id) in SHOWN_WHEN_SELECTED} | new
    else:
        chosen = (active_now & set(baseline_ids)) | new
    shown = []
    for cert_id in chosen:
        cert = catalog.certification(cert_id)
        if cert is None:
            continue
        record = by_id[cert_id]
        shown.append(
            ShownCertification(
                id=cert_id,
                name=cert.name,
                abbreviation=cert.abbreviation,
                category=cert.category,
                level=cert.level,
                active_date=iso_day(record.active_date),
                expiration_date=iso_day(record.expiration_date),
                status=status[cert_id],
                verification_code=record.verification_code,
            )
        )
    return sorted(shown, key=lambda c: (c.category, c.name, c.id))


def grouped(certifications: Sequence[ShownCertification]) -> list[tuple[str, list[ShownCertification]]]:
    """``[(category, certifications)]`` in the order of the (sorted) input."""
    groups: dict[str, list[ShownCertification]] = {}
    for cert in certifications:
        groups.setdefault(cert.category, []).append(cert)
    return list(groups.items())


def validate_request(
    *,
    expires_on: date,
    include: str,
    certification_ids: Sequence[str],
    records: Iterable[CertificationRecord],
    today: date,
    max_days: int,
    catalog: Catalog,
) -> list[FieldError]:
    """Rules that need the date or the holder's records (the schema checks types and lengths)."""
    errors = []
    if expires_on <= today:
        errors.append(FieldError("expires_on", "The expiry date must be in the future.", "date_not_future"))
    elif expires_on > today + timedelta(days=max_days):
        errors.append(
            FieldError("expires_on", f"The expiry date may be at most {max_days} days ahead.", "date_too_far")
        )
    # Ids are checked in both modes (a typo is a client bug); only a selection must be held.
    held = {r.cert_id for r in records if effective_status(r, today) in SELECTABLE}
    unknown = sorted(
        {c for c in certification_ids if catalog.certification(c) is None or (include == "selected" and c not in held)}
    )
    if include == "selected" and not certification_ids:
        errors.append(FieldError("certification_ids", "Select at least one certification.", "empty_selection"))
    if unknown:
        errors.append(
            FieldError(
                "certification_ids",
                f"Not certifications you hold: {', '.join(unknown)}.",
                "unknown_certification",
            )
        )
    return errors


def display_date(value: str | None) -> str:
    """``2019-12-08`` → ``2019-Dec-08`` (the portal's style); empty for no date."""
    if not value:
        return ""
    day = date.fromisoformat(value)
    return f"{day.year}-{_MONTHS[day.month - 1]}-{day.day:02d}"
