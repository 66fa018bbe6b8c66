"""Reminder mail: what it says, who gets it, retries, unsubscribe, SES bounces and complaints."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from certtrack import email
from certtrack.certifications import expiry_jobs, reminders
from certtrack.errors import ServiceUnavailable
from certtrack.identity.models import CandidateItem
from certtrack.pages import style_source
from certtrack.transcripts.models import TranscriptItem

from tests.conftest import LambdaContext, call, deliver_queued, load_function
from tests.integration.expiry.conftest import at, certification, credit, daily_check, holder, raw_messages, transcript

EXPIRES = "2027-02-20"
EXPIRY = date.fromisoformat(EXPIRES)


def _link(url: str) -> dict[str, str]:
    query = parse_qs(urlsplit(url).query)
    return {"c": query["c"][0], "s": query["s"][0]}


def test_reminder_states_expiry_and_what_is_still_needed(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES, first_name="Grace")
    credit(person.candidate_id, 10, "2026-06-01")

    daily_check(at("2026-11-22"))

    [mail] = reminders_sent()
    assert mail["subject"] == "Your CCNA certification expires on February 20, 2027"
    for body in (mail["text"], mail["html"]):
        assert "Grace" in body
        assert "February 20, 2027" in body
        assert "pass one qualifying exam or earn 20 more CE credits" in body
    [message] = raw_messages()
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith("https://certs.example.com/reminders/unsubscribe?c=")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in mail["text"]


def test_reminders_are_service_mail_whatever_the_marketing_setting(aws: None, reminders_sent: Any) -> None:
    holder(EXPIRES, settings={"email_notifications": False})

    assert daily_check(at("2026-11-22"))["reminders_sent"] == 1
    assert len(reminders_sent()) == 1


def _profile(candidate_id: str) -> dict[str, Any]:
    """The candidate's profile item as stored (re-read, consistent)."""
    item = CandidateItem.get(*CandidateItem.key(candidate_id), consistent_read=True)
    return item.attribute_values


ONE_CLICK: dict[str, Any] = {
    "body": "List-Unsubscribe=One-Click",
    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
}


def test_get_shows_a_button_and_changes_nothing(aws: None, reminders_sent: Any) -> None:
    """Mail scanners and link previews fetch every link: a GET must not unsubscribe."""
    person = holder(EXPIRES)
    daily_check(at("2026-11-22"))
    link = _link(reminders.unsubscribe_url(person.candidate_id))
    before = _profile(person.candidate_id)

    for _ in range(3):  # a scanner, a preview, the person
        status, body, headers = call("certifications", "GET", "/reminders/unsubscribe", query=link)
        assert status == 200 and headers["content-type"].startswith("text/html")

    assert _profile(person.candidate_id) == before
    assert before.get("reminders_unsubscribed") is not True
    assert "Stop expiry reminders?" in body and "Expiry reminders stopped" not in body
    # one form, posting back to this very URL (no action: the signed query string is kept), with
    # the same body an RFC 8058 mail client sends
    forms = re.findall(r"<form\b[^>]*>", body)
    assert forms == ['<form method="post">']
    assert '<input type="hidden" name="List-Unsubscribe" value="One-Click">' in body
    assert re.search(r"<button type=\"submit\">Stop expiry reminders</button>", body)
    policy = headers["content-security-policy"]
    assert "form-action 'self'" in policy and "default-src 'none'" in policy
    style = re.search(r"<style>(.*?)</style>", body, re.DOTALL)
    assert style is not None and f"style-src {style_source(style.group(1))};" in policy
    assert headers["x-robots-tag"] == "noindex, nofollow" and headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"
    # reminders keep coming
    assert daily_check(at("2027-01-21"))["reminders_sent"] == 1


