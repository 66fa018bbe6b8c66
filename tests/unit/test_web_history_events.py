"""The history's events are stored as English words (the contract's ``event``); the web client shows
them in the page's language by finding the ``history.event.*`` entry whose English they are
(``i18n.fromEnglish``). Every sentence the server writes must have one, with the same values."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from certtrack.certifications import expiry, manual
from certtrack.certifications.evaluation import _exam_history
from certtrack.certifications.models import CECreditItem, ExamItem
from certtrack.operations.corrections import NAME_CORRECTED_TEXT

from tests.web_catalogues import web_catalogues

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


CATALOGUES = web_catalogues()


def _pattern(english: str) -> re.Pattern[str]:
    """What ``i18n.sentencePattern`` makes of an entry: its ``{name}``s match any text."""
    return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", "(.+)", re.escape(english)) + "$")


def _server_events() -> list[str]:
    """Each kind of event the server writes, made by the code that writes it where it is cheap."""
    exam = ExamItem("CANDIDATE#c1", "EXAM#r1", exam_code="200-301", exam_date=date(2026, 11, 2))
    credit = CECreditItem("CANDIDATE#c1", "CE#x1", activity_name="Cisco Live", points=2.5, external_id="x1")
    return [
        "Certification earned",  # program/rules.py: earn
        "Manually granted certification",
        "Recertified by exam",
        "Recertified by CE credits",
        "Recertified by CCNP Enterprise",  # a lower certification, renewed by a higher one
        expiry.expired_history("c1", "ccna", date(2026, 11, 30)).event,
        _exam_history("c1", exam).event,
        manual.REVOKED_TEXT,
        manual.EXTENDED_TEXT.format(day="2027-06-30"),
        manual._credit_event("c1", credit, NOW, "ce_added", "added").event,
        manual._credit_event("c1", credit, NOW, "ce_voided", "voided").event,
        NAME_CORRECTED_TEXT,
    ]


@pytest.mark.parametrize("event", _server_events())
def test_each_event_the_server_writes_has_its_words_in_both_catalogues(event: str) -> None:
    entries = {k: v for k, v in CATALOGUES["en"].items() if k.startswith("history.event.")}
    matching = [key for key, english in entries.items() if _pattern(english).match(event)]
    assert matching, f"no history.event.* entry says {event!r}"
    # The first entry that matches is the one shown (catalogue order): it must be the exact sentence
    # or one whose values fill the rest, and Japanese must say it differently.
    key = matching[0]
    assert CATALOGUES["ja"][key] != CATALOGUES["en"][key], key
