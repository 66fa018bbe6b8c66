"""Grants and corrections: the console's use cases over one candidate's records, each with a
required reason and its audit item written in the same transaction as the change.

What each change does to a certification lives in :mod:`certtrack.certifications.manual` (grant,
revoke, extend, CE credits) and :func:`certtrack.certifications.certificates.supersede` (a name
correction reissues the certificates); this module adds who and why, the name correction's
profile write, and the badges' status bits after a revocation.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.auth import Login
from certtrack.badges import service as badges
from certtrack.certifications import certificates, manual
from certtrack.certifications.models import CECreditItem, CertificationItem, HistoryItem
from certtrack.certifications.record_store import dynamo_store
from certtrack.db import TRANSACTION_CONFLICT, TableItem, cancellation_codes, condition_failed
from certtrack.errors import Conflict, NotFound, Unprocessable
from certtrack.fields import PublicText, Schema
from certtrack.identity.models import CandidateItem, name_keys
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry
from certtrack.program.standing import standing

REASON_MAX = 500
Reason = Annotated[str, PublicText(max_length=REASON_MAX, min_length=1, multiline=True)]
Name = Annotated[str, PublicText(max_length=100, min_length=1)]
Text = Annotated[str, PublicText(max_length=200, min_length=1)]
NAME_CORRECTED_TEXT = "Name corrected; certificate reissued"


class _Request(Schema):
    model_config = ConfigDict(extra="forbid")


class GrantRequest(_Request):
    """``POST /ops/candidates/{candidate_id}/grants``."""

    certification_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Reason


class ReasonRequest(_Request):
    """``…/revoke`` and ``…/ce-credits/{external_id}/void``: why."""

    reason: Reason


class ExtendRequest(_Request):
    """``…/certifications/{cert_id}/extend``: the new expiration date (later than the current one)."""

    expires_on: date
    reason: Reason


class CreditRequest(_Request):
    """``POST /ops/candidates/{candidate_id}/ce-credits``: the fields of a ce-credits import row
    (checked by the same rules); ``external_id`` is generated (``ops-…``) when not given."""

    activity_name: Text
    provider_name: Text
    points: Annotated[str | float, Field(description="more than 0, at most 1000, at most 2 decimals")]
    active_date: Annotated[str, Field(max_length=10, description="YYYY-MM-DD, not in the future")]
    external_id: Annotated[str | None, Field(default=None, max_length=64)] = None
    reason: Reason


class NameRequest(_Request):
    """``PUT /ops/candidates/{candidate_id}/name``."""

    first_name: Name
    last_name: Name
    reason: Reason


class CertificationOut(Schema):
    """A certification after an operator's change (its standing today and its period)."""

    candidate_id: str
    certification_id: str
    status: str
    active_date: str | None
    expiration_date: str | None


class CreditOut(Schema):
    candidate_id: str
    external_id: str
    activity_name: str
    provider_name: str
    points: float
    active_date: str
    inactive_date: str
    status: str


class NameOut(Schema):
    candidate_id: str
    first_name: str
    last_name: str
    reissued_certificates: list[str]  # certifications whose certificate gets a new code on next download


def _audit(candidate_id: str, action: str, target: str, reason: str, login: Login, now: datetime) -> manual.Audit:
    def entry(before: str, after: str) -> TableItem:
        return audit_entry(candidate_id, action, target, reason, login, now, before=before, after=after)

    return entry


def _certification_out(item: CertificationItem, now: datetime) -> CertificationOut:
    return CertificationOut(
        candidate_id=item.candidate_id,
        certification_id=item.cert_id,
        status=standing(item, now.date()),
        active_date=item.active_date.isoformat() if item.active_date else None,
        expiration_date=item.expiration_date.isoformat() if item.expiration_date else None,
    )


def _credit_out(item: CECreditItem) -> CreditOut:
    return CreditOut(
        candidate_id=item.candidate_id,
        external_id=item.external_id,
        activity_name=item.activity_name,
        provider_name=item.provider_name,
        points=float(item.points),
        active_date=item.active_date.isoformat(),
        inactive_date=item.inactive_date.isoformat(),
        status=item.status,
    )


def grant(candidate_id: str, request: GrantRequest, login: Login, now: datetime) -> CertificationOut:
    cert_id = request.certification_id
    audit = _audit(candidate_id, "grant", cert_id, request.reason, login, now)
    item = manual.grant(candidate_id, cert_id, now, audit)
    badges.sync_certification(candidate_id, cert_id, now.date())  # a grant after a revocation
    return _certification_out(item, now)


