"""Bad input never answers 5xx: content types, nesting, sizes in bytes, odd encodings; headers on every answer.

A small resolver made with ``make_app``/``make_handler`` (what every function uses), with a JSON
route, a route taking no body, a form route (as an RFC 8058 one-click POST would be) and a page.
"""

from __future__ import annotations

import base64
import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Form
from certtrack.api import (
    MAX_JSON_DEPTH,
    SECURITY_HEADERS,
    is_json_media_type,
    json_nesting_exceeds,
    make_app,
    make_handler,
)
from certtrack.settings import get_settings
from pydantic import BaseModel

from tests.conftest import LambdaContext, api_event


class Note(BaseModel):
    text: str
    tags: list[Any] = []


app = make_app("bad input test")
received: list[Any] = []


@app.post("/notes")
def post_note(note: Note) -> dict[str, Any]:
    received.append(note)
    return {"text": note.text}


@app.post("/nobody")
def post_nobody() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/form")
def post_form(action: Annotated[str, Form(alias="List-Unsubscribe")]) -> dict[str, str]:
    return {"action": action}


@app.get("/page")
def get_page() -> Response[str]:
    headers = {"Cache-Control": "public, max-age=60"}
    return Response(status_code=200, content_type="text/html; charset=utf-8", body="<p>hi</p>", headers=headers)


handler = make_handler(app)


def _call(
    path: str,
    body: str | None = None,
    content_type: str | None = "application/json",
    *,
    base64_encoded: bool = False,
    method: str = "POST",
) -> dict[str, Any]:
    event = api_event(method, path, body=body)
    if content_type is None:
        event["headers"].pop("Content-Type")
    else:
        event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    event["isBase64Encoded"] = base64_encoded
    result: dict[str, Any] = handler(event, LambdaContext())
    headers = {name.lower(): value for name, value in (result.get("headers") or {}).items()}
    headers |= {name.lower(): values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    return {"status": result["statusCode"], "headers": headers, "body": result["body"]}


def _problem(answer: dict[str, Any], status: int, code: str) -> dict[str, Any]:
    assert answer["status"] == status, answer
    assert answer["headers"]["content-type"] == "application/problem+json", answer
    problem: dict[str, Any] = json.loads(answer["body"])
    assert problem["status"] == status and problem["code"] == code, problem
    return problem


NOTE = json.dumps({"text": "hello"})


@pytest.fixture(autouse=True)
def _nothing_received() -> None:
    received.clear()


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/merge-patch+json", None],
)
def test_json_and_json_suffixed_media_types_are_accepted(content_type: str | None) -> None:
    answer = _call("/notes", NOTE, content_type)
    assert answer["status"] == 200, answer
    assert json.loads(answer["body"]) == {"text": "hello"}


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/xml",
        "text/json",
        "application/jsonp",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "garbage",
        ";;;",
    ],
)
def test_any_other_content_type_on_a_json_route_is_415_even_with_a_json_body(content_type: str) -> None:
    _problem(_call("/notes", NOTE, content_type), 415, "unsupported_media_type")
    assert not received


def test_a_route_taking_no_body_ignores_the_content_type() -> None:
    assert _call("/nobody", None, None)["status"] == 200
    assert _call("/nobody", "", "text/plain")["status"] == 200


def test_a_form_route_takes_a_form_but_not_text() -> None:
    answer = _call("/form", "List-Unsubscribe=One-Click", "application/x-www-form-urlencoded")
    assert answer["status"] == 200, answer
    assert json.loads(answer["body"]) == {"action": "One-Click"}
    _problem(_call("/form", "List-Unsubscribe=One-Click", "text/plain"), 415, "unsupported_media_type")


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 40_000])
def test_json_nested_beyond_the_limit_is_400_before_parsing(depth: int) -> None:
    body = json.dumps({"text": "x", "tags": []})[:-2] + "[" * depth + "]" * depth + "}"
    _problem(_call("/notes", body), 400, "json_too_deep")
    objects = '{"a":' * depth + "1" + "}" * depth
    _problem(_call("/notes", objects, None), 400, "json_too_deep")
    _problem(_call("/nobody", objects), 400, "json_too_deep")
    assert not received


def test_nesting_up_to_the_limit_is_parsed_and_validated() -> None:
    nested: Any = []
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = [nested]
    assert _call("/notes", json.dumps({"text": "x", "tags": nested}))["status"] == 200


def test_brackets_inside_strings_do_not_count() -> None:
    text = '"' + "[" * 500 + '\\"' + "{" * 500 + '"'
    assert not json_nesting_exceeds(text.encode())
    assert _call("/notes", '{"text": ' + text + "}")["status"] == 200


def test_unterminated_strings_and_stray_backslashes_scan_in_linear_time() -> None:
    for raw in (b'"\\"' * 80_000 + b"\\", b'"' * 250_000, b"\\" * 250_000, b"[" * 250_000):
        json_nesting_exceeds(raw)  # the test's timeout is the bound; a quadratic scan takes minutes


