"""The API's OpenAPI document: generated from every function's resolver, shipped in the layer.

Each function only knows its own routes, so ``local/openapi.py`` (run by ``make run``,
``make test`` and ``make openapi``) merges the four resolvers' schemas into
``openapi.json`` beside this module; a test fails when the file is stale.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

OPENAPI_PATH = Path(__file__).parent / "openapi.json"


@lru_cache(maxsize=1)
def merged_openapi_json() -> str:
    return OPENAPI_PATH.read_text(encoding="utf-8")
