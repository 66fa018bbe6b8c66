"""POST /mapping/confirm: one transaction; 400/409/410 cases; races between confirms."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack import clock, keys
from certtrack.auth import Login
from certtrack.errors import AppError, Conflict, Gone
from certtrack.identity import mapping
from certtrack.identity.models import CandidateItem, LoginMappingItem, MappingTokenItem
from certtrack.identity.tokens import hash_token, new_token

from tests.conftest import call
from tests.factories import candidate
from tests.integration.identity.conftest import token_in

pytestmark = pytest.mark.usefixtures("aws")


def login(sub: str) -> Login:
    return Login(sub=sub, username=f"user-{sub}", groups=frozenset())


def confirm(token: Any, sub: str = "sub-a") -> tuple[int, Any, dict[str, Any]]:
    return call("auth_mapping", "POST", "/mapping/confirm", sub=sub, username=f"user-{sub}", body={"token": token})


def link_for(address: str, sub: str, outbox: Any) -> str:
    status, _, _ = call("auth_mapping", "POST", "/mapping/email", sub=sub, body={"email": address})
    assert status == 202
    return token_in([m for m in outbox() if m["to"] == address][-1])


def test_confirm_maps_the_login_and_me_routes_work(outbox: Any) -> None:
    cand = candidate(first_name="Alice", last_name="Martin", email="alice@example.com")
    token = link_for("alice@example.com", "sub-a", outbox)
    assert call("auth_mapping", "GET", "/me/settings", sub="sub-a")[1]["code"] == "account_not_mapped"
    status, body, _ = confirm(token)
    assert (status, body) == (200, {"status": "mapped", "candidate_id": cand.candidate_id})
    mapping_item = LoginMappingItem.get(keys.login_pk("sub-a"), keys.MAPPING)
    assert mapping_item.candidate_id == cand.candidate_id and mapping_item.method == "email"
    stored = CandidateItem.get_candidate(cand.candidate_id)
    assert stored is not None and stored.login_sub == "sub-a" and stored.email == "alice@example.com"
    assert MappingTokenItem.get(keys.token_pk(hash_token(token)), keys.TOKEN).used_at is not None
    _, me, _ = call("auth_mapping", "GET", "/me", sub="sub-a", username="user-sub-a")
    assert me["mapped"] is True and me["candidate_id"] == cand.candidate_id
    assert call("auth_mapping", "GET", "/me/settings", sub="sub-a")[0] == 200
    assert call("auth_mapping", "GET", "/me/identifiers", sub="sub-a")[0] == 200


def test_second_use_is_410_token_used(outbox: Any) -> None:
    candidate(email="alice@example.com")
    token = link_for("alice@example.com", "sub-a", outbox)
    assert confirm(token)[0] == 200
    status, body, _ = confirm(token)
    assert status == 410 and body["code"] == "token_used"


@pytest.mark.parametrize("token", ["", "short", "x" * 43 + "!", "A" * 43, "well-formed-unknown"])
def test_unknown_or_malformed_token_is_400(token: str) -> None:
    if token == "well-formed-unknown":
        token = new_token()  # made here: a parameter must be the same in every test process
    status, body, _ = confirm(token)
    assert (status, body["code"]) == ((422, "validation_error") if token == "" else (400, "token_invalid"))


def test_token_of_another_login_is_400_and_stays_usable(outbox: Any) -> None:
    candidate(email="alice@example.com")
    token = link_for("alice@example.com", "sub-a", outbox)
    status, body, _ = confirm(token, sub="sub-thief")
    assert status == 400 and body["code"] == "token_invalid"
    assert confirm(token, sub="sub-a")[0] == 200


def test_non_string_token_is_422() -> None:
    status, body, _ = call("auth_mapping", "POST", "/mapping/confirm", sub="s", body={"token": 123})
    assert status == 422 and body["errors"][0]["field"] == "token"


def test_token_expires_after_two_hours(now: Any, outbox: Any) -> None:
    candidate(email="alice@example.com")
    mapping.request_by_email(login("sub-a"), "alice@example.com", now)
    token = token_in(outbox()[-1])
    with pytest.raises(Gone) as expired:
        mapping.confirm(login("sub-a"), token, now + timedelta(hours=2))
    assert expired.value.code == "token_expired"
    result = mapping.confirm(login("sub-a"), token, now + timedelta(hours=2) - timedelta(seconds=1))
    assert result.candidate_id


def test_expired_token_answers_410_over_http(now: Any, outbox: Any) -> None:
    candidate(email="alice@example.com")
    mapping.request_by_email(login("sub-a"), "alice@example.com", now - timedelta(hours=3))
    status, body, _ = confirm(token_in(outbox()[-1]))
    assert status == 410 and body["code"] == "token_expired"


def test_the_routes_read_the_clock_seam_a_link_lives_two_hours(outbox: Any) -> None:
    """Both requests through their real handlers; only the edge's clock moves between them."""
    candidate(email="alice@example.com")
    asked = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    with clock.frozen(asked):
        token = link_for("alice@example.com", "sub-a", outbox)
    with clock.frozen(asked + timedelta(hours=2)):
        status, body, _ = confirm(token)
    assert (status, body["code"]) == (410, "token_expired")
    with clock.frozen(asked + timedelta(hours=2) - timedelta(seconds=1)):
        status, body, _ = confirm(token)
    assert status == 200 and body["status"] == "mapped"


