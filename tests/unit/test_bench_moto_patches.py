"""The benches' moto patches (``bench.moto_patches``) answer exactly what moto answers without them:
the same items in the same order, counts, ``LastEvaluatedKey`` and pages, for table and index
Queries; the same table after a transaction that succeeds and after one that is cancelled."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

import boto3
import pytest
from moto import mock_aws

from bench.moto_patches import partitioned_moto

TABLE = "patches"


def _create(client: Any) -> None:
    def gsi(name: str, projection: str) -> dict[str, Any]:
        return {
            "IndexName": name,
            "KeySchema": [
                {"AttributeName": f"{name}PK", "KeyType": "HASH"},
                {"AttributeName": f"{name}SK", "KeyType": "RANGE"},
            ],
            "Projection": {"ProjectionType": projection},
        }

    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": name, "AttributeType": "S"}
            for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "LSISK")
        ],
        GlobalSecondaryIndexes=[gsi("GSI1", "ALL"), gsi("GSI2", "KEYS_ONLY")],
        LocalSecondaryIndexes=[
            {
                "IndexName": "LSI",
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "LSISK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )


def _seed(client: Any) -> None:
    """300 items in 20 partitions; GSI1 has 5 partitions, GSI2 4 with equal sort keys across table
    partitions (ties broken by the table's keys), and some items are on no index at all."""
    items = []
    for n in range(300):
        item: dict[str, Any] = {
            "PK": {"S": f"P#{n % 20:02d}"},
            "SK": {"S": f"S#{(n * 7919) % 300:04d}"},
            "n": {"N": str(n)},
            "body": {"S": "x" * (n % 50)},
            "LSISK": {"S": f"L#{(n * 31) % 17:03d}"},
        }
        if n % 10 == 0:  # every kind of attribute value (the serializer's shortcut takes some, not all)
            item.update(
                {
                    "b": {"B": bytes([n % 256, 0, 255])},
                    "ss": {"SS": [f"s{n}", "t"]},
                    "ns": {"NS": [str(n), "1.50"]},
                    "bs": {"BS": [b"x", bytes([n % 256])]},
                    "m": {"M": {"k": {"S": "v"}, "n": {"N": "2"}, "l": {"L": [{"BOOL": False}, {"NULL": True}]}}},
                    "l": {"L": [{"S": ""}, {"N": "-0.5"}, {"M": {}}, {"SS": ["a"]}]},
                    "nul": {"NULL": True},
                    "yes": {"BOOL": True},
                    "empty": {"S": ""},
                }
            )
        if n % 3:
            item["GSI1PK"], item["GSI1SK"] = {"S": f"G1#{n % 5}"}, {"S": f"{(n * 13) % 40:03d}"}
        if n % 4 != 1:
            item["GSI2PK"], item["GSI2SK"] = {"S": f"DUE#{n % 4}"}, {"S": f"2026-11-{1 + n % 9:02d}"}
        items.append({"PutRequest": {"Item": item}})
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={TABLE: items[start : start + 25]})


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        _create(dynamodb)
        _seed(dynamodb)
        yield dynamodb


def _pages(client: Any, **query: Any) -> list[dict[str, Any]]:
    """Every page of the Query (following ``LastEvaluatedKey``), without the response metadata."""
    pages = []
    while True:
        page = client.query(TableName=TABLE, **query)
        page.pop("ResponseMetadata")
        pages.append(page)
        if "LastEvaluatedKey" not in page:
            return pages
        query = {**query, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def _values(**values: str) -> dict[str, Any]:
    return {f":{name}": {"S": value} for name, value in values.items()}


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": _values(p="P#03")},
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": _values(p="P#03"), "Limit": 4},
    {
        "KeyConditionExpression": "PK = :p AND begins_with(SK, :s)",
        "ExpressionAttributeValues": _values(p="P#07", s="S#01"),
        "ScanIndexForward": False,
        "Limit": 3,
    },
    {"KeyConditionExpression": "PK = :p", "ExpressionAttributeValues": _values(p="P#99")},
    {"IndexName": "GSI1", "KeyConditionExpression": "GSI1PK = :p", "ExpressionAttributeValues": _values(p="G1#2")},
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p",
        "ExpressionAttributeValues": _values(p="G1#2"),
        "Limit": 7,
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p AND GSI1SK BETWEEN :a AND :b",
        "ExpressionAttributeValues": _values(p="G1#1", a="005", b="030"),
        "ScanIndexForward": False,
        "Limit": 5,
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :p",
        "FilterExpression": "contains(body, :x)",
        "ProjectionExpression": "PK, SK, n",
        "ExpressionAttributeValues": _values(p="G1#4", x="xxxxxxxxxxxxxxxxxxxx"),
        "Limit": 6,
    },
    {
        "IndexName": "GSI2",
        "KeyConditionExpression": "GSI2PK = :p AND GSI2SK <= :d",
        "ExpressionAttributeValues": _values(p="DUE#2", d="2026-11-05"),
        "Limit": 9,
    },
    {"IndexName": "GSI2", "KeyConditionExpression": "GSI2PK = :p", "ExpressionAttributeValues": _values(p="DUE#9")},
    {
        "IndexName": "LSI",
        "KeyConditionExpression": "PK = :p AND LSISK > :l",
        "ExpressionAttributeValues": _values(p="P#11", l="L#004"),
        "Limit": 2,
    },
    {"IndexName": "GSI2", "KeyConditionExpression": "GSI2PK = :p", "ExpressionAttributeValues": {":p": {"N": "1"}}},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: f"{q.get('IndexName', 'table')}:{q['KeyConditionExpression']}")
