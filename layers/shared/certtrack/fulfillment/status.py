"""Operators move a kit along ``queued → sent → complete``; each step is stamped, every other
transition is 409 ``invalid_transition``, and the update is conditional on the status read (two
operators clicking at once cannot both win). A kit whose order bought tracked shipping becomes
``sent`` only with its carrier and tracking number (``carriers``). The update and the operator's
audit item (who, when, before → after, why) are one transaction. The candidate is emailed when the
kit is sent.

Operators find the kits to work on with ``GET /ops/fulfillment?status=queued``: one Query on GSI1
``KITS#<status>`` (oldest first, paged) and one BatchGet of the pages' orders for the addresses.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from aws_lambda_powertools import Logger
from pydantic import ConfigDict, StringConstraints
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from certtrack import db, email, keys, paging
from certtrack.auth import Login
from certtrack.db import TRANSACTION_CONFLICT, cancellation_codes, condition_failed
from certtrack.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from certtrack.fields import BlankIsNone, Schema
from certtrack.fulfillment import carriers
from certtrack.fulfillment.history import FulfillmentEntry, fulfillment_entry
from certtrack.fulfillment.models import FulfillmentItem, FulfillmentPointerItem, OrderItem
from certtrack.fulfillment.shipping import ShippingAddress
from certtrack.identity import personal
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry
from certtrack.settings import get_settings

logger = Logger(child=True)

# target status → the status it must come from
TRANSITIONS: dict[str, str] = {"sent": "queued", "complete": "sent"}
# The audit item's "why" of each step: the operator records what happened to the parcel.
REASONS: dict[str, str] = {"sent": "handed to the carrier", "complete": "delivered"}
# The length applies to a given number; null and "" are "not given" (the constraint on the union
# would meet None and fail inside pydantic: a 500, not a 422).
TrackingNumber = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=carriers.TRACKING_NUMBER_MAX)] | None,
    BlankIsNone,
]


class StatusChange(Schema):
    """``PUT /ops/fulfillment/{fulfillment_id}``."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["sent", "complete"]
    # Needed to send a kit whose order bought tracked shipping; recorded for any kit sent with them.
    carrier: Annotated[carriers.CarrierCode | None, BlankIsNone] = None
    tracking_number: TrackingNumber = None


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


def change_status(fulfillment_id: str, change: StatusChange, login: Login, now: datetime) -> FulfillmentEntry:
    """Three GetItems (pointer, kit, order) and one transaction: the kit's conditional update with
    the operator's audit item; an email when sent."""
    item = _load(fulfillment_id)
    current = item.status
    check_transition(current, change.status)
    order = _order(item)
    shipment = _shipment(change, tracked=bool(order and order.tracking))
    stamp = FulfillmentItem.sent if change.status == "sent" else FulfillmentItem.complete
    actions: list[Action] = [
        FulfillmentItem.status.set(change.status),
        stamp.set(now),
        FulfillmentItem.GSI1PK.set(keys.kits_gsi(change.status)),
        FulfillmentItem.GSI1SK.set(keys.kits_gsi_sk(now.isoformat(), fulfillment_id)),
    ]
    if shipment is not None:
        actions += [FulfillmentItem.carrier.set(shipment[0]), FulfillmentItem.tracking_number.set(shipment[1])]
    try:
        with TransactWrite(connection=db.transactions_connection()) as tx:
            tx.update(item, actions=actions, condition=FulfillmentItem.status == current)
            tx.save(_audit(item, change.status, shipment, login, now), condition=OperatorAuditItem.PK.does_not_exist())
    except TransactWriteError as error:
        if condition_failed(error) or TRANSACTION_CONFLICT in cancellation_codes(error):
            raise Conflict("The kit's status changed meanwhile; reload it.", code="invalid_transition") from error
        raise
    item.status = change.status
    setattr(item, "sent" if change.status == "sent" else "complete", now)
    if shipment is not None:
        item.carrier, item.tracking_number = shipment
    if change.status == "sent" and order is not None:
        _send_shipped(item, order)
    return fulfillment_entry(item)


def _tracking_error(code: str, field: str, message: str) -> Unprocessable:
    return Unprocessable(message, code=code, extra={"errors": [{"field": field, "message": message, "type": code}]})


def _shipment(change: StatusChange, *, tracked: bool) -> tuple[str, str] | None:
    """The carrier and normalised tracking number the change records, or None; 422 in plain words
    when a tracked kit is sent without them, when only one is given, or when a kit is completed
    with them (they belong to the shipping)."""
    given = change.carrier is not None or change.tracking_number is not None
    if change.status == "complete":
        if given:
            raise _tracking_error(
                "tracking_not_applicable", "carrier", "A carrier and tracking number are given when the kit is sent."
            )
        return None
    if change.carrier is None and (tracked or given):
        raise _tracking_error(
            "tracking_required" if tracked else "carrier_required",
            "carrier",
            "This kit was bought with tracked shipping: choose the carrier." if tracked else "Choose the carrier.",
        )
    if change.carrier is not None and change.tracking_number is None:
        raise _tracking_error(
            "tracking_required",
            "tracking_number",
            "This kit was bought with tracked shipping: enter the tracking number."
            if tracked
            else "Enter the tracking number.",
        )
    if change.carrier is None or change.tracking_number is None:
        return None
    return change.carrier, carriers.normalise(change.carrier, change.tracking_number)


def _audit(
    item: FulfillmentItem, target: str, shipment: tuple[str, str] | None, login: Login, now: datetime
) -> OperatorAuditItem:
    action = f"kit_{target}"
    after = target if shipment is None else f"{target}: {shipment[0]} {shipment[1]}"
    return audit_entry(
        item.candidate_id,
        action,
        item.fulfillment_id,
        REASONS[target],
        login,
        now,
        before=item.status,
        after=after,
    )


def _order(item: FulfillmentItem) -> OrderItem | None:
    try:
        return OrderItem.get(keys.candidate_pk(item.candidate_id), keys.order_sk(item.order_id))
    except OrderItem.DoesNotExist:
        logger.warning("order of a kit not found", extra={"fulfillment_id": item.fulfillment_id})
        return None


def _send_shipped(item: FulfillmentItem, order: OrderItem) -> None:
    context = {
        "language": personal.language_of(item.candidate_id),
        "first_name": order.ship_to.first_name,
        "kit_name": item.name,
        "verification_code": item.verification_code,
        "fulfillment_id": item.fulfillment_id,
        "tracking": bool(order.tracking),
        "carrier": carriers.CARRIERS[item.carrier].name if item.carrier else None,
        "tracking_number": item.tracking_number,
        "tracking_url": carriers.tracking_url(item.carrier, item.tracking_number),
        "verify_url": f"{get_settings().public_base_url}/public/verify/{item.verification_code}",
        "history_url": f"{get_settings().public_base_url}/app/#/fulfillment/history",
    }
    try:
        email.send_template(order.ship_to.email, "kit_shipped", context)
    except ServiceUnavailable:
        # The kit did leave; the status must say so even when the mail provider is down.
        logger.warning("kit shipped email not sent", extra={"fulfillment_id": item.fulfillment_id})
