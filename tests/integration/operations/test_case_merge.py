"""Support cases through the real handlers on moto: a duplicate-email case opened by the mapping
flow, listed, shown side by side and merged — every item moved (nothing left, nothing doubled),
pointers and links resolving to the survivor, the login mapped, one email, the case resolved and
audited; a merge interrupted half-way and resumed ends as an uninterrupted one; two merges at
once; bad input changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from certtrack import clock, keys
from certtrack.auth import Login
from certtrack.certifications.due import due_keys
from certtrack.certifications.models import (
    AgreementItem,
    CECreditItem,
    CertificationItem,
    ExamItem,
    RegistrationOwnerItem,
)
from certtrack.fulfillment.models import (
    FulfillmentItem,
    FulfillmentPointerItem,
    OrderItem,
    OrderPointerItem,
    TransactionItem,
)
from certtrack.identity.candidates import create_candidate
from certtrack.identity.models import AddressAttribute, CandidateItem, SettingsAuditItem, SupportCaseItem
from certtrack.identity.operator_audit import audit_entry
from certtrack.operations import audit, merge
from certtrack.settings import get_settings
from certtrack.transcripts.models import PUBLIC_GSI1SK, TranscriptItem
from certtrack.verification import VerificationItem

from tests.conftest import call, sent_emails

pytestmark = pytest.mark.usefixtures("aws")

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OPERATOR = {"sub": "sub-operator", "username": "olga", "groups": ["operators"]}


@pytest.fixture(autouse=True)
def _frozen() -> Iterator[None]:
    with clock.frozen(NOW):
        yield


class Scenario:
    """Two imported records sharing one address; the older one holds a history worth keeping."""

    def __init__(self, n: int) -> None:
        self.survivor, self.source = f"CSCO{n}0000001", f"CSCO{n}0000002"
        self.email = f"shared{n}@example.com"
        self.login_sub, self.username = f"sub-login-{n}", f"login{n}"
        letter = "ABCDEFGH"[n]
        self.cert_code, self.old_code, self.kit_code = letter * 10, letter * 9 + "2", letter * 9 + "3"
        self.registration = f"REG{n}00001"
        self.public_id = f"public-{n}-" + "x" * 20
        self.case_id = ""
        self.source_sks: set[str] = set()

    def ids(self) -> dict[str, str]:
        """Everything that differs between two scenarios, to compare their end states."""
        return {
            self.survivor: "<survivor>",
            self.source: "<source>",
            self.email: "<email>",
            self.login_sub: "<login>",
            self.username: "<username>",
            self.cert_code: "<cert code>",
            self.old_code: "<old code>",
            self.kit_code: "<kit code>",
            self.registration: "<registration>",
            self.public_id: "<public id>",
            self.case_id: "<case>",
        }

    def seed(self) -> None:
        create_candidate(self.survivor, first_name="Robin", last_name="Shared", email=self.email, now=NOW)
        create_candidate(self.source, first_name="Robin", last_name="Shared", email=self.email, now=NOW)
        pk = keys.candidate_pk(self.source)
        ExamItem(
            pk,
            keys.exam_sk(self.registration),
            candidate_id=self.source,
            exam_code="200-301",
            exam_name="CCNA",
            registration_number=self.registration,
            grade="Pass",
            exam_date=date(2026, 3, 1),
            GSI1PK=keys.registration_gsi(self.registration),
            GSI1SK=pk,
        ).save()
        RegistrationOwnerItem(
            *RegistrationOwnerItem.key(self.registration),
            candidate_id=self.source,
            registration_number=self.registration,
        ).save()
        for i in range(7):  # more than one small batch
            credit = CECreditItem(
                pk,
                keys.ce_sk(f"ext-{i}"),
                candidate_id=self.source,
                external_id=f"ext-{i}",
                activity_name=f"Course {i}",
                provider_name="Academy",
                points=5,
                active_date=date(2026, 1, 1),
                inactive_date=date(2029, 1, 1),
            )
            credit.GSI2PK, credit.GSI2SK = due_keys(pk, credit.SK, "CE:inactive", date(2029, 1, 1))
            credit.save()
        AgreementItem(
            pk, keys.agreement_sk("ccna-1"), candidate_id=self.source, name="CCNA agreement", active_date="2026-03-01"
        ).save()
        cert = CertificationItem(
            pk,
            keys.cert_sk("ccna"),
            candidate_id=self.source,
            cert_id="ccna",
            status="active",
            started=date(2026, 3, 1),
            active_date=date(2026, 3, 1),
            expiration_date=date(2029, 3, 1),
            first_earned=date(2026, 3, 1),
            verification_code=self.cert_code,
        )
        cert.save()
        for code in (self.cert_code, self.old_code):  # the old code: an earlier period's certificate
            VerificationItem(
                keys.verify_pk(code),
                keys.VERIFY,
                code=code,
                kind="certificate",
                candidate_id=self.source,
                target_sk=cert.SK,
                cert_id="ccna",
            ).save()
        fid, oid = f"F-{self.source}", f"O-{self.source}"
        OrderItem(
            pk,
            keys.order_sk(oid),
            candidate_id=self.source,
            order_id=oid,
            lines=[],
            total_cents=0,
            currency="USD",
            status="queued",
            created_at=NOW,
            ship_to=AddressAttribute(
                first_name="Robin",
                last_name="Shared",
                email=self.email,
                address1="1 Main St",
                city="Oslo",
                postal_code="0150",
                country="NO",
            ),
        ).save()
        FulfillmentItem(
            pk,
            keys.fulfillment_sk(fid),
            candidate_id=self.source,
            fulfillment_id=fid,
            order_id=oid,
            sku="kit",
            name="CCNA kit",
            kind="kit",
            cert_id="ccna",
            verification_code=self.kit_code,
            status="queued",
            queued=NOW,
            GSI1PK=keys.kits_gsi("queued"),
            GSI1SK=keys.kits_gsi_sk(NOW.isoformat(), fid),
        ).save()
        FulfillmentPointerItem(
            keys.fulfillment_pk(fid),
            keys.FULFILLMENT_POINTER,
            candidate_id=self.source,
            fulfillment_id=fid,
            order_id=oid,
        ).save()
        VerificationItem(
            keys.verify_pk(self.kit_code),
            keys.VERIFY,
            code=self.kit_code,
            kind="fulfillment",
            candidate_id=self.source,
            target_sk=keys.fulfillment_sk(fid),
            cert_id="ccna",
        ).save()
        OrderPointerItem(keys.order_pk(oid), keys.ORDER_POINTER, candidate_id=self.source, order_id=oid).save()
        TransactionItem(
            pk,
            keys.transaction_sk("2026-03-02T00:00:00Z", "T1"),
            candidate_id=self.source,
            txn_id="T1",
            order_id=oid,
            date=NOW,
            description="CCNA kit",
            amount_cents=0,
            currency="USD",
            status="complete",
        ).save()
        TranscriptItem(
            pk,
            keys.transcript_sk("TR1"),
            candidate_id=self.source,
            transcript_id="TR1",
            public_id=self.public_id,
            display_name="Robin Shared",
            expires_on=date(2027, 1, 1),
            include="active",
            created_at=NOW,
            updated_at=NOW,
            GSI1PK=keys.public_transcript_gsi(self.public_id),
            GSI1SK=PUBLIC_GSI1SK,
        ).save()
        SettingsAuditItem(
            pk,
            keys.audit_sk("2026-03-01T00:00:00Z", "email_notifications"),
            candidate_id=self.source,
            field="email_notifications",
            new_value=True,
            changed_at=NOW,
        ).save()
        operator = Login(sub="sub-earlier", username="earlier", groups=frozenset({"operators"}))
        audit_entry(self.source, "kit_sent", fid, "shipped", operator, datetime(2026, 4, 1, tzinfo=UTC)).save()
        self.source_sks = {item.SK for item in CandidateItem.query(pk)} - {keys.PROFILE}
        prefixes = {sk.split("#")[0] + "#" for sk in self.source_sks}
        assert prefixes == {
            keys.EXAM_PREFIX,
            keys.CE_PREFIX,
            keys.AGREEMENT_PREFIX,
            keys.CERT_PREFIX,
            keys.ORDER_PREFIX,
            keys.FULFILLMENT_PREFIX,
            keys.TRANSACTION_PREFIX,
            keys.TRANSCRIPT_PREFIX,
            keys.AUDIT_PREFIX,
            keys.OPERATOR_AUDIT_PREFIX,
        }

    def moved_sks(self) -> set[str]:
        return self.source_sks

    def ask(self) -> str:
        """The candidate's new login maps by the shared address: the real mapping flow opens the case."""
        status, body, _ = call(
            "auth_mapping",
            "POST",
            "/mapping/email",
            body={"email": self.email},
            sub=self.login_sub,
            username=self.username,
        )
        assert status == 202, body
        [notice] = [m for m in sent_emails() if m["to"] == self.email]
        self.case_id = notice["subject"].split("support case ")[1].split()[0]
        return self.case_id


