"""POST /mapping/email: one answer for every address; link, duplicate case, or notice by email."""

from __future__ import annotations

import json
from typing import Any

import pytest
from certtrack import keys
from certtrack.identity.models import CandidateItem, MappingTokenItem, SupportCaseItem
from certtrack.identity.tokens import hash_token

from tests.conftest import FIXED_NOW, call, deliver_queued, end_visibility_timeouts, queue_url, sent_emails
from tests.factories import candidate
from tests.integration.identity.conftest import token_in

pytestmark = pytest.mark.usefixtures("aws")


def request(address: Any, sub: str = "sub-new", username: str = "newlogin") -> tuple[int, Any, dict[str, Any]]:
    return call("auth_mapping", "POST", "/mapping/email", sub=sub, username=username, body={"email": address})


def test_unique_unmapped_candidate_gets_a_link(outbox: Any) -> None:
    cand = candidate(first_name="Alice", email="alice@example.com")
    status, body, _ = request("Alice@Example.com")
    assert (status, body) == (202, {"status": "email_sent"})
    [message] = outbox()
    assert message["to"].lower() == "alice@example.com"
    assert "https://certs.example.com/app/#/mapping/confirm?token=" in message["text"]
    token = token_in(message)
    assert len(token) == 43  # 32 random bytes, base64url without padding
    assert "Alice" in message["text"]
    assert "newlogin" not in message["text"] + message["html"] + message["subject"]  # nothing the caller chose
    stored = MappingTokenItem.get(keys.token_pk(hash_token(token)), keys.TOKEN)
    assert stored.candidate_id == cand.candidate_id
    assert stored.login_sub == "sub-new"
    assert stored.method == "email"
    assert stored.used_at is None
    assert stored.expires_at is not None  # TTL for cleanup


def test_only_the_hash_of_the_token_is_stored(outbox: Any) -> None:
    import boto3
    from certtrack.settings import get_settings

    candidate(email="alice@example.com")
    request("alice@example.com")
    token = token_in(outbox()[-1])
    raw = boto3.client("dynamodb").get_item(
        TableName=get_settings().table_name, Key={"PK": {"S": keys.token_pk(hash_token(token))}, "SK": {"S": "TOKEN"}}
    )["Item"]
    assert token not in repr(raw)


@pytest.mark.parametrize("setup", ["unknown", "duplicate", "mapped", "unique"])
def test_same_status_and_body_for_every_address(setup: str, outbox: Any) -> None:
    address = "someone@example.com"
    if setup == "duplicate":
        candidate(email=address)
        candidate(email=address)
    elif setup == "mapped":
        candidate(email=address, login_sub="sub-other")
    elif setup == "unique":
        candidate(email=address)
    status, body, headers = request(address)
    assert (status, body) == (202, {"status": "email_sent"})
    assert headers["content-type"] == "application/json"
    # The same work either way: exactly one email, always to the address given.
    assert [m["to"] for m in outbox()] == [address]


def test_only_the_unique_case_carries_a_link(outbox: Any) -> None:
    candidate(email="dup@example.com")
    candidate(email="dup@example.com")
    candidate(email="taken@example.com", login_sub="sub-other")
    for address in ("nobody@example.com", "dup@example.com", "taken@example.com"):
        request(address)
    assert all("mapping/confirm" not in m["text"] for m in outbox())


def test_duplicate_email_opens_a_support_case(outbox: Any) -> None:
    first = candidate(email="shared@example.com")
    second = candidate(email="shared@example.com")
    status, _, _ = request("shared@example.com", sub="sub-dup", username="duplogin")
    assert status == 202
    [message] = outbox()
    case_id = message["subject"].split("support case ")[1].split()[0]
    assert case_id in message["text"] and case_id in message["html"]
    case = SupportCaseItem.get(keys.case_pk(case_id), keys.CASE)
    assert case.candidate_ids == {first.candidate_id, second.candidate_id}
    assert case.login_sub == "sub-dup"
    assert case.status == "open" and case.reason == "duplicate_email"
    # Asking again refers to the same case instead of opening another.
    request("shared@example.com", sub="sub-dup", username="duplogin")
    assert case_id in outbox()[-1]["text"]
    again = SupportCaseItem.get(keys.case_pk(case_id), keys.CASE)
    assert again.status == "open" and again.candidate_ids == {first.candidate_id, second.candidate_id}
    assert again.last_requested_at >= case.last_requested_at


