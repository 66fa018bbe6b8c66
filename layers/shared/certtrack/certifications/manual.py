"""What an operator may do to a candidate's certification records, and what each change means.

Grant, revoke, extend an expiry, add or void a CE credit. Each writes the record that carries the
decision and its audit item (built by the caller from the before/after this module states, so the
operator's name and reason stay in operations) in one transaction, then re-evaluates the
candidate: the rules engine turns the decision into statuses, dates, history and due-index keys,
exactly as it does for an import (:mod:`certtrack.certifications.evaluation`). The decision is
what the engine reads back on every later evaluation, so no import or daily check undoes it:

- a grant is ``granted_on`` (today; the period ends per the catalog's validity); a grant of a
  revoked certification also sets ``revocation_lifted_on``: a fresh start that day;
- a revocation is ``status = revoked`` (kept by the engine whatever the evidence says) and a
  "Certification revoked" history event; it is taken off the due index (no reminders);
- an extension is ``extended_from`` (the period's expiry) → ``extended_to``;
- an added credit is a ``CE#<external_id>`` item like an imported one; a voided one keeps its
  item with ``status = void`` (the engine never counts it) and leaves the due index.

Revoked and voided items stay visible: history and the audit trail say what happened.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, cast

from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.certifications import evaluation
from certtrack.certifications.credits import credit_item
from certtrack.certifications.evidence import CE_ADDED, CE_VOIDED, VOID
from certtrack.certifications.import_rows import Record, RowError, parse_credit
from certtrack.certifications.models import CECreditItem, CertificationItem, HistoryItem
from certtrack.db import TRANSACTION_CONFLICT, TableItem, cancellation_codes, condition_failed
from certtrack.errors import Conflict, NotFound, Unprocessable
from certtrack.identity.models import CandidateItem
from certtrack.program import rules
from certtrack.program.catalog import Certification, load_catalog
from certtrack.program.standing import ACTIVE, REVOKED, standing
from certtrack.settings import get_settings

# The caller's audit item of one change: (before, after) in words → the item to save with it.
Audit = Callable[[str, str], TableItem]

OPERATOR_SOURCE = "operator"  # history events an operator's action wrote; the engine leaves them alone
REVOKED_TEXT = "Certification revoked"
EXTENDED_TEXT = "Expiration date extended to {day}"
MAX_EXTENSION_YEARS = 5  # a longer absence is a new grant, not an extension
OPERATOR_CE_SOURCE = "Operator"  # ``CECreditItem.source`` of a credit added in the console


def _catalog_certification(cert_id: str) -> Certification:
    cert = load_catalog().certification(cert_id)
    if cert is None:
        raise Unprocessable(
            f"{cert_id!r} is not a certification of the program.",
            code="unknown_certification",
            extra={"errors": [{"field": "certification_id", "message": "Choose a certification of the catalog."}]},
        )
    return cert


def _profile(candidate_id: str) -> CandidateItem:
    profile = CandidateItem.get_candidate(candidate_id)
    if profile is None:
        raise NotFound("No candidate has this id.", code="candidate_not_found")
    return profile


def _record(candidate_id: str, cert_id: str) -> CertificationItem | None:
    try:
        return CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id), consistent_read=True)
    except CertificationItem.DoesNotExist:
        return None


def _held(candidate_id: str, cert_id: str) -> tuple[Certification, CertificationItem]:
    """A catalog certification the candidate has a record of; 404 otherwise."""
    _profile(candidate_id)
    definition = load_catalog().certification(cert_id)
    record = _record(candidate_id, cert_id) if definition else None
    if definition is None or record is None:
        raise NotFound("The candidate has no record of this certification.", code="certification_not_found")
    return definition, record


def describe(record: CertificationItem | None, today: date) -> str:
    """A certification's state in words, for the audit's before/after."""
    state = standing(record, today)
    if record is None or state == rules.IN_PROGRESS:
        return "not held"
    dates = f"{record.active_date} to {record.expiration_date}"
    if state == REVOKED:
        return f"revoked (was {dates})"
    return f"{state}, {dates}"


def _unchanged(record: CertificationItem | None) -> Condition:
    """The record is as it was read (no concurrent import, grant or revoke in between)."""
    if record is None:
        absent: Condition = CertificationItem.PK.does_not_exist()
        return absent
    guard: Condition = CertificationItem.status == record.status
    if record.expiration_date is None:
        return guard & CertificationItem.expiration_date.does_not_exist()
    dated: Condition = CertificationItem.expiration_date == record.expiration_date
    return cast(Condition, guard & dated)  # a DateAttribute comparison is typed Any


def _commit(write: Callable[[TransactWrite], None], audit_item: TableItem, changed: str) -> None:
    """One transaction: the change and its audit item; a concurrent change is a 409."""
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            write(transaction)
            transaction.save(audit_item, condition=type(audit_item).PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error) or TRANSACTION_CONFLICT in cancellation_codes(error):
            raise Conflict(f"{changed} changed meanwhile; reload and try again.", code="concurrent_update") from None
        raise


def _credit_event(candidate_id: str, item: CECreditItem, now: datetime, kind: str, verb: str) -> HistoryItem:
    """A CE change in the history of every certification that counts CE credits (no ``cert_id``)."""
    day = now.date()
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(day.isoformat(), f"ce:{kind}:{item.external_id}:{now.strftime('%H%M%S%f')}"),
        candidate_id=candidate_id,
        cert_id=None,
        date=day,
        event=f"CE credit {verb}: {item.activity_name} ({_points(item.points)} points)",
        source=OPERATOR_SOURCE,
        kind=kind,
    )


def _event(candidate_id: str, cert_id: str, day: date, now: datetime, kind: str, text: str) -> HistoryItem:
    return HistoryItem(
        keys.candidate_pk(candidate_id),
        keys.history_sk(day.isoformat(), f"{cert_id}:{kind}:{now.strftime('%H%M%S%f')}"),
        candidate_id=candidate_id,
        cert_id=cert_id,
        date=day,
        event=text,
        source=OPERATOR_SOURCE,
        kind=kind,
    )


# ---------------------------------------------------------------- grant


def grant(
    candidate_id: str, cert_id: str, now: datetime, audit: Audit, *, send: evaluation.SendMail | None = None
) -> CertificationItem:
    """Grant ``cert_id`` from today (to today + validity); 409 ``already_active`` while it is active."""
    cert = _catalog_certification(cert_id)
    _profile(candidate_id)
    today = now.date()
    record = _record(candidate_id, cert_id)
    if standing(record, today) == ACTIVE:
        assert record is not None
        raise Conflict(
            f"{cert.name} is already active for this candidate (until {record.expiration_date}); "
            "extend its expiration date instead.",
            code="already_active",
        )
    until = rules.add_years(today, cert.validity_years)
    revoked = record is not None and record.status == REVOKED
    actions: list[Any] = [
        CertificationItem.candidate_id.set(candidate_id),
        CertificationItem.cert_id.set(cert_id),
        CertificationItem.status.set(rules.IN_PROGRESS if revoked else CertificationItem.status | rules.IN_PROGRESS),
        CertificationItem.granted_on.set(today),
        CertificationItem.granted_until.remove(),
        CertificationItem.updated_at.set(now),
    ]
    if revoked:
        actions.append(CertificationItem.revocation_lifted_on.set(today))
    item = CertificationItem(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id))
    _commit(
        lambda tx: tx.update(item, actions=actions, condition=_unchanged(record)),
        audit(describe(record, today), f"granted: active, {today} to {until}"),
        f"{cert.name} of this candidate",
    )
    evaluation.reevaluate(candidate_id, now, send=send)
    granted = _record(candidate_id, cert_id)
    assert granted is not None
    return granted


# ---------------------------------------------------------------- revoke


def revoke(candidate_id: str, cert_id: str, now: datetime, audit: Audit) -> CertificationItem:
    """Revoke a held certification (kept revoked until an operator grants it again)."""
    cert, record = _held(candidate_id, cert_id)
    today = now.date()
    if record.status == REVOKED:
        raise Conflict(f"{cert.name} is already revoked for this candidate.", code="already_revoked")
    if record.status == rules.IN_PROGRESS or record.active_date is None:
        raise Conflict(f"The candidate has not earned {cert.name}: there is nothing to revoke.", code="not_held")
    actions: list[Any] = [
        CertificationItem.status.set(REVOKED),
        CertificationItem.revoked_on.set(today),
        CertificationItem.updated_at.set(now),
        CertificationItem.GSI2PK.remove(),
        CertificationItem.GSI2SK.remove(),
    ]
    event = _event(candidate_id, cert_id, today, now, "revoked", REVOKED_TEXT)

    def write(tx: TransactWrite) -> None:
        tx.update(record, actions=actions, condition=_unchanged(record))
        tx.save(event, condition=HistoryItem.PK.does_not_exist())

    _commit(write, audit(describe(record, today), "revoked"), f"{cert.name} of this candidate")
    evaluation.reevaluate(candidate_id, now)
    revoked = _record(candidate_id, cert_id)
    assert revoked is not None
    return revoked


# ---------------------------------------------------------------- extend


def extend(candidate_id: str, cert_id: str, expires_on: date, now: datetime, audit: Audit) -> CertificationItem:
    """Move the current period's expiry to ``expires_on`` (later than it; 409 unless active)."""
    cert, record = _held(candidate_id, cert_id)
    today = now.date()
    if standing(record, today) != ACTIVE or record.expiration_date is None:
        raise Conflict(
            f"Only an active certification's expiration date can be extended; {cert.name} is "
            f"{standing(record, today).replace('_', ' ')}. Grant it instead.",
            code="not_active",
        )
    current = record.expiration_date
    if expires_on <= current:
        raise Unprocessable(
            f"The new expiration date must be later than the current one ({current}).",
            code="expiry_not_later",
            extra={"errors": [{"field": "expires_on", "message": f"Choose a day after {current}."}]},
        )
    latest = rules.add_years(current, MAX_EXTENSION_YEARS)
    if expires_on > latest:
        raise Unprocessable(
            f"An extension moves the expiration date by at most {MAX_EXTENSION_YEARS} years (to {latest}).",
            code="expiry_too_late",
            extra={"errors": [{"field": "expires_on", "message": f"Choose a day up to {latest}."}]},
        )
    # Extending an extended period again keeps the period's original expiry as what it extends.
    original = record.extended_from if record.extended_to == current and record.extended_from else current
    actions: list[Any] = [
        CertificationItem.extended_from.set(original),
        CertificationItem.extended_to.set(expires_on),
        CertificationItem.updated_at.set(now),
    ]
    event = _event(candidate_id, cert_id, today, now, "extended", EXTENDED_TEXT.format(day=expires_on.isoformat()))

    def write(tx: TransactWrite) -> None:
        tx.update(record, actions=actions, condition=_unchanged(record))
        tx.save(event, condition=HistoryItem.PK.does_not_exist())

    _commit(write, audit(f"expires {current}", f"expires {expires_on}"), f"{cert.name} of this candidate")
    evaluation.reevaluate(candidate_id, now)
    extended = _record(candidate_id, cert_id)
    assert extended is not None
    return extended


