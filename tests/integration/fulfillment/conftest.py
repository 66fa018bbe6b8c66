"""Fixtures for fulfillment integration tests: a mapped candidate holding certifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import call
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
