"""Operators move a kit along ``queued → sent → complete``; each step is stamped, every other
transition is 409 ``invalid_transition``, and the update is conditional on the status read (two
operators clicking at once cannot both win). The candidate is emailed when the kit is sent.

Operators find the kits to work on with ``GET /ops/fulfillment?status=queued``: one Query on GSI1
``KITS#<status>`` (oldest first, paged) and one BatchGet of the pages' orders for the addresses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict
from pynamodb.exceptions import UpdateError

from certtrack import email, keys, paging
from certtrack.db import condition_failed
from certtrack.errors import Conflict, NotFound, ServiceUnavailable
from certtrack.fields import Schema
from certtrack.fulfillment.history import FulfillmentEntry, fulfillment_entry
from certtrack.fulfillment.models import FulfillmentItem, FulfillmentPointerItem, OrderItem
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.settings import get_settings

logger = Logger(child=True)

# target status → the status it must come from
TRANSITIONS: dict[str, str] = {"sent": "queued", "complete": "sent"}


class StatusChange(Schema):
    """``PUT /ops/fulfillment/{fulfillment_id}``."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["sent", "complete"]


KitStatus = Literal["queued", "sent", "complete"]


class KitToShip(FulfillmentEntry):
    """One kit of an operator's list: the kit, whose it is and where it goes."""

    candidate_id: str
    sku: str
    tracking: bool
    ship_to: ShippingAddress | None  # None only if the order record is missing


class KitPage(Schema):
    """``GET /ops/fulfillment``."""

    items: list[KitToShip]
    next: str | None


def list_kits(status: KitStatus, limit: int, cursor: str | None) -> KitPage:
    """Kits in ``status``, the longest waiting first: one Query on GSI1, one BatchGet of orders."""
    gsi_pk = keys.kits_gsi(status)
    start = paging.decode_key(
        cursor,
        lambda raw: set(raw) == {"PK", "SK", "GSI1PK", "GSI1SK"} and raw["GSI1PK"] == {"S": gsi_pk},
    )
    results = FulfillmentItem.lookup_index.query(gsi_pk, limit=limit, last_evaluated_key=start)
    kits = [item for item in results if isinstance(item, FulfillmentItem)]
    order_keys = [(keys.candidate_pk(kit.candidate_id), keys.order_sk(kit.order_id)) for kit in kits]
    orders = {(order.PK, order.SK): order for order in OrderItem.batch_get(set(order_keys))} if kits else {}
    items = []
    for kit, order_key in zip(kits, order_keys, strict=True):
        order = orders.get(order_key)
        items.append(
            KitToShip(
                **fulfillment_entry(kit).model_dump(),
                candidate_id=kit.candidate_id,
                sku=kit.sku,
                tracking=bool(order and order.tracking),
                ship_to=ShippingAddress.from_attribute(order.ship_to) if order else None,
            )
        )
    return KitPage(items=items, next=paging.encode_key(results.last_evaluated_key))


def check_transition(current: str, target: str) -> None:
    if TRANSITIONS.get(target) != current:
        raise Conflict(f"A kit that is {current} cannot become {target}.", code="invalid_transition")


def _load(fulfillment_id: str) -> FulfillmentItem:
    try:
        pointer = FulfillmentPointerItem.get(keys.fulfillment_pk(fulfillment_id), keys.FULFILLMENT_POINTER)
        return FulfillmentItem.get(
            keys.candidate_pk(pointer.candidate_id), keys.fulfillment_sk(fulfillment_id), consistent_read=True
        )
    except (FulfillmentPointerItem.DoesNotExist, FulfillmentItem.DoesNotExist) as error:
        raise NotFound("No such fulfillment.", code="fulfillment_not_found") from error


def change_status(fulfillment_id: str, target: str, now: datetime) -> FulfillmentEntry:
    """Two GetItems (pointer, kit) and one conditional UpdateItem; an email when sent."""
    item = _load(fulfillment_id)
    current = item.status
    check_transition(current, target)
    stamp = FulfillmentItem.sent if target == "sent" else FulfillmentItem.complete
    try:
        item.update(
            actions=[
                FulfillmentItem.status.set(target),
                stamp.set(now),
                FulfillmentItem.GSI1PK.set(keys.kits_gsi(target)),
                FulfillmentItem.GSI1SK.set(keys.kits_gsi_sk(now.isoformat(), fulfillment_id)),
            ],
            condition=FulfillmentItem.status == current,
        )
    except UpdateError as error:
        if condition_failed(error):
            raise Conflict("The kit's status changed meanwhile; reload it.", code="invalid_transition") from error
        raise
    if target == "sent":
        _send_shipped(item)
    return fulfillment_entry(item)


def _send_shipped(item: FulfillmentItem) -> None:
    try:
        order = OrderItem.get(keys.candidate_pk(item.candidate_id), keys.order_sk(item.order_id))
    except OrderItem.DoesNotExist:
        logger.warning("order of a sent kit not found", extra={"fulfillment_id": item.fulfillment_id})
        return
    context = {
        "first_name": order.ship_to.first_name,
        "kit_name": item.name,
        "verification_code": item.verification_code,
        "fulfillment_id": item.fulfillment_id,
        "tracking": bool(order.tracking),
        "verify_url": f"{get_settings().public_base_url}/public/verify/{item.verification_code}",
        "history_url": f"{get_settings().public_base_url}/app/#/fulfillment/history",
    }
    try:
        email.send_template(order.ship_to.email, "kit_shipped", context)
    except ServiceUnavailable:
        # The kit did leave; the status must say so even when the mail provider is down.
        logger.warning("kit shipped email not sent", extra={"fulfillment_id": item.fulfillment_id})
