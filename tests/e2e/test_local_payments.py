"""Paying over real HTTP on the dev server: localstripe started with it, its webhook registered to
the server's own ``/payments/webhook``, and ``POST /_local/payments/{order_id}/pay`` doing the
browser's payment step with a test card."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests

from local.payment_provider import WEBHOOK_DELAY_S
from tests.e2e.hardening_support import TIMEOUT, assert_problem, bearer, demo_login, shipping_address


@pytest.fixture(scope="module")
def server(base_url: str) -> str:
    return base_url


@pytest.fixture(scope="module")
def demo(server: str) -> str:
    token = demo_login(server, "demo")
    put = requests.put(f"{server}/me/shipping-address", json=shipping_address(), headers=bearer(token), timeout=TIMEOUT)
    assert put.status_code == 200, put.text
    return token


def order(server: str, token: str, sku: str) -> dict[str, Any]:
    body: dict[str, Any] = {"skus": [sku], "tracking": True, "payment_method": "credit_card"}
    headers = {**bearer(token), "Idempotency-Key": uuid.uuid4().hex}
    response = requests.post(f"{server}/me/fulfillment/orders", json=body, headers=headers, timeout=TIMEOUT)
    assert response.status_code == 201, response.text
    placed: dict[str, Any] = response.json()
    assert placed["status"] == "awaiting_payment"
    assert placed["payment"]["provider"] == "stripe" and placed["payment"]["publishable_key"].startswith("pk_test_")
    return placed


def pay(server: str, order_id: str, card: str) -> requests.Response:
    return requests.post(f"{server}/_local/payments/{order_id}/pay", json={"card": card}, timeout=TIMEOUT)


def kit_status(server: str, token: str, placed: dict[str, Any]) -> str:
    history = requests.get(f"{server}/me/fulfillment/history", headers=bearer(token), timeout=TIMEOUT).json()
    fid = placed["items"][0]["fulfillment_id"]
    return str(next(i["status"] for i in history["items"] if i["fulfillment_id"] == fid))


def paid_sku(server: str, token: str) -> str:
    catalog = requests.get(f"{server}/me/fulfillment/catalog", headers=bearer(token), timeout=TIMEOUT).json()
    assert catalog["payment_methods"] == ["debit_card", "credit_card"]
    return str(next(i["sku"] for i in catalog["items"] if i["price_cents"] > 0))


def test_a_test_card_pays_and_the_webhook_queues_the_kit_and_mails(server: str, demo: str) -> None:
    placed = order(server, demo, paid_sku(server, demo))
    assert kit_status(server, demo, placed) == "awaiting_payment"
    answer = pay(server, placed["order_id"], "4242424242424242")
    assert answer.status_code == 200 and answer.json()["status"] == "succeeded", answer.text
    deadline = time.monotonic() + 15
    while kit_status(server, demo, placed) != "queued":
        assert time.monotonic() < deadline, "the webhook did not arrive"
        time.sleep(0.2)
    messages = requests.get(f"{server}/_local/outbox", timeout=TIMEOUT).json()["messages"]
    assert any(placed["order_id"] in m["subject"] for m in messages)


def test_a_declined_card_says_why_and_queues_nothing(server: str, demo: str) -> None:
    placed = order(server, demo, paid_sku(server, demo))
    answer = pay(server, placed["order_id"], "4000000000000341")
    assert answer.status_code == 402 and answer.json()["error"]["code"] == "card_declined", answer.text
    time.sleep(10 * WEBHOOK_DELAY_S)  # the failure's webhook has arrived by then
    assert kit_status(server, demo, placed) == "awaiting_payment"


def test_the_pay_route_checks_its_input(server: str) -> None:
    assert assert_problem(pay(server, "20260101000000-00000000", "4242424242424242"), 404)["code"] == (
        "payment_not_found"
    )
    assert assert_problem(pay(server, "20260101000000-00000000", "not-a-card"), 422)["code"] == "validation_error"


def test_the_webhook_is_public_and_refuses_an_unsigned_delivery(server: str) -> None:
    response = requests.post(f"{server}/payments/webhook", json={"id": "evt_x", "type": "x"}, timeout=TIMEOUT)
    assert assert_problem(response, 400)["code"] == "invalid_signature"
