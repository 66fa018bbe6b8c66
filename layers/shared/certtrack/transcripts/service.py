"""Transcripts as their holder manages them: create, list, read, replace and revoke.

Every function takes the caller's ``candidate_id`` and only reads that candidate's partition, so
another candidate's transcript id is simply not found (404).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.update import Action

from certtrack import field_messages, keys
from certtrack.certifications import due
from certtrack.dates import iso_instant
from certtrack.db import condition_failed
from certtrack.errors import NotFound, Unprocessable
from certtrack.paging import page
from certtrack.program.catalog import load_catalog
from certtrack.settings import get_settings
from certtrack.transcripts.holder import Holder, load_holder
from certtrack.transcripts.links import public_url, share_links
from certtrack.transcripts.models import PUBLIC_GSI1SK, TranscriptItem
from certtrack.transcripts.schemas import (
    DisplayOptions,
    Transcript,
    TranscriptCertification,
    TranscriptList,
    TranscriptRequest,
)
from certtrack.transcripts.selection import (
    ShownCertification,
    active_ids,
    shown_certifications,
    validate_request,
)

# Crockford base32 (no I, L, O, U): 16 symbols = 80 bits, easy to read out on the phone.
ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ID_LENGTH = 16
_ID = re.compile(rf"^[{ID_ALPHABET}]{{{ID_LENGTH}}}$")
# 24 random bytes = 192 bits, URL-safe base64 (32 characters).
PUBLIC_ID_BYTES = 24
# A revoked transcript is kept this long (its link gives the one 404 at once), then the TTL removes it.
REVOKED_RETENTION_DAYS = 90


def new_transcript_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))


def new_public_id() -> str:
    return secrets.token_urlsafe(PUBLIC_ID_BYTES)


def transcript_status(item: TranscriptItem, today: date) -> str:
    """``active`` through its ``expires_on`` day, ``expired`` after."""
    return "expired" if item.expires_on < today else "active"


def _not_found() -> NotFound:
    return NotFound("No such transcript.", code="transcript_not_found")


def owned(candidate_id: str, transcript_id: str) -> TranscriptItem:
    """The caller's live transcript (one GetItem); 404 when unknown, someone else's or revoked."""
    if not _ID.match(transcript_id):
        raise _not_found()
    try:
        item = TranscriptItem.get(*TranscriptItem.key(candidate_id, transcript_id), consistent_read=True)
    except TranscriptItem.DoesNotExist:
        raise _not_found() from None
    if item.revoked_at is not None:
        raise _not_found()
    return item


def shown_for(item: TranscriptItem, holder: Holder, today: date) -> list[ShownCertification]:
    return shown_certifications(
        include=item.include,
        selected_ids=item.certification_ids or [],
        baseline_ids=item.baseline_ids or [],
        include_new=item.include_new_certifications,
        records=holder.certifications,
        today=today,
        catalog=load_catalog(),
    )


def to_view(item: TranscriptItem, holder: Holder, now: datetime) -> Transcript:
    today = now.date()
    shown = shown_for(item, holder, today)
    url = public_url(item.public_id)
    share, per_cert = share_links(
        url=url,
        holder_name=holder.full_name,
        transcript_id=item.transcript_id,
        organization=load_catalog().program,
        certifications=shown,
    )
    return Transcript(
        transcript_id=item.transcript_id,
        public_url=url,
        display_name=item.display_name,
        display_options=DisplayOptions(show_address=item.show_address, show_email=item.show_email),
        expires_on=item.expires_on.isoformat(),
        description=item.description or "",
        remarks=item.remarks or "",
        include="selected" if item.include == "selected" else "active",
        certification_ids=list(item.certification_ids or []),
        include_new_certifications=item.include_new_certifications,
        status="expired" if transcript_status(item, today) == "expired" else "active",
        views=int(item.views or 0),
        last_viewed=iso_instant(item.last_viewed) if item.last_viewed else None,
        created_at=iso_instant(item.created_at),
        updated_at=iso_instant(item.updated_at),
        certifications=[
            TranscriptCertification(
                id=c.id,
                name=c.name,
                category=c.category,
                active_date=c.active_date,
                expiration_date=c.expiration_date,
                status=c.status,
            )
            for c in shown
        ],
        share=share,
        linkedin_certifications=per_cert,
    )


def _validate(request: TranscriptRequest, holder: Holder, today: date) -> None:
    errors = validate_request(
        expires_on=request.expires_on,
        include=request.include,
        certification_ids=request.certification_ids,
        records=holder.certifications,
        today=today,
        max_days=get_settings().transcript_max_days,
        catalog=load_catalog(),
    )
    if errors:
        raise Unprocessable(
            field_messages.summary(e.field for e in errors),
            code="validation_error",
            extra={"errors": [e.as_dict() for e in errors]},
        )


def _selection(request: TranscriptRequest) -> list[str]:
    # In "active" mode the holder's active certifications are the selection; ids sent anyway are dropped.
    return sorted(set(request.certification_ids)) if request.include == "selected" else []


def create(candidate_id: str, request: TranscriptRequest, now: datetime) -> Transcript:
    holder = load_holder(candidate_id, with_address=False)
    today = now.date()
    _validate(request, holder, today)
    transcript_id, public_id = new_transcript_id(), new_public_id()
    item = TranscriptItem(
        *TranscriptItem.key(candidate_id, transcript_id),
        candidate_id=candidate_id,
        transcript_id=transcript_id,
        public_id=public_id,
        display_name=request.display_name,
        description=request.description,
        remarks=request.remarks,
        show_address=request.display_options.show_address,
        show_email=request.display_options.show_email,
        expires_on=request.expires_on,
        include=request.include,
        certification_ids=_selection(request),
        include_new_certifications=request.include_new_certifications,
        baseline_ids=active_ids(holder.certifications, today),
        views=0,
        created_at=now,
        updated_at=now,
        GSI1PK=keys.public_transcript_gsi(public_id),
        GSI1SK=PUBLIC_GSI1SK,
    )
    item.GSI2PK, item.GSI2SK = due.transcript_due(item.PK, item.SK, item.expires_on)
    item.save(condition=TranscriptItem.PK.does_not_exist())
    return to_view(item, holder, now)


def list_transcripts(candidate_id: str, now: datetime, *, limit: int = 50, cursor: str | None = None) -> TranscriptList:
    """Newest first. One Query for the transcripts and one for the holder's records."""
    items = [
        item
        for item in TranscriptItem.query(
            keys.candidate_pk(candidate_id), TranscriptItem.SK.startswith(keys.TRANSCRIPT_PREFIX)
        )
        if item.revoked_at is None
    ]
    items.sort(key=lambda i: (i.created_at, i.transcript_id), reverse=True)
    shown, next_cursor = page(items, limit, cursor, field="offset")
    holder = load_holder(candidate_id, with_address=False) if shown else Holder(candidate=None)
    return TranscriptList(items=[to_view(item, holder, now) for item in shown], next=next_cursor)


