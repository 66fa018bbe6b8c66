"""POST /mapping/score-report: last name + registration number → link to the new email; rate limit."""

from __future__ import annotations

from typing import Any, cast

import pytest
from certtrack import keys
from certtrack.identity.models import CandidateItem, MappingTokenItem
from certtrack.identity.tokens import hash_token

from tests.conftest import call
from tests.factories import candidate
from tests.integration.identity.conftest import exam, token_in

pytestmark = pytest.mark.usefixtures("aws")


def report(
    last_name: Any, registration_number: Any, new_email: Any = "new@example.com", sub: str = "sub-sr"
) -> tuple[int, Any, dict[str, Any]]:
    body = {"last_name": last_name, "registration_number": registration_number, "new_email": new_email}
    return call("auth_mapping", "POST", "/mapping/score-report", sub=sub, username="srlogin", body=body)


@pytest.fixture
def jose() -> CandidateItem:
    cand = candidate(first_name="José", last_name="Núñez de la Peña", email="old@example.com")
    exam(cand.candidate_id, "REG123456")
    return cand


@pytest.mark.parametrize("typed", ["Núñez de la Peña", "nunez de la pena", "NUNEZ DE LA PENA", "  núñezdela  peña "])
def test_match_sends_link_to_the_new_email(typed: str, jose: CandidateItem, outbox: Any) -> None:
    status, body, _ = report(typed, "REG123456", "New@Example.com")
    assert (status, body) == (202, {"status": "email_sent"})
    [message] = outbox()
    assert message["to"].lower() == "new@example.com"
    token = token_in(message)
    stored = MappingTokenItem.get(keys.token_pk(hash_token(token)), keys.TOKEN)
    assert stored.candidate_id == jose.candidate_id
    assert stored.method == "score_report"
    assert stored.new_email == "new@example.com"
    assert "email address on your candidate record" in message["text"]


def test_confirm_maps_and_moves_the_email_index(jose: CandidateItem, last_token: Any) -> None:
    jose.update(actions=[CandidateItem.email_suppressed.set(True)])  # the old address bounced
    report("Nunez de la Pena", "REG123456", "new@example.com")
    status, body, _ = call(
        "auth_mapping", "POST", "/mapping/confirm", sub="sub-sr", body={"token": last_token("new@example.com")}
    )
    assert (status, body) == (200, {"status": "mapped", "candidate_id": jose.candidate_id})
    stored = CandidateItem.get_candidate(jose.candidate_id)
    assert stored is not None
    assert stored.email == "new@example.com"
    assert stored.email_suppressed is False
    assert keys.email_gsi("new@example.com") == stored.GSI1PK
    # The table's discriminator makes each item a CandidateItem; the index is typed for the base class.
    found = cast(list[CandidateItem], list(CandidateItem.lookup_index.query(keys.email_gsi("new@example.com"))))
    assert [c.candidate_id for c in found] == [jose.candidate_id]
    assert list(CandidateItem.lookup_index.query(keys.email_gsi("old@example.com"))) == []
    status, me, _ = call("auth_mapping", "GET", "/me", sub="sub-sr", username="srlogin")
    assert me["mapped"] is True and me["email"] == "new@example.com"


@pytest.mark.parametrize(
    ("last_name", "registration"),
    [("Smith", "REG123456"), ("Núñez de la Peña", "REG000000"), ("Nunez", "REG123456")],
)
def test_no_match_is_404(last_name: str, registration: str, jose: CandidateItem, outbox: Any) -> None:
    status, body, headers = report(last_name, registration)
    assert status == 404 and body["code"] == "no_match"
    assert headers["content-type"] == "application/problem+json"
    assert outbox() == []


def test_five_failures_then_429_with_retry_after(jose: CandidateItem, outbox: Any) -> None:
    # Different names and numbers each time: only the login's own window fills up.
    for n in range(5):
        assert report(f"Wrong{n}", f"REG00000{n}")[0] == 404
    status, body, headers = report("Wrong", "REG999999")
    assert status == 429 and body["code"] == "too_many_requests"
    assert 1 <= int(headers["retry-after"]) <= 15 * 60
    # Even the right answer waits for the window: the limit is per login, whatever the input.
    assert report("Núñez de la Peña", "REG123456")[0] == 429
    assert outbox() == []
    # Another login is not affected.
    assert report("Núñez de la Peña", "REG123456", sub="sub-other")[0] == 202


def test_successes_do_not_count_as_failures(jose: CandidateItem) -> None:
    for n in range(6):  # a new address each time: 3 mapping emails a day go to one address
        assert report("Núñez de la Peña", "REG123456", f"new{n}@example.com")[0] == 202


def test_candidate_already_mapped_is_409(outbox: Any) -> None:
    cand = candidate(last_name="Mapped", login_sub="sub-owner")
    exam(cand.candidate_id, "REG777")
    status, body, _ = report("Mapped", "REG777")
    assert status == 409 and body["code"] == "already_mapped"
    assert outbox() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"last_name": "x" * 101, "registration_number": "R1", "new_email": "a@example.com"}, "last_name"),
        ({"last_name": 7, "registration_number": "R1", "new_email": "a@example.com"}, "last_name"),
        ({"last_name": "Doe", "registration_number": 12345, "new_email": "a@example.com"}, "registration_number"),
        ({"last_name": "Doe", "registration_number": "R" * 65, "new_email": "a@example.com"}, "registration_number"),
        ({"last_name": "Doe", "registration_number": "R1", "new_email": "nope"}, "new_email"),
        ({"last_name": "Doe", "registration_number": "R1"}, "new_email"),
    ],
)
def test_bad_input_is_422_naming_the_field(payload: dict[str, Any], field: str) -> None:
    status, body, _ = call("auth_mapping", "POST", "/mapping/score-report", sub="s", body=payload)
    assert status == 422
    assert field in [e["field"] for e in body["errors"]]


def test_send_failure_is_503_and_stores_no_token(jose: CandidateItem, monkeypatch: pytest.MonkeyPatch) -> None:
    from certtrack import email
    from certtrack.errors import ServiceUnavailable

    def fail(*_: Any, **__: Any) -> str:
        raise ServiceUnavailable("down", code="email_unavailable")

    stored: list[Any] = []
    monkeypatch.setattr(email, "send", fail)
    monkeypatch.setattr(MappingTokenItem, "save", lambda self, **_: stored.append(self))
    status, body, _ = report("Núñez de la Peña", "REG123456")
    assert status == 503 and body["code"] == "email_unavailable"
    assert stored == []