def merge_call(case_id: str, body: Any, **who: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("operations", "POST", f"/ops/support-cases/{case_id}/merge", body=body, **(who or OPERATOR))


def table_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=get_settings().table_name, ConsistentRead=True):
        items += page["Items"]
    return items


def snapshot(scenario: Scenario) -> list[str]:
    """The scenario's items with its own ids replaced (job markers and their ids left out)."""
    out = []
    ids = scenario.ids()
    for item in table_items():
        item.pop("GSI2PK", None)  # a shard of the item's key: differs with the ids (checked on its own)
        if item["SK"]["S"] == keys.MERGE:
            item.pop("steps")  # an interrupted merge took smaller steps
        text = json.dumps(item, sort_keys=True)
        if not any(value in text for value in ids) or item["PK"]["S"].startswith("JOB#"):
            continue
        for value, name in sorted(ids.items(), key=lambda pair: -len(pair[0])):
            text = text.replace(value, name)
        normalized = json.loads(text)
        for value in normalized.values():
            if "SS" in value:
                value["SS"].sort()  # a set: its order is not stored
        out.append(json.dumps(normalized, sort_keys=True))
    return sorted(out)


@pytest.fixture
def scenario() -> Scenario:
    s = Scenario(1)
    s.seed()
    s.ask()
    return s


