"""Record items as the imports write them, built through the models (not saved anywhere)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from certtrack import keys
from certtrack.certifications.models import AgreementItem, CECreditItem, ExamItem
from certtrack.identity.models import CandidateItem
from certtrack.program import rules

CAND = "CSCO10000000"
_seq = itertools.count(1)


def profile(candidate_id: str = CAND, email: str | None = "john.doe@example.com") -> CandidateItem:
    return CandidateItem(
        *CandidateItem.key(candidate_id),
        candidate_id=candidate_id,
        first_name="John",
        last_name="Doe",
        email=email,
        created_at=datetime(2020, 1, 1, tzinfo=UTC),
    )


def exam(day: date, code: str = "200-301", grade: str = "Pass", candidate_id: str = CAND) -> ExamItem:
    registration = f"REG-{next(_seq):06d}"
    return ExamItem(
        keys.candidate_pk(candidate_id),
        keys.exam_sk(registration),
        candidate_id=candidate_id,
        exam_code=code,
        exam_name=f"Exam {code}",
        registration_number=registration,
        grade=grade,
        exam_date=day,
    )


def credit(
    day: date, points: float, candidate_id: str = CAND, name: str = "Cisco Live session", provider: str = "Cisco"
) -> CECreditItem:
    external_id = f"EXT-{next(_seq):06d}"
    return CECreditItem(
        keys.candidate_pk(candidate_id),
        keys.ce_sk(external_id),
        candidate_id=candidate_id,
        external_id=external_id,
        activity_name=name,
        provider_name=provider,
        points=points,
        active_date=day,
        inactive_date=rules.add_years(day, 3),
    )


def agreement(agreement_id: str, day: date, name: str, candidate_id: str = CAND) -> AgreementItem:
    return AgreementItem(
        keys.candidate_pk(candidate_id),
        keys.agreement_sk(agreement_id),
        candidate_id=candidate_id,
        name=name,
        active_date=day.isoformat(),
        expires=None,
    )


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
