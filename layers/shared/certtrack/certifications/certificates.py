"""PDF certificates: one per certification period, stored once in S3, handed out by presigned URL.

``POST /me/certifications/{cert_id}/certificate``. Only a certification whose standing is active
that day has a certificate (409 ``certificate_unavailable`` otherwise; see
:mod:`certtrack.program.standing`). The first request
of a period reserves a verification code (conditional write), records it on the certification
item (conditional update), renders the PDF and stores it at
``certificates/<candidate_id>/<cert_id>/<active_date>.pdf``; later requests only presign.

A name correction reissues the certificates (:func:`supersede`): the certification item loses its
code and gets a ``certificate_edition``, so the next request renders the PDF again, with the new
name and a new code, under ``…/<active_date>-<edition>.pdf``; the old code's pointer is marked
``superseded_on`` (verification then says the certificate was replaced).

Retry-safe: the code is stored before the PDF, so an S3 failure (503) leaves no orphan: the
next request finds the code of the period on the certification item and completes the upload.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition

from certtrack import documents, i18n, keys, verification
from certtrack.certifications.models import CertificationItem
from certtrack.db import TableItem, condition_failed
from certtrack.errors import Conflict, NotFound, ServiceUnavailable
from certtrack.fields import Schema
from certtrack.identity.models import CandidateItem
from certtrack.identity.personal import settings_of
from certtrack.program import standing
from certtrack.program.catalog import Certification, load_catalog
from certtrack.settings import get_settings

PDF_CONTENT_TYPE = "application/pdf"
CERTIFICATE_KIND = "certificate"


class DownloadLink(Schema):
    """A presigned GET URL of a stored document and when it stops working (ISO 8601 UTC)."""

    url: str
    expires_at: str


def certificate_key(
    candidate_id: str, cert_id: str, active_date: str, edition: str | None = None, language: str = "en"
) -> str:
    """One stored PDF per period, edition and language (English keeps the key it always had)."""
    suffix = f"-{edition}" if edition else ""
    if language != "en":
        suffix += f".{language}"
    return f"certificates/{candidate_id}/{cert_id}/{active_date}{suffix}.pdf"


# A pending transaction write: (item, update actions, condition).
Reissue = tuple[TableItem, list[Any], Condition]


def supersede(records: Iterable[CertificationItem], today: date, edition: str) -> list[Reissue]:
    """The writes that reissue every certificate of these records (put them in the transaction of
    the change that requires it): each certification with a code loses it and moves to ``edition``;
    the code's pointer says it was superseded on ``today``."""
    writes: list[Reissue] = []
    for record in records:
        code = record.verification_code
        if not code:
            continue
        writes.append(
            (
                record,
                [CertificationItem.verification_code.remove(), CertificationItem.certificate_edition.set(edition)],
                CertificationItem.verification_code == code,
            )
        )
        pointer = verification.VerificationItem(keys.verify_pk(code), keys.VERIFY)
        writes.append(
            (
                pointer,
                [verification.VerificationItem.superseded_on.set(today.isoformat())],
                verification.VerificationItem.PK.exists(),
            )
        )
    return writes


def verify_url(code: str) -> str:
    return f"{get_settings().public_base_url}/public/verify/{code}"


def safe_filename(text: str) -> str:
    """ASCII letters, digits, dots and dashes only: safe inside ``Content-Disposition``."""
    return re.sub(r"[^A-Za-z0-9.-]+", "-", text).strip("-") or "document"


def store_once(key: str, render: Callable[[], bytes], content_type: str) -> None:
    """Put the object unless it is already there; S3 failures become a retryable 503."""
    bucket = get_settings().documents_bucket
    try:
        if documents.exists(bucket, key):
            return
        body = render()
        documents.put(bucket, key, body, content_type)
    except (BotoCoreError, ClientError) as error:
        raise ServiceUnavailable(
            "The document store is unavailable; retry shortly.",
            code="service_unavailable",
            headers={"Retry-After": "1"},
        ) from error


