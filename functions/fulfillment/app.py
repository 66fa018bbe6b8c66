"""Fulfillment API: kit catalog, shipping address, orders (idempotent), the payment provider's
webhook, kit history and status, an operator's cancel of an order."""

from __future__ import annotations

import certtrack.coldstart

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from certtrack import clock
from certtrack.api import body_bytes, current_login, make_app, make_handler, model_dump
from certtrack.auth import require_operator
from certtrack.fulfillment import catalog, history, order_cancel, order_events, order_schemas, orders, shipping, status
from certtrack.identity import current_candidate_id
from certtrack.openapi import responses

app = make_app("Kit catalog, initial-kit claim, purchases, shipping and fulfillment status")

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]


@app.get("/me/fulfillment/catalog")
def get_catalog() -> catalog.CatalogOut:
    """Kits of the certifications the caller holds; an unclaimed initial kit is priced 0."""
    return catalog.catalog_view(current_candidate_id(app), clock.now())


@app.get("/me/shipping-address", responses=responses({404: "No address saved yet"}))
def get_shipping_address() -> shipping.ShippingAddress:
    return shipping.require_address(current_candidate_id(app))


@app.put("/me/shipping-address")
def put_shipping_address(address: shipping.ShippingAddress) -> shipping.ShippingAddress:
    """Demographics in Latin script only (422 naming the field otherwise); `localized` in any script."""
    return shipping.save_address(current_candidate_id(app), address, clock.now())


@app.post(
    "/me/fulfillment/orders",
    responses=responses(
        {
            409: "initial_kit_already_claimed, idempotency_key_in_progress",
            422: "unknown_sku, sku_not_held, duplicate_sku, empty_order, idempotency_key_reused …",
            503: "payments_unavailable: the payment provider did not answer (or payments are off); nothing written",
        },
        ok=(201, "A free order `queued`, or a priced one `awaiting_payment` with its `payment` (or replayed)"),
    ),
)
def post_order(
    order: order_schemas.OrderRequest,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Response[dict[str, Any]]:
    """Prices are the server's; the free initial kit is claimable once per certification."""
    candidate_id = current_candidate_id(app)
    body = orders.place_order(candidate_id, idempotency_key, order, clock.now(), lambda_context=app.lambda_context)
    return Response(status_code=201, content_type="application/json", body=body)


@app.post(
    "/payments/webhook",
    responses=responses({400: "invalid_signature: not a signed, current event of the provider; nothing changed"}),
)
def post_payment_webhook() -> order_events.WebhookOut:
    """Public: the payment provider's signed events (`Stripe-Signature`), applied once per event id."""
    event = app.current_event
    return order_events.handle_webhook(body_bytes(event.raw_event), event.headers.get("stripe-signature"), clock.now())


@app.get("/me/fulfillment/history")
def get_history(limit: Limit = 50, next: Cursor = None) -> history.FulfillmentPage:
    return history.list_fulfillments(current_candidate_id(app), limit, next)


@app.get("/ops/fulfillment")
def get_kits(
    status_: Annotated[status.KitStatus, Query(alias="status")] = "queued", limit: Limit = 50, next: Cursor = None
) -> status.KitPage:
    """Operators only: kits in a status (default `queued`) with their shipping address, longest waiting first."""
    require_operator(current_login(app))
    return status.list_kits(status_, limit, next)


@app.put("/ops/fulfillment/<fulfillment_id>")
def put_fulfillment_status(fulfillment_id: str, change: status.StatusChange) -> dict[str, Any]:
    """Operators only: queued → sent → complete (409 `invalid_transition` otherwise); a kit bought with
    tracking is sent with its `carrier` and `tracking_number` (422 `tracking_required` otherwise)."""
    login = current_login(app)
    require_operator(login)
    return model_dump(status.change_status(fulfillment_id, change, login, clock.now()))


@app.post(
    "/ops/orders/<order_id>/cancel",
    responses=responses(
        {
            404: "order_not_found (also an order placed before orders had an id pointer)",
            409: "order_shipped, order_not_cancellable (cancelled or expired already), payment_settling",
            503: "payments_unavailable: the refund or the payment's cancel did not reach the provider",
        }
    ),
)
def post_order_cancel(order_id: str, request: order_cancel.CancelRequest) -> order_cancel.CancelOut:
    """Operators only: cancel an order that has not shipped (refunded if paid; candidate emailed)."""
    login = current_login(app)
    require_operator(login)
    return order_cancel.cancel_order(order_id, request, login, clock.now())


lambda_handler = make_handler(app)

certtrack.coldstart.ready()  # loaded: collect garbage again
