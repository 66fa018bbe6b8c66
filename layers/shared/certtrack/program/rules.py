"""The rules engine: a pure function of (catalog, exams, CE credits, stored standings, today).

It replays the candidate's evidence in date order and returns, per certification, the status
(``in_progress`` | ``active`` | ``expired`` | ``revoked``), the dates, the progress tree of the
tree that matters today and every event of the certification's life (earned, recertified,
expired, manually granted).

The rules, in one place:

- Evidence (a passed exam, a CE credit) counts for a certification only after its last
  *completion* (earning or recertifying consumes everything dated up to that day), only while it
  is valid (an exam for ``exam_validity_years``, a CE credit until its inactive date) and, for
  recertification, only before the expiration date: the current period.
- Earning: the initial tree is met on day ``d`` → active from ``d``, expiring ``d + validity``.
- Recertifying: the recertification tree is met before the expiry → the new expiry is the old
  expiry plus the validity, at once; recertifying (or earning) a higher level renews the
  active certifications it ``renews`` the same way. A period is renewed once: after a renewal
  the next one can happen from the day after the old expiry on (evidence after the renewal day
  counts toward it), so early renewals never stack years on years.
- A certification is valid through its expiration date and expires the day after
  (:mod:`certtrack.program.standing`); evidence dated on the expiration date still renews
  it. Once expired it needs the initial tree again.
- A certification completes at most once per day (so a tree met by ``hold`` alone cannot loop).
- Stored standings contribute only what evidence cannot: manual grants, revocations and
  extensions. A revoked certification stays revoked whatever the evidence says (only a new grant
  lifts it, by clearing the revocation); an extension moves the expiry of the one period whose
  expiry it names (``extended_from``) to ``extended_to``, and a renewal of that period counts its
  years from the extended expiry. A grant that lifts a revocation (``lifted_on``) starts afresh:
  the certification is revoked until that day and nothing dated before it counts.
"""

from __future__ import annotations

import bisect
import heapq
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from certtrack.program.catalog import Catalog, Certification, Requirement
from certtrack.program.standing import first_day_expired, lapsed

IN_PROGRESS = "in_progress"
ACTIVE = "active"
EXPIRED = "expired"
REVOKED = "revoked"

EARNED = "earned"
RECERTIFIED_CE = "recertified_ce"
RECERTIFIED_EXAM = "recertified_exam"
RECERTIFIED_HIGHER = "recertified_higher"
GRANTED = "granted"
EXPIRED_EVENT = "expired"


