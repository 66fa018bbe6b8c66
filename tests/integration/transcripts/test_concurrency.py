"""View counts stay right under concurrent views; the email limit holds under concurrent sends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from certtrack.errors import TooManyRequests
from certtrack.transcripts import public, share
from certtrack.transcripts.models import TranscriptItem

from tests.integration.transcripts.conftest import Person

pytestmark = pytest.mark.usefixtures("aws")
VIEWS = 40


def test_concurrent_views_are_all_counted(john: Person) -> None:
    created = john.create()
    key = TranscriptItem.key(john.candidate_id, created["transcript_id"])
    now = datetime.now(UTC)

    def view(_: int) -> None:
        # Each thread holds its own (stale) copy, as separate Lambda invocations would.
        public.count_view(TranscriptItem.get(*key), now)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(view, range(VIEWS)))
    item = TranscriptItem.get(*key, consistent_read=True)
    assert item.views == VIEWS
    assert item.last_viewed == now


def test_concurrent_sends_never_pass_the_limit(john: Person) -> None:
    created = john.create()
    now = datetime.now(UTC)

    def claim(_: int) -> bool:
        try:
            share.claim_send_slot(created["transcript_id"], now)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(claim, range(35)))
    assert results.count(True) == share.DAILY_EMAIL_LIMIT
