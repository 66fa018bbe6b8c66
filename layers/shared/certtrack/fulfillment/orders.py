"""Placing an order, the use case: price on the server, create the payment of a priced order, write
everything in ONE transaction, and answer.

A free order is ``queued`` at once (its kits on the operators' list) and confirmed by email. A
priced one is written ``awaiting_payment`` with its kits held and answers the ``payment`` the
browser confirms with the provider's JS; the provider's signed webhook then pays it
(:mod:`.order_events`). The pieces each have a module: the bodies (:mod:`.order_schemas`), prices
and the free-kit rule (:mod:`.pricing`, pure), the transaction and the reads (:mod:`.order_store`,
behind :class:`OrderStore`), the payment (:mod:`.order_payment`), the email (:mod:`.order_email`).
A lost race for the free kit cancels the payment (409 ``initial_kit_already_claimed``); a provider
that does not answer is 503 and nothing is written.

Requests are idempotent per candidate and ``Idempotency-Key`` (Powertools idempotency, records in
the store's persistence layer, ``IDEMPOTENCY#orders`` in our table): the same key and body replay
the first 201 response; the same key with another body is 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from certtrack.errors import BadRequest, Conflict, ServiceUnavailable, Unprocessable
from certtrack.fulfillment import order_payment
from certtrack.fulfillment.order_email import SendEmail, send_confirmation
from certtrack.fulfillment.order_schemas import OrderOut, OrderRequest
from certtrack.fulfillment.order_store import StoredOrder, dynamo_store, new_id
from certtrack.fulfillment.payments import PaymentProvider, accepted_methods
from certtrack.fulfillment.pricing import PricedOrder, build_offer, order_input_error, price_order
from certtrack.fulfillment.shipping import ShippingAddress

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer

logger = Logger(child=True)
metrics = Metrics()  # shares the handler's metric set; flushed by its log_metrics

IDEMPOTENCY_SECONDS = 24 * 60 * 60
MAX_KEY_LENGTH = 128


class OrderStore(Protocol):
    """What placing an order needs from storage (``order_store.DynamoOrderStore``; a fake in tests)."""

    def held_cert_ids(self, candidate_id: str, now: datetime) -> set[str]:
        """The certifications the candidate holds on ``now``'s day."""
        ...

    def claimed_cert_ids(self, candidate_id: str) -> set[str]:
        """The certifications whose free initial kit is already claimed (read consistently)."""
        ...

    def shipping_address(self, candidate_id: str) -> ShippingAddress | None: ...

    def language(self, candidate_id: str) -> str | None:
        """The candidate's chosen language (their mail's), ``None`` when never chosen."""
        ...

    def write(
        self,
        candidate_id: str,
        order_id: str,
        priced: PricedOrder,
        address: ShippingAddress,
        payment_id: str | None,
        now: datetime,
    ) -> StoredOrder:
        """All of the order at once, or nothing: ``queued`` without a payment, ``awaiting_payment``
        (kits held) with one; 409 ``initial_kit_already_claimed`` if a free kit's claim exists, 409
        ``certification_not_held`` if a certification is no longer active."""
        ...

    def idempotency_records(self) -> BasePersistenceLayer:
        """Where the idempotency records of order requests live (one instance per process)."""
        ...


