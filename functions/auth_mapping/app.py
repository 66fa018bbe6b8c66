"""Login mapping and personal info; also serves /health and /openapi.json."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response
from certtrack import identity
from certtrack.api import current_login, make_app, make_handler
from certtrack.openapi import merged_openapi_json

app = make_app("Login mapping and personal info")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=merged_openapi_json())


@app.get("/me")
def me() -> dict[str, Any]:
    """Who the caller is, and whether the login is mapped to a candidate record yet."""
    return identity.describe_login(current_login(app))


lambda_handler = make_handler(app)
