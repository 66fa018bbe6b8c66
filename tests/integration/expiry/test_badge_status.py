"""The daily expiry check suspends the badge of a certification it expires, without a visit."""

from __future__ import annotations

from datetime import date, timedelta

from certtrack.badges import credential, service, store

from tests.integration.expiry.conftest import at, daily_check, holder

EXPIRES = "2027-02-20"


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

    summary = daily_check(at("2027-02-21"))  # one job per shard on the queue, run by the shard worker

    assert summary["expired_certifications"] == 1 and summary["complete"] is True
    assert bits(person.candidate_id) == [(False, True)]
    [badge] = store.badges_of(person.candidate_id, consistent=True)
    assert badge.suspended is True
    assert bits(other.candidate_id) == [(False, False)]  # not due: untouched
