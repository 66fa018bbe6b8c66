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
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
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
    make_candidate_data,
    template_routes,
    transcript_request,
)

pytestmark = pytest.mark.e2e

OPENAPI_PATH = ROOT / "layers" / "shared" / "certtrack" / "openapi.json"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
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

    def restore(self, case: Any) -> None:
        """Undo what would hide the records from the other operations (a withdrawn verification consent)."""
        if case.method.upper() == "PUT" and case.path == "/me/settings":
            response = self.session.put(
                f"{self.base_url}/me/settings", json=CONSENTING, headers=bearer(self.candidate.token), timeout=30
            )
            assert response.status_code == 200, response.text

    def headers_for(self, path: str) -> dict[str, str]:
        token = self.operator_token if path.startswith("/ops/") else self.candidate.token
        return {**bearer(token), "Accept": "application/json"}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    external = os.environ.get("FUZZ_BASE_URL")  # a dev server of your own, to read its log while fuzzing
    if external:
        yield World(external.rstrip("/"))
        return
    with running_devserver() as base_url:
        yield World(base_url)


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
    world.restore(case)
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
    document = json.loads(OPENAPI_PATH.read_text(encoding="utf-8"))
    # Operations whose only input is the ids: a random body would rarely be a valid one.
    aimed = [
        operation
        for operation in world.statuses
        if PARAMETER.findall(operation)
        and set(PARAMETER.findall(operation)) <= known
        and "requestBody" not in document["paths"][operation.split(" ", 1)[1]][operation.split(" ", 1)[0].lower()]
    ]
    assert aimed, "no operation takes the ids we made"
    missed = [op for op in aimed if not any(code < 400 for code in world.statuses[op])]
    assert not missed, f"never answered 2xx for real ids: {missed}"
