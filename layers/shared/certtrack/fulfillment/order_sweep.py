"""Unpaid orders, once a day: settle what the webhook never told us, expire what was never paid.

An order placed ``awaiting_payment`` goes on the due index (GSI2, ``ORDER:unpaid``, dated the day
it was placed) and leaves it when it is paid or released. The daily expiry check
(``certtrack.certifications.expiry``) reads the index by date shards and hands each entry to
:func:`settle_unpaid` (the scheduled handler passes it: fulfillment sits above certifications).
For an order still awaiting payment and older than ``RECONCILE_AFTER``, the provider is asked where
its payment stands:

- ``succeeded`` (the webhook never came, or has not yet) → the webhook's own code applies it
  (``order_events.apply_event`` with a ``reconcile-<payment id>`` event): paid, kits queued,
  transaction record, confirmation email. The real event arriving later is a ``duplicate``.
- ``canceled`` (cancelled at the provider, or by an earlier run whose release did not finish) →
  released as ``expired``.
- still pending and older than ``EXPIRES_AFTER`` → cancelled at the provider (the browser can no
  longer pay it), then released as ``expired`` (kits cancelled, free-kit claim free again,
  transaction record ``expired``). If the payment succeeds between the question and the cancel,
  the cancel fails and the next run pays the order; if it succeeds after the release, the webhook
  refunds it (``order_events``: an order that no longer waits is not resurrected).
- otherwise it stays on the index for the next run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from aws_lambda_powertools import Logger

from certtrack import keys
from certtrack.fulfillment.order_email import SendEmail
from certtrack.fulfillment.order_events import PayableOrder, apply_event
from certtrack.fulfillment.order_release import NOT_PAID_IN_TIME, OrderReleases, Release
from certtrack.fulfillment.payments import (
    PaymentEvent,
    PaymentProvider,
    PaymentState,
    PaymentsUnavailable,
    get_provider,
)

logger = Logger(child=True)

# The webhook normally arrives within seconds: only an order older than this is asked about.
RECONCILE_AFTER = timedelta(minutes=10)
# How long a placed order holds its kits and its free-kit claim while the candidate pays. The daily
# run releases it at its first run after this (so 24 to 48 hours after it was placed).
EXPIRES_AFTER = timedelta(hours=24)
EXPIRED = Release(status="expired", record="expired", cause=NOT_PAID_IN_TIME)


def settle_unpaid(
    pk: str,
    sk: str,
    gsi2sk: str,
    *,
    now: datetime,
    provider: PaymentProvider | None = None,
    store: OrderReleases | None = None,
    send_email: SendEmail | None = None,
) -> bool:
    """One ``ORDER:unpaid`` entry as of ``now``; True when the order was paid or released, False
    when it stays (too young, still within its time, provider unreachable) or moved since it was read."""
    from certtrack.fulfillment.order_store import dynamo_store

    store = store or dynamo_store()
    order = store.payable_order(keys.candidate_id_from_pk(pk), sk.removeprefix(keys.ORDER_PREFIX))
    if order is None or order.due != gsi2sk or order.status != "awaiting_payment" or order.payment_id is None:
        return False  # paid or released meanwhile (both take it off the index)
    age = now - order.created_at if order.created_at else EXPIRES_AFTER
    if age < RECONCILE_AFTER:
        return False
    provider = provider or get_provider()
    try:
        state = provider.payment_state(order.payment_id)
        if state.status == "succeeded":
            return _pay(order, state, now, provider, store, send_email)
        if state.status == "pending":
            if age < EXPIRES_AFTER:
                return False
            provider.cancel(order.payment_id)
    except PaymentsUnavailable:
        # Down, or the payment moved on between the question and the cancel: the next run asks again.
        logger.warning("unpaid order left for the next run", extra={"order_id": order.order_id})
        return False
    outcome = store.release(order, EXPIRED, now)
    logger.info("unpaid order expired", extra={"order_id": order.order_id, "outcome": outcome})
    return outcome == "applied"


def _pay(
    order: PayableOrder,
    state: PaymentState,
    now: datetime,
    provider: PaymentProvider,
    store: OrderReleases,
    send_email: SendEmail | None,
) -> bool:
    """The event the webhook would have applied, through the webhook's own rules."""
    event = PaymentEvent(
        id=f"reconcile-{state.id}",
        type="payment_succeeded",
        payment_id=state.id,
        order_id=state.order_id,
        candidate_id=state.candidate_id,
        amount_cents=state.amount_cents,
        currency=state.currency,
    )
    outcome = apply_event(event, now, provider, store, send_email)
    logger.info("unpaid order reconciled", extra={"order_id": order.order_id, "outcome": outcome})
    return outcome == "paid"
