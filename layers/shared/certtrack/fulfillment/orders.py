"""Placing an order: validate the SKUs, price on the server, authorise the payment, then write
everything in ONE transaction, capture, and send the confirmation.

The transaction holds the order, one fulfillment item + pointer + verification code per kit, the
claim item of each free initial kit (``attribute_not_exists``: the once-only guarantee, also under
concurrent requests), a condition check that each certification is still held, and the
e-commerce transaction record. If it fails on a claim, the payment authorisation is voided and
the caller gets 409 ``initial_kit_already_claimed``; a declined payment writes nothing (402).

Requests are idempotent per candidate and ``Idempotency-Key`` (Powertools idempotency, records in
our table under ``IDEMPOTENCY#orders``): the same key and body replay the first 201 response; the
same key with another body is 422 ``idempotency_key_reused``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ConfigDict, Field, StringConstraints
from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.transactions import TransactWrite

from certtrack import email, keys, verification
from certtrack.certifications.models import CertificationItem
from certtrack.dates import iso_instant
from certtrack.db import CONDITION_FAILED, TRANSACTION_CONFLICT, cancellation_codes
from certtrack.errors import BadRequest, Conflict, ServiceUnavailable, Unprocessable
from certtrack.fields import Schema
from certtrack.fulfillment.catalog import Offer, OfferLine, offer_for
from certtrack.fulfillment.models import (
    ClaimItem,
    FulfillmentItem,
    FulfillmentPointerItem,
    OrderItem,
    OrderLine,
    TransactionItem,
)
from certtrack.fulfillment.payments import Authorization, PaymentProvider, PaymentRequired, get_provider
from certtrack.fulfillment.shipping import ShippingAddress, get_address
from certtrack.settings import get_settings

logger = Logger(child=True)
metrics = Metrics()  # shares the handler's metric set; flushed by its log_metrics

# A transaction holds at most 100 items: per kit a fulfillment, a pointer and a verification
# code, per certification a claim and a condition check, plus the order and the transaction.
MAX_SKUS = 10
IDEMPOTENCY_SECONDS = 24 * 60 * 60
MAX_KEY_LENGTH = 128
PROCESSING_NOTICE = "Please allow 6-8 weeks for processing and shipping."

Sku = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class OrderRequest(Schema):
    """``POST /me/fulfillment/orders``. Prices are never accepted from the client."""

    model_config = ConfigDict(extra="forbid")

    skus: list[Sku] = Field(max_length=MAX_SKUS)
    tracking: bool = False
    payment_method: Annotated[str, StringConstraints(max_length=32)] | None = None


class OrderedKit(Schema):
    sku: str
    name: str
    kind: str
    certification_id: str
    price_cents: int
    initial_kit: bool
    fulfillment_id: str
    verification_code: str


class OrderOut(Schema):
    """201 body of ``POST /me/fulfillment/orders`` (replayed as is for the same key and body)."""

    order_id: str
    items: list[OrderedKit]
    tracking: bool
    tracking_fee_cents: int
    total_cents: int
    currency: str
    payment_method: str | None
    status: str


@dataclass(frozen=True)
class PricedOrder:
    lines: tuple[OfferLine, ...]
    tracking_fee_cents: int
    total_cents: int
    currency: str
    payment_method: str | None


def _unprocessable(code: str, detail: str, errors: list[tuple[str, str]]) -> Unprocessable:
    return Unprocessable(
        detail,
        code=code,
        extra={"errors": [{"field": field, "message": message, "type": code} for field, message in errors]},
    )


def _sku_errors(offer: Offer, skus: list[str], known: Callable[[str], bool]) -> list[tuple[str, str, str]]:
    errors: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for index, sku in enumerate(skus):
        field = f"skus.{index}"
        if sku in seen:
            errors.append(("duplicate_sku", field, f"{sku} is listed more than once"))
        elif not known(sku):
            errors.append(("unknown_sku", field, f"{sku} is not a kit of the program"))
        elif offer.line(sku) is None:
            errors.append(("sku_not_held", field, f"{sku} belongs to a certification you do not hold"))
        seen.add(sku)
    return errors


def price_order(offer: Offer, request: OrderRequest, known: Callable[[str], bool]) -> PricedOrder:
    """Pure: validate the SKUs and payment method against the candidate's offer and total it.

    ``known`` tells whether a SKU exists in the program at all (unknown vs not held).
    """
    if not request.skus:
        raise _unprocessable("empty_order", "Choose at least one kit.", [("skus", "must list at least one kit")])
    errors = _sku_errors(offer, request.skus, known)
    if errors:
        code = errors[0][0]
        raise _unprocessable(code, "Some kits cannot be ordered.", [(field, message) for _, field, message in errors])
    lines = tuple(line for sku in request.skus if (line := offer.line(sku)) is not None)
    fee = offer.tracking_fee_cents if request.tracking else 0
    total = sum(line.price_cents for line in lines) + fee
    method = request.payment_method
    if method is not None and method not in offer.payment_methods:
        raise _unprocessable(
            "unknown_payment_method",
            "That payment method is not accepted.",
            [("payment_method", f"must be one of {', '.join(offer.payment_methods)}")],
        )
    if total > 0 and method is None:
        raise _unprocessable(
            "payment_method_required",
            "This order has a price: choose a payment method.",
            [("payment_method", "required when the total is above 0")],
        )
    return PricedOrder(
        lines=lines,
        tracking_fee_cents=fee,
        total_cents=total,
        currency=offer.currency,
        payment_method=method if total > 0 else None,
    )


def new_id(now: datetime) -> str:
    """Time-ordered, unguessable ids (sort keys list newest last)."""
    return f"{now.astimezone(UTC):%Y%m%d%H%M%S}-{secrets.token_hex(4)}"


def format_money(cents: int, currency: str) -> str:
    amount = f"{cents / 100:,.2f}"
    return f"${amount}" if currency == "USD" else f"{amount} {currency}"


# --- the transaction ------------------------------------------------------------------------------


@dataclass
class _Kit:
    line: OfferLine
    fulfillment_id: str
    code: verification.VerificationItem


def _ordered_kit(kit: _Kit) -> OrderedKit:
    """One kit as the order item stores it and the 201 body echoes it."""
    return OrderedKit(
        sku=kit.line.sku,
        name=kit.line.name,
        kind=kit.line.kind,
        certification_id=kit.line.certification_id,
        price_cents=kit.line.price_cents,
        initial_kit=kit.line.initial_kit,
        fulfillment_id=kit.fulfillment_id,
        verification_code=kit.code.code,
    )


def _totals(priced: PricedOrder) -> dict[str, Any]:
    """The order's price summary, stored on the order item and echoed in the 201 body."""
    return {
        "tracking": priced.tracking_fee_cents > 0,
        "tracking_fee_cents": priced.tracking_fee_cents,
        "total_cents": priced.total_cents,
        "currency": priced.currency,
        "payment_method": priced.payment_method,
    }


