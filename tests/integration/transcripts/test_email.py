"""Sharing a transcript by email: preview, send, daily limit, bad recipients."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from unittest import mock

import pytest
from certtrack import keys
from certtrack.dates import long_date
from certtrack.errors import ServiceUnavailable
from certtrack.identity import ratelimit
from certtrack.identity.models import RateLimitItem
from certtrack.transcripts import share
from certtrack.transcripts.models import TranscriptItem

from tests.factories import days
from tests.integration.transcripts.conftest import Person, set_consent

pytestmark = pytest.mark.usefixtures("aws")
Outbox = Callable[[], list[dict[str, str]]]


def send(person: Person, transcript_id: str, to: str) -> tuple[int, Any, dict[str, Any]]:
    return person.call("POST", f"/me/transcripts/{transcript_id}/email", body={"to": to})


def test_send_matches_the_user_guide_sample(john: Person, outbox: Outbox) -> None:
    created = john.create()
    status, body, _ = send(john, created["transcript_id"], "hr@acme.example.com")
    assert status == 202
    assert body == {"status": "email_sent", "sends_left_today": 19}
    (message,) = outbox()
    assert message["to"] == "hr@acme.example.com"
    assert message["subject"] == "Transcript for John Doe"
    expiry = long_date(date.fromisoformat(days(30)))
    for part in (message["text"], message["html"]):
        assert (
            "This email was sent because we received a request to have transcript information "
            "for John Doe emailed to you." in part
        )
        assert f"Please click the following link to view transcript {created['transcript_id']}:" in part
        assert created["public_url"] in part
        assert f"This transcript currently expires on {expiry}." in part


def test_preview_returns_the_same_message_without_sending(john: Person, outbox: Outbox) -> None:
    created = john.create()
    status, body, _ = john.call("POST", f"/me/transcripts/{created['transcript_id']}/email/preview")
    assert status == 200
    assert set(body) == {"subject", "text", "html"}
    assert body["subject"] == "Transcript for John Doe"
    assert created["public_url"] in body["text"] and created["public_url"] in body["html"]
    # The web client sends the recipient along; the preview ignores it.
    path = f"/me/transcripts/{created['transcript_id']}/email/preview"
    assert john.call("POST", path, body={"to": "hr@example.com"})[1] == body
    assert outbox() == []


def test_twenty_per_day_then_429(john: Person, outbox: Outbox) -> None:
    created = john.create()
    path = f"/me/transcripts/{created['transcript_id']}/email"
    for n in range(20):
        status, body, _ = john.call("POST", path, body={"to": f"r{n}@acme.example.com"})
        assert status == 202, body
    status, body, headers = john.call("POST", path, body={"to": "one-too-many@acme.example.com"})
    assert status == 429 and body["code"] == "too_many_requests"
    assert int(headers["retry-after"]) > 0
    assert len(outbox()) == 20
    # The limit is per transcript: another one of the same holder still sends.
    other = john.create()
    assert send(john, other["transcript_id"], "x@acme.example.com")[0] == 202


def test_failed_send_gives_the_slot_back(john: Person) -> None:
    created = john.create()
    path = f"/me/transcripts/{created['transcript_id']}/email"
    with mock.patch("certtrack.email.send", side_effect=ServiceUnavailable("down", code="email_unavailable")):
        status, body, _ = john.call("POST", path, body={"to": "hr@acme.example.com"})
    assert status == 503 and body["code"] == "email_unavailable"
    limit = share.TRANSCRIPT_EMAILS
    window = ratelimit.per_value("transcript", created["transcript_id"], limit)
    start = ratelimit.window_start(datetime.now(UTC), limit)
    counter = RateLimitItem.get(window.pk, keys.rate_sk(limit.action, start))
    assert counter.hits == 0 and counter.expires_at


@pytest.mark.parametrize("to", ["not-an-email", "a@b", "", "x" * 250 + "@example.com", "two@a.com,three@b.com"])
def test_invalid_recipient_is_422(john: Person, to: str, outbox: Outbox) -> None:
    created = john.create()
    status, body, _ = john.call("POST", f"/me/transcripts/{created['transcript_id']}/email", body={"to": to})
    assert status == 422
    assert "to" in {e["field"] for e in body["errors"]}
    assert outbox() == []


def test_expired_transcript_is_not_emailed(john: Person, outbox: Outbox) -> None:
    created = john.create()
    item = TranscriptItem.get(*TranscriptItem.key(john.candidate_id, created["transcript_id"]))
    item.update(actions=[TranscriptItem.expires_on.set(date.fromisoformat(days(-1)))])
    status, body, _ = send(john, created["transcript_id"], "a@acme.example.com")
    assert status == 409 and body["code"] == "transcript_expired"
    assert outbox() == []


def test_no_email_once_consent_is_withdrawn(john: Person, outbox: Outbox) -> None:
    created = john.create()
    set_consent(john.candidate_id, False)
    status, body, _ = send(john, created["transcript_id"], "a@acme.example.com")
    assert status == 409 and body["code"] == "verification_consent_withdrawn"
    assert outbox() == []


def test_names_in_email_html_are_escaped(person: Callable[..., Person], outbox: Outbox) -> None:
    mallory: Any = person("sub-mal", first_name="<b>Mal</b>", last_name="X")
    created = mallory.create()
    mallory.call("POST", f"/me/transcripts/{created['transcript_id']}/email", body={"to": "a@acme.example.com"})
    (message,) = outbox()
    assert "<b>Mal</b>" not in message["html"] and "&lt;b&gt;Mal&lt;/b&gt;" in message["html"]