def get(candidate_id: str, transcript_id: str, now: datetime) -> Transcript:
    item = owned(candidate_id, transcript_id)
    return to_view(item, load_holder(candidate_id, with_address=False), now)


def replace(candidate_id: str, transcript_id: str, request: TranscriptRequest, now: datetime) -> Transcript:
    """PUT: every editable field at once. The baseline is reset: editing is choosing again.

    Only the edited attributes are written (never ``views``/``last_viewed``, which views update
    concurrently), under a condition that the transcript still exists and is not revoked.
    """
    item = owned(candidate_id, transcript_id)
    holder = load_holder(candidate_id, with_address=False)
    today = now.date()
    _validate(request, holder, today)
    actions: list[Action] = [
        TranscriptItem.display_name.set(request.display_name),
        TranscriptItem.description.set(request.description),
        TranscriptItem.remarks.set(request.remarks),
        TranscriptItem.show_address.set(request.display_options.show_address),
        TranscriptItem.show_email.set(request.display_options.show_email),
        TranscriptItem.expires_on.set(request.expires_on),
        TranscriptItem.include.set(request.include),
        TranscriptItem.certification_ids.set(_selection(request)),
        TranscriptItem.include_new_certifications.set(request.include_new_certifications),
        TranscriptItem.baseline_ids.set(active_ids(holder.certifications, today)),
        TranscriptItem.updated_at.set(now),
        # the expiry check expires it the day after the (possibly new) last day
        *_due_actions(item, request.expires_on),
    ]
    try:
        item.update(actions=actions, condition=TranscriptItem.PK.exists() & TranscriptItem.revoked_at.does_not_exist())
    except UpdateError as error:
        if condition_failed(error):
            raise _not_found() from None
        raise
    return to_view(item, holder, now)


def _due_actions(item: TranscriptItem, expires_on: date) -> list[Action]:
    gsi2pk, gsi2sk = due.transcript_due(item.PK, item.SK, expires_on)
    return [TranscriptItem.GSI2PK.set(gsi2pk), TranscriptItem.GSI2SK.set(gsi2sk), TranscriptItem.status.remove()]


def revoke(candidate_id: str, transcript_id: str, now: datetime) -> None:
    """DELETE: one conditional UpdateItem. The link answers 404 at once; the TTL removes the item later."""
    if not _ID.match(transcript_id):
        raise _not_found()
    item = TranscriptItem(*TranscriptItem.key(candidate_id, transcript_id))
    ttl = int((now + timedelta(days=REVOKED_RETENTION_DAYS)).timestamp())
    try:
        item.update(
            actions=[
                TranscriptItem.revoked_at.set(now),
                TranscriptItem.updated_at.set(now),
                TranscriptItem.expires_at.set(ttl),
            ],
            condition=TranscriptItem.PK.exists() & TranscriptItem.revoked_at.does_not_exist(),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise _not_found() from None
        raise
