"""The holder's side of a transcript: profile, certifications and shipping address in ONE Query.

Those items share the partition ``CAND#<id>`` with SKs ``CERT#…``, ``PROFILE`` and ``SHIPPING``.
A filter expression may not name the sort key, and the three do not share a prefix, so the query's
key condition is the narrowest range that covers them: ``SK BETWEEN "CERT#" AND "SHIPPING"`` (or
``… AND "PROFILE"`` when no address is needed). Items of other types sorting inside that range
(claims, exams, fulfillment, history, orders, reminders) are read and dropped here; they are small,
so a view stays one request (the loop only continues past DynamoDB's 1 MB page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.identity.models import CandidateItem
from certtrack.transcripts.models import TranscriptItem

ADDRESS_FIELDS = ("address1", "address2", "city", "state", "postal_code", "country")


@dataclass
class Holder:
    candidate: CandidateItem | None
    certifications: list[CertificationItem] = field(default_factory=list)
    address: dict[str, str | None] | None = None

    @property
    def full_name(self) -> str:
        if self.candidate is None:
            return ""
        return f"{self.candidate.first_name} {self.candidate.last_name}".strip()

    @property
    def consents(self) -> bool:
        """False once the holder answered "No" to verification of certification.

        A missing answer counts as consent: creating and sharing a transcript is itself the
        holder's request to disclose, and only an explicit "No" withdraws it.
        """
        if self.candidate is None:
            return False
        settings = self.candidate.settings
        value: Any = settings.as_dict().get("verification_consent") if settings is not None else None
        if isinstance(value, dict):  # tolerate {"value": bool, "changed_at": …}
            value = value.get("value")
        return value is not False


def _address(raw: dict[str, Any]) -> dict[str, str | None] | None:
    """The Latin-script lines of the shipping address, as fulfillment stores it (a map ``address``)."""
    stored = (raw.get("address") or {}).get("M")
    if not isinstance(stored, dict):
        return None
    values: dict[str, str | None] = {}
    for name in ADDRESS_FIELDS:
        attr = stored.get(name) or {}
        values[name] = attr.get("S") if isinstance(attr, dict) else None
    if not any(values.values()):
        return None
    return values


def load_holder(candidate_id: str, *, with_address: bool) -> Holder:
    """Profile + certifications (+ shipping address) of one candidate, in one Query."""
    upper = keys.SHIPPING if with_address else keys.PROFILE
    # A concrete model's connection: calling it on the base TableItem would cache an index-less
    # connection that every subclass without its own would then inherit.
    connection = TranscriptItem._get_connection()
    holder = Holder(candidate=None)
    start_key: dict[str, Any] | None = None
    while True:
        page = connection.query(
            keys.candidate_pk(candidate_id),
            range_key_condition=TranscriptItem.SK.between(keys.CERT_PREFIX, upper),
            exclusive_start_key=start_key,
        )
        for raw in page.get("Items", []):
            sk = raw["SK"]["S"]
            if sk == keys.PROFILE:
                holder.candidate = CandidateItem.from_raw_data(raw)
            elif sk.startswith(keys.CERT_PREFIX):
                holder.certifications.append(CertificationItem.from_raw_data(raw))
            elif sk == keys.SHIPPING:
                holder.address = _address(raw)
        start_key = page.get("LastEvaluatedKey")
        if not start_key:
            return holder
