"""Request and response models of the transcript routes (pydantic; the resolver validates with them)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, StringConstraints

from certtrack.fields import EmailAddress, PublicText, Schema

DISPLAY_NAME_MAX = 100
DESCRIPTION_MAX = 200
REMARKS_MAX = 1000
MAX_SELECTED = 50
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_only(value: Any) -> Any:
    # pydantic's lax date parsing also takes epoch numbers; the contract says YYYY-MM-DD.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("a date as YYYY-MM-DD is required")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]
CertId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# Public text (certtrack.fields.PublicText): the display name is the page's title and the remarks
# are shown to the viewer; the description is a one-line label in the holder's list.
DisplayName = Annotated[str, PublicText(max_length=DISPLAY_NAME_MAX, min_length=1)]
Description = Annotated[str, PublicText(max_length=DESCRIPTION_MAX)]
Remarks = Annotated[str, PublicText(max_length=REMARKS_MAX, multiline=True)]


class DisplayOptions(Schema):
    model_config = ConfigDict(extra="forbid")

    show_address: bool = False
    show_email: bool = False


class TranscriptRequest(Schema):
    """``POST /me/transcripts`` and ``PUT /me/transcripts/{id}`` (a PUT replaces every field)."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName = Field(description="The page's title (one line)")
    display_options: DisplayOptions = Field(default_factory=DisplayOptions)
    expires_on: IsoDate = Field(description="Last day the link works (UTC); in the future, at most TRANSCRIPT_MAX_DAYS")
    description: Description = Field(default="", description="The holder's own label (one line), in the list only")
    remarks: Remarks = Field(default="", description="A note to the viewer on the public page (multi-line)")
    include: Literal["active", "selected"] = "active"
    certification_ids: list[CertId] = Field(default_factory=list, max_length=MAX_SELECTED)
    include_new_certifications: bool = False


class ShareLinks(Schema):
    url: str
    email: str
    linkedin: str
    facebook: str
    twitter: str


class LinkedInLink(Schema):
    certification_id: str
    url: str


class TranscriptCertification(Schema):
    id: str
    name: str
    category: str
    active_date: str | None
    expiration_date: str | None
    status: str


class Transcript(Schema):
    """A transcript as its holder sees it (the public page shows ``certifications``)."""

    transcript_id: str
    public_url: str
    display_name: str
    display_options: DisplayOptions
    expires_on: str
    description: str
    remarks: str
    include: Literal["active", "selected"]
    certification_ids: list[str]
    include_new_certifications: bool
    status: Literal["active", "expired"]
    views: int
    last_viewed: str | None
    created_at: str
    updated_at: str
    certifications: list[TranscriptCertification]
    share: ShareLinks
    linkedin_certifications: list[LinkedInLink] = Field(
        description="One LinkedIn add-to-profile link per certification shown (share.linkedin is the first)"
    )


class TranscriptList(Schema):
    items: list[Transcript]
    next: str | None


class EmailRequest(Schema):
    model_config = ConfigDict(extra="forbid")

    to: EmailAddress


class EmailPreview(Schema):
    subject: str
    text: str
    html: str


class EmailAccepted(Schema):
    status: Literal["email_sent"]
    sends_left_today: int
