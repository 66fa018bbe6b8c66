"""Merge the OpenAPI schemas of every function's resolver into the layer's openapi.json.

Also writes web/rules.js, the request bodies' field rules for the web client (``web_rules``).

Usage: ``python scripts/gen_openapi.py [--check]``; ``--check`` exits 1 when either file is stale.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported once build() has put the layer on sys.path
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("auth_mapping", "certifications", "fulfillment", "transcripts", "operations")
sys.path.insert(0, str(ROOT / "layers" / "shared"))

from certtrack.openapi import PROBLEM_MEDIA_TYPE, PROBLEM_REF, PROBLEM_SCHEMA  # noqa: E402


def _load_app(function: str) -> APIGatewayRestResolver:
    path = ROOT / "functions" / function / "app.py"
    # Lambda puts the function's code directory on sys.path; its sibling modules import by name.
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"openapi_{function}_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    app: APIGatewayRestResolver = module.app
    return app


def _placeholder_environment() -> None:
    """The variables the handlers check at import, from the template (no stack exists here)."""
    sys.path.insert(0, str(ROOT))
    from local.overrides import parameters
    from local.template import Template

    template = Template(ROOT / "template.yaml", parameters=parameters(deployed_defaults=True))
    for function in template.functions.values():
        for name, value in template.placeholder_environment(function).items():
            os.environ.setdefault(name, value)


def build() -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    _placeholder_environment()
    from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

    merger = OpenAPIMerge(
        title="Certification Tracking System API",
        version="1.0.0",
        summary="The candidate portal of a professional certification program.",
        description=(
            "Errors are RFC 9457 application/problem+json with a stable `code`. "
            "Authenticated routes take a Cognito ID token as `Authorization: Bearer <token>`."
        ),
    )
    for function in FUNCTIONS:
        if (ROOT / "functions" / function / "app.py").exists():
            merger.add_schema(
                _load_app(function).get_openapi_schema().model_dump(mode="json", by_alias=True, exclude_none=True)
            )
    return normalize_responses(merger.get_openapi_schema())


# Every error the API answers is RFC 9457 problem+json (certtrack.api maps them all); these may
# come from any operation: the gateway (401/403/413/429), the body guard and JSON parsing (400, 413),
# validation (422), the domain errors and throttling (503).
COMMON_PROBLEMS = {
    400: "`malformed_json`, `json_too_deep` (arrays or objects nested too deep) or `bad_request`",
    401: "`unauthorized`: no valid ID token",
    403: "`account_not_mapped`, `operators_only` or `forbidden`",
    404: "`route_not_found` or an unknown (or another candidate's) resource",
    409: "`conflict`: the resource's state does not allow it",
    410: "`gone`: expired, used or revoked",
    413: "`payload_too_large`",
    422: "`validation_error`: `errors[]` names the failing fields",
    429: "`too_many_requests`: see `Retry-After`",
    503: "`service_unavailable`: a dependency is busy or down; retry after `Retry-After`",
}
# Only from an operation that takes a body (certtrack.api: JSON media types only, unless it takes a form).
BODY_PROBLEMS = {415: "`unsupported_media_type`: send the body as `application/json`"}
PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
POWERTOOLS_ONLY_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")


def _raw_body(content: dict[str, Any]) -> bool:
    """A ``Response[str]`` route (an HTML page, or JSON it serializes itself): Powertools says "string"."""
    schema = (content.get("application/json") or {}).get("schema") or {}
    return schema.get("type") == "string" and schema.get("title") == "Return"


def _normalize_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if not any(code.startswith("2") for code in responses):
        # Powertools puts the return model on the declared (error) responses when a route passes
        # `responses=` without its success code: move it back to the (default) 200 response.
        filled: dict[str, Any] = next(
            (
                r["content"]
                for r in responses.values()
                if "application/json" in (r.get("content") or {})
                and (r["content"]["application/json"].get("schema") or {}).get("$ref") != PROBLEM_REF
                and "HTTPValidationError" not in json.dumps(r["content"])
            ),
            {"application/json": {}},
        )
        responses["200"] = {"description": "OK", "content": filled}
    for code, response in responses.items():
        content = response.get("content") or {}
        if code in ("204", "304"):
            response.pop("content", None)  # no body, whatever the return annotation says
        elif code.startswith("2") and _raw_body(content):
            response["content"] = {"text/html": {"schema": {"type": "string"}}, "application/json": {}}
        elif int(code) >= 400:
            html = {"text/html": content["text/html"]} if "text/html" in content else {}
            description = response.get("description", "")
            if int(code) == 422 and description == "Validation Error":
                description = COMMON_PROBLEMS[422]
            response.update(description=description, content={**PROBLEM_CONTENT, **html})
    for status, description in COMMON_PROBLEMS.items():
        responses.setdefault(str(status), {"description": description, "content": dict(PROBLEM_CONTENT)})
    if "requestBody" in operation:
        responses.setdefault("415", {"description": BODY_PROBLEMS[415], "content": dict(PROBLEM_CONTENT)})


def normalize_responses(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare what the API really answers: problem+json errors on every operation, success codes kept."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                _normalize_operation(operation)
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    text = json.dumps(schema["paths"])
    for name in POWERTOOLS_ONLY_SCHEMAS:
        if f"#/components/schemas/{name}" not in text and name in schemas:
            del schemas[name]
    return schema


def outputs() -> dict[Path, str]:
    """Each generated file and its text."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import web_rules

    schema = build()
    return {
        ROOT / "layers" / "shared" / "certtrack" / "openapi.json": json.dumps(schema, indent=1, sort_keys=True) + "\n",
        ROOT / "web" / "rules.js": web_rules.render(schema),
    }


def main() -> int:
    stale = 0
    for target, text in outputs().items():
        if "--check" in sys.argv:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                print(f"{target.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
                stale = 1
        else:
            target.write_text(text, encoding="utf-8")
    return stale


if __name__ == "__main__":
    sys.exit(main())
