"""The payloads of the records routes (``/me/certifications``, ``/me/ce-activities``, ``/me/exams``,
``/me/agreements``) and their query parameters' types. The class names are the OpenAPI schema names.
"""

from __future__ import annotations

from typing import Literal

from certtrack.fields import Schema

ExamSort = Literal["date", "code", "grade"]
SortOrder = Literal["asc", "desc"]


class Downloads(Schema):
    logo: bool
    pdf_certificate: bool


class CertificationOut(Schema):
    id: str
    name: str
    abbreviation: str
    status: str
    started: str | None
    active_date: str | None
    expiration_date: str | None
    downloads: Downloads


class CategoryGroup(Schema):
    category: str
    certifications: list[CertificationOut]


class CertificationsPage(Schema):
    """``GET /me/certifications``: the candidate's certifications grouped by category."""

    groups: list[CategoryGroup]
    next: str | None


class ProgressNode(Schema):
    id: str
    label: str
    earned: int | float
    required: int | float
    met: bool
    children: list[ProgressNode]


class AppliedCredit(Schema):
    active_date: str
    inactive_date: str
    points: int | float
    status: str


class HistoryEntry(Schema):
    date: str
    event: str


class CertificationDetail(CertificationOut):
    """``GET /me/certifications/{cert_id}``: the certification, its progress, credits and history."""

    progress: ProgressNode
    ce_credits: list[AppliedCredit]
    history: list[HistoryEntry]


class CEActivity(Schema):
    name: str
    active_date: str
    expires: str
    review: str | None
    points: int | float
    updated: str | None
    provider_name: str
    source: str
    import_source: str | None
    external_id: str


class CEActivityPage(Schema):
    items: list[CEActivity]
    next: str | None


class ExamOut(Schema):
    code: str
    exam: str
    registration_number: str
    grade: str
    date: str
    expires: str | None  # null: never (a failed exam)


class ExamPage(Schema):
    items: list[ExamOut]
    next: str | None


class AgreementOut(Schema):
    # logos.AgreementOut has the same name, so the OpenAPI document names both by their module:
    # this one keeps the name it was published under (certtrack__certifications__records__AgreementOut).
    __module__ = "certtrack.certifications.records"

    name: str
    active_date: str
    expires: str | None  # null: never


class AgreementPage(Schema):
    items: list[AgreementOut]
    next: str | None