# ---------------------------------------------------------------- CE credits


def new_external_id() -> str:
    return f"ops-{secrets.token_hex(6)}"


def add_credit(
    candidate_id: str,
    fields: dict[str, str],
    now: datetime,
    audit: Callable[[CECreditItem], TableItem],
) -> CECreditItem:
    """Add one CE credit, checked by the same rules as an imported row (``import_rows``); 409
    ``credit_exists`` for an external id the candidate already has."""
    _profile(candidate_id)
    values = {"candidate_id": candidate_id, **fields}
    if not values.get("external_id"):
        values["external_id"] = new_external_id()
    try:
        row = parse_credit(Record(0, values), now.date(), get_settings().candidate_prefix)
    except RowError as error:
        raise Unprocessable(str(error), code="invalid_credit") from None
    item = credit_item(
        candidate_id,
        row.external_id,
        row.activity_name,
        row.provider_name,
        row.points,
        row.active_date,
        now,
        source=OPERATOR_CE_SOURCE,
    )
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.save(item, condition=CECreditItem.PK.does_not_exist())
            transaction.save(
                _credit_event(candidate_id, item, now, CE_ADDED, "added"), condition=HistoryItem.PK.does_not_exist()
            )
            audited = audit(item)
            transaction.save(audited, condition=type(audited).PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error) or TRANSACTION_CONFLICT in cancellation_codes(error):
            raise Conflict(
                f"The candidate already has a CE credit with external id {row.external_id}.", code="credit_exists"
            ) from None
        raise
    evaluation.reevaluate(candidate_id, now)
    return item


