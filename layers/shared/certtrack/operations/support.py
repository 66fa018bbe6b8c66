"""Help for stuck candidates: send the mapping email again, lift a login's rate-limit lockout.

Resending goes through the mapping's own path (``identity.mapping.request_by_email``): the same
queue, worker and email, and the same limits (per login, per recipient address per day), so an
operator cannot mail a candidate more often than the candidate could. Lifting a lockout deletes
the login's rate windows (``LOGIN#<sub> / RATE#…``: mapping emails and score-report failures);
windows kept per registration number, last name or source IP are not the login's and stay.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field
from pynamodb.exceptions import PutError, TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.auth import Login
from certtrack.db import condition_failed
from certtrack.errors import Conflict, NotFound, Unprocessable
from certtrack.fields import PublicText, Schema
from certtrack.identity import mapping
from certtrack.identity.models import CandidateItem, RateLimitItem
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry

REASON_MAX = 500
# One transaction holds them all with the audit item; a login has a few windows at a time (TTL).
_MAX_WINDOWS = 99

Reason = Annotated[str, PublicText(max_length=REASON_MAX, min_length=1, multiline=True)]
LoginSub = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


def _candidate(candidate_id: str) -> CandidateItem:
    candidate = CandidateItem.get_candidate(candidate_id)
    if candidate is None:
        raise NotFound("There is no candidate with this id.", code="candidate_not_found")
    if candidate.merged_into:
        raise Conflict(f"This record was merged into {candidate.merged_into}; use that one.", code="record_merged")
    return candidate


class MappingEmailRequest(Schema):
    """``POST /ops/candidates/{candidate_id}/mapping-email``: the login the link is for (a support
    case names it) and why."""

    model_config = ConfigDict(extra="forbid")

    login_sub: LoginSub
    login_username: Annotated[str | None, Field(min_length=1, max_length=128)] = None
    reason: Reason


class MappingEmailOut(Schema):
    status: str  # "email_sent"


def resend_mapping_email(
    candidate_id: str, request: MappingEmailRequest, login: Login, now: datetime
) -> MappingEmailOut:
    """Queue the mapping email to the candidate's address for the login, then audit it."""
    candidate = _candidate(candidate_id)
    if not candidate.email:
        raise Unprocessable("This candidate has no email address to send to.", code="no_email")
    if candidate.login_sub:
        raise Conflict("This candidate record is already mapped to a login.", code="already_mapped")
    waiting = Login(sub=request.login_sub, username=request.login_username or request.login_sub, groups=frozenset())
    mapping.request_by_email(waiting, candidate.email, now)  # its limits: 429 with nothing queued
    entry = audit_entry(
        candidate_id,
        "mapping_email_resend",
        request.login_sub,
        request.reason,
        login,
        now,
        after="mapping email queued to the address on file",
    )
    try:
        entry.save(condition=OperatorAuditItem.PK.does_not_exist())
    except PutError as error:
        if not condition_failed(error):
            raise
    return MappingEmailOut(status="email_sent")


class LiftRequest(Schema):
    """``POST /ops/logins/{login_sub}/rate-limits/lift``: the candidate being helped (the audit lands
    on their record) and why."""

    model_config = ConfigDict(extra="forbid")

    candidate_id: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Reason


class LiftOut(Schema):
    login_sub: str
    lifted: list[str]  # the windows deleted: "<action>#<window start>"


def lift_rate_limits(login_sub: str, request: LiftRequest, login: Login, now: datetime) -> LiftOut:
    """Delete the login's rate windows (one Query) with the audit item, in one transaction."""
    _candidate(request.candidate_id)
    windows = list(
        RateLimitItem.query(
            keys.login_pk(login_sub),
            RateLimitItem.SK.startswith(keys.RATE_PREFIX),
            consistent_read=True,
            limit=_MAX_WINDOWS,
        )
    )
    if not windows:
        return LiftOut(login_sub=login_sub, lifted=[])
    lifted = [window.SK.removeprefix(keys.RATE_PREFIX) for window in windows]
    entry = audit_entry(
        request.candidate_id,
        "rate_limit_lift",
        login_sub,
        request.reason,
        login,
        now,
        before=", ".join(f"{w.SK.removeprefix(keys.RATE_PREFIX)}: {int(w.hits or 0)}" for w in windows),
        after="no rate windows",
    )
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            for window in windows:
                transaction.delete(window)
            transaction.save(entry, condition=OperatorAuditItem.PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error):
            raise Conflict("The lockout changed meanwhile; try again.", code="concurrent_update") from None
        raise
    return LiftOut(login_sub=login_sub, lifted=lifted)
