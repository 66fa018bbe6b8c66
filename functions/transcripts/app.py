"""Transcripts API: the holder's transcripts, sharing them by email/link/social, and the public page."""

from __future__ import annotations

import certtrack.coldstart

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.metrics import MetricUnit
from certtrack import clock, i18n
from certtrack.api import make_app, make_handler, metrics, model_dump
from certtrack.identity import current_candidate_id
from certtrack.openapi import responses
from certtrack.transcripts import public, service, share
from certtrack.transcripts.schemas import (
    EmailAccepted,
    EmailPreview,
    EmailRequest,
    Transcript,
    TranscriptList,
    TranscriptRequest,
)

app = make_app("Transcripts, sharing and the public transcript page")


NOT_FOUND = {404: "Unknown transcript, or another candidate's (transcript_not_found)"}


def _json(status: int, body: dict[str, Any]) -> Response[dict[str, Any]]:
    # A dict body: the resolver validates it against the declared response model, then serializes it.
    return Response(status_code=status, content_type="application/json", body=body)


@app.post(
    "/me/transcripts",
    responses=responses({422: "Invalid fields, named in `errors`"}, ok=(201, "Created")),
)
def create_transcript(request: TranscriptRequest) -> Response[Transcript]:
    """Create a transcript; the answer carries its public URL and share links."""
    transcript = service.create(current_candidate_id(app), request, clock.now())
    return _json(201, model_dump(transcript))  # type: ignore[return-value]


@app.get("/me/transcripts")
def list_transcripts(
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    next: Annotated[str | None, Query(max_length=200)] = None,
) -> TranscriptList:
    """The caller's transcripts, newest first, with views, last viewed, status and share links."""
    return service.list_transcripts(current_candidate_id(app), clock.now(), limit=limit, cursor=next)


@app.get("/me/transcripts/<transcript_id>", responses=responses(NOT_FOUND))
def get_transcript(transcript_id: str) -> Transcript:
    return service.get(current_candidate_id(app), transcript_id, clock.now())


@app.put("/me/transcripts/<transcript_id>", responses=responses(NOT_FOUND))
def replace_transcript(transcript_id: str, request: TranscriptRequest) -> Transcript:
    """Replace every editable field (same body as create)."""
    return service.replace(current_candidate_id(app), transcript_id, request, clock.now())


@app.delete("/me/transcripts/<transcript_id>", responses=responses(NOT_FOUND, ok=(204, "Revoked")))
def revoke_transcript(transcript_id: str) -> Response[None]:
    """Revoke at once: the public link answers 410 from now on."""
    service.revoke(current_candidate_id(app), transcript_id, clock.now())
    return Response(status_code=204)


@app.post(
    "/me/transcripts/<transcript_id>/email",
    responses=responses(
        {
            **NOT_FOUND,
            409: "Expired (transcript_expired), or consent withdrawn (verification_consent_withdrawn)",
            429: "20 emails for this transcript, or 30 for all your transcripts, today (too_many_requests)",
            503: "email_paused: sharing by email is paused while delivery is at risk; email_unavailable",
        },
        ok=(202, "Sent"),
    ),
)
def email_transcript(transcript_id: str, request: EmailRequest) -> Response[EmailAccepted]:
    """Email the link (at most 20 per transcript and 30 per candidate per day; 429 after)."""
    accepted = share.send(current_candidate_id(app), transcript_id, str(request.to), clock.now())
    return _json(202, model_dump(accepted))  # type: ignore[return-value]


@app.post("/me/transcripts/<transcript_id>/email/preview", responses=responses(NOT_FOUND))
def preview_transcript_email(transcript_id: str) -> EmailPreview:
    """The email's subject, text and HTML, without sending it."""
    return share.preview(current_candidate_id(app), transcript_id)


@app.get(
    "/public/transcripts/<public_id>",
    responses=responses(
        {
            404: "transcript_unavailable: unknown, revoked, expired or consent withdrawn, one identical answer;"
            " an HTML page unless JSON is asked for"
        },
        ok=(200, "text/html page, or JSON with Accept: application/json"),
    ),
)
def public_transcript(public_id: str) -> Response[str]:
    """The public page (HTML, or JSON with ``Accept: application/json``); counts a view. 404 when not shown."""
    headers = app.current_event.headers
    language = i18n.negotiate(headers.get("accept-language"))
    page = public.respond(public_id, headers.get("accept"), clock.now(), language=language)
    if page.status == 200:
        metrics.add_metric(name="TranscriptViews", unit=MetricUnit.Count, value=1)
    return Response(
        status_code=page.status, content_type=page.content_type, body=page.body, headers=public.page_headers()
    )


lambda_handler = make_handler(app)

certtrack.coldstart.ready()  # loaded: collect garbage again
