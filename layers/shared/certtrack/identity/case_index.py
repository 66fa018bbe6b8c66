"""Which support cases name a candidate: a pointer item per candidate, written with the case.

A case (``CASE#<id> / CASE``) lists its candidates in a set, which no index can key on; so every
write that creates a case also puts ``CAND#<candidate> / CASE#<case id>`` for each candidate it
names (:func:`pointers`), in the same transaction. A candidate's cases are then one Query of its
partition and one BatchGetItem of the cases (:func:`cases_naming`), never a Scan. Cases opened
before the pointers existed have none (a backfill is a follow-up; ``docs/notes/operations.md``).
"""

from __future__ import annotations

from certtrack import keys
from certtrack.identity.models import SupportCaseItem, SupportCaseRefItem

# A candidate is named by a handful of cases at most; this bounds one read.
MAX_CASES = 100


def pointers(case: SupportCaseItem) -> list[SupportCaseRefItem]:
    """The pointer items of ``case``, one per candidate it names: save them with the case."""
    return [
        SupportCaseRefItem(
            keys.candidate_pk(candidate_id),
            keys.case_ref_sk(case.case_id),
            candidate_id=candidate_id,
            case_id=case.case_id,
        )
        for candidate_id in sorted(case.candidate_ids)
    ]


def cases_naming(candidate_id: str) -> list[SupportCaseItem]:
    """The support cases that name the candidate, newest first (one Query, one BatchGetItem)."""
    refs = SupportCaseRefItem.query(
        keys.candidate_pk(candidate_id),
        SupportCaseRefItem.SK.startswith(keys.CASE_REF_PREFIX),
        limit=MAX_CASES,
    )
    wanted = [(keys.case_pk(ref.case_id), keys.CASE) for ref in refs]
    if not wanted:
        return []
    cases = list(SupportCaseItem.batch_get(wanted))
    return sorted(cases, key=lambda case: (case.created_at, case.case_id), reverse=True)
