"""Helpers for the hardening tests (fuzz, authorization matrix, load) over a running dev server.

The route list is ``template.yaml`` (read with ``local.template``), so a route added there is
covered by every table-driven test here without editing them.
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
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


def queue_tracked_kit(base_url: str, headers: dict[str, str], address: dict[str, Any]) -> dict[str, Any]:
    """The free CCNA kit with tracked shipping to ``address``, its fee paid with a test card
    through the local provider; returns the order once the provider's webhook queued the kit."""
    put = requests.put(f"{base_url}/me/shipping-address", json=address, headers=headers, timeout=TIMEOUT)
    assert put.status_code == 200, put.text
    order = requests.post(
        f"{base_url}/me/fulfillment/orders",
        json={"skus": ["ccna-certificate"], "tracking": True, "payment_method": "credit_card"},
        headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=TIMEOUT,
    )
    assert order.status_code == 201, order.text
    order_id = order.json()["order_id"]
    paid = requests.post(f"{base_url}/_local/payments/{order_id}/pay", json={"card": "4242424242424242"}, timeout=30)
    assert paid.status_code == 200, paid.text
    deadline = time.monotonic() + 15
    while True:
        history = requests.get(f"{base_url}/me/fulfillment/history", headers=headers, timeout=TIMEOUT).json()["items"]
        if any(k["order_id"] == order_id and k["status"] == "queued" for k in history):
            return dict(order.json())
        assert time.monotonic() < deadline, "the payment's webhook did not queue the kit"
        time.sleep(0.2)


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
    "POST /ops/imports": {"kind": "exams", "filename": "a.csv"},
    "POST /ops/support-cases/{case_id}/merge": {"survivor": "{survivor}", "reason": "Same person"},
    "POST /ops/support-cases/{case_id}/close": {"note": "Two different people"},
    "POST /ops/logins/{login_sub}/rate-limits/lift": {"candidate_id": "{candidate_id}", "reason": "Identity checked"},
    # Another issuer's credential: answered "not ours" (200) with no signature work.
    "POST /public/credentials/verify": {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": "did:web:badges.example.org",
        "credentialSubject": {"id": "urn:example:holder"},
    },
}


# The operators' writes on one candidate (``/ops/candidates/{candidate_id}/<suffix>``), by method and
# suffix: a new such route needs only its line here ("POST <suffix>"); one without a line gets
# ``OPS_REASON_ONLY``, the body of an action that takes only a reason.
OPS_CANDIDATE = "/ops/candidates/{candidate_id}/"
OPS_CANDIDATE_BODIES: dict[str, Any] = {
    "POST mapping-email": {"login_sub": "{login_sub}", "reason": "Mail lost"},
    # Grants and corrections on the subject candidate (who holds CCNA): a grant of another certification,
    # a revoke, an extension later than CCNA's expiry (at most 3 years away) within the 5 an extension may add.
    "POST grants": {"certification_id": "ccnp-enterprise", "reason": "Route check"},
    "POST certifications/{cert_id}/extend": {
        "expires_on": (datetime.now(UTC) + timedelta(days=4 * 365)).date().isoformat(),
        "reason": "Route check",
    },
    "POST ce-credits": {
        "activity_name": "Route check",
        "provider_name": "Route check",
        "points": 1,
        "active_date": "2026-01-05",
        "reason": "Route check",
    },
    "PUT name": {"first_name": "Route", "last_name": "Checked", "reason": "Route check"},
}
OPS_REASON_ONLY = {"reason": "Checked with the candidate"}
# What ``{name}`` strings in a body stand for when the caller names no records (the route bench).
DEFAULT_BODY_IDS = {"survivor": "CSCO10000002", "candidate_id": "CSCO10000004", "login_sub": "sub-waiting"}


def _filled(value: Any, ids: dict[str, str]) -> Any:
    """``value`` with every string ``"{name}"`` replaced by ``ids[name]`` (kept when ``ids`` lacks it)."""
    if isinstance(value, dict):
        return {k: _filled(v, ids) for k, v in value.items()}
    if isinstance(value, str) and (name := PARAMETER.fullmatch(value)):
        return ids.get(name.group(1), value)
    return value