def test_the_queue_lists_the_case_and_shows_its_records_side_by_side(scenario: Scenario) -> None:
    status, body, _ = call("operations", "GET", "/ops/support-cases", query={"status": "open"}, **OPERATOR)
    assert status == 200, body
    [listed] = body["items"]
    assert listed["case_id"] == scenario.case_id
    assert listed["reason"] == "duplicate_email" and listed["status"] == "open"
    assert listed["candidate_ids"] == [scenario.survivor, scenario.source]
    status, detail, _ = call("operations", "GET", f"/ops/support-cases/{scenario.case_id}", **OPERATOR)
    assert status == 200, detail
    assert detail["login_username"] == scenario.username and detail["merge"] is None
    survivor, source = detail["records"]
    assert (survivor["candidate_id"], survivor["exams"], survivor["ce_credits"]) == (scenario.survivor, 0, 0)
    assert (source["exams"], source["ce_credits"], source["agreements"], source["kits"]) == (1, 7, 1, 1)
    assert (source["transactions"], source["transcripts"], source["audit_entries"]) == (1, 1, 1)
    assert [c["cert_id"] for c in source["certifications"]] == ["ccna"]
    assert call("operations", "GET", "/ops/support-cases", sub="sub-candidate", username="c")[0] == 403
    assert call("operations", "GET", "/ops/support-cases/SC-NOPE", **OPERATOR)[1]["code"] == "case_not_found"


