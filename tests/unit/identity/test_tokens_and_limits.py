"""Token shape, hashing and expiry; rate-limit window arithmetic; attribute validation (no AWS)."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from certtrack.errors import Unprocessable
from certtrack.identity import ratelimit, tokens
from certtrack.identity.personal import validate_attribute_changes

NOW = datetime(2026, 11, 25, 12, 7, 30, tzinfo=UTC)


def test_token_is_32_random_url_safe_bytes() -> None:
    token = tokens.new_token()
    assert tokens.is_well_formed(token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32
    assert tokens.new_token() != token


def test_only_sha256_is_kept() -> None:
    token = tokens.new_token()
    assert tokens.hash_token(token) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in tokens.hash_token(token)


@pytest.mark.parametrize("bad", ["", "abc", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + "/", "A" * 42 + "+"])
def test_malformed_tokens(bad: str) -> None:
    assert not tokens.is_well_formed(bad)


def test_expiry_is_two_hours_from_creation() -> None:
    assert not tokens.is_expired(NOW, NOW + timedelta(hours=2) - timedelta(microseconds=1))
    assert tokens.is_expired(NOW, NOW + timedelta(hours=2))
    assert tokens.ttl_epoch(NOW) > int((NOW + timedelta(hours=2)).timestamp())  # TTL only cleans up, later


def test_windows_are_fifteen_minutes() -> None:
    limit = ratelimit.SCORE_REPORT_FAILURES
    assert (limit.max_count, limit.window_seconds) == (5, 900)
    start = ratelimit.window_start(NOW, limit)
    assert datetime.fromtimestamp(start, UTC) == datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert ratelimit.retry_after_seconds(NOW, limit) == 450
    assert ratelimit.retry_after_seconds(datetime(2026, 11, 25, 12, 14, 59, 900000, tzinfo=UTC), limit) == 1


def test_only_job_title_is_editable() -> None:
    assert validate_attribute_changes([("job_title", "  Engineer  ")]) == {"job_title": "Engineer"}
    assert validate_attribute_changes([("job_title", "")]) == {"job_title": None}
    for key in ("ccie_number", "ccde_number", "academy_id"):
        with pytest.raises(Unprocessable) as error:
            validate_attribute_changes([(key, "1")])
        assert error.value.code == "read_only_attribute"


def test_job_title_limits() -> None:
    assert validate_attribute_changes([("job_title", "x" * 100)])["job_title"] == "x" * 100
    with pytest.raises(Unprocessable) as error:
        validate_attribute_changes([("job_title", "x" * 101)])
    assert error.value.code == "attribute_too_long"
    with pytest.raises(Unprocessable) as error:
        validate_attribute_changes([("job_title", "a"), ("job_title", "b")])
    assert error.value.code == "duplicate_attribute"
