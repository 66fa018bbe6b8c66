"""JSON-LD with the contexts shipped in the layer: RDFC-1.0 canonical N-Quads (pyld), no network.

The document loader answers only the contexts in ``contexts/`` (written from the npm packages
that publish them by ``scripts/badge_contexts.mjs``); any other URL is :class:`UnknownContext`,
never a fetch. Canonicalisation runs in *safe mode*, as Digital Bazaar's verifiers do: a property
or type the contexts do not define would be dropped silently by expansion — signed data the
proof does not cover — so it is :class:`UndefinedTerm` instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

Loader = Callable[[str, Any], dict[str, Any]]


class JsonLdProblem(ValueError):
    """The document cannot be canonicalised as it stands (the message says why)."""


class UnknownContext(JsonLdProblem):
    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context {url[:200]!r} (only the contexts shipped with the portal are used)")
        self.url = url


class UndefinedTerm(JsonLdProblem):
    def __init__(self, term: str) -> None:
        super().__init__(f"{term[:200]!r} is not defined by the document's contexts")
        self.term = term


@cache
def shipped_contexts() -> Mapping[str, Any]:
    """URL → context document, read once from the layer's files."""
    index = json.loads((CONTEXTS_DIR / "index.json").read_text(encoding="utf-8"))
    return {url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8")) for url, name in index.items()}


def document_loader(extra: Mapping[str, Any] | None = None) -> Loader:
    """A pyld loader over the shipped contexts (plus ``extra``, the tests' example context)."""
    known = dict(shipped_contexts()) | dict(extra or {})

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url not in known:
            raise UnknownContext(url)
        return {"contextUrl": None, "documentUrl": url, "document": known[url]}

    return load


def canonize(document: Mapping[str, Any], loader: Loader | None = None) -> str:
    """The RDFC-1.0 canonical N-Quads of ``document`` (URDNA2015 in pyld: the same algorithm)."""
    from pyld import jsonld

    def refuse(term: str, *_: Any) -> None:
        raise UndefinedTerm(term)

    processor = jsonld.JsonLdProcessor(on_property_dropped=refuse)
    try:
        return str(
            processor.normalize(
                dict(document),
                {
                    "algorithm": "URDNA2015",
                    "format": "application/n-quads",
                    "documentLoader": loader or document_loader(),
                    "base": "",
                },
            )
        )
    except jsonld.JsonLdError as error:
        raise _cause(error) from None


def _cause(error: BaseException) -> JsonLdProblem:
    """The first of our own errors in pyld's chain of wrappers, else the innermost message."""
    current: BaseException | None = error
    innermost = error
    while current is not None:
        if isinstance(current, JsonLdProblem):
            return current
        innermost = current
        current = current.__cause__ or getattr(current, "cause", None)
    return JsonLdProblem(f"not valid JSON-LD: {str(innermost)[:200]}")
