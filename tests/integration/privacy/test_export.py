"""GET /me/data-export through the real AuthMapping handler: every section, no keys, nobody else's
data, audited without the data."""

from __future__ import annotations

import json
from typing import Any

from certtrack import keys
from certtrack.privacy.models import PrivacyAuditItem
from certtrack.privacy.sections import OTHER, SECTIONS

from tests.conftest import call
from tests.integration.privacy.conftest import Person

OUTSIDE = {"login", "identifiers", "verification_codes", "credentials", "support_cases"}
KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "expires_at"}


def export(person: Person) -> tuple[int, Any, dict[str, Any]]:
    return person.call("auth_mapping", "GET", "/me/data-export")


def names(node: Any) -> set[str]:
    """Every object key anywhere in a JSON value."""
    if isinstance(node, dict):
        return set(node) | {n for value in node.values() for n in names(value)}
    if isinstance(node, list):
        return {n for value in node for n in names(value)}
    return set()


def audits(candidate_id: str) -> list[PrivacyAuditItem]:
    return list(
        PrivacyAuditItem.query(
            keys.candidate_pk(candidate_id), PrivacyAuditItem.SK.startswith(keys.PRIVACY_AUDIT_PREFIX)
        )
    )


def test_a_candidate_with_one_of_everything_gets_every_section(ada: Person, bob: Person) -> None:
    status, body, headers = export(ada)
    assert status == 200
    assert headers["content-type"].startswith("application/json")
    disposition = headers["content-disposition"]
    assert disposition.startswith('attachment; filename="certtrack-data-') and disposition.endswith('.json"')
    assert ada.candidate_id in disposition
    assert body["candidate_id"] == ada.candidate_id and body["format"] == "certtrack-data-export/1"

    sections = body["sections"]
    assert set(sections) == {*SECTIONS.values(), OTHER} | OUTSIDE
    # The first export has no earlier privacy request to list; every other section has something.
    # Empty: the export's own audit (written after it), and the case pointers (this candidate was
    # never in a support case; the mapping tests open those).
    assert [name for name, entries in sections.items() if not entries] == ["support_case_refs", "privacy_audit"]

    [profile] = sections["profile"]
    assert (profile["first_name"], profile["last_name"], profile["email"]) == ("Ada", "Lovelace", ada.email)
    assert profile["attributes"]["job_title"] == "Ada's job"
    assert profile["settings"]["partner_or_reseller"] is True
    assert profile["settings"]["language"] == "ja" and profile["settings"]["updated"]["language"]
    assert {a["field"] for a in sections["settings_audit"]} == {
        "program_employee",
        "partner_or_reseller",
        "email_notifications",
        "academy_student",
        "verification_consent",
    }
    [transcript] = sections["transcripts"]
    assert transcript["views"] == 1
    [address] = sections["shipping_address"]
    assert address["address"]["first_name"] == "Ada"
    assert [c["code"] for c in sections["verification_codes"]] != []
    assert ada.verification_code in {c["code"] for c in sections["verification_codes"]}
    assert {c["kind"] for c in sections["verification_codes"]} == {"certificate", "fulfillment"}
    [credential] = sections["credentials"]
    assert credential["document"]["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    [mapping] = sections["login"]
    assert mapping["candidate_id"] == ada.candidate_id
    assert {i["label"]: i["value"] for i in sections["identifiers"]}["Login ID"] == "ada"
    [other] = sections[OTHER]
    assert other == {"item_type": "FUTURE", "note": "future data of Ada"}
    assert [c["reason"] for c in sections["support_cases"]] == ["duplicate_email"]

    assert names(sections) & KEYS == set(), "the table's keys are left out"
    text = json.dumps(body)
    for value in bob.strings:
        assert value not in text, f"Bob's {value!r} is in Ada's export"


def test_the_export_is_audited_without_the_data(ada: Person) -> None:
    status, _, _ = export(ada)
    assert status == 200
    [audit] = audits(ada.candidate_id)
    assert (audit.action, audit.login_sub, audit.candidate_id) == ("data_export", ada.sub, ada.candidate_id)
    assert "profile 1" in audit.summary and "transcripts 1" in audit.summary
    stored = json.dumps(audit.to_simple_dict(force=True))
    for value in ada.strings - {ada.candidate_id, ada.sub}:
        assert value not in stored

    status, again, _ = export(ada)
    assert status == 200
    assert [a["action"] for a in again["sections"]["privacy_audit"]] == ["data_export"]
    assert len(audits(ada.candidate_id)) == 2


def test_an_unmapped_login_has_nothing_to_export(ada: Person) -> None:
    status, body, _ = call("auth_mapping", "GET", "/me/data-export", sub="sub-nobody", username="nobody")
    assert (status, body["code"]) == (403, "account_not_mapped")
    assert audits(ada.candidate_id) == []
