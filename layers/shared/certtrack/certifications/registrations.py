"""Who holds a registration number: the exams on GSI1 ``REG#<n>`` and their candidates' profiles.

The login mapping matches a score report with this lookup. Exams are certification records and
identity sits below certifications, so the mapping handler passes this function to
``certtrack.identity.mapping.request_by_score_report``.
"""

from __future__ import annotations

from certtrack import keys
from certtrack.certifications.models import ExamItem
from certtrack.identity.models import CandidateItem


def candidates_with_registration(registration_number: str) -> list[CandidateItem]:
    """Candidates holding an exam with this registration number (GSI1 ``REG#<n>``, then GetItem)."""
    out: list[CandidateItem] = []
    seen: set[str] = set()
    for exam in ExamItem.lookup_index.query(keys.registration_gsi(registration_number), limit=5):
        if not isinstance(exam, ExamItem) or exam.candidate_id in seen:
            continue
        seen.add(exam.candidate_id)
        candidate = CandidateItem.get_candidate(exam.candidate_id)
        if candidate is not None:
            out.append(candidate)
    return out
