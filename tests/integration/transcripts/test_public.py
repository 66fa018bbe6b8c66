"""The public transcript page: HTML and JSON, headers, what it shows, the one 404, counting, budget."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from certtrack.transcripts.models import TranscriptItem

from local.dynamo_calls import count_dynamodb_calls, reads, writes
from tests.conftest import LambdaContext, api_event, call, load_function
from tests.factories import certification, days
from tests.integration.transcripts.conftest import Person, public_get, set_consent, shipping_address

pytestmark = pytest.mark.usefixtures("aws")
JSON = "application/json"


def _item(person: Person, transcript_id: str) -> TranscriptItem:
    return TranscriptItem.get(*TranscriptItem.key(person.candidate_id, transcript_id))


def test_html_page_shows_the_transcript(john: Person) -> None:
    certification(john.candidate_id, "ccie-enterprise", active_date="2024-03-05", expiration_date=days(500))
    created = john.create(display_name="For Acme", remarks="Hired 2020")
    status, page, headers = public_get(created["public_url"])
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert "John Doe" in page and "For Acme" in page and "Hired 2020" in page
    assert "General Certifications - Associate" in page and "Expert Certifications" in page
    assert "CCIE Enterprise Infrastructure (CCIE)" in page and "2024-Mar-05" in page
    assert "Certification Program" in page
    assert "expires on" in page
    assert created["transcript_id"] in page


def test_public_headers_are_strict(john: Person) -> None:
    created = john.create()
    for accept in ("text/html", JSON):
        _status, page, headers = public_get(created["public_url"], accept=accept)
        assert headers["x-robots-tag"].startswith("noindex")
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["vary"] == "Accept, Accept-Language"  # the format and the language both vary
        csp = headers["content-security-policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "script-src" not in csp
    _status, page, headers = public_get(created["public_url"])
    assert "<script" not in page
    # The inline stylesheet is exactly the one the CSP's hash allows.
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in headers["content-security-policy"]
    # Error pages carry them too.
    _status, _page, headers = public_get("https://certs.example.com/public/transcripts/" + "A" * 32)
    assert headers["x-robots-tag"].startswith("noindex") and headers["referrer-policy"] == "no-referrer"


def test_json_has_exactly_the_contract_shape(john: Person) -> None:
    certification(john.candidate_id, "ccnp-enterprise", active_date="2025-02-01", expiration_date=days(300))
    created = john.create()
    status, body, headers = public_get(created["public_url"], accept=JSON)
    assert status == 200 and headers["content-type"] == JSON
    assert set(body) == {"holder", "certifications", "expires_on", "program"}
    assert body["holder"] == {"first_name": "John", "last_name": "Doe"}
    assert body["expires_on"] == days(30) and body["program"] == "Certification Program"
    ccnp = next(c for c in body["certifications"] if c["id"] == "ccnp-enterprise")
    assert ccnp == {
        "id": "ccnp-enterprise",
        "name": "CCNP Enterprise",
        "category": "General Certifications - Professional",
        "active_date": "2025-02-01",
        "expiration_date": days(300),
        "status": "active",
    }


def test_address_and_email_only_when_chosen(john: Person) -> None:
    shipping_address(john.candidate_id)
    hidden = john.create()
    shown = john.create(display_options={"show_address": True, "show_email": True})
    assert set(public_get(hidden["public_url"], accept=JSON)[1]["holder"]) == {"first_name", "last_name"}
    _status, body, _ = public_get(shown["public_url"], accept=JSON)
    assert body["holder"]["email"] == "john@example.com"
    assert body["holder"]["address"]["city"] == "Cor City"
    assert body["holder"]["address"]["country"] == "United States"
    _status, page, _ = public_get(shown["public_url"])
    assert "Cor City" in page and "john@example.com" in page
    assert "Cor City" not in public_get(hidden["public_url"])[1]


def test_each_fact_of_the_holder_appears_once_on_the_page(john: Person) -> None:
    shipping_address(john.candidate_id)
    shown = john.create(display_options={"show_address": True, "show_email": True})
    _status, page, _ = public_get(shown["public_url"])
    body = page.split("<main", 1)[1]  # the title names the holder too, as a browser tab would
    assert body.count("John Doe") == 1
    assert body.count("Cor City") == 1 and body.count("john@example.com") == 1


def test_show_address_without_an_address_shows_none(john: Person) -> None:
    created = john.create(display_options={"show_address": True})
    assert "address" not in public_get(created["public_url"], accept=JSON)[1]["holder"]


def test_html_injection_is_escaped(person: Callable[..., Person]) -> None:
    mallory = person("sub-mallory", first_name="<b>Mal</b>", last_name="O'Reilly & <i>co</i>")
    created = mallory.create(
        display_name="<script>alert('name')</script>",
        remarks='"><img src=x onerror=alert(1)><svg onload=alert(2)>',
    )
    status, page, _ = public_get(created["public_url"])
    assert status == 200
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>Mal</b>", "<i>co</i>"):
        assert raw not in page
    assert "&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;b&gt;Mal&lt;/b&gt;" in page


def test_unknown_and_malformed_ids_are_404(john: Person) -> None:
    for public_id in ("A" * 32, "short", "bad id with spaces!"):
        status, body, _ = call("transcripts", "GET", f"/public/transcripts/{public_id}", headers={"Accept": JSON})
        assert status == 404 and body["code"] == "transcript_unavailable"
    status, page, headers = call("transcripts", "GET", "/public/transcripts/" + "A" * 32)
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert "not available" in page


def test_expired_transcript_is_unavailable_and_not_counted(john: Person) -> None:
    created = john.create()
    item = _item(john, created["transcript_id"])
    item.update(actions=[TranscriptItem.expires_on.set(date.fromisoformat(days(-1)))])
    status, body, _ = public_get(created["public_url"], accept=JSON)
    assert status == 404 and body["code"] == "transcript_unavailable"
    assert public_get(created["public_url"])[0] == 404
    assert _item(john, created["transcript_id"]).views == 0
    listed = john.call("GET", "/me/transcripts")[1]["items"][0]
    assert listed["status"] == "expired"


def test_last_day_still_works(john: Person) -> None:
    created = john.create()
    _item(john, created["transcript_id"]).update(actions=[TranscriptItem.expires_on.set(date.fromisoformat(days(0)))])
    assert public_get(created["public_url"])[0] == 200


def test_withdrawn_consent_shows_nothing_about_the_holder(john: Person) -> None:
    created = john.create()
    set_consent(john.candidate_id, False)
    status, page, _ = public_get(created["public_url"])
    assert status == 404
    assert "John" not in page and "Doe" not in page and "CCNA" not in page
    status, body, _ = public_get(created["public_url"], accept=JSON)
    assert status == 404 and body["code"] == "transcript_unavailable"
    assert "John" not in str(body)
    set_consent(john.candidate_id, True)
    assert public_get(created["public_url"])[0] == 200


def test_only_active_certifications_by_default(john: Person) -> None:
    certification(john.candidate_id, "ccnp-enterprise", status="expired")
    # Still "active" on record but past its date (the daily check has not run yet): never shown as active.
    certification(john.candidate_id, "ccde", status="active", expiration_date=days(-1))
    certification(john.candidate_id, "specialist-enterprise-core", status="in_progress")
    created = john.create()
    body = public_get(created["public_url"], accept=JSON)[1]
    assert [(c["id"], c["status"]) for c in body["certifications"]] == [("ccna", "active")]


def test_selected_certifications_show_their_real_status(john: Person) -> None:
    certification(john.candidate_id, "ccnp-enterprise", status="active", expiration_date=days(10))
    certification(john.candidate_id, "ccie-enterprise", status="active")
    created = john.create(include="selected", certification_ids=["ccnp-enterprise"])
    body = public_get(created["public_url"], accept=JSON)[1]
    assert [(c["id"], c["status"]) for c in body["certifications"]] == [("ccnp-enterprise", "active")]
    # It lapses later: shown as expired, never as active.
    certification(john.candidate_id, "ccnp-enterprise", status="active", expiration_date=days(-1))
    body = public_get(created["public_url"], accept=JSON)[1]
    assert [(c["id"], c["status"]) for c in body["certifications"]] == [("ccnp-enterprise", "expired")]


def test_new_certifications_join_only_when_asked(john: Person) -> None:
    fixed = john.create(include_new_certifications=False)
    growing = john.create(include_new_certifications=True)
    selected_growing = john.create(include="selected", certification_ids=["ccna"], include_new_certifications=True)
    certification(john.candidate_id, "ccnp-enterprise")  # earned after the transcripts were made

    def ids(created: dict[str, object]) -> list[str]:
        return [c["id"] for c in public_get(str(created["public_url"]), accept=JSON)[1]["certifications"]]

    assert ids(fixed) == ["ccna"]
    assert sorted(ids(growing)) == ["ccna", "ccnp-enterprise"]
    assert sorted(ids(selected_growing)) == ["ccna", "ccnp-enterprise"]


def test_each_view_counts_and_sets_last_viewed(john: Person) -> None:
    created = john.create()
    for _ in range(3):
        assert public_get(created["public_url"])[0] == 200
    public_get(created["public_url"], accept=JSON)
    item = _item(john, created["transcript_id"])
    assert item.views == 4 and item.last_viewed is not None
    got = john.call("GET", f"/me/transcripts/{created['transcript_id']}")[1]
    assert got["views"] == 4 and got["last_viewed"]


def test_a_view_costs_two_reads_and_one_write(john: Person) -> None:
    shipping_address(john.candidate_id)
    certification(john.candidate_id, "ccnp-enterprise")
    created = john.create(display_options={"show_address": True, "show_email": True})
    with count_dynamodb_calls() as calls:
        status, _, _ = public_get(created["public_url"])
    assert status == 200
    assert calls == {"Query": 2, "UpdateItem": 1}
    assert (reads(calls), writes(calls)) == (2, 1)


def _raw(path: str, accept: str) -> dict[str, Any]:
    """The handler's whole answer (status, body, every header), minus per-request ids."""
    response = load_function("transcripts").lambda_handler(
        api_event("GET", path, headers={"Accept": accept}), LambdaContext()
    )
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for k, v in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(k.lower(), v)
    for request_id in ("x-request-id", "x-amzn-requestid", "x-correlation-id"):
        headers.pop(request_id, None)
    return {"status": response["statusCode"], "body": response.get("body"), "headers": headers}


