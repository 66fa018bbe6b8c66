"""Helpers for the hardening tests (fuzz, authorization matrix, load) over a running dev server.

The route list is ``template.yaml`` (read with ``local.template``), so a route added there is
covered by every table-driven test here without editing them.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from local.seed import DEMO_LOGINS
from local.template import Route, Template
from tests.e2e.devserver_fixture import ROOT

PROBLEM = "application/problem+json"
PROBLEM_FIELDS = {"type", "title", "status", "detail", "code"}
TIMEOUT = 20
CANDIDATE_A = "demo"  # mapped to CSCO10000000 (John Doe, holds certifications) by the demo seed
OPERATOR = "operator"
# Mapped during the tests through the real flow: the demo seed's map-by-email candidate.
CANDIDATE_B_EMAIL = "alice@example.com"
HELD_CERT = "ccna"  # John Doe holds it (local/demo_certifications.py)
PARAMETER = re.compile(r"\{([^}]+)\}")


def template_routes() -> list[Route]:
    """Every API route of ``template.yaml``, sorted (the local-only ``/_local/*`` are never in it)."""
    return sorted(Template(ROOT / "template.yaml").routes, key=lambda r: (r.path, r.method))


def route_id(route: Route) -> str:
    return f"{route.method} {route.path}"


def demo_password(username: str) -> str:
    return next(login.password for login in DEMO_LOGINS if login.username == username)


def login(base_url: str, username: str, password: str | None = None, groups: list[str] | None = None) -> str:
    """An ID token from ``POST /_local/login`` (creates the login on first use)."""
    response = requests.post(
        f"{base_url}/_local/login",
        json={"username": username, "password": password or "Hardening-password-1", "groups": groups or []},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["id_token"])


def demo_login(base_url: str, username: str) -> str:
    return login(base_url, username, demo_password(username))


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def assert_problem(response: requests.Response, status: int | None = None) -> dict[str, Any]:
    """An RFC 9457 body with every member we promise; ``status`` checked when given."""
    if status is not None:
        assert response.status_code == status, f"{response.request.method} {response.url}: {response.text[:500]}"
    assert response.headers.get("Content-Type", "").startswith(PROBLEM), (response.status_code, response.text[:500])
    body: dict[str, Any] = response.json()
    assert body.keys() >= PROBLEM_FIELDS, body
    assert body["status"] == response.status_code, body
    assert re.fullmatch(r"[a-z][a-z0-9_]*", body["code"]), body
    return body


def map_login_by_email(base_url: str, token: str, email: str) -> str:
    """Map a fresh login with the map-by-email flow (the link arrives in the local outbox); returns its candidate."""
    before = len(requests.get(f"{base_url}/_local/outbox", timeout=TIMEOUT).json()["messages"])
    response = requests.post(f"{base_url}/mapping/email", json={"email": email}, headers=bearer(token), timeout=TIMEOUT)
    assert response.status_code == 202, response.text
    messages = requests.get(f"{base_url}/_local/outbox", timeout=TIMEOUT).json()["messages"][before:]
    links = [m for m in messages if m["to"].endswith(email) and "token=" in m["text"]]
    assert links, f"no mapping link was sent to {email}"
    mapping_token = re.search(r"token=([A-Za-z0-9_\-]+)", links[-1]["text"])
    assert mapping_token
    confirmed = requests.post(
        f"{base_url}/mapping/confirm", json={"token": mapping_token.group(1)}, headers=bearer(token), timeout=TIMEOUT
    )
    assert confirmed.status_code == 200, confirmed.text
    return str(confirmed.json()["candidate_id"])


def throwaway_login(base_url: str) -> str:
    """The token of a new login mapped to a new candidate (one exam imported): for what may not touch
    the shared candidates, such as erasing the login (``POST /me/erase``)."""
    number = uuid.uuid4().int % 10**8
    email = f"throwaway.{uuid.uuid4().hex[:10]}@example.com"
    csv = (
        "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date\n"
        f"CSCO{number:08d},Thrown,Away,{email},200-301,CCNA,REGT{number:08d},Pass,"
        f"{(datetime.now(UTC) - timedelta(days=30)).date().isoformat()}\n"
    )
    imported = requests.post(
        f"{base_url}/_local/imports/exams", data=csv.encode(), headers={"Content-Type": "text/csv"}, timeout=TIMEOUT
    )
    assert imported.status_code == 200 and imported.json()["imported"] == 1, imported.text
    token = login(base_url, f"throwaway-{uuid.uuid4().hex[:10]}")
    map_login_by_email(base_url, token, email)
    return token


def shipping_address(first_name: str = "John", last_name: str = "Doe") -> dict[str, Any]:
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": "shipping@example.com",
        "phone": "+1 555 0100",
        "address1": "1 Main Street",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
    }


def transcript_request(name: str = "Hardening transcript", days: int = 30) -> dict[str, Any]:
    return {
        "display_name": name,
        "display_options": {"show_address": False, "show_email": False},
        "expires_on": (datetime.now(UTC) + timedelta(days=days)).date().isoformat(),
        "include": "active",
    }


def order_request(sku: str = "ccna-certificate") -> dict[str, Any]:
    return {"skus": [sku], "tracking": False, "payment_method": "credit_card"}


_STATIC_BODIES: dict[str, Any] = {
    "POST /mapping/email": {"email": "nobody@example.com"},
    "POST /mapping/score-report": {
        "last_name": "Nobody",
        "registration_number": "REG-NOBODY",
        "new_email": "nobody@example.com",
    },
    "POST /mapping/confirm": {"token": "A" * 43},
    # Well formed, but not the confirmation: the shared candidates are never erased (a test that
    # erases uses ``throwaway_login`` and sends ``{"confirm": "ERASE"}`` itself).
    "POST /me/erase": {"confirm": "KEEP"},
    "PUT /me/settings": {
        "program_employee": False,
        "partner_or_reseller": False,
        "email_notifications": True,
        "academy_student": False,
        "verification_consent": True,
    },
    "PUT /me/attributes": {"attributes": [{"key": "job_title", "value": "Tester"}]},
    "POST /me/transcripts/{transcript_id}/email": {"to": "viewer@example.com"},
    "POST /me/logos/{logo_id}/download": {"accept_agreement": True, "format": "svg"},
    "PUT /ops/fulfillment/{fulfillment_id}": {"status": "sent"},
    "POST /ops/orders/{order_id}/cancel": {"reason": "Duplicate order"},
    # Another issuer's credential: answered "not ours" (200) with no signature work.
    "POST /public/credentials/verify": {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:badges.example.org",
        "credentialSubject": {"id": "urn:example:holder"},
    },
}


def valid_body(key: str, *, sku: str = "ccna-certificate") -> Any:
    """A valid body for the route ``"METHOD /resource"`` (``None`` when it takes none).

    The authorization matrix sends it so a refusal is about the caller, not the body; the route
    bench (``bench/bench_routes.py``) sends it so every route does its real work.
    """
    if key == "PUT /me/shipping-address":
        return shipping_address("Route", "Tester")  # not A's name: the matrix looks for it in B's answers
    if key == "POST /me/transcripts":
        return transcript_request()
    if key == "PUT /me/transcripts/{transcript_id}":
        return transcript_request("Renamed transcript")
    if key == "POST /me/fulfillment/orders":
        return order_request(sku)
    return _STATIC_BODIES.get(key)


@dataclass
class CandidateData:
    """Ids of one candidate's records, made through the API: what the fuzzer and the matrix aim at."""

    token: str
    candidate_id: str
    path_parameters: dict[str, str] = field(default_factory=dict)
    order_id: str | None = None
    sku: str | None = None


def _ok(response: requests.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in statuses, f"{response.request.method} {response.url}: {response.text[:500]}"
    return response.json() if response.content else {}


def make_candidate_data(base_url: str, token: str, *, order: bool = True) -> CandidateData:
    """A shipping address, one transcript and (when ``order``) one order of a held certification's kit."""
    headers = bearer(token)
    me = _ok(requests.get(f"{base_url}/me", headers=headers, timeout=TIMEOUT), 200)
    data = CandidateData(token=token, candidate_id=str(me["candidate_id"]))
    address = shipping_address(str(me["first_name"]), str(me["last_name"]))
    put = requests.put(f"{base_url}/me/shipping-address", json=address, headers=headers, timeout=TIMEOUT)
    _ok(put, 200)
    transcript = _ok(
        requests.post(f"{base_url}/me/transcripts", json=transcript_request(), headers=headers, timeout=TIMEOUT), 201
    )
    data.path_parameters["transcript_id"] = str(transcript["transcript_id"])
    data.path_parameters["public_id"] = str(transcript["public_url"]).rstrip("/").rsplit("/", 1)[-1]
    data.path_parameters["cert_id"] = HELD_CERT
    data.path_parameters["logo_id"] = HELD_CERT
    badges = _ok(requests.get(f"{base_url}/me/badges", headers=headers, timeout=TIMEOUT), 200)["badges"]
    if badges:  # the candidate holds or held a certification: its credential and status list
        credential_url = str(badges[0]["credential_url"])
        data.path_parameters["credential_id"] = credential_url.rstrip("/").rsplit("/", 1)[-1]
        credential = _ok(requests.get(credential_url, timeout=TIMEOUT), 200)
        statuses = credential["credentialStatus"]
        status = statuses[0] if isinstance(statuses, list) else statuses
        data.path_parameters["list_id"] = str(status["statusListCredential"]).rstrip("/").rsplit("/", 1)[-1]
    if order:
        catalog = _ok(requests.get(f"{base_url}/me/fulfillment/catalog", headers=headers, timeout=TIMEOUT), 200)
        sku = next(item["sku"] for item in catalog["items"] if item["certification_id"] == HELD_CERT)
        data.sku = str(sku)
        placed = requests.post(
            f"{base_url}/me/fulfillment/orders",
            json={"skus": [sku], "tracking": False, "payment_method": "credit_card"},
            headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
            timeout=TIMEOUT,
        )
        data.order_id = str(_ok(placed, 201)["order_id"])
        data.path_parameters["order_id"] = data.order_id
        history = _ok(requests.get(f"{base_url}/me/fulfillment/history", headers=headers, timeout=TIMEOUT), 200)
        entry = history["items"][0]
        data.path_parameters["fulfillment_id"] = str(entry["fulfillment_id"])
        if entry.get("verification_code"):
            data.path_parameters["verification_code"] = str(entry["verification_code"])
    return data


def fill_path(route: Route, parameters: dict[str, str], default: str = "unknown-id") -> str:
    """The route's path with its ``{name}`` segments filled from ``parameters``."""
    return PARAMETER.sub(lambda m: parameters.get(m.group(1), default), route.path)
