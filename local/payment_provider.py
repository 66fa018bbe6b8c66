"""localstripe as the local payment provider, the way moto stands in for AWS.

localstripe (PyPI, GPL-3.0: a dev/test server, never shipped) speaks Stripe's API; the functions
reach it through the same ``stripe`` code path as in AWS, with ``PAYMENT_API_BASE`` pointing at it
(``local.overrides.payment_access``). It runs in a process of its own (``python -m
local.payment_provider``) on a free port of 127.0.0.1, keeps its state in memory only (its own
default pickles every write to one shared ``/tmp`` file), and signs webhook deliveries like Stripe.

:class:`LocalStripe` starts and stops it, registers the webhook endpoint, and does what the
browser's payment step does (:meth:`LocalStripe.pay`).
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
# localstripe takes any key of the right shape; these are not credentials of any account.
SECRET_KEY = "sk_test_local"  # noqa: S105 - localstripe's dummy key, like moto's "testing"
PUBLISHABLE_KEY = "pk_test_local"
WEBHOOK_EVENTS = ["payment_intent.succeeded", "payment_intent.payment_failed"]
START_TIMEOUT_S = 20


def new_webhook_secret() -> str:
    return f"whsec_{secrets.token_hex(24)}"


def keys(webhook_secret: str) -> dict[str, str]:
    """The payment secret's value (``PaymentSecret`` in the template) for the local provider."""
    return {"secret_key": SECRET_KEY, "publishable_key": PUBLISHABLE_KEY, "webhook_secret": webhook_secret}


class LocalStripe:
    """A localstripe server of our own: ``url`` once started, stopped with :meth:`stop`; its
    deliveries are signed with ``webhook_secret`` (new at every start)."""

    def __init__(self) -> None:
        self.webhook_secret = new_webhook_secret()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "local.payment_provider"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline().strip()  # the port, once it listens
        if not line.isdigit():
            self.stop()
            raise RuntimeError("localstripe did not start")
        self.url = f"http://127.0.0.1:{line}"
        self._session = requests.Session()
        self._session.auth = (SECRET_KEY, "")
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("localstripe does not answer")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            return self._session.get(f"{self.url}/v1/balance", timeout=2).status_code < 500
        except requests.ConnectionError:
            return False

    def register_webhook(self, url: str, secret: str, name: str = "certtrack") -> None:
        """Deliver the payment events to ``url``, signed with ``secret`` (as a Stripe endpoint)."""
        data: dict[str, Any] = {"url": url, "secret": secret, "events": WEBHOOK_EVENTS}
        response = self._session.post(f"{self.url}/_config/webhooks/{name}", json=data, timeout=5)
        response.raise_for_status()

    def payment_of(self, order_id: str) -> dict[str, Any] | None:
        """The PaymentIntent whose metadata names the order (real Stripe would search; localstripe lists)."""
        response = self._session.get(f"{self.url}/v1/payment_intents", params={"limit": 100}, timeout=5)
        response.raise_for_status()
        for intent in response.json()["data"]:
            if (intent.get("metadata") or {}).get("order_id") == order_id:
                return dict(intent)
        return None

    def payment(self, payment_id: str) -> dict[str, Any]:
        response = self._session.get(f"{self.url}/v1/payment_intents/{payment_id}", timeout=5)
        response.raise_for_status()
        return dict(response.json())

    def refunds(self, payment_id: str) -> list[dict[str, Any]]:
        response = self._session.get(f"{self.url}/v1/refunds", params={"payment_intent": payment_id}, timeout=5)
        response.raise_for_status()
        return list(response.json()["data"])

    def pay(self, payment_id: str, card: str) -> tuple[int, dict[str, Any]]:
        """The browser's payment step: a card PaymentMethod, attached to the payment and confirmed.

        Stripe.js confirms with ``payment_method_data`` in one call; localstripe answers that with
        "Not implemented", so the nearest flow it supports is used: create the PaymentMethod,
        update the PaymentIntent with it, confirm. The provider's answer is returned as it is
        (a decline is its 402 card error); the webhook then follows as in production.
        """
        method = self._session.post(
            f"{self.url}/v1/payment_methods",
            data={
                "type": "card",
                "card[number]": card,
                "card[exp_month]": "12",
                "card[exp_year]": "2034",
                "card[cvc]": "123",
            },
            timeout=5,
        )
        if method.status_code != 200:
            return method.status_code, method.json()
        attached = self._session.post(
            f"{self.url}/v1/payment_intents/{payment_id}", data={"payment_method": method.json()["id"]}, timeout=5
        )
        if attached.status_code != 200:
            return attached.status_code, attached.json()
        confirmed = self._session.post(f"{self.url}/v1/payment_intents/{payment_id}/confirm", timeout=5)
        return confirmed.status_code, confirmed.json()

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


# localstripe waits a fixed second before each webhook delivery. Stripe's own delay varies and is
# never zero, so a delivery still comes after the API call that caused it, only sooner: the tests
# wait for about sixty deliveries.
WEBHOOK_DELAY_S = 0.1


class _WebhookClock:
    """``asyncio`` as localstripe's webhook module sees it, with its one-second wait shortened."""

    def __getattr__(self, name: str) -> Any:
        import asyncio

        return getattr(asyncio, name)

    @staticmethod
    async def sleep(_seconds: float) -> None:
        import asyncio

        await asyncio.sleep(WEBHOOK_DELAY_S)


def _serve() -> None:
    """The server process: localstripe's app on a free 127.0.0.1 port (printed first), state in memory."""
    import logging
    import socket

    from aiohttp import web
    from localstripe import resources, webhooks
    from localstripe.server import app

    from local import stripe_js

    resources.Store.dump_to_disk = lambda self: None  # type: ignore[method-assign]  # memory only
    webhooks.asyncio = _WebhookClock()  # type: ignore[assignment]  # WEBHOOK_DELAY_S
    stripe_js.install(app)  # the browser's confirm, as Stripe.js makes it
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    _serve()