@pytest.mark.parametrize("accept", ["text/html", JSON])
def test_unknown_revoked_expired_and_withdrawn_answer_identically(person: Callable[..., Person], accept: str) -> None:
    """Nothing tells a viewer which: not the status, the body (byte for byte) or a header."""
    revoked, expired, withdrawn = (person(f"sub-{n}") for n in ("revoked", "expired", "withdrawn"))
    links = {}
    for name, who in (("revoked", revoked), ("expired", expired), ("withdrawn", withdrawn)):
        created = who.create()
        links[name] = created["public_url"].split("https://certs.example.com", 1)[1]
        assert _raw(links[name], accept)["status"] == 200
        if name == "revoked":
            assert who.call("DELETE", f"/me/transcripts/{created['transcript_id']}")[0] == 204
        elif name == "expired":
            yesterday = date.fromisoformat(days(-1))
            _item(who, created["transcript_id"]).update(actions=[TranscriptItem.expires_on.set(yesterday)])
        else:
            set_consent(who.candidate_id, False)
    links["unknown"] = "/public/transcripts/" + "Q" * 32
    links["malformed"] = "/public/transcripts/not-an-id!"

    answers = {name: _raw(path, accept) for name, path in links.items()}

    reference = answers["unknown"]
    assert reference["status"] == 404
    for name, answer in answers.items():
        assert answer == reference, name
    if accept == JSON:
        assert '"code": "transcript_unavailable"' in reference["body"]
    for who in (revoked, expired, withdrawn):
        assert "John" not in reference["body"] and who.candidate_id not in reference["body"]


def test_the_address_saved_on_the_shipping_screen_is_the_one_shown(john: Person) -> None:
    """Saved through the fulfillment route (as a candidate does), read back by the public transcript."""
    from tests.e2e.hardening_support import shipping_address as address_form

    status, saved, _ = call("fulfillment", "PUT", "/me/shipping-address", sub=john.sub, body=address_form())
    assert status == 200, saved
    shown = john.create(display_options={"show_address": True, "show_email": False})
    _status, body, _ = public_get(shown["public_url"], accept=JSON)
    address = body["holder"]["address"]
    assert (address["address1"], address["city"], address["postal_code"]) == ("1 Main Street", "Springfield", "62701")
    assert "Springfield" in public_get(shown["public_url"])[1]
