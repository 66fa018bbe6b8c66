"""A candidate's certification records: read in one Query, shaped into the ``/me/*`` payloads.

Every route reads one slice of the candidate's partition (``CAND#<id>``) with one Query (a
sort-key prefix or range); lists are sorted in memory and paged with an offset cursor. The
payloads are :mod:`~certtrack.certifications.record_schemas`; the items become the engine's
evidence in :mod:`~certtrack.certifications.evidence`. The items are read through a
:class:`~certtrack.certifications.record_store.RecordStore` (the table unless a use case is given
another one: the unit tests pass an in-memory store).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from certtrack import keys
from certtrack.certifications import evidence
from certtrack.certifications.models import ExamItem
from certtrack.certifications.record_schemas import (
    AgreementOut,
    AgreementPage,
    AppliedCredit,
    CategoryGroup,
    CEActivity,
    CEActivityPage,
    CertificationDetail,
    CertificationOut,
    CertificationsPage,
    Downloads,
    ExamOut,
    ExamPage,
    ExamSort,
    HistoryEntry,
    ProgressNode,
    SortOrder,
)
from certtrack.certifications.record_store import Partition, RecordStore, dynamo_store
from certtrack.dates import iso_day
from certtrack.errors import NotFound
from certtrack.paging import page
from certtrack.program import rules, standing
from certtrack.program.catalog import Catalog, Certification, Requirement, load_catalog

# Sort-key ranges of the slices routes read (DynamoDB compares UTF-8 bytes; "$" follows "#").
_WHOLE: tuple[str, str] | None = None
_DETAIL = (keys.CE_PREFIX, keys.HISTORY_PREFIX.replace("#", "$"))


def read_partition(
    candidate_id: str,
    *,
    prefix: str | None = None,
    between: tuple[str, str] | None = _WHOLE,
    consistent: bool = False,
    store: RecordStore | None = None,
) -> Partition:
    """One Query of ``CAND#<id>`` (all of it, a sort-key prefix, or a range); pages followed."""
    return (store or dynamo_store()).read(candidate_id, prefix=prefix, between=between, consistent=consistent)


def evaluate_partition(partition: Partition, today: date, catalog: Catalog | None = None) -> dict[str, rules.Result]:
    return evidence.evaluate(
        catalog or load_catalog(), partition.exams, partition.credits, partition.certifications, today
    )


# ---------------------------------------------------------------- certifications


def _downloads(status: str) -> Downloads:
    """Both downloads follow the standing: a logo and a PDF certificate while active, never after."""
    active = status == standing.ACTIVE
    return Downloads(logo=active, pdf_certificate=active)


def _cert_out(
    cert: Certification, status: str, started: str | None, active: str | None, expires: str | None
) -> CertificationOut:
    return CertificationOut(
        id=cert.id,
        name=cert.name,
        abbreviation=cert.abbreviation,
        status=status,
        started=started,
        active_date=active,
        expiration_date=expires,
        downloads=_downloads(status),
    )


def list_certifications(
    candidate_id: str, now: datetime, limit: int, cursor: str | None, store: RecordStore | None = None
) -> CertificationsPage:
    """One Query (``CERT#``): stored standings in catalog order, grouped by category per page."""
    catalog = load_catalog()
    today = now.date()
    stored = read_partition(candidate_id, prefix=keys.CERT_PREFIX, store=store).certifications
    ordered = [
        _cert_out(
            cert,
            standing.standing(item, today),
            iso_day(item.started),
            iso_day(item.active_date),
            iso_day(item.expiration_date),
        )
        for cert in catalog.certifications
        if (item := stored.get(cert.id)) is not None
    ]
    page_items, next_cursor = page(ordered, limit, cursor)
    groups: dict[str, list[CertificationOut]] = {}
    for entry in page_items:
        category = catalog.certification(entry.id).category  # type: ignore[union-attr]
        groups.setdefault(category, []).append(entry)
    return CertificationsPage(
        groups=[CategoryGroup(category=name, certifications=certs) for name, certs in groups.items()],
        next=next_cursor,
    )


def _exam_codes(node: Requirement) -> set[str]:
    return set(node.exams).union(*(_exam_codes(child) for child in node.children))


def _counts_ce(node: Requirement) -> bool:
    return node.type == "ce" or any(_counts_ce(child) for child in node.children)