def test_a_merge_moves_everything_to_the_survivor(scenario: Scenario) -> None:
    status, body, _ = merge_call(scenario.case_id, {"survivor": scenario.survivor})
    assert status == 200, body
    assert body["status"] == "resolved" and body["merged"] == [scenario.source] and body["login_mapped"] is True
    # Dropped: the source's pointer to this case (``CAND#<id>/CASE#<case>``), which the survivor holds too.
    assert (body["moved"], body["dropped"]) == (len(scenario.moved_sks()), 1)

    source_items = list(CandidateItem.query(keys.candidate_pk(scenario.source)))
    assert [item.SK for item in source_items] == [keys.PROFILE]
    tombstone = CandidateItem.get_candidate(scenario.source)
    assert tombstone is not None and tombstone.merged_into == scenario.survivor
    assert tombstone.GSI1PK is None and tombstone.GSI3PK is None
    survivor_sks = {item.SK for item in CandidateItem.query(keys.candidate_pk(scenario.survivor))}
    assert scenario.moved_sks() <= survivor_sks
    moved = list(CECreditItem.query(keys.candidate_pk(scenario.survivor), CECreditItem.SK.startswith(keys.CE_PREFIX)))
    assert len(moved) == 7 and {c.candidate_id for c in moved} == {scenario.survivor}
    for credit in moved:
        assert due_keys(credit.PK, credit.SK, "CE:inactive", date(2029, 1, 1)) == (credit.GSI2PK, credit.GSI2SK)

    # Pointers and indexes follow.
    owner = RegistrationOwnerItem.get(*RegistrationOwnerItem.key(scenario.registration))
    assert owner.candidate_id == scenario.survivor
    [exam] = ExamItem.lookup_index.query(keys.registration_gsi(scenario.registration))
    assert (
        isinstance(exam, ExamItem)
        and exam.candidate_id == scenario.survivor
        and keys.candidate_pk(scenario.survivor) == exam.GSI1SK
    )
    by_email = CandidateItem.lookup_index.query(keys.email_gsi(scenario.email))
    assert [c.candidate_id for c in by_email if isinstance(c, CandidateItem)] == [scenario.survivor]
    assert (
        OrderPointerItem.get(keys.order_pk(f"O-{scenario.source}"), keys.ORDER_POINTER).candidate_id
        == scenario.survivor
    )
    fulfillment = FulfillmentPointerItem.get(keys.fulfillment_pk(f"F-{scenario.source}"), keys.FULFILLMENT_POINTER)
    assert fulfillment.candidate_id == scenario.survivor
    for code in (scenario.cert_code, scenario.kit_code):
        assert VerificationItem.get(keys.verify_pk(code), keys.VERIFY).candidate_id == scenario.survivor

    # Codes (also an old period's, which no item names) and the public link resolve to the survivor.
    for code in (scenario.cert_code, scenario.old_code):
        status, verified, _ = call(
            "certifications", "GET", f"/public/verify/{code}", headers={"Accept": "application/json"}
        )
        assert status == 200, verified
        assert verified["status"] == "active" and verified["holder"]["last_name"] == "Shared"
    status, page, _ = call(
        "transcripts", "GET", f"/public/transcripts/{scenario.public_id}", headers={"Accept": "application/json"}
    )
    assert status == 200, page
    [transcript] = TranscriptItem.lookup_index.query(keys.public_transcript_gsi(scenario.public_id))
    assert keys.candidate_pk(scenario.survivor) == transcript.PK

    # The login is mapped, the candidate told once, the case resolved, the merge audited.
    status, me, _ = call("auth_mapping", "GET", "/me", sub=scenario.login_sub, username=scenario.username)
    assert me["mapped"] is True and me["candidate_id"] == scenario.survivor
    told = [m for m in sent_emails() if "resolved" in m["subject"]]
    assert len(told) == 1 and told[0]["to"] == scenario.email and scenario.survivor in told[0]["text"]
    case = SupportCaseItem.get(keys.case_pk(scenario.case_id), keys.CASE)
    assert (case.status, case.resolution, case.survivor, case.GSI1PK) == (
        "resolved",
        "merged",
        scenario.survivor,
        keys.cases_gsi("resolved"),
    )
    assert call("operations", "GET", "/ops/support-cases", **OPERATOR)[1]["items"] == []
    resolved = call("operations", "GET", "/ops/support-cases", query={"status": "resolved"}, **OPERATOR)[1]
    assert [c["case_id"] for c in resolved["items"]] == [scenario.case_id]
    trail = audit.candidate_audit(scenario.survivor)
    assert [e.action for e in trail] == ["case_merge", "kit_sent"]
    assert trail[0].operator == "olga" and trail[0].target == scenario.case_id
    assert trail[1].candidate_id == scenario.survivor  # the source's audit moved with its record

    # A second click: resolved, nothing more happens.
    status, again, _ = merge_call(scenario.case_id, {"survivor": scenario.survivor})
    assert status == 409 and again["code"] == "case_resolved"
    assert len([m for m in sent_emails() if "resolved" in m["subject"]]) == 1


