"""GET /me/logos and POST /me/logos/{logo_id}/download."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from certtrack import keys
from certtrack.certifications.logos import LogoAcceptanceItem
from certtrack.program.catalog import load_catalog
from certtrack.settings import get_settings

from tests.conftest import call
from tests.factories import certification, days
from tests.integration.documents.conftest import PutRecorder
from tests.integration.documents.factories import holder

pytestmark = pytest.mark.usefixtures("aws")


def _list(sub: str = "sub-holder", **query: str) -> tuple[int, Any, dict[str, Any]]:
    return call("certifications", "GET", "/me/logos", sub=sub, query=query or None)


def _download(logo_id: str, body: Any, sub: str = "sub-holder") -> tuple[int, Any, dict[str, Any]]:
    return call(
        "certifications",
        "POST",
        f"/me/logos/{logo_id}/download",
        sub=sub,
        body=body,
        resource="/me/logos/{logo_id}/download",
        path_parameters={"logo_id": logo_id},
    )


def _acceptances(candidate_id: str) -> list[LogoAcceptanceItem]:
    prefix = keys.logo_accept_sk("")
    return list(LogoAcceptanceItem.query(keys.candidate_pk(candidate_id), LogoAcceptanceItem.SK.startswith(prefix)))


def test_lists_earned_logos_with_achievements_and_the_agreement() -> None:
    cand = holder()
    certification(cand.candidate_id, "ccie-enterprise", first_earned=days(-16 * 366))
    certification(cand.candidate_id, "ccna", status="expired", expiration_date=days(-5))

    status, body, _ = _list()

    assert status == 200
    assert [logo["id"] for logo in body["logos"]] == ["ccie-enterprise", "ccie-10-year", "ccie-15-year"]
    assert body["logos"][1] == {
        "id": "ccie-10-year",
        "name": "CCIE Certification - 10-year Achievement",
        "formats": ["svg", "pdf"],
    }
    catalog = load_catalog()
    assert body["agreement"] == {"version": catalog.logo_agreement_version, "text": catalog.logo_agreement_text}
    assert body["next"] is None


def test_list_pages_with_limit_and_next() -> None:
    cand = holder()
    certification(cand.candidate_id, "ccie-enterprise", first_earned=days(-21 * 366))
    _, first, _ = _list(limit="3")
    assert len(first["logos"]) == 3 and first["next"]
    _, second, _ = _list(limit="3", next=first["next"])
    assert [logo["id"] for logo in second["logos"]] == ["ccie-20-year"]
    assert second["next"] is None
    status, body, _ = _list(next="!!not-a-cursor")
    assert status == 400 and body["code"] == "invalid_cursor"


@pytest.mark.parametrize(("fmt", "content_type"), [("svg", "image/svg+xml"), ("pdf", "application/pdf")])
def test_download_records_the_acceptance_and_stores_the_logo_once(
    puts: PutRecorder, fmt: str, content_type: str
) -> None:
    cand = holder()
    certification(cand.candidate_id, "ccna")

    status, body, _ = _download("ccna", {"accept_agreement": True, "format": fmt})

    assert status == 200
    query = parse_qs(urlparse(body["url"]).query)
    assert query["X-Amz-Expires"] == [str(get_settings().presign_seconds)]
    assert query["response-content-disposition"] == [f'attachment; filename="ccna.{fmt}"']
    assert query["response-content-type"] == [content_type]
    assert puts.keys == [f"logos/ccna.{fmt}"]
    stored = boto3.client("s3").get_object(Bucket=get_settings().documents_bucket, Key=f"logos/ccna.{fmt}")
    assert stored["ContentType"] == content_type
    head = stored["Body"].read()[:5]
    assert head == (b"<svg " if fmt == "svg" else b"%PDF-")

    assert [(a.logo_id, a.format, a.agreement_version) for a in _acceptances(cand.candidate_id)] == [
        ("ccna", fmt, load_catalog().logo_agreement_version)
    ]

    other = holder(login_sub="sub-other")
    certification(other.candidate_id, "ccna")
    status, _, _ = _download("ccna", {"accept_agreement": True, "format": fmt}, sub="sub-other")
    assert status == 200
    assert puts.keys == [f"logos/ccna.{fmt}"], "the artwork is shared: stored once"


def test_download_without_accepting_is_422_and_records_nothing(puts: PutRecorder) -> None:
    cand = holder()
    certification(cand.candidate_id, "ccna")
    status, body, _ = _download("ccna", {"accept_agreement": False, "format": "svg"})
    assert status == 422
    assert body["code"] == "agreement_required"
    status, body, _ = _download("ccna", {"format": "svg"})
    assert status == 422
    assert body["code"] == "validation_error"
    assert _acceptances(cand.candidate_id) == []
    assert puts.keys == []


def test_not_earned_logo_is_404_and_unknown_format_is_422(puts: PutRecorder) -> None:
    cand = holder()
    certification(cand.candidate_id, "ccie-enterprise", first_earned=days(-400))
    status, body, _ = _download("ccie-10-year", {"accept_agreement": True, "format": "svg"})
    assert (status, body["code"]) == (404, "logo_not_found")
    status, body, _ = _download("no-such-logo", {"accept_agreement": True, "format": "svg"})
    assert (status, body["code"]) == (404, "logo_not_found")
    status, body, _ = _download("ccie-enterprise", {"accept_agreement": True, "format": "png"})
    assert (status, body["code"]) == (422, "format_not_offered")
    status, body, _ = _download("ccie-enterprise", {"accept_agreement": True, "format": "svg", "extra": 1})
    assert status == 422


def test_s3_failure_is_503_and_records_no_acceptance(puts: PutRecorder) -> None:
    cand = holder()
    certification(cand.candidate_id, "ccna")
    puts.failing = True
    status, body, _ = _download("ccna", {"accept_agreement": True, "format": "pdf"})
    assert (status, body["code"]) == (503, "service_unavailable")
    assert _acceptances(cand.candidate_id) == []
    puts.failing = False
    status, _, _ = _download("ccna", {"accept_agreement": True, "format": "pdf"})
    assert status == 200
