"""Help for stuck candidates through the real operations handler: closing a case with a note
(a disputed record unlocked), the mapping email sent again through the mapping's own path and
limits, a login's rate-limit lockout lifted; each audited, bad input changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack import keys
from certtrack.identity.candidates import create_candidate
from certtrack.identity.models import CandidateItem, RateLimitItem, SupportCaseItem, case_keys
from certtrack.operations import audit

from tests.conftest import call, sent_emails

pytestmark = pytest.mark.usefixtures("aws")

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OPERATOR: dict[str, Any] = {"sub": "sub-operator", "username": "olga", "groups": ["operators"]}


def ops(method: str, path: str, body: Any = None) -> tuple[int, Any, dict[str, Any]]:
    return call("operations", method, path, body=body, **OPERATOR)


def test_closing_a_disputed_case_unlocks_the_record() -> None:
    create_candidate("CSCO30000001", first_name="Ann", last_name="Lee", email="ann@example.com", now=NOW)
    CandidateItem(*CandidateItem.key("CSCO30000001")).update(
        actions=[CandidateItem.frozen_at.set(NOW), CandidateItem.frozen_case_id.set("SC-DISPUTE")]
    )
    SupportCaseItem(
        keys.case_pk("SC-DISPUTE"),
        keys.CASE,
        case_id="SC-DISPUTE",
        reason="mapping_disputed",
        status="open",
        candidate_ids={"CSCO30000001"},
        login_sub="sub-x",
        created_at=NOW,
        last_requested_at=NOW,
        **case_keys("open", NOW, "SC-DISPUTE"),
    ).save()
    status, body, _ = ops("POST", "/ops/support-cases/SC-DISPUTE/close", {"note": " "})
    assert status == 422
    status, body, _ = ops("POST", "/ops/support-cases/SC-DISPUTE/close", {"note": "Owner confirmed by phone."})
    assert status == 200, body
    assert body == {"case_id": "SC-DISPUTE", "status": "resolved", "resolution": "closed", "unfrozen": ["CSCO30000001"]}
    candidate = CandidateItem.get_candidate("CSCO30000001")
    assert candidate is not None and candidate.frozen_at is None
    [entry] = audit.candidate_audit("CSCO30000001")
    assert (entry.action, entry.reason, entry.after) == (
        "case_close",
        "Owner confirmed by phone.",
        "closed; record unlocked",
    )
    status, again, _ = ops("POST", "/ops/support-cases/SC-DISPUTE/close", {"note": "again"})
    assert status == 409 and again["code"] == "case_resolved"
    assert len(audit.candidate_audit("CSCO30000001")) == 1
    status, listed, _ = call("operations", "GET", "/ops/support-cases", query={"status": "resolved"}, **OPERATOR)
    assert status == 200 and [c["case_id"] for c in listed["items"]] == ["SC-DISPUTE"]


def test_the_mapping_email_goes_again_through_the_mapping_path() -> None:
    create_candidate("CSCO30000002", first_name="Bo", last_name="Ek", email="bo@example.com", now=NOW)
    path = "/ops/candidates/CSCO30000002/mapping-email"
    assert ops("POST", path, {"login_sub": "sub-bo"})[0] == 422  # no reason
    assert ops("POST", "/ops/candidates/CSCO39999999/mapping-email", {"login_sub": "sub-bo", "reason": "x"})[0] == 404
    assert sent_emails() == [] and audit.candidate_audit("CSCO30000002") == []
    status, body, _ = ops("POST", path, {"login_sub": "sub-bo", "reason": "The first mail never arrived."})
    assert status == 202 and body == {"status": "email_sent"}
    [mail] = sent_emails()
    assert mail["to"] == "bo@example.com" and "mapping/confirm?token=" in mail["text"]
    [entry] = audit.candidate_audit("CSCO30000002")
    assert (entry.action, entry.target) == ("mapping_email_resend", "sub-bo")
    # The mapping's limits hold: three mails a day to one address.
    for _ in range(2):
        assert ops("POST", path, {"login_sub": "sub-bo", "reason": "again"})[0] == 202
    status, body, _ = ops("POST", path, {"login_sub": "sub-bo", "reason": "again"})
    assert status == 429 and body["code"] == "too_many_requests"


def test_a_lockout_is_lifted_and_audited() -> None:
    create_candidate("CSCO30000003", first_name="Cy", last_name="Oh", email="cy@example.com", now=NOW)
    for sk in ("RATE#score_report#1000", "RATE#mapping_email#2000"):
        RateLimitItem(keys.login_pk("sub-cy"), sk, hits=5).save()
    path = "/ops/logins/sub-cy/rate-limits/lift"
    assert ops("POST", path, {"candidate_id": "CSCO39999999", "reason": "x"})[0] == 404
    assert len(list(RateLimitItem.query(keys.login_pk("sub-cy")))) == 2
    status, body, _ = ops("POST", path, {"candidate_id": "CSCO30000003", "reason": "Identity checked."})
    assert status == 200, body
    assert sorted(body["lifted"]) == ["mapping_email#2000", "score_report#1000"]
    assert list(RateLimitItem.query(keys.login_pk("sub-cy"))) == []
    [entry] = audit.candidate_audit("CSCO30000003")
    assert entry.action == "rate_limit_lift" and "score_report#1000: 5" in (entry.before or "")
    assert (
        call("operations", "POST", path, body={"candidate_id": "CSCO30000003", "reason": "x"}, sub="c", username="c")[0]
        == 403
    )
