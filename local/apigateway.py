"""The API Gateway part of the local front: route matching, REST proxy events and responses."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from certtrack.errors import PROBLEM_CONTENT_TYPE, problem

from local.template import ACCOUNT_ID, Route

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding"}
_NO_STORE = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # as sent, percent-encoded
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        values = [value for key, value in self.headers if key.lower() == wanted]
        return values[-1] if values else None


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class Problem(Exception):
    """Raised by the local front to answer with an RFC 9457 problem document."""

    def __init__(self, status: int, code: str, detail: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.headers = headers or []

    def response(self) -> Response:
        body = json.dumps(problem(self.status, self.code, self.detail)).encode("utf-8")
        return Response(self.status, [("Content-Type", PROBLEM_CONTENT_TYPE), *_NO_STORE, *self.headers], body)


def json_response(status: int, payload: Any) -> Response:
    body = json.dumps(payload, default=str).encode("utf-8")
    return Response(status, [("Content-Type", "application/json"), *_NO_STORE], body)


@dataclass(frozen=True)
class Match:
    resource: str  # the template path, e.g. "/me/transcripts/{id}"
    path_parameters: dict[str, str]
    methods: dict[str, Route]

    def route_for(self, method: str) -> Route | None:
        return self.methods.get(method) or self.methods.get("ANY")

    @property
    def allow(self) -> str:
        return ", ".join(ALL_METHODS if "ANY" in self.methods else sorted(self.methods))


class RouteTable:
    """The template's API routes; the most specific resource wins, as in API Gateway."""

    def __init__(self, routes: list[Route]) -> None:
        self._resources: dict[str, dict[str, Route]] = {}
        for route in routes:
            methods = self._resources.setdefault(route.path, {})
            if route.method in methods:
                raise ValueError(f"{route.method} {route.path} is declared twice in the template")
            methods[route.method] = route

    def match(self, path: str) -> Match | None:
        segments = _segments(path)
        best: tuple[tuple[int, ...], Match] | None = None
        for resource, methods in self._resources.items():
            parameters = _match_segments(_segments(resource), segments)
            if parameters is None:
                continue
            score = tuple(_specificity(part) for part in _segments(resource))
            if best is None or score > best[0]:
                best = (score, Match(resource, parameters, methods))
        return best[1] if best else None


def _segments(path: str) -> list[str]:
    trimmed = path.rstrip("/")
    return trimmed.split("/")[1:] if trimmed else []


def _specificity(part: str) -> int:
    if not part.startswith("{"):
        return 2
    return 0 if part.endswith("+}") else 1


def _match_segments(pattern: list[str], segments: list[str]) -> dict[str, str] | None:
    parameters: dict[str, str] = {}
    for index, part in enumerate(pattern):
        if part.startswith("{") and part.endswith("+}"):
            rest = segments[index:]
            if not rest or not all(rest):
                return None
            parameters[part[1:-2]] = unquote("/".join(rest))
            return parameters
        if index >= len(segments):
            return None
        segment = unquote(segments[index])
        if part.startswith("{") and part.endswith("}"):
            if not segment:
                return None
            parameters[part[1:-1]] = segment
        elif part != segment:
            return None
    return parameters if len(pattern) == len(segments) else None


def proxy_event(
    request: Request,
    match: Match,
    route: Route,
    *,
    stage: str,
    claims: dict[str, str] | None,
) -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration (REST, payload 1.0) sends."""
    headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = value
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _event_body(request.body)
    path = unquote(request.path)
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, match.resource).hex[:6],
        "resourcePath": match.resource,
        "httpMethod": request.method,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "path": f"/{stage}{path}",
        "stage": stage,
        "protocol": "HTTP/1.1",
        "domainName": request.header("Host") or "127.0.0.1",
        "identity": {"sourceIp": request.client_ip, "userAgent": request.header("User-Agent")},
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": match.resource,
        "path": path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _event_body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def proxy_response(result: Any) -> Response:
    """The HTTP response API Gateway makes of a proxy integration's result; ``ValueError`` if malformed."""
    if not isinstance(result, dict) or "statusCode" not in result:
        raise ValueError("the handler did not return a proxy response")
    status = int(result["statusCode"])
    multi = result.get("multiValueHeaders") or {}
    single = result.get("headers") or {}
    headers = [(name, str(value)) for name, values in multi.items() for value in values]
    given = {name.lower() for name in multi}
    headers += [(name, str(value)) for name, value in single.items() if name.lower() not in given]
    headers = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode("utf-8")
    return Response(status, headers, data)
