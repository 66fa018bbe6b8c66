"""The API's OpenAPI document: generated from every function's resolver, shipped in the layer.

Each function only knows its own routes, so ``scripts/gen_openapi.py`` (run by ``make run``,
``make test`` and ``make openapi``) merges the four resolvers' schemas into
``openapi.json`` beside this module; a test fails when the file is stale.

Routes document their answers one way, with :func:`responses`: the success and each error with
what it means. Every error is the one :data:`PROBLEM_SCHEMA` (``certtrack.api`` builds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse

OPENAPI_PATH = Path(__file__).parent / "openapi.json"


@lru_cache(maxsize=1)
def merged_openapi_json() -> str:
    return OPENAPI_PATH.read_text(encoding="utf-8")


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem document; `code` is a stable snake_case string.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}, "type": {"type": "string"}},
            },
        },
    },
}
PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_MEDIA_TYPE = "application/problem+json"
_HTML: dict[str, Any] = {"text/html": {}}


def responses(
    errors: Mapping[int, str] | None = None,
    *,
    ok: tuple[int, str] = (200, "OK"),
    page: bool = False,
    media_type: str | None = None,
) -> dict[int, OpenAPIResponse]:
    """A route's documented answers: ``ok`` (its body is the return annotation's) and ``errors``,
    each a problem document, described by the codes it may carry.

    ``page``: the route answers HTML pages only (success and errors), no JSON.
    ``media_type``: the success is a JSON object of that type (``application/ld+json`` …).
    """
    status, description = ok
    success: OpenAPIResponse = {"description": description}
    if page:
        success["content"] = dict(_HTML)
    if media_type:
        success["content"] = {media_type: {"schema": {"type": "object"}}}
    out: dict[int, OpenAPIResponse] = {status: success}
    for code, text in (errors or {}).items():
        content: dict[str, Any] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
        if page:
            content.update(_HTML)
        out[code] = {"description": text, "content": content}
    return out
