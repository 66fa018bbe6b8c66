"""Digital badges through the real certifications handler: issue once per period, serve the signed
credential, resolve its key from the DID document, renewal and key rotation."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from certtrack.badges import multikey, proof, statuslist, store
from certtrack.certifications.models import CertificationItem

from tests.conftest import call
from tests.factories import candidate, certification, days

pytestmark = pytest.mark.usefixtures("aws")

SUB = "sub-badges"
EMAIL = "Badge.Holder@example.com"
BASE = "https://certs.example.com"
DID = "did:web:certs.example.com"


@pytest.fixture
def holder() -> str:
    return candidate(email=EMAIL, login_sub=SUB).candidate_id


def badges(sub: str = SUB) -> tuple[int, Any]:
    status, body, _ = call("certifications", "GET", "/me/badges", sub=sub)
    return status, body


def public(credential_url: str) -> tuple[int, Any, dict[str, Any]]:
    credential_id = credential_url.rsplit("/", 1)[-1]
    return call(
        "certifications",
        "GET",
        f"/public/credentials/{credential_id}",
        resource="/public/credentials/{credential_id}",
        path_parameters={"credential_id": credential_id},
    )


def did_document() -> dict[str, Any]:
    status, body, headers = call("certifications", "GET", "/.well-known/did.json")
    assert status == 200, body
    assert headers["content-type"] == "application/did+ld+json"
    return dict(body)


def resolver(document: dict[str, Any]) -> Any:
    methods = {method["id"]: method["publicKeyMultibase"] for method in document["verificationMethod"]}
    assert set(document["assertionMethod"]) == set(methods)
    return lambda method_id: multikey.public_key(methods[method_id]) if method_id in methods else None


def test_a_held_certification_is_a_signed_open_badge(holder: str) -> None:
    certification(holder, "ccna", active_date=days(-100), expiration_date=days(995))

    status, body = badges()

    assert status == 200, body
    [badge] = body["badges"]
    assert (badge["certification_id"], badge["name"], badge["status"]) == ("ccna", "CCNA", "active")
    assert badge["credential_url"].startswith(f"{BASE}/public/credentials/")
    assert badge["image_url"].startswith("data:image/svg+xml;base64,")
    linkedin = parse_qs(urlsplit(badge["linkedin_url"]).query)
    assert linkedin["certUrl"] == [badge["credential_url"]]
    assert linkedin["name"] == ["CCNA"]

    status, credential, headers = public(badge["credential_url"])
    assert status == 200, credential
    assert headers["content-type"] == "application/ld+json"
    assert "max-age=300" in headers["cache-control"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"] == badge["credential_url"]
    assert credential["issuer"]["id"] == DID
    assert credential["issuer"]["type"] == ["Profile"]
    assert (credential["validFrom"], credential["validUntil"]) == (f"{days(-100)}T00:00:00Z", f"{days(995)}T23:59:59Z")
    subject = credential["credentialSubject"]
    [identifier] = subject["identifier"]
    digest = hashlib.sha256((EMAIL.lower() + identifier["salt"]).encode()).hexdigest()
    assert identifier["identityHash"] == f"sha256${digest}"
    assert EMAIL.lower() not in json.dumps(credential).lower()
    assert "200-301" in subject["achievement"]["criteria"]["narrative"]
    entries = credential["credentialStatus"]
    assert [entry["statusPurpose"] for entry in entries] == ["revocation", "suspension"]
    assert {entry["type"] for entry in entries} == {"BitstringStatusListEntry"}
    assert entries[0]["statusListCredential"] == f"{BASE}/public/status/revocation-0"

    checked = proof.verify(credential, resolver(did_document()))
    assert checked["verificationMethod"] == f"{DID}#key-1"
    assert checked["cryptosuite"] == "eddsa-rdfc-2022"

    credential["credentialSubject"]["achievement"]["name"] = "CCIE"
    with pytest.raises(proof.ProofInvalid, match="signature does not match"):
        proof.verify(credential, resolver(did_document()))


def test_listing_again_issues_nothing_new_and_renewal_issues_the_next_credential(holder: str) -> None:
    record = certification(holder, "ccna", active_date=days(-100), expiration_date=days(995))
    first = badges()[1]["badges"][0]["credential_url"]
    assert badges()[1]["badges"][0]["credential_url"] == first

    # Renewed ten days ago (as the rules engine stores it): the period runs from the renewal day
    # to the old expiry plus the validity.
    record.update(
        actions=[
            CertificationItem.active_date.set(date.fromisoformat(days(-10))),
            CertificationItem.expiration_date.set(date.fromisoformat(days(995 + 1095))),
        ]
    )

    renewed = badges()[1]["badges"][0]["credential_url"]
    assert renewed != first
    old, new = public(first)[1], public(renewed)[1]
    assert old["validFrom"] == f"{days(-100)}T00:00:00Z"
    assert new["validFrom"] == f"{days(-10)}T00:00:00Z"
    indexes = {old["credentialStatus"][0]["statusListIndex"], new["credentialStatus"][0]["statusListIndex"]}
    assert len(indexes) == 2  # an index is never handed out twice
    document = did_document()
    proof.verify(old, resolver(document))
    proof.verify(new, resolver(document))


def test_expired_certifications_keep_their_badge_and_unearned_or_revoked_ones_get_none(holder: str) -> None:
    certification(holder, "ccna", status="expired", active_date=days(-1200), expiration_date=days(-105))
    certification(holder, "ccnp-enterprise", status="in_progress", active_date=None, expiration_date=None)
    certification(holder, "ccde", status="revoked", active_date=days(-30), expiration_date=days(1000))

    [badge] = badges()[1]["badges"]

    assert (badge["certification_id"], badge["status"]) == ("ccna", "expired")


def test_a_rotated_key_signs_new_badges_and_old_ones_still_verify(holder: str) -> None:
    from aws_lambda_powertools.utilities import parameters

    certification(holder, "ccna", active_date=days(-100), expiration_date=days(995))
    old = public(badges()[1]["badges"][0]["credential_url"])[1]
    client = boto3.client("secretsmanager")
    keyset = json.loads(client.get_secret_value(SecretId="certtrack-test-badge-keys")["SecretString"])
    assert keyset["active"] == "key-1" and len(keyset["key-1"]) >= 48  # generated as the template says
    client.put_secret_value(
        SecretId="certtrack-test-badge-keys", SecretString=json.dumps(keyset | {"key-2": "r" * 64, "active": "key-2"})
    )
    parameters.clear_caches()  # the 5-minute cache has run out
    certification(holder, "specialist-enterprise-core", active_date=days(-5), expiration_date=days(1090))

    listed = {badge["certification_id"]: badge for badge in badges()[1]["badges"]}
    new = public(listed["specialist-enterprise-core"]["credential_url"])[1]

    document = did_document()
    assert [method["id"] for method in document["verificationMethod"]] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert proof.verify(new, resolver(document))["verificationMethod"] == f"{DID}#key-2"
    assert proof.verify(old, resolver(document))["verificationMethod"] == f"{DID}#key-1"


@pytest.mark.parametrize("credential_id", ["0" * 32, "not-an-id", "../../etc"])
def test_an_unknown_credential_is_a_404_problem(credential_id: str) -> None:
    status, body, headers = public(f"{BASE}/public/credentials/{credential_id}")

    assert status == 404
    assert body["code"] == "credential_not_found"
    assert headers["content-type"] == "application/problem+json"


def test_an_unmapped_login_gets_403() -> None:
    status, body = badges("sub-nobody")

    assert status == 403
    assert body["code"] == "account_not_mapped"


def test_the_badge_and_its_credential_are_stored_together(holder: str) -> None:
    certification(holder, "ccna", active_date=days(-100), expiration_date=days(995))
    url = badges()[1]["badges"][0]["credential_url"]

    [badge] = store.badges_of(holder)
    assert (badge.cert_id, badge.valid_from, badge.valid_until) == ("ccna", days(-100), days(995))
    assert url.endswith(badge.credential_id)
    issued = store.credential(badge.credential_id)
    assert issued is not None
    assert (issued.candidate_id, issued.status_index) == (holder, badge.status_index)
    assert json.loads(issued.document) == public(url)[1]
    # The same period again (a concurrent listing) is refused by the transaction's conditions.
    assert store.save_issued(badge, issued) is False


def status_list(list_id: str) -> tuple[int, Any]:
    status, body, headers = call(
        "certifications",
        "GET",
        f"/public/status/{list_id}",
        resource="/public/status/{list_id}",
        path_parameters={"list_id": list_id},
    )
    if status == 200:
        assert headers["content-type"] == "application/ld+json"
    return status, body


def bit(credential: dict[str, Any], purpose: str) -> bool:
    [entry] = [e for e in credential["credentialStatus"] if e["statusPurpose"] == purpose]
    status, listed = status_list(entry["statusListCredential"].rsplit("/", 1)[-1])
    assert status == 200, listed
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listed["credentialSubject"]["statusPurpose"] == purpose
    assert listed["issuer"] == credential["issuer"]["id"]
    proof.verify(listed, resolver(did_document()))
    bits = statuslist.decode(listed["credentialSubject"]["encodedList"])
    return statuslist.is_set(bits, int(entry["statusListIndex"]))


def test_status_bits_follow_lapse_renewal_and_revocation(holder: str) -> None:
    record = certification(holder, "ccna", active_date=days(-1200), expiration_date=days(-105))
    record.update(actions=[CertificationItem.status.set("active")])  # lapsed, the daily check not run yet
    lapsed = public(badges()[1]["badges"][0]["credential_url"])[1]
    assert (bit(lapsed, "suspension"), bit(lapsed, "revocation")) == (True, False)

    record.update(
        actions=[
            CertificationItem.active_date.set(date.fromisoformat(days(-1))),
            CertificationItem.expiration_date.set(date.fromisoformat(days(1094))),
        ]
    )
    [renewed_badge] = badges()[1]["badges"]
    renewed = public(renewed_badge["credential_url"])[1]
    assert renewed_badge["status"] == "active"
    assert (bit(renewed, "suspension"), bit(renewed, "revocation")) == (False, False)
    assert bit(lapsed, "suspension") is False  # reinstated by the renewal

    record.update(actions=[CertificationItem.status.set("revoked")])
    [revoked_badge] = badges()[1]["badges"]
    assert revoked_badge["status"] == "revoked"
    assert (bit(renewed, "revocation"), bit(lapsed, "revocation")) == (True, True)
    assert bit(renewed, "suspension") is False


@pytest.mark.parametrize("list_id", ["revocation-01", "expiry-0", "revocation-x"])
def test_an_unknown_status_list_is_a_404_problem(list_id: str) -> None:
    status, body = status_list(list_id)

    assert status == 404
    assert body["code"] == "status_list_not_found"


def test_an_empty_list_is_served_signed() -> None:
    status, listed = status_list("suspension-3")

    assert status == 200
    assert listed["id"] == f"{BASE}/public/status/suspension-3"
    assert not any(statuslist.decode(listed["credentialSubject"]["encodedList"]))
    proof.verify(listed, resolver(did_document()))
