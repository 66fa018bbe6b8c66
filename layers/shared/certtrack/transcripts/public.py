"""The public transcript page: ``GET /public/transcripts/{public_id}`` as HTML or JSON.

DynamoDB budget per view: one Query of GSI1 (``PUBLIC#<public id>``), one Query of the holder's
partition (see :mod:`certtrack.transcripts.holder`), one UpdateItem that counts the view
(``ADD views 1, SET last_viewed``; conditional on the transcript still existing and not being
revoked, so a view never re-creates a deleted item and a view racing a revoke is refused).

Unknown, revoked, expired and consent-withdrawn transcripts get one answer, byte for byte (status,
body, headers; HTML or JSON): a viewer cannot tell which, so a withdrawn consent is never
disclosed and an id that once existed cannot be told from one that never did.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pynamodb.exceptions import UpdateError

from certtrack import i18n, keys
from certtrack.db import condition_failed
from certtrack.errors import PROBLEM_CONTENT_TYPE, AppError, NotFound, problem_from_error
from certtrack.pages import PRIVACY_HEADERS, TEMPLATES, content_security_policy, render
from certtrack.program.catalog import load_catalog
from certtrack.transcripts.holder import load_holder
from certtrack.transcripts.models import TranscriptItem
from certtrack.transcripts.selection import ShownCertification, display_date, grouped
from certtrack.transcripts.service import shown_for

# token_urlsafe output; anything else cannot be a public id and costs no read.
_PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
CSS_PATH = TEMPLATES / "transcript.css"


@lru_cache(maxsize=1)
def page_css() -> str:
    return CSS_PATH.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def page_headers() -> dict[str, str]:
    """Headers of every answer of the public route (page, JSON and errors)."""
    return {
        "Content-Security-Policy": content_security_policy(page_css()),
        **PRIVACY_HEADERS,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Cache-Control": "no-store",
        "Vary": "Accept, Accept-Language",  # JSON or HTML, and the page in the viewer's language
    }


@dataclass(frozen=True)
class PublicTranscript:
    transcript_id: str
    display_name: str
    remarks: str
    expires_on: date
    program: str
    first_name: str
    last_name: str
    address: dict[str, str | None] | None
    email: str | None
    certifications: list[ShownCertification]


@dataclass(frozen=True)
class Page:
    status: int
    content_type: str
    body: str


def find(public_id: str) -> TranscriptItem | None:
    """One Query on GSI1; None for an id that cannot exist."""
    if not _PUBLIC_ID.match(public_id):
        return None
    for item in TranscriptItem.lookup_index.query(keys.public_transcript_gsi(public_id), limit=1):
        return item if isinstance(item, TranscriptItem) else None
    return None


def count_view(item: TranscriptItem, now: datetime) -> None:
    """One atomic UpdateItem: ``views += 1`` and ``last_viewed = now`` (no read-modify-write)."""
    try:
        item.update(
            actions=[TranscriptItem.views.add(1), TranscriptItem.last_viewed.set(now)],
            condition=TranscriptItem.PK.exists() & TranscriptItem.revoked_at.does_not_exist(),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise unavailable() from None
        raise


UNAVAILABLE_DETAIL = i18n.N_("This transcript is not available.")


def unavailable() -> NotFound:
    """The one answer for an unknown, revoked, expired or consent-withdrawn transcript."""
    return NotFound(UNAVAILABLE_DETAIL, code="transcript_unavailable")


def load(public_id: str, now: datetime) -> PublicTranscript:
    """What a viewer may see, counting the view; :func:`unavailable` (404) for anything else."""
    item = find(public_id)
    if item is None or item.revoked_at is not None:
        raise unavailable()
    today = now.date()
    if item.expires_on < today:  # the link works through ``expires_on``
        raise unavailable()
    holder = load_holder(item.candidate_id, with_address=item.show_address)
    if holder.candidate is None or not holder.consents:
        raise unavailable()
    count_view(item, now)
    candidate = holder.candidate
    return PublicTranscript(
        transcript_id=item.transcript_id,
        display_name=item.display_name,
        remarks=item.remarks or "",
        expires_on=item.expires_on,
        program=load_catalog().program,
        first_name=candidate.first_name,
        last_name=candidate.last_name,
        address=holder.address if item.show_address else None,
        email=candidate.email if item.show_email else None,
        certifications=shown_for(item, holder, today),
    )


def as_json(view: PublicTranscript) -> dict[str, Any]:
    holder: dict[str, Any] = {"first_name": view.first_name, "last_name": view.last_name}
    if view.address is not None:
        holder["address"] = view.address
    if view.email is not None:
        holder["email"] = view.email
    return {
        "holder": holder,
        "certifications": [
            {
                "id": c.id,
                "name": c.name,
                "category": c.category,
                "active_date": c.active_date,
                "expiration_date": c.expiration_date,
                "status": c.status,
            }
            for c in view.certifications
        ],
        "expires_on": view.expires_on.isoformat(),
        "program": view.program,
    }


def _page_css_markup() -> Any:
    """The page's stylesheet, trusted (our own file, hashed into the CSP); MarkupSafe comes with
    Jinja2, which the page render imports anyway."""
    from markupsafe import Markup

    return Markup(page_css())  # noqa: S704 - our own stylesheet file, hashed into the CSP


def render_html(view: PublicTranscript, language: str = "en") -> str:
    # English keeps the portal's 2019-Dec-08; Japanese gets its own medium form (2019/12/08).
    def shown(value: str | None) -> str:
        if language == "en" or not value:
            return display_date(value)
        return i18n.format_date(value, language, "medium")

    return render(
        "transcript.html",
        language=language,
        view=view,
        holder_name=f"{view.first_name} {view.last_name}".strip(),
        groups=grouped(view.certifications),
        css=_page_css_markup(),
        display_date=shown,
        expires_on=view.expires_on,
    )


def render_unavailable(error: AppError, language: str = "en") -> str:
    return render(
        "transcript_unavailable.html",
        language=language,
        status=error.status,
        message=error.detail,
        css=_page_css_markup(),
    )


def wants_json(accept: str | None) -> bool:
    """Content negotiation between ``application/json`` and ``text/html`` (HTML by default)."""
    quality: dict[str, tuple[float, int]] = {}
    for position, part in enumerate((accept or "").split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media.lower() in ("application/json", "text/html"):
            quality[media.lower()] = (q, -position)
    json_q = quality.get("application/json", (0.0, 0))
    html_q = quality.get("text/html", (0.0, 0))
    return json_q[0] > 0 and json_q > html_q


def respond(public_id: str, accept: str | None, now: datetime, *, language: str = "en") -> Page:
    """The whole public route: a page (or JSON), or the one 404 in the format asked for."""
    as_api = wants_json(accept)
    try:
        view = load(public_id, now)
    except NotFound as error:
        if as_api:
            return Page(error.status, PROBLEM_CONTENT_TYPE, json.dumps(problem_from_error(error)))
        return Page(error.status, "text/html; charset=utf-8", render_unavailable(error, language))
    if as_api:
        return Page(200, "application/json", json.dumps(as_json(view)))
    return Page(200, "text/html; charset=utf-8", render_html(view, language))
