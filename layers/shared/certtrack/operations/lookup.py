"""Finding a candidate and reading everything the program holds about them (read-only).

:func:`search` takes what an operator types and tries each form it can be, one read per form,
never a Scan: a candidate id (GetItem of the profile), an email (GSI1 ``EMAIL#``), a registration
number (GSI1 ``REG#`` exams, then their profiles), a name (GSI3 ``NAME#``, :func:`name_forms`).
:func:`candidate_view` composes the domain's own read functions (records, fulfillment history,
transcripts, support cases, the operators' audit) into one answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from certtrack import keys
from certtrack.certifications import records
from certtrack.certifications.record_schemas import CategoryGroup, CEActivity, ExamOut
from certtrack.certifications.registrations import candidates_with_registration
from certtrack.errors import NotFound, Unprocessable
from certtrack.fields import Schema
from certtrack.fulfillment import history as fulfillment_history
from certtrack.fulfillment.history import FulfillmentEntry, TransactionEntry
from certtrack.identity import case_index
from certtrack.identity.candidates import candidates_with_email
from certtrack.identity.models import CandidateItem
from certtrack.identity.normalize import fold_name
from certtrack.operations.audit import AuditEntry, candidate_audit
from certtrack.settings import get_settings
from certtrack.transcripts import service as transcripts
from certtrack.transcripts.schemas import Transcript

MAX_RESULTS = 50  # a search answers at most this many candidates; more: type more of the name
SECTION_LIMIT = 100  # rows per section of the candidate view (the newest ones)
MIN_LETTERS = 2  # a name search needs this much of the last name (GSI3 partitions by two letters)
# What an import accepts as a registration number (``import_rows._ID``): other text is no number.
_IDENTIFIER = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

MatchedBy = Literal["candidate_id", "email", "registration_number", "name"]


def _query_problem() -> Unprocessable:
    return Unprocessable(
        "Type at least two letters of a last name, or a candidate id, an email address or a registration number.",
        code="query_too_short",
    )


# ---------------------------------------------------------------- search


@dataclass(frozen=True)
class NameForm:
    """One reading of the text as a name: a prefix of the folded last name, or the whole last name
    and a prefix of the first (``first`` set)."""

    last: str
    first: str | None = None


def name_forms(text: str) -> list[NameForm]:
    """The name readings of what was typed (pure).

    - ``"Lovel"`` → a prefix of the last name;
    - ``"Lovelace, Ad"`` → the last name ``Lovelace``, a first name starting ``Ad``;
    - ``"Ada Lovelace"`` → the first word a first-name prefix and the rest the last name, and also
      the whole text as a last-name prefix (``"van der Berg"``, ``"de la O"``).

    Names are folded as the index stores them (case, accents and spaces ignored). A reading whose
    last name has fewer than two letters is dropped.
    """
    if "," in text:
        last, first = text.split(",", 1)
        forms = [NameForm(fold_name(last), fold_name(first) or None)]
    else:
        words = text.split()
        forms = [NameForm(fold_name(text))]
        if len(words) > 1:
            forms.append(NameForm(fold_name(" ".join(words[1:])), fold_name(words[0])))
    return [form for form in forms if len(form.last) >= MIN_LETTERS]


def _candidate_id(text: str) -> str | None:
    """The candidate id ``text`` spells (any case: ``csco10000001``), or None when it is not one."""
    prefix = get_settings().candidate_prefix
    match = re.fullmatch(re.escape(prefix) + r"(\d{8})", text, flags=re.IGNORECASE)
    return f"{prefix}{match.group(1)}" if match else None


def _by_name(form: NameForm) -> tuple[list[CandidateItem], bool]:
    """One Query on GSI3: the first matches in name order, and whether there were more."""
    results = CandidateItem.name_index.query(
        keys.name_gsi(form.last),
        CandidateItem.GSI3SK.startswith(keys.name_gsi_prefix(form.last, form.first)),
        limit=MAX_RESULTS + 1,
    )
    found = [item for item in results if isinstance(item, CandidateItem)]
    return found[:MAX_RESULTS], len(found) > MAX_RESULTS


class CandidateMatch(Schema):
    candidate_id: str
    first_name: str
    last_name: str
    email: str | None
    mapped: bool  # a login is mapped to the record
    matched_by: MatchedBy


class CandidateSearch(Schema):
    """``GET /ops/candidates``: identifier matches first, then names in alphabetical order."""

    items: list[CandidateMatch]
    truncated: bool  # more candidates matched than ``items`` holds: type more of the name


def search(q: str | None) -> CandidateSearch:
    """The candidates ``q`` names (see the module docstring); 422 ``query_too_short`` when too short."""
    text = " ".join((q or "").split())
    if len(text) < MIN_LETTERS:
        raise _query_problem()
    found: list[tuple[MatchedBy, CandidateItem]] = []
    truncated = False
    if "@" in text:
        found += [("email", item) for item in candidates_with_email(text)]
    else:
        single = " " not in text and "," not in text
        candidate_id = _candidate_id(text) if single else None
        registration = single and _IDENTIFIER.match(text) is not None
        forms = [] if candidate_id else name_forms(text)  # a candidate id is no name
        if not (candidate_id or registration or forms):
            raise _query_problem()
        if candidate_id and (profile := CandidateItem.get_candidate(candidate_id)) is not None:
            found.append(("candidate_id", profile))
        if registration:
            found += [("registration_number", item) for item in candidates_with_registration(text)]
        named: list[CandidateItem] = []
        for form in forms:
            items, more = _by_name(form)
            named += items
            truncated = truncated or more
        named.sort(key=lambda c: (c.GSI3SK or "", c.candidate_id))
        found += [("name", item) for item in named]
    matches = list(_unique(found))
    return CandidateSearch(items=matches[:MAX_RESULTS], truncated=truncated or len(matches) > MAX_RESULTS)


def _unique(found: Iterable[tuple[MatchedBy, CandidateItem]]) -> Iterable[CandidateMatch]:
    seen: set[str] = set()
    for matched_by, item in found:
        if item.candidate_id in seen:
            continue
        seen.add(item.candidate_id)
        yield CandidateMatch(
            candidate_id=item.candidate_id,
            first_name=item.first_name,
            last_name=item.last_name,
            email=item.email,
            mapped=item.login_sub is not None,
            matched_by=matched_by,
        )


# ---------------------------------------------------------------- the candidate view


class CandidateProfile(Schema):
    candidate_id: str
    first_name: str
    last_name: str
    email: str | None
    mapped: bool
    login_id: str | None  # the mapped login's username
    mapped_at: datetime | None
    created_at: datetime
    frozen: bool  # a disputed mapping froze the record until an operator clears it
    frozen_at: datetime | None
    frozen_case_id: str | None
    email_suppressed: bool  # the address bounced or complained: no non-essential mail
    reminders_unsubscribed: bool
    vendor_testing_id: str | None
    in_name_index: bool  # false for profiles written before GSI3 existed: not found by name


class HistoryEvent(Schema):
    date: str
    event: str
    certification_id: str | None


class SupportCaseSummary(Schema):
    case_id: str
    reason: str
    status: str
    candidate_ids: list[str]
    created_at: datetime


class CandidateView(Schema):
    """``GET /ops/candidates/{candidate_id}``: every section newest first, at most 100 rows each."""

    profile: CandidateProfile
    certifications: list[CategoryGroup]
    history: list[HistoryEvent]
    exams: list[ExamOut]
    ce_credits: list[CEActivity]
    kits: list[FulfillmentEntry]
    transactions: list[TransactionEntry]
    transcripts: list[Transcript]
    open_cases: list[SupportCaseSummary]
    audit: list[AuditEntry]


def _profile(item: CandidateItem) -> CandidateProfile:
    return CandidateProfile(
        candidate_id=item.candidate_id,
        first_name=item.first_name,
        last_name=item.last_name,
        email=item.email,
        mapped=item.login_sub is not None,
        login_id=item.login_username,
        mapped_at=item.mapped_at,
        created_at=item.created_at,
        frozen=item.frozen_at is not None,
        frozen_at=item.frozen_at,
        frozen_case_id=item.frozen_case_id,
        email_suppressed=bool(item.email_suppressed),
        reminders_unsubscribed=bool(item.reminders_unsubscribed),
        vendor_testing_id=item.vendor_testing_id,
        in_name_index=item.GSI3PK is not None,
    )


def _history(candidate_id: str) -> list[HistoryEvent]:
    events = records.read_partition(candidate_id, prefix=keys.HISTORY_PREFIX).history
    events.sort(key=lambda h: h.SK, reverse=True)
    return [
        HistoryEvent(date=h.date.isoformat(), event=h.event, certification_id=h.cert_id) for h in events[:SECTION_LIMIT]
    ]


def candidate_view(candidate_id: str, now: datetime) -> CandidateView:
    """Everything about one candidate, read-only; 404 ``candidate_not_found`` for an unknown id."""
    profile = CandidateItem.get_candidate(candidate_id)
    if profile is None:
        raise NotFound("No candidate has this id.", code="candidate_not_found")
    return CandidateView(
        profile=_profile(profile),
        certifications=records.list_certifications(candidate_id, now, SECTION_LIMIT, None).groups,
        history=_history(candidate_id),
        exams=records.list_exams(candidate_id, "date", "desc", SECTION_LIMIT, None).items,
        ce_credits=records.list_ce_activities(candidate_id, None, SECTION_LIMIT, None).items,
        kits=fulfillment_history.list_fulfillments(candidate_id, SECTION_LIMIT, None).items,
        transactions=fulfillment_history.list_transactions(candidate_id, SECTION_LIMIT, None).items,
        transcripts=transcripts.list_transcripts(candidate_id, now, limit=SECTION_LIMIT).items,
        open_cases=[
            SupportCaseSummary(
                case_id=case.case_id,
                reason=case.reason,
                status=case.status,
                candidate_ids=sorted(case.candidate_ids),
                created_at=case.created_at,
            )
            for case in case_index.cases_naming(candidate_id)
            if case.status == "open"
        ],
        audit=candidate_audit(candidate_id, limit=SECTION_LIMIT),
    )
