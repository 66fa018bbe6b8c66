"""Certification record items: exams, CE credits, certifications, history, agreements.

The days that code compares are :class:`~certtrack.db.DateAttribute` (stored ``YYYY-MM-DD`` as
before, read as a ``date``); an agreement's dates are only shown and sorted, and stay strings.
"""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute

from certtrack import keys
from certtrack.db import DateAttribute, DueIndex, LookupIndex, TableItem


class ExamItem(TableItem):
    """``CAND#<id> / EXAM#<registration_number>``; GSI1 ``REG#<registration_number>``."""

    sort_key = keys.EXAM_PREFIX

    candidate_id = UnicodeAttribute()
    exam_code = UnicodeAttribute()
    exam_name = UnicodeAttribute()
    registration_number = UnicodeAttribute()
    grade = UnicodeAttribute()  # "Pass" | "Fail"
    exam_date = DateAttribute()
    import_source = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)

    lookup_index = LookupIndex()


class RegistrationOwnerItem(TableItem):
    """``REG#<registration_number> / OWNER``: the candidate an imported registration number belongs to.

    Written by the exams import (first accepted row wins, batched with the exams) and read for all
    the registration numbers of a file with BatchGetItem, so a later file that gives the number to
    another candidate is rejected. Not on GSI1: ``REG#`` lookups on GSI1 return only exams.
    """

    candidate_id = UnicodeAttribute()
    registration_number = UnicodeAttribute()
    import_source = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute(null=True)

    @classmethod
    def key(cls, registration_number: str) -> tuple[str, str]:
        return keys.registration_pk(registration_number), keys.OWNER


class CECreditItem(TableItem):
    """``CAND#<id> / CE#<external_id>``: one continuing-education activity."""

    sort_key = keys.CE_PREFIX

    candidate_id = UnicodeAttribute()
    external_id = UnicodeAttribute()
    activity_name = UnicodeAttribute()
    provider_name = UnicodeAttribute()
    points = NumberAttribute()
    active_date = DateAttribute()
    inactive_date = DateAttribute()  # active_date + CE validity
    status = UnicodeAttribute(default="active")  # "active" | "inactive" | "void" (an operator voided it)
    source = UnicodeAttribute(default="CertTrack")
    import_source = UnicodeAttribute(null=True)
    review = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)

    due_index = DueIndex()


class CertificationItem(TableItem):
    """``CAND#<id> / CERT#<cert_id>``: the candidate's standing in one certification.

    GSI2 carries the next date the expiry check must look at (a reminder or the expiry).
    """

    sort_key = keys.CERT_PREFIX

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute()
    status = UnicodeAttribute()  # "in_progress" | "active" | "expired" | "revoked"
    started = DateAttribute(null=True)  # the first counting event
    active_date = DateAttribute(null=True)  # start of the current certification period
    expiration_date = DateAttribute(null=True)
    first_earned = DateAttribute(null=True)  # for 10/15/20-year achievement logos
    verification_code = UnicodeAttribute(null=True)
    updated_at = UTCDateTimeAttribute(null=True)
    # A manual grant (the rules engine replays it like evidence); null when earned by evidence.
    granted_on = DateAttribute(null=True)
    granted_until = DateAttribute(null=True)
    # An operator's extension: the period that expired on ``extended_from`` expires on ``extended_to``.
    extended_from = DateAttribute(null=True)
    extended_to = DateAttribute(null=True)
    revoked_on = DateAttribute(null=True)
    revocation_lifted_on = DateAttribute(null=True)  # a grant after a revocation: a fresh start that day
    # Set when the certificate is reissued (a name correction): the PDF of the period is rendered
    # again under a key with this edition, with a new verification code.
    certificate_edition = UnicodeAttribute(null=True)

    due_index = DueIndex()


class HistoryItem(TableItem):
    """``CAND#<id> / HIST#<date>#<event id>``: "Passed exam 200-301", "Certification earned" …"""

    sort_key = keys.HISTORY_PREFIX

    candidate_id = UnicodeAttribute()
    cert_id = UnicodeAttribute(null=True)
    date = DateAttribute()
    event = UnicodeAttribute()
    # What wrote it: "exam" (an imported pass; ``exam_code`` set) or "rules" (the engine's events,
    # rewritten on every evaluation). Null for events written by other features.
    source = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    exam_code = UnicodeAttribute(null=True)


class CounterItem(TableItem):
    """``COUNTER#<name> / COUNTER``: a sequence (expert numbers), incremented with an atomic ADD."""

    value = NumberAttribute(default=0)


class AgreementItem(TableItem):
    """``CAND#<id> / AGREE#<agreement id>``: a signed certification agreement."""

    sort_key = keys.AGREEMENT_PREFIX

    candidate_id = UnicodeAttribute()
    name = UnicodeAttribute()
    active_date = UnicodeAttribute()
    expires = UnicodeAttribute(null=True)  # None = never
