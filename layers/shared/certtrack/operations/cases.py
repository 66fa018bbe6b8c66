"""Support cases for operators: the queue by status, one case with its records side by side, and
closing a case without a merge (the merge itself is :mod:`certtrack.operations.merge`).

The queue is one Query on GSI1 ``CASES#<status>`` (sort key ``<created_at>#<case_id>``), open cases
oldest first, resolved ones newest first. Cases written before that index existed carry no entry
until they are written again (a candidate asking again rewrites the case); they are still read by
id (``GET /ops/support-cases/{case_id}``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import ConfigDict
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import db, keys, paging
from certtrack.auth import Login
from certtrack.certifications.models import AgreementItem, CECreditItem, CertificationItem, ExamItem
from certtrack.db import condition_failed, query_partition
from certtrack.errors import Conflict, NotFound
from certtrack.fields import PublicText, Schema
from certtrack.fulfillment.models import FulfillmentItem, OrderItem, TransactionItem
from certtrack.identity.models import CandidateItem, MergeItem, SupportCaseItem, case_keys
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry
from certtrack.operations.merge import DONE, read_state
from certtrack.transcripts.models import TranscriptItem

CaseStatus = Literal["open", "resolved"]
NOTE_MAX = 1000


class CaseSummary(Schema):
    case_id: str
    reason: str
    candidate_ids: list[str]
    created_at: datetime
    status: str


class CasePage(Schema):
    items: list[CaseSummary]
    next: str | None


def _summary(item: SupportCaseItem) -> CaseSummary:
    return CaseSummary(
        case_id=item.case_id,
        reason=item.reason,
        candidate_ids=sorted(item.candidate_ids),
        created_at=item.created_at,
        status=item.status,
    )


def list_cases(status: CaseStatus, limit: int, cursor: str | None) -> CasePage:
    """One page of the cases in ``status`` (one Query on GSI1 ``CASES#<status>``)."""
    gsi_pk = keys.cases_gsi(status)
    start = paging.decode_key(
        cursor,
        lambda raw: set(raw) == {"PK", "SK", "GSI1PK", "GSI1SK"} and raw["GSI1PK"] == {"S": gsi_pk},
    )
    results = SupportCaseItem.lookup_index.query(
        gsi_pk, scan_index_forward=status == "open", limit=limit, last_evaluated_key=start
    )
    items = [_summary(item) for item in results if isinstance(item, SupportCaseItem)]
    return CasePage(items=items, next=paging.encode_key(results.last_evaluated_key))


# ---------------------------------------------------------------- one case


class CertificationLine(Schema):
    cert_id: str
    status: str
    expiration_date: date | None


class CaseRecord(Schema):
    """One candidate record of a case, as the operator compares them."""

    candidate_id: str
    exists: bool
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    created_at: datetime | None = None
    mapped_login: str | None = None  # the login's name when the record is mapped
    merged_into: str | None = None
    frozen: bool = False
    certifications: list[CertificationLine] = []
    exams: int = 0
    ce_credits: int = 0
    agreements: int = 0
    orders: int = 0
    kits: int = 0
    transactions: int = 0
    transcripts: int = 0
    audit_entries: int = 0


class MergeProgress(Schema):
    survivor: str
    phase: str
    moved: int
    dropped: int
    started_at: datetime


class CaseDetail(Schema):
    case_id: str
    reason: str
    status: str
    candidate_ids: list[str]
    created_at: datetime
    last_requested_at: datetime
    requests: int
    login_sub: str
    login_username: str | None
    resolution: str | None
    survivor: str | None
    note: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    merge: MergeProgress | None
    records: list[CaseRecord]


def get_case(case_id: str) -> SupportCaseItem:
    try:
        return SupportCaseItem.get(keys.case_pk(case_id), keys.CASE, consistent_read=True)
    except SupportCaseItem.DoesNotExist:
        raise NotFound("There is no support case with this id.", code="case_not_found") from None


def _record(candidate_id: str) -> CaseRecord:
    """One Query of the candidate's partition, counted by item type."""
    record = CaseRecord(candidate_id=candidate_id, exists=False)
    for item in query_partition(keys.candidate_pk(candidate_id)):
        match item:
            case CandidateItem():
                record.exists = True
                record.first_name, record.last_name, record.email = item.first_name, item.last_name, item.email
                record.created_at = item.created_at
                record.mapped_login = item.login_username or (item.login_sub and "(unnamed login)") or None
                record.merged_into = item.merged_into
                record.frozen = item.frozen_at is not None
            case CertificationItem():
                record.certifications.append(
                    CertificationLine(cert_id=item.cert_id, status=item.status, expiration_date=item.expiration_date)
                )
            case ExamItem():
                record.exams += 1
            case CECreditItem():
                record.ce_credits += 1
            case AgreementItem():
                record.agreements += 1
            case OrderItem():
                record.orders += 1
            case FulfillmentItem():
                record.kits += 1
            case TransactionItem():
                record.transactions += 1
            case TranscriptItem():
                record.transcripts += 1
            case OperatorAuditItem():
                record.audit_entries += 1
    return record


def case_detail(case_id: str) -> CaseDetail:
    """The case and each of its records side by side (one Query per record)."""
    case = get_case(case_id)
    state = read_state(case_id)
    merge = (
        MergeProgress(
            survivor=state.survivor,
            phase=state.phase,
            moved=int(state.moved or 0),
            dropped=int(state.dropped or 0),
            started_at=state.started_at,
        )
        if state is not None
        else None
    )
    return CaseDetail(
        case_id=case.case_id,
        reason=case.reason,
        status=case.status,
        candidate_ids=sorted(case.candidate_ids),
        created_at=case.created_at,
        last_requested_at=case.last_requested_at,
        requests=int(case.requests or 0),
        login_sub=case.login_sub,
        login_username=case.login_username,
        resolution=case.resolution,
        survivor=case.survivor,
        note=case.note,
        resolved_at=case.resolved_at,
        resolved_by=case.resolved_by,
        merge=merge,
        records=[_record(candidate_id) for candidate_id in sorted(case.candidate_ids)],
    )


# ---------------------------------------------------------------- closing without a merge


class CloseRequest(Schema):
    """``POST /ops/support-cases/{case_id}/close``: what was done instead of a merge (kept on the case
    and in the audit)."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, PublicText(max_length=NOTE_MAX, min_length=1, multiline=True)]


class CloseOut(Schema):
    case_id: str
    status: str
    resolution: str
    unfrozen: list[str]


def close_case(case_id: str, request: CloseRequest, login: Login, now: datetime) -> CloseOut:
    """Resolve the case without merging, in one transaction with an audit item per record.

    A disputed mapping's record is unlocked with it (the review is what the case was for), so it
    can be mapped again. 409 ``case_resolved`` when it is resolved, ``merge_in_progress`` while a
    merge of it has started and not finished.
    """
    case = get_case(case_id)
    if case.status != "open":
        raise Conflict("This support case is resolved already.", code="case_resolved")
    state = read_state(case_id)
    if state is not None and state.phase != DONE:
        raise Conflict("A merge of this case has started; finish it instead.", code="merge_in_progress")
    profiles = {
        item.candidate_id: item
        for item in CandidateItem.batch_get([CandidateItem.key(c) for c in case.candidate_ids], consistent_read=True)
    }
    frozen = sorted(c for c, item in profiles.items() if item.frozen_case_id == case_id)
    index = case_keys("resolved", case.created_at, case_id)
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.update(
                case,
                actions=[
                    SupportCaseItem.status.set("resolved"),
                    SupportCaseItem.resolution.set("closed"),
                    SupportCaseItem.note.set(request.note),
                    SupportCaseItem.resolved_at.set(now),
                    SupportCaseItem.resolved_by.set(login.username),
                    SupportCaseItem.GSI1PK.set(index["GSI1PK"]),
                    SupportCaseItem.GSI1SK.set(index["GSI1SK"]),
                ],
                condition=SupportCaseItem.status == "open",
            )
            transaction.condition_check(MergeItem, case.PK, keys.MERGE, condition=MergeItem.PK.does_not_exist())
            for candidate_id in frozen:
                transaction.update(
                    CandidateItem(*CandidateItem.key(candidate_id)),
                    actions=[CandidateItem.frozen_at.remove(), CandidateItem.frozen_case_id.remove()],
                    condition=CandidateItem.frozen_case_id == case_id,
                )
            for candidate_id in sorted(profiles):
                after = "closed; record unlocked" if candidate_id in frozen else "closed"
                entry = audit_entry(
                    candidate_id, "case_close", case_id, request.note, login, now, before="open", after=after
                )
                transaction.save(
                    entry,
                    condition=OperatorAuditItem.PK.does_not_exist(),
                )
    except TransactWriteError as error:
        if condition_failed(error):
            raise Conflict("The case changed while closing it; open it again.", code="case_resolved") from None
        raise
    return CloseOut(case_id=case_id, status="resolved", resolution="closed", unfrozen=frozen)