def test_the_size_limit_counts_utf8_bytes_not_characters() -> None:
    limit = get_settings().max_body_bytes
    prefix, suffix = '{"text": "', '"}'
    room = limit - len(prefix) - len(suffix)
    fits = prefix + "é" * (room // 2) + suffix  # two bytes a character: exactly at the limit
    assert len(fits.encode()) <= limit
    assert _call("/notes", fits)["status"] == 200
    over = prefix + "é" * (room // 2 + 1) + suffix  # fewer characters than the limit, more bytes
    assert len(over) < limit < len(over.encode())
    _problem(_call("/notes", over), 413, "payload_too_large")


def test_the_size_limit_counts_decoded_bytes_of_a_base64_body() -> None:
    limit = get_settings().max_body_bytes
    prefix, suffix = b'{"text": "', b'"}'
    fits = prefix + b"a" * (limit - len(prefix) - len(suffix)) + suffix
    encoded = base64.b64encode(fits).decode()
    assert len(encoded) > limit  # the old guard counted this
    assert _call("/notes", encoded, base64_encoded=True)["status"] == 200
    over = base64.b64encode(fits + b" ").decode()
    _problem(_call("/notes", over, base64_encoded=True), 413, "payload_too_large")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"\xff\xfe{\x00}\x00", "malformed_json"),  # UTF-16 with a BOM
        ('{"text": "caf\xe9"}'.encode("latin-1"), "malformed_json"),
        (b'{"text": "\xc0\xaf"}', "malformed_json"),  # an overlong encoding
        (b'{"text": "\xed\xa0\x80"}', "malformed_json"),  # an encoded surrogate
        (b"\x00\x00\x00{", "malformed_json"),
    ],
)
def test_bodies_that_are_not_utf8_are_400(raw: bytes, code: str) -> None:
    _problem(_call("/notes", base64.b64encode(raw).decode(), base64_encoded=True), 400, code)


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "\\ud800"}',  # a lone high surrogate escape
        '{"text": "x\\udc00"}',  # a lone low one
        '{"text": "\\udc00\\ud800"}',  # both, the wrong way round
        '{"text": "\\\\\\ud800"}',  # an escaped backslash, then a lone escape
        '{"text": "\ud800"}',  # a lone surrogate in the event's text itself
        '{"text": "x", "tags": [' + "9" * 5_000 + "]}",  # past json's 4,300-digit integer limit
        '{"text": "x"} trailing',
        '\ufeff{"text": "bom"}',
    ],
)
def test_json_this_api_cannot_read_is_400(body: str) -> None:
    _problem(_call("/notes", body), 400, "malformed_json")
    assert not received


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "\\ud83d\\ude00"}',  # a pair: one emoji
        '{"text": "\\\\ud800"}',  # an escaped backslash, then the letters "ud800"
        '{"text": "a\\u0000b"}',
        '{"text": "x", "text": "y"}',
        '{"text": "x", "tags": [NaN, Infinity, 1e999999]}',
    ],
)
def test_odd_but_readable_json_is_parsed(body: str) -> None:
    answer = _call("/notes", body)
    assert answer["status"] == 200, answer


@pytest.mark.parametrize("body", ["", "null", "[]", '"text"', "[" * 10 + "]" * 10, '{"text": 1e999999}'])
def test_json_that_is_not_the_model_is_a_client_error(body: str) -> None:
    answer = _call("/notes", body)
    assert 400 <= answer["status"] < 500, answer
    assert answer["headers"]["content-type"] == "application/problem+json"


def test_a_body_that_is_not_base64_is_400() -> None:
    _problem(_call("/notes", "not*base64=", base64_encoded=True), 400, "malformed_body")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/json", True),
        ("application/json;charset=UTF-8", True),
        ("application/problem+json", True),
        ("application/vnd.api+json; ext=x", True),
        ("application/a+b+json", True),
        ("text/json", False),
        ("application/jsonx", False),
        ("application/+json", False),
        ("", False),
    ],
)
def test_json_media_types(value: str, expected: bool) -> None:
    assert is_json_media_type(value) is expected


@pytest.mark.parametrize(
    ("path", "body", "content_type", "method"),
    [
        ("/notes", NOTE, "application/json", "POST"),  # 200
        ("/notes", "{", "application/json", "POST"),  # 400
        ("/notes", NOTE, "text/plain", "POST"),  # 415
        ("/notes", "{}", "application/json", "POST"),  # 422
        ("/notes", "[" * 100, "application/json", "POST"),  # 400 before routing
        ("/nowhere", None, "application/json", "GET"),  # 404
    ],
)
def test_every_answer_has_no_store_and_nosniff(path: str, body: str | None, content_type: str, method: str) -> None:
    answer = _call(path, body, content_type, method=method)
    for name, value in SECURITY_HEADERS.items():
        assert answer["headers"][name.lower()] == value, answer


def test_a_page_keeps_its_own_cache_rule_and_gets_nosniff() -> None:
    answer = _call("/page", method="GET", content_type=None)
    assert answer["status"] == 200
    assert answer["headers"]["cache-control"] == "public, max-age=60"
    assert answer["headers"]["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/page\n", "/page/\n", "/pa\x00ge", "/page\x7f", "/page\t"])
def test_a_control_character_in_the_path_is_404_before_routing(path: str) -> None:
    """The resolver's ``$`` would match before a final newline: ``/page\\n`` must not reach ``/page``."""
    _problem(_call(path, method="GET", content_type=None), 404, "route_not_found")
    assert _call("/page", method="GET", content_type=None)["status"] == 200