def test_a_patched_query_answers_what_moto_answers(client: Any, query: dict[str, Any]) -> None:
    def answer() -> list[dict[str, Any]] | str:
        try:
            return _pages(client, **query)
        except client.exceptions.ClientError as error:
            return str(error)

    moto_own = answer()
    with partitioned_moto():
        patched = answer()
    assert patched == moto_own


def test_every_kind_of_value_reads_back_as_moto_answers_it(client: Any) -> None:
    keys = [_key(f"P#{n % 20:02d}", f"S#{(n * 7919) % 300:04d}") for n in range(0, 300, 10)]

    def answers() -> list[Any]:
        got = [client.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"] for key in keys]
        batch = client.batch_get_item(RequestItems={TABLE: {"Keys": keys[:10]}})["Responses"][TABLE]
        return [got, sorted(batch, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))]

    moto_own = answers()
    with partitioned_moto():
        patched = answers()
    assert patched == moto_own
    assert moto_own[0][3]["b"] == {"B": bytes([30, 0, 255])} and moto_own[0][3]["ns"]["NS"]


def test_the_queries_read_pages_and_items() -> None:
    """The cases above exercise paging and ties, not only one-page answers (the check above would
    pass on empty answers)."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        _create(dynamodb)
        _seed(dynamodb)
        with partitioned_moto():
            pages = _pages(dynamodb, **QUERIES[5])
        answers = [_pages(dynamodb, **query) for query in QUERIES]
    assert len(pages) > 2 and all(p["Count"] == 7 for p in pages[:-1])
    found = [sum(p["Count"] for p in answer) for answer in answers]
    assert [n == 0 for n in found] == [i in (3, 9, 11) for i in range(len(found))]  # P#99, DUE#9, a number: none
    assert sum(len(answer) > 1 for answer in answers) >= 5  # and most of the others page
    keys = [(i["GSI1SK"]["S"], i["PK"]["S"], i["SK"]["S"]) for p in pages for i in p["Items"]]
    assert keys == sorted(keys) and len({k[0] for k in keys}) < len(keys)  # ties on GSI1SK, in table-key order


def _table(client: Any) -> list[dict[str, Any]]:
    items = client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda i: (i["PK"]["S"], i["SK"]["S"]))


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


TRANSACTIONS: list[Callable[[], list[dict[str, Any]]]] = [
    # succeeds: a put (new), an update (ADD), a delete, a condition check
    lambda: [
        {"Put": {"TableName": TABLE, "Item": {**_key("P#01", "NEW"), "n": {"N": "1"}}}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": _key("P#00", "S#0000"),
                "UpdateExpression": "ADD n :one SET GSI1PK = :g",
                "ExpressionAttributeValues": {":one": {"N": "1"}, ":g": {"S": "G1#9"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": _key("P#02", "S#0002")}},
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": _key("P#03", "NONE"),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        },
    ],
    # cancelled by its last action: the put, the update and the delete before it are undone
    lambda: [
        {"Put": {"TableName": TABLE, "Item": {**_key("P#01", "NEW"), "n": {"N": "1"}}}},
        {"Put": {"TableName": TABLE, "Item": {**_key("P#01", "S#0001"), "n": {"N": "-1"}}}},
        {
            "Update": {
                "TableName": TABLE,
                "Key": _key("P#00", "S#0000"),
                "UpdateExpression": "ADD n :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        },
        {"Delete": {"TableName": TABLE, "Key": _key("P#02", "S#0002")}},
        {
            "ConditionCheck": {
                "TableName": TABLE,
                "Key": _key("P#03", "NONE"),
                "ConditionExpression": "attribute_exists(PK)",
            }
        },
    ],
    # refused: two actions on one item (moto rolls back the first)
    lambda: [
        {"Put": {"TableName": TABLE, "Item": {**_key("P#01", "NEW"), "n": {"N": "1"}}}},
        {"Delete": {"TableName": TABLE, "Key": _key("P#01", "NEW")}},
    ],
]


@pytest.mark.parametrize("transaction", TRANSACTIONS, ids=["succeeds", "cancelled", "same item twice"])
def test_a_patched_transaction_leaves_the_table_moto_leaves(transaction: Callable[[], list[dict[str, Any]]]) -> None:
    outcomes = []
    for patched in (False, True):
        with mock_aws():
            dynamodb: Any = boto3.client("dynamodb", region_name="us-east-1")
            _create(dynamodb)
            _seed(dynamodb)
            before = _table(dynamodb)
            with partitioned_moto() if patched else nullcontext():
                try:
                    dynamodb.transact_write_items(TransactItems=transaction())
                    error = None
                except dynamodb.exceptions.ClientError as refused:
                    error = refused.response["Error"]["Code"]
                after = _table(dynamodb)
                index = _pages(dynamodb, **QUERIES[4])
            outcomes.append((error, after, index, after == before))
    assert outcomes[1] == outcomes[0]
    error, _, _, unchanged = outcomes[0]
    assert unchanged == (error is not None)  # the cancelled ones change nothing, the other does
