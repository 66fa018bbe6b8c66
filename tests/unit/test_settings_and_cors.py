"""Settings that fail fast at init, and CORS for the public origin only on every API answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from certtrack.api import CORS_ALLOW_HEADERS, make_app, make_handler, origin_of
from certtrack.errors import NotFound
from certtrack.settings import MissingSettings, Settings, get_settings
from cfnlint.decode import decode

from tests.conftest import ROOT, LambdaContext, api_event

PUBLIC_ORIGIN = "https://certs.example.com"  # tests/conftest.py: PUBLIC_BASE_URL


@pytest.mark.parametrize("missing", ["TABLE_NAME", "SENDER_EMAIL", "STAGE", "CANDIDATE_PREFIX"])
def test_a_function_without_a_required_setting_stops_at_init_and_says_which(missing: str) -> None:
    code_dir = ROOT / "functions" / "auth_mapping"
    env = {k: v for k, v in os.environ.items() if k != missing} | {"LAMBDA_TASK_ROOT": str(code_dir)}
    code = f"import sys; sys.path[:0] = {[str(code_dir), str(ROOT / 'layers' / 'shared')]!r}; import app"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert result.returncode != 0
    assert f"MissingSettings: missing or invalid settings: {missing}: Field required" in result.stderr
    [log] = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert log["level"] == "ERROR" and log["settings"] == [f"{missing}: Field required"]


def test_the_public_url_needs_a_source_and_no_value_has_a_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PUBLIC_BASE_URL")
    get_settings.cache_clear()
    with pytest.raises(MissingSettings, match="PUBLIC_BASE_URL or PUBLIC_BASE_URL_PARAMETER is required"):
        get_settings()
    monkeypatch.setenv("PUBLIC_BASE_URL_PARAMETER", "/certtrack/test/public-base-url")
    get_settings.cache_clear()
    assert get_settings().public_base_url_parameter == "/certtrack/test/public-base-url"


def test_a_function_without_the_signing_secret_cannot_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SIGNING_SECRET_ARN")
    settings = Settings.from_environ()
    with pytest.raises(MissingSettings, match="SIGNING_SECRET_ARN"):
        _ = settings.signing_secret


def test_the_public_url_is_read_from_ssm_when_only_its_parameter_is_given(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    boto3.client("ssm").put_parameter(Name="/certtrack/test/url", Value="https://d111.cloudfront.net", Type="String")
    monkeypatch.delenv("PUBLIC_BASE_URL")
    monkeypatch.setenv("PUBLIC_BASE_URL_PARAMETER", "/certtrack/test/url")
    assert Settings.from_environ().public_base_url == "https://d111.cloudfront.net"


# ------------------------------------------------------------------------------ CORS

app = make_app("cors test")


@app.get("/cors/ok")
def ok() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/cors/missing")
def missing() -> dict[str, str]:
    raise NotFound("Nothing here.", code="nothing_here")


handler = make_handler(app)


def _call(path: str, origin: str | None, body: str | None = None) -> dict[str, Any]:
    headers = {"Origin": origin} if origin else {}
    event = api_event("GET", path, headers=headers, body=body)
    result: dict[str, Any] = handler(event, LambdaContext())
    merged = {**(result.get("headers") or {})}
    merged |= {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    return {"status": result["statusCode"], "headers": merged}


@pytest.mark.parametrize("path", ["/cors/ok", "/cors/missing", "/no/such/route"])
def test_every_answer_carries_cors_for_the_public_origin(path: str) -> None:
    answer = _call(path, PUBLIC_ORIGIN)
    assert answer["headers"]["Access-Control-Allow-Origin"] == PUBLIC_ORIGIN
    assert answer["headers"]["Access-Control-Allow-Headers"] == ",".join(CORS_ALLOW_HEADERS)


@pytest.mark.parametrize("origin", ["https://evil.example", "http://certs.example.com", None])
def test_no_cors_for_any_other_origin(origin: str | None) -> None:
    answer = _call("/cors/ok", origin)
    assert answer["status"] == 200
    assert not [name for name in answer["headers"] if name.lower().startswith("access-control-")]


def test_an_answer_before_routing_carries_cors_too() -> None:
    answer = _call("/cors/ok", PUBLIC_ORIGIN, body="x" * (get_settings().max_body_bytes + 1))
    assert answer["status"] == 413
    assert answer["headers"]["Access-Control-Allow-Origin"] == PUBLIC_ORIGIN


def test_the_gateway_preflight_allows_the_same_headers_as_the_functions() -> None:
    parsed, errors = decode(str(ROOT / "template.yaml"))
    assert not errors and parsed is not None
    cors = parsed["Resources"]["Api"]["Properties"]["Cors"]
    assert cors["AllowHeaders"] == "'" + ",".join(CORS_ALLOW_HEADERS) + "'"
    origin = cors["AllowOrigin"]["Fn::If"]
    assert origin[0] == "HasCustomDomain" and origin[1] == {"Fn::Sub": "'https://${DomainName}'"}


def test_origin_of_a_base_url() -> None:
    assert origin_of("https://certs.example.com/portal") == "https://certs.example.com"
    assert origin_of("http://127.0.0.1:3000") == "http://127.0.0.1:3000"
