"""``POST /public/credentials/verify`` through the real certifications handler: our credential
verifies; a tampered field, a wrong key, another issuer, a revoked or suspended bit, an unknown
context and oversized or pathological input each get a clear answer, never a 5xx."""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

import pytest
from certtrack import i18n, keys, verification
from certtrack.badges import did, multikey, proof
from certtrack.certifications.models import CertificationItem
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import call
from tests.factories import candidate, certification, days
from tests.integration.badges.test_badges_routes import DID, SUB, badges, public

pytestmark = pytest.mark.usefixtures("aws")

PATH = "/public/credentials/verify"


def verify(body: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("certifications", "POST", PATH, body=body)


def issued(cert_id: str = "ccna", **dates: str) -> tuple[dict[str, Any], CertificationItem]:
    holder = candidate(email="verify@example.com", login_sub=SUB).candidate_id
    record = certification(
        holder,
        cert_id,
        active_date=dates.get("active_date", days(-100)),
        expiration_date=dates.get("expiration_date", days(995)),
    )
    return public(badges()[1]["badges"][0]["credential_url"])[1], record


def checks(body: dict[str, Any]) -> dict[str, str]:
    return {name: check["result"] for name, check in body["checks"].items()}


def test_our_credential_verifies() -> None:
    credential, _ = issued()

    status, body, headers = verify(credential)

    assert status == 200, body
    assert headers["content-type"] == "application/json"
    assert body["verified"] is True
    assert body["summary"].startswith("Verified")
    assert body["credential_id"] == credential["id"]
    assert checks(body) == {"issuer": "ours", "signature": "valid", "status": "active", "dates": "valid"}
    assert body["checks"]["signature"]["verification_method"] == f"{DID}#key-1"
    assert body["checks"]["dates"]["valid_until"] == f"{days(995)}T23:59:59Z"
    assert len(json.dumps(credential)) < 65_536 // 3  # the size limit leaves room for richer credentials


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c["credentialSubject"]["achievement"].update(name="CCIE Enterprise Infrastructure"),
        lambda c: c.update(validUntil="2099-12-31T23:59:59Z"),
        lambda c: c["credentialStatus"][1].update(statusListIndex="77"),
        lambda c: c["proof"].update(created="2020-01-01T00:00:00Z"),
    ],
    ids=["achievement name", "validUntil", "status index", "proof created"],
)
def test_a_tampered_field_is_an_invalid_signature(tamper: Any) -> None:
    credential, _ = issued()
    tampered = copy.deepcopy(credential)
    tamper(tampered)

    status, body, _ = verify(tampered)

    assert status == 200, body
    assert body["verified"] is False
    assert body["summary"].startswith("Invalid signature")
    assert checks(body)["signature"] == "invalid"
    assert body["checks"]["signature"]["reason"] == "signature_mismatch"
    assert checks(body)["status"] == "not_checked"  # unsigned status entries prove nothing


def test_a_credential_signed_with_another_key_is_invalid() -> None:
    credential, _ = issued()
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    stranger = Ed25519PrivateKey.generate()

    # Our method id with a key that is not ours, and an id our DID document does not list.
    forged = proof.sign(unsigned, stranger, f"{DID}#key-1", credential["proof"]["created"])
    unknown = proof.sign(unsigned, stranger, f"{DID}#key-9", credential["proof"]["created"])

    assert verify(forged)[1]["checks"]["signature"]["reason"] == "signature_mismatch"
    body = verify(unknown)[1]
    assert (checks(body)["signature"], body["checks"]["signature"]["reason"]) == ("invalid", "unknown_key")
    assert body["verified"] is False


def test_another_issuers_credential_is_not_ours() -> None:
    credential, _ = issued()
    other = copy.deepcopy(credential)
    other["issuer"]["id"] = "did:web:badges.example.org"
    key = Ed25519PrivateKey.generate()
    signed = proof.sign(
        {k: v for k, v in other.items() if k != "proof"},
        key,
        did.method_id("did:web:badges.example.org", "k"),
        "2026-01-01T00:00:00Z",
    )

    status, body, _ = verify(signed)

    assert status == 200
    assert body["summary"].startswith("Not ours")
    assert checks(body) == {"issuer": "not_ours", "signature": "not_checked", "status": "not_checked", "dates": "valid"}
    assert body["checks"]["issuer"]["id"] == "did:web:badges.example.org"
    assert multikey.public_multikey(key.public_key()) not in json.dumps(body)


def test_revoked_and_suspended_bits_are_reported() -> None:
    credential, record = issued()
    record.update(actions=[CertificationItem.expiration_date.set(date.fromisoformat(days(-2)))])  # lapsed
    badges()  # the listing syncs the bits (as the daily check does)

    body = verify(credential)[1]
    assert (checks(body)["status"], body["checks"]["status"]["suspended"]) == ("suspended", True)
    assert body["summary"] == "The credential is genuine but suspended."
    assert body["verified"] is False

    record.update(actions=[CertificationItem.status.set("revoked")])
    badges()

    body = verify(credential)[1]
    assert checks(body)["status"] == "revoked"
    assert (body["checks"]["status"]["revoked"], body["checks"]["status"]["suspended"]) == (True, False)
    assert checks(body)["signature"] == "valid"


def test_an_expired_credential_is_genuine_but_expired() -> None:
    credential, _ = issued(active_date=days(-1200), expiration_date=days(-105))

    body = verify(credential)[1]

    assert checks(body)["dates"] == "expired"
    assert checks(body)["signature"] == "valid"
    assert body["verified"] is False