def test_mapped_login_cannot_start_another_mapping(outbox: Any) -> None:
    candidate(email="mine@example.com", login_sub="sub-mapped")
    candidate(email="other@example.com")
    status, body, _ = request("other@example.com", sub="sub-mapped")
    assert status == 409 and body["code"] == "already_mapped"
    assert outbox() == []


@pytest.mark.parametrize("bad", ["not-an-email", "a@b", 42, None, ["x@example.com"], "x" * 250 + "@example.com"])
def test_invalid_email_is_422_naming_the_field(bad: Any) -> None:
    status, body, _ = request(bad)
    assert status == 422
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["email"]


def test_unknown_fields_are_rejected() -> None:
    status, body, _ = call("auth_mapping", "POST", "/mapping/email", sub="s", body={"email": "a@example.com", "x": 1})
    assert status == 422 and body["detail"] == "Check X: each says what it needs."
    assert body["errors"] == [
        {"field": "x", "message": "This field is not taken here: leave it out.", "type": "extra_forbidden"}
    ]


def test_a_failed_send_is_retried_and_stores_nothing_until_it_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """SES refuses: the answer was 202 already; the job stays queued, nothing is stored, a retry sends."""
    from botocore.exceptions import ClientError
    from certtrack import email

    real_client = email._client

    class FailingSes:
        def send_email(self, **_: Any) -> None:
            raise ClientError({"Error": {"Code": "Throttling", "Message": "slow down"}}, "SendEmail")

    monkeypatch.setattr(email, "_client", lambda: FailingSes())
    candidate(email="alice@example.com")
    candidate(email="dup@example.com")
    candidate(email="dup@example.com")
    for address in ("alice@example.com", "dup@example.com"):
        assert request(address)[0] == 202
    assert deliver_queued() == 2  # both received, both failed (reported as batch item failures)
    assert _items_with_prefix("TOKEN#") == [] and _items_with_prefix("CASE#") == []
    assert sent_emails() == []  # still in flight until the visibility timeout ends
    monkeypatch.setattr(email, "_client", real_client)
    end_visibility_timeouts()
    assert sorted(m["to"].lower() for m in sent_emails()) == ["alice@example.com", "dup@example.com"]
    assert len(_items_with_prefix("TOKEN#")) == 1 and len(_items_with_prefix("CASE#")) == 1
    assert deliver_queued() == 0  # done: deleted from the queue


