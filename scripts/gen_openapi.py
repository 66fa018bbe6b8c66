"""Merge the OpenAPI schemas of every function's resolver into the layer's openapi.json.

Usage: ``python scripts/gen_openapi.py [--check]``; ``--check`` exits 1 when the file is stale.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("auth_mapping", "certifications", "fulfillment", "transcripts")


def _load_app(function: str) -> Any:
    path = ROOT / "functions" / function / "app.py"
    # Lambda puts the function's code directory on sys.path; its sibling modules import by name.
    sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(f"openapi_{function}_app", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def build() -> dict[str, Any]:
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    sys.path.insert(0, str(ROOT / "layers" / "shared"))
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
    return merger.get_openapi_schema()


def main() -> int:
    target = ROOT / "layers" / "shared" / "certtrack" / "openapi.json"
    text = json.dumps(build(), indent=1, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
