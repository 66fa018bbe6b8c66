"""The walking skeleton: health, OpenAPI, /me mapped and unmapped, problem+json for bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import ROOT, call
from tests.factories import candidate

pytestmark = pytest.mark.usefixtures("aws")


def test_health() -> None:
    status, body, _ = call("auth_mapping", "GET", "/health")
    assert (status, body) == (200, {"status": "ok"})


def test_openapi_is_served_and_covers_me() -> None:
    status, body, _headers = call("auth_mapping", "GET", "/openapi.json")
    assert status == 200
    assert body["openapi"].startswith("3.")
    assert "/me" in body["paths"]


def test_me_unmapped() -> None:
    status, body, _ = call("auth_mapping", "GET", "/me", sub="sub-unmapped", username="ada@login")
    assert status == 200
    assert body == {"mapped": False, "login_id": "ada@login"}


def test_me_mapped() -> None:
    cand = candidate(first_name="Ada", last_name="Lovelace", email="ada@example.com", login_sub="sub-ada")
    status, body, _ = call("auth_mapping", "GET", "/me", sub="sub-ada", username="ada@login")
    assert status == 200
    assert body == {
        "mapped": True,
        "candidate_id": cand.candidate_id,
        "login_id": "ada@login",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
    }


def test_me_without_claims_is_401_problem() -> None:
    status, body, headers = call("auth_mapping", "GET", "/me")
    assert status == 401
    assert headers["content-type"] == "application/problem+json"
    assert body["code"] == "unauthorized" and body["status"] == 401


def test_unknown_route_is_404_problem() -> None:
    status, body, headers = call("auth_mapping", "GET", "/nope", sub="s")
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    assert set(body) >= {"type", "title", "status", "detail", "code"}


def test_oversized_body_is_413() -> None:
    status, body, _ = call("auth_mapping", "POST", "/mapping/email", body="x" * 300_000, sub="s")
    assert status == 413
    assert body["code"] == "payload_too_large"


def test_openapi_file_is_fresh() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_openapi.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_problem_bodies_never_leak_internals() -> None:
    _status, body, _ = call("auth_mapping", "GET", "/nope")
    assert "Traceback" not in json.dumps(body)


def test_form_body_on_a_json_route_is_415_and_nothing_echoed() -> None:
    form = "someone%40example.com=1"
    status, body, headers = call(
        "auth_mapping",
        "POST",
        "/mapping/email",
        body=form,
        sub="s",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 415 and body["code"] == "unsupported_media_type"
    assert headers["content-type"] == "application/problem+json"
    assert "someone" not in json.dumps(body)


def test_validation_errors_never_echo_unknown_field_names() -> None:
    from certtrack.api import _validation_errors

    errors = _validation_errors(
        [{"loc": ("body", "secret@example.com token"), "msg": "Field required", "type": "missing"}]
    )
    assert errors == [{"field": "?", "message": "This is required.", "type": "missing"}]
    named = _validation_errors([{"loc": ("body", "skus", 1), "msg": "bad", "type": "value_error"}])
    assert named[0]["field"] == "skus.1"
