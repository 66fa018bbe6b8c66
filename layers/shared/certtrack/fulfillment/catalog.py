"""The kit catalog as one candidate sees it: kits of the certifications they hold, the
unclaimed initial kit of each at 0, everything else at the program's price (the prices and the
free-kit rule are :mod:`certtrack.fulfillment.pricing`; this module reads what is held and claimed).

Who may order: a candidate orders the kits of certifications they *hold* now (standing
``active`` that day, :mod:`certtrack.program.standing`). An expired certification's certificate or plaque
would attest to something no longer true, so expired ones are not offered.
"""

from __future__ import annotations

from datetime import datetime

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.fields import Schema
from certtrack.fulfillment.models import ClaimItem
from certtrack.fulfillment.payments import accepted_methods
from certtrack.fulfillment.pricing import Offer, build_offer
from certtrack.program.catalog import load_catalog
from certtrack.program.standing import is_current


class CatalogLine(Schema):
    sku: str
    name: str
    kind: str
    certification_id: str
    price_cents: int
    currency: str
    initial_kit: bool


class CatalogOut(Schema):
    """``GET /me/fulfillment/catalog``."""

    items: list[CatalogLine]
    tracking_fee_cents: int
    payment_methods: list[str]


def held_cert_ids(candidate_id: str, now: datetime) -> set[str]:
    """One Query over the candidate's ``CERT#`` items."""
    today = now.date()
    items = CertificationItem.query(keys.candidate_pk(candidate_id), CertificationItem.SK.startswith(keys.CERT_PREFIX))
    return {item.cert_id for item in items if is_current(item, today)}


def claimed_cert_ids(candidate_id: str) -> set[str]:
    """One Query over the candidate's ``CLAIM#`` items (consistent: a claim was just written)."""
    items = ClaimItem.query(
        keys.candidate_pk(candidate_id), ClaimItem.SK.startswith(keys.CLAIM_PREFIX), consistent_read=True
    )
    return {item.cert_id for item in items}


def offer_for(candidate_id: str, now: datetime) -> Offer:
    return build_offer(
        load_catalog(), held_cert_ids(candidate_id, now), claimed_cert_ids(candidate_id), accepted_methods()
    )


def catalog_view(candidate_id: str, now: datetime) -> CatalogOut:
    """The offer; with no payment method (payments switched off) only what is free."""
    offer = offer_for(candidate_id, now)
    lines = [line for line in offer.lines if offer.payment_methods or line.price_cents == 0]
    return CatalogOut(
        items=[CatalogLine(**line.__dict__) for line in lines],
        tracking_fee_cents=offer.tracking_fee_cents,
        payment_methods=list(offer.payment_methods),
    )
