"""What the program holds about a candidate, item type by item type: the export's section of each
type in the candidate's partition, and what an erasure deletes.

Every item type whose ``sort_key`` is registered lives either in the candidate's partition (then it
has a section here) or elsewhere (then it is in ``OUTSIDE_PARTITION``); a test fails when a new
type is in neither. An item of a type nobody registered still reaches the export, under ``other``.

The erasure policy (README, "Privacy"; docs/notes/identity.md): a login's erasure deletes what the
candidate gave the program for their own use and no record needs: the shipping address, the
transcripts (their public links then show nothing), the logo acceptances and the editable
attributes (job title). It keeps what verification and the program's records need: the profile
(candidate id, name, email), exams, CE credits, certifications and their history, agreements and
verification codes, badges, kit claims, orders, kits and transactions (accounting), reminders sent,
and every audit item.
"""

from __future__ import annotations

from certtrack.badges.models import BadgeItem, CredentialItem, StatusChunkItem
from certtrack.certifications.import_chunks import ImportChunkItem, ImportRunItem
from certtrack.certifications.import_records import ImportRecordItem
from certtrack.certifications.logos import LogoAcceptanceItem
from certtrack.certifications.models import AgreementItem, CECreditItem, CertificationItem, ExamItem, HistoryItem
from certtrack.certifications.reminders import ReminderItem
from certtrack.db import TableItem
from certtrack.fulfillment.models import ClaimItem, FulfillmentItem, OrderItem, TransactionItem
from certtrack.identity.models import (
    CandidateItem,
    MergeItem,
    SettingsAuditItem,
    ShippingAddressItem,
    SupportCaseItem,
    SupportCaseRefItem,
)
from certtrack.identity.operator_audit import OperatorAuditItem
from certtrack.privacy.models import PrivacyAuditItem
from certtrack.transcripts.models import TranscriptItem

# The export's sections of the candidate's partition, in the order the file lists them.
SECTIONS: dict[type[TableItem], str] = {
    CandidateItem: "profile",
    SettingsAuditItem: "settings_audit",
    ExamItem: "exams",
    CECreditItem: "ce_credits",
    CertificationItem: "certifications",
    HistoryItem: "certification_history",
    AgreementItem: "agreements",
    LogoAcceptanceItem: "logo_acceptances",
    ShippingAddressItem: "shipping_address",
    ClaimItem: "kit_claims",
    OrderItem: "orders",
    FulfillmentItem: "fulfillments",
    TransactionItem: "transactions",
    TranscriptItem: "transcripts",
    ReminderItem: "reminders_sent",
    BadgeItem: "badges",
    OperatorAuditItem: "operator_audit",
    SupportCaseRefItem: "support_case_refs",
    PrivacyAuditItem: "privacy_audit",
}
# Items of the partition whose type no model registers (none today): exported as they are stored.
OTHER = "other"

# Registered item types that never live in a candidate's partition. The credentials of the
# candidate's badges are exported by their ids (``credentials``); a status list and a console
# import are about no one; support cases (and their merges) are reached from the case pointers.
OUTSIDE_PARTITION: frozenset[type[TableItem]] = frozenset(
    {CredentialItem, StatusChunkItem, ImportRecordItem, ImportRunItem, ImportChunkItem, SupportCaseItem, MergeItem}
)

# What a login's erasure deletes from the partition (everything else stays).
ERASABLE: frozenset[type[TableItem]] = frozenset({ShippingAddressItem, TranscriptItem, LogoAcceptanceItem})


def section_of(model: type[TableItem]) -> str:
    return SECTIONS.get(model, OTHER)
