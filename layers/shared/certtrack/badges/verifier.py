"""The checks a verifier makes of a credential someone shows us: issuer, signature, status, dates (pure).

Only credentials we issued are verified: the issuer must be our ``did:web`` (another issuer's
DID would need a network resolution; we answer "not ours"). The signature is eddsa-rdfc-2022
with our DID document's keys and the shipped contexts only (an unknown context is a clear
"invalid", never a fetch). The status is read from our own lists (the caller's ``status_bit``)
and only for a credential whose signature holds: an unsigned status entry proves nothing. The
dates are compared with ``now``. :func:`bound` runs first: canonicalisation cost grows with the
document, so its size is limited before anything else looks at it.

Each check's detail and the summary are catalogue messages (English source, ``%(name)s``
placeholders): the verification page shows them in its reader's language, the JSON API in English
(docs/notes/language.md).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from certtrack import i18n
from certtrack.badges import jsonld, proof, statuslist
from certtrack.badges.credential import STATUS_LIST_SIZE, status_list_id, status_list_url
from certtrack.i18n import N_

MAX_DEPTH = 16  # our credentials nest 6 levels
MAX_NODES = 4_000  # JSON values (objects, arrays, scalars); ours have about 80

VALID, INVALID, NOT_CHECKED = "valid", "invalid", "not_checked"
OURS, NOT_OURS = "ours", "not_ours"
ACTIVE, REVOKED, SUSPENDED, UNKNOWN = "active", "revoked", "suspended", "unknown"
NOT_YET_VALID, EXPIRED = "not_yet_valid", "expired"

StatusBit = Callable[[str, int], bool]  # (list id, position) → is the bit set


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class TooComplex(ValueError):
    """The document is larger or deeper than any credential (the message says which limit)."""


def bound(document: Any, max_depth: int = MAX_DEPTH, max_nodes: int = MAX_NODES) -> None:
    """Raise :class:`TooComplex` past ``max_depth`` levels or ``max_nodes`` JSON values (iteratively),
    or for what no credential carries: a number that is not finite (``1e999``, ``NaN``) or a text
    with control characters other than tab and line breaks (a NUL …)."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise TooComplex(f"the credential has more than {max_nodes} JSON values")
        if depth > max_depth:
            raise TooComplex(f"the credential nests deeper than {max_depth} levels")
        if isinstance(value, float) and not math.isfinite(value):
            raise TooComplex("the credential has a number that is not finite")
        texts = [value] if isinstance(value, str) else list(value) if isinstance(value, dict) else []
        if any(_CONTROL.search(text) for text in texts):
            raise TooComplex("the credential has a text with control characters")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, depth + 1) for child in children)


@dataclass(frozen=True)
class Check:
    result: str
    message: str  # a catalogue message: English, with ``values`` for its placeholders
    extra: dict[str, Any] = field(default_factory=dict)
    values: Mapping[str, str] = field(default_factory=dict)

    def detail(self, language: str = i18n.DEFAULT) -> str:
        text = i18n.translate(language, self.message)
        return text % self.values if self.values else text

    def as_json(self, language: str = i18n.DEFAULT) -> dict[str, Any]:
        return {"result": self.result, "detail": self.detail(language), **self.extra}


@dataclass(frozen=True)
class Report:
    issuer: Check
    signature: Check
    status: Check
    dates: Check
    credential_id: str | None

    @property
    def verified(self) -> bool:
        return (self.issuer.result, self.signature.result, self.status.result, self.dates.result) == (
            OURS,
            VALID,
            ACTIVE,
            VALID,
        )

    def summary(self, language: str = i18n.DEFAULT) -> str:
        return i18n.translate(language, self._summary())

    def _summary(self) -> str:
        if self.issuer.result != OURS:
            return N_("Not ours: this credential was not issued by this portal.")
        if self.signature.result != VALID:
            return N_("Invalid signature: this credential is not as it was issued.")
        if self.status.result in (REVOKED, SUSPENDED):
            return _GENUINE_BUT[self.status.result]
        if self.dates.result != VALID:
            return _GENUINE_BUT[self.dates.result]
        if self.status.result != ACTIVE:
            return N_("The credential is genuine; its status could not be read.")
        return N_("Verified: issued by this portal, unaltered, not revoked or suspended, and within its dates.")

    def as_json(self, checked_at: datetime, language: str = i18n.DEFAULT) -> dict[str, Any]:
        """The answer (summary and details in ``language``; the JSON API's is English)."""
        return {
            "verified": self.verified,
            "summary": self.summary(language),
            "credential_id": self.credential_id,
            "checked_at": _timestamp(checked_at),
            "checks": {
                "issuer": self.issuer.as_json(language),
                "signature": self.signature.as_json(language),
                "status": self.status.as_json(language),
                "dates": self.dates.as_json(language),
            },
        }


# A genuine credential that fails on its status or its dates: the summary says which.
_GENUINE_BUT = {
    REVOKED: N_("The credential is genuine but revoked."),
    SUSPENDED: N_("The credential is genuine but suspended."),
    INVALID: N_("The credential is genuine but validFrom or validUntil is not a date and time."),
    NOT_YET_VALID: N_("The credential is genuine but not valid yet (validFrom is in the future)."),
    EXPIRED: N_("The credential is genuine but expired (validUntil has passed)."),
}