def valid_body(key: str, *, sku: str = "ccna-certificate", ids: dict[str, str] | None = None) -> Any:
    """A valid body for the route ``"METHOD /resource"`` (``None`` when it takes none).

    The authorization matrix sends it so a refusal is about the caller, not the body; the route
    bench (``bench/bench_routes.py``) sends it so every route does its real work. ``ids`` names the
    records a body refers to (a case's survivor, the login waiting, the candidate helped: the path
    parameters the caller uses); without them the bodies name ``DEFAULT_BODY_IDS``.
    """
    if key == "PUT /me/shipping-address":
        return shipping_address("Route", "Tester")  # not A's name: the matrix looks for it in B's answers
    if key == "POST /me/transcripts":
        return transcript_request()
    if key == "PUT /me/transcripts/{transcript_id}":
        return transcript_request("Renamed transcript")
    if key == "POST /me/fulfillment/orders":
        return order_request(sku)
    method, _, resource = key.partition(" ")
    body = _STATIC_BODIES.get(key)
    if body is None and resource.startswith(OPS_CANDIDATE) and method in ("POST", "PUT", "PATCH"):
        body = OPS_CANDIDATE_BODIES.get(f"{method} {resource.removeprefix(OPS_CANDIDATE)}", OPS_REASON_ONLY)
    return None if body is None else _filled(body, {**DEFAULT_BODY_IDS, **(ids or {})})


def route_query(key: str, candidate_id: str) -> dict[str, str] | None:
    """The query string a route needs to do its work (the candidate search needs something to find)."""
    return {"q": candidate_id} if key == "GET /ops/candidates" else None


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
    data.path_parameters["candidate_id"] = data.candidate_id  # the operators' candidate routes
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
    credits = _ok(requests.get(f"{base_url}/me/ce-activities", headers=headers, timeout=TIMEOUT), 200)["items"]
    if credits:  # one of the candidate's CE credits (operators void it)
        data.path_parameters["external_id"] = str(credits[-1]["external_id"])
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


# ------------------------------------------------------------------ the operators' routes

CASE_ID = re.compile(r"support case (SC-[0-9A-F]+)")
CASE_WRITES = "/ops/support-cases/{case_id}/"  # a write on a case (merge, close …) resolves it
ORDER_WRITES = "/ops/orders/{order_id}/"  # a write on an order (cancel …) ends it


def login_sub(token: str) -> str:
    """The login's ``sub`` (the token is the dev server's own: no need to check its signature here)."""
    return str(jwt.decode(token, options={"verify_signature": False})["sub"])


def import_candidates(base_url: str, count: int, email: str | None = None) -> list[dict[str, str]]:
    """``count`` new candidates who passed 200-301 three weeks ago (so hold CCNA), imported as one CSV;
    with ``email`` they all share that address (a duplicate: mapping by it opens a support case)."""
    day = (datetime.now(UTC) - timedelta(days=21)).date().isoformat()
    people = []
    for _ in range(count):
        number = secrets.randbelow(10**8)
        people.append(
            {
                "candidate_id": f"CSCO{number:08d}",
                "last_name": f"Ops{uuid.uuid4().hex[:6]}",
                "email": email or f"ops.{uuid.uuid4().hex[:10]}@example.com",
                "registration_number": f"REG{number:08d}",
            }
        )
    header = (
        "candidate_id,first_name,last_name,email,exam_code,exam_name,registration_number,grade,exam_date,agreement\n"
    )
    rows = "".join(
        f"{p['candidate_id']},Olive,{p['last_name']},{p['email']},200-301,CCNA,{p['registration_number']},Pass,{day},cca-v9\n"
        for p in people
    )
    response = requests.post(
        f"{base_url}/_local/imports/exams",
        data=(header + rows).encode(),
        headers={"Content-Type": "text/csv"},
        timeout=TIMEOUT,
    )
    report = _ok(response, 200)
    assert report["imported"] == count and report["rejected"] == [], report
    return people


