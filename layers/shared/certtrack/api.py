"""The resolver factory every function uses, and the one place errors become problem+json.

``make_app()`` returns a Powertools ``APIGatewayRestResolver`` with pydantic
validation and OpenAPI on, the error handlers registered, and
``make_handler(app)`` wraps ``app.resolve`` in the Logger/Tracer/Metrics stack.

Bad input never reaches a parser that could fail with a 5xx: ``make_handler`` bounds the body
in bytes and its JSON nesting before routing, and a route that takes a body accepts JSON media
types only (415 otherwise; a route declaring form fields takes forms). Every answer leaves with
``Cache-Control: no-store`` and ``X-Content-Type-Options: nosniff`` unless it set its own.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.params import Form
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pynamodb.exceptions import PynamoDBConnectionError

from certtrack import field_messages
from certtrack.auth import Login, login_from_event, require_operator
from certtrack.errors import (
    PROBLEM_CONTENT_TYPE,
    AppError,
    BadRequest,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
    problem,
    problem_from_error,
)
from certtrack.settings import get_settings
from certtrack.telemetry import logger, metrics, tracer

__all__ = [
    "CORS_ALLOW_HEADERS",
    "PortalCors",
    "current_login",
    "logger",
    "make_app",
    "make_handler",
    "metrics",
    "model_dump",
    "tracer",
]

# The request headers a browser on the portal's origin may send; API Gateway's preflight
# (template.yaml, Api Cors.AllowHeaders) answers with the same list.
CORS_ALLOW_HEADERS = ("Accept", "Authorization", "Content-Type", "Idempotency-Key")
CORS_MAX_AGE_S = 600


def origin_of(url: str) -> str:
    """``https://host[:port]`` of a URL (what a browser sends as ``Origin``)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class PortalCors(CORSConfig):
    """CORS for exactly one origin, the portal's public one, read on first use.

    The public base URL may come from the SSM parameter the stack writes once the CDN exists
    (``certtrack.settings``), so it is not known when the module loads; Powertools reads
    ``_allowed_origins`` for every response, and this asks the settings then.
    """

    def __init__(self) -> None:
        super().__init__(allow_origin="", allow_headers=list(CORS_ALLOW_HEADERS), max_age=CORS_MAX_AGE_S)
        # Powertools always adds its own required headers; keep the list exactly ours.
        self.allow_headers = set(CORS_ALLOW_HEADERS)

    @property  # type: ignore[override]
    def _allowed_origins(self) -> list[str]:
        return [origin_of(get_settings().public_base_url)]

    @_allowed_origins.setter
    def _allowed_origins(self, _: list[str]) -> None:
        """The origin is never configured by hand (CORSConfig's constructor sets it)."""


CORS = PortalCors()

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