def test_an_unknown_context_is_a_clear_answer_and_never_fetched() -> None:
    credential, _ = issued()
    credential["@context"] = [*credential["@context"], "https://evil.example/context.jsonld"]

    status, body, _ = verify(credential)

    assert status == 200, body
    assert body["checks"]["signature"]["reason"] == "unknown_context"
    assert "https://evil.example/context.jsonld" in body["checks"]["signature"]["detail"]


def test_an_oversized_credential_is_413() -> None:
    credential, _ = issued()
    credential["description"] = "x" * 70_000

    status, body, headers = verify(credential)

    assert (status, body["code"]) == (413, "credential_too_large")
    assert headers["content-type"] == "application/problem+json"


def nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"q": 1}
    for _ in range(levels):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "payload",
    [
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "evidence": [0] * 4_001},
        {"@context": ["https://www.w3.org/ns/credentials/v2"], **nested(16)},
    ],
    ids=["too many values", "too deep"],
)
def test_too_complex_input_is_422(payload: dict[str, Any]) -> None:
    status, body, _ = verify(payload)

    assert (status, body["code"]) == (422, "credential_too_complex")


def test_a_pathological_graph_is_refused_before_it_costs_minutes() -> None:
    # Six blank nodes all linked to one another: RDFC-1.0 would try every permutation.
    nodes = [
        {"@id": f"_:b{i}", "https://example.org/p": [{"@id": f"_:b{j}"} for j in range(8) if j != i]} for i in range(8)
    ]
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": DID,
        "https://example.org/q": nodes,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "proofPurpose": "assertionMethod",
            "verificationMethod": f"{DID}#key-1",
            "proofValue": "z" + "1" * 60,
        },
    }

    status, body, _ = verify(payload)

    assert (status, body["code"]) == (422, "credential_too_complex")


@pytest.mark.parametrize(
    ("body", "code"),
    [("{not json", "malformed_json"), ("[1, 2]", None), ('"a string"', None)],
    ids=["malformed", "array", "string"],
)
def test_what_is_not_a_json_object_is_a_4xx_problem(body: str, code: str | None) -> None:
    status, answer, headers = verify(body)

    assert status in (400, 422)
    assert headers["content-type"] == "application/problem+json"
    if code:
        assert (status, answer["code"]) == (400, code)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"issuer": DID},
        {"issuer": {"id": DID}, "@context": 5, "proof": {}},
        {
            "issuer": DID,
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "proof": {
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "proofPurpose": "assertionMethod",
                "verificationMethod": f"{DID}#key-1",
                "proofValue": "z3",
            },
            "validFrom": "yesterday",
        },
        {
            "issuer": DID,
            "@context": [{"@version": 1.1, "x": {"@id": "https://e.org/x", "@type": "@json"}}],
            "x": [1],
            "proof": [],
        },
    ],
)
def test_odd_credentials_get_answers_not_errors(payload: dict[str, Any]) -> None:
    status, body, _ = verify(payload)

    assert status == 200, body
    assert body["verified"] is False
    assert checks(body)["signature"] in ("invalid", "not_checked")


def verification_page(code: str, accept: str, language: str = "en") -> tuple[int, Any, dict[str, Any]]:
    return call(
        "certifications",
        "GET",
        f"/public/verify/{code}",
        headers={"Accept": accept, "Accept-Language": language},
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
    )


def test_the_verification_page_links_to_the_credential_and_shows_its_checks() -> None:
    credential, record = issued()
    code = verification.reserve(
        "certificate", record.candidate_id, keys.cert_sk("ccna"), "ccna", period=record.active_date.isoformat()
    )

    status, body, _ = verification_page(code, "application/json")
    assert status == 200, body
    assert body["credential"]["url"] == credential["id"]
    assert body["credential"]["verified"] is True
    assert body["credential"]["checks"]["signature"]["result"] == "valid"

    status, html, _ = verification_page(code, "text/html")
    assert status == 200
    assert f'<a href="{credential["id"]}">' in html
    assert "Verified: issued by this portal" in html

    record.update(actions=[CertificationItem.status.set("revoked")])
    badges()
    body = verification_page(code, "application/json")[1]
    assert (body["status"], body["credential"]["checks"]["status"]["result"]) == ("revoked", "revoked")
    assert body["credential"]["verified"] is False


def test_a_japanese_reader_gets_the_checks_in_japanese_and_the_json_stays_english() -> None:
    credential, record = issued()
    code = verification.reserve(
        "certificate", record.candidate_id, keys.cert_sk("ccna"), "ccna", period=record.active_date.isoformat()
    )

    status, html, _ = verification_page(code, "text/html", "ja-JP,ja;q=0.9")
    assert status == 200
    verified = "Verified: issued by this portal, unaltered, not revoked or suspended, and within its dates."
    signed = "The signature matches the credential (eddsa-rdfc-2022)."
    assert i18n.translate("ja", verified) in html and "Verified" not in html
    assert f"<dt>署名</dt>\n<dd>有効: {i18n.translate('ja', signed)}</dd>" in html
    assert "<dt>Signature</dt>" not in html and "not revoked" not in html

    english = verification_page(code, "text/html")[1]
    assert (
        "<dt>Signature</dt>" in english and "valid: The signature matches the credential (eddsa-rdfc-2022)." in english
    )

    # The JSON answers are English whatever the reader's language, like the API's problem details.
    body = verification_page(code, "application/json", "ja")[1]
    assert body["credential"]["summary"].startswith("Verified: issued by this portal")
    answer = call("certifications", "POST", PATH, body=credential, headers={"Accept-Language": "ja"})[1]
    assert answer["summary"].startswith("Verified") and answer["checks"]["status"]["detail"] == (
        "Neither revoked nor suspended."
    )
