"""The record store's contract, held by the DynamoDB store (moto) and by the in-memory one the unit
tests use in its place: the same cases against both, so the fake cannot drift from the table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from certtrack import keys
from certtrack.certifications import due
from certtrack.certifications.expiry import expired_history
from certtrack.certifications.models import CertificationItem, HistoryItem
from certtrack.certifications.record_store import DynamoRecordStore, RecordStore, Write
from certtrack.identity.models import CandidateItem
from certtrack.settings import get_settings

from tests.factories import certification_item
from tests.fakes.certifications import InMemoryRecordStore
from tests.unit.certifications.items import CAND, credit, exam, profile


@pytest.fixture(params=["dynamodb", "memory"])
def store(request: pytest.FixtureRequest) -> RecordStore:
    if request.param == "dynamodb":
        request.getfixturevalue("aws")
        return DynamoRecordStore()
    return InMemoryRecordStore()


def put(store: RecordStore, *items: Any) -> None:
    writes: list[Write] = [("put", item) for item in items]
    store.write(writes)


def test_reads_a_slice_in_sort_key_order_each_item_as_its_model(store: RecordStore) -> None:
    other = "CSCO10000009"
    put(
        store,
        profile(),
        certification_item(CAND, "ccna"),
        exam(date(2024, 5, 10)),
        credit(date(2025, 1, 1), 5),
        certification_item(other, "ccna"),
    )

    whole = store.read(CAND, consistent=True)
    certs = store.read(CAND, prefix=keys.CERT_PREFIX)
    detail = store.read(CAND, between=(keys.CE_PREFIX, "HIST$"))

    assert whole.profile is not None and whole.profile.first_name == "John"
    assert (list(whole.certifications), len(whole.exams), len(whole.credits)) == (["ccna"], 1, 1)
    assert whole.exams[0].exam_date == date(2024, 5, 10) and whole.credits[0].inactive_date == date(2028, 1, 1)
    assert certs.profile is None and certs.exams == [] and list(certs.certifications) == ["ccna"]
    assert detail.profile is None and len(detail.exams) == 1 and len(detail.credits) == 1
    assert store.read("CSCO10000001").certifications == {}


def test_writes_puts_and_deletes_counting_batch_calls(store: RecordStore) -> None:
    items = [
        HistoryItem(
            keys.candidate_pk(CAND),
            keys.history_sk(f"2024-01-{n + 1:02d}", "x"),
            candidate_id=CAND,
            date=date(2024, 1, n + 1),
            event=f"event {n}",
        )
        for n in range(30)
    ]
    assert store.write([("put", item) for item in items]) == 2  # BatchWriteItem takes 25 a call
    assert len(store.read(CAND).history) == 30

    assert store.write([("delete", item) for item in items[:5]] + [("put", items[5])]) == 1
    assert [h.event for h in store.read(CAND).history][:2] == ["event 5", "event 6"]
    assert store.write([]) == 0


def test_a_sequence_counts_up_from_one(store: RecordStore) -> None:
    assert [store.next_number("ccie_number") for _ in range(3)] == [1, 2, 3]
    assert store.next_number("ccde_number") == 1


def test_an_attribute_is_set_once(store: RecordStore) -> None:
    put(store, profile())
    read = store.read(CAND).profile
    assert read is not None and read.attributes is None

    assert store.set_attribute(read, "ccie_number", "70001")
    assert not store.set_attribute(read, "ccie_number", "70002")  # read before the first was set
    again = store.read(CAND, consistent=True).profile
    assert again is not None and store.set_attribute(again, "ccde_number", "20250001")

    stored = store.read(CAND, consistent=True).profile
    assert stored is not None and stored.attributes is not None
    assert stored.attributes.as_dict() == {"ccie_number": "70001", "ccde_number": "20250001"}
    gone = CandidateItem(*CandidateItem.key("CSCO10000001"), candidate_id="CSCO10000001")
    assert not store.set_attribute(gone, "ccie_number", "1")


def test_a_grant_creates_the_record_or_keeps_its_standing(store: RecordStore) -> None:
    store.record_grant(CAND, "ccnp-enterprise", date(2025, 1, 1), date(2026, 1, 1))
    put(store, certification_item(CAND, "ccna"))
    store.record_grant(CAND, "ccna", date(2025, 2, 1), None)

    certs = store.read(CAND, consistent=True).certifications
    ccnp, ccna = certs["ccnp-enterprise"], certs["ccna"]
    assert (ccnp.status, ccnp.candidate_id, ccnp.granted_on, ccnp.granted_until) == (
        "in_progress",
        CAND,
        date(2025, 1, 1),
        date(2026, 1, 1),
    )
    assert (ccna.status, ccna.granted_on) == ("active", date(2025, 2, 1)) and ccna.granted_until is None
    store.record_grant(CAND, "ccnp-enterprise", date(2025, 1, 1), None)
    assert store.read(CAND, consistent=True).certifications["ccnp-enterprise"].granted_until is None


def test_days_are_stored_as_the_iso_strings_they_always_were(aws: None) -> None:
    DynamoRecordStore().write([("put", certification_item(CAND, "ccna", active_date=date(2024, 5, 10)))])

    raw = boto3.client("dynamodb").get_item(
        TableName=get_settings().table_name,
        Key={"PK": {"S": keys.candidate_pk(CAND)}, "SK": {"S": keys.cert_sk("ccna")}},
    )["Item"]

    assert raw["active_date"] == {"S": "2024-05-10"} and raw["first_earned"] == {"S": "2024-05-10"}
    assert isinstance(CertificationItem.from_raw_data(raw).active_date, date)


def test_a_due_certification_expires_once_and_only_while_still_due(store: RecordStore) -> None:
    item = certification_item(CAND, "ccna", active_date=date(2020, 1, 10), expiration_date=date(2023, 1, 10))
    due.set_due(item, due.EXPIRE, date(2023, 1, 11))
    put(store, item)
    assert item.GSI2SK is not None
    now = datetime(2023, 1, 11, 3, tzinfo=UTC)

    def expire(gsi2sk: str, expiry: date) -> bool:
        event = expired_history(CAND, "ccna", expiry)
        return store.expire_certification(CAND, "ccna", gsi2sk, expiry, now, event)

    assert not expire("2023-01-12#CERT:expire#elsewhere", date(2023, 1, 10))  # moved since it was read
    assert not expire(item.GSI2SK, date(2023, 1, 9))  # another period
    assert expire(item.GSI2SK, date(2023, 1, 10))
    assert not expire(item.GSI2SK, date(2023, 1, 10))  # a second run finds it done

    partition = store.read(CAND, consistent=True)
    ccna = partition.certifications["ccna"]
    assert (ccna.status, ccna.updated_at) == ("expired", now) and ccna.GSI2PK is None and ccna.GSI2SK is None
    assert [(h.SK, h.event) for h in partition.history] == [("HIST#2023-01-10#ccna:expired", "Expired")]