def duplicate_case(base_url: str) -> dict[str, str]:
    """A new duplicate-email support case, opened through the real flow: two records share an
    address and a new login asks to be mapped by it. Returns its ``case_id``, a ``survivor`` (one
    of its records) and the waiting login's ``login_sub``."""
    email = f"dup.{uuid.uuid4().hex[:10]}@example.com"
    people = import_candidates(base_url, 2, email)
    token = login(base_url, f"ops-waiting-{uuid.uuid4().hex[:8]}")
    asked = requests.post(f"{base_url}/mapping/email", json={"email": email}, headers=bearer(token), timeout=TIMEOUT)
    _ok(asked, 202)
    messages = requests.get(f"{base_url}/_local/outbox", timeout=TIMEOUT).json()["messages"]
    subjects = [str(m["subject"]) for m in messages if str(m["to"]).endswith(email)]
    found = [match.group(1) for subject in subjects if (match := CASE_ID.search(subject))]
    assert found, f"no duplicate notice was sent to {email}: {subjects}"
    return {"case_id": found[-1], "survivor": people[1]["candidate_id"], "login_sub": login_sub(token)}


@dataclass
class OpsData:
    """What the operators' routes act on, made through the API so that the operator's answer is a
    real success: an import, a support case (with its waiting login), a queued kit, and a subject
    candidate of the operators' writes (not mapped, holds CCNA). Writes aim at the subject and the
    seeded records, never at A, whose records every other route reads; reads of a candidate show A."""

    base_url: str
    parameters: dict[str, str]
    buyer: str  # the token of the kit's candidate (orders of its own for the writes that end one)

    def for_route(self, route: Route, a: CandidateData, *, fresh: bool = True) -> dict[str, str]:
        """The path parameters (and body ids) of an ``/ops`` route. With ``fresh``, a write that
        ends a record gets a new one per call: a case (a merge or a close resolves it), an order (a
        cancel ends it), so neither a second call nor a later row meets an ended one."""
        parameters = {**a.path_parameters, **self.parameters}
        if route.method == "GET":
            parameters["candidate_id"] = a.candidate_id
        if fresh and route.method != "GET" and route.path.startswith(CASE_WRITES):
            parameters |= duplicate_case(self.base_url)
        if fresh and route.method != "GET" and route.path.startswith(ORDER_WRITES):
            placed = requests.post(
                f"{self.base_url}/me/fulfillment/orders",
                json=order_request(),
                headers={**bearer(self.buyer), "Idempotency-Key": str(uuid.uuid4())},
                timeout=TIMEOUT,
            )
            parameters["order_id"] = str(_ok(placed, 201)["order_id"])
        return parameters


def make_ops_data(base_url: str, operator_token: str) -> OpsData:
    """Seed :class:`OpsData` through the API (the operator starts an import; the mapping flow opens
    the case; a new candidate's login orders the free CCNA kit, queued at once)."""
    subject, owner = import_candidates(base_url, 2)
    started = requests.post(
        f"{base_url}/ops/imports",
        json=valid_body("POST /ops/imports"),
        headers=bearer(operator_token),
        timeout=TIMEOUT,
    )
    import_id = str(_ok(started, 201)["import_id"])
    case = duplicate_case(base_url)
    buyer = login(base_url, f"ops-kit-{uuid.uuid4().hex[:8]}")
    assert map_login_by_email(base_url, buyer, owner["email"]) == owner["candidate_id"]
    _ok(
        requests.put(
            f"{base_url}/me/shipping-address", json=shipping_address(), headers=bearer(buyer), timeout=TIMEOUT
        ),
        200,
    )
    order = requests.post(
        f"{base_url}/me/fulfillment/orders",
        json={"skus": ["ccna-certificate"], "tracking": False},
        headers={**bearer(buyer), "Idempotency-Key": str(uuid.uuid4())},
        timeout=TIMEOUT,
    )
    placed = _ok(order, 201)
    assert placed["status"] == "queued", placed
    credit = requests.post(
        f"{base_url}/ops/candidates/{subject['candidate_id']}/ce-credits",
        json={**OPS_CANDIDATE_BODIES["POST ce-credits"], "external_id": f"matrix-{uuid.uuid4().hex[:10]}"},
        headers=bearer(operator_token),
        timeout=TIMEOUT,
    )
    external_id = str(_ok(credit, 201)["external_id"])
    return OpsData(
        base_url,
        {
            "candidate_id": subject["candidate_id"],
            "import_id": import_id,
            "case_id": case["case_id"],
            "survivor": case["survivor"],
            "login_sub": case["login_sub"],
            "fulfillment_id": str(placed["items"][0]["fulfillment_id"]),
            "order_id": str(placed["order_id"]),
            "external_id": external_id,
        },
        buyer,
    )
