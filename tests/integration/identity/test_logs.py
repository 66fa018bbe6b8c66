"""No token, email address or name reaches the logs, on any mapping path."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.conftest import call
from tests.factories import candidate
from tests.integration.identity.conftest import exam, token_in

pytestmark = pytest.mark.usefixtures("aws")


def test_mapping_flows_log_no_personal_data(
    outbox: Any, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="certtrack-test")
    candidate(first_name="Alice", last_name="Martin", email="alice@example.com")
    candidate(email="shared@example.com")
    candidate(email="shared@example.com")
    jose = candidate(first_name="José", last_name="Zyxwvut", email="jose@example.com")
    exam(jose.candidate_id, "REG4242")

    for address in ("alice@example.com", "shared@example.com", "nobody@example.com"):
        call("auth_mapping", "POST", "/mapping/email", sub="sub-1", body={"email": address})
    token = token_in(outbox()[0])
    call("auth_mapping", "POST", "/mapping/confirm", sub="sub-wrong", body={"token": token})
    call("auth_mapping", "POST", "/mapping/confirm", sub="sub-1", body={"token": token})
    call("auth_mapping", "POST", "/mapping/confirm", sub="sub-1", body={"token": token})
    body = {"last_name": "Zyxwvut", "registration_number": "REG4242", "new_email": "fresh@example.com"}
    call("auth_mapping", "POST", "/mapping/score-report", sub="sub-2", body={**body, "last_name": "Qqqqq"})
    call("auth_mapping", "POST", "/mapping/score-report", sub="sub-2", body=body)
    score_token = token_in(outbox()[-1])
    call("auth_mapping", "POST", "/mapping/confirm", sub="sub-2", body={"token": score_token})
    call("auth_mapping", "POST", "/mapping/email", sub="sub-3", body={"email": "not an email"})

    captured = capfd.readouterr()
    logs = captured.out + captured.err + caplog.text
    assert "mapping email requested" in logs  # the capture works
    assert "login mapped" in logs
    for secret in (
        token,
        score_token,
        "alice@example.com",
        "shared@example.com",
        "nobody@example.com",
        "fresh@example.com",
        "not an email",
        "Zyxwvut",
        "Qqqqq",
        "example.com",
    ):
        assert secret not in logs, secret
