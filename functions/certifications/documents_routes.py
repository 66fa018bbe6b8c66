"""Documents routes of the certifications API: logos, PDF certificates and public verification."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from certtrack import clock, i18n, pages
from certtrack.api import SECURITY_HEADERS
from certtrack.certifications import certificates, logos, verify
from certtrack.certifications.certificates import DownloadLink
from certtrack.certifications.logos import LogoPage
from certtrack.errors import NotFound
from certtrack.fields import Schema
from certtrack.identity import current_candidate_id
from certtrack.openapi import responses
from pydantic import ConfigDict, Field

router = Router()


class LogoDownloadRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    accept_agreement: bool = Field(description="Must be true: the caller accepts the logo agreement.")
    format: str = Field(min_length=1, max_length=16, description="One of the logo's `formats` (`svg`, `pdf`).")


@router.get("/me/logos")
def get_logos(
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
    next: Annotated[str | None, Query(max_length=64)] = None,
) -> LogoPage:
    """The logos the caller's active certifications unlock (with achievement logos), and the agreement."""
    return logos.list_logos(current_candidate_id(router), clock.now(), limit, next)


@router.post(
    "/me/logos/<logo_id>/download",
    responses=responses(
        {
            404: "`logo_not_found`: not a logo the caller has earned",
            422: "`format_not_offered`, `agreement_required` or invalid fields",
            503: "`service_unavailable`: the document store failed; retry",
        }
    ),
)
def post_logo_download(logo_id: Annotated[str, Path(max_length=64)], body: LogoDownloadRequest) -> DownloadLink:
    """Accept the logo agreement (recorded with its version) and get a short-lived download URL."""
    candidate_id = current_candidate_id(router)
    return logos.download_logo(candidate_id, logo_id, body.format, body.accept_agreement, clock.now())


@router.post(
    "/me/certifications/<cert_id>/certificate",
    responses=responses(
        {
            404: "`certification_not_found`",
            409: "`certificate_unavailable`: not active, or expired",
            503: "`service_unavailable`: the document store failed; retry",
        }
    ),
)
def post_certificate(cert_id: Annotated[str, Path(max_length=64)]) -> DownloadLink:
    """A presigned URL of the PDF certificate of the current certification period."""
    return certificates.certificate_link(current_candidate_id(router), cert_id, clock.now())


@router.get(
    "/public/verify/<verification_code>",
    responses=responses(
        {404: "`verification_unavailable`: unknown code or consent withdrawn, one neutral answer"},
        ok=(200, "HTML page, or JSON with `Accept: application/json`"),
    ),
)
def get_verification(verification_code: Annotated[str, Path(max_length=32)]) -> Response[str]:
    """Public: holder, certification, status (`active`, `expired`, `revoked`) and dates."""
    wants_json = "application/json" in (router.current_event.headers.get("accept") or "").lower()
    language = i18n.negotiate(router.current_event.headers.get("accept-language"))
    now = clock.now()
    try:
        result = verify.verify(verification_code, now.date())
    except NotFound:
        if wants_json:
            raise
        return _html(404, verify.render_page(None, language=language))
    # The JSON answer's badge checks are English, like the JSON API's (docs/notes/language.md).
    credential = _credential(result, now, "en" if wants_json else language)
    if wants_json:
        return Response(
            status_code=200,
            content_type="application/json",
            body=json.dumps(result.as_json() | {"credential": credential}),
            headers={**SECURITY_HEADERS, **pages.PRIVACY_HEADERS},
        )
    return _html(200, verify.render_page(result, credential, language=language))


def _credential(result: verify.Verification, now: datetime, language: str) -> dict[str, Any] | None:
    """The certification's latest digital badge with its checks (summary and details in
    ``language``), or None when none was issued."""
    from certtrack.badges import service

    found = service.latest_credential(result.candidate_id, result.cert_id)
    if found is None:
        return None
    url, document = found
    return {"url": url, **service.verify_credential(document, now).as_json(now, language)}


def _html(status: int, html: str) -> Response[str]:
    return Response(
        status_code=status,
        content_type="text/html; charset=utf-8",
        body=html,
        headers={**SECURITY_HEADERS, **pages.page_headers(html)},
    )
