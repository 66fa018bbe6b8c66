"""Personal info: the five settings (with an audit trail), the language, program attributes and
identifiers.

Settings live on the candidate profile as one map, flat so other features can read a flag
directly (``settings_of(candidate)["verification_consent"]``, ``settings_of(candidate)["language"]``)::

    settings = {"program_employee": true, ..., "language": "ja",
                "updated": {"program_employee": "<ISO 8601 UTC>", ..., "language": "<ISO 8601 UTC>"}}

Every change of one of the five flags also writes an audit item ``AUDIT#<timestamp>#<field>`` (old,
new, who, when) in the same transaction as the profile update, guarded by ``settings_revision``.
The language (``en``/``ja``, ``None`` until chosen: the web client then follows the browser) is a
display preference, not a consent: it is timestamped like the flags but not audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.exceptions import TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from certtrack import db, field_messages, keys
from certtrack.auth import Login
from certtrack.dates import iso_instant
from certtrack.db import TRANSACTION_CONFLICT, cancellation_codes, condition_failed, raw_map
from certtrack.errors import Conflict, NotFound, Unprocessable
from certtrack.fields import LANGUAGES, InvalidText, clean_text
from certtrack.identity.models import CandidateItem, SettingsAuditItem
from certtrack.program.catalog import AttributeDefinition, load_catalog

SETTINGS_FIELDS: tuple[str, ...] = (
    "program_employee",
    "partner_or_reseller",
    "email_notifications",
    "academy_student",
    "verification_consent",
)
LANGUAGE = "language"


def _candidate(candidate_id: str) -> CandidateItem:
    candidate = CandidateItem.get_candidate(candidate_id)
    if candidate is None:
        raise NotFound("No such candidate.", code="candidate_not_found")
    return candidate


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class SettingsView:
    values: dict[str, bool | str | None]
    updated: dict[str, str | None]


def _language(raw: Mapping[str, Any]) -> str | None:
    value = raw.get(LANGUAGE)
    return value if value in LANGUAGES else None


def settings_of(candidate: CandidateItem) -> dict[str, bool | str | None]:
    """The five flags of a candidate (``None`` for a flag never set) and ``language`` (``None``
    until chosen)."""
    raw = raw_map(candidate.settings)
    values: dict[str, bool | str | None] = {
        name: (bool(raw[name]) if raw.get(name) is not None else None) for name in SETTINGS_FIELDS
    }
    values[LANGUAGE] = _language(raw)
    return values


def _view(candidate: CandidateItem) -> SettingsView:
    updated = raw_map(raw_map(candidate.settings).get("updated"))
    return SettingsView(
        values=settings_of(candidate),
        updated={name: (str(updated[name]) if updated.get(name) else None) for name in (*SETTINGS_FIELDS, LANGUAGE)},
    )


def language_of(candidate_id: str) -> str | None:
    """The candidate's chosen language (``None``: never chosen, or no such candidate); one GetItem,
    for a mail sent where only the candidate id is at hand."""
    candidate = CandidateItem.get_candidate(candidate_id)
    return _language(raw_map(candidate.settings)) if candidate is not None else None


def get_settings_view(candidate_id: str) -> SettingsView:
    return _view(_candidate(candidate_id))


def put_settings(
    candidate_id: str, values: Mapping[str, bool | str | None], login: Login, now: datetime
) -> SettingsView:
    """Replace the five flags and, when ``values`` has ``language``, the language (absent keeps it);
    one audit item per changed flag, all in one transaction."""
    missing = [name for name in SETTINGS_FIELDS if name not in values]
    if missing:
        raise Unprocessable(
            field_messages.summary(missing),
            code="validation_error",
            extra={"errors": [{"field": name, "message": "This is required.", "type": "missing"} for name in missing]},
        )
    if LANGUAGE in values and values[LANGUAGE] is not None and values[LANGUAGE] not in LANGUAGES:
        message = field_messages.plain("literal_error", {"expected": " or ".join(LANGUAGES)}, "")
        raise Unprocessable(
            field_messages.summary([LANGUAGE]),
            code="validation_error",
            extra={"errors": [{"field": LANGUAGE, "message": message, "type": "literal_error"}]},
        )
    candidate = _candidate(candidate_id)
    before = settings_of(candidate)
    updated = _view(candidate).updated
    after: dict[str, bool | str | None] = {name: bool(values[name]) for name in SETTINGS_FIELDS}
    after[LANGUAGE] = values[LANGUAGE] if LANGUAGE in values else before[LANGUAGE]
    changed = [name for name in SETTINGS_FIELDS if before[name] != after[name]]
    stamped = [*changed, LANGUAGE] if before[LANGUAGE] != after[LANGUAGE] else changed
    if not stamped:
        return _view(candidate)
    stamp = iso_instant(now)
    new_map: dict[str, Any] = {name: after[name] for name in SETTINGS_FIELDS}
    if after[LANGUAGE] is not None:
        new_map[LANGUAGE] = after[LANGUAGE]
    new_map["updated"] = {
        name: (stamp if name in stamped else updated[name])
        for name in (*SETTINGS_FIELDS, LANGUAGE)
        if name in stamped or updated[name]
    }
    revision = candidate.settings_revision
    guard = (
        CandidateItem.settings_revision.does_not_exist()
        if revision is None
        else CandidateItem.settings_revision == revision
    )
    audit_stamp = now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    try:
        with TransactWrite(connection=db.transactions_connection()) as transaction:
            transaction.update(
                CandidateItem(*CandidateItem.key(candidate_id)),
                actions=[CandidateItem.settings.set(new_map), CandidateItem.settings_revision.add(1)],
                condition=CandidateItem.PK.exists() & guard,
            )
            for name in changed:
                transaction.save(
                    SettingsAuditItem(
                        keys.candidate_pk(candidate_id),
                        keys.audit_sk(audit_stamp, name),
                        candidate_id=candidate_id,
                        field=name,
                        old_value=before[name],
                        new_value=bool(after[name]),
                        changed_at=now,
                        login_sub=login.sub,
                    ),
                    condition=SettingsAuditItem.SK.does_not_exist(),
                )
    except TransactWriteError as error:
        if condition_failed(error) or TRANSACTION_CONFLICT in cancellation_codes(error):
            raise Conflict(
                "Your settings were changed by another request; reload and try again.", code="concurrent_update"
            ) from None
        raise
    return get_settings_view(candidate_id)


def settings_history(candidate_id: str, limit: int = 100) -> list[SettingsAuditItem]:
    """The audit trail, newest first (one Query on ``CAND#<id>``, SK prefix ``AUDIT#``)."""
    return list(
        SettingsAuditItem.query(
            keys.candidate_pk(candidate_id),
            SettingsAuditItem.SK.startswith(keys.AUDIT_PREFIX),
            scan_index_forward=False,
            limit=limit,
        )
    )


# ---------------------------------------------------------------- attributes


@dataclass(frozen=True)
class AttributeView:
    key: str
    label: str
    value: str | None
    editable: bool
    max_length: int


def _definitions() -> tuple[AttributeDefinition, ...]:
    return load_catalog().attributes


def _attribute_views(candidate: CandidateItem) -> list[AttributeView]:
    values = raw_map(candidate.attributes)
    return [
        AttributeView(
            key=d.key,
            label=d.label,
            value=None if values.get(d.key) in (None, "") else str(values[d.key]),
            editable=d.editable,
            max_length=d.max_length,
        )
        for d in _definitions()
    ]


def get_attributes(candidate_id: str) -> list[AttributeView]:
    return _attribute_views(_candidate(candidate_id))


def _invalid(field: str, code: str, message: str, label: str | None = None) -> Unprocessable:
    """One refused field: the problem's detail names it by ``label`` (the attribute's, for a value)."""
    message = message if message.endswith(".") else f"{message}."
    return Unprocessable(
        f"{label or field_messages.label(field)}: {message}",
        code=code,
        extra={"errors": [{"field": field, "message": message, "type": code}]},
    )


def validate_attribute_changes(changes: Sequence[tuple[str, str | None]]) -> dict[str, str | None]:
    """Check a list of (key, value) changes against the catalog; returns key → cleaned value."""
    definitions = {d.key: d for d in _definitions()}
    out: dict[str, str | None] = {}
    for index, (key, value) in enumerate(changes):
        field = f"attributes.{index}"
        definition = definitions.get(key)
        if definition is None:
            raise _invalid(f"{field}.key", "unknown_attribute", "There is no such attribute")
        if not definition.editable:
            raise _invalid(f"{field}.key", "read_only_attribute", f"The attribute {key} cannot be changed")
        if key in out:
            raise _invalid(f"{field}.key", "duplicate_attribute", f"The attribute {key} is given twice")
        out[key] = _clean_value(f"{field}.value", value, definition.max_length, definition.label)
    return out


def _clean_value(field: str, value: str | None, max_length: int, label: str) -> str | None:
    """The public-text rule (``certtrack.fields.clean_text``); the length is counted after it."""
    if value is None:
        return None
    try:
        cleaned = clean_text(value)
    except InvalidText as error:
        reason = str(error)
        raise _invalid(field, "invalid_characters", reason[0].upper() + reason[1:], label) from None
    if len(cleaned) > max_length:
        raise _invalid(field, "attribute_too_long", f"Use at most {max_length} characters.", label)
    return cleaned or None


def put_attributes(candidate_id: str, changes: Sequence[tuple[str, str | None]]) -> list[AttributeView]:
    """Change editable attributes only; each key is set (or removed) on its own map path."""
    cleaned = validate_attribute_changes(changes)
    candidate = _candidate(candidate_id)
    item = CandidateItem(*CandidateItem.key(candidate_id))
    if candidate.attributes is None:
        # No map yet: create it whole, unless a concurrent writer created one first.
        try:
            item.update(
                actions=[CandidateItem.attributes.set({k: v for k, v in cleaned.items() if v is not None})],
                condition=CandidateItem.PK.exists() & CandidateItem.attributes.does_not_exist(),
            )
            return get_attributes(candidate_id)
        except UpdateError as error:
            if not condition_failed(error):
                raise
    attributes: Any = CandidateItem.attributes  # a raw map: ``[key]`` is a document path
    actions = [
        attributes[key].set(value) if value is not None else attributes[key].remove() for key, value in cleaned.items()
    ]
    item.update(actions=actions, condition=CandidateItem.PK.exists())
    return get_attributes(candidate_id)


# ---------------------------------------------------------------- identifiers


@dataclass(frozen=True)
class Identifier:
    label: str
    value: str | None


def get_identifiers(candidate_id: str, login: Login) -> list[Identifier]:
    candidate = _candidate(candidate_id)
    return [
        Identifier("Login ID", login.username),
        Identifier("System ID", candidate.candidate_id),
        Identifier("Badging email", candidate.email),
        Identifier("Testing vendor ID", candidate.vendor_testing_id),
    ]
