"""What Stripe.js does in the browser, made to work against localstripe.

In production the web client loads Stripe.js from https://js.stripe.com and calls
``stripe.confirmCardPayment(client_secret, {payment_method: {card: element, billing_details}})``:
Stripe.js posts the card as ``payment_method_data`` to ``/v1/payment_intents/{id}/confirm``
with the publishable key and the client secret, then runs 3-D Secure when the answer asks for it.

localstripe 1.15.10 lacks both halves: its confirm route refuses a publishable key and answers a
``payment_method`` by 500 "Not implemented", and its mock Stripe.js ``confirmCardPayment`` ignores
the card and only completes 3-D Secure. :func:`install` adds them to localstripe's app, so the
same client code runs locally:

- ``POST /v1/payment_intents/{id}/confirm`` with ``key=pk_…``, the ``client_secret`` and
  ``payment_method_data`` (type ``card``): a PaymentMethod is made from the card and the payment
  confirmed with it, answering as localstripe does (``succeeded``, ``requires_action`` for the
  3-D Secure test cards, 402 card error for a decline). As on Stripe, a payment whose last charge
  failed takes another card (its failed charge is forgotten).
- the mock script at ``/js.stripe.com/v3/`` gets a ``confirmCardPayment`` that does the above,
  then the mock's own 3-D Secure dialog when the payment requires action.

Any other request goes to localstripe unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

_CONFIRM_PATH = "/v1/payment_intents/{id}/confirm"
_SCRIPT_PATH = "/js.stripe.com/v3/"

# Appended to localstripe's mock (a classic script: its top-level LOCALSTRIPE_BASE_API is in scope).
_CONFIRM_CARD_PAYMENT = """
// certtrack (local/stripe_js.py): confirmCardPayment as Stripe.js does it, card included.
(function () {
  const mockStripe = Stripe;
  Stripe = (apiKey) => {
    const stripe = mockStripe(apiKey);
    const authenticate = stripe.confirmCardPayment;  // the mock's 3-D Secure dialog
    stripe.confirmCardPayment = async (clientSecret, data) => {
      const pi = clientSecret.match(/^(pi_\\w+)_secret_/)[1];
      const method = (data && data.payment_method) || {};
      const element = method.card;
      if (!element || !element.value) {
        return {error: {type: 'validation_error', code: 'incomplete_number',
                        message: 'Your card number is incomplete.'}};
      }
      try {
        const response = await fetch(
          `${LOCALSTRIPE_BASE_API}/v1/payment_intents/${pi}/confirm`, {
            method: 'POST',
            body: JSON.stringify({
              key: apiKey,
              client_secret: clientSecret,
              payment_method_data: {
                type: 'card',
                card: element.value.card,
                billing_details: method.billing_details || {},
              },
            }),
          });
        const body = await response.json().catch(() => ({}));
        if (response.status !== 200 || body.error) {
          const error = body.error || {};
          if (response.status === 402) error.type = 'card_error';
          return {error};
        }
        if (body.status === 'requires_action') return authenticate(clientSecret);
        return {paymentIntent: body};
      } catch (err) {
        return {error: {type: 'api_connection_error', message: String(err)}};
      }
    };
    return stripe;
  };
})();
"""


def _error(status: int, message: str, **contents: Any) -> web.Response:
    return web.json_response(
        {"error": {"type": "invalid_request_error", "message": message, **contents}}, status=status
    )


def _client_confirm(payment_id: str, data: dict[str, Any]) -> web.Response:
    from localstripe.errors import UserError
    from localstripe.resources import PaymentIntent, PaymentMethod

    secret, method = data.get("client_secret"), data.get("payment_method_data")
    if not isinstance(secret, str) or not isinstance(method, dict) or method.get("type") != "card":
        return _error(400, "Bad request")
    try:
        intent = PaymentIntent._api_retrieve(payment_id)
        if secret != intent.client_secret:
            return _error(401, "Unauthorized")
        if intent.status not in ("requires_payment_method", "requires_confirmation"):
            return _error(
                400, f"This PaymentIntent's status is {intent.status}.", code="payment_intent_unexpected_state"
            )
        card = method.get("card")
        billing = method.get("billing_details") or None
        created = PaymentMethod(
            type="card", card=dict(card) if isinstance(card, dict) else None, billing_details=billing
        )
        intent.payment_method = created.id
        intent.latest_charge = None  # a new attempt, as Stripe makes after a failed charge
        intent._confirm(on_failure_now=intent._report_failure)
        return web.json_response(intent._export())
    except UserError as error:
        return web.json_response(error.body, status=error.code)


def _script() -> str:
    import localstripe

    mock = (Path(localstripe.__file__).parent / "localstripe-v3.js").read_text(encoding="utf-8")
    return mock + _CONFIRM_CARD_PAYMENT


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def install(app: web.Application) -> None:
    """Add the browser's confirm and its script to localstripe's ``app`` (before it starts)."""
    script = _script()

    @web.middleware
    async def browser_calls(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "GET" and request.path == _SCRIPT_PATH:
            return web.Response(text=script, content_type="application/javascript")
        parts = request.path.split("/")
        if request.method == "POST" and len(parts) == 5 and request.path == _CONFIRM_PATH.format(id=parts[3]):
            try:
                data = json.loads(await request.text() or "{}")
            except ValueError:
                data = None
            if isinstance(data, dict) and str(data.get("key", "")).startswith("pk_"):
                return _client_confirm(parts[3], data)
        return await handler(request)

    app.middlewares.insert(0, browser_calls)
