"""The tests' moto (``local.sandbox``): one for the session, and nothing of one run left in the next."""

from __future__ import annotations

from typing import Any

import boto3
from certtrack import db, documents, email
from certtrack.fulfillment import order_store
from certtrack.settings import get_settings

from local.sandbox import Sandbox
from tests.conftest import sent_emails
from tests.factories import candidate


def _leave_traces() -> dict[str, Any]:
    """Data in every service the sandbox makes, and in one it does not; the cached clients."""
    settings = get_settings()
    candidate(first_name="Ada", last_name="Lovelace")
    documents.s3().put_object(Bucket=settings.documents_bucket, Key="left/behind.pdf", Body=b"%PDF")
    email.send("ada@example.com", email.RenderedEmail(subject="Left", text="behind", html="<p>behind</p>"))
    boto3.client("ssm").put_parameter(Name="/left/behind", Value="x", Type="String")
    assert boto3.client("dynamodb").scan(TableName=settings.table_name)["Count"] > 0
    assert len(sent_emails()) == 1
    return {
        "secret": settings.signing_secret,
        "clients": (documents.s3(), email._client(), db.transactions_connection(), order_store._persistence()),
        "settings": settings,
    }


def test_a_run_sees_nothing_of_the_previous_one(_sandbox: Sandbox) -> None:
    with _sandbox.run():
        before = _leave_traces()
    with _sandbox.run() as settings:
        assert boto3.client("dynamodb").scan(TableName=settings.table_name)["Count"] == 0
        for bucket in (settings.documents_bucket, settings.imports_bucket):
            assert boto3.client("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == 0
        assert sent_emails() == []
        assert boto3.client("ssm").describe_parameters()["Parameters"] == []
        assert settings.signing_secret != before["secret"]
        assert settings is not before["settings"]
        clients = (documents.s3(), email._client(), db.transactions_connection(), order_store._persistence())
        assert all(now is not then for now, then in zip(clients, before["clients"], strict=True))


def test_moto_is_off_outside_a_run(_sandbox: Sandbox) -> None:
    from moto.core.models import MockAWS

    with _sandbox.run():
        assert MockAWS._mocks_active
    assert not MockAWS._mocks_active
