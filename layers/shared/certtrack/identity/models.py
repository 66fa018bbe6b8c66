"""Identity items: candidate profiles, login mappings, mapping tokens, support cases, audit, the
shipping address (read by fulfillment for orders and by transcripts for the holder's address)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
    UTCDateTimeAttribute,
)

from certtrack import keys
from certtrack.dates import iso_instant
from certtrack.db import LookupIndex, NameIndex, TableItem
from certtrack.identity.normalize import fold_name


class NameKeys(TypedDict):
    GSI3PK: str
    GSI3SK: str


def name_keys(first_name: str, last_name: str, candidate_id: str) -> NameKeys:
    """The GSI3 keys of a candidate profile (operators' lookup by name): set them with every name."""
    last, first = fold_name(last_name), fold_name(first_name)
    return NameKeys(GSI3PK=keys.name_gsi(last), GSI3SK=keys.name_gsi_sk(last, first, candidate_id))


class CandidateItem(TableItem):
    """``CAND#<id> / PROFILE``; GSI1 ``EMAIL#<email>`` finds candidates by email, GSI3
    ``NAME#<ab>`` by name (:func:`name_keys`)."""

    sort_key = keys.PROFILE
    name_index = NameIndex()

    candidate_id = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    login_sub = UnicodeAttribute(null=True)
    login_username = UnicodeAttribute(null=True)
    mapped_at = UTCDateTimeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    # The five settings booleans and their per-field change times (audit items hold the history).
    settings = MapAttribute[str, object](null=True)
    settings_revision = NumberAttribute(null=True)  # optimistic lock for settings + audit writes
    # Program-defined attributes: job_title (editable), expert numbers, academy id.
    attributes = MapAttribute[str, object](null=True)
    vendor_testing_id = UnicodeAttribute(null=True)
    reminders_unsubscribed = BooleanAttribute(default=False)
    email_suppressed = BooleanAttribute(default=False)
    # Set when the previous address used the "this was not me" link of a score-report mapping:
    # no mapping (by email, score report or confirmation) until an operator clears it.
    frozen_at = UTCDateTimeAttribute(null=True)
    frozen_case_id = UnicodeAttribute(null=True)
    # A tombstone: an operator merged this record into ``merged_into`` (its items live there now;
    # old ids and codes resolve to it: ``candidates.resolve_candidate``). No email or name index.
    merged_into = UnicodeAttribute(null=True)
    merged_at = UTCDateTimeAttribute(null=True)

    lookup_index = LookupIndex()

    @classmethod
    def key(cls, candidate_id: str) -> tuple[str, str]:
        return keys.candidate_pk(candidate_id), keys.PROFILE

    @classmethod
    def get_candidate(cls, candidate_id: str) -> "CandidateItem | None":
        try:
            return cls.get(*cls.key(candidate_id))
        except cls.DoesNotExist:
            return None


class LoginMappingItem(TableItem):
    """``LOGIN#<sub> / MAPPING``: which candidate a login is mapped to."""

    candidate_id = UnicodeAttribute()
    username = UnicodeAttribute(null=True)
    mapped_at = UTCDateTimeAttribute()
    method = UnicodeAttribute(null=True)  # "email" or "score_report"


class MappingTokenItem(TableItem):
    """``TOKEN#<sha256 of the token> / TOKEN``: a pending confirmation link (the token itself is never stored).

    Bound to the login that asked; single use (``used_at`` set under a condition); valid two
    hours from ``created_at``. ``expires_at`` (TTL) only cleans up, days later.
    """

    login_sub = UnicodeAttribute()
    candidate_id = UnicodeAttribute(null=True)  # always set on new links (older notice items had none)
    method = UnicodeAttribute()  # "email" | "score_report"
    new_email = UnicodeAttribute(null=True)  # score report: the address that becomes the candidate's
    created_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)


class CaseIndexKeys(TypedDict):
    GSI1PK: str
    GSI1SK: str


def case_keys(status: str, created_at: datetime, case_id: str) -> CaseIndexKeys:
    """The GSI1 keys of a support case (the operators' queue by status): set them with every status."""
    return CaseIndexKeys(GSI1PK=keys.cases_gsi(status), GSI1SK=keys.cases_gsi_sk(iso_instant(created_at), case_id))


