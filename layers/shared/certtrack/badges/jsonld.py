"""JSON-LD with the contexts shipped in the layer: RDFC-1.0 canonical N-Quads (pyld), no network.

The document loader answers only the contexts in ``contexts/`` (written from the npm packages
that publish them by ``scripts/badge_contexts.mjs``); any other URL is :class:`UnknownContext`,
never a fetch. Canonicalisation runs in *safe mode*, as Digital Bazaar's verifiers do: a property
or type the contexts do not define would be dropped silently by expansion — signed data the
proof does not cover — so it is :class:`UndefinedTerm` instead. RDFC-1.0 is exponential in the
worst case (blank nodes that only permutations tell apart): like rdf-canonize's
``maxWorkFactor``, a document needing more than ``MAX_DEEP_ITERATIONS`` N-degree hashes is
:class:`TooComplex`; the credentials and status lists we issue need none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from cachetools import LRUCache

from certtrack.i18n import N_

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"
VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

Loader = Callable[[str, Any], dict[str, Any]]
RESOLVED_CACHE_SIZE = 32  # processed contexts: the shipped ones and a few inline ones
MAX_DEEP_ITERATIONS = 64  # N-degree hashes one canonicalisation may run (ours: 0)


class JsonLdProblem(ValueError):
    """The document cannot be canonicalised as it stands (the message says why). ``message`` is a
    catalogue message with ``values`` for its placeholders (the verification page translates it)."""

    def __init__(self, message: str, values: Mapping[str, str] | None = None) -> None:
        self.message, self.values = message, dict(values or {})
        super().__init__(message % self.values if self.values else message)


class UnknownContext(JsonLdProblem):
    def __init__(self, url: str) -> None:
        super().__init__(
            N_("unknown JSON-LD context %(url)s (only the contexts shipped with the portal are used)"),
            {"url": repr(url[:200])},
        )
        self.url = url


class TooComplex(JsonLdProblem):
    """Canonicalisation would take more work than any credential needs (a pathological graph)."""


class UndefinedTerm(JsonLdProblem):
    def __init__(self, term: str) -> None:
        super().__init__(N_("%(term)s is not defined by the document's contexts"), {"term": repr(term[:200])})
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
    # What ``normalize`` does, with a canonicaliser that counts its work. The shipped contexts are
    # processed once per process (the resolver's cache); a caller's own loader gets a cache of its own.
    if loader is None:
        loader, resolved = _default_loader(), _shared_resolved()
    else:
        resolved = LRUCache(maxsize=RESOLVED_CACHE_SIZE)
    options = {
        "documentLoader": loader,
        "base": "",
        "contextResolver": jsonld.ContextResolver(resolved, loader),
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
    }
    try:
        dataset = processor.to_rdf(dict(document), options)
        return str(_bounded_urdna2015()().main(dataset, {"format": "application/n-quads"}))
    except jsonld.JsonLdError as error:
        raise _cause(error) from None


@cache
def _default_loader() -> Loader:
    return document_loader()


@cache
def _shared_resolved() -> LRUCache[str, Any]:
    return LRUCache(maxsize=RESOLVED_CACHE_SIZE)


@cache
def _bounded_urdna2015() -> type[Any]:
    from pyld import jsonld  # its URDNA2015 is pyld.canon's

    class Bounded(jsonld.URDNA2015):  # type: ignore[misc]
        deep_iterations = 0

        def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
            self.deep_iterations += 1
            if self.deep_iterations > MAX_DEEP_ITERATIONS:
                raise TooComplex(
                    f"the document's blank nodes need more than {MAX_DEEP_ITERATIONS} N-degree hashes to canonicalise"
                )
            return super().hash_n_degree_quads(id_, issuer)

    return Bounded


def _cause(error: BaseException) -> JsonLdProblem:
    """The first of our own errors in pyld's chain of wrappers, else the innermost message."""
    current: BaseException | None = error
    innermost = error
    while current is not None:
        if isinstance(current, JsonLdProblem):
            return current
        innermost = current
        current = current.__cause__ or getattr(current, "cause", None)
    return JsonLdProblem(N_("not valid JSON-LD: %(cause)s"), {"cause": str(innermost)[:200]})
