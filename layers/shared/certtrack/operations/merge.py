"""Merging the records of a support case into the one the operator picked (the survivor).

``POST /ops/support-cases/{case_id}/merge``. A partition can hold more items than one transaction
(100), so the merge is a sequence of steps whose progress is the item ``CASE#<id> / MERGE``
(:class:`MergeItem`), each step one transaction:

1. **start**: the progress item is put (if absent) with a check that the case is still open; it
   names the survivor and the records merged into it (the *sources*).
2. **move** (repeated): up to :data:`BATCH_ITEMS` items of a source partition (everything but its
   profile) are copied to the survivor's partition and deleted from the source, each under a
   condition (the source item exists, the copy does not), with the pointers that name them
   (``REG#<n>/OWNER``, ``ORDER#<id>/ORDER``, ``FULFILL#<id>/FULFILL``, ``VERIFY#<code>``,
   ``CRED#<id>``) moved to the survivor, and the progress item's counters. Copies are made from the
   stored attributes as they are (not through a model), so nothing a model does not declare is
   lost; the keys that name the partition follow: ``candidate_id``, GSI1 ``CAND#<id>`` sort keys
   (email, exams' ``REG#``), the audit month's sort key, and the due index GSI2 (its shard and sort
   key are computed from the item's key). Public transcript links (GSI1 ``PUBLIC#``) and kits
   (``KITS#``) keep their index keys and so resolve to the moved item.
   A key the survivor holds already names the same record (an exam's registration number, a CE
   activity's external id, a certification): the survivor's is kept and the source's dropped
   (counted in ``dropped``); a manual grant on a dropped certification is carried over.
3. **finish**: the survivor's certifications are re-evaluated (idempotent), then one transaction
   turns the sources' profiles into tombstones (``merged_into``; no email or name index entries,
   so the address finds only the survivor), resolves the case (GSI1 ``CASES#open`` →
   ``CASES#resolved``) and writes the operator's audit item on the survivor.
4. **tell**: the waiting login is mapped to the survivor (``identity.mapping.map_login``: the
   mapping transaction and its rules) and the candidate is emailed; the progress item is ``done``.

Only one request runs a merge at a time: it holds a lease on the progress item (``lease_owner``,
for :data:`LEASE`), and every step's transaction is conditional on holding it. A second click
while one runs is 409 ``merge_in_progress``; after a crash (or an error) the next click takes the
lease and finishes the same merge from where it stopped. The email is sent at least once: a crash
between the send and ``done`` sends it again on the retry.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, Field
from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from certtrack import db, email, keys
from certtrack.auth import Login
from certtrack.certifications import due, evaluation
from certtrack.db import condition_failed
from certtrack.errors import Conflict, NotFound, Unprocessable
from certtrack.fields import PublicText, Schema
from certtrack.identity import mapping, personal
from certtrack.identity.models import CandidateItem, MergeItem, SupportCaseItem, case_keys
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry
from certtrack.settings import get_settings

logger = Logger(child=True)

# Items moved per step: each takes a delete, a put and up to two pointer updates, plus the
# progress item: 20 x 4 + 1 stays under DynamoDB's 100 items per transaction.
BATCH_ITEMS = 20
LEASE = timedelta(minutes=2)

MOVING, FINISHING, DONE = "moving", "finishing", "done"


class MergeRequest(Schema):
    """``POST /ops/support-cases/{case_id}/merge``: the survivor, and optionally why (for the audit)."""

    model_config = ConfigDict(extra="forbid")

    survivor: Annotated[str, Field(min_length=1, max_length=64)]
    reason: Annotated[str | None, PublicText(max_length=500, min_length=1, multiline=True)] = None


class MergeOut(Schema):
    case_id: str
    survivor: str
    merged: list[str]
    status: str  # "resolved"
    moved: int
    dropped: int
    login_mapped: bool


def _in_progress(survivor: str) -> Conflict:
    return Conflict(
        f"A merge of this case into {survivor} is under way; wait a moment and open the case again.",
        code="merge_in_progress",
    )


def _resolved() -> Conflict:
    return Conflict("This support case is resolved already.", code="case_resolved")


def read_state(case_id: str) -> MergeItem | None:
    try:
        return MergeItem.get(keys.case_pk(case_id), keys.MERGE, consistent_read=True)
    except MergeItem.DoesNotExist:
        return None


def merge_case(case_id: str, request: MergeRequest, login: Login, now: datetime) -> MergeOut:
    """Start (or resume) the merge of the case into ``request.survivor`` and run it to the end."""
    try:
        case = SupportCaseItem.get(keys.case_pk(case_id), keys.CASE, consistent_read=True)
    except SupportCaseItem.DoesNotExist:
        raise NotFound("There is no support case with this id.", code="case_not_found") from None
    state = read_state(case_id) or _start(case, request, login, now)
    if state.survivor != request.survivor:
        raise _in_progress(state.survivor)
    if state.phase == DONE:
        raise _resolved()
    owner = _take_lease(state, now)
    try:
        return _run(state, case, owner, now)
    finally:
        _release_lease(state, owner)


# ---------------------------------------------------------------- start


def _start(case: SupportCaseItem, request: MergeRequest, login: Login, now: datetime) -> MergeItem:
    """Check the request against the case and its records, then put the progress item."""
    if case.status != "open":
        raise _resolved()
    survivor = request.survivor
    if survivor not in case.candidate_ids:
        raise Unprocessable(
            f"{survivor} is not one of this case's records; pick one of {', '.join(sorted(case.candidate_ids))}.",
            code="survivor_not_in_case",
        )
    profiles = {item.candidate_id: item for item in _profiles(case.candidate_ids)}
    target = profiles.get(survivor)
    if target is None or target.merged_into:
        raise Conflict(f"{survivor} was merged into another record already; pick another.", code="survivor_merged")
    sources = sorted(c for c in case.candidate_ids if c != survivor and c in profiles)
    sources = [c for c in sources if profiles[c].merged_into != survivor]
    if not sources:
        raise Conflict("There is no other record in this case to merge into this one.", code="merge_into_itself")
    for source in sources:
        if profiles[source].merged_into:
            raise Conflict(f"{source} was merged into another record already.", code="record_merged")
        if profiles[source].login_sub:
            raise Conflict(f"{source} is connected to a login; pick it as the survivor instead.", code="source_mapped")
    state = MergeItem(
        keys.case_pk(case.case_id),
        keys.MERGE,
        case_id=case.case_id,
        survivor=survivor,
        sources=sources,
        phase=MOVING,
        reason=request.reason or f"Support case {case.case_id} ({case.reason})",
        operator_sub=login.sub,
        operator_username=login.username,
        started_at=now,
    )
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.save(state, condition=MergeItem.PK.does_not_exist())
            transaction.condition_check(SupportCaseItem, case.PK, case.SK, condition=SupportCaseItem.status == "open")
    except TransactWriteError as error:
        if not condition_failed(error):
            raise
        started = read_state(case.case_id)
        if started is None:
            raise _resolved() from None  # the case was closed meanwhile
        return started  # another click started it first
    return state


def _profiles(candidate_ids: Iterable[str]) -> list[CandidateItem]:
    return list(CandidateItem.batch_get([CandidateItem.key(c) for c in candidate_ids], consistent_read=True))


# ---------------------------------------------------------------- lease


def _take_lease(state: MergeItem, now: datetime) -> str:
    owner = secrets.token_hex(16)
    try:
        state.update(
            actions=[MergeItem.lease_owner.set(owner), MergeItem.lease_until.set(now + LEASE)],
            condition=(MergeItem.phase != DONE)
            & (MergeItem.lease_owner.does_not_exist() | (MergeItem.lease_until < now)),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise _in_progress(state.survivor) from None
        raise
    return owner


def _release_lease(state: MergeItem, owner: str) -> None:
    try:
        state.update(
            actions=[MergeItem.lease_owner.remove(), MergeItem.lease_until.remove()],
            condition=MergeItem.lease_owner == owner,
        )
    except UpdateError as error:
        if not condition_failed(error):
            raise


# ---------------------------------------------------------------- the steps


def _run(state: MergeItem, case: SupportCaseItem, owner: str, now: datetime) -> MergeOut:
    if state.phase == MOVING:
        for source in state.sources:
            while _move_batch(state, source, owner):
                pass
        evaluation.reevaluate(state.survivor, now)
        _finish(state, case, owner, now)
    mapped = _tell(state, case, owner, now)
    logger.info("support case merged", extra={"moved": int(state.moved), "dropped": int(state.dropped)})
    return MergeOut(
        case_id=state.case_id,
        survivor=state.survivor,
        merged=list(state.sources),
        status="resolved",
        moved=int(state.moved),
        dropped=int(state.dropped),
        login_mapped=mapped,
    )


def write(items: list[dict[str, Any]]) -> None:
    """One TransactWriteItems of raw operations (a seam the tests interrupt)."""
    _client().transact_write_items(TransactItems=items)


def _table() -> str:
    return get_settings().table_name


def _client() -> Any:
    return db.transactions_connection().client


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _batch(source: str) -> list[dict[str, Any]]:
    """The next items of the source's partition to move (its profile stays: the tombstone)."""
    response = _client().query(
        TableName=_table(),
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": _s(keys.candidate_pk(source))},
        ConsistentRead=True,
        Limit=BATCH_ITEMS + 1,
    )
    return [item for item in response["Items"] if item["SK"]["S"] != keys.PROFILE][:BATCH_ITEMS]


