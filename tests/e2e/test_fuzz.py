"""Schemathesis over the dev server's ``/openapi.json``: every operation, as a mapped candidate.

The operations are collected from the layer's ``openapi.json`` (the file the server serves; a test
checks they are the same document): pytest collects tests before any server runs, and
``schemathesis.pytest.from_fixture`` does not work with pytest 9 (it reads the removed
``Function._nodeid``). Requests go to the fuzz module's own dev server.

Checks on every response: no 5xx, the status code, content type and body match the schema, and
every 4xx is problem+json with type/title/status/detail/code. ``FUZZ_EXAMPLES`` bounds the cases
per operation (15 in ``make test``, 500 in ``make fuzz``). Half the valid cases aim at real ids
(the candidate's transcript, certification, logo, fulfillment, verification code) so the fuzzer
gets past the 404s; the others keep whatever was generated.

Schemathesis sends what the schema declares (JSON bodies as ``application/json``), so the inputs
it does not vary have tests of their own over every operation that takes a body: Content-Types
(generated and known ones: 415 unless JSON), nesting (400 ``json_too_deep``), odd encodings
(UTF-16, Latin-1, overlong, surrogates, huge numbers, a body over the limit in bytes but not in
characters). Every answer: no 5xx, problem+json for every 4xx.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.devserver_fixture import ROOT, running_devserver
from tests.e2e.hardening_support import (
    CANDIDATE_A,
    OPERATOR,
    PARAMETER,
    PROBLEM,
    PROBLEM_FIELDS,
    CandidateData,
    bearer,
    demo_login,
    login,
    make_candidate_data,
    template_routes,
    transcript_request,
    valid_body,
)

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
# pyproject's 300 s per test is for one operation's 15 cases; `make fuzz` runs 500 and the coverage phase.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(max(300, FUZZ_EXAMPLES * 6))]

OPENAPI_PATH = ROOT / "layers" / "shared" / "certtrack" / "openapi.json"
DOCUMENT: dict[str, Any] = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
_alternate = itertools.count()
CONSENTING = {
    "program_employee": False,
    "partner_or_reseller": False,
    "email_notifications": True,
    "academy_student": False,
    "verification_consent": True,
}


class World:
    """The fuzzing server and the candidate (and operator) it acts as."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.candidate: CandidateData = make_candidate_data(base_url, demo_login(base_url, CANDIDATE_A))
        self.operator_token = demo_login(base_url, OPERATOR)
        # Erasure is fuzzed by an unmapped login: whatever the fuzzer sends, the candidate keeps its login.
        self.unmapped_token = login(base_url, f"fuzz-unmapped-{uuid.uuid4().hex[:8]}")
        self.session = requests.Session()
        self.statuses: dict[str, Counter[int]] = defaultdict(Counter)  # "METHOD /path" → status counts

    def throwaway_transcript(self) -> str:
        response = self.session.post(
            f"{self.base_url}/me/transcripts",
            json=transcript_request("Fuzz throwaway"),
            headers=bearer(self.candidate.token),
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return str(response.json()["transcript_id"])

    def restore(self, case: Any, response: Any) -> None:
        """Undo what would hide the records from the other operations (a withdrawn verification consent)."""
        body = case.body if isinstance(case.body, dict) else {}
        if response.status_code < 400 and body.get("verification_consent") is not True:
            self.restore_settings_after(case.method.upper(), case.path)

    def restore_settings_after(self, method: str, path: str) -> None:
        if method == "PUT" and path == "/me/settings":
            response = self.session.put(
                f"{self.base_url}/me/settings", json=CONSENTING, headers=bearer(self.candidate.token), timeout=30
            )
            assert response.status_code == 200, response.text

    def headers_for(self, path: str) -> dict[str, str]:
        token = self.operator_token if path.startswith("/ops/") else self.candidate.token
        if path == "/me/erase":
            token = self.unmapped_token
        return {**bearer(token), "Accept": "application/json"}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    external = os.environ.get("FUZZ_BASE_URL")  # a dev server of your own, to read its log while fuzzing
    if external:
        yield World(external.rstrip("/"))
        return
    with running_devserver() as base_url:
        yield World(base_url)


if os.environ.get("PYTEST_XDIST_WORKER"):
    # Every generated item has the one node id test_fuzz_every_operation: xdist would run one of them.
    pytest.fail("run tests/e2e/test_fuzz.py without pytest-xdist (scripts/run-tests does)", pytrace=False)
schema = schemathesis.openapi.from_path(OPENAPI_PATH)
schema.config.generation.update(max_examples=FUZZ_EXAMPLES, modes=list(GenerationMode))
# The coverage phase (boundary values, unexpected methods: hundreds of cases whatever the budget)
# runs in the long `make fuzz` only; `make test` keeps the examples and the bounded fuzzing.
schema.config.phases.update(phases=["examples", "fuzzing", *(["coverage"] if FUZZ_EXAMPLES >= 100 else [])])


def test_served_openapi_is_the_fuzzed_one(world: World) -> None:
    served = requests.get(f"{world.base_url}/openapi.json", timeout=20)
    assert served.status_code == 200
    assert served.json() == json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))


