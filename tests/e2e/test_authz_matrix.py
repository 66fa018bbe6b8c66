"""Authorization matrix: every route of ``template.yaml`` by every kind of caller → the status it must get.

Callers: no token, a forged token, an unmapped login, candidate A (the demo login, who owns the
records), candidate B (mapped during the test through the map-by-email flow) and an operator. Every
request names A's records (A's transcript, public id, fulfillment, verification code …), so B's
answers prove B can neither see nor change them. The rules below are by route kind, so a route
added to the template is covered without editing this file; ``valid_body`` gives valid bodies so that a
validation error never hides an authorization answer (a new mutating route falls back to ``{}``).

The operators' routes name records seeded for them (``make_ops_data``: an import, a support case and
its waiting login, a queued kit, a subject candidate of the operators' writes), so the operator's
answer is a real success; a write that ends a record (a case's merge or close, an order's cancel)
gets a record of its own per call.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from local.template import Route
from tests.e2e.hardening_support import (
    CANDIDATE_A,
    CANDIDATE_B_EMAIL,
    OPERATOR,
    OPS_CANDIDATE,
    PARAMETER,
    TIMEOUT,
    CandidateData,
    OpsData,
    assert_problem,
    bearer,
    demo_login,
    fill_path,
    login,
    make_candidate_data,
    make_ops_data,
    map_login_by_email,
    route_id,
    route_query,
    template_routes,
    throwaway_login,
    transcript_request,
    valid_body,
)

pytestmark = pytest.mark.e2e

CALLERS = ("no_token", "forged", "unmapped", "candidate_a", "candidate_b", "operator")
ROUTES = template_routes()
SUCCESS = {200, 201, 202, 204}
CATALOG_PARAMETERS = {"cert_id", "logo_id"}  # program-wide ids, not anyone's records
# Routes that answer for any authenticated login, mapped or not (DESIGN.md: login mapping).
WORKS_UNMAPPED = {"/me", "/mapping/email", "/mapping/score-report", "/mapping/confirm"}
# Public routes called with A's ids → what every caller gets, token or not.
PUBLIC_EXPECTED = {
    "GET /health": {200},
    "GET /openapi.json": {200},
    "GET /public/transcripts/{public_id}": {200},
    "GET /public/verify/{verification_code}": {200},
    "GET /reminders/unsubscribe": {422},  # no signed link given
    "POST /reminders/unsubscribe": {422},
    "GET /public/mapping/dispute": {422},  # no token given
    "POST /public/mapping/dispute": {422},
    "POST /payments/webhook": {400},  # not signed by the payment provider
}
# An operator's answer other than a success that is about the state of the records named, not the caller.
OPS_STATE_ANSWERS: dict[str, set[int]] = {}
# A write on the subject candidate may meet a state another write left (e.g. a grant of a held certification).
OPS_CANDIDATE_WRITE_STATE = {409}


@dataclass
class Matrix:
    base_url: str
    tokens: dict[str, str | None]
    a: CandidateData
    b: CandidateData
    ops: OpsData

    def request(self, route: Route, caller: str, parameters: dict[str, str] | None = None) -> requests.Response:
        headers = {**bearer(self.tokens[caller]), "Accept": "application/json"}
        key = route_id(route)
        if key == "POST /me/fulfillment/orders":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if parameters is None:
            parameters = (
                # Only the operator gets as far as resolving a case: the others share the seeded one.
                self.ops.for_route(route, self.a, fresh=caller == "operator")
                if route.path.startswith("/ops/")
                else self.a.path_parameters
            )
        body = self.body(key, parameters) if route.method in ("POST", "PUT", "PATCH") else None
        if key == "POST /me/erase" and caller == "candidate_a":
            # A erases a login of A's own making; the shared A stays for the other cases.
            headers = {**bearer(throwaway_login(self.base_url)), "Accept": "application/json"}
            body = {"confirm": "ERASE"}
        path = fill_path(route, parameters)
        query = route_query(key, self.a.candidate_id)
        return requests.request(
            route.method, f"{self.base_url}{path}", json=body, params=query, headers=headers, timeout=TIMEOUT
        )

    def body(self, key: str, parameters: dict[str, str]) -> Any:
        body = valid_body(key, sku=self.a.sku or "", ids=parameters)
        return {} if body is None else body


def _forged(real_token: str) -> str:
    """The same claims, signed with a key that is not the user pool's."""
    claims = jwt.decode(real_token, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, other, algorithm="RS256", headers={"kid": jwt.get_unverified_header(real_token)["kid"]})


@pytest.fixture(scope="module")
def matrix(base_url: str) -> Iterator[Matrix]:
    token_a = demo_login(base_url, CANDIDATE_A)
    token_b = login(base_url, f"matrix-b-{uuid.uuid4().hex[:8]}")
    map_login_by_email(base_url, token_b, CANDIDATE_B_EMAIL)
    a = make_candidate_data(base_url, token_a)
    b = make_candidate_data(base_url, token_b, order=False)
    tokens: dict[str, str | None] = {
        "no_token": None,
        "forged": _forged(token_a),
        "unmapped": login(base_url, f"matrix-unmapped-{uuid.uuid4().hex[:8]}"),
        "candidate_a": token_a,
        "candidate_b": token_b,
        "operator": demo_login(base_url, OPERATOR),
    }
    yield Matrix(base_url, tokens, a, b, make_ops_data(base_url, str(tokens["operator"])))


