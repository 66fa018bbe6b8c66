"""GET /public/verify/{verification_code}: HTML and JSON, statuses, consent, privacy headers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from certtrack import keys, verification
from certtrack.certifications.models import CertificationItem

from tests.conftest import LambdaContext, api_event, call, load_function
from tests.factories import ACTIVE, EXPIRES, certification, days
from tests.integration.documents.factories import holder

pytestmark = pytest.mark.usefixtures("aws")

JSON = {"Accept": "application/json"}


def _verify(code: str, headers: dict[str, str] | None = None) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "certifications",
        "GET",
        f"/public/verify/{code}",
        headers=headers,
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
    )


def _issued(cand_id: str, cert_id: str = "ccna", **kwargs: Any) -> str:
    """A certification record with a certificate code, as ``POST …/certificate`` leaves it."""
    item = certification(cand_id, cert_id, **kwargs)
    period = item.active_date.isoformat()
    code = verification.reserve("certificate", cand_id, keys.cert_sk(cert_id), cert_id, period=period)
    item.update(actions=[CertificationItem.verification_code.set(code)])
    return code


def test_json_for_machines() -> None:
    cand = holder(first_name="Дмитрий", last_name="Шостакович")
    code = _issued(cand.candidate_id)

    status, body, headers = _verify(code, JSON)

    assert status == 200
    assert body == {
        "verification_code": code,
        "kind": "certificate",
        "holder": {"first_name": "Дмитрий", "last_name": "Шостакович"},
        "certification": {"id": "ccna", "name": "CCNA", "category": "General Certifications - Associate"},
        "status": "active",
        "active_date": ACTIVE,
        "expiration_date": EXPIRES,
        "checked_on": days(0),
        "program": "Certification Program",
        "superseded": False,  # no newer certificate replaced this one (a name correction would)
        "superseded_on": None,
        "credential": None,  # no digital badge issued yet
    }
    assert headers["x-robots-tag"].startswith("noindex")
    assert headers["referrer-policy"] == "no-referrer"


def test_html_for_people_with_strict_csp() -> None:
    cand = holder(first_name="Zoë", last_name="Ångström")
    code = _issued(cand.candidate_id)

    status, html, headers = _verify(code.lower())

    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "Zoë Ångström" in html and "CCNA" in html and "Active" in html
    assert "default-src 'none'" in headers["content-security-policy"]
    assert headers["x-robots-tag"].startswith("noindex")
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("status", "expires", "shown"),
    [("expired", days(-3), "expired"), ("active", days(-1), "expired"), ("revoked", days(300), "revoked")],
)
def test_expired_and_revoked_are_never_shown_as_valid(status: str, expires: str, shown: str) -> None:
    cand = holder()
    code = _issued(cand.candidate_id, status=status, expiration_date=expires)
    _, body, _ = _verify(code, JSON)
    assert body["status"] == shown
    _, html, _ = _verify(code)
    assert "not valid" in html


def test_fulfillment_codes_verify_the_certification_of_the_kit() -> None:
    cand = holder()
    certification(cand.candidate_id, "ccnp-enterprise")
    code = verification.reserve("fulfillment", cand.candidate_id, keys.fulfillment_sk("F1"), "ccnp-enterprise")
    status, body, _ = _verify(code, JSON)
    assert status == 200
    assert (body["kind"], body["certification"]["id"], body["status"]) == ("fulfillment", "ccnp-enterprise", "active")


NEUTRAL = "This code cannot be verified online. Ask the holder for a transcript or contact the program."


def test_unknown_codes_are_404_without_a_hint() -> None:
    cand = holder()
    code = _issued(cand.candidate_id)
    near = code[:-1] + ("2" if code[-1] != "2" else "3")
    for attempt in (near, "0OIL1", "x" * 10):
        status, body, headers = _verify(attempt, JSON)
        assert status == 404
        assert body["code"] == "verification_unavailable"
        assert body["detail"] == NEUTRAL
        assert headers["x-robots-tag"].startswith("noindex")
        assert headers["referrer-policy"] == "no-referrer"
    status, html, headers = _verify(near)
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert cand.first_name not in html


def test_withdrawn_consent_shows_nothing_about_the_holder() -> None:
    cand = holder(consent=False)
    code = _issued(cand.candidate_id)
    status, body, _ = _verify(code, JSON)
    assert status == 404
    assert body["code"] == "verification_unavailable"
    status, html, _ = _verify(code)
    assert status == 404 and cand.last_name not in html and NEUTRAL in html


def test_consent_given_is_shown() -> None:
    cand = holder(consent=True)
    code = _issued(cand.candidate_id)
    status, _, _ = _verify(code, JSON)
    assert status == 200


def _raw(code: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """The handler's whole answer (status, body, every header), minus per-request ids."""
    event = api_event(
        "GET",
        f"/public/verify/{code}",
        headers=headers,
        resource="/public/verify/{verification_code}",
        path_parameters={"verification_code": code},
    )
    response = load_function("certifications").lambda_handler(event, LambdaContext())
    out = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for k, v in (response.get("multiValueHeaders") or {}).items():
        out.setdefault(k.lower(), v)
    for request_id in ("x-request-id", "x-amzn-requestid", "x-correlation-id"):
        out.pop(request_id, None)
    return {"status": response["statusCode"], "body": response.get("body"), "headers": out}


