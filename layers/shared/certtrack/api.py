"""The resolver factory every function uses, and the one place errors become problem+json.

``make_app()`` returns a Powertools ``APIGatewayRestResolver`` with pydantic
validation and OpenAPI on, the error handlers registered, and
``make_handler(app)`` wraps ``app.resolve`` in the Logger/Tracer/Metrics stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pynamodb.exceptions import PynamoDBConnectionError

from certtrack.auth import Login, login_from_event
from certtrack.errors import (
    PROBLEM_CONTENT_TYPE,
    AppError,
    PayloadTooLarge,
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
        out.append(
            {
                "field": ".".join(loc) or "body",
                "message": str(err.get("msg") or err.get("type") or "invalid"),
                "type": str(err.get("type", "invalid")),
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
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return problem_response(
            422,
            "validation_error",
            f"Invalid or missing fields: {fields}.",
            extra={"errors": errors},
        )

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
    """The Lambda entry point: logging context, tracing, metrics, body-size guard."""
    max_bytes = get_settings().max_body_bytes

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, log_event=False)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(raise_on_empty_metrics=False)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        body = event.get("body") or ""
        if len(body) > max_bytes:
            return _early_problem(PayloadTooLarge(f"The request body is larger than {max_bytes} bytes."), event)
        response: dict[str, Any] = app.resolve(event, context)
        return response

    return handler  # type: ignore[no-any-return]


def model_dump(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")