def expected(route: Route, caller: str) -> set[int] | None:
    """The statuses allowed for ``caller`` on ``route`` (called with A's ids); None: any but 401/403/5xx."""
    key = route_id(route)
    if route.public:
        return PUBLIC_EXPECTED.get(key)
    if caller in ("no_token", "forged"):
        return {401}
    if route.path.startswith("/ops/"):
        if caller != "operator":
            return {403}
        state = OPS_STATE_ANSWERS.get(key, set())
        if route.method != "GET" and route.path.startswith(OPS_CANDIDATE):
            state = state | OPS_CANDIDATE_WRITE_STATE
        return SUCCESS | state
    if route.path in WORKS_UNMAPPED:
        if caller in ("candidate_a", "candidate_b") and route.path.startswith("/mapping/"):
            return {400, 409} if route.path == "/mapping/confirm" else {409}  # token_invalid / already_mapped
        return None
    if caller in ("unmapped", "operator"):
        return {403}  # account_not_mapped: the operator login is not a candidate
    if caller == "candidate_a":
        return SUCCESS
    if set(PARAMETER.findall(route.path)) - CATALOG_PARAMETERS:
        return {404}  # B names one of A's records
    return None  # B's own data (checked for A's below); catalog ids are the same for everyone


CASES = [pytest.param(route, caller, id=f"{route_id(route)}-{caller}") for route in ROUTES for caller in CALLERS]


@pytest.mark.parametrize(("route", "caller"), CASES)
def test_route_answers_caller_as_expected(matrix: Matrix, route: Route, caller: str) -> None:
    if route_id(route) == "DELETE /me/transcripts/{transcript_id}" and caller == "candidate_a":
        # A revokes a transcript of A's own; the shared one stays for the other callers.
        throwaway = requests.post(
            f"{matrix.base_url}/me/transcripts", json=transcript_request(), headers=bearer(matrix.a.token), timeout=30
        )
        response = matrix.request(route, caller, {"transcript_id": throwaway.json()["transcript_id"]})
    else:
        response = matrix.request(route, caller)
    allowed = expected(route, caller)
    detail = f"{caller} {route_id(route)} → {response.status_code} {response.text[:300]}"
    assert response.status_code < 500, detail
    if allowed is None:
        assert response.status_code not in (401, 403), detail
    else:
        assert response.status_code in allowed, detail
    if 400 <= response.status_code < 500:
        problem = assert_problem(response)
        if response.status_code == 403 and not route.path.startswith("/ops/"):
            assert problem["code"] == "account_not_mapped", detail
    if caller == "candidate_b":
        _assert_nothing_of_a(matrix, response, detail)


def _assert_nothing_of_a(matrix: Matrix, response: requests.Response, detail: str) -> None:
    """No id, name or address of A's in what B receives (the public pages aside: they are A's on purpose)."""
    if response.request.path_url.startswith(("/public/", "/openapi.json")):
        return
    text = response.text
    secrets = {matrix.a.candidate_id, "john.doe@example.com", "Doe", *matrix.a.path_parameters.values()}
    secrets |= {matrix.a.order_id or ""}
    secrets -= {"", "ccna"}  # catalog ids are not A's
    leaked = sorted(s for s in secrets if s in text)
    assert not leaked, f"{detail}: B saw {leaked}"


def _snapshot(matrix: Matrix) -> dict[str, Any]:
    """Everything A can read, with A's ids."""
    out = {}
    for route in ROUTES:
        if route.method == "GET" and not route.public and route.path.startswith("/me"):
            response = matrix.request(route, "candidate_a")
            out[route_id(route)] = (response.status_code, _comparable(route_id(route), response.text))
    return out


def _comparable(key: str, text: str) -> str:
    """The answer without what reading it changes: the data export records each export (audited)."""
    if key != "GET /me/data-export":
        return text
    data = json.loads(text)
    data.pop("exported_at")
    data["sections"].pop("privacy_audit")
    return json.dumps(data, sort_keys=True)


def test_b_cannot_change_anything_of_a(matrix: Matrix) -> None:
    """Every write route, called by B with A's ids, leaves all of A's reads as they were."""
    before = _snapshot(matrix)
    assert before["GET /me/transcripts/{transcript_id}"][0] == 200
    writes = [r for r in ROUTES if r.method != "GET" and not r.public and not r.path.startswith("/mapping/")]
    assert writes
    for route in writes:
        response = matrix.request(route, "candidate_b")
        assert response.status_code < 500, response.text
        if set(PARAMETER.findall(route.path)) - CATALOG_PARAMETERS:
            assert response.status_code in ({403} if route.path.startswith("/ops/") else {404}), (
                route_id(route),
                response.text,
            )
    after = _snapshot(matrix)
    changed = [key for key in before if before[key] != after[key]]
    assert not changed, f"B changed what A sees: {changed}"
    b_view = requests.get(f"{matrix.base_url}/me", headers=bearer(matrix.tokens["candidate_b"]), timeout=TIMEOUT)
    assert json.loads(b_view.text)["candidate_id"] == matrix.b.candidate_id != matrix.a.candidate_id


def test_b_own_ids_are_not_a_key_to_a(matrix: Matrix) -> None:
    """The converse: A cannot reach B's transcript either (ownership, not just 'first candidate wins')."""
    route = next(r for r in ROUTES if route_id(r) == "GET /me/transcripts/{transcript_id}")
    own = matrix.request(route, "candidate_b", matrix.b.path_parameters)
    assert own.status_code == 200, own.text
    theirs = matrix.request(route, "candidate_a", matrix.b.path_parameters)
    assert_problem(theirs, 404)
