"""Factories and fixtures for transcript tests: shipping address, consent, requests, a mapped person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from certtrack import keys
from certtrack.identity.models import CandidateItem

from tests.conftest import call
from tests.factories import candidate, certification, days


def shipping_address(candidate_id: str, **fields: str) -> None:
    """The ``CAND#<id>/SHIPPING`` item the shipping screen saves, saved through its model."""
    from datetime import UTC, datetime

    from certtrack.identity.models import AddressAttribute, ShippingAddressItem

    values = {
        "first_name": "John",
        "last_name": "Doe",
        "email": "john@example.com",
        "address1": "Test123test Test2",
        "address2": "Cor Line 3",
        "city": "Cor City",
        "state": "North Carolina",
        "postal_code": "12345",
        "country": "United States",
        **fields,
    }
    ShippingAddressItem(
        keys.candidate_pk(candidate_id),
        keys.SHIPPING,
        candidate_id=candidate_id,
        address=AddressAttribute(**values),
        updated_at=datetime.now(UTC),
    ).save()


def set_consent(candidate_id: str, value: bool) -> None:
    item = CandidateItem.get(*CandidateItem.key(candidate_id))
    item.update(actions=[CandidateItem.settings.set({"verification_consent": value})])


def transcript_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "display_name": "Transcript for Acme hiring",
        "display_options": {"show_address": False, "show_email": False},
        "expires_on": days(30),
        "description": "For Acme",
        "remarks": "Thank you for your interest.",
        "include": "active",
        "certification_ids": [],
        "include_new_certifications": False,
    }
    body.update(overrides)
    return body


@dataclass
class Person:
    sub: str
    candidate_id: str

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
        return call("transcripts", method, path, sub=self.sub, **kwargs)

    def create(self, **overrides: Any) -> dict[str, Any]:
        status, body, _ = self.call("POST", "/me/transcripts", body=transcript_body(**overrides))
        assert status == 201, body
        return dict(body)


def public_get(public_url: str, *, accept: str = "text/html") -> tuple[int, Any, dict[str, Any]]:
    path = public_url.split("https://certs.example.com", 1)[1]
    return call("transcripts", "GET", path, headers={"Accept": accept})


@pytest.fixture
def person(aws: None) -> Callable[..., Person]:
    """A mapped candidate (John Doe by default) with an active CCNA."""

    def _make(sub: str = "sub-john", *, certs: tuple[str, ...] = ("ccna",), **fields: Any) -> Person:
        fields.setdefault("first_name", "John")
        fields.setdefault("last_name", "Doe")
        cand = candidate(login_sub=sub, **fields)
        for cert_id in certs:
            certification(cand.candidate_id, cert_id)
        return Person(sub=sub, candidate_id=cand.candidate_id)

    return _make


@pytest.fixture
def john(person: Callable[..., Person]) -> Person:
    return person(email="john@example.com")