def revoke(candidate_id: str, cert_id: str, request: ReasonRequest, login: Login, now: datetime) -> CertificationOut:
    audit = _audit(candidate_id, "revoke", cert_id, request.reason, login, now)
    try:
        item = manual.revoke(candidate_id, cert_id, now, audit)
    except Conflict as error:
        if error.code == "already_revoked":
            # a revocation whose status-list update was lost: the retry sets the bits
            badges.sync_certification(candidate_id, cert_id, now.date())
        raise
    badges.sync_certification(candidate_id, cert_id, now.date())
    return _certification_out(item, now)


def extend(candidate_id: str, cert_id: str, request: ExtendRequest, login: Login, now: datetime) -> CertificationOut:
    audit = _audit(candidate_id, "extend", cert_id, request.reason, login, now)
    return _certification_out(manual.extend(candidate_id, cert_id, request.expires_on, now, audit), now)


def add_credit(candidate_id: str, request: CreditRequest, login: Login, now: datetime) -> CreditOut:
    fields = {
        "activity_name": request.activity_name,
        "provider_name": request.provider_name,
        "points": str(request.points),
        "active_date": request.active_date,
        "external_id": request.external_id or "",
    }

    def audit(item: CECreditItem) -> TableItem:
        after = f"{item.activity_name} ({item.provider_name}), {float(item.points):g} points on {item.active_date}"
        return audit_entry(
            candidate_id, "ce_add", item.external_id, request.reason, login, now, before="no such credit", after=after
        )

    return _credit_out(manual.add_credit(candidate_id, fields, now, audit))


def void_credit(candidate_id: str, external_id: str, request: ReasonRequest, login: Login, now: datetime) -> CreditOut:
    audit = _audit(candidate_id, "ce_void", external_id, request.reason, login, now)
    return _credit_out(manual.void_credit(candidate_id, external_id, now, audit))


def correct_name(candidate_id: str, request: NameRequest, login: Login, now: datetime) -> NameOut:
    """The profile's name (and its name-index keys) and the reissue of every certificate, in one
    transaction with the audit item and a history event per reissued certification."""
    profile = CandidateItem.get_candidate(candidate_id)
    if profile is None:
        raise NotFound("No candidate has this id.", code="candidate_not_found")
    first, last = request.first_name, request.last_name
    if (first, last) == (profile.first_name, profile.last_name):
        raise Unprocessable(
            "The name is already spelled this way; nothing to correct.",
            code="name_unchanged",
            extra={"errors": [{"field": "last_name", "message": "Give the corrected name."}]},
        )
    today = now.date()
    records = list(dynamo_store().read(candidate_id, prefix=keys.CERT_PREFIX, consistent=True).certifications.values())
    edition = now.strftime("%Y%m%dT%H%M%S")
    reissues = certificates.supersede(records, today, edition)
    reissued = [item.cert_id for item, _, _ in reissues if isinstance(item, CertificationItem)]
    index = name_keys(first, last, candidate_id)
    audit = audit_entry(
        candidate_id,
        "name_correct",
        "profile",
        request.reason,
        login,
        now,
        before=f"{profile.first_name} {profile.last_name}",
        after=f"{first} {last}",
    )
    actions: list[Any] = [
        CandidateItem.first_name.set(first),
        CandidateItem.last_name.set(last),
        CandidateItem.GSI3PK.set(index["GSI3PK"]),
        CandidateItem.GSI3SK.set(index["GSI3SK"]),
    ]
    unchanged = (CandidateItem.first_name == profile.first_name) & (CandidateItem.last_name == profile.last_name)
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.update(CandidateItem(*CandidateItem.key(candidate_id)), actions=actions, condition=unchanged)
            for item, item_actions, condition in reissues:
                transaction.update(item, actions=item_actions, condition=condition)
            for cert_id in reissued:
                transaction.save(_reissue_event(candidate_id, cert_id, now), condition=HistoryItem.PK.does_not_exist())
            transaction.save(audit, condition=OperatorAuditItem.PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error) or TRANSACTION_CONFLICT in cancellation_codes(error):
            raise Conflict(
                "The candidate's record changed meanwhile; reload and try again.", code="concurrent_update"
            ) from None
        raise
    return NameOut(candidate_id=candidate_id, first_name=first, last_name=last, reissued_certificates=reissued)


def _reissue_event(candidate_id: str, cert_id: str, now: datetime) -> HistoryItem:
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(now.date().isoformat(), f"{cert_id}:name_corrected:{now.strftime('%H%M%S%f')}"),
        candidate_id=candidate_id,
        cert_id=cert_id,
        date=now.date(),
        event=NAME_CORRECTED_TEXT,
        source=manual.OPERATOR_SOURCE,
        kind="name_corrected",
    )
