"""Reminders routes of the certifications API: the one-click unsubscribe link of reminder mail.

Public (no login): the link carries the candidate id and its HMAC. ``GET`` is the link a person
clicks; ``POST`` is RFC 8058 one-click (``List-Unsubscribe-Post``) sent by mail clients.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from certtrack import pages
from certtrack.certifications import reminders

router = Router()

CandidateId = Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Signature = Annotated[str, Query(min_length=1, max_length=128)]
_RESPONSES = {404: {"description": "`unsubscribe_link_invalid`: the link is not one we sent"}}


def _confirmation() -> Response[str]:
    html = reminders.unsubscribed_page()
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=html,
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff", **pages.page_headers(html)},
    )


@router.get("/reminders/unsubscribe", responses=_RESPONSES)
def get_unsubscribe(c: CandidateId, s: Signature) -> Response[str]:
    """Stop expiry-reminder mail for the candidate the signed link names; an HTML confirmation."""
    reminders.unsubscribe(c, s)
    return _confirmation()


@router.post("/reminders/unsubscribe", responses=_RESPONSES)
def post_unsubscribe(c: CandidateId, s: Signature) -> Response[str]:
    """RFC 8058 one-click unsubscribe (the mail client posts `List-Unsubscribe=One-Click`)."""
    reminders.unsubscribe(c, s)
    return _confirmation()
