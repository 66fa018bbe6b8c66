"""Fixtures for identity tests: exams for the score-report path, tokens read back from emails."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from certtrack import keys
from certtrack.certifications.models import ExamItem

LINK = re.compile(r"/app/#/mapping/confirm\?token=([A-Za-z0-9_-]+)")


def exam(candidate_id: str, registration_number: str, exam_code: str = "200-301") -> ExamItem:
    """A saved exam result, findable by registration number (GSI1 ``REG#<n>``)."""
    item = ExamItem(
        keys.candidate_pk(candidate_id),
        keys.exam_sk(registration_number),
        candidate_id=candidate_id,
        exam_code=exam_code,
        exam_name="Implementing and Administering Networking Solutions (CCNA)",
        registration_number=registration_number,
        grade="Pass",
        exam_date=date(2025, 6, 1),
        GSI1PK=keys.registration_gsi(registration_number),
        GSI1SK=keys.candidate_pk(candidate_id),
    )
    item.save()
    return item


def token_in(message: dict[str, str]) -> str:
    """The token of the confirmation link in a sent message (text and HTML carry the same one)."""
    found = LINK.search(message["text"])
    assert found, "no confirmation link in the message"
    assert found.group(1) in message["html"]
    return found.group(1)


@pytest.fixture
def last_token(outbox: Callable[[], list[dict[str, Any]]]) -> Callable[[str], str]:
    def _last(to: str) -> str:
        messages = [m for m in outbox() if m["to"] == to]
        assert messages, f"no message to {to}"
        return token_in(messages[-1])

    return _last
