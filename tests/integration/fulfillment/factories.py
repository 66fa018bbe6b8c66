"""Records for fulfillment integration tests, built through the domain models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from certtrack import keys
from certtrack.db import TableItem
from certtrack.fulfillment.shipping import ShippingAddress, save_address

from tests.factories import certification as certification  # test_faults and test_observability import it here
from tests.unit.fulfillment.factories import address_body


def shipping_address(candidate_id: str, **overrides: Any) -> ShippingAddress:
    return save_address(
        candidate_id, ShippingAddress.model_validate(address_body(**overrides)), datetime(2026, 1, 2, tzinfo=UTC)
    )


def partition_sks(candidate_id: str) -> list[str]:
    """Every sort key in the candidate's partition (test inspection only)."""
    return sorted(item.SK for item in TableItem.query(keys.candidate_pk(candidate_id), consistent_read=True))


def table_pks(prefix: str) -> list[str]:
    """Partition keys starting with ``prefix`` across the table (a Scan: tests only)."""
    import boto3
    from certtrack.settings import get_settings

    client = boto3.client("dynamodb")
    pages = client.get_paginator("scan").paginate(TableName=get_settings().table_name)
    return sorted(item["PK"]["S"] for page in pages for item in page["Items"] if item["PK"]["S"].startswith(prefix))
