"""Grants and corrections through the real operations handler on moto: each action's effect, its
audit item (before → after, reason, operator) and history text; bad input changes nothing;
candidates get 403. The revoked state is read back through the certifications handler's public
verification route, the certificate download and the badge's status list."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from certtrack import clock, keys
from certtrack.badges import statuslist
from certtrack.certifications import certificates
from certtrack.certifications.models import CECreditItem, CertificationItem
from certtrack.identity.models import CandidateItem, name_keys
from certtrack.identity.operator_audit import OperatorAuditItem
from certtrack.operations.audit import candidate_audit
from certtrack.program.rules import add_years
from certtrack.settings import get_settings
from pypdf import PdfReader

from tests.conftest import call
from tests.factories import candidate
from tests.factories.csv_rows import ce_row, exam_row
from tests.integration.certifications.conftest import import_credits, import_exams

pytestmark = pytest.mark.usefixtures("aws")

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
HOLDER_SUB = "sub-holder"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with clock.frozen(NOW):
        yield


def ops(method: str, path: str, body: Any, **kwargs: Any) -> tuple[int, Any]:
    status, parsed, _ = call(
        "operations",
        method,
        path,
        body=body,
        sub=kwargs.pop("sub", "sub-alice"),
        username="alice",
        groups=kwargs.pop("groups", ["operators"]),
        **kwargs,
    )
    return status, parsed


def holder_of_ccna() -> str:
    """A candidate mapped to HOLDER_SUB who earned CCNA by exam on 2026-05-10 (expires 2029-05-10)."""
    cid = candidate(candidate_id="CSCO20000001", first_name="John", last_name="Doe", login_sub=HOLDER_SUB).candidate_id
    report = import_exams([exam_row(candidate_id=cid, exam_date="2026-05-10")], NOW)
    assert report.imported == 1, report
    return cid


def record(cid: str, cert_id: str = "ccna") -> CertificationItem:
    return CertificationItem.get(keys.candidate_pk(cid), keys.cert_sk(cert_id), consistent_read=True)


def history(cid: str, cert_id: str) -> list[str]:
    status, body, _ = call("certifications", "GET", f"/me/certifications/{cert_id}", sub=HOLDER_SUB)
    assert status == 200, body
    return [entry["event"] for entry in body["history"]]


def audits(cid: str) -> list[OperatorAuditItem]:
    return list(OperatorAuditItem.query(keys.candidate_pk(cid), OperatorAuditItem.SK.startswith("OPAUDIT#")))


def verify_json(code: str) -> dict[str, Any]:
    status, body, _ = call(
        "certifications",
        "GET",
        f"/public/verify/{code}",
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
        headers={"Accept": "application/json"},
    )
    assert status == 200, body
    return dict(body)


def pdf_text(key: str) -> str:
    body = boto3.client("s3").get_object(Bucket=get_settings().documents_bucket, Key=key)["Body"].read()
    return "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def download(cid: str) -> tuple[int, Any]:
    status, body, _ = call("certifications", "POST", "/me/certifications/ccna/certificate", sub=HOLDER_SUB)
    return status, body


# ---------------------------------------------------------------- grant


def test_a_grant_makes_the_certification_active_for_its_validity_with_audit_and_history() -> None:
    cid = candidate(candidate_id="CSCO20000002", login_sub=HOLDER_SUB).candidate_id

    status, body = ops("POST", f"/ops/candidates/{cid}/grants", {"certification_id": "ccna", "reason": "Lost exam"})

    assert status == 201, body
    until = add_years(TODAY, 3)
    assert body == {
        "candidate_id": cid,
        "certification_id": "ccna",
        "status": "active",
        "active_date": TODAY.isoformat(),
        "expiration_date": until.isoformat(),
    }
    stored = record(cid)
    assert (stored.status, stored.granted_on, stored.expiration_date) == ("active", TODAY, until)
    assert stored.GSI2SK is not None and stored.GSI2SK.startswith(
        f"{(until - timedelta(days=90)).isoformat()}#CERT:r90"
    )
    assert "Manually granted certification" in history(cid, "ccna")
    [entry] = audits(cid)
    assert (entry.action, entry.target, entry.reason, entry.login_username) == ("grant", "ccna", "Lost exam", "alice")
    assert (entry.before, entry.after) == ("not held", f"granted: active, {TODAY} to {until}")
    assert candidate_audit(cid)[0].action == "grant"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"certification_id": "nope", "reason": "x"}, 422, "unknown_certification"),
        ({"certification_id": "ccna", "reason": "   "}, 422, "validation_error"),
        ({"certification_id": "ccna"}, 422, "validation_error"),
    ],
)
def test_a_bad_grant_changes_nothing(body: dict[str, str], status: int, code: str) -> None:
    cid = candidate(candidate_id="CSCO20000003").candidate_id

    got, problem = ops("POST", f"/ops/candidates/{cid}/grants", body)

    assert (got, problem["code"]) == (status, code), problem
    assert audits(cid) == []
    with pytest.raises(CertificationItem.DoesNotExist):
        record(cid)


def test_a_grant_of_an_active_certification_or_an_unknown_candidate_is_refused() -> None:
    cid = holder_of_ccna()
    before = record(cid)

    status, problem = ops("POST", f"/ops/candidates/{cid}/grants", {"certification_id": "ccna", "reason": "again"})
    assert (status, problem["code"]) == (409, "already_active")
    assert "already active" in problem["detail"]
    assert record(cid).attribute_values == before.attribute_values
    assert audits(cid) == []

    status, problem = ops("POST", "/ops/candidates/CSCO29999999/grants", {"certification_id": "ccna", "reason": "x"})
    assert (status, problem["code"]) == (404, "candidate_not_found")


def test_candidates_get_403_and_change_nothing() -> None:
    cid = holder_of_ccna()
    for method, path, body in [
        ("POST", f"/ops/candidates/{cid}/grants", {"certification_id": "ccnp-enterprise", "reason": "x"}),
        ("POST", f"/ops/candidates/{cid}/certifications/ccna/revoke", {"reason": "x"}),
        ("POST", f"/ops/candidates/{cid}/certifications/ccna/extend", {"expires_on": "2031-01-01", "reason": "x"}),
        ("PUT", f"/ops/candidates/{cid}/name", {"first_name": "J", "last_name": "D", "reason": "x"}),
    ]:
        status, problem = ops(method, path, body, sub=HOLDER_SUB, groups=[])
        assert (status, problem["code"]) == (403, "operators_only"), path
    assert record(cid).status == "active"
    assert audits(cid) == []


# ---------------------------------------------------------------- revoke


def test_a_revocation_shows_everywhere_and_survives_re_evaluation() -> None:
    cid = holder_of_ccna()
    status, link = download(cid)
    assert status == 200, link
    code = record(cid).verification_code
    assert code
    status, listed, _ = call("certifications", "GET", "/me/badges", sub=HOLDER_SUB)
    assert status == 200
    credential_id = listed["badges"][0]["credential_url"].rsplit("/", 1)[-1]

    status, body = ops("POST", f"/ops/candidates/{cid}/certifications/ccna/revoke", {"reason": "Misconduct"})

    assert status == 200, body
    assert body["status"] == "revoked"
    stored = record(cid)
    assert (stored.status, stored.revoked_on) == ("revoked", TODAY)
    assert stored.GSI2SK is None  # off the due index: no reminders for a revoked certification
    assert verify_json(code)["status"] == "revoked"
    status, problem = download(cid)
    assert (status, problem["code"]) == (409, "certificate_unavailable")
    assert "revoked" in problem["detail"]
    events = history(cid, "ccna")
    assert events[0] == "Certification revoked"
    assert "Certification earned" in events  # the past stays in the history
    [entry] = audits(cid)
    assert (entry.action, entry.before, entry.after) == ("revoke", "active, 2026-05-10 to 2029-05-10", "revoked")
    # the badge's revocation bit, through the public status list, and the verifier's answer
    status, document, _ = call(
        "certifications",
        "GET",
        f"/public/credentials/{credential_id}",
        resource="/public/credentials/{credential_id}",
        path_parameters={"credential_id": credential_id},
    )
    [entry_status] = [e for e in document["credentialStatus"] if e["statusPurpose"] == "revocation"]
    list_id = entry_status["statusListCredential"].rsplit("/", 1)[-1]
    status, status_list, _ = call(
        "certifications",
        "GET",
        f"/public/status/{list_id}",
        resource="/public/status/{list_id}",
        path_parameters={"list_id": list_id},
    )
    bits = statuslist.decode(status_list["credentialSubject"]["encodedList"])
    assert statuslist.is_set(bits, int(entry_status["statusListIndex"]))
    status, report, _ = call("certifications", "POST", "/public/credentials/verify", body=document)
    assert status == 200, report
    assert report["checks"]["status"]["result"] == "revoked"

    # another import of the same exam and the next evaluation keep it revoked
    import_exams([exam_row(candidate_id=cid, exam_date="2026-11-20", registration_number="REG-X1")], NOW)
    assert record(cid).status == "revoked"
    assert verify_json(code)["status"] == "revoked"


def test_a_revocation_without_a_reason_changes_nothing_and_a_new_grant_lifts_it() -> None:
    cid = holder_of_ccna()
    before = record(cid)

    status, problem = ops("POST", f"/ops/candidates/{cid}/certifications/ccna/revoke", {"reason": ""})
    assert (status, problem["code"]) == (422, "validation_error")
    assert record(cid).attribute_values == before.attribute_values
    assert audits(cid) == []

    assert ops("POST", f"/ops/candidates/{cid}/certifications/ccna/revoke", {"reason": "Misconduct"})[0] == 200
    status, problem = ops("POST", f"/ops/candidates/{cid}/certifications/ccna/revoke", {"reason": "again"})
    assert (status, problem["code"]) == (409, "already_revoked")

    status, body = ops("POST", f"/ops/candidates/{cid}/grants", {"certification_id": "ccna", "reason": "Appeal won"})
    assert status == 201, body
    assert (body["status"], body["active_date"]) == ("active", TODAY.isoformat())
    events = history(cid, "ccna")
    assert {"Manually granted certification", "Certification revoked", "Certification earned"} <= set(events)
    assert record(cid).revocation_lifted_on == TODAY


# ---------------------------------------------------------------- extend


def test_an_extension_moves_the_expiry_and_its_due_entry() -> None:
    cid = holder_of_ccna()
    new = date(2029, 11, 10)

    status, body = ops(
        "POST", f"/ops/candidates/{cid}/certifications/ccna/extend", {"expires_on": new.isoformat(), "reason": "Leave"}
    )

    assert status == 200, body
    assert body["expiration_date"] == new.isoformat()
    stored = record(cid)
    assert stored.expiration_date == new
    assert stored.GSI2SK is not None and stored.GSI2SK.startswith(f"{(new - timedelta(days=90)).isoformat()}#CERT:r90")
    assert "Expiration date extended to 2029-11-10" in history(cid, "ccna")
    [entry] = audits(cid)
    assert (entry.before, entry.after) == ("expires 2029-05-10", "expires 2029-11-10")
    # a later import re-evaluates and keeps the extension
    import_exams([exam_row(candidate_id=cid, exam_date="2026-05-10", registration_number="REG-X2")], NOW)
    assert record(cid).expiration_date == new


@pytest.mark.parametrize(
    ("expires_on", "code"),
    [("2029-05-10", "expiry_not_later"), ("2034-05-11", "expiry_too_late"), ("9999-12-31", "expiry_too_late")],
)
def test_an_extension_to_an_earlier_or_a_far_day_changes_nothing(expires_on: str, code: str) -> None:
    cid = holder_of_ccna()
    before = record(cid)
    status, problem = ops(
        "POST", f"/ops/candidates/{cid}/certifications/ccna/extend", {"expires_on": expires_on, "reason": "x"}
    )
    assert (status, problem["code"]) == (422, code)
    assert problem["errors"][0]["field"] == "expires_on"
    assert record(cid).attribute_values == before.attribute_values
    assert audits(cid) == []


# ---------------------------------------------------------------- CE credits


def test_added_credits_count_and_a_voided_one_stops_counting() -> None:
    cid = holder_of_ccna()
    path = f"/ops/candidates/{cid}/ce-credits"
    credit = {"activity_name": "Cisco Live", "provider_name": "Cisco", "active_date": "2026-11-20", "reason": "Missed"}

    status, added = ops("POST", path, credit | {"points": 30, "external_id": "LIVE-1"})

    assert status == 201, added
    assert (added["external_id"], added["points"], added["status"]) == ("LIVE-1", 30.0, "active")
    renewed = record(cid)
    assert renewed.expiration_date == date(2032, 5, 10)  # recertified by 30 CE credits
    assert "CE credit added: Cisco Live (30 points)" in history(cid, "ccna")

    status, problem = ops("POST", path, credit | {"points": 5, "external_id": "LIVE-1"})
    assert (status, problem["code"]) == (409, "credit_exists")
    status, problem = ops("POST", path, credit | {"points": -1})
    assert (status, problem["code"]) == (422, "invalid_credit")
    assert "greater than 0" in problem["detail"]

    status, voided = ops("POST", f"{path}/LIVE-1/void", {"reason": "Entered twice"})

    assert status == 200, voided
    assert voided["status"] == "void"
    assert record(cid).expiration_date == date(2029, 5, 10)  # the renewal is gone with the credit
    item = CECreditItem.get(keys.candidate_pk(cid), keys.ce_sk("LIVE-1"))
    assert item.status == "void"
    assert item.GSI2SK is None
    assert "CE credit voided: Cisco Live (30 points)" in history(cid, "ccna")
    assert sorted((a.action, a.target) for a in audits(cid)) == [("ce_add", "LIVE-1"), ("ce_void", "LIVE-1")]
    status, problem = ops("POST", f"{path}/LIVE-1/void", {"reason": "again"})
    assert (status, problem["code"]) == (409, "already_void")


def test_a_voided_credit_stays_void_when_its_file_is_imported_again() -> None:
    cid = holder_of_ccna()
    row = ce_row(candidate_id=cid, external_id="FEED-7", points="30", active_date="2026-11-20")
    assert import_credits([row], NOW).imported == 1
    assert record(cid).expiration_date == date(2032, 5, 10)  # renewed by the 30 credits
    status, voided = ops("POST", f"/ops/candidates/{cid}/ce-credits/FEED-7/void", {"reason": "Not attended"})
    assert status == 200, voided

    report = import_credits([row, ce_row(candidate_id=cid, external_id="FEED-8", points="2")], NOW)

    assert (report.imported, report.rejected) == (2, [])
    item = CECreditItem.get(keys.candidate_pk(cid), keys.ce_sk("FEED-7"))
    assert (item.status, item.review) == ("void", "Voided by the program")
    assert CECreditItem.get(keys.candidate_pk(cid), keys.ce_sk("FEED-8")).status == "active"
    assert record(cid).expiration_date == date(2029, 5, 10)  # the voided credit still does not count


# ---------------------------------------------------------------- name


def test_a_name_correction_reissues_the_certificate_and_supersedes_the_old_code() -> None:
    cid = holder_of_ccna()
    assert download(cid)[0] == 200
    old_code = record(cid).verification_code
    assert old_code

    status, body = ops(
        "PUT", f"/ops/candidates/{cid}/name", {"first_name": "Jöhn", "last_name": "Doé", "reason": "Passport"}
    )

    assert status == 200, body
    assert body["reissued_certificates"] == ["ccna"]
    profile = CandidateItem.get(*CandidateItem.key(cid))
    assert (profile.first_name, profile.last_name) == ("Jöhn", "Doé")
    expected = name_keys("Jöhn", "Doé", cid)
    assert (expected["GSI3PK"], expected["GSI3SK"]) == (profile.GSI3PK, profile.GSI3SK)
    old = verify_json(old_code)
    assert (old["superseded"], old["superseded_on"]) == (True, TODAY.isoformat())
    status, link = download(cid)
    assert status == 200, link
    reissued = record(cid)
    new_code = reissued.verification_code
    assert new_code and new_code != old_code
    first_key = certificates.certificate_key(cid, "ccna", "2026-05-10")
    new_key = certificates.certificate_key(cid, "ccna", "2026-05-10", reissued.certificate_edition)
    assert new_key != first_key
    assert "Jöhn Doé" in pdf_text(new_key) and new_code in pdf_text(new_key)
    assert "John Doe" in pdf_text(first_key)  # the old document is kept; its code says superseded
    assert verify_json(new_code)["superseded"] is False
    assert verify_json(new_code)["holder"] == {"first_name": "Jöhn", "last_name": "Doé"}
    assert "Name corrected; certificate reissued" in history(cid, "ccna")
    [entry] = audits(cid)
    assert (entry.action, entry.before, entry.after) == ("name_correct", "John Doe", "Jöhn Doé")

    status, problem = ops(
        "PUT", f"/ops/candidates/{cid}/name", {"first_name": "Jöhn", "last_name": "Doé", "reason": "x"}
    )
    assert (status, problem["code"]) == (422, "name_unchanged")
