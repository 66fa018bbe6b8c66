"""One answer to "was this write refused by its condition?", for single writes and transactions."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from certtrack.db import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes, condition_failed, raw_map
from pynamodb.attributes import BooleanAttribute, MapAttribute
from pynamodb.exceptions import (
    CancellationReason,
    DeleteError,
    PutError,
    TransactWriteError,
    UpdateError,
    VerboseClientError,
)


def _cause(code: str, operation: str = "PutItem") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "x"}}, operation)


def _cancelled(*codes: str | None) -> TransactWriteError:
    reasons = [CancellationReason(code=code) if code else None for code in codes]
    cause = VerboseClientError(
        {"Error": {"Code": "TransactionCanceledException", "Message": "x"}},
        "TransactWriteItems",
        cancellation_reasons=reasons,
    )
    return TransactWriteError("cancelled", cause=cause)


@pytest.mark.parametrize("error_type", [PutError, UpdateError, DeleteError])
def test_a_single_write_failed_its_condition_only_on_that_code(error_type: type[PutError]) -> None:
    assert condition_failed(error_type(cause=_cause("ConditionalCheckFailedException")))
    assert not condition_failed(error_type(cause=_cause("ProvisionedThroughputExceededException")))
    assert not condition_failed(error_type(cause=None))


def test_a_transaction_failed_a_condition_when_any_item_did() -> None:
    error = _cancelled(None, CONDITION_FAILED, None)
    assert condition_failed(error) and cancellation_codes(error) == [None, CONDITION_FAILED, None]
    conflict = _cancelled(TRANSACTION_CONFLICT, None)
    assert not condition_failed(conflict) and cancellation_codes(conflict) == [TRANSACTION_CONFLICT, None]


def test_a_transaction_that_was_not_cancelled_has_no_reasons() -> None:
    throttled = TransactWriteError("throttled", cause=_cause("ThrottlingException", "TransactWriteItems"))
    assert cancellation_codes(throttled) == [] and not condition_failed(throttled)


def test_raw_map_reads_map_attributes_dicts_and_absence() -> None:
    class Settings(MapAttribute[str, object]):
        a = BooleanAttribute(null=True)

    assert raw_map(None) == {}
    assert raw_map({"a": 1}) == {"a": 1}
    assert raw_map(Settings(a=True)) == {"a": True}
