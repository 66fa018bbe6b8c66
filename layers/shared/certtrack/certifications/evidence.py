"""Stored records as the rules engine's evidence, and how long an exam counts (pure: no I/O).

The engine (:mod:`certtrack.program.rules`) takes exams, credits and stored standings; these map
the candidate's items onto them; :mod:`certtrack.certifications.records` reads the items.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from certtrack.certifications.models import CECreditItem, CertificationItem, ExamItem
from certtrack.program import rules
from certtrack.program.catalog import Catalog

VOID = "void"  # a CE credit an operator voided: kept and shown, never counted
# History kinds of an operator's CE changes (no ``cert_id``): shown with every CE-counting certification.
CE_ADDED, CE_VOIDED = "ce_added", "ce_voided"
CE_EVENTS = frozenset({CE_ADDED, CE_VOIDED})


def exam_evidence(items: Sequence[ExamItem]) -> list[rules.Exam]:
    return [
        rules.Exam(
            code=e.exam_code,
            date=e.exam_date,
            passed=e.grade == "Pass",
            key=e.registration_number,
        )
        for e in items
    ]


def credit_evidence(items: Sequence[CECreditItem]) -> list[rules.Credit]:
    return [
        rules.Credit(
            points=float(c.points),
            active_date=c.active_date,
            inactive_date=c.inactive_date,
            key=c.external_id,
        )
        for c in items
        if c.status != VOID
    ]


def standings(items: dict[str, CertificationItem]) -> dict[str, rules.Standing]:
    out = {}
    for cert_id, item in items.items():
        out[cert_id] = rules.Standing(
            cert_id=cert_id,
            revoked=item.status == rules.REVOKED,
            granted_on=item.granted_on,
            granted_until=item.granted_until,
            extended_from=item.extended_from,
            extended_to=item.extended_to,
            lifted_on=item.revocation_lifted_on,
        )
    return out


def evaluate(
    catalog: Catalog,
    exams: Sequence[ExamItem],
    credits: Sequence[CECreditItem],
    certifications: dict[str, CertificationItem],
    today: date,
) -> dict[str, rules.Result]:
    """The rules engine on a candidate's stored items, as of ``today``."""
    return rules.evaluate(catalog, exam_evidence(exams), credit_evidence(credits), standings(certifications), today)


def exam_expires(item: ExamItem, catalog: Catalog) -> date | None:
    """A pass counts for ``exam_validity_years``; a failed exam never expires (shown "Never")."""
    if item.grade != "Pass":
        return None
    return rules.add_years(item.exam_date, catalog.exam_validity_years)