class _Retry(Exception):
    """A verification code collided (astronomically rare) or DynamoDB saw a concurrent transaction."""


def _description(priced: PricedOrder) -> str:
    names = ", ".join(line.name for line in priced.lines)
    return f"Certification kits: {names}" + (" + tracked shipping" if priced.tracking_fee_cents else "")


def _write_once(
    candidate_id: str,
    order_id: str,
    priced: PricedOrder,
    address: ShippingAddress,
    auth: Authorization | None,
    now: datetime,
) -> tuple[OrderItem, list[_Kit], TransactionItem]:
    pk = keys.candidate_pk(candidate_id)
    kits = []
    for line in priced.lines:
        fid = new_id(now)
        kits.append(
            _Kit(
                line,
                fid,
                verification.new_item("fulfillment", candidate_id, keys.fulfillment_sk(fid), line.certification_id),
            )
        )
    order = OrderItem(
        pk,
        keys.order_sk(order_id),
        candidate_id=candidate_id,
        order_id=order_id,
        lines=[OrderLine(**_ordered_kit(k).model_dump()) for k in kits],
        **_totals(priced),
        authorization_id=auth.id if auth else None,
        status="submitted",
        ship_to=address.to_attribute(),
        created_at=now,
    )
    txn_id = secrets.token_hex(8)
    txn = TransactionItem(
        pk,
        keys.transaction_sk(iso_instant(now), txn_id),
        candidate_id=candidate_id,
        txn_id=txn_id,
        order_id=order_id,
        date=now,
        description=_description(priced),
        amount_cents=priced.total_cents,
        currency=priced.currency,
        payment_method=priced.payment_method,
        status="authorized" if auth else "no_charge",
        authorization_id=auth.id if auth else None,
    )
    checks = sorted({k.line.certification_id for k in kits})
    labels: list[tuple[str, str]] = [("check", cert_id) for cert_id in checks]
    try:
        with TransactWrite(connection=Connection(region=get_settings().region)) as tx:
            for cert_id in checks:
                tx.condition_check(
                    CertificationItem, pk, keys.cert_sk(cert_id), condition=CertificationItem.status == "active"
                )
            tx.save(order, condition=OrderItem.PK.does_not_exist())
            labels.append(("order", order_id))
            for k in kits:
                tx.save(_fulfillment(candidate_id, order_id, k, now), condition=FulfillmentItem.PK.does_not_exist())
                tx.save(
                    FulfillmentPointerItem(
                        keys.fulfillment_pk(k.fulfillment_id),
                        keys.FULFILLMENT_POINTER,
                        candidate_id=candidate_id,
                        fulfillment_id=k.fulfillment_id,
                        order_id=order_id,
                    ),
                    condition=FulfillmentPointerItem.PK.does_not_exist(),
                )
                tx.save(k.code, condition=verification.VerificationItem.PK.does_not_exist())
                labels += [("fulfillment", k.fulfillment_id), ("pointer", k.fulfillment_id), ("verify", k.code.code)]
                if k.line.initial_kit:
                    claim = ClaimItem(
                        pk,
                        keys.claim_sk(k.line.certification_id),
                        candidate_id=candidate_id,
                        cert_id=k.line.certification_id,
                        order_id=order_id,
                        fulfillment_id=k.fulfillment_id,
                        claimed_at=now,
                    )
                    tx.save(claim, condition=ClaimItem.SK.does_not_exist())
                    labels.append(("claim", k.line.certification_id))
            tx.save(txn, condition=TransactionItem.PK.does_not_exist())
            labels.append(("transaction", txn_id))
    except TransactWriteError as error:
        _raise_for_cancellation(error, labels)
    return order, kits, txn


