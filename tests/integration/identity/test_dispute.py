"""A score-report mapping tells the previous address; its "this was not me" link freezes the record."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.identity import case_index, mapping
from certtrack.identity.models import CandidateItem, LoginMappingItem, SupportCaseItem

from tests.conftest import call
from tests.factories import candidate
from tests.integration.identity.conftest import exam, token_in

pytestmark = pytest.mark.usefixtures("aws")

DISPUTE = re.compile(r"/public/mapping/dispute\?token=([A-Za-z0-9_-]+)")


@pytest.fixture
def taken(outbox: Any) -> dict[str, Any]:
    """A record mapped by score report to a new login and address (as a takeover would)."""
    cand = candidate(first_name="Olga", last_name="Owner", email="olga@example.com")
    exam(cand.candidate_id, "REG555")
    body = {"last_name": "Owner", "registration_number": "REG555", "new_email": "thief@example.com"}
    assert (
        call(
            "auth_mapping",
            "POST",
            "/mapping/score-report",
            sub="sub-thief",
            username="https://evil.example/x",
            body=body,
        )[0]
        == 202
    )
    link = token_in(outbox()[-1])
    status, _, _ = call("auth_mapping", "POST", "/mapping/confirm", sub="sub-thief", body={"token": link})
    assert status == 200
    notice = [m for m in outbox() if m["to"] == "olga@example.com"]
    assert len(notice) == 1
    found = DISPUTE.search(notice[0]["text"])
    assert found and found.group(1) in notice[0]["html"]
    return {"candidate": cand, "notice": notice[0], "token": found.group(1)}


def page(method: str, token: str | None) -> tuple[int, str, dict[str, Any]]:
    query = {"token": token} if token is not None else None
    status, body, headers = call("auth_mapping", method, "/public/mapping/dispute", query=query)
    return status, str(body), headers


def profile(candidate_id: str) -> CandidateItem:
    stored = CandidateItem.get_candidate(candidate_id)
    assert stored is not None
    return stored


def test_the_previous_address_is_told_with_a_link(taken: dict[str, Any]) -> None:
    notice = taken["notice"]
    assert "connected to a new login" in notice["subject"]
    for part in (" ".join(notice["text"].split()), " ".join(notice["html"].split())):
        assert "was connected to a new login" in part and "If this was not you" in part
        # Nothing the caller chose: neither the login name nor the new address.
        assert "evil.example" not in part and "thief@example.com" not in part
    assert profile(taken["candidate"].candidate_id).email == "thief@example.com"


def test_get_shows_a_button_and_changes_nothing(taken: dict[str, Any]) -> None:
    cid = taken["candidate"].candidate_id
    before = profile(cid).attribute_values
    status, html, headers = page("GET", taken["token"])
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert '<form method="post"' in html and "Lock my record" in html
    assert "form-action 'self'" in headers["content-security-policy"]
    assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    assert profile(cid).attribute_values == before
    assert LoginMappingItem.get(keys.login_pk("sub-thief"), keys.MAPPING).candidate_id == cid


def test_post_freezes_detaches_restores_and_opens_a_case(taken: dict[str, Any], outbox: Any) -> None:
    cid = taken["candidate"].candidate_id
    status, html, _ = page("POST", taken["token"])
    assert status == 200 and "Record locked" in html
    case_id = re.search(r"SC-[0-9A-F]{10}", html).group(0)  # type: ignore[union-attr]
    stored = profile(cid)
    assert stored.frozen_at is not None and stored.frozen_case_id == case_id
    assert stored.login_sub is None and stored.login_username is None
    assert stored.email == "olga@example.com" and keys.email_gsi("olga@example.com") == stored.GSI1PK
    with pytest.raises(LoginMappingItem.DoesNotExist):
        LoginMappingItem.get(keys.login_pk("sub-thief"), keys.MAPPING)
    assert call("auth_mapping", "GET", "/me", sub="sub-thief")[1]["mapped"] is False
    case = SupportCaseItem.get(keys.case_pk(case_id), keys.CASE)
    assert case.reason == "mapping_disputed" and case.candidate_ids == {cid} and case.login_sub == "sub-thief"
    assert [c.case_id for c in case_index.cases_naming(cid)] == [case_id]  # the operators' view lists it

    # Again: the same case, nothing else changes.
    again_status, again_html, _ = page("POST", taken["token"])
    assert again_status == 200 and case_id in again_html
    assert profile(cid).attribute_values == stored.attribute_values

    # Frozen: no mapping by score report, by email or by a link issued before.
    body = {"last_name": "Owner", "registration_number": "REG555", "new_email": "thief2@example.com"}
    status, problem, _ = call("auth_mapping", "POST", "/mapping/score-report", sub="sub-thief", body=body)
    assert status == 409 and problem["code"] == "record_frozen"
    sent = len(outbox())
    assert call("auth_mapping", "POST", "/mapping/email", sub="sub-x", body={"email": "olga@example.com"})[0] == 202
    assert len(outbox()) == sent + 1 and "mapping/confirm" not in outbox()[-1]["text"]
    assert profile(cid).login_sub is None

    mapping.unfreeze(cid)  # an operator reviewed the case
    status, _, _ = call(
        "auth_mapping", "POST", "/mapping/score-report", sub="sub-y", body=body | {"new_email": "y@example.com"}
    )
    assert status == 202


def test_a_link_issued_before_the_freeze_cannot_map(outbox: Any) -> None:
    cand = candidate(last_name="Twice", email="twice@example.com")
    exam(cand.candidate_id, "REG556")
    body = {"last_name": "Twice", "registration_number": "REG556", "new_email": "late@example.com"}
    assert call("auth_mapping", "POST", "/mapping/score-report", sub="sub-late", body=body)[0] == 202
    pending = token_in(outbox()[-1])
    cand.update(actions=[CandidateItem.frozen_at.set(datetime.now(UTC))])
    status, problem, _ = call("auth_mapping", "POST", "/mapping/confirm", sub="sub-late", body={"token": pending})
    assert status == 409 and problem["code"] == "record_frozen"
    assert profile(cand.candidate_id).login_sub is None


@pytest.mark.parametrize("token", ["nope", "A" * 43, ""])
def test_unknown_or_malformed_links_are_a_neutral_404_page(token: str) -> None:
    status, html, headers = page("POST", token) if token else page("GET", None)
    if token:
        assert status == 404 and "Link not valid" in html
        assert headers["content-type"].startswith("text/html")
    else:
        assert status == 422


def test_the_link_expires_after_thirty_days(taken: dict[str, Any]) -> None:
    later = datetime.now(UTC) + mapping.DISPUTE_LIFETIME + timedelta(minutes=1)
    assert mapping.view_dispute(taken["token"], later).state == "invalid"
    assert mapping.dispute(taken["token"], later).state == "invalid"
    assert profile(taken["candidate"].candidate_id).frozen_at is None


def test_a_record_changed_since_is_not_frozen_by_an_old_link(taken: dict[str, Any]) -> None:
    cid = taken["candidate"].candidate_id
    CandidateItem(*CandidateItem.key(cid)).update(actions=[CandidateItem.login_sub.set("sub-after-review")])
    status, html, _ = page("POST", taken["token"])
    assert status == 404 and "Link not valid" in html
    assert profile(cid).frozen_at is None and profile(cid).login_sub == "sub-after-review"


def test_mapping_by_email_sends_no_notice(outbox: Any) -> None:
    candidate(email="own@example.com")
    call("auth_mapping", "POST", "/mapping/email", sub="sub-own", body={"email": "own@example.com"})
    token = token_in(outbox()[-1])
    assert call("auth_mapping", "POST", "/mapping/confirm", sub="sub-own", body={"token": token})[0] == 200
    assert [m["to"] for m in outbox()] == ["own@example.com"]


def test_a_failed_notice_is_503_and_maps_nothing(outbox: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from certtrack import email
    from certtrack.errors import ServiceUnavailable

    cand = candidate(last_name="Quiet", email="quiet@example.com")
    exam(cand.candidate_id, "REG557")
    body = {"last_name": "Quiet", "registration_number": "REG557", "new_email": "newq@example.com"}
    assert call("auth_mapping", "POST", "/mapping/score-report", sub="sub-q", body=body)[0] == 202
    token = token_in(outbox()[-1])

    def down(*_: Any, **__: Any) -> str:
        raise ServiceUnavailable("down", code="email_unavailable")

    monkeypatch.setattr(email, "send", down)
    status, problem, _ = call("auth_mapping", "POST", "/mapping/confirm", sub="sub-q", body={"token": token})
    assert status == 503 and problem["code"] == "email_unavailable"
    stored = profile(cand.candidate_id)
    assert stored.login_sub is None and stored.email == "quiet@example.com"
