"""The dev server over real HTTP: routing from template.yaml, the Cognito authorizer, local routes, static files."""

from __future__ import annotations

import base64
import http.client
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from tests.e2e.devserver_fixture import running_devserver

PROBLEM = "application/problem+json"
PASSWORD = "E2e-password-1"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A dev server of this module's own: these tests add logins and read the whole outbox."""
    with running_devserver() as base_url:
        yield base_url


def login(base_url: str, username: str, password: str = PASSWORD, groups: list[str] | None = None) -> requests.Response:
    return requests.post(
        f"{base_url}/_local/login",
        json={"username": username, "password": password, "groups": groups or []},
        timeout=10,
    )


def token_for(base_url: str, username: str | None = None) -> str:
    response = login(base_url, username or f"user-{uuid.uuid4().hex[:8]}")
    assert response.status_code == 200, response.text
    return str(response.json()["id_token"])


def assert_problem(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == PROBLEM
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert {"type", "title", "detail"} <= body.keys()
    return body


def test_health_is_public_json(server: str) -> None:
    response = requests.get(f"{server}/health", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"status": "ok"}


def test_unknown_route_is_404_problem(server: str) -> None:
    assert_problem(requests.get(f"{server}/no/such/route", timeout=10), 404, "route_not_found")


@pytest.mark.parametrize("method", ["PATCH", "TRACE", "BREW"])
def test_unknown_method_on_known_path_is_405_with_allow(server: str, method: str) -> None:
    response = requests.request(method, f"{server}/me", timeout=10)
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


def test_me_without_token_is_401_problem(server: str) -> None:
    response = requests.get(f"{server}/me", timeout=10)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def _forge(real_token: str, how: str) -> str:
    header = jwt.get_unverified_header(real_token)
    claims = jwt.decode(real_token, options={"verify_signature": False})
    pool_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    kid = {"kid": header["kid"]}
    if how == "other_key":
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return jwt.encode(claims, other, algorithm="RS256", headers=kid)
    if how == "alg_none":
        return jwt.encode(claims, "", algorithm="none", headers=kid)
    if how == "tampered_payload":
        head, _, signature = real_token.split(".")
        payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": str(uuid.uuid4())}).encode()).rstrip(b"=")
        return f"{head}.{payload.decode()}.{signature}"
    if how == "expired":
        past = int(time.time()) - 7200
        return jwt.encode({**claims, "iat": past, "exp": past + 3600}, pool_key, algorithm="RS256", headers=kid)
    if how == "wrong_audience":
        return jwt.encode({**claims, "aud": "another-client"}, pool_key, algorithm="RS256", headers=kid)
    if how == "access_token_use":
        return jwt.encode({**claims, "token_use": "access"}, pool_key, algorithm="RS256", headers=kid)
    if how == "garbage":
        return "not-a-jwt"
    raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    ["other_key", "alg_none", "tampered_payload", "expired", "wrong_audience", "access_token_use", "garbage"],
)
def test_forged_or_unacceptable_token_is_401(server: str, how: str) -> None:
    forged = _forge(token_for(server), how)
    response = requests.get(f"{server}/me", headers={"Authorization": f"Bearer {forged}"}, timeout=10)
    assert_problem(response, 401, "unauthorized")


def test_a_token_signed_with_the_pool_key_is_accepted(server: str) -> None:
    """The forgery cases above fail for the reason named, not because re-signing is broken."""
    real = token_for(server)
    claims = jwt.decode(real, options={"verify_signature": False})
    pool_key = jwt.PyJWK(load_resource("cognitoidp/resources/jwks-private.json")).key
    resigned = jwt.encode(claims, pool_key, algorithm="RS256", headers={"kid": jwt.get_unverified_header(real)["kid"]})
    response = requests.get(f"{server}/me", headers={"Authorization": f"Bearer {resigned}"}, timeout=10)
    assert response.status_code == 200, response.text


def test_local_login_then_me_is_unmapped(server: str) -> None:
    username = f"new-{uuid.uuid4().hex[:8]}"
    token = token_for(server, username)
    response = requests.get(f"{server}/me", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"mapped": False, "login_id": username}


def test_local_login_rejects_a_wrong_password_for_an_existing_user(server: str) -> None:
    username = f"pw-{uuid.uuid4().hex[:8]}"
    assert login(server, username).status_code == 200
    assert_problem(login(server, username, "Wrong-password-1"), 401, "invalid_credentials")
    assert login(server, username).status_code == 200


def test_local_login_groups_reach_the_token(server: str) -> None:
    token = login(server, f"op-{uuid.uuid4().hex[:8]}", groups=["operators"]).json()["id_token"]
    assert jwt.decode(token, options={"verify_signature": False})["cognito:groups"] == ["operators"]


def test_local_login_validates_its_body(server: str) -> None:
    response = requests.post(f"{server}/_local/login", json={"username": "x"}, timeout=10)
    assert_problem(response, 422, "validation_error")
    response = requests.post(f"{server}/_local/login", data=b"{not json", timeout=10)
    assert_problem(response, 400, "malformed_json")


def test_body_over_one_mebibyte_is_413(server: str) -> None:
    token = token_for(server)
    response = requests.put(
        f"{server}/me/settings",
        data=b"x" * (1024 * 1024 + 1),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert_problem(response, 413, "payload_too_large")


def test_outbox_lists_messages(server: str) -> None:
    response = requests.get(f"{server}/_local/outbox", timeout=10)
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert isinstance(messages, list)
    assert all({"to", "subject", "text", "html"} <= m.keys() for m in messages)


def test_local_routes_answer_405_and_404(server: str) -> None:
    response = requests.get(f"{server}/_local/login", timeout=10)
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "POST"
    assert_problem(requests.post(f"{server}/_local/imports/other", timeout=10), 404, "route_not_found")


def test_import_header_only_csv_reports_nothing_imported(server: str) -> None:
    csv = "candidate_id,activity_name,points,active_date,provider_name,external_id\n"
    response = requests.post(f"{server}/_local/imports/ce-credits", data=csv.encode(), timeout=30)
    assert response.status_code == 200, response.text
    assert response.json() == {"rows": 0, "imported": 0, "rejected": []}


def test_expiry_check_runs_with_the_given_time(server: str) -> None:
    response = requests.post(f"{server}/_local/events/expiry-check", json={"time": "2026-11-25T03:00:00Z"}, timeout=30)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["now"].startswith("2026-11-25")
    assert_problem(
        requests.post(f"{server}/_local/events/expiry-check", json={"time": "yesterday"}, timeout=10),
        422,
        "validation_error",
    )


def test_root_redirects_to_the_web_client(server: str) -> None:
    response = requests.get(f"{server}/", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    assert response.headers["Location"] == "/app/"


def test_web_client_is_served_as_html(server: str) -> None:
    response = requests.get(f"{server}/app/", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<html" in response.text.lower()
    head = requests.head(f"{server}/app/index.html", timeout=10)
    assert head.status_code == 200 and head.content == b""


def test_static_files_cannot_escape_the_web_folder(server: str) -> None:
    url = urlsplit(server)
    connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    connection.request("GET", "/app/%2e%2e/template.yaml")
    response = connection.getresponse()
    assert response.status == 404
    connection.close()
