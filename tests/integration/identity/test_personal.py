"""GET|PUT /me/settings (audited), GET|PUT /me/attributes, GET /me/identifiers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from certtrack.auth import Login
from certtrack.errors import Conflict, Unprocessable
from certtrack.identity import personal
from certtrack.identity.models import CandidateItem

from tests.conftest import call
from tests.factories import candidate

pytestmark = pytest.mark.usefixtures("aws")

SUB = "sub-me"
ALL_TRUE = {
    "program_employee": True,
    "partner_or_reseller": True,
    "email_notifications": True,
    "academy_student": True,
    "verification_consent": True,
}


@pytest.fixture
def me() -> CandidateItem:
    return candidate(email="me@example.com", login_sub=SUB)


def me_call(method: str, path: str, body: Any = None) -> tuple[int, Any, dict[str, Any]]:
    return call("auth_mapping", method, path, sub=SUB, username="mylogin", body=body)


def test_settings_never_set_are_null(me: CandidateItem) -> None:
    status, body, _ = me_call("GET", "/me/settings")
    assert status == 200
    assert {k: body[k] for k in ALL_TRUE} == dict.fromkeys(ALL_TRUE)
    assert body["language"] is None
    assert body["updated"] == dict.fromkeys([*ALL_TRUE, "language"])


def test_put_settings_saves_timestamps_and_audits(me: CandidateItem) -> None:
    status, body, _ = me_call("PUT", "/me/settings", ALL_TRUE)
    assert status == 200
    assert {k: body[k] for k in ALL_TRUE} == ALL_TRUE
    assert all(body["updated"][k] for k in ALL_TRUE)
    assert me_call("GET", "/me/settings")[1] == body
    history = personal.settings_history(me.candidate_id)
    assert sorted(a.field for a in history) == sorted(ALL_TRUE)
    assert all(a.old_value is None and a.new_value is True and a.login_sub == SUB for a in history)


def test_only_changed_fields_get_new_timestamps_and_audit_items(me: CandidateItem, now: Any) -> None:
    login = Login(SUB, "mylogin", frozenset())
    personal.put_settings(me.candidate_id, ALL_TRUE, login, now)
    later = now + timedelta(days=1)
    view = personal.put_settings(me.candidate_id, {**ALL_TRUE, "email_notifications": False}, login, later)
    assert view.values["email_notifications"] is False
    assert view.updated["email_notifications"] == "2026-11-26T12:00:00Z"
    assert view.updated["program_employee"] == "2026-11-25T12:00:00Z"
    history = personal.settings_history(me.candidate_id)
    assert len(history) == 6
    newest = history[0]
    assert (newest.field, newest.old_value, newest.new_value) == ("email_notifications", True, False)
    # Saving the same values again changes nothing and audits nothing.
    personal.put_settings(me.candidate_id, {**ALL_TRUE, "email_notifications": False}, login, later + timedelta(1))
    assert len(personal.settings_history(me.candidate_id)) == 6


def test_settings_helper_reads_one_flag(me: CandidateItem, now: Any) -> None:
    personal.put_settings(
        me.candidate_id, {**ALL_TRUE, "verification_consent": False}, Login(SUB, "u", frozenset()), now
    )
    stored = CandidateItem.get_candidate(me.candidate_id)
    assert stored is not None
    assert personal.settings_of(stored)["verification_consent"] is False


def test_missing_settings_are_listed(me: CandidateItem) -> None:
    status, body, _ = me_call("PUT", "/me/settings", {"program_employee": True, "academy_student": False})
    assert status == 422
    assert sorted(e["field"] for e in body["errors"]) == [
        "email_notifications",
        "partner_or_reseller",
        "verification_consent",
    ]
    for label in ("Email notifications", "Partner or reseller", "Verification consent"):
        assert label in body["detail"]
    assert "_" not in body["detail"] and {e["message"] for e in body["errors"]} == {"This is required."}


@pytest.mark.parametrize("bad", ["yes", 1, None, "true"])
def test_settings_must_be_real_booleans(me: CandidateItem, bad: Any) -> None:
    status, body, _ = me_call("PUT", "/me/settings", {**ALL_TRUE, "academy_student": bad})
    assert status == 422 and [e["field"] for e in body["errors"]] == ["academy_student"]


def test_concurrent_settings_change_is_409(me: CandidateItem, now: Any) -> None:
    login = Login(SUB, "u", frozenset())
    personal.put_settings(me.candidate_id, ALL_TRUE, login, now)
    stale = CandidateItem.get_candidate(me.candidate_id)
    personal.put_settings(me.candidate_id, {**ALL_TRUE, "academy_student": False}, login, now + timedelta(1))
    original = CandidateItem.get_candidate
    try:
        CandidateItem.get_candidate = classmethod(lambda cls, cid: stale)  # type: ignore[method-assign,assignment]
        with pytest.raises(Conflict):
            personal.put_settings(me.candidate_id, {**ALL_TRUE, "program_employee": False}, login, now + timedelta(2))
    finally:
        CandidateItem.get_candidate = original  # type: ignore[method-assign]
    assert len(personal.settings_history(me.candidate_id)) == 6


def test_language_is_stored_timestamped_and_kept_when_absent(me: CandidateItem, now: Any) -> None:
    status, body, _ = me_call("PUT", "/me/settings", {**ALL_TRUE, "language": "ja"})
    assert status == 200 and body["language"] == "ja" and body["updated"]["language"]
    assert me_call("GET", "/me/settings")[1] == body
    stored = CandidateItem.get_candidate(me.candidate_id)
    assert stored is not None and personal.settings_of(stored)["language"] == "ja"
    # The language is a preference, not a consent: the audit trail holds the five flags only.
    assert sorted(a.field for a in personal.settings_history(me.candidate_id)) == sorted(ALL_TRUE)

    # Absent leaves it as it is; a flag change alone does not restamp it.
    status, after, _ = me_call("PUT", "/me/settings", {**ALL_TRUE, "academy_student": False})
    assert status == 200 and after["language"] == "ja" and after["updated"]["language"] == body["updated"]["language"]

    # Only the language changes: stamped, nothing audited.
    login = Login(SUB, "mylogin", frozenset())
    later = now + timedelta(days=3)
    view = personal.put_settings(
        me.candidate_id, {**ALL_TRUE, "academy_student": False, "language": "en"}, login, later
    )
    assert view.values["language"] == "en" and view.updated["language"] == "2026-11-28T12:00:00Z"
    assert len(personal.settings_history(me.candidate_id)) == 6

    # null clears the choice (the client follows the browser again).
    status, cleared, _ = me_call("PUT", "/me/settings", {**ALL_TRUE, "language": None})
    assert status == 200 and cleared["language"] is None and cleared["updated"]["language"]


@pytest.mark.parametrize("bad", ["fr", "EN", "", 1, True, ["ja"]])
def test_unknown_language_is_a_plain_422_and_changes_nothing(me: CandidateItem, bad: Any) -> None:
    assert me_call("PUT", "/me/settings", {**ALL_TRUE, "language": "ja"})[0] == 200
    status, body, _ = me_call("PUT", "/me/settings", {**ALL_TRUE, "academy_student": False, "language": bad})
    assert status == 422 and body["code"] == "validation_error"
    [error] = body["errors"]
    assert error["field"] == "language"
    assert error["message"] == "Choose one of: en or ja."
    assert "Language" in body["detail"] and "literal" not in body["detail"].lower()
    unchanged = me_call("GET", "/me/settings")[1]
    assert unchanged["language"] == "ja" and unchanged["academy_student"] is True


def test_the_domain_refuses_an_unknown_language_too(me: CandidateItem, now: Any) -> None:
    with pytest.raises(Unprocessable):
        personal.put_settings(me.candidate_id, {**ALL_TRUE, "language": "de"}, Login(SUB, "u", frozenset()), now)
    stored = CandidateItem.get_candidate(me.candidate_id)
    assert stored is not None and personal.settings_of(stored)["language"] is None


def test_unmapped_login_gets_403() -> None:
    for method, path in (("GET", "/me/settings"), ("GET", "/me/attributes"), ("GET", "/me/identifiers")):
        status, body, _ = call("auth_mapping", method, path, sub="sub-nobody")
        assert status == 403 and body["code"] == "account_not_mapped"


def test_attributes_list_the_catalog_with_values() -> None:
    cand = candidate(login_sub=SUB)
    cand.update(actions=[CandidateItem.attributes.set({"ccie_number": "12345"})])
    status, body, _ = me_call("GET", "/me/attributes")
    assert status == 200
    assert [a["key"] for a in body] == ["ccie_number", "ccde_number", "job_title", "academy_id"]
    by_key = {a["key"]: a for a in body}
    assert by_key["ccie_number"] == {
        "key": "ccie_number",
        "label": "CCIE Number",
        "value": "12345",
        "editable": False,
        "max_length": 100,
    }
    assert by_key["job_title"]["editable"] is True and by_key["job_title"]["value"] is None
    # The page's limit is the server's: a value one longer is refused in plain words, one that fits is kept.
    limit = by_key["job_title"]["max_length"]
    change = {"attributes": [{"key": "job_title", "value": "x" * (limit + 1)}]}
    status, problem, _ = me_call("PUT", "/me/attributes", change)
    assert status == 422
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [
        ("attributes.0.value", f"Use at most {limit} characters.")
    ]
    assert problem["detail"] == f"Job Title: Use at most {limit} characters."
    status, _, _ = me_call("PUT", "/me/attributes", {"attributes": [{"key": "job_title", "value": "x" * limit}]})
    assert status == 200


def test_put_job_title_keeps_other_attributes() -> None:
    cand = candidate(login_sub=SUB)
    cand.update(actions=[CandidateItem.attributes.set({"ccie_number": "12345"})])
    status, body, _ = me_call("PUT", "/me/attributes", {"attributes": [{"key": "job_title", "value": " Engineer "}]})
    assert status == 200
    values = {a["key"]: a["value"] for a in body}
    assert values["job_title"] == "Engineer" and values["ccie_number"] == "12345"
    status, body, _ = me_call("PUT", "/me/attributes", {"attributes": [{"key": "job_title", "value": None}]})
    assert {a["key"]: a["value"] for a in body}["job_title"] is None


def test_put_job_title_without_an_attributes_map(me: CandidateItem) -> None:
    status, body, _ = me_call("PUT", "/me/attributes", {"attributes": [{"key": "job_title", "value": "Architect"}]})
    assert status == 200
    assert {a["key"]: a["value"] for a in body}["job_title"] == "Architect"
    assert me_call("GET", "/me/attributes")[1] == body


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"key": "ccie_number", "value": "1"}, "read_only_attribute", "attributes.0.key"),
        ({"key": "academy_id", "value": "1"}, "read_only_attribute", "attributes.0.key"),
        ({"key": "shoe_size", "value": "44"}, "unknown_attribute", "attributes.0.key"),
        ({"key": "job_title", "value": "x" * 101}, "attribute_too_long", "attributes.0.value"),
        ({"key": "job_title", "value": "line\nbreak"}, "invalid_characters", "attributes.0.value"),
        ({"key": "job_title", "value": "bell\x07"}, "invalid_characters", "attributes.0.value"),
        ({"key": "job_title", "value": "zero\u200bwidth"}, "invalid_characters", "attributes.0.value"),
    ],
)
def test_attribute_rules_are_422(me: CandidateItem, change: dict[str, Any], code: str, field: str) -> None:
    status, body, _ = me_call("PUT", "/me/attributes", {"attributes": [change]})
    assert status == 422 and body["code"] == code
    assert body["errors"][0]["field"] == field
    assert {a["key"]: a["value"] for a in me_call("GET", "/me/attributes")[1]}["job_title"] is None


def test_job_title_of_100_accented_characters_is_fine(me: CandidateItem) -> None:
    title = "é" * 100
    status, body, _ = me_call("PUT", "/me/attributes", {"attributes": [{"key": "job_title", "value": title}]})
    assert status == 200 and {a["key"]: a["value"] for a in body}["job_title"] == title


@pytest.mark.parametrize(
    "body", [{"job_title": "x"}, {"attributes": []}, {"attributes": [{"key": "job_title", "value": 5}]}, {}]
)
def test_malformed_attribute_bodies_are_422(me: CandidateItem, body: Any) -> None:
    status, problem, _ = me_call("PUT", "/me/attributes", body)
    assert status == 422 and problem["code"] == "validation_error"


def test_identifiers(now: Any) -> None:
    cand = candidate(email="badge@example.com", login_sub=SUB)
    cand.update(actions=[CandidateItem.vendor_testing_id.set("VUE1234567")])
    status, body, _ = me_call("GET", "/me/identifiers")
    assert status == 200
    assert body == [
        {"label": "Login ID", "value": "mylogin"},
        {"label": "System ID", "value": cand.candidate_id},
        {"label": "Badging email", "value": "badge@example.com"},
        {"label": "Testing vendor ID", "value": "VUE1234567"},
    ]
