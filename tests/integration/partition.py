"""The raw items of a candidate's partition, to show that a refused request changed nothing."""

from __future__ import annotations

from typing import Any

import boto3
from certtrack import keys
from certtrack.settings import get_settings


def partition_items(candidate_id: str) -> list[dict[str, Any]]:
    """Every item under ``CAND#<id>``, as DynamoDB holds it (one consistent Query, pages followed)."""
    pages = (
        boto3.client("dynamodb")
        .get_paginator("query")
        .paginate(
            TableName=get_settings().table_name,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": {"S": keys.candidate_pk(candidate_id)}},
            ConsistentRead=True,
        )
    )
    return sorted((item for page in pages for item in page["Items"]), key=lambda item: item["SK"]["S"])
