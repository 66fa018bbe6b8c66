"""Shared fixtures: environment, moto-backed AWS, handler loading and event factories."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext

if TYPE_CHECKING:
    from local.eventsources import EventSources
    from local.sandbox import Sandbox

ROOT = Path(__file__).resolve().parent.parent

# The environment every handler reads at import time; set before anything imports certtrack.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "TABLE_NAME": "certtrack-test",
        "DOCUMENTS_BUCKET": "certtrack-test-documents",
        "IMPORTS_BUCKET": "certtrack-test-imports",
        "SENDER_EMAIL": "no-reply@certs.example.com",
        "PUBLIC_BASE_URL": "https://certs.example.com",
        "STAGE": "test",
        "CANDIDATE_PREFIX": "CSCO",
        "SIGNING_SECRET_ARN": "certtrack-test-signing",  # made in moto by the `aws` fixture
        "BADGE_KEYS_SECRET_ARN": "certtrack-test-badge-keys",  # made in moto by the `aws` fixture
        "PAYMENT_PROVIDER": "stripe",
        "PAYMENT_SECRET_ARN": "certtrack-test-payments",  # made in moto by the `aws` fixture
        # Nothing listens there: a test that wants the provider starts localstripe (the
        # `localstripe` fixture of tests/integration/fulfillment), others see it down.
        "PAYMENT_API_BASE": "http://127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "CertTrack",
        "POWERTOOLS_SERVICE_NAME": "certtrack-test",
    }
)
os.environ.pop("AWS_ENDPOINT_URL", None)
sys.path.insert(0, str(ROOT / "layers" / "shared"))
sys.path.insert(0, str(ROOT))

FIXED_NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """A test that changes the environment (monkeypatch) leaves no settings or provider client behind."""
    yield
    from certtrack.fulfillment import payments
    from certtrack.settings import get_settings

    get_settings.cache_clear()
    payments.reset_clients_for_tests()


@pytest.fixture(scope="session")
def _sandbox() -> Iterator[Sandbox]:
    """One moto for the session: botocore's service models are parsed once (``local.sandbox``)."""
    from local.sandbox import Sandbox, shared_service_models

    with shared_service_models():
        yield Sandbox()


@pytest.fixture
def aws(_sandbox: Sandbox) -> Iterator[None]:
    """moto in-process, every service empty: the table, both buckets, the SES sender identity and
    the signing secret made anew, no client or setting cached from another test (``local.sandbox``)."""
    with _sandbox.run():
        yield


@pytest.fixture
def serial_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's DynamoDB requests one at a time, as DynamoDB applies them per item (``local.atomic``)."""
    from local import atomic

    for owner, name, operation in atomic.serialised_operations():
        monkeypatch.setattr(owner, name, operation)


def queue_url(logical_id: str) -> str:
    """The moto URL of the template's queue ``logical_id`` (the sandbox made it)."""
    import boto3

    from local import eventsources

    return str(boto3.client("sqs").get_queue_url(QueueName=eventsources.queue_name(logical_id))["QueueUrl"])


def event_sources(invoke: Any = None) -> EventSources:
    """The template's SQS event sources on the sandbox's queues, invoking the handlers in this
    process (or ``invoke``)."""
    import boto3

    from local import eventsources
    from local.sandbox import template

    urls = {logical_id: queue_url(logical_id) for logical_id in template().properties_of_type("AWS::SQS::Queue")}
    sources = eventsources.sqs_sources(template(), urls)
    return eventsources.EventSources(sources, invoke or _invoke_in_process, boto3.client("sqs"))


def deliver_queued() -> int:
    """Run what the template's SQS event sources would have delivered by now; the messages received.

    The queues' workers (e.g. the mapping mail) run through ``local.eventsources``, as in the
    local runtime: a batch per receive, partial failures kept on the queue for a retry.
    """
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    if not sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues:
        return 0  # no sandbox (or no queue in it): nothing can be waiting
    return event_sources().drain()


def end_visibility_timeouts() -> None:
    """Time passes: every message in flight on moto's queues becomes visible again, and every
    delayed one (``DelaySeconds``) is due."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.sqs.models import sqs_backends

    for queue in sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].queues.values():
        for message in queue._messages:
            message.change_visibility(0)
            message.delayed_until = 0


def _invoke_in_process(function: Any, event: dict[str, Any]) -> Any:
    module, _, attribute = function.handler.rpartition(".")
    return getattr(load_function(function.code_dir.name, module), attribute)(event, LambdaContext())


def sent_emails() -> list[dict[str, str]]:
    """Messages SES accepted under moto, parsed: to, subject, text, html (oldest first).

    Queued mail jobs are delivered first: by the time anyone reads a mailbox, the workers ran.
    """
    import email as email_pkg
    from email import policy

    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    deliver_queued()
    out = []
    for message in ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages:
        raw = getattr(message, "raw_data", None)
        if raw is None:
            continue
        parsed = email_pkg.message_from_string(raw, policy=policy.default)
        text = parsed.get_body(("plain",))
        html = parsed.get_body(("html",))
        out.append(
            {
                "to": str(parsed["To"]),
                "subject": str(parsed["Subject"]),
                "text": text.get_content() if text else "",
                "html": html.get_content() if html else "",
            }
        )
    return out


@pytest.fixture
def outbox() -> Any:
    return sent_emails


_loaded: dict[str, ModuleType] = {}


def load_function(function: str, module: str = "app") -> ModuleType:
    """Import ``functions/<function>/<module>.py`` under a unique name (each is `app.py`)."""
    name = f"fn_{function}_{module}"
    if name not in _loaded:
        path = ROOT / "functions" / function / f"{module}.py"
        # Lambda puts the function's code directory on sys.path; its sibling modules import by name.
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
        _loaded[name] = mod
    return _loaded[name]


class LambdaContext(PowertoolsLambdaContext):
    """The context a handler is called with; Powertools' class reads these attributes."""

    _function_name = "test-function"
    _memory_limit_in_mb = 256
    _invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    _aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    sub: str | None = None,
    username: str | None = None,
    groups: list[str] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event (``local.apigateway.rest_event``), with authorizer claims
    when ``sub`` is given; a body that is not a string is sent as JSON."""
    from local.apigateway import cognito_claims, rest_event  # imports certtrack: after the environment

    return rest_event(
        method,
        resource or path,
        path,
        headers={"Content-Type": "application/json", **(headers or {})},
        query=query or {},
        path_parameters=path_parameters or {},
        body=body if isinstance(body, str) or body is None else json.dumps(body),
        claims=cognito_claims(sub, username=username, groups=groups or []) if sub else None,
        stage="test",
    )


def call(function: str, method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    """Invoke a function's API handler; returns (status, parsed body, headers)."""
    handler = load_function(function).lambda_handler
    response = handler(api_event(method, path, **kwargs), LambdaContext())
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for k, v in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(k.lower(), v[0] if isinstance(v, list) and v else v)
    text = response.get("body") or ""
    ctype = headers.get("content-type", "")
    parsed: Any = json.loads(text) if "json" in ctype and text else text
    return response["statusCode"], parsed, headers


@pytest.fixture
def now() -> datetime:
    return FIXED_NOW
