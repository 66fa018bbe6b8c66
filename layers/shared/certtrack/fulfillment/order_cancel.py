"""An operator cancels an order that has not shipped, the use case behind
``POST /ops/orders/{order_id}/cancel``.

The order is found by its id alone (its ``ORDER#<id>`` pointer). Nothing of it may have been sent
(409 ``order_shipped``). Then, by the order's status:

- ``paid`` → the whole payment is refunded at the provider (idempotency key ``refund-<payment>``;
  a payment that already has a refund is not refunded again), then the release;
- ``awaiting_payment`` → the provider is asked where the payment stands: a pending one is
  cancelled (the browser can no longer pay it), one cancelled already is left as it is, one that
  has just succeeded is 409 ``payment_settling`` until its webhook has made the order ``paid``
  (then the cancel refunds it);
- ``queued`` (a free order, nothing charged) → the release alone.

The release (``order_release``, one transaction): the order ``cancelled`` (conditional on the
status read), its kits ``cancelled`` (conditional on not being sent), their verification codes and
the free-kit claims deleted, the transaction record (``refunded`` or ``cancelled``) and the
operator's audit item (who, when, what, why). Then the candidate is emailed, once: only the call
whose release applied sends it.

Money first, then the release: when the refund went through and the release did not (DynamoDB
down, the function timed out), the order is still ``paid`` and a retry of the same cancel refunds
nothing more and finishes the release. An order already cancelled (or expired) is 409
``order_not_cancellable``, also for a repeated cancel: the first answer said what happened, the
order's transactions say it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal, Protocol

from aws_lambda_powertools import Logger
from pydantic import ConfigDict

from certtrack.auth import Login
from certtrack.errors import Conflict, NotFound
from certtrack.fields import PublicText, Schema
from certtrack.fulfillment.order_email import SendEmail, send_cancellation
from certtrack.fulfillment.order_events import PayableOrder
from certtrack.fulfillment.order_release import BY_OPERATOR, OperatorAction, OrderReleases, Release
from certtrack.fulfillment.payments import PaymentProvider, get_provider

logger = Logger(child=True)

REASON_MAX = 500
# A status change racing the cancel makes the release stale: read again and decide again.
ATTEMPTS = 3
NOT_SENT = frozenset({"awaiting_payment", "queued"})


class OrderLookup(OrderReleases, Protocol):
    """The release's records plus finding an order by id (``order_store.DynamoOrderStore``)."""

    def find_order(self, order_id: str) -> PayableOrder | None: ...


class CancelRequest(Schema):
    """``POST /ops/orders/{order_id}/cancel``: why (kept in the audit item, not sent to the candidate)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, PublicText(max_length=REASON_MAX, min_length=1, multiline=True)]


class CancelOut(Schema):
    """200 body: the order's new status and whether its payment was given back."""

    order_id: str
    status: Literal["cancelled"]
    refunded: bool


def cancel_order(
    order_id: str,
    request: CancelRequest,
    login: Login,
    now: datetime,
    *,
    provider: PaymentProvider | None = None,
    store: OrderLookup | None = None,
    send_email: SendEmail | None = None,
) -> CancelOut:
    from certtrack.fulfillment.order_store import dynamo_store

    store = store or dynamo_store()
    order = store.find_order(order_id)
    if order is None:
        raise NotFound("No order has this id.", code="order_not_found")
    operator = OperatorAction(login_sub=login.sub, login_username=login.username, reason=request.reason)
    for _ in range(ATTEMPTS):
        _check_cancellable(order, store)
        release = _settle_payment(order, operator, provider)
        outcome = store.release(order, release, now)
        if outcome == "applied":
            logger.info("order cancelled by an operator", extra={"order_id": order_id, "refunded": release.refunded})
            send_cancellation(
                order.address,
                order.out,
                refunded=release.refunded,
                send=send_email,
                language=store.language(order.candidate_id),
            )
            return CancelOut(order_id=order_id, status="cancelled", refunded=release.refunded)
        if outcome == "shipped":
            if release.refunded:
                # A kit was marked sent between the check and the release: the money is back and
                # the kit is on its way. Someone has to decide; the log says which order.
                logger.error("order refunded but a kit was sent meanwhile", extra={"order_id": order_id})
            raise _shipped()
        fresh = store.payable_order(order.candidate_id, order.order_id)  # stale: it moved on
        if fresh is None:
            raise NotFound("No order has this id.", code="order_not_found")
        order = fresh
    raise Conflict("The order keeps changing; retry.", code="order_changed", headers={"Retry-After": "1"})


def _check_cancellable(order: PayableOrder, store: OrderLookup) -> None:
    if order.status not in ("paid", "awaiting_payment", "queued"):
        raise Conflict(f"The order is {order.status} already.", code="order_not_cancellable")
    if any(status not in NOT_SENT for status in store.kit_statuses(order).values()):
        raise _shipped()


def _settle_payment(order: PayableOrder, operator: OperatorAction, provider: PaymentProvider | None) -> Release:
    """Refund or cancel the order's payment at the provider; the release that says what was done."""
    if order.payment_id is None:  # a free order: nothing was charged
        return Release(status="cancelled", record="cancelled", cause=BY_OPERATOR, operator=operator)
    provider = provider or get_provider()
    if order.status == "paid":
        provider.refund(order.payment_id)
        return Release(status="cancelled", record="refunded", cause=BY_OPERATOR, refunded=True, operator=operator)
    state = provider.payment_state(order.payment_id)
    if state.status == "succeeded":
        raise Conflict(
            "The payment of this order has just succeeded; retry in a moment to cancel and refund it.",
            code="payment_settling",
            headers={"Retry-After": "5"},
        )
    if state.status == "pending":
        provider.cancel(order.payment_id)  # fails (503) if the browser pays it at this very moment
    return Release(status="cancelled", record="cancelled", cause=BY_OPERATOR, operator=operator)


def _shipped() -> Conflict:
    return Conflict("A kit of this order has been sent: it can no longer be cancelled.", code="order_shipped")