def test_a_job_failing_five_times_goes_to_the_dead_letter_queue(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3
    from certtrack import email

    def refused(*_: Any, **__: Any) -> str:
        raise RuntimeError("SES is down")

    monkeypatch.setattr(email, "send", refused)
    assert request("nobody@example.com")[0] == 202
    for _ in range(5):
        assert deliver_queued() == 1
        end_visibility_timeouts()
    assert deliver_queued() == 0  # moto moved it on the sixth receive, as SQS does
    dead = queue_url("MappingMailFailureQueue")
    [message] = boto3.client("sqs").receive_message(QueueUrl=dead).get("Messages", [])
    assert json.loads(message["Body"])["address"] == "nobody@example.com"


def test_a_redelivered_job_sends_once(outbox: Any) -> None:
    """SQS delivers at least once: the done marker (written with the token) makes a second run a no-op."""
    from certtrack.identity import mapping

    candidate(email="alice@example.com")
    job = mapping.EmailMappingJob(
        requested_at=FIXED_NOW, login_sub="sub-new", login_username="newlogin", address="alice@example.com"
    )
    assert mapping.deliver_email_request(job, FIXED_NOW) == "link"
    assert mapping.deliver_email_request(job, FIXED_NOW) is None
    assert len(outbox()) == 1 and len(_items_with_prefix("TOKEN#")) == 1
    assert len(_items_with_prefix("JOB#")) == 1


def test_mapping_emails_are_rate_limited_per_login(outbox: Any) -> None:
    for n in range(10):
        assert request(f"nobody{n}@example.com")[0] == 202
    status, body, headers = request("nobody-else@example.com")
    assert status == 429 and body["code"] == "too_many_requests"
    assert 0 < int(headers["retry-after"]) <= 15 * 60
    assert len(outbox()) == 10
    assert request("nobody-else@example.com", sub="sub-someone-else")[0] == 202


def _items_with_prefix(prefix: str) -> list[dict[str, Any]]:
    """Test-only inspection of the whole (tiny) moto table."""
    import boto3
    from certtrack.settings import get_settings

    items = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Items"]
    return [i for i in items if i["PK"]["S"].startswith(prefix)]


def test_every_outcome_does_the_same_calls_before_the_answer(monkeypatch: pytest.MonkeyPatch, outbox: Any) -> None:
    """The answer comes after the same calls for every address (no lookup, no mail); the worker mails once."""
    from certtrack import email, jobs
    from pynamodb.connection.base import Connection

    calls: list[str] = []
    original_api = Connection._make_api_call
    original_send, original_enqueue = email.send, jobs.enqueue

    def recording_api(self: Connection, operation: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        calls.append(operation)
        return original_api(self, operation, kwargs)

    def recording_send(*args: Any, **kwargs: Any) -> str:
        calls.append("SendEmail")
        return original_send(*args, **kwargs)

    def recording_enqueue(*args: Any, **kwargs: Any) -> None:
        calls.append("SendMessage")
        original_enqueue(*args, **kwargs)

    monkeypatch.setattr(Connection, "_make_api_call", recording_api)
    monkeypatch.setattr(email, "send", recording_send)
    monkeypatch.setattr(jobs, "enqueue", recording_enqueue)
    candidate(email="unique@example.com")
    candidate(email="dup@example.com")
    candidate(email="dup@example.com")
    candidate(email="taken@example.com", login_sub="sub-other")

    answered: dict[str, list[str]] = {}
    for address in ("unique@example.com", "dup@example.com", "taken@example.com", "nobody@example.com"):
        calls.clear()
        assert request(address, sub=f"sub-{address}")[0] == 202
        answered[address] = list(calls)
        calls.clear()
        assert deliver_queued() == 1
        assert calls.count("SendEmail") == 1, calls  # the worker: one email whatever the outcome
        assert calls[-1] == "TransactWriteItems", calls  # then the token or case with the job's marker
    assert len({tuple(v) for v in answered.values()}) == 1, answered
    assert answered["nobody@example.com"] == ["GetItem", "UpdateItem", "UpdateItem", "SendMessage"]
    assert len(outbox()) == 4


def test_the_mail_speaks_the_requests_language(outbox: Any) -> None:
    """Before mapping the address has no stored language: the request's Accept-Language decides."""
    candidate(first_name="Alice", email="alice@example.com")
    status, _, _ = call(
        "auth_mapping",
        "POST",
        "/mapping/email",
        sub="sub-new",
        username="newlogin",
        body={"email": "alice@example.com"},
        headers={"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.5"},
    )
    assert status == 202
    [message] = outbox()
    assert message["subject"] == "認定プログラム\uff1aログインの紐付けを確認してください"
    assert "Alice 様" in message["text"] and "2 時間以内に 1 回だけ" in message["text"]
    assert '<html lang="ja">' in message["html"] and "Hello" not in message["text"]
    assert len(token_in(message)) == 43  # the same link in either language

    status, _, _ = call(
        "auth_mapping",
        "POST",
        "/mapping/email",
        sub="sub-other",
        username="other",
        body={"email": "nobody@example.com"},
        headers={"Accept-Language": "fr-FR, de;q=0.8"},
    )
    assert status == 202 and outbox()[-1]["text"].startswith("Hello,")  # nothing matching: English


def test_a_stored_language_wins_over_the_request(outbox: Any) -> None:
    cand = candidate(first_name="Alice", email="alice@example.com")
    cand.update(actions=[CandidateItem.settings.set({"language": "ja"})])
    request("alice@example.com")  # no Accept-Language
    assert "Alice 様" in outbox()[-1]["text"]
