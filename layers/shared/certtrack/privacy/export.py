"""``GET /me/data-export``: everything the program holds about the caller, as one JSON document.

Complete by construction: the whole candidate partition is read (one Query, pages followed) and
every item goes into the section of its type (:mod:`.sections`), with all its stored attributes
but the table's own keys; an item of a type nobody named goes to ``other``. Then what lives
outside the partition but is about the candidate, each found by a key the partition gives: the
login mapping, the verification codes of their certificates and kits, the signed credentials of
their badges, and the support cases that name them and are reachable by key (the case of a
disputed mapping; the duplicate-email case opened by this login for the address on file). Other
cases have no index by candidate and are left out (the file says so).

Not exported, because they are secrets or about no one: confirmation-link and dispute-link items
(keyed by a hash of the link's token), rate-limit windows, queued-job markers, badge signing keys.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from certtrack import db, keys
from certtrack.auth import Login
from certtrack.badges.models import CredentialItem
from certtrack.dates import iso_instant
from certtrack.db import TableItem
from certtrack.identity import personal
from certtrack.identity.mapping import case_id_for
from certtrack.identity.models import LoginMappingItem, SupportCaseItem
from certtrack.privacy.models import EXPORT, PrivacyAuditItem, audit_item
from certtrack.privacy.sections import OTHER, SECTIONS, section_of
from certtrack.verification import VerificationItem

FORMAT = "certtrack-data-export/1"
# The table's keys and TTL: how the program finds an item, not data about anyone.
INTERNAL = frozenset({"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK", "GSI3PK", "GSI3SK", "expires_at"})
OUTSIDE_SECTIONS = ("login", "identifiers", "verification_codes", "credentials", "support_cases")
NOTES = (
    "Every item the program stores in your record is listed in the section of its kind; dates are UTC.",
    "Support cases are included when they can be found from your record: the case of a disputed "
    "mapping, and a duplicate-email case opened by this login for the email address on file.",
    "Not included: the hashes of confirmation and dispute links (secrets), rate-limit counters, "
    "and the program's signing keys.",
)


def filename(candidate_id: str, now: datetime) -> str:
    return f"certtrack-data-{candidate_id}-{now:%Y-%m-%d}.json"


def export_data(candidate_id: str, login: Login, now: datetime) -> dict[str, Any]:
    """The caller's data (``candidate_id`` is the caller's own, from their login mapping); audited."""
    sections: dict[str, list[dict[str, Any]]] = {name: [] for name in (*SECTIONS.values(), OTHER)}
    for raw in db.query_partition_raw(keys.candidate_pk(candidate_id), consistent=True):
        sk = raw["SK"]["S"]
        model = db.item_type(sk)
        entry = plain_item(raw)
        if model is TableItem:
            entry = {"item_type": sk.split("#", 1)[0], **entry}
        sections[section_of(model)].append(entry)
    sections |= _outside(candidate_id, login, sections)
    counts = {name: len(entries) for name, entries in sections.items()}
    audit = audit_item(candidate_id, EXPORT, login, now, counts)
    audit.save(condition=PrivacyAuditItem.PK.does_not_exist())
    return {
        "format": FORMAT,
        "candidate_id": candidate_id,
        "exported_at": iso_instant(now),
        "notes": list(NOTES),
        "sections": sections,
    }


def plain_item(raw: dict[str, Any]) -> dict[str, Any]:
    """A stored item (attribute-value map) as plain JSON values, without the table's keys."""
    return {name: plain(value) for name, value in sorted(raw.items()) if name not in INTERNAL}


def plain(value: dict[str, Any]) -> Any:
    """One DynamoDB attribute value as JSON: numbers as int or float, sets as sorted lists,
    binary as base64."""
    ((kind, inner),) = value.items()
    match kind:
        case "S" | "BOOL":
            return inner
        case "NULL":
            return None
        case "N":
            return _number(inner)
        case "L":
            return [plain(v) for v in inner]
        case "M":
            return {k: plain(v) for k, v in sorted(inner.items())}
        case "SS":
            return sorted(inner)
        case "NS":
            return sorted(_number(v) for v in inner)
        case "B":
            return _base64(inner)
        case "BS":
            return sorted(_base64(v) for v in inner)
    raise ValueError(f"unknown attribute type {kind!r}")


def _number(text: str) -> int | float:
    number = float(text)
    return int(text) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _base64(value: bytes | str) -> str:
    return value if isinstance(value, str) else base64.b64encode(value).decode("ascii")


def _model(item: TableItem) -> dict[str, Any]:
    return {name: value for name, value in sorted(item.to_simple_dict(force=True).items()) if name not in INTERNAL}


def _outside(candidate_id: str, login: Login, sections: dict[str, list[dict[str, Any]]]) -> dict[str, list[Any]]:
    """The sections that are not in the partition, each item by a key the partition (or login) gives."""
    mapping = _get(LoginMappingItem, keys.login_pk(login.sub), keys.MAPPING)
    codes = {
        str(entry["verification_code"])
        for name in ("certifications", "fulfillments")
        for entry in sections[name]
        if entry.get("verification_code")
    }
    credential_ids = {str(entry["credential_id"]) for entry in sections["badges"] if entry.get("credential_id")}
    profile = sections["profile"][0] if sections["profile"] else {}
    case_ids = {str(profile["frozen_case_id"])} if profile.get("frozen_case_id") else set()
    if profile.get("email"):
        case_ids.add(case_id_for(login, str(profile["email"])))
    return {
        "login": [_model(mapping)] if mapping and mapping.candidate_id == candidate_id else [],
        "identifiers": [vars(i) for i in personal.get_identifiers(candidate_id, login)],
        "verification_codes": [
            _model(code_item)
            for code in sorted(codes)
            if (code_item := _get(VerificationItem, keys.verify_pk(code), keys.VERIFY))
            and code_item.candidate_id == candidate_id
        ],
        "credentials": [
            {
                "credential_id": credential_id,
                "issued_at": iso_instant(credential.issued_at),
                "document": json.loads(credential.document),
            }
            for credential_id in sorted(credential_ids)
            if (credential := _get(CredentialItem, keys.credential_pk(credential_id), keys.CREDENTIAL))
            and credential.candidate_id == candidate_id
        ],
        "support_cases": [
            # The login named on a case may be someone else's (a disputed mapping): only the case.
            {
                "case_id": case.case_id,
                "reason": case.reason,
                "status": case.status,
                "created_at": iso_instant(case.created_at),
                "last_requested_at": iso_instant(case.last_requested_at),
            }
            for case_id in sorted(case_ids)
            if (case := _get(SupportCaseItem, keys.case_pk(case_id), keys.CASE))
            and candidate_id in (case.candidate_ids or set())
        ],
    }


def _get[M: TableItem](model: type[M], pk: str, sk: str) -> M | None:
    """One GetItem (there are few: one per certification, kit and badge of the candidate)."""
    try:
        return model.get(pk, sk, consistent_read=True)
    except model.DoesNotExist:
        return None
