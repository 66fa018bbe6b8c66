"""POST /me/erase through the real AuthMapping handler on moto: what goes, what stays, the login
and its user gone, a request that stops half-way finished by the next, bad input changing nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications.logos import LogoAcceptanceItem
from certtrack.errors import ServiceUnavailable
from certtrack.identity.models import CandidateItem
from certtrack.privacy import erase, logins
from certtrack.privacy.models import ErasedLoginItem, PrivacyAuditItem
from certtrack.settings import get_settings

from tests.conftest import call
from tests.integration.partition import partition_items
from tests.integration.privacy.conftest import Person, make_person, public_get, user_exists, verify

ERASED_PREFIXES = ("SHIPPING", "TRANSCRIPT#", "LOGOACCEPT#")
KEPT_PREFIXES = (
    "PROFILE",
    "AUDIT#",
    "EXAM#",
    "CE#",
    "CERT#",
    "HIST#",
    "AGREE#",
    "CLAIM#",
    "ORDER#",
    "FULFILL#",
    "TXN#",
    "REMINDER#",
    "BADGE#",
    "OPAUDIT#",
    "FUTURE#",
)


def post_erase(person: Person, body: Any = None) -> tuple[int, Any, dict[str, Any]]:
    return person.call("auth_mapping", "POST", "/me/erase", body={"confirm": "ERASE"} if body is None else body)


def sks(candidate_id: str) -> list[str]:
    return [item["SK"]["S"] for item in partition_items(candidate_id)]


def mapped(person: Person) -> bool:
    status, body, _ = person.call("auth_mapping", "GET", "/me")
    assert status == 200
    return bool(body["mapped"])


def assert_erased(person: Person, pool: str) -> None:
    """The end state of an erasure, however many requests it took."""
    left = sks(person.candidate_id)
    assert not [sk for sk in left if sk.startswith(ERASED_PREFIXES)]
    for prefix in KEPT_PREFIXES:
        assert [sk for sk in left if sk.startswith(prefix)], f"{prefix} was not kept"
    [audit] = [a for a in PrivacyAuditItem.query(keys.candidate_pk(person.candidate_id)) if a.SK.startswith("PRIVACY#")]
    assert (audit.action, audit.login_sub) == ("login_erasure", person.sub)

    profile = CandidateItem.get(*CandidateItem.key(person.candidate_id))
    assert [profile.login_sub, profile.login_username, profile.mapped_at] == [None, None, None]
    assert "job_title" not in (profile.attributes.as_dict() if profile.attributes else {})
    assert (profile.first_name, profile.last_name, profile.email) == (person.first_name, person.last_name, person.email)
    assert not mapped(person)
    assert ErasedLoginItem.get(keys.login_pk(person.sub), keys.ERASED).candidate_id == person.candidate_id
    assert not user_exists(pool, person.username)

    status, body, _ = verify(person.verification_code)
    assert (status, body["holder"]["last_name"], body["status"]) == (200, person.last_name, "active")
    status, _, _ = public_get(person.public_url)
    assert status == 404


def test_erase_deletes_what_is_not_needed_and_keeps_the_records(ada: Person, bob: Person, user_pool: str) -> None:
    bobs = partition_items(bob.candidate_id)

    status, body, _ = post_erase(ada)

    assert status == 200
    assert body == {
        "status": "erased",
        "deleted": {"shipping_address": 1, "transcripts": 1, "logo_acceptances": 1, "attributes": 1},
    }
    assert_erased(ada, user_pool)
    assert partition_items(bob.candidate_id) == bobs and mapped(bob) and user_exists(user_pool, "bob")

    # Repeating it (the token still works for a while) changes nothing and answers the same.
    before = partition_items(ada.candidate_id)
    status, body, _ = post_erase(ada)
    assert (status, body) == (200, {"status": "erased", "deleted": {}})
    assert partition_items(ada.candidate_id) == before


def test_a_request_that_stops_half_way_is_finished_by_the_next(user_pool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    person = make_person(user_pool, "carol", "Carol", "Shaw", every_kind=False)
    for n in range(2 * erase.BATCH + 3):  # three batches
        LogoAcceptanceItem(
            keys.candidate_pk(person.candidate_id),
            keys.logo_accept_sk(f"2026-01-01T00:00:{n:02d}Z"),
            candidate_id=person.candidate_id,
            logo_id="ccna",
            format="svg",
            agreement_version="2026.1",
            accepted_at=datetime(2026, 1, 1, tzinfo=UTC),
        ).save()
    real = erase.delete_batch
    calls: list[int] = []

    def crash_on_the_second(items: Any) -> None:
        calls.append(len(items))
        if len(calls) == 2:
            raise RuntimeError("the function timed out")
        real(items)

    monkeypatch.setattr(erase, "delete_batch", crash_on_the_second)
    status, _, _ = post_erase(person)
    assert status == 500
    assert calls == [erase.BATCH, erase.BATCH]
    assert mapped(person) and user_exists(user_pool, "carol"), "still mapped: the next request can finish"
    left = [sk for sk in sks(person.candidate_id) if sk.startswith("LOGOACCEPT#")]
    assert len(left) == erase.BATCH + 3

    monkeypatch.setattr(erase, "delete_batch", real)
    status, body, _ = post_erase(person)
    assert status == 200
    assert body["deleted"]["logo_acceptances"] == erase.BATCH + 3
    left = sks(person.candidate_id)
    assert not [sk for sk in left if sk.startswith(ERASED_PREFIXES)]
    assert not mapped(person) and not user_exists(user_pool, "carol")
    status, _, _ = public_get(person.public_url)
    assert status == 404
    status, _, _ = verify(person.verification_code)
    assert status == 200


def test_a_failed_user_deletion_is_finished_by_the_next_request(
    ada: Person, user_pool: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def unavailable(login: Any) -> None:
        raise ServiceUnavailable("Cognito is down", code="identity_unavailable")

    monkeypatch.setattr(logins, "delete_user", unavailable)
    status, body, _ = post_erase(ada)
    assert (status, body["code"]) == (503, "identity_unavailable")
    assert not mapped(ada) and user_exists(user_pool, "ada")

    monkeypatch.undo()
    status, body, _ = post_erase(ada)
    assert (status, body["status"]) == (200, "erased")
    assert_erased(ada, user_pool)


@pytest.mark.parametrize(
    "body",
    [{"confirm": "erase"}, {"confirm": ""}, {"confirm": "ERASE", "candidate_id": "CSCO10000002"}, {}, "not json"],
)
def test_bad_confirmation_is_422_and_changes_nothing(ada: Person, bob: Person, user_pool: str, body: Any) -> None:
    before = {p.candidate_id: partition_items(p.candidate_id) for p in (ada, bob)}

    status, problem, headers = post_erase(ada, body)

    assert status in (400, 422), problem
    assert headers["content-type"] == "application/problem+json"
    if body == {"confirm": "erase"}:
        assert (status, problem["code"]) == (422, "confirmation_required")
        assert problem["errors"][0]["field"] == "confirm"
    assert {p.candidate_id: partition_items(p.candidate_id) for p in (ada, bob)} == before
    assert mapped(ada) and user_exists(user_pool, "ada")


def test_an_unmapped_login_cannot_erase_anything(ada: Person) -> None:
    before = partition_items(ada.candidate_id)
    status, body, _ = call(
        "auth_mapping", "POST", "/me/erase", sub="sub-nobody", username="nobody", body={"confirm": "ERASE"}
    )
    assert (status, body["code"]) == (403, "account_not_mapped")
    assert partition_items(ada.candidate_id) == before


def test_without_the_user_pool_nothing_is_erased(ada: Person, user_pool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("USER_POOL_ID")
    get_settings.cache_clear()
    before = partition_items(ada.candidate_id)
    status, body, _ = post_erase(ada)
    assert (status, body["code"]) == (503, "identity_unavailable")
    assert partition_items(ada.candidate_id) == before and mapped(ada) and user_exists(user_pool, "ada")
