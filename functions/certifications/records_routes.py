"""Records routes of the certifications API: certifications and progress, CE activities, exams, agreements."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from certtrack import clock
from certtrack.certifications import records
from certtrack.certifications.record_schemas import (
    AgreementPage,
    CEActivityPage,
    CertificationDetail,
    CertificationsPage,
    ExamPage,
    ExamSort,
    SortOrder,
)
from certtrack.identity import current_candidate_id
from certtrack.openapi import responses

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]


@router.get("/me/certifications")
def get_certifications(limit: Limit = 50, next: Cursor = None) -> CertificationsPage:
    """The caller's certifications grouped by category, with which downloads are available."""
    return records.list_certifications(current_candidate_id(router), clock.now(), limit, next)


@router.get("/me/certifications/<cert_id>", responses=responses({404: "`not_found`: no such certification"}))
def get_certification(cert_id: Annotated[str, Path(max_length=64)]) -> CertificationDetail:
    """One certification: progress tree, the CE credits applied to it and its history."""
    return records.certification_detail(current_candidate_id(router), cert_id, clock.now())


@router.get("/me/ce-activities")
def get_ce_activities(
    q: Annotated[str | None, Query(max_length=100)] = None, limit: Limit = 50, next: Cursor = None
) -> CEActivityPage:
    """Continuing-education activities, newest first; `q` searches name and provider."""
    return records.list_ce_activities(current_candidate_id(router), q, limit, next)


@router.get("/me/exams")
def get_exams(
    sort: Annotated[ExamSort, Query()] = "date",
    order: Annotated[SortOrder, Query()] = "desc",
    limit: Limit = 50,
    next: Cursor = None,
) -> ExamPage:
    """Exam history; `expires` is null ("Never") for a failed exam."""
    return records.list_exams(current_candidate_id(router), sort, order, limit, next)


@router.get("/me/agreements")
def get_agreements(limit: Limit = 50, next: Cursor = None) -> AgreementPage:
    """Signed certification agreements; `expires` null means never."""
    return records.list_agreements(current_candidate_id(router), limit, next)
