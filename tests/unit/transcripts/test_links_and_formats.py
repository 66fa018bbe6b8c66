"""Share links, content negotiation and request parsing (pure: no AWS)."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from certtrack.transcripts.links import share_links
from certtrack.transcripts.public import wants_json
from certtrack.transcripts.schemas import EmailRequest, TranscriptRequest
from certtrack.transcripts.selection import ShownCertification
from pydantic import ValidationError

URL = "https://certs.example.com/public/transcripts/abc"


def cert(cert_id: str, *, level: int = 1, status: str = "active", code: str | None = None) -> ShownCertification:
    return ShownCertification(
        id=cert_id,
        name=f"Name {cert_id}",
        abbreviation=cert_id.upper(),
        category="Cat",
        level=level,
        active_date="2024-03-05",
        expiration_date="2027-03-05",
        status=status,
        verification_code=code,
    )


def params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def links(certs: list[ShownCertification]) -> Any:
    return share_links(url=URL, holder_name="John Doe", transcript_id="T1", organization="Prog", certifications=certs)


def test_linkedin_adds_the_highest_active_certification() -> None:
    certs = [cert("a", level=1), cert("b", level=3, code="V7L4P3MC"), cert("c", level=4, status="expired")]
    share, per_cert = links(certs)
    p = params(share.linkedin)
    assert share.linkedin.startswith("https://www.linkedin.com/profile/add?")
    assert p == {
        "startTask": ["CERTIFICATION_NAME"],
        "name": ["Name b"],
        "organizationName": ["Prog"],
        "issueYear": ["2024"],
        "issueMonth": ["3"],
        "expirationYear": ["2027"],
        "expirationMonth": ["3"],
        "certUrl": [URL],
        "certId": ["V7L4P3MC"],
    }
    assert [link.certification_id for link in per_cert] == ["a", "b"]  # active ones only
    assert params(per_cert[0].url)["certId"] == ["T1"]  # no verification code: the transcript id


def test_other_share_links() -> None:
    share, _ = links([])
    assert share.url == URL
    assert share.linkedin.startswith("https://www.linkedin.com/sharing/share-offsite/?url=")
    assert params(share.facebook) == {"u": [URL]}
    assert params(share.twitter) == {"url": [URL], "text": ["Transcript for John Doe"]}
    assert share.email.startswith("mailto:?")
    assert params(share.email.removeprefix("mailto:")) == {"subject": ["Transcript for John Doe"], "body": [URL]}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, False),
        ("", False),
        ("*/*", False),
        ("application/json", True),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),
        ("application/json, text/html", True),
        ("text/html, application/json", False),
        ("text/html;q=0.5, application/json", True),
        ("application/json;q=0", False),
    ],
)
def test_wants_json(accept: str | None, expected: bool) -> None:
    assert wants_json(accept) is expected


def _request(**overrides: Any) -> TranscriptRequest:
    return TranscriptRequest.model_validate({"display_name": "T", "expires_on": "2026-12-01", **overrides})


def test_request_defaults_and_strictness() -> None:
    request = _request(display_name="  Padded  ")
    assert request.display_name == "Padded" and request.expires_on == date(2026, 12, 1)
    assert request.include == "active" and request.certification_ids == []
    assert not request.display_options.show_address and not request.display_options.show_email
    for bad in ({"expires_on": 1893456000}, {"expires_on": "2026-13-01"}, {"display_name": "   "}, {"x": 1}):
        with pytest.raises(ValidationError):
            _request(**bad)


def test_email_request() -> None:
    assert EmailRequest.model_validate({"to": "hr@example.com"}).to == "hr@example.com"
    for bad in ("nope", "a@b", "x" * 250 + "@example.com", "a@example.com, b@example.com"):
        with pytest.raises(ValidationError):
            EmailRequest.model_validate({"to": bad})
