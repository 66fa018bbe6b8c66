"""moto's DynamoDB with DynamoDB's per-item atomicity: one item operation at a time.

moto reads and writes items as plain Python dicts without a lock. Two threads can both pass the
condition of a TransactWriteItems or a conditional UpdateItem, and a GetItem copying an item while
another thread updates it fails with "dictionary changed size during iteration". Real DynamoDB
does neither. The local runtime (moto's server answers on threads) and the concurrency tests run
every DynamoDB request, and every backend item operation, under one lock, so concurrent callers
race on our code (reads, conditions, retries) and never on moto's threads. The request's handler
is locked too, not only the backend: moto's UpdateItem copies the item it read (for its return
values) outside the backend's methods, and that copy met another thread's write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler

ITEM_OPERATIONS = (
    "get_item",
    "put_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "batch_get_item",
    "batch_write_item",
    "transact_get_items",
    "transact_write_items",
)


def serialised_operations() -> Iterator[tuple[type, str, Callable[..., Any]]]:
    """(class, name, wrapper): each DynamoDB request's handling and each item operation of moto's
    backend, wrapped in one shared (re-entrant) lock."""
    lock = threading.RLock()
    targets = [(DynamoHandler, "call_action"), *((DynamoDBBackend, name) for name in ITEM_OPERATIONS)]
    for owner, name in targets:
        original = getattr(owner, name)

        def serialised(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        yield owner, name, serialised


def install() -> None:
    """Serialise moto's DynamoDB for the rest of this process (the local runtime)."""
    for owner, name, operation in serialised_operations():
        setattr(owner, name, operation)