@pytest.mark.parametrize("how", ["button", "one-click"])
def test_post_unsubscribes_and_stops_reminders(aws: None, reminders_sent: Any, how: str) -> None:
    person = holder(EXPIRES)
    daily_check(at("2026-11-22"))
    link = _link(reminders.unsubscribe_url(person.candidate_id))
    # the page's button posts the form's field; a mail client posts the RFC 8058 body
    request = (
        ONE_CLICK
        if how == "one-click"
        else {**ONE_CLICK, "headers": {**ONE_CLICK["headers"], "Origin": "https://certs.example.com"}}
    )

    status, body, headers = call("certifications", "POST", "/reminders/unsubscribe", query=link, **request)

    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Expiry reminders stopped" in body
    assert "form-action 'none'" in headers["content-security-policy"]
    assert _profile(person.candidate_id)["reminders_unsubscribed"] is True
    # twice is fine (a person clicks again)
    assert call("certifications", "POST", "/reminders/unsubscribe", query=link, **request)[0] == 200
    summary = daily_check(at("2027-01-21"))
    assert summary["reminders_skipped"] == 1 and summary["reminders_sent"] == 0
    assert len(reminders_sent()) == 1
    assert certification(person.candidate_id).GSI2SK.startswith("2027-02-13#CERT:r7#")  # type: ignore[union-attr]
    assert daily_check(at("2027-02-21"))["expired_certifications"] == 1  # expiry itself still happens


def test_the_mail_announces_one_click_post(aws: None, reminders_sent: Any) -> None:
    person = holder(EXPIRES)
    daily_check(at("2026-11-22"))
    [message] = raw_messages()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(message["List-Unsubscribe"]).strip("<>") == reminders.unsubscribe_url(person.candidate_id)


@pytest.mark.parametrize("tamper", ["signature", "candidate"])
def test_a_tampered_unsubscribe_link_is_refused(aws: None, tamper: str) -> None:
    person = holder(EXPIRES)
    other = holder(EXPIRES)
    link = _link(reminders.unsubscribe_url(person.candidate_id))
    if tamper == "signature":
        # Another first character: every bit of it counts (a last base64 character may carry padding bits).
        link["s"] = ("B" if link["s"][0] == "A" else "A") + link["s"][1:]
    else:
        link["c"] = other.candidate_id

    for method, extra in (("GET", {}), ("POST", ONE_CLICK)):
        status, body, headers = call("certifications", method, "/reminders/unsubscribe", query=link, **extra)
        assert status == 404 and headers["content-type"] == "application/problem+json"
        assert body["code"] == "unsubscribe_link_invalid"
    for cid in (person.candidate_id, other.candidate_id):
        assert CandidateItem.get_candidate(cid).reminders_unsubscribed is False  # type: ignore[union-attr]


def test_unsubscribe_requires_both_parameters(aws: None) -> None:
    status, body, _ = call("certifications", "GET", "/reminders/unsubscribe", query={"c": "CSCO10000001"})
    assert status == 422 and body["code"] == "validation_error"