def add_years(day: date, years: int) -> date:
    """``day`` plus whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class Exam:
    code: str
    date: date
    passed: bool
    key: str = ""  # the registration number


@dataclass(frozen=True)
class Credit:
    points: float
    active_date: date
    inactive_date: date
    key: str = ""  # the external id


@dataclass(frozen=True)
class Standing:
    """What a stored record adds to the evidence: a manual grant or a revocation."""

    cert_id: str
    revoked: bool = False
    granted_on: date | None = None
    granted_until: date | None = None  # the grant's expiry; default grant day + validity
    extended_from: date | None = None  # an operator's extension: the period expiring on this day …
    extended_to: date | None = None  # … expires on this later day instead
    lifted_on: date | None = None  # a revocation lifted by a new grant on this day


@dataclass(frozen=True)
class Progress:
    id: str
    label: str
    earned: float
    required: float
    met: bool
    kind: str
    children: tuple[Progress, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "label": self.label,
            "earned": _number(self.earned),
            "required": _number(self.required),
            "met": self.met,
            "children": [child.to_dict() for child in self.children],
        }

    def leaves(self) -> Iterable[Progress]:
        if not self.children:
            yield self
        for child in self.children:
            yield from child.leaves()


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 2)


@dataclass(frozen=True)
class Event:
    date: date
    cert_id: str
    kind: str
    text: str


@dataclass(frozen=True)
class Result:
    cert_id: str
    status: str
    started: date | None
    active_date: date | None
    expiration_date: date | None
    first_earned: date | None
    progress: Progress
    events: tuple[Event, ...]
    credit_keys: tuple[str, ...]  # CE credits counting toward today's tree
    exam_keys: tuple[str, ...]  # passed exams counting toward today's tree

    @property
    def has_progress(self) -> bool:
        return self.status != IN_PROGRESS or self.started is not None


@dataclass
class _State:
    status: str = IN_PROGRESS
    boundary: date | None = None  # evidence dated on or before this day is consumed
    active_date: date | None = None
    expiry: date | None = None
    first_earned: date | None = None
    last_completion: date | None = None
    renewable_from: date | None = None  # the first day a renewal may happen
    events: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class _Shape:
    """What kinds of evidence a requirement tree looks at."""

    codes: frozenset[str]
    has_ce: bool
    hold_targets: frozenset[str]

    @classmethod
    def of(cls, tree: Requirement) -> _Shape:
        nodes = list(_requirements(tree))
        return cls(
            codes=frozenset(code for n in nodes if n.type == "exams" for code in n.exams),
            has_ce=any(n.type == "ce" for n in nodes),
            hold_targets=frozenset(n.cert for n in nodes if n.type == "hold" and n.cert),
        )


class _Evidence:
    """Evidence dated in (boundary, on] and still valid on ``on``; each kind computed when first asked for."""

    def __init__(self, engine: _Engine | None, after: date | None, on: date) -> None:
        self._engine, self._after, self._on = engine, after, on

    def _window(self, days: list[date], span_days: int) -> tuple[int, int]:
        # nothing older than the longest validity can still be valid: bisect past it
        oldest = self._on - timedelta(days=span_days)
        after = oldest if self._after is None else max(self._after, oldest)
        return bisect.bisect_right(days, after), bisect.bisect_right(days, self._on)

    @cached_property
    def exams(self) -> tuple[Exam, ...]:
        engine = self._engine
        if engine is None:
            return ()
        lo, hi = self._window(engine.exam_days, engine.exam_span_days)
        return tuple(e for e, until in engine.exam_spans[lo:hi] if self._on < until)

    @cached_property
    def credits(self) -> tuple[Credit, ...]:
        engine = self._engine
        if engine is None:
            return ()
        lo, hi = self._window(engine.credit_days, engine.credit_span_days)
        return tuple(c for c in engine.credits[lo:hi] if self._on < c.inactive_date)


class _Engine:
    def __init__(
        self,
        catalog: Catalog,
        exams: Iterable[Exam],
        credits: Iterable[Credit],
        standings: Mapping[str, Standing],
        today: date,
    ) -> None:
        self.catalog = catalog
        self.today = today
        self.exam_years = catalog.exam_validity_years
        # Sorted by content, so the order the caller passes evidence in cannot matter.
        self.exams = tuple(sorted((e for e in exams if e.passed and e.date <= today), key=_exam_sort))
        self.credits = tuple(sorted((c for c in credits if c.active_date <= today), key=_credit_sort))
        self.exam_days = [e.date for e in self.exams]
        self.exam_spans = [(e, add_years(e.date, self.exam_years)) for e in self.exams]
        self.credit_days = [c.active_date for c in self.credits]
        self.exam_arrivals: dict[date, set[str]] = {}
        for exam in self.exams:
            self.exam_arrivals.setdefault(exam.date, set()).add(exam.code)
        self.credit_arrivals = {c.active_date: True for c in self.credits}
        self.exam_span_days = 366 * self.exam_years + 1
        self.credit_span_days = max(((c.inactive_date - c.active_date).days for c in self.credits), default=0) + 1
        self.standings = standings
        self.certs = sorted(catalog.certifications, key=lambda c: (c.level, c.id))
        self.states = {c.id: _State() for c in self.certs}
        trees = [tree for cert in self.certs for tree in (cert.initial, cert.recertification)]
        self.shapes = {id(tree): _Shape.of(tree) for tree in trees}
        self.pending: set[date] = set()
        self.earned_today: set[str] = set()
        for cert in self.certs:
            standing = standings.get(cert.id)
            if standing and (standing.revoked or standing.lifted_on):
                self.states[cert.id].status = REVOKED

    # evidence --------------------------------------------------------------------------
    def eligible(self, state: _State, on: date) -> _Evidence:
        return _Evidence(self, state.boundary, on)

    def tree(self, node: Requirement, evidence: _Evidence, on: date) -> Progress:
        if node.type in ("all", "any"):
            children = tuple(self.tree(child, evidence, on) for child in node.children)
            met_count = sum(1 for child in children if child.met)
            required = len(children) if node.type == "all" else min(node.count, len(children))
            return Progress(node.id, node.label, met_count, required, met_count >= required, node.type, children)
        if node.type == "exams":
            codes = {e.code for e in evidence.exams if e.code in node.exams}
            return Progress(node.id, node.label, len(codes), node.count, len(codes) >= node.count, node.type)
        if node.type == "ce":
            points = round(sum(c.points for c in evidence.credits), 2)
            return Progress(node.id, node.label, points, node.points, points >= node.points, node.type)
        if node.type == "hold":
            held = node.cert is not None and self.states[node.cert].status == ACTIVE
            return Progress(node.id, node.label, 1 if held else 0, 1, held, node.type)
        raise ValueError(f"unknown requirement type {node.type!r}")

    # state changes ---------------------------------------------------------------------
    def _event(self, state: _State, on: date, cert: Certification, kind: str, text: str) -> None:
        state.events.append(Event(on, cert.id, kind, text))

    def _complete(self, state: _State, on: date) -> None:
        state.boundary = on
        state.last_completion = on
        state.active_date = on

    def earn(self, cert: Certification, on: date, kind: str = EARNED, until: date | None = None) -> None:
        state = self.states[cert.id]
        state.status = ACTIVE
        self.earned_today.add(cert.id)
        self._complete(state, on)
        state.expiry = self._extended(cert, until or add_years(on, cert.validity_years))
        state.first_earned = min(state.first_earned or on, on)
        state.renewable_from = on
        text = "Manually granted certification" if kind == GRANTED else "Certification earned"
        self._event(state, on, cert, kind, text)
        self.renew_lower(cert, on)

    def renew(self, cert: Certification, on: date, kind: str, text: str) -> None:
        state = self.states[cert.id]
        assert state.expiry is not None
        self._complete(state, on)
        # The old period still runs through its expiry: the next renewal opens the day after.
        state.renewable_from = first_day_expired(state.expiry)
        if state.renewable_from <= self.today:
            self.pending.add(state.renewable_from)
        state.expiry = self._extended(cert, add_years(state.expiry, cert.validity_years))
        self._event(state, on, cert, kind, text)

    def _extended(self, cert: Certification, expiry: date) -> date:
        """The expiry of a period that would end on ``expiry``, after an operator's extension."""
        standing = self.standings.get(cert.id)
        if standing and standing.extended_from == expiry and standing.extended_to and standing.extended_to > expiry:
            return standing.extended_to
        return expiry

    def renew_lower(self, cert: Certification, on: date) -> None:
        for lower_id in cert.renews:
            lower = self.catalog.certification(lower_id)
            state = self.states.get(lower_id)
            if lower is None or state is None or not self.renewable(state, on):
                continue
            self.renew(lower, on, RECERTIFIED_HIGHER, f"Recertified by {cert.name}")
            self.renew_lower(lower, on)

    def expire_until(self, day: date) -> None:
        """Expire every active certification whose period is over on ``day`` (expiry before ``day``)."""
        for cert in self.certs:
            state = self.states[cert.id]
            if state.status == ACTIVE and state.expiry is not None and lapsed(state.expiry, day):
                state.status = EXPIRED
                self._event(state, state.expiry, cert, EXPIRED_EVENT, "Expired")

    def _could_complete(self, cert: Certification, state: _State, on: date, first_pass: bool) -> bool:
        """Whether a tree can have turned met today: a tree only turns met when relevant evidence
        arrives, a renewal window opens or (``hold``) another certification changed this day."""
        tree = cert.recertification if state.status == ACTIVE else cert.initial
        shape = self.shapes[id(tree)]
        if not first_pass:
            return not shape.hold_targets.isdisjoint(self.earned_today)
        if state.renewable_from == on:
            return True
        if shape.has_ce and self.credit_arrivals.get(on):
            return True
        return not shape.codes.isdisjoint(self.exam_arrivals.get(on, ()))

    def step(self, on: date) -> None:
        """Everything that completes on day ``on``, repeated until nothing more does (``hold``)."""
        changed, first_pass = True, True
        self.earned_today = set()
        for cert in self.certs:
            standing, state = self.standings.get(cert.id), self.states[cert.id]
            if standing and not standing.revoked and standing.lifted_on == on and state.status == REVOKED:
                state.status, state.boundary = IN_PROGRESS, on
        while changed:
            changed = False
            for cert in self.certs:
                state = self.states[cert.id]
                if state.status == REVOKED or state.last_completion == on:
                    continue
                standing = self.standings.get(cert.id)
                granted_today = standing is not None and standing.granted_on == on
                if not granted_today and not self._could_complete(cert, state, on, first_pass):
                    continue
                standing = self.standings.get(cert.id)
                if standing and standing.granted_on == on and state.status != ACTIVE:
                    self.earn(cert, on, GRANTED, standing.granted_until)
                    changed = True
                    continue
                evidence = self.eligible(state, on)
                if state.status == ACTIVE:
                    if not self.renewable(state, on):
                        continue
                    progress = self.tree(cert.recertification, evidence, on)
                    if progress.met:
                        by_exam = any(leaf.kind == "exams" and leaf.met for leaf in progress.leaves())
                        kind, text = (
                            (RECERTIFIED_EXAM, "Recertified by exam")
                            if by_exam
                            else (RECERTIFIED_CE, "Recertified by CE credits")
                        )
                        self.renew(cert, on, kind, text)
                        self.renew_lower(cert, on)
                        changed = True
                elif self.tree(cert.initial, evidence, on).met:
                    self.earn(cert, on)
                    changed = True
            first_pass = False

    def renewable(self, state: _State, on: date) -> bool:
        return (
            state.status == ACTIVE
            and state.last_completion != on
            and (state.renewable_from is None or state.renewable_from <= on)
        )

    def run(self) -> dict[str, Result]:
        # Days something can happen: evidence arrives, a grant, or a renewed period opens.
        self.pending = {e.date for e in self.exams} | {c.active_date for c in self.credits}
        self.pending |= {s.granted_on for s in self.standings.values() if s.granted_on and s.granted_on <= self.today}
        self.pending |= {s.lifted_on for s in self.standings.values() if s.lifted_on and s.lifted_on <= self.today}
        done: set[date] = set()
        queue = sorted(self.pending)
        self.pending = set()
        while queue:
            day = heapq.heappop(queue)
            if day in done:
                continue
            done.add(day)
            self.expire_until(day)
            self.step(day)
            for new_day in self.pending - done:
                heapq.heappush(queue, new_day)
            self.pending = set()
        self.expire_until(self.today)
        return {cert.id: self.result(cert) for cert in self.certs}

    def result(self, cert: Certification) -> Result:
        state = self.states[cert.id]
        evidence = self.eligible(state, self.today)
        tree = cert.recertification if state.status == ACTIVE else cert.initial
        progress = self.tree(tree, evidence, self.today)
        exam_codes = {code for leaf in _requirements(tree) if leaf.type == "exams" for code in leaf.exams}
        has_ce = any(leaf.type == "ce" for leaf in _requirements(tree))
        counted_exams = tuple(e for e in evidence.exams if e.code in exam_codes)
        counted_credits = evidence.credits if has_ce else ()
        started = None
        if state.status != ACTIVE:
            dates = [e.date for e in counted_exams] + [c.active_date for c in counted_credits]
            started = min(dates) if dates else None
        return Result(
            cert_id=cert.id,
            status=state.status,
            started=started,
            active_date=state.active_date if state.status != IN_PROGRESS else None,
            expiration_date=state.expiry if state.status != IN_PROGRESS else None,
            first_earned=state.first_earned,
            progress=progress,
            events=tuple(state.events),
            credit_keys=tuple(c.key for c in counted_credits),
            exam_keys=tuple(e.key for e in counted_exams),
        )


def _requirements(node: Requirement) -> Iterable[Requirement]:
    yield node
    for child in node.children:
        yield from _requirements(child)


def _exam_sort(exam: Exam) -> tuple[date, str, str]:
    return (exam.date, exam.code, exam.key)


def _credit_sort(credit: Credit) -> tuple[date, str, float, date]:
    return (credit.active_date, credit.key, credit.points, credit.inactive_date)


def evaluate(
    catalog: Catalog,
    exams: Iterable[Exam],
    credits: Iterable[Credit],
    standings: Mapping[str, Standing],
    today: date,
) -> dict[str, Result]:
    """Every certification of the catalog for one candidate, as of ``today``."""
    return _Engine(catalog, exams, credits, standings, today).run()