def test_openapi_covers_every_template_route(world: World) -> None:
    """The fuzzer only knows what /openapi.json declares: it must declare every route of template.yaml."""
    document = requests.get(f"{world.base_url}/openapi.json", timeout=20).json()
    declared = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    hidden = {("GET", "/openapi.json")}  # the document itself
    missing = [f"{r.method} {r.path}" for r in template_routes() if (r.method, r.path) not in declared | hidden]
    assert not missing, f"routes in template.yaml but not in /openapi.json: {missing}"
    for item in document["paths"].values():
        for operation in item.values():
            schemas = {
                media: content.get("schema", {}).get("$ref")
                for code, response in operation["responses"].items()
                if code.startswith("4")
                for media, content in response.get("content", {}).items()
                if media != "text/html"
            }
            assert set(schemas) == {"application/problem+json"}, (operation["operationId"], schemas)
            assert set(schemas.values()) == {"#/components/schemas/Problem"}, operation["operationId"]


def _aim_at_real_ids(case: Any, world: World) -> None:
    """Every other valid case targets the candidate's real records instead of random ids."""
    if not case.path_parameters or case.meta is None or case.meta.generation.mode.is_negative:
        return
    if next(_alternate) % 2:
        real = dict(world.candidate.path_parameters)
        if case.method.upper() == "DELETE":
            real["transcript_id"] = world.throwaway_transcript()  # keep the shared one for the other operations
        case.path_parameters = {name: real.get(name, value) for name, value in case.path_parameters.items()}


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=FUZZ_EXAMPLES <= 50,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_fuzz_every_operation(case: Any, world: World) -> None:
    _aim_at_real_ids(case, world)
    response = case.call(
        base_url=world.base_url, headers=world.headers_for(case.path), session=world.session, timeout=30
    )
    assert response.status_code < 500, f"{response.status_code} {response.text[:300]}\n{case.as_curl_command()}"
    world.statuses[f"{case.method} {case.path}"][response.status_code] += 1
    world.restore(case, response)
    content_type = (response.headers.get("content-type") or [""])[0]
    if 400 <= response.status_code < 500 and not content_type.startswith("text/html"):
        assert content_type.startswith(PROBLEM), (response.status_code, content_type, response.text[:300])
        problem = response.json()
        assert problem.keys() >= PROBLEM_FIELDS and problem["status"] == response.status_code, problem
    case.validate_response(response, checks=CHECKS, headers=world.headers_for(case.path))


def test_fuzz_reached_the_real_records(world: World) -> None:
    """Aiming at real ids worked: every operation whose ids we know answered a success at least once."""
    if not world.statuses:
        pytest.skip("the fuzz cases did not run in this session")
    print("\nstatus codes per operation:")
    for operation, counts in sorted(world.statuses.items()):
        print(f"  {operation}: {dict(sorted(counts.items()))}")
    known = set(world.candidate.path_parameters)
    # Operations whose only input is the ids: a random body would rarely be a valid one. The
    # coverage phase also sends undeclared methods (TRACE, ...): they are not operations.
    declared = {
        f"{method.upper()} {path}": operation
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
    }
    aimed = [
        operation
        for operation in world.statuses
        if operation in declared
        and PARAMETER.findall(operation)
        and set(PARAMETER.findall(operation)) <= known
        and "requestBody" not in declared[operation]
    ]
    assert aimed, "no operation takes the ids we made"
    missed = [op for op in aimed if not any(code < 400 for code in world.statuses[op])]
    assert not missed, f"never answered 2xx for real ids: {missed}"