@pytest.mark.parametrize("accept", [None, JSON], ids=["html", "json"])
def test_unknown_code_and_withdrawn_consent_give_the_same_neutral_answer(accept: dict[str, str] | None) -> None:
    """Byte for byte: an employer cannot tell a withdrawn consent from an unknown code, and
    neither answer says or implies that the certificate is forged."""
    withdrawn = holder(consent=False)
    code = _issued(withdrawn.candidate_id)
    unknown = "7" * len(code) if code != "7" * len(code) else "8" * len(code)

    consent_withdrawn, not_known = _raw(code, accept), _raw(unknown, accept)

    assert consent_withdrawn == not_known
    assert consent_withdrawn["status"] == 404
    body = str(consent_withdrawn["body"])
    assert NEUTRAL in body
    for forged in ("No certification matches", "invalid", "not valid", "forged", "fake"):
        assert forged not in body
    assert withdrawn.last_name not in body and withdrawn.candidate_id not in body


@pytest.mark.parametrize(
    ("status", "expires", "says"),
    [
        ("revoked", days(300), "has been <strong>revoked</strong>"),
        ("expired", days(-3), "has <strong>expired</strong>"),
    ],
)
def test_revoked_and_expired_say_so(status: str, expires: str, says: str) -> None:
    cand = holder()
    code = _issued(cand.candidate_id, status=status, expiration_date=expires)
    answer, _, _ = _verify(code)
    assert answer == 200
    _, html, _ = _verify(code)
    assert says in html and NEUTRAL not in html
    _, body, _ = _verify(code, JSON)
    assert body["status"] == status


def test_html_in_the_viewers_language() -> None:
    cand = holder(first_name="Zoë", last_name="Ångström")
    code = _issued(cand.candidate_id)

    status, html, headers = _verify(code, {"Accept-Language": "ja,en-US;q=0.7"})
    assert status == 200 and '<html lang="ja">' in html
    assert headers["vary"] == "Accept-Language"  # a cache between keeps one page per language
    assert "この認定資格は<strong>有効</strong>です。" in html and "証明書の検証" in html and "認定プログラム" in html
    active = date.fromisoformat(ACTIVE)
    assert f"{active.year}年{active.month}月{active.day}日" in html and "Holder" not in html
    assert _verify(code, {"Accept-Language": "ja;q=0, en"})[1].count('<html lang="en">') == 1
    status, missing, _ = _verify("ZZZZ-ZZZZ-ZZZZ", {"Accept-Language": "ja"})
    assert status == 404 and "このコードはオンラインで検証できません。" in missing