def _fulfillment(candidate_id: str, order_id: str, kit: _Kit, now: datetime) -> FulfillmentItem:
    return FulfillmentItem(
        keys.candidate_pk(candidate_id),
        keys.fulfillment_sk(kit.fulfillment_id),
        candidate_id=candidate_id,
        fulfillment_id=kit.fulfillment_id,
        order_id=order_id,
        sku=kit.line.sku,
        name=kit.line.name,
        kind=kit.line.kind,
        cert_id=kit.line.certification_id,
        verification_code=kit.code.code,
        status="queued",
        queued=now,
        GSI1PK=keys.kits_gsi("queued"),
        GSI1SK=keys.kits_gsi_sk(now.isoformat(), kit.fulfillment_id),
    )


def _raise_for_cancellation(error: TransactWriteError, labels: list[tuple[str, str]]) -> None:
    codes = cancellation_codes(error)
    failed = {labels[i][0] for i, code in enumerate(codes) if code == CONDITION_FAILED}
    conflicted = TRANSACTION_CONFLICT in codes
    if "claim" in failed:
        raise Conflict(
            "The free initial kit of this certification has already been claimed.", code="initial_kit_already_claimed"
        ) from error
    if "check" in failed:
        raise Conflict("A certification in this order is no longer held.", code="certification_not_held") from error
    if failed <= {"verify", "fulfillment", "pointer"} and (failed or conflicted):
        raise _Retry() from error
    raise error


def _write(
    candidate_id: str,
    order_id: str,
    priced: PricedOrder,
    address: ShippingAddress,
    auth: Authorization | None,
    now: datetime,
) -> tuple[OrderItem, list[_Kit], TransactionItem]:
    for _ in range(3):
        try:
            return _write_once(candidate_id, order_id, priced, address, auth, now)
        except _Retry:
            continue
    raise ServiceUnavailable("The order could not be saved; please retry.", headers={"Retry-After": "1"})


# --- the use case ---------------------------------------------------------------------------------


def _void_quietly(provider: PaymentProvider, auth: Authorization) -> None:
    try:
        provider.void(auth.id)
    except Exception:  # the original failure matters more; the provider expires stale holds
        logger.exception("payment void failed", extra={"authorization_id": auth.id})


def _capture(provider: PaymentProvider, auth: Authorization, txn: TransactionItem) -> str:
    """Capture after the write; a failed capture leaves the order and an ``authorized`` record."""
    try:
        provider.capture(auth.id)
        txn.update(actions=[TransactionItem.status.set("captured")], condition=TransactionItem.PK.exists())
    except Exception:
        logger.exception("payment capture failed", extra={"authorization_id": auth.id})
        return "authorized"
    return "captured"