def test_an_interrupted_merge_resumes_to_the_same_end_state(monkeypatch: pytest.MonkeyPatch) -> None:
    straight = Scenario(1)
    straight.seed()
    straight.ask()
    assert merge_call(straight.case_id, {"survivor": straight.survivor})[0] == 200

    interrupted = Scenario(2)
    interrupted.seed()
    interrupted.ask()
    monkeypatch.setattr(merge, "BATCH_ITEMS", 2)
    real_write = merge.write
    calls: list[int] = []

    def crash_after_three(items: list[dict[str, Any]]) -> None:
        calls.append(len(items))
        if len(calls) == 4:
            raise RuntimeError("the function stopped here")
        real_write(items)

    monkeypatch.setattr(merge, "write", crash_after_three)
    operator = Login(sub="sub-operator", username="olga", groups=frozenset({"operators"}))
    with pytest.raises(RuntimeError):
        merge.merge_case(interrupted.case_id, merge.MergeRequest(survivor=interrupted.survivor), operator, NOW)
    state = merge.read_state(interrupted.case_id)
    assert state is not None and state.phase == merge.MOVING and state.lease_owner is None
    assert int(state.moved) + int(state.dropped) == 6  # three batches of two
    left = list(CandidateItem.query(keys.candidate_pk(interrupted.source)))
    assert 1 < len(left) < len(interrupted.moved_sks()) + 1  # half-way: some items moved, some not
    assert SupportCaseItem.get(keys.case_pk(interrupted.case_id), keys.CASE).status == "open"

    monkeypatch.setattr(merge, "write", real_write)
    status, body, _ = merge_call(interrupted.case_id, {"survivor": interrupted.survivor})
    assert status == 200, body
    assert body["moved"] == len(interrupted.moved_sks()) and body["dropped"] == 1  # the shared case pointer
    assert snapshot(interrupted) == snapshot(straight)
    told = [m for m in sent_emails() if "resolved" in m["subject"] and m["to"] == interrupted.email]
    assert len(told) == 1


def test_two_merges_at_once_one_runs_the_other_is_told(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> None:
    real_write = merge.write
    answers: list[tuple[int, Any]] = []

    def second_click_meanwhile(items: list[dict[str, Any]]) -> None:
        if not answers:
            for survivor in (scenario.survivor, scenario.source):
                status, body, _ = merge_call(scenario.case_id, {"survivor": survivor})
                answers.append((status, body["code"]))
        real_write(items)

    monkeypatch.setattr(merge, "write", second_click_meanwhile)
    status, body, _ = merge_call(scenario.case_id, {"survivor": scenario.survivor})
    assert status == 200, body
    assert answers == [(409, "merge_in_progress"), (409, "merge_in_progress")]
    me = call("auth_mapping", "GET", "/me", sub=scenario.login_sub, username=scenario.username)[1]
    assert me["candidate_id"] == scenario.survivor
    assert len([m for m in sent_emails() if "resolved" in m["subject"]]) == 1


def test_bad_merges_change_nothing(scenario: Scenario) -> None:
    single = SupportCaseItem(
        keys.case_pk("SC-SINGLE"),
        keys.CASE,
        case_id="SC-SINGLE",
        reason="mapping_disputed",
        status="open",
        candidate_ids={scenario.survivor},
        login_sub="sub-x",
        created_at=NOW,
        last_requested_at=NOW,
    )
    single.save()
    before = table_items()
    cases = [
        ("SC-UNKNOWN", {"survivor": scenario.survivor}, 404, "case_not_found"),
        (scenario.case_id, {"survivor": "CSCO99999999"}, 422, "survivor_not_in_case"),
        ("SC-SINGLE", {"survivor": scenario.survivor}, 409, "merge_into_itself"),
        (scenario.case_id, {}, 422, None),
        (scenario.case_id, {"survivor": scenario.survivor, "extra": 1}, 422, None),
        (scenario.case_id, {"survivor": scenario.survivor, "reason": "   "}, 422, None),
    ]
    for case_id, body, expected, code in cases:
        status, answer, _ = merge_call(case_id, body)
        assert status == expected, (case_id, body, answer)
        if code:
            assert answer["code"] == code
    assert merge_call(scenario.case_id, {"survivor": scenario.survivor}, sub="sub-c", username="c")[0] == 403
    assert call("operations", "POST", f"/ops/support-cases/{scenario.case_id}/merge", body={"survivor": "x"})[0] == 401
    key = lambda item: (item["PK"]["S"], item["SK"]["S"])  # noqa: E731 - a sort key
    assert sorted(table_items(), key=key) == sorted(before, key=key)


def test_a_resolved_case_is_not_merged(scenario: Scenario) -> None:
    status, closed, _ = call(
        "operations", "POST", f"/ops/support-cases/{scenario.case_id}/close", body={"note": "Two people."}, **OPERATOR
    )
    assert status == 200, closed
    before = table_items()
    status, body, _ = merge_call(scenario.case_id, {"survivor": scenario.survivor})
    assert status == 409 and body["code"] == "case_resolved"
    assert len(table_items()) == len(before)
