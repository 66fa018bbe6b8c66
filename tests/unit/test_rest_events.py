"""One REST event builder: ``local.apigateway.rest_event`` makes the local front's events, the
tests' and the benches', and the samples in ``events/`` are exactly what it makes of their inputs
(all but the per-request ids and time)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from local.apigateway import cognito_claims, resource_parameters, rest_event

EVENTS = Path(__file__).resolve().parents[2] / "events"
REST_SAMPLES = sorted(p for p in EVENTS.glob("*/*.json") if "httpMethod" in json.loads(p.read_text()))
PER_REQUEST = ("requestId", "extendedRequestId", "requestTime", "requestTimeEpoch")


def _pairs(multi: dict[str, list[str]] | None) -> list[tuple[str, str]]:
    return [(name, value) for name, values in (multi or {}).items() for value in values]


@pytest.mark.parametrize("path", REST_SAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_rest_sample_is_what_the_builder_makes(path: Path) -> None:
    sample: dict[str, Any] = json.loads(path.read_text())
    context = sample["requestContext"]
    body = sample["body"]
    built = rest_event(
        sample["httpMethod"],
        sample["resource"],
        sample["path"],
        headers=_pairs(sample["multiValueHeaders"]),
        query=_pairs(sample["multiValueQueryStringParameters"]),
        path_parameters=sample["pathParameters"] or {},
        body=base64.b64decode(body) if sample["isBase64Encoded"] else body,
        claims=(context.get("authorizer") or {}).get("claims"),
        stage=context["stage"],
        source_ip=context["identity"]["sourceIp"],
        domain=context["domainName"],
        api_id=context["apiId"],
    )
    for key in PER_REQUEST:
        assert built["requestContext"].pop(key), key
        context.pop(key)
    assert built == sample


def test_repeated_headers_and_query_keep_every_value_and_the_last_as_single() -> None:
    event = rest_event(
        "GET",
        "/me/exams",
        "/me/exams",
        headers=[("Accept", "text/html"), ("Accept", "application/json")],
        query=[("sort", "date"), ("sort", "code")],
        claims=cognito_claims("sub-1", groups=["operators", "support"]),
    )
    assert event["headers"] == {"Accept": "application/json"}
    assert event["multiValueHeaders"] == {"Accept": ["text/html", "application/json"]}
    assert event["queryStringParameters"] == {"sort": "code"}
    assert event["multiValueQueryStringParameters"] == {"sort": ["date", "code"]}
    assert event["requestContext"]["authorizer"]["claims"]["cognito:groups"] == "operators,support"
    assert event["pathParameters"] is None and event["body"] is None


def test_a_body_that_is_not_utf8_travels_base64_encoded() -> None:
    event = rest_event("POST", "/me/transcripts", "/me/transcripts", body=b"\xff\xfe")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_path_parameters_come_from_the_resource_unless_given() -> None:
    assert resource_parameters("/me/transcripts/{transcript_id}/email", "/me/transcripts/T1/email") == {
        "transcript_id": "T1"
    }
    assert resource_parameters("/me/transcripts/{transcript_id}", "/me/transcripts/T1/email") == {}
    event = rest_event("GET", "/me/certifications/{cert_id}", "/me/certifications/ccna")
    assert event["pathParameters"] == {"cert_id": "ccna"}
    assert rest_event("GET", "/x/{id}", "/x/1", path_parameters={"id": "2"})["pathParameters"] == {"id": "2"}