# ------------------------------------------- what schemathesis does not vary: types, nesting, bytes

BODY_OPERATIONS = sorted(
    (method.upper(), path, set(operation["requestBody"].get("content", {})))
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if "requestBody" in operation
)
BODY_IDS = [f"{method} {path}" for method, path, _ in BODY_OPERATIONS]
MAX_JSON_DEPTH = 32  # certtrack.api.MAX_JSON_DEPTH (this module imports nothing of the layer)
MAX_BODY_BYTES = 262_144  # the template's MAX_BODY_BYTES default (certtrack.settings)
JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"]
OTHER_TYPES = [
    "text/plain",
    "text/plain; charset=utf-8",
    "application/xml",
    "text/xml",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=fuzz",
    "multipart/form-data",
    "application/octet-stream",
    "application/jsonp",
    "*/*",
    "json",
    ";",
]
_TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789.+-", min_size=1, max_size=12)
CONTENT_TYPES = st.one_of(
    st.sampled_from(JSON_TYPES + OTHER_TYPES),
    st.builds(lambda t, s: f"{t}/{s}", st.sampled_from(["application", "text", "multipart", "image", "x"]), _TOKEN),
    st.builds(lambda s, p: f"application/{s}+json{p}", _TOKEN, st.sampled_from(["", "; charset=utf-8", ";x=y"])),
)


def _is_json(content_type: str) -> bool:
    return re.fullmatch(r"application/(.+\+)?json", content_type.split(";", 1)[0].strip().lower()) is not None


def _send(world: World, method: str, path: str, body: bytes, content_type: str | None) -> requests.Response:
    headers = world.headers_for(path)
    if content_type is not None:
        headers["Content-Type"] = content_type
    url = world.base_url + PARAMETER.sub(lambda m: world.candidate.path_parameters.get(m.group(1), "x"), path)
    response = world.session.request(method, url, data=body, headers=headers, timeout=30)
    assert response.status_code < 500, (
        f"{method} {path} {content_type!r} → {response.status_code} {response.text[:300]}"
    )
    if response.status_code >= 400:
        assert response.headers.get("Content-Type", "").startswith(PROBLEM), (response.status_code, response.text)
        problem = response.json()
        assert problem.keys() >= PROBLEM_FIELDS and problem["status"] == response.status_code, problem
    return response


def _valid_json(method: str, path: str) -> Any:
    body = valid_body(f"{method} {path}")
    return {} if body is None else body


@pytest.mark.parametrize(("method", "path", "declared"), BODY_OPERATIONS, ids=BODY_IDS)
@settings(
    max_examples=min(max(FUZZ_EXAMPLES, 10), 100), deadline=None, suppress_health_check=list(HealthCheck), database=None
)
@given(content_type=CONTENT_TYPES)
def test_a_body_in_another_content_type_is_415(
    world: World, method: str, path: str, declared: set[str], content_type: str
) -> None:
    """A valid body sent as anything but JSON (or the operation's declared form type) is 415, never 5xx."""
    response = _send(world, method, path, json.dumps(_valid_json(method, path)).encode(), content_type)
    if _is_json(content_type):
        assert response.status_code != 415, (content_type, response.text)
    elif content_type.split(";", 1)[0].strip().lower() not in declared:
        assert response.status_code == 415, (content_type, response.status_code, response.text[:300])
        assert response.json()["code"] == "unsupported_media_type"
    world.restore_settings_after(method, path)


