"""What every bench script sets up: the environment, moto's AWS, and a DynamoDB call counter.

Call :func:`environment` before anything imports ``certtrack`` (settings are read at import):

    environment("functions/transcripts")           # sys.path: layers/shared, the repo, the code dir
    with aws_sandbox() as settings, DynamoCallCounter() as ddb:
        ...                                        # ddb.calls, ddb.items, ddb.reads, ddb.writes

:func:`aws_sandbox` makes what ``tests/conftest.py``'s ``aws`` fixture makes (the table via
``certtrack.db.create_table``, both buckets, the SES sender identity, the signing secret) and clears the cached boto3
clients around it. :class:`DynamoCallCounter` counts on every DynamoDB client (PynamoDB's per model
and per transaction, boto3's, the idempotency layer's), so it also serves a per-route count:
``ddb.clear()`` before each request, ``ddb.total`` after it.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

if TYPE_CHECKING:
    from botocore.client import BaseClient

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "TABLE_NAME": "certtrack-bench",
    "DOCUMENTS_BUCKET": "certtrack-bench-documents",
    "IMPORTS_BUCKET": "certtrack-bench-imports",
    "SENDER_EMAIL": "no-reply@certs.example.com",
    "PUBLIC_BASE_URL": "https://certs.example.com",
    "STAGE": "bench",
    "CANDIDATE_PREFIX": "CSCO",
    "SIGNING_SECRET_ARN": "certtrack-bench-signing",
    "PAYMENT_PROVIDER": "sandbox",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "CertTrack",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def environment(*code_dirs: str, **overrides: str) -> None:
    """Dummy AWS credentials and the settings' variables, unless already set; no endpoint override.

    ``sys.path`` gets the layer, the repository and each of ``code_dirs`` (relative to the
    repository, e.g. ``"functions/certifications"``: Lambda puts a function's code directory first).
    ``overrides`` replace entries of :data:`DEFAULTS` (a variable set outside still wins).
    """
    for name, value in {**DEFAULTS, **overrides}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    for path in (ROOT / "layers" / "shared", ROOT, *(ROOT / d for d in code_dirs)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def reset_clients() -> None:
    """Forget boto3 clients and parameter values cached under a previous mock."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS
    from certtrack import documents, email

    parameters.clear_caches()
    DEFAULT_PROVIDERS.clear()

    email._client.cache_clear()
    documents.s3.cache_clear()
    for module in list(sys.modules.values()):
        reset = getattr(module, "reset_clients_for_tests", None)
        if callable(reset):
            reset()


def lambda_context(function_name: str = "bench", memory_mb: int = 256) -> Any:
    """The dev server's Lambda context (``local.lambdas.LambdaContext``) for a direct handler call."""
    from local.lambdas import LambdaContext
    from local.template import ACCOUNT_ID, REGION

    return LambdaContext(
        function_name=function_name,
        memory_limit_in_mb=memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}",
        aws_request_id=function_name,
        timeout_s=30,
    )


@lru_cache(maxsize=1)
def template() -> Any:
    """``template.yaml``, parsed once (``local.template.Template``)."""
    from local.template import Template

    return Template(ROOT / "template.yaml")


@contextmanager
def aws_sandbox() -> Iterator[Any]:
    """moto in-process with the table, both buckets and the SES sender identity; yields the settings."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        from certtrack.db import create_table
        from certtrack.settings import get_settings

        from local import eventsources

        # The template's queues, and the variables naming them (MAPPING_MAIL_QUEUE_URL, ...).
        urls = eventsources.create_queues(template(), boto3.client("sqs"))
        os.environ.update(eventsources.queue_variables(template(), urls))
        get_settings.cache_clear()
        settings = get_settings()
        create_table(boto3.client("dynamodb"), settings.table_name)
        s3 = boto3.client("s3")
        for bucket in (settings.documents_bucket, settings.imports_bucket):
            s3.create_bucket(Bucket=bucket)
        boto3.client("sesv2").create_email_identity(EmailIdentity=settings.sender_email)
        if settings.signing_secret_arn:
            boto3.client("secretsmanager").create_secret(
                Name=settings.signing_secret_arn, SecretString=f"sandbox-{uuid.uuid4().hex}{uuid.uuid4().hex}"
            )
        reset_clients()
        try:
            yield settings
        finally:
            reset_clients()


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
        self._unique = f"bench-ddb-{uuid.uuid4()}"
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