def _timestamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _text(value: Any, limit: int = 300) -> str | None:
    return value[:limit] if isinstance(value, str) else None


def issuer_of(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    return _text(issuer.get("id")) if isinstance(issuer, Mapping) else _text(issuer)


def check_issuer(document: Mapping[str, Any], issuer_did: str) -> Check:
    found = issuer_of(document)
    if found == issuer_did:
        return Check(OURS, N_("Issued by this portal."), {"id": found})
    return Check(NOT_OURS, N_("Not issued by this portal: only its own credentials are verified here."), {"id": found})


def check_signature(
    document: Mapping[str, Any], resolve: Callable[[str], Ed25519PublicKey | None], loader: jsonld.Loader | None
) -> Check:
    """Valid or invalid (with a ``reason``); :class:`certtrack.badges.jsonld.TooComplex` propagates."""
    try:
        checked = proof.verify(document, resolve, loader)
    except proof.ProofInvalid as error:
        return Check(INVALID, error.message, {"reason": error.reason}, error.values)
    except jsonld.UnknownContext as error:
        return Check(INVALID, error.message, {"reason": "unknown_context"}, error.values)
    except jsonld.UndefinedTerm as error:
        return Check(INVALID, error.message, {"reason": "undefined_term"}, error.values)
    except jsonld.TooComplex:
        raise
    except jsonld.JsonLdProblem as error:
        return Check(INVALID, error.message, {"reason": "not_json_ld"}, error.values)
    return Check(
        VALID,
        N_("The signature matches the credential (eddsa-rdfc-2022)."),
        {"verification_method": checked["verificationMethod"], "created": _text(checked.get("created"))},
    )


def _entries(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    status = document.get("credentialStatus")
    listed = status if isinstance(status, list) else [status]
    return [entry for entry in listed if isinstance(entry, Mapping)]


def _our_position(entry: Mapping[str, Any], base_url: str) -> tuple[str, str, int] | None:
    """(purpose, list id, position) of an entry pointing at one of our lists, else None."""
    purpose, index, url = entry.get("statusPurpose"), entry.get("statusListIndex"), entry.get("statusListCredential")
    if entry.get("type") != "BitstringStatusListEntry" or not isinstance(url, str) or not isinstance(index, str):
        return None
    if not index.isdigit() or len(index) > 6 or int(index) >= STATUS_LIST_SIZE:
        return None
    list_id = url.rpartition("/")[2]
    parsed = statuslist.parse_list_id(list_id)
    if parsed is None or parsed[0] != purpose or url != status_list_url(base_url, list_id):
        return None
    global_index = parsed[1] * STATUS_LIST_SIZE + int(index)
    if status_list_id(parsed[0], global_index) != list_id:
        return None
    return parsed[0], list_id, int(index)


def check_status(document: Mapping[str, Any], base_url: str, status_bit: StatusBit) -> Check:
    found: dict[str, bool] = {}
    for entry in _entries(document):
        position = _our_position(entry, base_url)
        if position is not None:
            purpose, list_id, index = position
            found[purpose] = found.get(purpose, False) or status_bit(list_id, index)
    extra: dict[str, Any] = {"revoked": found.get("revocation"), "suspended": found.get("suspension")}
    if found.get("revocation"):
        return Check(REVOKED, N_("Revoked by the program."), extra)
    if found.get("suspension"):
        return Check(SUSPENDED, N_("Suspended: the certification has expired or lapsed."), extra)
    if "revocation" not in found or "suspension" not in found:
        return Check(UNKNOWN, N_("The credential does not name both of this portal's status lists."), extra)
    return Check(ACTIVE, N_("Neither revoked nor suspended."), extra)


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_dates(document: Mapping[str, Any], now: datetime) -> Check:
    raw_from, raw_until = document.get("validFrom"), document.get("validUntil")
    extra = {"valid_from": _text(raw_from, 40), "valid_until": _text(raw_until, 40)}
    valid_from, valid_until = _instant(raw_from), _instant(raw_until)
    if (raw_from is not None and valid_from is None) or (raw_until is not None and valid_until is None):
        return Check(INVALID, N_("validFrom or validUntil is not a date and time."), extra)
    if valid_from is not None and now < valid_from:
        return Check(NOT_YET_VALID, N_("Not valid yet (validFrom is in the future)."), extra)
    if valid_until is not None and now > valid_until:
        return Check(EXPIRED, N_("Expired (validUntil has passed)."), extra)
    return Check(VALID, N_("Within its validity dates."), extra)


def check(
    document: Mapping[str, Any],
    *,
    issuer_did: str,
    base_url: str,
    resolve: Callable[[str], Ed25519PublicKey | None],
    status_bit: StatusBit,
    now: datetime,
    loader: jsonld.Loader | None = None,
) -> Report:
    """Every check of ``document`` (already :func:`bound`); a later check that cannot be trusted
    after an earlier one failed is ``not_checked``."""
    issuer = check_issuer(document, issuer_did)
    if issuer.result == OURS:
        signature = check_signature(document, resolve, loader)
    else:
        signature = Check(NOT_CHECKED, N_("Only credentials issued by this portal are verified here."))
    if signature.result == VALID:
        status = check_status(document, base_url, status_bit)
    else:
        status = Check(NOT_CHECKED, N_("Status is read only for a credential whose signature is valid."))
    credential_id = _text(document.get("id"))
    return Report(issuer, signature, status, check_dates(document, now), credential_id)