def _get_many(wanted: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The items at these keys that exist (BatchGetItem, consistent), by key."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    unique = list(dict.fromkeys(wanted))
    for start in range(0, len(unique), 100):
        request: dict[str, Any] = {
            _table(): {
                "Keys": [{"PK": _s(pk), "SK": _s(sk)} for pk, sk in unique[start : start + 100]],
                "ConsistentRead": True,
            }
        }
        while request:
            response = _client().batch_get_item(RequestItems=request)
            for item in response["Responses"].get(_table(), []):
                found[(item["PK"]["S"], item["SK"]["S"])] = item
            request = response.get("UnprocessedKeys") or {}
    return found


def _pointer_keys(item: dict[str, Any]) -> list[tuple[str, str]]:
    """The items outside the partition that name this one's candidate (by what the item is)."""
    sk = item["SK"]["S"]

    def text(name: str) -> str | None:
        value = item.get(name, {}).get("S")
        return str(value) if value else None

    out: list[tuple[str, str]] = []
    if sk.startswith(keys.EXAM_PREFIX) and (number := text("registration_number")):
        out.append((keys.registration_pk(number), keys.OWNER))
    if sk.startswith(keys.ORDER_PREFIX) and (order_id := text("order_id")):
        out.append((keys.order_pk(order_id), keys.ORDER_POINTER))
    if sk.startswith(keys.FULFILLMENT_PREFIX) and (fulfillment_id := text("fulfillment_id")):
        out.append((keys.fulfillment_pk(fulfillment_id), keys.FULFILLMENT_POINTER))
    if (sk.startswith(keys.CERT_PREFIX) or sk.startswith(keys.FULFILLMENT_PREFIX)) and (
        code := text("verification_code")
    ):
        out.append((keys.verify_pk(code), keys.VERIFY))
    if sk.startswith(keys.BADGE_PREFIX) and (credential_id := text("credential_id")):
        out.append((keys.credential_pk(credential_id), keys.CREDENTIAL))
    return out


def moved_copy(item: dict[str, Any], source: str, survivor: str) -> dict[str, Any]:
    """The item as it is stored in the survivor's partition: every attribute kept, the keys that
    name the partition rewritten."""
    copy = dict(item)
    new_pk, sk = keys.candidate_pk(survivor), item["SK"]["S"]
    copy["PK"] = _s(new_pk)
    if item.get("candidate_id") == _s(source):
        copy["candidate_id"] = _s(survivor)
    if item.get("GSI1SK") == _s(keys.candidate_pk(source)):
        copy["GSI1SK"] = _s(new_pk)
    elif sk.startswith(keys.OPERATOR_AUDIT_PREFIX) and "GSI1SK" in item:
        at, _, action = item["GSI1SK"]["S"].partition(f"#{source}#")
        copy["GSI1SK"] = _s(keys.operator_audit_gsi_sk(at, survivor, action))
    if "GSI2SK" in item:
        due_date, kind = due.parse_sk(item["GSI2SK"]["S"])
        gsi2pk, gsi2sk = due.due_keys(new_pk, sk, kind, due_date)
        copy["GSI2PK"], copy["GSI2SK"] = _s(gsi2pk), _s(gsi2sk)
    return copy


def _move_batch(state: MergeItem, source: str, owner: str) -> bool:
    """One step: the next batch of ``source`` moved to the survivor; False when nothing is left."""
    batch = _batch(source)
    if not batch:
        return False
    survivor = state.survivor
    survivor_pk = keys.candidate_pk(survivor)
    wanted = [(survivor_pk, item["SK"]["S"]) for item in batch]
    pointers = {item["SK"]["S"]: _pointer_keys(item) for item in batch}
    wanted += [key for found in pointers.values() for key in found]
    existing = _get_many(wanted)
    operations: list[dict[str, Any]] = []
    moved = dropped = 0
    repointed: set[tuple[str, str]] = set()
    for item in batch:
        sk = item["SK"]["S"]
        key = {"PK": item["PK"], "SK": item["SK"]}
        operations.append(
            {"Delete": {"TableName": _table(), "Key": key, "ConditionExpression": "attribute_exists(PK)"}}
        )
        kept = existing.get((survivor_pk, sk))
        if kept is None:
            operations.append(
                {
                    "Put": {
                        "TableName": _table(),
                        "Item": moved_copy(item, source, survivor),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
            moved += 1
        else:
            dropped += 1
            if sk.startswith(keys.CERT_PREFIX) and "granted_on" in item and "granted_on" not in kept:
                operations.append(_carry_grant(survivor_pk, sk, item))
        for pointer in pointers[sk]:
            if pointer not in repointed and existing.get(pointer, {}).get("candidate_id") == _s(source):
                repointed.add(pointer)
                operations.append(
                    {
                        "Update": {
                            "TableName": _table(),
                            "Key": {"PK": _s(pointer[0]), "SK": _s(pointer[1])},
                            "UpdateExpression": "SET candidate_id = :new",
                            "ConditionExpression": "candidate_id = :old",
                            "ExpressionAttributeValues": {":new": _s(survivor), ":old": _s(source)},
                        }
                    }
                )
    operations.append(
        {
            "Update": {
                "TableName": _table(),
                "Key": {"PK": _s(state.PK), "SK": _s(state.SK)},
                "UpdateExpression": "ADD steps :one, moved :moved, dropped :dropped",
                "ConditionExpression": "lease_owner = :owner AND phase = :moving",
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":moved": {"N": str(moved)},
                    ":dropped": {"N": str(dropped)},
                    ":owner": _s(owner),
                    ":moving": _s(MOVING),
                },
            }
        }
    )
    try:
        write(operations)
    except _client().exceptions.TransactionCanceledException as error:
        # Another request holds the merge now (our lease ran out) or moved these items first.
        raise _in_progress(survivor) from error
    state.moved = int(state.moved or 0) + moved
    state.dropped = int(state.dropped or 0) + dropped
    state.steps = int(state.steps or 0) + 1
    return True


def _carry_grant(survivor_pk: str, sk: str, item: dict[str, Any]) -> dict[str, Any]:
    """A manual grant on the dropped copy of a certification the survivor holds: the survivor gets it."""
    values = {":on": item["granted_on"]}
    expression = "SET granted_on = :on"
    if "granted_until" in item:
        values[":until"] = item["granted_until"]
        expression += ", granted_until = :until"
    return {
        "Update": {
            "TableName": _table(),
            "Key": {"PK": _s(survivor_pk), "SK": _s(sk)},
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(granted_on)",
            "ExpressionAttributeValues": values,
        }
    }


def _finish(state: MergeItem, case: SupportCaseItem, owner: str, now: datetime) -> None:
    """One transaction: tombstones, the case resolved, the audit item on the survivor."""
    survivor = state.survivor
    operator = Login(sub=state.operator_sub, username=state.operator_username, groups=frozenset())
    audit = audit_entry(
        survivor,
        "case_merge",
        state.case_id,
        state.reason,
        operator,
        now,
        before=f"{len(state.sources) + 1} records: {', '.join([survivor, *state.sources])}",
        after=f"merged into {survivor} ({int(state.moved)} items moved, {int(state.dropped)} duplicates dropped)",
    )
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.update(
                state,
                actions=[MergeItem.phase.set(FINISHING), MergeItem.finished_at.set(now)],
                condition=(MergeItem.lease_owner == owner) & (MergeItem.phase == MOVING),
            )
            transaction.update(
                case,
                actions=[
                    SupportCaseItem.status.set("resolved"),
                    SupportCaseItem.resolution.set("merged"),
                    SupportCaseItem.survivor.set(survivor),
                    SupportCaseItem.resolved_at.set(now),
                    SupportCaseItem.resolved_by.set(state.operator_username),
                    *_case_index(case, "resolved"),
                ],
                condition=SupportCaseItem.status == "open",
            )
            for source in state.sources:
                transaction.update(
                    CandidateItem(*CandidateItem.key(source)),
                    actions=[
                        CandidateItem.merged_into.set(survivor),
                        CandidateItem.merged_at.set(now),
                        CandidateItem.GSI1PK.remove(),
                        CandidateItem.GSI1SK.remove(),
                        CandidateItem.GSI3PK.remove(),
                        CandidateItem.GSI3SK.remove(),
                    ],
                    condition=CandidateItem.PK.exists() & CandidateItem.merged_into.does_not_exist(),
                )
            transaction.save(audit, condition=OperatorAuditItem.PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error):
            raise _in_progress(survivor) from None
        raise
    state.phase = FINISHING


def _case_index(case: SupportCaseItem, status: str) -> list[Any]:
    index = case_keys(status, case.created_at, case.case_id)
    return [SupportCaseItem.GSI1PK.set(index["GSI1PK"]), SupportCaseItem.GSI1SK.set(index["GSI1SK"])]


def _tell(state: MergeItem, case: SupportCaseItem, owner: str, now: datetime) -> bool:
    """Map the waiting login to the survivor (the mapping's own transaction) and email the candidate."""
    mapped, why = True, "yes"
    try:
        mapping.map_login(case.login_sub, case.login_username or "", state.survivor, now, method="merge")
    except Conflict as refused:
        mapped, why = False, f"no: {refused.code}"
    survivor = CandidateItem.get_candidate(state.survivor)
    if survivor is not None and survivor.email and not survivor.email_suppressed:
        email.send_template(
            survivor.email,
            "case_merged",
            {
                "language": personal.settings_of(survivor)["language"],
                "first_name": survivor.first_name,
                "case_id": state.case_id,
                "candidate_id": state.survivor,
                "mapped": mapped,
                "link": f"{get_settings().public_base_url}/app/",
            },
        )
    try:
        state.update(
            actions=[
                MergeItem.phase.set(DONE),
                MergeItem.login_mapped.set(why),
                MergeItem.lease_owner.remove(),
                MergeItem.lease_until.remove(),
            ],
            condition=(MergeItem.lease_owner == owner) & (MergeItem.phase == FINISHING),
        )
    except UpdateError as error:
        if condition_failed(error):
            raise _in_progress(state.survivor) from None
        raise
    return mapped