def execute_order(
    candidate_id: str,
    request: OrderRequest,
    now: datetime,
    provider: PaymentProvider | None = None,
    *,
    store: OrderStore | None = None,
    send_email: SendEmail | None = None,
) -> dict[str, Any]:
    """Validate, price, create the payment, write, answer (not idempotent by itself)."""
    from certtrack.program.catalog import load_catalog

    store = store or dynamo_store()
    catalog = load_catalog()
    offer = build_offer(
        catalog, store.held_cert_ids(candidate_id, now), store.claimed_cert_ids(candidate_id), accepted_methods()
    )
    priced = price_order(offer, request, known=lambda sku: catalog.kit(sku) is not None)
    address = store.shipping_address(candidate_id)
    if address is None:
        raise order_input_error(
            "shipping_address_required",
            "Save a shipping address before ordering.",
            [("shipping_address", "required: PUT /me/shipping-address first")],
        )
    order_id = new_id(now)
    payment = order_payment.start(priced, order_id, candidate_id, provider)
    try:
        stored = store.write(candidate_id, order_id, priced, address, payment.pending.id if payment else None, now)
    except BaseException:
        if payment is not None:
            payment.cancel_quietly()
        raise
    out = OrderOut(
        order_id=stored.order_id,
        items=list(stored.kits),
        **priced.totals(),
        status=stored.status,
        payment=payment.out() if payment else None,
    )
    if payment is None:
        send_confirmation(
            address, out, send_email, language=store.language(candidate_id)
        )  # a priced order is confirmed once it is paid
    logger.info(
        "order placed",
        extra={"order_id": order_id, "kits": len(stored.kits), "total_cents": priced.total_cents, "status": out.status},
    )
    return out.model_dump(mode="json")


# --- idempotency ---------------------------------------------------------------------------------
# Powertools' idempotency package imports boto3 (its DynamoDB persistence layer): it is imported on
# the first order of a process, not when the function starts (``bench.bench_cold_import``).


@lru_cache(maxsize=1)
def _config() -> Any:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

    return IdempotencyConfig(
        event_key_jmespath="[candidate_id, idempotency_key]",
        payload_validation_jmespath="body",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_SECONDS,
        hash_function="sha256",
    )


def _idempotent_body(
    *,
    order: dict[str, Any],
    now: datetime,
    provider: PaymentProvider | None,
    store: OrderStore,
    send_email: SendEmail | None,
) -> dict[str, Any]:
    request = OrderRequest.model_validate(order["body"])
    placed = execute_order(order["candidate_id"], request, now, provider, store=store, send_email=send_email)
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)  # a replayed key does not get here
    return placed


def _idempotent(persistence: BasePersistenceLayer) -> Callable[..., dict[str, Any]]:
    """``_idempotent_body`` over the store's records (wrapping is cheap; the persistence layer is not)."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    decorated: Callable[..., dict[str, Any]] = idempotent_function(
        _idempotent_body,
        data_keyword_argument="order",
        persistence_store=persistence,
        config=_config(),
        key_prefix="orders",
    )
    return decorated


def check_idempotency_key(value: str | None) -> str:
    if value is None or not value.strip():
        raise BadRequest("The Idempotency-Key header is required.", code="idempotency_key_required")
    value = value.strip()
    if len(value) > MAX_KEY_LENGTH or not value.isascii() or not value.isprintable():
        raise BadRequest(
            f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} printable ASCII characters.",
            code="idempotency_key_invalid",
        )
    return value


def place_order(
    candidate_id: str,
    idempotency_key: str | None,
    request: OrderRequest,
    now: datetime,
    *,
    provider: PaymentProvider | None = None,
    store: OrderStore | None = None,
    send_email: SendEmail | None = None,
    lambda_context: LambdaContext | None = None,
) -> dict[str, Any]:
    """The idempotent entry point: same candidate + key + body → the first response again."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    key = check_idempotency_key(idempotency_key)
    store = store or dynamo_store()
    if lambda_context is not None:
        # Lets a crashed attempt's in-progress record expire with the invocation, not after 24 h.
        _config().register_lambda_context(lambda_context)
    data = {"candidate_id": candidate_id, "idempotency_key": key, "body": request.model_dump(mode="json")}
    try:
        return _idempotent(store.idempotency_records())(
            order=data, now=now, provider=provider, store=store, send_email=send_email
        )
    except IdempotencyValidationError as error:
        raise Unprocessable(
            "This Idempotency-Key was already used with a different order; use a new key.",
            code="idempotency_key_reused",
        ) from error
    except IdempotencyAlreadyInProgressError as error:
        raise Conflict(
            "An order with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_key_in_progress",
            headers={"Retry-After": "2"},
        ) from error
    except IdempotencyPersistenceLayerError as error:
        logger.warning("idempotency store unavailable", extra={"error_type": type(error).__name__})
        raise ServiceUnavailable("The service is busy; retry shortly.", headers={"Retry-After": "1"}) from error
