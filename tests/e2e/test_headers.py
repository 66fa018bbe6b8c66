"""Security headers on every answer: each route of ``template.yaml`` (a success and an error), ``/app/``, public pages.

Every API answer, 2xx included, carries ``Cache-Control: no-store`` and ``X-Content-Type-Options:
nosniff`` (personal data must not stay in a browser or proxy cache, nor be sniffed into HTML).
Every HTML answer (public pages, the web client) also carries ``X-Frame-Options: DENY`` and a
``Content-Security-Policy`` header with ``frame-ancestors 'none'`` (a meta tag cannot say it).
In production the CDN adds HSTS and the same framing rules (template.yaml ``SecurityHeadersPolicy``,
checked in tests/integration/test_template.py); locally the dev server plays the CDN for ``/app/``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from local.template import Route
from tests.e2e.hardening_support import (
    CANDIDATE_A,
    OPERATOR,
    PARAMETER,
    TIMEOUT,
    CandidateData,
    OpsData,
    bearer,
    demo_login,
    fill_path,
    login,
    make_candidate_data,
    make_ops_data,
    route_id,
    route_query,
    template_routes,
    throwaway_login,
    transcript_request,
    valid_body,
)

pytestmark = pytest.mark.e2e

ROUTES = template_routes()
API_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}
# Public documents a verifier fetches again and again (the issuer's DID, credentials, status
# lists): their successful answers may be cached briefly, at most five minutes.
CACHEABLE = {"/.well-known/did.json", "/public/credentials/{credential_id}", "/public/status/{list_id}"}
SHORT_PUBLIC_CACHE = re.compile(r"public, max-age=(\d+)")
# Routes a mapped candidate cannot succeed on: they are for logins not mapped yet.
FOR_UNMAPPED = {"/mapping/email", "/mapping/score-report", "/mapping/confirm"}
# Public routes reached only through a signed link that mail carries, or signed by the payment
# provider (its webhook): without a signature they refuse.
SIGNED_LINKS = {"/reminders/unsubscribe", "/public/mapping/dispute", "/payments/webhook"}


@dataclass
class Walk:
    base_url: str
    a: CandidateData
    operator: str
    unmapped: str
    ops: OpsData

    def token_for(self, route: Route) -> str | None:
        if route.public:
            return None
        if route.path.startswith("/ops/"):
            return self.operator
        return self.unmapped if route.path in FOR_UNMAPPED else self.a.token

    def call(
        self,
        route: Route,
        *,
        accept: str = "application/json",
        parameters: dict[str, str] | None = None,
        raw: bytes | None = None,
        token: str | None = None,
    ) -> requests.Response:
        headers = {**bearer(token or self.token_for(route)), "Accept": accept}
        key = route_id(route)
        if key == "POST /me/fulfillment/orders":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        if parameters is None:
            ops = route.path.startswith("/ops/")
            parameters = self.ops.for_route(route, self.a, fresh=raw is None) if ops else self.a.path_parameters
        url = f"{self.base_url}{fill_path(route, parameters)}"
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return requests.request(route.method, url, data=raw, headers=headers, timeout=TIMEOUT)
        body = (
            valid_body(key, sku=self.a.sku or "", ids=parameters) if route.method in ("POST", "PUT", "PATCH") else None
        )
        query = route_query(key, self.a.candidate_id)
        return requests.request(route.method, url, json=body, params=query, headers=headers, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def walk(base_url: str) -> Iterator[Walk]:
    a = make_candidate_data(base_url, demo_login(base_url, CANDIDATE_A))
    unmapped = login(base_url, f"headers-unmapped-{uuid.uuid4().hex[:8]}")
    operator = demo_login(base_url, OPERATOR)
    yield Walk(base_url, a, operator, unmapped, make_ops_data(base_url, operator))


def _assert_headers(response: requests.Response, what: str, *, cacheable: bool = False) -> None:
    got = {name: response.headers.get(name, "") for name in API_HEADERS}
    content_type = response.headers.get("Content-Type", "")
    if cacheable and response.status_code == 200:
        cache = SHORT_PUBLIC_CACHE.fullmatch(got.pop("cache-control"))
        assert cache and int(cache.group(1)) <= 300, (what, dict(response.headers))
        assert got == {"x-content-type-options": "nosniff"}, (what, dict(response.headers))
    elif content_type.startswith("text/html"):
        # A public page may allow a short cache of its own; none does today.
        assert got["x-content-type-options"] == "nosniff", (what, dict(response.headers))
        assert got["cache-control"], (what, dict(response.headers))
        _assert_not_frameable(response, what)
    else:
        assert got == API_HEADERS, (what, response.status_code, dict(response.headers))


def _assert_not_frameable(response: requests.Response, what: str) -> None:
    assert response.headers.get("X-Frame-Options") == "DENY", (what, dict(response.headers))
    policies = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in policies, (what, policies)


def _error_request(walk: Walk, route: Route) -> requests.Response | None:
    """An answer the route's own function gives as an error (the gateway's 401s are not the function's)."""
    if valid_body(route_id(route)) is not None:  # a route taking a body
        return walk.call(route, raw=b'{"not": json')  # 400 malformed_json (415/422 for other bodies)
    if set(PARAMETER.findall(route.path)):
        return walk.call(route, parameters={})  # every id "unknown-id": 404 (or 422 for its format)
    if route.public:
        return walk.call(route) if route.path in SIGNED_LINKS else None  # 422: no signed link
    if route.path == "/me":
        return None  # answers any login, mapped or not
    return walk.call(route, token=walk.unmapped)  # 403 account_not_mapped


