"""The holder's side of a transcript: profile, certifications and shipping address in ONE Query.

Those items share the partition ``CAND#<id>`` with SKs ``CERT#…``, ``PROFILE`` and ``SHIPPING``.
A filter expression may not name the sort key, and the three do not share a prefix, so the query's
key condition is the narrowest range that covers them: ``SK BETWEEN "CERT#" AND "SHIPPING"`` (or
``… AND "PROFILE"`` when no address is needed). Items of other types sorting inside that range
(claims, exams, fulfillment, history, orders, reminders) are read and dropped here; they are small,
so a view stays one request (more only past DynamoDB's 1 MB page). Each item comes back as its
model (``db.query_partition``); the shipping address is identity's ``ShippingAddressItem``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.db import query_partition
from certtrack.identity.models import CandidateItem, ShippingAddressItem

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


def _address(item: ShippingAddressItem) -> dict[str, str | None] | None:
    """The Latin-script lines of the shipping address (None when none of them is set)."""
    stored = item.address
    if stored is None:
        return None
    values: dict[str, str | None] = {name: getattr(stored, name, None) for name in ADDRESS_FIELDS}
    if not any(values.values()):
        return None
    return values


def load_holder(candidate_id: str, *, with_address: bool) -> Holder:
    """Profile + certifications (+ shipping address) of one candidate, in one Query."""
    upper = keys.SHIPPING if with_address else keys.PROFILE
    holder = Holder(candidate=None)
    for item in query_partition(keys.candidate_pk(candidate_id), between=(keys.CERT_PREFIX, upper)):
        match item:
            case CandidateItem():
                holder.candidate = item
            case CertificationItem():
                holder.certifications.append(item)
            case ShippingAddressItem():
                holder.address = _address(item)
    return holder