def _send_confirmation(address: ShippingAddress, out: OrderOut) -> None:
    context = {
        "first_name": address.first_name,
        "order_id": out.order_id,
        "items": [{"name": k.name, "price": format_money(k.price_cents, out.currency)} for k in out.items],
        "tracking": out.tracking,
        "tracking_fee": format_money(out.tracking_fee_cents, out.currency),
        "total": format_money(out.total_cents, out.currency),
        "notice": PROCESSING_NOTICE,
        "history_url": f"{get_settings().public_base_url}/app/#/fulfillment/history",
    }
    try:
        email.send_template(address.email, "order_confirmation", context)
    except ServiceUnavailable:
        # The order stands; the history page shows it. Never fail a paid order on email.
        logger.warning("order confirmation email not sent", extra={"order_id": out.order_id})


def execute_order(
    candidate_id: str, request: OrderRequest, now: datetime, provider: PaymentProvider | None = None
) -> dict[str, Any]:
    """Validate, price, authorise, write, capture, confirm (not idempotent by itself).

    The payment provider is resolved only for a total above 0: a free initial kit needs none, so it
    works in a stack whose payments are switched off.
    """
    from certtrack.program.catalog import load_catalog

    offer = offer_for(candidate_id, now)
    catalog = load_catalog()
    priced = price_order(offer, request, known=lambda sku: catalog.kit(sku) is not None)
    address = get_address(candidate_id)
    if address is None:
        raise _unprocessable(
            "shipping_address_required",
            "Save a shipping address before ordering.",
            [("shipping_address", "required: PUT /me/shipping-address first")],
        )
    order_id = new_id(now)
    auth: Authorization | None = None
    if priced.total_cents > 0 and priced.payment_method is not None:
        provider = provider or get_provider()
        auth = provider.authorize(priced.total_cents, priced.currency, priced.payment_method, order_id)
        if not auth.approved:
            raise PaymentRequired("The payment was declined; nothing was ordered.")
    try:
        order, kits, txn = _write(candidate_id, order_id, priced, address, auth, now)
    except BaseException:
        if auth is not None and provider is not None:
            _void_quietly(provider, auth)
        raise
    if auth is not None and provider is not None:
        _capture(provider, auth, txn)
    out = OrderOut(
        order_id=order.order_id,
        items=[_ordered_kit(k) for k in kits],
        **_totals(priced),
        status="submitted",
    )
    _send_confirmation(address, out)
    logger.info("order placed", extra={"order_id": order_id, "kits": len(kits), "total_cents": priced.total_cents})
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


def _idempotent_body(*, order: dict[str, Any], now: datetime, provider: PaymentProvider | None) -> dict[str, Any]:
    placed = execute_order(order["candidate_id"], OrderRequest.model_validate(order["body"]), now, provider)
    metrics.add_metric(name="OrdersPlaced", unit=MetricUnit.Count, value=1)  # a replayed key does not get here
    return placed


@lru_cache(maxsize=1)
def _idempotent_place() -> Callable[..., dict[str, Any]]:
    """One persistence layer (and boto3 client) per process, records in our single table."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent_function

    persistence = DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=keys.idempotency_pk("orders"),
        expiry_attr="expires_at",  # the table's TTL attribute: DynamoDB removes stale records
    )
    decorated: Callable[..., dict[str, Any]] = idempotent_function(
        _idempotent_body,
        data_keyword_argument="order",
        persistence_store=persistence,
        config=_config(),
        key_prefix="orders",
    )
    return decorated


def reset_clients_for_tests() -> None:
    _idempotent_place.cache_clear()


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
    lambda_context: LambdaContext | None = None,
) -> dict[str, Any]:
    """The idempotent entry point: same candidate + key + body → the first response again."""
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyPersistenceLayerError,
        IdempotencyValidationError,
    )

    key = check_idempotency_key(idempotency_key)
    if lambda_context is not None:
        # Lets a crashed attempt's in-progress record expire with the invocation, not after 24 h.
        _config().register_lambda_context(lambda_context)
    data = {"candidate_id": candidate_id, "idempotency_key": key, "body": request.model_dump(mode="json")}
    try:
        return _idempotent_place()(order=data, now=now, provider=provider)
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
