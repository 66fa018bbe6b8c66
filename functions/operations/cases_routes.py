"""Support cases: the queue, one case with its records side by side, merge, close; help for stuck
candidates (the mapping email again, a rate-limit lockout lifted)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from certtrack import clock
from certtrack.api import current_operator
from certtrack.openapi import responses
from certtrack.operations import cases, merge, support

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]


@router.get("/ops/support-cases")
def get_cases(
    status_: Annotated[cases.CaseStatus, Query(alias="status")] = "open", limit: Limit = 50, next: Cursor = None
) -> cases.CasePage:
    """Operators only: support cases in a status (default `open`, oldest first; `resolved` newest first)."""
    current_operator(router)
    return cases.list_cases(status_, limit, next)


@router.get("/ops/support-cases/<case_id>", responses=responses({404: "`case_not_found`"}))
def get_case(case_id: str) -> cases.CaseDetail:
    """Operators only: the case, its merge's progress if one started, and each record side by side."""
    current_operator(router)
    return cases.case_detail(case_id)


@router.post(
    "/ops/support-cases/<case_id>/merge",
    responses=responses(
        {
            404: "`case_not_found`",
            409: "`case_resolved`; `merge_in_progress` (another request runs it, or it goes to another survivor);"
            " `merge_into_itself` (no other record); `survivor_merged`, `record_merged`, `source_mapped`",
            422: "`survivor_not_in_case`",
        }
    ),
)
def post_merge(case_id: str, request: merge.MergeRequest) -> merge.MergeOut:
    """Operators only: merge the case's other records into `survivor`, resolve the case, map the
    waiting login and email the candidate. Resumable: the same request again finishes a merge that
    stopped half-way."""
    login = current_operator(router)
    return merge.merge_case(case_id, request, login, clock.now())


@router.post(
    "/ops/support-cases/<case_id>/close",
    responses=responses({404: "`case_not_found`", 409: "`case_resolved`, `merge_in_progress`"}),
)
def post_close(case_id: str, request: cases.CloseRequest) -> cases.CloseOut:
    """Operators only: resolve the case without a merge, with a note (a disputed record is unlocked)."""
    login = current_operator(router)
    return cases.close_case(case_id, request, login, clock.now())


@router.post(
    "/ops/candidates/<candidate_id>/mapping-email",
    status_code=202,
    responses=responses(
        {
            404: "`candidate_not_found`",
            409: "`already_mapped` (the login or the record), `record_merged`",
            422: "`no_email`",
            429: "`too_many_requests`: the mapping's own limits",
        },
        ok=(202, "Queued: the candidate's address gets the mapping email for the login"),
    ),
)
def post_mapping_email(candidate_id: str, request: support.MappingEmailRequest) -> support.MappingEmailOut:
    """Operators only: send the mapping email again to the candidate's address, for the waiting login."""
    login = current_operator(router)
    return support.resend_mapping_email(candidate_id, request, login, clock.now())


@router.post(
    "/ops/logins/<login_sub>/rate-limits/lift",
    responses=responses({404: "`candidate_not_found`", 409: "`record_merged`, `concurrent_update`"}),
)
def post_lift(login_sub: str, request: support.LiftRequest) -> support.LiftOut:
    """Operators only: delete the login's rate-limit windows (mapping emails, score-report failures)."""
    login = current_operator(router)
    return support.lift_rate_limits(login_sub, request, login, clock.now())
