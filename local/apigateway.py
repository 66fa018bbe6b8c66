"""The API Gateway part of the local front: route matching, REST proxy events and responses."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote

from certtrack.errors import PROBLEM_CONTENT_TYPE, problem

from local.template import ACCOUNT_ID, Route

ALL_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
_HOP_BY_HOP = {"connection", "content-length", "keep-alive", "transfer-encoding"}
# What API Gateway puts in requestContext.identity for a request without IAM or Cognito-identity auth.
_NO_IAM_IDENTITY = dict.fromkeys(
    (
        "cognitoIdentityPoolId",
        "accountId",
        "cognitoIdentityId",
        "caller",
        "principalOrgId",
        "accessKey",
        "cognitoAuthenticationType",
        "cognitoAuthenticationProvider",
        "userArn",
        "user",
    )
)
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
    """The event API Gateway's Lambda proxy integration (REST, payload 1.0) sends for ``request``."""
    return rest_event(
        request.method,
        match.resource,
        unquote(request.path),
        headers=request.headers,
        query=parse_qsl(request.query, keep_blank_values=True),
        path_parameters=match.path_parameters,
        body=request.body,
        claims=claims,
        stage=stage,
        source_ip=request.client_ip,
        domain=request.header("Host") or "127.0.0.1",
    )


def rest_event(
    method: str,
    resource: str,
    path: str,
    *,
    headers: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    query: Iterable[tuple[str, str]] | Mapping[str, str] = (),
    path_parameters: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    claims: Mapping[str, str] | None = None,
    stage: str = "local",
    source_ip: str = "127.0.0.1",
    domain: str = "127.0.0.1",
    api_id: str = "local",
) -> dict[str, Any]:
    """A REST proxy event (payload 1.0), as API Gateway builds it: the one builder of the local
    front, the tests and the benches. ``path`` is decoded; ``resource`` the template's path with
    its ``{name}`` segments, from which the path parameters come unless given; ``claims`` are
    what the Cognito authorizer passes on (none for a public route)."""
    header_pairs = list(headers.items() if isinstance(headers, Mapping) else headers)
    query_pairs = list(query.items() if isinstance(query, Mapping) else query)
    single_headers: dict[str, str] = {}
    multi_headers: dict[str, list[str]] = {}
    for name, value in header_pairs:
        single_headers[name] = value
        multi_headers.setdefault(name, []).append(value)
    single_query: dict[str, str] = {}
    multi_query: dict[str, list[str]] = {}
    for name, value in query_pairs:
        single_query[name] = value
        multi_query.setdefault(name, []).append(value)
    if path_parameters is None:
        path_parameters = resource_parameters(resource, path)
    text, is_base64 = (body, False) if isinstance(body, str) else _event_body(body or b"")
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    user_agent = next((value for name, value in reversed(header_pairs) if name.lower() == "user-agent"), None)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": api_id,
        "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, resource).hex[:6],
        "resourcePath": resource,
        "httpMethod": method,
        "requestId": request_id,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "path": f"/{stage}{path}",
        "stage": stage,
        "protocol": "HTTP/1.1",
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0],
        "identity": {**_NO_IAM_IDENTITY, "sourceIp": source_ip, "userAgent": user_agent},
    }
    if claims is not None:
        context["authorizer"] = {"claims": dict(claims)}
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": context,
        "body": text,
        "isBase64Encoded": is_base64,
    }


def cognito_claims(sub: str, *, username: str | None = None, groups: Iterable[str] = ()) -> dict[str, str]:
    """The claims the Cognito authorizer passes on for an ID token (groups comma-separated)."""
    return {"sub": sub, "cognito:username": username or sub, "cognito:groups": ",".join(groups), "token_use": "id"}


def resource_parameters(resource: str, path: str) -> dict[str, str]:
    """The ``{name}`` segments of ``resource`` filled from ``path`` (none when the segments differ)."""
    names, values = resource.strip("/").split("/"), path.strip("/").split("/")
    if len(names) != len(values):
        return {}
    return {name[1:-1]: value for name, value in zip(names, values, strict=True) if name[:1] + name[-1:] == "{}"}


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