def void_credit(candidate_id: str, external_id: str, now: datetime, audit: Audit) -> CECreditItem:
    """Void a CE credit: kept (status ``void``), never counted again; certifications re-evaluated."""
    _profile(candidate_id)
    try:
        item = CECreditItem.get(keys.candidate_pk(candidate_id), keys.ce_sk(external_id), consistent_read=True)
    except CECreditItem.DoesNotExist:
        raise NotFound("The candidate has no CE credit with this external id.", code="credit_not_found") from None
    if item.status == VOID:
        raise Conflict("This CE credit is already void.", code="already_void")
    before = f"{item.status}: {item.activity_name}, {_points(item.points)} points on {item.active_date}"
    actions: list[Any] = [
        CECreditItem.status.set(VOID),
        CECreditItem.review.set("Voided by the program"),
        CECreditItem.updated_at.set(now),
        CECreditItem.GSI2PK.remove(),
        CECreditItem.GSI2SK.remove(),
    ]
    event = _credit_event(candidate_id, item, now, CE_VOIDED, "voided")

    def write(tx: TransactWrite) -> None:
        tx.update(item, actions=actions, condition=CECreditItem.status == item.status)
        tx.save(event, condition=HistoryItem.PK.does_not_exist())

    _commit(write, audit(before, "void"), "This CE credit")
    evaluation.reevaluate(candidate_id, now)
    item.refresh(consistent_read=True)
    return item


def _points(value: Any) -> str:
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)
