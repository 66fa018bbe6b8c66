"""The single DynamoDB table: base PynamoDB model, indexes and its definition.

Each domain module declares its own item model by subclassing :class:`TableItem`;
they all live in one table and share the key attributes and indexes declared
here once. ``TABLE_DEFINITION`` mirrors ``template.yaml`` and is what the local
runtime and the tests create.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any, ClassVar, Self, cast

from pynamodb.attributes import Attribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.constants import STRING
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator

from certtrack.settings import get_settings

_settings = get_settings()


class DateAttribute(Attribute[date]):
    """A calendar day, stored as the ``YYYY-MM-DD`` string it always was; read as a ``date``."""

    attr_type = STRING

    def serialize(self, value: date) -> str:
        if isinstance(value, datetime):  # a datetime is a date too, but would store its time
            raise TypeError(f"a day, not an instant: {value!r}")
        return value.isoformat()

    def deserialize(self, value: str) -> date:
        return date.fromisoformat(value)


class LookupIndex(GlobalSecondaryIndex["TableItem"]):
    """GSI1: alternate keys (email, registration number, public transcript id)."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    GSI1PK = UnicodeAttribute(hash_key=True)
    GSI1SK = UnicodeAttribute(range_key=True)


class NameIndex(GlobalSecondaryIndex["TableItem"]):
    """GSI3: candidates by folded name (operators' lookup), ``NAME#<first two letters of the last name>``."""

    class Meta:
        index_name = "GSI3"
        projection = AllProjection()

    GSI3PK = UnicodeAttribute(hash_key=True)
    GSI3SK = UnicodeAttribute(range_key=True)


class DueIndex(GlobalSecondaryIndex["TableItem"]):
    """GSI2: items with work due on a date, sharded by ``DUE#<n>``."""

    class Meta:
        index_name = "GSI2"
        projection = KeysOnlyProjection()

    GSI2PK = UnicodeAttribute(hash_key=True)
    GSI2SK = UnicodeAttribute(range_key=True)


class TableItem(Model):
    """Base of every item model: keys, indexes, TTL and the table's Meta."""

    class Meta:
        table_name = _settings.table_name
        region = _settings.region
        # Short timeouts and few retries: a Lambda behind API Gateway has 29 s.
        connect_timeout_seconds = 2
        read_timeout_seconds = 5
        max_retry_attempts = 3

    PK = UnicodeAttribute(hash_key=True)
    SK = UnicodeAttribute(range_key=True)
    GSI1PK = UnicodeAttribute(null=True)
    GSI1SK = UnicodeAttribute(null=True)
    GSI2PK = UnicodeAttribute(null=True)
    GSI2SK = UnicodeAttribute(null=True)
    GSI3PK = UnicodeAttribute(null=True)
    GSI3SK = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # TTL (epoch seconds); cleanup only

    # No index instances here: PynamoDB binds an index to one model class, so a model
    # that queries GSI1/GSI2 declares its own ``lookup_index = LookupIndex()`` /
    # ``due_index = DueIndex()`` and gets its own item type back.

    # The sort key of this item type: an exact SK (``"PROFILE"``) or, ending in ``#``, an SK prefix
    # (``"CERT#"``). Declared by the types read through :func:`query_partition`.
    sort_key: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # PynamoDB caches the connection in a class attribute, and a subclass would inherit
        # TableItem's (made once TableItem itself was used) whose schema knows no index: GSI
        # queries would then fail with "has no index", depending on which model ran first.
        super().__init_subclass__(**kwargs)
        cls._connection = None
        if "sort_key" in cls.__dict__ and cls.sort_key is not None:
            _register(cls.sort_key, cls)

    @classmethod
    def from_raw_data(cls, data: dict[str, Any]) -> Self:
        """On the base, the item as the model its sort key names (the base itself for an unknown SK)."""
        if cls is TableItem:
            return cast(Self, super(TableItem, item_type(data["SK"]["S"])).from_raw_data(data))
        return super().from_raw_data(data)


# Item types by sort key: exact SKs, and prefixes (``"CERT#"``) looked up by the SK's first segment.
_BY_SK: dict[str, type[TableItem]] = {}


