"""View counts stay right under concurrent views; the email limit holds under concurrent sends.

moto's in-process DynamoDB applies an UpdateItem as Python read-modify-write, so two threads can
lose an update *inside moto* — something real DynamoDB never does to a single item. The
``serial_dynamodb`` fixture runs each backend operation alone, restoring DynamoDB's per-item
atomicity and nothing more:
our threads still race on everything else, so code that read the count and wrote it back would
still lose views (``test_read_modify_write_would_lose_views`` shows the harness catches that).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from certtrack.errors import TooManyRequests
from certtrack.transcripts import public, share
from certtrack.transcripts.models import TranscriptItem

from tests.integration.transcripts.conftest import Person

VIEWS = 40
WORKERS = 8


pytestmark = pytest.mark.usefixtures("aws", "serial_dynamodb")


def test_concurrent_views_are_all_counted(john: Person) -> None:
    created = john.create()
    key = TranscriptItem.key(john.candidate_id, created["transcript_id"])
    now = datetime.now(UTC)
    start = threading.Barrier(WORKERS)

    def view(n: int) -> None:
        # Each thread holds its own (stale) copy, as separate Lambda invocations would.
        item = TranscriptItem.get(*key)
        if n < WORKERS:
            start.wait()
        public.count_view(item, now)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(view, range(VIEWS)))
    item = TranscriptItem.get(*key, consistent_read=True)
    assert item.views == VIEWS
    assert item.last_viewed == now


def test_read_modify_write_would_lose_views(john: Person) -> None:
    created = john.create()
    key = TranscriptItem.key(john.candidate_id, created["transcript_id"])
    start = threading.Barrier(WORKERS)

    def naive_view(_: int) -> None:
        item = TranscriptItem.get(*key)
        start.wait()
        item.views = item.views + 1
        item.save()

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(naive_view, range(WORKERS)))
    assert TranscriptItem.get(*key).views < WORKERS


def test_concurrent_sends_never_pass_the_limit(john: Person) -> None:
    created = john.create()
    now = datetime.now(UTC)

    def claim(_: int) -> bool:
        try:
            share.claim_send_slot(john.candidate_id, created["transcript_id"], now)
        except TooManyRequests:
            return False
        return True

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(claim, range(35)))
    assert results.count(True) == share.DAILY_EMAIL_LIMIT