def test_login_already_mapped_is_409(outbox: Any) -> None:
    candidate(email="alice@example.com")
    token = link_for("alice@example.com", "sub-a", outbox)
    candidate(email="mine@example.com", login_sub="sub-a-elsewhere")
    # The same login got mapped in the meantime (e.g. by an operator): the link cannot map it again.
    LoginMappingItem(keys.login_pk("sub-a"), keys.MAPPING, candidate_id="CSCO99999999", mapped_at=_any_time()).save()
    status, body, _ = confirm(token)
    assert status == 409 and body["code"] == "already_mapped"


def test_two_logins_mapping_the_same_candidate_first_wins(outbox: Any) -> None:
    cand = candidate(email="alice@example.com")
    token_a = link_for("alice@example.com", "sub-a", outbox)
    token_b = link_for("alice@example.com", "sub-b", outbox)
    assert confirm(token_a, sub="sub-a")[0] == 200
    status, body, _ = confirm(token_b, sub="sub-b")
    assert status == 409 and body["code"] == "already_mapped"
    assert CandidateItem.get_candidate(cand.candidate_id).login_sub == "sub-a"  # type: ignore[union-attr]
    with pytest.raises(LoginMappingItem.DoesNotExist):
        LoginMappingItem.get(keys.login_pk("sub-b"), keys.MAPPING)


def test_race_lost_at_the_transaction_same_token(now: Any, outbox: Any) -> None:
    """Both confirms pass the reads; the transaction lets exactly one through, the other is token_used."""
    candidate(email="alice@example.com")
    mapping.request_by_email(login("sub-a"), "alice@example.com", now)
    token = token_in(outbox()[-1])
    item = MappingTokenItem.get(keys.token_pk(hash_token(token)), keys.TOKEN)
    assert mapping._map_transaction(login("sub-a"), item.candidate_id, now, "email", token_item=item)
    with pytest.raises(Gone) as lost:
        mapping._map_transaction(login("sub-a"), item.candidate_id, now, "email", token_item=item)
    assert lost.value.code == "token_used"


def test_race_lost_at_the_transaction_same_candidate(now: Any, outbox: Any) -> None:
    cand = candidate(email="alice@example.com")
    mapping.request_by_email(login("sub-a"), "alice@example.com", now)
    mapping.request_by_email(login("sub-b"), "alice@example.com", now)
    tokens = [token_in(m) for m in outbox()]
    items = [MappingTokenItem.get(keys.token_pk(hash_token(t)), keys.TOKEN) for t in tokens]
    assert mapping._map_transaction(login("sub-a"), cand.candidate_id, now, "email", token_item=items[0])
    with pytest.raises(Conflict) as lost:
        mapping._map_transaction(login("sub-b"), cand.candidate_id, now, "email", token_item=items[1])
    assert lost.value.code == "already_mapped"
    # The loser's token is untouched (the whole transaction was cancelled).
    assert MappingTokenItem.get(keys.token_pk(hash_token(tokens[1])), keys.TOKEN).used_at is None


def confirm_directly(token: str, sub: str = "sub-a") -> tuple[int, Any, dict[str, Any]]:
    """The use case, as the route runs it: one resolver answers one request at a time (as one Lambda
    environment does), so concurrent confirms are concurrent use cases sharing only the table."""
    from datetime import UTC, datetime

    try:
        result = mapping.confirm(login(sub), token, datetime.now(UTC))
    except AppError as error:
        return error.status, {"code": error.code}, {}
    return 200, {"candidate_id": result.candidate_id}, {}


def _run_concurrently(*calls: Any) -> list[tuple[int, Any, dict[str, Any]]]:
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, fn: Any) -> None:
        barrier.wait()
        results[index] = fn()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.usefixtures("serial_dynamodb")
def test_two_concurrent_confirms_of_one_token(outbox: Any) -> None:
    cand = candidate(email="alice@example.com")
    token = link_for("alice@example.com", "sub-a", outbox)
    results = _run_concurrently(lambda: confirm_directly(token), lambda: confirm_directly(token))
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 410]
    loser = next(r for r in results if r[0] == 410)
    assert loser[1]["code"] == "token_used"
    assert CandidateItem.get_candidate(cand.candidate_id).login_sub == "sub-a"  # type: ignore[union-attr]


@pytest.mark.usefixtures("serial_dynamodb")
def test_two_logins_confirm_the_same_candidate_concurrently(outbox: Any) -> None:
    cand = candidate(email="alice@example.com")
    token_a = link_for("alice@example.com", "sub-a", outbox)
    token_b = link_for("alice@example.com", "sub-b", outbox)
    results = _run_concurrently(lambda: confirm_directly(token_a, "sub-a"), lambda: confirm_directly(token_b, "sub-b"))
    assert sorted(r[0] for r in results) == [200, 409]
    winner = "sub-a" if results[0][0] == 200 else "sub-b"
    loser = "sub-b" if winner == "sub-a" else "sub-a"
    assert CandidateItem.get_candidate(cand.candidate_id).login_sub == winner  # type: ignore[union-attr]
    with pytest.raises(LoginMappingItem.DoesNotExist):
        LoginMappingItem.get(keys.login_pk(loser), keys.MAPPING)


def test_map_login_is_idempotent_and_guarded(now: Any) -> None:
    cand = candidate()
    assert mapping.map_login("sub-seed", "demo", cand.candidate_id, now).candidate_id == cand.candidate_id
    assert mapping.map_login("sub-seed", "demo", cand.candidate_id, now).candidate_id == cand.candidate_id
    with pytest.raises(Conflict):
        mapping.map_login("sub-other", "other", cand.candidate_id, now)


def _any_time() -> Any:
    from datetime import UTC, datetime

    return datetime(2026, 1, 1, tzinfo=UTC)
