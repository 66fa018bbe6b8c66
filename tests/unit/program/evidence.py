"""Factories for rules-engine inputs: passed/failed exams and CE credits."""

from __future__ import annotations

import itertools
from datetime import date

from certtrack.program.catalog import load_catalog
from certtrack.program.rules import Credit, Exam, add_years

_seq = itertools.count(1)


def passed(code: str, day: date | str, key: str | None = None) -> Exam:
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return Exam(code=code, date=when, passed=True, key=key or f"REG{next(_seq)}")


def failed(code: str, day: date | str) -> Exam:
    return Exam(
        code=code, date=date.fromisoformat(day) if isinstance(day, str) else day, passed=False, key=f"F{next(_seq)}"
    )


def credit(points: float, day: date | str, key: str | None = None) -> Credit:
    when = date.fromisoformat(day) if isinstance(day, str) else day
    return Credit(
        points=points,
        active_date=when,
        inactive_date=add_years(when, load_catalog().ce_validity_years),
        key=key or f"CE{next(_seq)}",
    )
