"""Transactions routes of the certifications API: the candidate's e-commerce transactions."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from certtrack.fulfillment.history import TransactionPage, list_transactions
from certtrack.identity import current_candidate_id

router = Router()


@router.get("/me/transactions")
def get_transactions(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next: Annotated[str | None, Query(max_length=2048)] = None,
) -> TransactionPage:
    """Kit orders and claims, newest first: date, description, amount, method, status, order id."""
    return list_transactions(current_candidate_id(router), limit, next)
