"""Score-report guessing is bounded per target (registration number, last name) and per client (IP).

Sign-up is open, so a per-login limit alone multiplies with logins: these tests use a fresh login
for every guess, as an attacker would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack import keys
from certtrack.auth import Login
from certtrack.certifications import registrations
from certtrack.errors import AppError, NotFound, TooManyRequests
from certtrack.identity import mapping, ratelimit
from certtrack.identity.models import CandidateItem, RateLimitItem

from tests.conftest import LambdaContext as Context
from tests.conftest import api_event, load_function
from tests.factories import candidate
from tests.integration.identity.conftest import exam

pytestmark = pytest.mark.usefixtures("aws")


def guess(last_name: str, registration: str, *, sub: str, ip: str, new_email: str = "attacker@example.com") -> Any:
    event = api_event(
        "POST",
        "/mapping/score-report",
        sub=sub,
        body={"last_name": last_name, "registration_number": registration, "new_email": new_email},
    )
    event["requestContext"]["identity"]["sourceIp"] = ip
    response = load_function("auth_mapping").lambda_handler(event, Context())
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    for k, v in (response.get("multiValueHeaders") or {}).items():
        headers.setdefault(k.lower(), v[0])
    return response["statusCode"], headers


@pytest.fixture
def victim() -> CandidateItem:
    cand = candidate(first_name="Vera", last_name="Victim", email="vera@example.com")
    exam(cand.candidate_id, "REG10000042")
    return cand


def _unchanged(victim: CandidateItem) -> None:
    stored = CandidateItem.get_candidate(victim.candidate_id)
    assert stored is not None
    assert stored.login_sub is None and stored.email == "vera@example.com"
    assert keys.email_gsi("vera@example.com") == stored.GSI1PK


def test_ten_fresh_logins_get_five_guesses_at_one_registration_number(victim: CandidateItem, outbox: Any) -> None:
    results = [guess(f"Wrongname{n}", "REG10000042", sub=f"attacker-{n}", ip=f"198.51.100.{n}")[0] for n in range(10)]
    assert results.count(404) == ratelimit.SCORE_REPORT_PER_REGISTRATION.max_count == 5
    assert results[5:] == [429] * 5
    # Locked: even the right name from yet another login and address waits for the window.
    status, headers = guess("Victim", "REG10000042", sub="attacker-right", ip="198.51.100.99")
    assert status == 429
    assert 0 < int(headers["retry-after"]) <= 24 * 3600
    assert outbox() == []
    _unchanged(victim)


def test_ten_fresh_logins_get_ten_guesses_at_one_last_name(victim: CandidateItem, outbox: Any) -> None:
    # Knowing the name and walking sequential registration numbers.
    results = [
        guess("Victim", f"REG100000{n:02d}", sub=f"walker-{n}", ip=f"198.51.100.{n}")[0] for n in range(43, 43 + 12)
    ]
    assert results.count(404) == ratelimit.SCORE_REPORT_PER_NAME.max_count == 10
    assert results[10:] == [429, 429]
    assert guess("Victim", "REG10000042", sub="walker-right", ip="198.51.100.200")[0] == 429
    # Case, accents and spaces do not make another name.
    assert guess("  VÍCTIM ", "REG1", sub="walker-accent", ip="198.51.100.201")[0] == 429
    assert outbox() == []
    _unchanged(victim)


def test_one_source_ip_gets_twenty_failures_an_hour(victim: CandidateItem) -> None:
    results = [guess(f"Name{n}", f"REGX{n}", sub=f"ip-{n}", ip="203.0.113.7")[0] for n in range(22)]
    assert results.count(404) == ratelimit.SCORE_REPORT_PER_IP.max_count == 20
    assert results[20:] == [429, 429]
    # Another client is not affected, and the right answer there works.
    assert guess("Victim", "REG10000042", sub="ip-other", ip="203.0.113.8")[0] == 202


def test_a_refused_guess_uses_no_slot_of_the_other_windows(victim: CandidateItem) -> None:
    for n in range(5):
        assert guess(f"Wrong{n}", "REG10000042", sub=f"fill-{n}", ip=f"192.0.2.{n}")[0] == 404
    assert guess("Other", "REG10000042", sub="fresh-login", ip="192.0.2.100")[0] == 429
    now = datetime.now(UTC)
    login_window = ratelimit.per_login("fresh-login", ratelimit.SCORE_REPORT_FAILURES)
    item = RateLimitItem(login_window.pk, keys.rate_sk("score_report", ratelimit.window_start(now, login_window.limit)))
    item.refresh(consistent_read=True)  # taken first, then given back when the target refused
    assert item.hits == 0


@pytest.mark.usefixtures("serial_dynamodb")
def test_parallel_guesses_never_pass_the_target_limit(victim: CandidateItem) -> None:
    def attempt(n: int) -> int:
        # The use case, not the handler: one resolver answers one request at a time, as one Lambda
        # environment does; parallel requests are parallel environments sharing only the table.
        login = Login(sub=f"parallel-{n}", username=f"parallel-{n}", groups=frozenset())
        try:
            mapping.request_by_score_report(
                login,
                f"Parallel{n}",
                "REG10000042",
                "attacker@example.com",
                datetime.now(UTC),
                source_ip=f"192.0.2.{n}",
                holders=registrations.candidates_with_registration,
            )
        except AppError as error:
            return error.status
        return 202

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(attempt, range(20)))
    assert results.count(404) <= ratelimit.SCORE_REPORT_PER_REGISTRATION.max_count
    assert set(results) <= {404, 429, 503}
    _unchanged(victim)


def test_the_lockout_ends_with_its_window(victim: CandidateItem) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

    def at(when: datetime, n: int, last_name: str = "Wrong") -> None:
        login = Login(sub=f"later-{when.isoformat()}-{n}", username="x", groups=frozenset())
        mapping.request_by_score_report(
            login,
            last_name,
            "REG10000042",
            f"n{n}@example.com",
            when,
            source_ip=f"192.0.2.{n}",
            holders=registrations.candidates_with_registration,
        )

    for n in range(5):
        with pytest.raises(NotFound):
            at(now, n)
    with pytest.raises(TooManyRequests) as refused:
        at(now, 6, "Victim")
    assert refused.value.headers["Retry-After"] == str(12 * 3600)  # until UTC midnight
    at(now + timedelta(days=1), 7, "Victim")  # the next day: a match, a link is sent
