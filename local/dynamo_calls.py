"""DynamoDB API calls made while inside a block, by operation, and the items they read.

:class:`DynamoCallCounter` counts on every DynamoDB client (PynamoDB's per model and per
transaction, boto3's, the idempotency layer's), so it also serves a per-route count:
``ddb.clear()`` before each request, ``ddb.total`` after it. The tests that hold a route to its
number of calls and the benches that print them (``bench/``) count the same way.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from botocore.client import BaseClient

READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})


def reads(calls: Mapping[str, int]) -> int:
    """Read calls among ``calls`` (by operation)."""
    return sum(n for op, n in calls.items() if op in READS)


def writes(calls: Mapping[str, int]) -> int:
    """Write calls among ``calls`` (by operation)."""
    return sum(n for op, n in calls.items() if op in WRITES)


@contextmanager
def count_dynamodb_calls() -> Iterator[Counter[str]]:
    """DynamoDB API calls by operation while inside: a :class:`DynamoCallCounter`'s ``calls``."""
    with DynamoCallCounter() as counter:
        yield counter.calls


class DynamoCallCounter:
    """DynamoDB API calls while inside, by operation (``calls``), and the items they read (``items``).

    ``items`` is keyed by index name (``"GSI1"``, ``"GSI2"``) or :attr:`TABLE` for reads of the
    table itself: ``Count`` of each Query and Scan, one per GetItem that found its item, each item
    of a BatchGetItem or TransactGetItems. Counted with botocore ``before-call.dynamodb.*`` and
    ``after-call.dynamodb.*`` events on the client of every PynamoDB model that exists on entry and
    on every DynamoDB client created while inside; the hooks come off on exit.
    """

    TABLE = "table"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items: Counter[str] = Counter()
        self._unique = f"dynamo-calls-{uuid.uuid4()}"
        self._clients: dict[int, Any] = {}
        self._index: str | None = None  # calls are sequential: ``after`` follows its ``before``
        self._patches = ExitStack()  # botocore's create_client, hooked while inside

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    @property
    def reads(self) -> int:
        return reads(self.calls)

    @property
    def writes(self) -> int:
        return writes(self.calls)

    def clear(self) -> None:
        self.calls.clear()
        self.items.clear()

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls[model.name] += 1
        if model.name in ("Query", "Scan"):
            body = params.get("body") or b"{}"  # the serialized request (JSON protocol)
            self._index = json.loads(body).get("IndexName")

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        if model.name in ("Query", "Scan"):
            self.items[self._index or self.TABLE] += int(parsed.get("Count", 0))
        elif model.name == "GetItem" and parsed.get("Item"):
            self.items[self.TABLE] += 1
        elif model.name == "BatchGetItem":
            self.items[self.TABLE] += sum(len(v) for v in parsed.get("Responses", {}).values())
        elif model.name == "TransactGetItems":
            self.items[self.TABLE] += sum(1 for r in parsed.get("Responses", []) if r.get("Item"))

    def _hook(self, client: Any) -> None:
        if id(client) not in self._clients:
            self._clients[id(client)] = client
            client.meta.events.register("before-call.dynamodb.*", self._before, unique_id=self._unique + "b")
            client.meta.events.register("after-call.dynamodb.*", self._after, unique_id=self._unique + "a")

    def __enter__(self) -> DynamoCallCounter:
        import botocore.session
        from certtrack.db import TableItem

        def models(base: type[Any]) -> Iterator[type[Any]]:
            yield base
            for sub in base.__subclasses__():
                yield from models(sub)

        for model in models(TableItem):
            self._hook(model._get_connection().connection.client)
        original = botocore.session.Session.create_client

        def create_client(
            session: botocore.session.Session, service_name: str, *args: Any, **kwargs: Any
        ) -> BaseClient:
            client = original(session, service_name, *args, **kwargs)
            if service_name == "dynamodb":
                self._hook(client)
            return client

        self._patches.enter_context(mock.patch.object(botocore.session.Session, "create_client", create_client))
        return self

    def __exit__(self, *_: object) -> None:
        self._patches.close()
        for client in self._clients.values():
            client.meta.events.unregister("before-call.dynamodb.*", unique_id=self._unique + "b")
            client.meta.events.unregister("after-call.dynamodb.*", unique_id=self._unique + "a")
        self._clients.clear()