def certification_detail(
    candidate_id: str, cert_id: str, now: datetime, store: RecordStore | None = None
) -> CertificationDetail:
    """One Query (``CE#`` … ``HIST#``); status, dates and progress from the rules engine as of today."""
    catalog = load_catalog()
    cert = catalog.certification(cert_id)
    if cert is None:
        raise NotFound("No such certification.", code="not_found")
    today = now.date()
    partition = read_partition(candidate_id, between=_DETAIL, store=store)
    result = evaluate_partition(partition, today, catalog)[cert_id]
    # The engine ran as of today with the same rule; a certification never earned has no record.
    status = result.status if result.status == rules.IN_PROGRESS else standing.standing(result, today)
    base = _cert_out(
        cert,
        status,
        iso_day(result.started),
        iso_day(result.active_date),
        iso_day(result.expiration_date),
    )
    counted = set(result.credit_keys)
    credits = sorted(
        (c for c in partition.credits if c.external_id in counted),
        key=lambda c: (c.active_date, c.external_id),
    )
    codes = _exam_codes(cert.initial) | _exam_codes(cert.recertification)
    counts_ce = _counts_ce(cert.initial) or _counts_ce(cert.recertification)
    history = [
        h
        for h in partition.history
        if h.cert_id == cert_id
        or (h.cert_id is None and h.exam_code is not None and h.exam_code in codes)
        or (h.cert_id is None and h.kind in evidence.CE_EVENTS and counts_ce)
    ]
    history.sort(key=lambda h: h.SK, reverse=True)
    return CertificationDetail(
        **base.model_dump(),
        progress=ProgressNode.model_validate(result.progress.to_dict()),
        ce_credits=[
            AppliedCredit(
                active_date=c.active_date.isoformat(),
                inactive_date=c.inactive_date.isoformat(),
                points=_points(c.points),
                status="active" if c.inactive_date > today else "inactive",
            )
            for c in credits
        ],
        history=[HistoryEntry(date=h.date.isoformat(), event=h.event) for h in history],
    )


def _points(value: Any) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


# ---------------------------------------------------------------- CE activities, exams, agreements


def list_ce_activities(
    candidate_id: str, q: str | None, limit: int, cursor: str | None, store: RecordStore | None = None
) -> CEActivityPage:
    """One Query (``CE#``), newest first; ``q`` matches name or provider, case-insensitively."""
    credits = read_partition(candidate_id, prefix=keys.CE_PREFIX, store=store).credits
    needle = (q or "").strip().casefold()
    if needle:
        credits = [c for c in credits if needle in c.activity_name.casefold() or needle in c.provider_name.casefold()]
    credits.sort(key=lambda c: (c.active_date, c.external_id), reverse=True)
    items, next_cursor = page(credits, limit, cursor)
    return CEActivityPage(
        items=[
            CEActivity(
                name=c.activity_name,
                active_date=c.active_date.isoformat(),
                expires=c.inactive_date.isoformat(),
                review=c.review,
                points=_points(c.points),
                updated=c.updated_at.date().isoformat() if c.updated_at else None,
                provider_name=c.provider_name,
                source=c.source,
                import_source=c.import_source,
                external_id=c.external_id,
            )
            for c in items
        ],
        next=next_cursor,
    )


_EXAM_SORTS: dict[str, Callable[[ExamItem], tuple[str | date, ...]]] = {
    "date": lambda e: (e.exam_date, e.exam_code, e.registration_number),
    "code": lambda e: (e.exam_code, e.exam_date, e.registration_number),
    "grade": lambda e: (e.grade, e.exam_date, e.registration_number),
}


def list_exams(
    candidate_id: str,
    sort: ExamSort,
    order: SortOrder,
    limit: int,
    cursor: str | None,
    store: RecordStore | None = None,
) -> ExamPage:
    """One Query (``EXAM#``), sorted by date, code or grade."""
    catalog = load_catalog()
    exams = read_partition(candidate_id, prefix=keys.EXAM_PREFIX, store=store).exams
    exams.sort(key=_EXAM_SORTS[sort], reverse=order == "desc")
    items, next_cursor = page(exams, limit, cursor)
    return ExamPage(
        items=[
            ExamOut(
                code=e.exam_code,
                exam=e.exam_name,
                registration_number=e.registration_number,
                grade=e.grade,
                date=e.exam_date.isoformat(),
                expires=iso_day(evidence.exam_expires(e, catalog)),
            )
            for e in items
        ],
        next=next_cursor,
    )


def list_agreements(
    candidate_id: str, limit: int, cursor: str | None, store: RecordStore | None = None
) -> AgreementPage:
    """One Query (``AGREE#``), newest first."""
    agreements = read_partition(candidate_id, prefix=keys.AGREEMENT_PREFIX, store=store).agreements
    agreements.sort(key=lambda a: (a.active_date, a.name), reverse=True)
    items, next_cursor = page(agreements, limit, cursor)
    return AgreementPage(
        items=[AgreementOut(name=a.name, active_date=a.active_date, expires=a.expires) for a in items],
        next=next_cursor,
    )
