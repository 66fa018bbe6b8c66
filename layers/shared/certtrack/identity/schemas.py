"""Request and response models of the login-mapping and personal-info routes."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StrictBool, StringConstraints

from certtrack.fields import EmailAddress, Language, PublicText, Schema

Email = Annotated[EmailAddress, Field(description="An email address (at most 254 characters).")]
Name = Annotated[str, PublicText(max_length=100, min_length=1)]


class _Input(Schema):
    model_config = ConfigDict(extra="forbid")


class EmailMappingRequest(_Input):
    email: Email


class ScoreReportRequest(_Input):
    last_name: Name = Field(description="Last name as on the score report (case, accents, spaces ignored).")
    registration_number: Annotated[
        str,
        StringConstraints(
            strict=True, strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"
        ),
    ] = Field(description="The exam registration number printed on the score report.")
    new_email: Email = Field(description="Becomes the candidate's email address once the link is confirmed.")


class ConfirmRequest(_Input):
    token: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=200)] = Field(
        description="The `token` query parameter of the emailed link."
    )


class StatusOut(Schema):
    status: Literal["email_sent"] = "email_sent"


class ConfirmOut(Schema):
    status: Literal["mapped"] = "mapped"
    candidate_id: str


class SettingsIn(_Input):
    """All five are required booleans (no strings or numbers standing in for them); `language` is
    optional (absent leaves it as it is)."""

    program_employee: StrictBool
    partner_or_reseller: StrictBool
    email_notifications: StrictBool
    academy_student: StrictBool
    verification_consent: StrictBool
    language: Language | None = Field(
        default=None,
        description="The portal's language for this candidate (pages, emails); null clears the choice "
        "(the web client then follows the browser). Absent leaves it unchanged.",
    )


class SettingsUpdated(Schema):
    """When each field last changed (ISO 8601 UTC), null when never set."""

    program_employee: str | None
    partner_or_reseller: str | None
    email_notifications: str | None
    academy_student: str | None
    verification_consent: str | None
    language: str | None


class SettingsOut(Schema):
    """The five settings (null for one never answered) and the language (null until chosen)."""

    program_employee: bool | None
    partner_or_reseller: bool | None
    email_notifications: bool | None
    academy_student: bool | None
    verification_consent: bool | None
    language: Language | None = Field(
        description="null until the candidate chooses; the client then uses the browser's."
    )
    updated: SettingsUpdated


class AttributeOut(Schema):
    key: str
    label: str
    value: str | None
    editable: bool
    max_length: int = Field(description="The most characters the value may have (the page's limit too)")


class AttributeChange(_Input):
    key: Annotated[str, StringConstraints(strict=True, min_length=1, max_length=64)]
    value: Annotated[str, StringConstraints(strict=True, max_length=1000)] | None = Field(
        description="New value; null or an empty string clears it. Public text (one line, no control, bidi "
        "or zero-width characters, NFC); `job_title` takes at most 100 characters."
    )


class AttributesIn(_Input):
    """Only editable keys (`job_title`) may appear; a read-only key is 422 `read_only_attribute`."""

    attributes: list[AttributeChange] = Field(min_length=1, max_length=20)


class IdentifierOut(Schema):
    label: str
    value: str | None