def test_one_failing_address_does_not_stop_the_batch_and_is_retried(
    aws: None, reminders_sent: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = [holder(EXPIRES) for _ in range(3)]
    bad = holder(EXPIRES, email="bad@example.com")
    real_send = email.send_template  # what reminders imported; the test replaces its name there
    events: list[tuple[str, Any]] = []  # the sends tried and the worker's sleeps (pacing, backoff), in order

    def flaky(to: str, name: str, context: Any, headers: Any = None) -> str:
        events.append(("send", to))
        if to == "bad@example.com":
            raise ServiceUnavailable("SES said no", code="email_unavailable")
        return real_send(to, name, context, headers)

    monkeypatch.setattr(reminders, "send_template", flaky)
    summary = daily_check(at("2026-11-22"), sleep=lambda seconds: events.append(("sleep", seconds)))

    assert summary["reminders_sent"] == 3 and summary["reminders_failed"] == 1 and summary["complete"]
    assert summary["failures"] == [
        {"candidate_id": bad.candidate_id, "cert_id": "ccna", "days": 90, "code": "email_unavailable"}
    ]
    bad_send = ("send", "bad@example.com")
    assert events.count(bad_send) == reminders.ATTEMPTS
    first = events.index(bad_send)  # exponential backoff between its attempts, nothing else
    assert events[first : first + 5] == [bad_send, ("sleep", 0.5), bad_send, ("sleep", 1.0), bad_send]
    assert sorted(m["to"] for m in reminders_sent()) == sorted(str(p.email) for p in good)
    assert reminders.existing(bad.candidate_id, "ccna", EXPIRY, 90).status == reminders.FAILED  # type: ignore[union-attr]
    assert certification(bad.candidate_id).GSI2SK.startswith("2026-11-22#CERT:r90#")  # type: ignore[union-attr]

    monkeypatch.setattr(reminders, "send_template", real_send)
    retry = daily_check(at("2026-11-23"))  # the next day's run

    assert retry["reminders_sent"] == 1
    assert [m["to"] for m in reminders_sent()].count("bad@example.com") == 1
    assert len(reminders_sent()) == 4


def _ses_event(kind: str, address: str, bounce_type: str = "Permanent") -> dict[str, Any]:
    message: dict[str, Any] = {"eventType": kind, "mail": {"destination": [address]}}
    if kind == "Bounce":
        message["bounce"] = {"bounceType": bounce_type, "bouncedRecipients": [{"emailAddress": address}]}
    else:
        message["complaint"] = {"complainedRecipients": [{"emailAddress": address}]}
    return {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(message)}}]}


@pytest.mark.parametrize(("kind", "bounce_type"), [("Bounce", "Permanent"), ("Complaint", "")])
def test_bounced_or_complained_addresses_get_no_more_reminders(
    aws: None, reminders_sent: Any, kind: str, bounce_type: str
) -> None:
    person = holder(EXPIRES, email="Gone@Example.com")
    handler = load_function("certifications", "ses_events").handler

    report = handler(_ses_event(kind, "gone@example.com", bounce_type), LambdaContext())

    assert report["candidates_suppressed"] == 1
    assert CandidateItem.get_candidate(person.candidate_id).email_suppressed is True  # type: ignore[union-attr]
    summary = daily_check(at("2026-11-22"))
    assert summary["reminders_skipped"] == 1 and reminders_sent() == []


def test_a_transient_bounce_changes_nothing(aws: None) -> None:
    person = holder(EXPIRES, email="full@example.com")
    handler = load_function("certifications", "ses_events").handler

    report = handler(_ses_event("Bounce", "full@example.com", "Transient"), LambdaContext())

    assert report["ignored"] == 1 and report["candidates_suppressed"] == 0
    assert CandidateItem.get_candidate(person.candidate_id).email_suppressed is False  # type: ignore[union-attr]


def test_scheduled_handler_uses_the_event_time(aws: None, reminders_sent: Any) -> None:
    person = holder("2026-11-25")  # valid through the 25th
    shared = transcript(person.candidate_id, "2026-11-25")  # last day the 25th too
    handler = load_function("certifications", "expiry").handler
    event = json.loads(_sample().read_text())

    queued = handler(event, LambdaContext())  # the sample's time: 2026-11-26T03:00:00Z
    deliver_queued()  # the shard jobs, through the template's event source

    assert queued["now"] == "2026-11-26T03:00:00Z"
    summary = expiry_jobs.day_summary(date(2026, 11, 26))
    assert summary["expired_certifications"] == 1 and summary["complete"] is True
    assert certification(person.candidate_id).status == "expired"
    assert summary["expired_transcripts"] == 1  # the handler hands transcripts to their package
    assert TranscriptItem.get(shared.PK, shared.SK).status == "expired"


def _sample() -> Any:
    from tests.conftest import ROOT

    return ROOT / "events" / "certifications" / "daily_expiry_check.json"