@pytest.mark.parametrize("route", ROUTES, ids=[route_id(r) for r in ROUTES])
def test_every_route_answers_with_the_security_headers(walk: Walk, route: Route) -> None:
    key = route_id(route)
    parameters = None
    if key == "DELETE /me/transcripts/{transcript_id}":
        throwaway = requests.post(
            f"{walk.base_url}/me/transcripts", json=transcript_request(), headers=bearer(walk.a.token), timeout=30
        )
        parameters = {"transcript_id": throwaway.json()["transcript_id"]}
    if key == "POST /me/erase":
        # A login of its own to erase: the walk's candidate keeps its login.
        success = requests.post(
            f"{walk.base_url}/me/erase",
            json={"confirm": "ERASE"},
            headers={**bearer(throwaway_login(walk.base_url)), "Accept": "application/json"},
            timeout=TIMEOUT,
        )
    else:
        success = walk.call(route, parameters=parameters)
    if route.path not in FOR_UNMAPPED | SIGNED_LINKS:
        assert success.status_code < 400, f"{key} → {success.status_code} {success.text[:300]}"
    _assert_headers(success, f"{key} → {success.status_code}", cacheable=route.path in CACHEABLE)
    error = _error_request(walk, route)
    if error is not None:
        assert 400 <= error.status_code < 500, f"{key} → {error.status_code} {error.text[:300]}"
        _assert_headers(error, f"{key} error → {error.status_code}")
    if route.public and route.method == "GET" and PARAMETER.findall(route.path) and route.path not in CACHEABLE:
        # The public pages themselves, found and not found (the badge documents are JSON-LD only).
        page = walk.call(route, accept="text/html", parameters=parameters)
        assert page.headers.get("Content-Type", "").startswith("text/html"), page.headers
        _assert_headers(page, f"{key} page → {page.status_code}")
        missing = walk.call(route, accept="text/html", parameters={})
        _assert_headers(missing, f"{key} page → {missing.status_code}")


@pytest.mark.parametrize(
    "key",
    ["GET /me", "GET /me/identifiers", "GET /me/shipping-address", "GET /ops/fulfillment"],
)
def test_personal_data_is_never_cached(walk: Walk, key: str) -> None:
    """The answers the issue named (presigned URLs are in the walk: certificate and logo downloads)."""
    route = next(r for r in ROUTES if route_id(r) == key)
    response = walk.call(route)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/app/", "/app/index.html", "/app/app.js", "/app/styles.css"])
def test_the_web_client_cannot_be_framed(walk: Walk, path: str) -> None:
    response = requests.get(f"{walk.base_url}{path}", timeout=TIMEOUT)
    assert response.status_code == 200, (path, response.status_code)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    _assert_not_frameable(response, path)


@pytest.mark.parametrize(
    "path",
    ["/app/%00", "/app/index.html%00.js", "/app/a%00b/", "/app/" + "a" * 5_000, "/app/%2e%2e/%2e%2e/etc/passwd"],
)
def test_odd_static_paths_are_404_not_500(walk: Walk, path: str) -> None:
    response = requests.get(f"{walk.base_url}{path}", timeout=TIMEOUT)
    assert response.status_code == 404, (path, response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/problem+json")
