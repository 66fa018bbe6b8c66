"""Reminders routes of the certifications API: the unsubscribe link of reminder mail (RFC 8058).

Public (no login): the link carries the candidate id and its HMAC. ``GET`` (the link a person
clicks, and what mail scanners and link previews fetch) changes nothing: it shows a page with a
button. ``POST`` unsubscribes: the button posts back to the same URL, and mail clients send the
RFC 8058 one-click ``List-Unsubscribe=One-Click`` (the mail carries ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from certtrack import i18n, pages
from certtrack.certifications import reminders
from certtrack.openapi import responses

router = Router()

CandidateId = Annotated[str, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9]+$")]
Signature = Annotated[str, Query(min_length=1, max_length=128)]
_RESPONSES = responses({404: "`unsubscribe_link_invalid`: the link is not one we sent"})


def _page(html: str, form_action: str = "'none'") -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=html,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            **pages.page_headers(html, form_action=form_action),
        },
    )


def _language() -> str:
    return i18n.negotiate(router.current_event.headers.get("accept-language"))


@router.get("/reminders/unsubscribe", responses=_RESPONSES)
def get_unsubscribe(c: CandidateId, s: Signature) -> Response[str]:
    """A confirmation page with a button that posts to this URL; a GET stops nothing."""
    reminders.check_link(c, s)
    return _page(reminders.confirm_page(_language()), form_action="'self'")


@router.post("/reminders/unsubscribe", responses=_RESPONSES)
def post_unsubscribe(c: CandidateId, s: Signature) -> Response[str]:
    """Stop expiry-reminder mail: the page's button, or RFC 8058 one-click (`List-Unsubscribe=One-Click`)."""
    reminders.unsubscribe(c, s)
    return _page(reminders.unsubscribed_page(_language()))
