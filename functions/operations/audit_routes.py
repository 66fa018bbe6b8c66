"""The operators' audit list: every operator write, filterable, never editable."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from certtrack import clock
from certtrack.api import current_operator
from certtrack.errors import Unprocessable
from certtrack.openapi import responses
from certtrack.operations import audit

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]
Filter = Annotated[str | None, Query(max_length=200)]


@router.get(
    "/ops/audit",
    responses=responses({422: "`invalid_month`: `month` is not YYYY-MM"}),
)
def get_audit(
    month: Annotated[str | None, Query(max_length=20)] = None,
    action: Filter = None,
    operator: Filter = None,
    candidate_id: Filter = None,
    limit: Limit = 50,
    next: Cursor = None,
) -> audit.AuditPage:
    """Operators only: one month's operator actions (default: this month), newest first, optionally
    only one `action`, `operator` (login name) or `candidate_id`."""
    current_operator(router)
    return audit.list_audit(
        _month(month),
        action=action,
        operator=operator,
        candidate_id=candidate_id,
        limit=limit,
        cursor=next,
    )


def _month(value: str | None) -> datetime:
    if value is None:
        return clock.now()
    try:
        return datetime.strptime(value, "%Y-%m")
    except ValueError as error:
        raise Unprocessable("Give the month as YYYY-MM, for example 2026-12.", code="invalid_month") from error