# Far deeper than any payload of ours (3 levels at most), far shallower than what makes json or
# pydantic recurse into a RecursionError (~1,000): checked on the raw bytes before any parser runs.
MAX_JSON_DEPTH = 32
FORM_MEDIA_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_JSON_MEDIA_TYPE = re.compile(r"application/(?:[a-z0-9!#$&^_.+-]+\+)?json")  # RFC 6838: the last + names the suffix
# A JSON string (an unterminated one runs to the end): every attempt succeeds, so one pass is linear.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.?[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_DEPTH_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
# A \\uD800-\\uDFFF escape that is not half of a pair (I-JSON, RFC 7493 §2.1): it parses to a str
# that no UTF-8 encoder (DynamoDB's, SES's) accepts. An escaped backslash before the u does not count.
_LONE_SURROGATE = re.compile(
    rb"(?<!\\)(?:\\\\)*\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<![\\]u[dD][89abAB][0-9a-fA-F]{2})(?<!\\)(?:\\\\)*\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def media_type(content_type: str) -> str:
    """``type/subtype`` of a Content-Type value, lower-cased, without parameters."""
    return content_type.split(";", 1)[0].strip().lower()


def is_json_media_type(content_type: str) -> bool:
    """``application/json`` or ``application/<name>+json``, whatever its parameters (``charset=utf-8``)."""
    return _JSON_MEDIA_TYPE.fullmatch(media_type(content_type)) is not None


def json_nesting_exceeds(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether arrays and objects nest deeper than ``limit`` (brackets inside strings do not count)."""
    brackets = _JSON_STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET)
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return False
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets))) > limit


def body_bytes(event: dict[str, Any]) -> bytes:
    """The body as the client sent it: UTF-8 bytes of the text, or base64-decoded when API Gateway encoded it."""
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body)
        except (binascii.Error, ValueError) as error:
            raise BadRequest("The request body is not valid base64.", code="malformed_body") from error
    try:
        return str(body).encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate in the event's text
        raise BadRequest("The request body is not valid UTF-8.", code="malformed_json") from error


def _header(event: dict[str, Any], name: str) -> str:
    headers = event.get("headers") or {}
    return next((str(value) for key, value in headers.items() if key.lower() == name and value is not None), "")


def check_path(event: dict[str, Any]) -> None:
    """No route has a control character in its path: 404 before routing.

    The resolver matches paths with regular expressions whose ``$`` also matches before a final
    newline, so ``/me/transcripts/\n`` would otherwise reach the list route.
    """
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in event.get("path") or ""):
        raise NotFound("No such route.", code="route_not_found")


def check_body(event: dict[str, Any], max_bytes: int) -> None:
    """Before routing: the body's size in bytes and, for a JSON body (or one with no type), its nesting."""
    body = event.get("body") or ""
    if not body:
        return
    too_large = PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    if not event.get("isBase64Encoded") and len(body) > max_bytes:
        raise too_large  # every character is at least one byte: no need to encode it
    raw = body_bytes(event)
    if len(raw) > max_bytes:
        raise too_large
    content_type = _header(event, "content-type")
    if content_type.strip() and not is_json_media_type(content_type):
        return  # a route taking a body answers 415 (JsonBodyValidation); one taking none ignores it
    if json_nesting_exceeds(raw):
        raise BadRequest(
            f"The request body nests arrays or objects deeper than {MAX_JSON_DEPTH} levels.", code="json_too_deep"
        )
    if b"\\u" in raw and _LONE_SURROGATE.search(raw):
        raise BadRequest("The request body escapes half of a UTF-16 surrogate pair.", code="malformed_json")


def with_security_headers(response: dict[str, Any]) -> dict[str, Any]:
    """``SECURITY_HEADERS`` on a proxy response, except where it set the header itself (a page's own cache rule)."""
    multi = response.setdefault("multiValueHeaders", {})
    present = {name.lower() for name in multi} | {name.lower() for name in response.get("headers") or {}}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            multi[name] = [value]
    return response


class JsonBodyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, where a body is JSON unless the route declares form fields.

    Powertools parses a body by its Content-Type (JSON, form, multipart) and raises for others,
    which our handlers used to answer with 500. Here a route whose body is a model takes
    ``application/json`` (any parameters), ``application/*+json`` or no Content-Type; anything
    else is 415. Only routes with body parameters get here: a route taking no body ignores it.
    """

    def _get_body(self, app: Any) -> dict[str, Any]:
        content_type = app.current_event.headers.get("content-type") or ""
        if not content_type.strip() or is_json_media_type(content_type):
            try:
                return self._parse_json_data(app)
            except UnicodeDecodeError:
                raise  # its own handler: 400 malformed_json, "not valid UTF-8"
            except (ValueError, RecursionError) as error:
                # Syntax errors are RequestValidationError already; this is what json raises past its
                # own limits (an integer of more than 4,300 digits), or a recursion check_body missed.
                raise BadRequest("The request body is not JSON this API can read.", code="malformed_json") from error
        route = app.context["_route"]
        takes_form = any(isinstance(param.field_info, Form) for param in route.dependant.body_params)
        if takes_form and media_type(content_type) in FORM_MEDIA_TYPES:
            return super()._get_body(app)  # type: ignore[no-any-return]
        raise UnsupportedMediaType(
            "This route takes a JSON body: send it with Content-Type: application/json.",
            code="unsupported_media_type",
        )


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
    title: str | None = None,
) -> Response[str]:
    return Response(
        status_code=status,
        content_type=PROBLEM_CONTENT_TYPE,
        body=json.dumps(problem(status, code, detail, title=title, extra=extra)),
        headers={**SECURITY_HEADERS, **(headers or {})},
    )


_FIELD_NAME = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def _validation_errors(errors: Any) -> list[dict[str, Any]]:
    """Field-level errors without echoing the input back (it may be personal data)."""
    out = []
    for err in errors:
        # A field name that is not one of ours (e.g. a form-encoded body's text) is not echoed.
        loc = [
            str(part) if _FIELD_NAME.fullmatch(str(part)) else "?"
            for part in err.get("loc", ())
            if part not in ("body", "query", "path")
        ]
        error_type = str(err.get("type", "invalid"))
        out.append(
            {
                "field": ".".join(loc) or "body",
                "message": field_messages.plain(error_type, err.get("ctx"), str(err.get("msg") or "")),
                "type": error_type,
            }
        )
    return out


def _register_error_handlers(app: APIGatewayRestResolver) -> None:
    @app.exception_handler(AppError)
    def _app_error(error: AppError) -> Response[str]:
        return Response(
            status_code=error.status,
            content_type=PROBLEM_CONTENT_TYPE,
            body=json.dumps(problem_from_error(error)),
            headers={**SECURITY_HEADERS, **error.headers},
        )

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        errors = _validation_errors(error.errors())
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(400, "malformed_json", "The request body is not valid JSON.")
        return problem_response(
            422, "validation_error", field_messages.summary(e["field"] for e in errors), extra={"errors": errors}
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(_: RequestUnsupportedContentType) -> Response[str]:
        # JsonBodyValidation answers before Powertools would raise this; kept so no route can 500 on it.
        return problem_response(415, "unsupported_media_type", "This route takes a JSON body.")

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable(_: UnicodeDecodeError) -> Response[str]:
        # A body that is not UTF-8 (API Gateway hands it over base64-encoded) cannot be JSON.
        return problem_response(400, "malformed_json", "The request body is not valid UTF-8 JSON.")

    @app.exception_handler(NotFoundError)
    def _not_found(_: NotFoundError) -> Response[str]:
        return problem_response(404, "route_not_found", "No such route.")

    @app.exception_handler(PynamoDBConnectionError)
    def _db_unavailable(error: PynamoDBConnectionError) -> Response[str]:
        logger.warning("database unavailable", extra={"error_type": type(error).__name__})
        return problem_response(
            503, "service_unavailable", "The service is busy; retry shortly.", headers={"Retry-After": "1"}
        )

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        if _is_throttle(error):
            logger.warning("throttled", extra={"error_type": type(error).__name__})
            return problem_response(
                503, "service_unavailable", "The service is busy; retry shortly.", headers={"Retry-After": "1"}
            )
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return problem_response(500, "internal_error", "Something went wrong on our side.")


def _is_throttle(error: BaseException) -> bool:
    code = ""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        code = str(response.get("Error", {}).get("Code", ""))
    cause = getattr(error, "cause", None)
    if not code and cause is not None:
        return _is_throttle(cause)
    return code in {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}


def make_app(title: str, description: str = "") -> APIGatewayRestResolver:
    """A resolver with validation, OpenAPI metadata and our error mapping."""
    app = APIGatewayRestResolver(enable_validation=True, cors=CORS)
    # The resolver builds each route's middleware stack from this attribute on first use.
    app._request_validation_middleware = JsonBodyValidation()
    app.configure_openapi(
        title="Certification Tracking System API",
        version="1.0.0",
        summary=title,
        description=description or None,
    )
    _register_error_handlers(app)
    return app


def current_login(app: APIGatewayRestResolver | Router) -> Login:
    return login_from_event(app.current_event.raw_event)


def current_operator(app: APIGatewayRestResolver | Router) -> Login:
    """The caller's login if it is an operator's (401 without a token, 403 ``operators_only`` otherwise)."""
    login = current_login(app)
    require_operator(login)
    return login


def _early_problem(error: AppError, event: dict[str, Any]) -> dict[str, Any]:
    """A problem answered before routing (the resolver's error handlers are not in play yet)."""
    headers = event.get("headers") or {}
    origin = next((value for name, value in headers.items() if name.lower() == "origin"), None)
    return {
        "statusCode": error.status,
        "headers": {"Content-Type": PROBLEM_CONTENT_TYPE, **SECURITY_HEADERS, **CORS.to_dict(origin)},
        "body": json.dumps(problem_from_error(error)),
        "isBase64Encoded": False,
    }


def make_handler(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point: logging context, tracing, metrics, body guards, security headers."""
    max_bytes = get_settings().max_body_bytes

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            check_path(event)
            check_body(event, max_bytes)
        except AppError as error:
            return _early_problem(error, event)
        response: dict[str, Any] = app.resolve(event, context)
        return with_security_headers(response)

    return handler  # type: ignore[no-any-return]


def model_dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
