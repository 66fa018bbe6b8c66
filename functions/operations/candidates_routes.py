"""The operators' candidate lookup: find a candidate, then read everything held about them."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from certtrack import clock
from certtrack.api import current_operator
from certtrack.openapi import responses
from certtrack.operations import lookup

router = Router()


@router.get(
    "/ops/candidates",
    responses=responses({422: "`query_too_short`: `q` is empty or shorter than two letters"}),
)
def search_candidates(q: Annotated[str | None, Query(max_length=200)] = None) -> lookup.CandidateSearch:
    """Operators only: candidates by candidate id, email, registration number or name (a prefix of
    the last name; "Last, First" or "First Last" with the whole last name), at most 50."""
    current_operator(router)
    return lookup.search(q)


@router.get(
    "/ops/candidates/<candidate_id>",
    responses=responses({404: "`candidate_not_found`: no candidate has this id"}),
)
def get_candidate(candidate_id: Annotated[str, Path(max_length=64)]) -> lookup.CandidateView:
    """Operators only: the candidate's profile, certifications with their standing, history, exams,
    CE credits, kits, transactions, transcripts, open support cases and operator audit trail."""
    current_operator(router)
    return lookup.candidate_view(candidate_id, clock.now())