def _register(sort_key: str, model: type[TableItem]) -> None:
    if sort_key.count("#") > 1 or ("#" in sort_key and not sort_key.endswith("#")):
        raise TypeError(f"{model.__name__}.sort_key must be an exact SK or one 'NAME#' prefix: {sort_key!r}")
    taken = _BY_SK.get(sort_key)
    # The same class again (its module imported a second time) replaces itself; another one is a mistake.
    if taken is not None and (taken.__module__, taken.__qualname__) != (model.__module__, model.__qualname__):
        raise TypeError(f"sort key {sort_key!r} is {taken.__name__}'s already, not {model.__name__}'s")
    _BY_SK[sort_key] = model


def item_type(sk: str) -> type[TableItem]:
    """The model of the item with this sort key: an exact SK first, then its ``NAME#`` prefix."""
    model = _BY_SK.get(sk)
    if model is None and "#" in sk:
        model = _BY_SK.get(sk[: sk.index("#") + 1])
    return model or TableItem


def query_partition(
    pk: str, *, prefix: str | None = None, between: tuple[str, str] | None = None, consistent: bool = False
) -> Iterator[TableItem]:
    """The items of partition ``pk`` (all, those whose SK starts with ``prefix``, or SKs ``between``
    two bounds inclusive), each as its own model class: one Query, its pages followed.

    Items whose type is unknown here (its module not imported) come back as plain ``TableItem``.
    """
    condition: Condition | None = None
    if prefix is not None:
        condition = TableItem.SK.startswith(prefix)
    elif between is not None:
        condition = TableItem.SK.between(*between)
    return iter(TableItem.query(pk, condition, consistent_read=consistent))


def query_partition_raw(pk: str, *, consistent: bool = False) -> Iterator[dict[str, Any]]:
    """Every item of partition ``pk`` as DynamoDB holds it (attribute-value maps): one Query, its
    pages followed. For a reader that must see every attribute, also of types no model names (the
    candidate's data export); its model is :func:`item_type` of the SK. Everyone else reads models
    through :func:`query_partition`."""
    return iter(ResultIterator(TableItem._get_connection().query, (pk,), {"consistent_read": consistent}))


# Cancellation reason codes of a TransactWriteItems, one per item in the order written.
CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    """Why each item of a cancelled transaction failed (None: not this one); [] when it was not cancelled."""
    if error.cause_response_code != "TransactionCanceledException":
        return []
    return [reason.code if reason else None for reason in error.cancellation_reasons]


def condition_failed(error: PynamoDBException) -> bool:
    """Whether a write was refused because its condition did not hold: a Put, Update or Delete whose
    condition was false, or a transaction that a condition on any of its items cancelled."""
    if isinstance(error, TransactWriteError):
        return CONDITION_FAILED in cancellation_codes(error)
    return error.cause_response_code == "ConditionalCheckFailedException"


def raw_map(value: Any) -> dict[str, Any]:
    """A map attribute's value as a plain dict (``{}`` when absent)."""
    if value is None:
        return {}
    if hasattr(value, "as_dict"):
        return dict(value.as_dict())
    return dict(value)


def _gsi(name: str, pk: str, sk: str, projection: str) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": pk, "KeyType": "HASH"},
            {"AttributeName": sk, "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": projection},
    }


TABLE_DEFINITION: dict[str, Any] = {
    "AttributeDefinitions": [
        {"AttributeName": name, "AttributeType": "S"}
        for name in ("PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK")
    ],
    "KeySchema": [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ],
    "GlobalSecondaryIndexes": [
        _gsi("GSI1", "GSI1PK", "GSI1SK", "ALL"),
        _gsi("GSI2", "GSI2PK", "GSI2SK", "KEYS_ONLY"),
        _gsi("GSI3", "GSI3PK", "GSI3SK", "ALL"),
    ],
    "BillingMode": "PAY_PER_REQUEST",
}


def create_table(client: Any, table_name: str) -> None:
    """Create the table (local runtime and tests); a no-op when it exists."""
    existing = client.list_tables().get("TableNames", [])
    if table_name in existing:
        return
    client.create_table(TableName=table_name, **TABLE_DEFINITION)
    client.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )


@lru_cache(maxsize=1)
def transactions_connection() -> Connection:
    """One PynamoDB connection for every transaction, kept while the function is warm.

    A new ``Connection`` makes a new botocore client on first use, which parses the DynamoDB
    service model again (0.3 to 0.8 s here): on every request, that would be most of its time.
    """
    return Connection(region=get_settings().region)


def reset_clients_for_tests() -> None:
    transactions_connection.cache_clear()
