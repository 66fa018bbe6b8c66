"""A raw item read on the table base becomes the model its sort key names; days stay ``YYYY-MM-DD``
(no AWS involved)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications.models import CertificationItem, ExamItem
from certtrack.db import DateAttribute, TableItem, item_type
from certtrack.fulfillment.models import FulfillmentItem, FulfillmentPointerItem
from certtrack.identity.models import CandidateItem, ShippingAddressItem
from certtrack.transcripts.models import TranscriptItem


def _raw(sk: str, **values: str) -> dict[str, Any]:
    item = {"PK": {"S": keys.candidate_pk("C1")}, "SK": {"S": sk}}
    item.update({name: {"S": value} for name, value in values.items()})
    return item


@pytest.mark.parametrize(
    ("sk", "model"),
    [
        (keys.PROFILE, CandidateItem),
        (keys.cert_sk("ccna"), CertificationItem),
        (keys.exam_sk("REG-1"), ExamItem),
        (keys.SHIPPING, ShippingAddressItem),
        (keys.fulfillment_sk("F1"), FulfillmentItem),
        (keys.transcript_sk("T1"), TranscriptItem),
    ],
)
def test_the_sort_key_names_the_model(sk: str, model: type[TableItem]) -> None:
    assert item_type(sk) is model
    assert type(TableItem.from_raw_data(_raw(sk))) is model


def test_an_exact_sort_key_is_not_mistaken_for_a_prefix() -> None:
    # ``FULFILL`` (the pointer, exact) and ``FULFILL#…`` (a kit) share their first letters.
    assert item_type(keys.FULFILLMENT_POINTER) is not FulfillmentItem
    assert item_type(keys.fulfillment_sk("F1")) is FulfillmentItem
    assert FulfillmentPointerItem.sort_key is None


def test_the_attributes_are_the_models() -> None:
    item = TableItem.from_raw_data(_raw(keys.cert_sk("ccna"), cert_id="ccna", status="active"))
    assert isinstance(item, CertificationItem)
    assert (item.PK, item.SK, item.cert_id, item.status) == ("CAND#C1", "CERT#ccna", "ccna", "active")


def test_an_unknown_sort_key_stays_a_base_item() -> None:
    item = TableItem.from_raw_data(_raw("NOSUCHTYPE#1"))
    assert type(item) is TableItem
    assert (item.PK, item.SK) == ("CAND#C1", "NOSUCHTYPE#1")


def test_a_concrete_model_reads_as_itself() -> None:
    assert type(ExamItem.from_raw_data(_raw(keys.exam_sk("R")))) is ExamItem


def test_two_models_cannot_claim_one_sort_key() -> None:
    with pytest.raises(TypeError, match="CERT#"):

        class _Other(TableItem):
            sort_key = keys.CERT_PREFIX

    assert item_type(keys.cert_sk("x")) is CertificationItem


def test_a_sort_key_is_exact_or_one_prefix() -> None:
    with pytest.raises(TypeError, match="exact SK or one"):

        class _Nested(TableItem):
            sort_key = "A#B#"


def test_a_day_is_stored_as_the_iso_string_it_always_was() -> None:
    raw = _raw(keys.transcript_sk("T1"), expires_on="2026-12-31")
    item = TableItem.from_raw_data(raw)
    assert isinstance(item, TranscriptItem)
    assert item.expires_on == date(2026, 12, 31)
    assert item.serialize(null_check=False)["expires_on"] == {"S": "2026-12-31"}


def test_an_instant_is_not_a_day() -> None:
    with pytest.raises(TypeError, match="not an instant"):
        DateAttribute().serialize(datetime(2026, 12, 31, tzinfo=UTC))
