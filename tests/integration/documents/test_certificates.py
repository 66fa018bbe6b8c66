"""POST /me/certifications/{cert_id}/certificate: the PDF, its storage once per period, its URL."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from certtrack import keys, verification
from certtrack.certifications.certificates import certificate_key
from certtrack.certifications.models import CertificationItem
from certtrack.pdf import format_date
from certtrack.settings import get_settings
from pypdf import PdfReader

from tests.conftest import call
from tests.factories import ACTIVE, EXPIRES, certification, days
from tests.integration.documents.conftest import PutRecorder
from tests.integration.documents.factories import holder

pytestmark = pytest.mark.usefixtures("aws")


def _request(cert_id: str = "ccna", sub: str = "sub-holder") -> tuple[int, dict[str, Any], dict[str, Any]]:
    return call(
        "certifications",
        "POST",
        f"/me/certifications/{cert_id}/certificate",
        sub=sub,
        resource="/me/certifications/{cert_id}/certificate",
        path_parameters={"cert_id": cert_id},
    )


def _stored_pdf(key: str) -> PdfReader:
    body = boto3.client("s3").get_object(Bucket=get_settings().documents_bucket, Key=key)["Body"].read()
    return PdfReader(io.BytesIO(body))


def test_certificate_is_stored_once_per_period_and_presigned(puts: PutRecorder) -> None:
    cand = holder(first_name="Zoë", last_name="Ångström-Łukasiewicz")
    certification(cand.candidate_id, "ccna")

    status, body, _ = _request()

    assert status == 200
    key = certificate_key(cand.candidate_id, "ccna", ACTIVE)
    assert puts.keys == [key]
    url = urlparse(body["url"])
    query = parse_qs(url.query)
    assert url.path.endswith(f"/{key}")
    assert query["X-Amz-Expires"] == [str(get_settings().presign_seconds)]
    assert query["response-content-disposition"] == [f'attachment; filename="CCNA-certificate-{ACTIVE}.pdf"']
    assert query["response-content-type"] == ["application/pdf"]
    assert body["expires_at"] == body["expires_at"][:19] + "Z"

    text = _stored_pdf(key).pages[0].extract_text()
    assert "Zoë Ångström-Łukasiewicz" in text
    assert "CCNA" in text
    assert f"Active {format_date(ACTIVE)}" in text and f"Expires {format_date(EXPIRES)}" in text

    status, again, _ = _request()
    assert status == 200
    assert puts.keys == [key], "the second request reuses the stored PDF"
    assert urlparse(again["url"]).path == url.path


def test_verification_code_is_reserved_once_and_printed(puts: PutRecorder) -> None:
    cand = holder()
    certification(cand.candidate_id)
    _request()
    item = CertificationItem.get(keys.candidate_pk(cand.candidate_id), keys.cert_sk("ccna"))
    code = item.verification_code
    assert code and len(code) == verification.CODE_LENGTH
    pointer = verification.lookup(code)
    assert pointer is not None
    assert (pointer.kind, pointer.candidate_id, pointer.target_sk, pointer.period) == (
        "certificate",
        cand.candidate_id,
        keys.cert_sk("ccna"),
        ACTIVE,
    )
    text = _stored_pdf(certificate_key(cand.candidate_id, "ccna", ACTIVE)).pages[0].extract_text()
    assert f"Verification code: {code}" in text
    assert f"https://certs.example.com/public/verify/{code}" in text


def test_a_new_period_gets_a_new_pdf_and_code(puts: PutRecorder) -> None:
    cand = holder()
    item = certification(cand.candidate_id)
    _request()
    first_code = CertificationItem.get(item.PK, item.SK).verification_code
    item.refresh()
    item.update(
        actions=[
            CertificationItem.active_date.set(date.fromisoformat(days(-10))),
            CertificationItem.expiration_date.set(date.fromisoformat(days(1000))),
        ]
    )

    status, _, _ = _request()

    assert status == 200
    second_code = CertificationItem.get(item.PK, item.SK).verification_code
    assert second_code != first_code
    assert puts.keys[-1] == certificate_key(cand.candidate_id, "ccna", days(-10))
    assert len(puts.keys) == 2


@pytest.mark.parametrize(
    ("status", "expiration"),
    [("in_progress", None), ("expired", days(-30)), ("active", days(-1)), ("revoked", days(300))],
)
def test_no_certificate_unless_active_and_unexpired(puts: PutRecorder, status: str, expiration: str | None) -> None:
    cand = holder()
    certification(cand.candidate_id, status=status, expiration_date=expiration)
    code, body, _ = _request()
    assert code == 409
    assert body["code"] == "certificate_unavailable"
    assert puts.keys == []


def test_unknown_or_unheld_certification_is_404(puts: PutRecorder) -> None:
    holder()
    for cert_id in ("no-such-cert", "ccde"):
        status, body, _ = _request(cert_id)
        assert status == 404
        assert body["code"] == "certification_not_found"


def test_another_candidates_certification_is_not_reachable(puts: PutRecorder) -> None:
    other = holder(login_sub="sub-other")
    certification(other.candidate_id)
    holder(login_sub="sub-me")
    status, _, _ = _request(sub="sub-me")
    assert status == 404


def test_s3_failure_is_503_and_a_retry_completes_with_the_same_code(puts: PutRecorder) -> None:
    cand = holder()
    certification(cand.candidate_id)
    puts.failing = True

    status, body, headers = _request()

    assert status == 503
    assert body["code"] == "service_unavailable"
    assert headers.get("retry-after") == "1"
    code = CertificationItem.get(keys.candidate_pk(cand.candidate_id), keys.cert_sk("ccna")).verification_code
    assert code is not None and verification.lookup(code) is not None, "the reserved code is recorded, not orphaned"

    puts.failing = False
    status, _, _ = _request()

    assert status == 200
    assert CertificationItem.get(keys.candidate_pk(cand.candidate_id), keys.cert_sk("ccna")).verification_code == code
    text = _stored_pdf(certificate_key(cand.candidate_id, "ccna", ACTIVE)).pages[0].extract_text()
    assert code in text


def test_unmapped_login_is_403() -> None:
    status, body, _ = _request(sub="sub-nobody")
    assert status == 403
    assert body["code"] == "account_not_mapped"


def test_a_concurrent_first_request_wins_and_the_loser_leaves_no_orphan(
    puts: PutRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    cand = holder()
    item = certification(cand.candidate_id)
    real_reserve = verification.reserve
    codes: list[str] = []

    def racing_reserve(*args: Any, **kwargs: Any) -> str:
        if not codes:  # another request reserves and records its code first
            codes.append(real_reserve(*args, **kwargs))
            CertificationItem(item.PK, item.SK).update(actions=[CertificationItem.verification_code.set(codes[0])])
        codes.append(real_reserve(*args, **kwargs))
        return codes[-1]

    monkeypatch.setattr(verification, "reserve", racing_reserve)

    status, _, _ = _request()

    assert status == 200
    winner, loser = codes
    assert CertificationItem.get(item.PK, item.SK).verification_code == winner
    assert verification.lookup(loser) is None
    assert winner in _stored_pdf(certificate_key(cand.candidate_id, "ccna", ACTIVE)).pages[0].extract_text()