class SupportCaseItem(TableItem):
    """``CASE#<case_id> / CASE``: several candidates share an email (operators merge them), or a
    score-report mapping was disputed from the previous address (operators review the frozen record).

    GSI1 ``CASES#<status>`` / ``<created_at>#<case_id>`` (:func:`case_keys`); cases written before
    the index existed have no entry until they are written again."""

    sort_key = keys.CASE
    lookup_index = LookupIndex()

    case_id = UnicodeAttribute()
    reason = UnicodeAttribute()  # "duplicate_email" | "mapping_disputed"
    status = UnicodeAttribute()  # "open" | "resolved"
    candidate_ids = UnicodeSetAttribute()
    login_sub = UnicodeAttribute()
    login_username = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    last_requested_at = UTCDateTimeAttribute()
    requests = NumberAttribute(default=0)
    # Set when an operator resolves it: "merged" (into ``survivor``) or "closed" (with ``note``).
    resolution = UnicodeAttribute(null=True)
    survivor = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    resolved_at = UTCDateTimeAttribute(null=True)
    resolved_by = UnicodeAttribute(null=True)  # the operator's login name


class MergeItem(TableItem):
    """``CASE#<case_id> / MERGE``: the progress of a case's merge (``operations.merge`` runs its steps)."""

    sort_key = keys.MERGE

    case_id = UnicodeAttribute()
    survivor = UnicodeAttribute()
    sources = ListAttribute[str]()  # untyped: a list of strings reads back as strings
    phase = UnicodeAttribute()  # moving | finishing | done
    steps = NumberAttribute(default=0)  # move transactions applied
    moved = NumberAttribute(default=0)
    dropped = NumberAttribute(default=0)
    reason = UnicodeAttribute()
    operator_sub = UnicodeAttribute()
    operator_username = UnicodeAttribute()
    started_at = UTCDateTimeAttribute()
    finished_at = UTCDateTimeAttribute(null=True)
    login_mapped = UnicodeAttribute(null=True)  # "yes" | "no: <why>" once the login step ran
    lease_owner = UnicodeAttribute(null=True)
    lease_until = UTCDateTimeAttribute(null=True)


class SupportCaseRefItem(TableItem):
    """``CAND#<id> / CASE#<case_id>``: the case names this candidate (written with the case, so a
    candidate's cases are one Query of its partition; the case item holds the status)."""

    sort_key = keys.CASE_REF_PREFIX

    candidate_id = UnicodeAttribute()
    case_id = UnicodeAttribute()


class DisputeItem(TableItem):
    """``DISPUTE#<sha256 of the token> / DISPUTE``: the "this was not me" link of a score-report mapping.

    Mailed to the address the candidate had before; written in the mapping's transaction, so it
    exists exactly when the mapping happened. Single use; valid ``DISPUTE_LIFETIME``.
    """

    candidate_id = UnicodeAttribute()
    login_sub = UnicodeAttribute()  # the login that was mapped
    previous_email = UnicodeAttribute()
    created_at = UTCDateTimeAttribute()
    used_at = UTCDateTimeAttribute(null=True)
    case_id = UnicodeAttribute(null=True)


class RateLimitItem(TableItem):
    """``LOGIN#<sub>`` or ``RATE#<scope>#<hash>`` / ``RATE#<action>#<window start>``: a per-window counter."""

    hits = NumberAttribute(default=0)  # not ``count``: that name is Model.count()


class SettingsAuditItem(TableItem):
    """``CAND#<id> / AUDIT#<timestamp>#<field>``: one change of one settings field."""

    sort_key = keys.AUDIT_PREFIX

    candidate_id = UnicodeAttribute()
    field = UnicodeAttribute()
    old_value = BooleanAttribute(null=True)
    new_value = BooleanAttribute()
    changed_at = UTCDateTimeAttribute()
    login_sub = UnicodeAttribute(null=True)


class LocalizedAddress(MapAttribute[str, object]):
    """The optional block in the candidate's own script (any script)."""

    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    address1 = UnicodeAttribute(null=True)
    address2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute(null=True)
    state = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)


class AddressAttribute(MapAttribute[str, object]):
    """A shipping address (Latin-script demographics + optional localized block)."""

    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    email = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    address1 = UnicodeAttribute()
    address2 = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    state = UnicodeAttribute(null=True)
    postal_code = UnicodeAttribute(null=True)
    country = UnicodeAttribute()
    localized = LocalizedAddress(null=True)


class ShippingAddressItem(TableItem):
    """``CAND#<id> / SHIPPING``: the candidate's current shipping address."""

    sort_key = keys.SHIPPING

    candidate_id = UnicodeAttribute()
    address = AddressAttribute()
    updated_at = UTCDateTimeAttribute()
