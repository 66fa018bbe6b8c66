"""Grants and corrections: grant, revoke, extend a certification; add or void a CE credit; correct
a candidate's name. Every route needs a reason and writes its audit item with the change."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from certtrack import clock
from certtrack.api import current_operator
from certtrack.openapi import responses
from certtrack.operations import corrections
from certtrack.operations.corrections import (
    CertificationOut,
    CreditOut,
    CreditRequest,
    ExtendRequest,
    GrantRequest,
    NameOut,
    NameRequest,
    ReasonRequest,
)

router = Router()

CandidateId = Annotated[str, Path(max_length=64)]
CertId = Annotated[str, Path(max_length=64)]
ExternalId = Annotated[str, Path(max_length=64)]
REASON = "`validation_error`: a field is missing or invalid (a blank reason is refused)"


@router.post(
    "/ops/candidates/<candidate_id>/grants",
    responses=responses(
        {
            404: "`candidate_not_found`: no candidate has this id",
            409: "`already_active`: the certification is active; `concurrent_update`",
            422: f"`unknown_certification`: not in the catalog; {REASON}",
        },
        ok=(201, "The granted certification: active from today for the catalog's validity"),
    ),
)
def post_grant(candidate_id: CandidateId, request: GrantRequest) -> Response[CertificationOut]:
    """Operators only: grant a certification manually (history "Manually granted certification")."""
    login = current_operator(router)
    granted = corrections.grant(candidate_id, request, login, clock.now())
    return Response(status_code=201, content_type="application/json", body=granted)


@router.post(
    "/ops/candidates/<candidate_id>/certifications/<cert_id>/revoke",
    responses=responses(
        {
            404: "`candidate_not_found`, `certification_not_found`: no such candidate or no record of it",
            409: "`already_revoked`, `not_held`: nothing to revoke; `concurrent_update`",
            422: REASON,
        },
    ),
)
def post_revoke(candidate_id: CandidateId, cert_id: CertId, request: ReasonRequest) -> CertificationOut:
    """Operators only: revoke a certification; its certificate, verification, transcripts and badge
    then say revoked, and no re-evaluation undoes it (a new grant does)."""
    login = current_operator(router)
    return corrections.revoke(candidate_id, cert_id, request, login, clock.now())


@router.post(
    "/ops/candidates/<candidate_id>/certifications/<cert_id>/extend",
    responses=responses(
        {
            404: "`candidate_not_found`, `certification_not_found`",
            409: "`not_active`: only an active certification is extended; `concurrent_update`",
            422: f"`expiry_not_later`, `expiry_too_late`: not after the current expiry, or 5+ years after; {REASON}",
        },
    ),
)
def post_extend(candidate_id: CandidateId, cert_id: CertId, request: ExtendRequest) -> CertificationOut:
    """Operators only: move the current period's expiration date later."""
    login = current_operator(router)
    return corrections.extend(candidate_id, cert_id, request, login, clock.now())


@router.post(
    "/ops/candidates/<candidate_id>/ce-credits",
    responses=responses(
        {
            404: "`candidate_not_found`",
            409: "`credit_exists`: the candidate has a credit with this external id",
            422: f"`invalid_credit`: the row rules of a ce-credits import; {REASON}",
        },
        ok=(201, "The added CE credit; certifications re-evaluated"),
    ),
)
def post_credit(candidate_id: CandidateId, request: CreditRequest) -> Response[CreditOut]:
    """Operators only: add a CE credit (the fields of a ce-credits import row)."""
    login = current_operator(router)
    added = corrections.add_credit(candidate_id, request, login, clock.now())
    return Response(status_code=201, content_type="application/json", body=added)


@router.post(
    "/ops/candidates/<candidate_id>/ce-credits/<external_id>/void",
    responses=responses(
        {
            404: "`candidate_not_found`, `credit_not_found`",
            409: "`already_void`; `concurrent_update`",
            422: REASON,
        },
    ),
)
def post_void_credit(candidate_id: CandidateId, external_id: ExternalId, request: ReasonRequest) -> CreditOut:
    """Operators only: void a CE credit (kept, shown void, never counted); certifications re-evaluated."""
    login = current_operator(router)
    return corrections.void_credit(candidate_id, external_id, request, login, clock.now())


@router.put(
    "/ops/candidates/<candidate_id>/name",
    responses=responses(
        {
            404: "`candidate_not_found`",
            409: "`concurrent_update`",
            422: f"`name_unchanged`: the name is already spelled this way; {REASON}",
        },
    ),
)
def put_name(candidate_id: CandidateId, request: NameRequest) -> NameOut:
    """Operators only: correct the candidate's name; each certificate is reissued with it (a new
    verification code on the next download; the old code then says superseded)."""
    login = current_operator(router)
    return corrections.correct_name(candidate_id, request, login, clock.now())
