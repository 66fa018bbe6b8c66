"""Fixtures for fulfillment integration tests: a mapped candidate holding certifications, and
localstripe as the payment provider (one server for the session, its webhooks caught by a local
HTTP inbox and handed to the fulfillment handler in this process, signature and all)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest

from local.payment_provider import LocalStripe
from tests.conftest import call

if TYPE_CHECKING:
    from local.sandbox import Sandbox
from tests.factories import candidate, certification
from tests.integration.fulfillment.factories import shipping_address


@dataclass
class Holder:
    candidate_id: str
    sub: str

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
        return call("fulfillment", method, path, sub=self.sub, **kwargs)

    def order(self, body: dict[str, Any], key: str | None = "key-1") -> tuple[int, Any, dict[str, Any]]:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.call("POST", "/me/fulfillment/orders", body=body, headers=headers)


def make_holder(sub: str, *cert_ids: str, with_address: bool = True) -> Holder:
    cand = candidate(login_sub=sub)
    for cert_id in cert_ids:
        certification(cand.candidate_id, cert_id)
    if with_address:
        shipping_address(cand.candidate_id)
    return Holder(cand.candidate_id, sub)


@pytest.fixture
def holder(aws: None) -> Holder:
    """Holds CCNA and CCIE Enterprise (active), has a shipping address."""
    return make_holder("sub-holder", "ccna", "ccie-enterprise")


@dataclass
class Payer:
    """Pays orders the way the candidate does: the card through the provider, then its webhook."""

    stripe: LocalStripe
    inbox: WebhookInbox

    def pay(self, order_id: str, card: str = "4242424242424242") -> tuple[int, dict[str, Any]]:
        intent = self.stripe.payment_of(order_id)
        assert intent is not None, "no payment for that order"
        return self.stripe.pay(str(intent["id"]), card)

    def settle(self, order: dict[str, Any], card: str = "4242424242424242") -> str:
        """Pay a priced order and apply the webhook that follows; its outcome."""
        self.pay(order["order_id"], card)
        [delivery] = self.inbox.take(1)
        status, body, _ = post_webhook(delivery)
        assert status == 200, body
        return str(body["outcome"])


@dataclass
class Delivery:
    signature: str | None
    body: bytes


@dataclass
class WebhookInbox:
    """What localstripe delivered to our webhook URL (answered 200; the test applies them)."""

    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        """Wait for ``count`` deliveries (each comes ``local.payment_provider.WEBHOOK_DELAY_S`` after its event)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.deliveries) >= count:
                    taken, self.deliveries[:] = self.deliveries[:count], self.deliveries[count:]
                    return taken
            time.sleep(0.05)
        raise AssertionError(f"expected {count} webhook deliveries, got {len(self.deliveries)}")


def _inbox_server(inbox: WebhookInbox) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with inbox.lock:
                inbox.deliveries.append(Delivery(self.headers.get("Stripe-Signature"), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="session")
def _localstripe(_sandbox: Sandbox) -> Iterator[tuple[LocalStripe, WebhookInbox]]:
    """One localstripe for the session; its webhooks signed with the sandbox's payment secret."""
    inbox = WebhookInbox()
    server = _inbox_server(inbox)
    stripe = LocalStripe()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/payments/webhook"
        stripe.register_webhook(url, _sandbox.payment_keys["webhook_secret"])
        yield stripe, inbox
    finally:
        stripe.stop()
        server.shutdown()


@pytest.fixture(autouse=True)
def payment_provider(
    _localstripe: tuple[LocalStripe, WebhookInbox], monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalStripe]:
    """Every fulfillment test pays through localstripe (``PAYMENT_API_BASE``, as the dev server sets it)."""
    from certtrack.settings import get_settings

    stripe, inbox = _localstripe
    monkeypatch.setenv("PAYMENT_API_BASE", stripe.url)
    get_settings.cache_clear()
    with inbox.lock:
        inbox.deliveries.clear()  # a previous test's late deliveries
    yield stripe


@pytest.fixture
def webhooks(_localstripe: tuple[LocalStripe, WebhookInbox]) -> WebhookInbox:
    return _localstripe[1]


@pytest.fixture
def payer(_localstripe: tuple[LocalStripe, WebhookInbox]) -> Payer:
    return Payer(*_localstripe)


def post_webhook(delivery: Delivery) -> tuple[int, Any, dict[str, Any]]:
    """The delivery as API Gateway hands it to the fulfillment function (a public route)."""
    headers = {"Stripe-Signature": delivery.signature} if delivery.signature is not None else {}
    return call(
        "fulfillment",
        "POST",
        "/payments/webhook",
        body=delivery.body.decode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