def presign(key: str, filename: str, content_type: str, now: datetime) -> DownloadLink:
    url, expires_at = documents.presigned_get(get_settings().documents_bucket, key, filename, content_type, now)
    return DownloadLink(url=url, expires_at=expires_at)


def _certification(candidate_id: str, cert_id: str) -> tuple[Certification, CertificationItem]:
    definition = load_catalog().certification(cert_id)
    if definition is None:
        raise NotFound("No such certification.", code="certification_not_found")
    try:
        item = CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id), consistent_read=True)
    except CertificationItem.DoesNotExist:
        raise NotFound("No such certification.", code="certification_not_found") from None
    return definition, item


def period_code(item: CertificationItem) -> str:
    """The verification code of the item's current period: reuse it, or reserve and record one.

    A code is reserved (``attribute_not_exists``) before it is recorded on the item with a
    condition that nobody recorded another one meanwhile; the loser of such a race deletes its
    reservation and takes the winner's code.
    """
    active = item.active_date
    period = str(active)  # the pointer keeps the period's day as YYYY-MM-DD
    current = item.verification_code
    if current:
        pointer = verification.lookup(current)
        if pointer is not None and pointer.period == period and pointer.target_sk == item.SK:
            return current
    code = verification.reserve(CERTIFICATE_KIND, item.candidate_id, item.SK, item.cert_id, period=period)
    unchanged = (
        CertificationItem.verification_code.does_not_exist()
        if not current
        else CertificationItem.verification_code == current
    )
    try:
        item.update(
            actions=[CertificationItem.verification_code.set(code)],
            condition=unchanged & (CertificationItem.active_date == active),
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise
        verification.VerificationItem(keys.verify_pk(code), keys.VERIFY).delete()
        item.refresh(consistent_read=True)
        if item.active_date != active or not item.verification_code:
            raise Conflict(
                "The certification changed while the certificate was prepared; retry.",
                code="certificate_unavailable",
            ) from None
        return str(item.verification_code)
    return code


def _holder(candidate_id: str) -> CandidateItem:
    candidate = CandidateItem.get_candidate(candidate_id)
    if candidate is None:
        raise NotFound("No such certification.", code="certification_not_found")
    return candidate


def certificate_link(candidate_id: str, cert_id: str, now: datetime) -> DownloadLink:
    """A presigned URL of the certificate of the current period (rendered on first request)."""
    definition, item = _certification(candidate_id, cert_id)
    if standing.standing(item, now.date()) == standing.REVOKED:
        raise Conflict(
            "This certification was revoked by the program: it has no certificate.",
            code="certificate_unavailable",
        )
    if not standing.is_current(item, now.date()):
        raise Conflict(
            "A certificate is available only for an active certification that has not expired.",
            code="certificate_unavailable",
        )
    active_date, expiration_date = str(item.active_date), str(item.expiration_date)
    holder = _holder(candidate_id)
    language = i18n.choose(settings_of(holder)["language"])
    key = certificate_key(candidate_id, cert_id, active_date, item.certificate_edition, language)

    def render() -> bytes:
        from certtrack import pdf  # the PDF path only (see certtrack/pdf.py on import cost)

        code = period_code(item)
        content = pdf.CertificateContent(
            holder_name=f"{holder.first_name} {holder.last_name}".strip(),
            certification_name=definition.name,
            program=load_catalog().program,
            active_date=active_date,
            expiration_date=expiration_date,
            verification_code=code,
            verify_url=verify_url(code),
            language=language,
        )
        return pdf.render_certificate(content, now)

    store_once(key, render, PDF_CONTENT_TYPE)
    filename = safe_filename(f"{definition.abbreviation}-certificate-{active_date}") + ".pdf"
    return presign(key, filename, PDF_CONTENT_TYPE, now)
