"""The daily expiry check suspends the badge of a certification it expires, without a visit."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from certtrack.badges import credential, service, store
from certtrack.certifications import expiry_jobs

from tests.conftest import LambdaContext, deliver_queued, load_function
from tests.integration.expiry.conftest import at, holder

EXPIRES = "2027-02-20"


def scheduled(day: str) -> dict[str, Any]:
    return {"detail-type": "Scheduled Event", "source": "aws.events", "time": f"{day}T03:00:00Z", "detail": {}}


def bits(candidate_id: str) -> list[tuple[bool, bool]]:
    """(revocation, suspension) of each of the candidate's badges, read from the status lists."""
    out = []
    for badge in store.badges_of(candidate_id, consistent=True):
        index = int(badge.status_index)
        position = index % credential.STATUS_LIST_SIZE
        out.append(
            (
                store.status_bit(credential.status_list_id("revocation", index), position),
                store.status_bit(credential.status_list_id("suspension", index), position),
            )
        )
    return out


def test_the_expiry_check_sets_the_suspension_bit_of_what_it_expires(aws: None) -> None:
    person = holder(EXPIRES)
    other = holder("2030-01-01")
    before = at(date.fromisoformat(EXPIRES) - timedelta(days=10))
    service.list_badges(person.candidate_id, before)  # issued while current
    service.list_badges(other.candidate_id, before)
    assert bits(person.candidate_id) == [(False, False)]

    handler = load_function("certifications", "expiry").handler
    handler(scheduled("2027-02-21"), LambdaContext())  # one job per shard on the queue
    deliver_queued()  # the shard worker runs them

    summary = expiry_jobs.day_summary(date(2027, 2, 21))
    assert summary["expired_certifications"] == 1 and summary["complete"] is True
    assert bits(person.candidate_id) == [(False, True)]
    [badge] = store.badges_of(person.candidate_id, consistent=True)
    assert badge.suspended is True
    assert bits(other.candidate_id) == [(False, False)]  # not due: untouched