@pytest.mark.parametrize(("method", "path", "declared"), BODY_OPERATIONS, ids=BODY_IDS)
def test_known_content_types_on_every_body_operation(world: World, method: str, path: str, declared: set[str]) -> None:
    body = json.dumps(_valid_json(method, path)).encode()
    for content_type in OTHER_TYPES:
        if content_type.split(";", 1)[0].strip().lower() not in declared:
            assert _send(world, method, path, body, content_type).status_code == 415, content_type
    for json_type in [*JSON_TYPES, None]:
        assert _send(world, method, path, body, json_type).status_code != 415, json_type
    world.restore_settings_after(method, path)


def _nested(depth: int, *, objects: bool) -> str:
    return ('{"a":' * depth + "1" + "}" * depth) if objects else ("[" * depth + "]" * depth)


@pytest.mark.parametrize(("method", "path", "declared"), BODY_OPERATIONS, ids=BODY_IDS)
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 1_000, 40_000])
def test_nesting_beyond_the_limit_is_400(world: World, method: str, path: str, declared: set[str], depth: int) -> None:
    valid = json.dumps(_valid_json(method, path))
    inside = valid[:-1] + (", " if valid != "{}" else "") + f'"extra": {_nested(depth - 1, objects=False)}}}'
    for body in (_nested(depth, objects=False), _nested(depth, objects=True), inside):
        response = _send(world, method, path, body.encode(), "application/json")
        assert response.status_code == 400 and response.json()["code"] == "json_too_deep", response.text[:300]


ODD_BODIES: list[tuple[str, bytes]] = [
    ("utf16-bom", '{"a": "b"}'.encode("utf-16")),
    ("utf32", '{"a": "b"}'.encode("utf-32")),
    ("latin1", '{"display_name": "Caf\u00e9", "email": "caf\u00e9@example.com"}'.encode("latin-1")),
    ("overlong-slash", b'{"a": "\xc0\xaf"}'),
    ("encoded-surrogate", b'{"a": "\xed\xa0\x80"}'),
    ("lone-surrogate-escape", b'{"display_name": "\\ud800", "email": "\\udc00@example.com"}'),
    ("nul-bytes", b'{"a": "\x00"}\x00'),
    ("nul-escape", b'{"display_name": "a\\u0000b", "email": "a\\u0000@example.com"}'),
    ("utf8-bom", b'\xef\xbb\xbf{"a": "b"}'),
    ("huge-integer", b'{"a": ' + b"9" * 5_000 + b"}"),
    ("huge-float", b'{"a": 1e999999, "b": NaN, "c": -Infinity}'),
    ("truncated", b'{"a": "b'),
    ("trailing", b'{"a": "b"} x'),
    ("only-string", b'"\\"'),
    ("control-chars", b'{"a": "\x01\x1f\x7f"}'),
]


@pytest.mark.parametrize(("method", "path", "declared"), BODY_OPERATIONS, ids=BODY_IDS)
@pytest.mark.parametrize(("name", "raw"), ODD_BODIES, ids=[name for name, _ in ODD_BODIES])
def test_odd_encodings_are_client_errors(
    world: World, method: str, path: str, declared: set[str], name: str, raw: bytes
) -> None:
    valid = _valid_json(method, path)
    merged = json.loads(raw) if name in ("lone-surrogate-escape", "nul-escape") else None
    response = _send(world, method, path, raw, "application/json")
    assert 400 <= response.status_code < 500, (name, response.status_code, response.text[:300])
    if merged is not None and isinstance(valid, dict):
        # The same odd strings inside an otherwise valid body: rejected or stored, never a 5xx.
        _send(world, method, path, json.dumps({**valid, **merged}).encode(), "application/json")
    world.restore_settings_after(method, path)


@pytest.mark.parametrize(("method", "path", "declared"), BODY_OPERATIONS, ids=BODY_IDS)
def test_the_body_limit_is_in_bytes(world: World, method: str, path: str, declared: set[str]) -> None:
    """Fewer characters than the limit, more bytes: 413 (the gateway's own limit is far larger)."""
    body = json.dumps({"pad": "\u00e9" * (MAX_BODY_BYTES // 2 + 8)}, ensure_ascii=False)
    assert len(body) < MAX_BODY_BYTES < len(body.encode())
    response = _send(world, method, path, body.encode(), "application/json")
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large", response.text[:300]
