"""The kit catalog as one candidate sees it: kits of the certifications they hold, the
unclaimed initial kit of each at 0, everything else at the program's price.

Who may order: a candidate orders the kits of certifications they *hold* now (standing
``active`` that day, :mod:`certtrack.program.standing`). An expired certification's certificate or plaque
would attest to something no longer true, so expired ones are not offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from certtrack import keys
from certtrack.certifications.models import CertificationItem
from certtrack.fields import Schema
from certtrack.fulfillment.models import ClaimItem
from certtrack.program.catalog import Catalog, load_catalog
from certtrack.program.standing import is_current


@dataclass(frozen=True)
class OfferLine:
    sku: str
    name: str
    kind: str
    certification_id: str
    price_cents: int
    currency: str
    initial_kit: bool  # True only while this line is the unclaimed (free) initial kit


@dataclass(frozen=True)
class Offer:
    lines: tuple[OfferLine, ...]
    tracking_fee_cents: int
    payment_methods: tuple[str, ...]
    currency: str

    def line(self, sku: str) -> OfferLine | None:
        return next((line for line in self.lines if line.sku == sku), None)


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


def build_offer(catalog: Catalog, held: set[str], claimed: set[str]) -> Offer:
    """Pure pricing: the catalog's kits for held certifications, the unclaimed initial kit at 0."""
    lines = []
    for cert in catalog.certifications:
        if cert.id not in held:
            continue
        for kit in cert.kits:
            free = kit.initial_kit and cert.id not in claimed
            lines.append(
                OfferLine(
                    sku=kit.sku,
                    name=kit.name,
                    kind=kit.kind,
                    certification_id=cert.id,
                    price_cents=0 if free else kit.price_cents,
                    currency=catalog.currency,
                    initial_kit=free,
                )
            )
    return Offer(
        lines=tuple(lines),
        tracking_fee_cents=catalog.tracking_fee_cents,
        payment_methods=catalog.payment_methods,
        currency=catalog.currency,
    )


def offer_for(candidate_id: str, now: datetime) -> Offer:
    return build_offer(load_catalog(), held_cert_ids(candidate_id, now), claimed_cert_ids(candidate_id))


def catalog_view(candidate_id: str, now: datetime) -> CatalogOut:
    offer = offer_for(candidate_id, now)
    return CatalogOut(
        items=[CatalogLine(**line.__dict__) for line in offer.lines],
        tracking_fee_cents=offer.tracking_fee_cents,
        payment_methods=list(offer.payment_methods),
    )
