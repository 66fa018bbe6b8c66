"""No relay: mapping mail quotes nothing the caller chose and goes to one address a few times a day."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.identity import ratelimit

from tests.conftest import call
from tests.factories import candidate
from tests.integration.identity.conftest import exam

pytestmark = pytest.mark.usefixtures("aws")

URL_LOGIN = "https://spam.example/buy-now"


def test_no_mapping_mail_quotes_the_login_name(outbox: Any) -> None:
    candidate(email="unique@example.com")
    candidate(email="dup@example.com")
    candidate(email="dup@example.com")
    candidate(email="taken@example.com", login_sub="sub-owner")
    sr = candidate(last_name="Report", email="old@example.com")
    exam(sr.candidate_id, "REG900")
    for n, address in enumerate(("unique@example.com", "dup@example.com", "taken@example.com", "nobody@example.com")):
        body = {"email": address}
        assert call("auth_mapping", "POST", "/mapping/email", sub=f"s{n}", username=URL_LOGIN, body=body)[0] == 202
    body = {"last_name": "Report", "registration_number": "REG900", "new_email": "new@example.com"}
    assert call("auth_mapping", "POST", "/mapping/score-report", sub="s9", username=URL_LOGIN, body=body)[0] == 202
    messages = outbox()
    assert len(messages) == 5
    for message in messages:
        assert "spam.example" not in message["subject"] + message["text"] + message["html"]


def test_three_mapping_mails_a_day_per_recipient_whoever_asks(outbox: Any) -> None:
    limit = ratelimit.MAPPING_MAILS_PER_RECIPIENT.max_count
    assert limit == 3
    for n in range(limit):
        assert (
            call("auth_mapping", "POST", "/mapping/email", sub=f"relay-{n}", body={"email": "Victim@Example.com"})[0]
            == 202
        )
    status, problem, headers = call(
        "auth_mapping", "POST", "/mapping/email", sub="relay-x", body={"email": "victim@example.com"}
    )
    assert status == 429 and problem["code"] == "too_many_requests"
    assert 0 < int(headers["retry-after"]) <= 24 * 3600
    assert [m["to"].lower() for m in outbox()] == ["victim@example.com"] * limit
    # The refused request used no slot of its login's own window (one transaction, all or none).
    for n in range(ratelimit.MAPPING_EMAILS.max_count):
        assert (
            call("auth_mapping", "POST", "/mapping/email", sub="relay-x", body={"email": f"o{n}@example.com"})[0] == 202
        )
    # Score-report links count toward the same recipient budget.
    sr = candidate(last_name="Budget", email="b@example.com")
    exam(sr.candidate_id, "REG901")
    body = {"last_name": "Budget", "registration_number": "REG901", "new_email": "victim@example.com"}
    assert call("auth_mapping", "POST", "/mapping/score-report", sub="relay-sr", body=body)[0] == 429
