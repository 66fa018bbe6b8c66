"""CSV imports of exam results and CE credits: read the file, look up, upsert, re-evaluate.

:mod:`certtrack.certifications.import_rows` (pure) reads the rows and decides which are valid;
this module reads the S3 object and the stored records those rules need, writes, and reports.
The report is ``{"rows","imported","rejected":[{"line","reason"}]}``; ``line`` is the line in the
file where the row starts (the header is line 1). A file over ``MAX_FILE_BYTES`` (known from the S3
event or the GET's headers, before its body is read), a file that cannot be read as CSV text, or
one whose header is wrong, is rejected as a whole with one entry at line 1. Good rows are kept,
rejected rows write nothing. Items are keyed by registration number / external id, so importing
a file again changes nothing. A registration number belongs to the first candidate an import gave
it to (``REG#<n> / OWNER``, read with BatchGetItem for the file's numbers): a row giving it to
another candidate, in this file or a later one, is rejected. Writes are batched (BatchWriteItem,
25 items a call); every touched candidate is re-evaluated once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from certtrack import keys
from certtrack.certifications import evaluation
from certtrack.certifications.credits import credit_item
from certtrack.certifications.evidence import VOID
from certtrack.certifications.import_rows import (
    EXAMS,
    KINDS,
    MAX_TEXT,
    CERow,
    ExamRow,
    Parsed,
    Rejection,
    RowError,
    accept_credits,
    accept_exams,
    parse_credits,
    parse_exams,
    read_records,
)
from certtrack.certifications.models import AgreementItem, CECreditItem, ExamItem, RegistrationOwnerItem
from certtrack.certifications.records import read_partition
from certtrack.fields import Schema
from certtrack.identity.models import CandidateItem, name_keys
from certtrack.program.catalog import Catalog, load_catalog
from certtrack.settings import get_settings

# 1 GiB ≈ 8 million exam rows (≈ 130 bytes a row). The file is streamed and cut into chunks
# (``import_chunks``): memory does not grow with it; the limit bounds the splitter's one pass
# (≈ 25 s a GiB here, within its 300 s) and the number of chunk jobs (≈ 8,000).
MAX_FILE_BYTES = 1024 * 1024 * 1024


class ImportReport(Schema):
    rows: int
    imported: int
    rejected: list[Rejection]


def kind_of(key: str) -> str | None:
    """``exams`` or ``ce-credits`` from an object key's first folder."""
    folder = key.split("/", 1)[0]
    return folder if folder in KINDS else None


def too_large(size: int) -> str:
    return (
        f"The file is {size:,} bytes; files over {MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES / 2**30:g} GiB) "
        "are not imported. Split it into smaller files."
    )


# ---------------------------------------------------------------- the import


@dataclass
class _Run:
    kind: str
    source: str
    now: datetime
    catalog: Catalog
    writer: evaluation.Writer = field(default_factory=evaluation.Writer)
    rows: int = 0
    imported: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)
    profiles: dict[str, CandidateItem | None] = field(default_factory=dict)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(Rejection(line=line, reason=reason))

    def report(self) -> ImportReport:
        return ImportReport(
            rows=self.rows, imported=self.imported, rejected=sorted(self.rejected, key=lambda r: r.line)
        )


def _load_profiles(run: _Run, candidate_ids: set[str]) -> None:
    """BatchGetItem (100 keys a call) of the candidate profiles the file names."""
    wanted = sorted(candidate_ids - set(run.profiles))
    run.profiles.update(dict.fromkeys(wanted))
    for item in CandidateItem.batch_get([CandidateItem.key(cid) for cid in wanted]):
        run.profiles[item.candidate_id] = item


def _load_owners(registration_numbers: set[str]) -> dict[str, str]:
    """Registration number → owning candidate, for the numbers an earlier import gave out.

    BatchGetItem (100 keys a call), strongly consistent: a file imported just before must be seen.
    """
    wanted = [RegistrationOwnerItem.key(number) for number in sorted(registration_numbers)]
    return {
        item.registration_number: item.candidate_id
        for item in RegistrationOwnerItem.batch_get(wanted, consistent_read=True)
    }


def run_import(kind: str, source: str, body: bytes, now: datetime) -> ImportReport:
    """Import one CSV file in this process (``kind`` is ``exams`` or ``ce-credits``); returns the report.

    The S3-triggered import cuts files into chunks (``import_chunks``); each chunk goes through
    :func:`import_rows` as this does for a whole file (the demo seed, the benches, tests).
    """
    try:
        return import_rows(kind, source, body, now)[0]
    except RowError as error:
        return whole_file(str(error))


class Imported(NamedTuple):
    report: ImportReport
    touched: set[str]  # the candidates the rows named
    refused: list[str]  # of those, the ones whose congratulations SES refused for now


def import_rows(kind: str, source: str, body: bytes, now: datetime, line_offset: int = 0) -> Imported:
    """Import the rows of ``body`` (a header line and rows, numbered ``line_offset`` lines further
    down than they stand in ``body``), re-evaluate each candidate they touch once. RowError when
    the text as a whole cannot be imported."""
    run = _Run(kind, source.rsplit("/", 1)[-1][:MAX_TEXT], now, load_catalog())
    found = read_records(kind, body, line_offset)
    today, prefix = now.date(), get_settings().candidate_prefix
    parsed: Parsed[ExamRow] | Parsed[CERow]
    if kind == EXAMS:
        parsed = parse_exams(found, run.catalog, today, prefix)
        _import_exams(run, parsed)
    else:
        parsed = parse_credits(found, today, prefix)
        _import_credits(run, parsed)
    run.rows = parsed.rows
    run.rejected.extend(parsed.rejected)
    run.writer.flush()
    refused = reevaluate(sorted(run.touched), now, run)
    return Imported(run.report(), run.touched, refused)


def _import_exams(run: _Run, parsed: Parsed[ExamRow]) -> None:
    _load_profiles(run, {r.candidate_id for r in parsed.valid})
    stored = _load_owners({r.registration_number for r in parsed.valid})
    names = {cid: (p.first_name, p.last_name) for cid, p in run.profiles.items() if p is not None}
    accepted = accept_exams(parsed, names, stored)
    # Owner items go first into the writer (flushed in order): an import that fails half-way
    # leaves owners rather than exams without one, and its retry (the same rows) completes it.
    for row in accepted:
        if row.registration_number not in stored:
            run.writer.put(
                RegistrationOwnerItem(
                    *RegistrationOwnerItem.key(row.registration_number),
                    candidate_id=row.candidate_id,
                    registration_number=row.registration_number,
                    import_source=run.source,
                    created_at=run.now,
                )
            )
    _write_candidates(run, accepted)
    agreements: dict[tuple[str, str], date] = {}
    for row in accepted:
        run.writer.put(_exam_item(row, run))
        if row.agreement_id:
            key = (row.candidate_id, row.agreement_id)
            agreements[key] = min(agreements.get(key, row.exam_date), row.exam_date)
        run.touched.add(row.candidate_id)
        run.imported += 1
    for (candidate_id, agreement_id), signed in agreements.items():
        run.writer.put(
            AgreementItem(
                keys.candidate_pk(candidate_id),
                keys.agreement_sk(agreement_id),
                candidate_id=candidate_id,
                name=run.catalog.agreements[agreement_id],
                active_date=signed.isoformat(),
                expires=None,
            )
        )


def _exam_item(row: ExamRow, run: _Run) -> ExamItem:
    return ExamItem(
        keys.candidate_pk(row.candidate_id),
        keys.exam_sk(row.registration_number),
        candidate_id=row.candidate_id,
        exam_code=row.exam_code,
        exam_name=row.exam_name,
        registration_number=row.registration_number,
        grade=row.grade,
        exam_date=row.exam_date,
        import_source=run.source,
        updated_at=run.now,
        GSI1PK=keys.registration_gsi(row.registration_number),
        GSI1SK=keys.candidate_pk(row.candidate_id),
    )


def _write_candidates(run: _Run, rows: list[ExamRow]) -> None:
    """New candidates are created (batched); an unmapped one takes the email of its latest exam."""
    latest: dict[str, ExamRow] = {}
    for row in rows:
        current = latest.get(row.candidate_id)
        if current is None or (row.exam_date, row.line) > (current.exam_date, current.line):
            latest[row.candidate_id] = row
    for candidate_id, row in latest.items():
        profile = run.profiles.get(candidate_id)
        if profile is None:
            profile = CandidateItem(
                *CandidateItem.key(candidate_id),
                candidate_id=candidate_id,
                first_name=row.first_name,
                last_name=row.last_name,
                email=row.email,
                created_at=run.now,
                GSI1PK=keys.email_gsi(row.email),
                GSI1SK=keys.candidate_pk(candidate_id),
                **name_keys(row.first_name, row.last_name, candidate_id),
            )
            run.writer.put(profile)
            run.profiles[candidate_id] = profile
        elif profile.login_sub is None and profile.email != row.email:
            # Once mapped, the login flow owns the email (a score-report mapping may have changed it).
            profile.update(
                actions=[
                    CandidateItem.email.set(row.email),
                    CandidateItem.GSI1PK.set(keys.email_gsi(row.email)),
                    CandidateItem.GSI1SK.set(keys.candidate_pk(candidate_id)),
                ],
                condition=CandidateItem.login_sub.does_not_exist(),
            )


def _import_credits(run: _Run, parsed: Parsed[CERow]) -> None:
    _load_profiles(run, {r.candidate_id for r in parsed.valid})
    accepted = accept_credits(parsed, {cid for cid, p in run.profiles.items() if p is not None})
    voided = _voided_credits(accepted)
    for row in accepted:
        if (row.candidate_id, row.external_id) not in voided:
            run.writer.put(_credit_item(row, run))
        run.touched.add(row.candidate_id)
        run.imported += 1


def _voided_credits(rows: list[CERow]) -> set[tuple[str, str]]:
    """(candidate, external id) of the rows' credits an operator voided: a file sent again (or a
    later feed) never brings a voided credit back. BatchGetItem (100 keys a call), strongly
    consistent: a void made just before must be seen."""
    wanted = sorted({(row.candidate_id, row.external_id) for row in rows})
    found = CECreditItem.batch_get(
        [(keys.candidate_pk(cid), keys.ce_sk(external_id)) for cid, external_id in wanted],
        consistent_read=True,
        attributes_to_get=["candidate_id", "external_id", "status"],
    )
    return {(item.candidate_id, item.external_id) for item in found if item.status == VOID}


def _credit_item(row: CERow, run: _Run) -> CECreditItem:
    return credit_item(
        row.candidate_id,
        row.external_id,
        row.activity_name,
        row.provider_name,
        row.points,
        row.active_date,
        run.now,
        catalog=run.catalog,
        import_source=run.source,
    )


def reevaluate(candidate_ids: list[str], now: datetime, run: _Run | None = None) -> list[str]:
    """Each candidate once: one Query, the engine, batched writes, then the emails; the candidates
    whose congratulations SES refused for now (``evaluation.congratulate``)."""
    run = run or _Run(EXAMS, "", now, load_catalog())
    outcomes: dict[str, evaluation.Outcome] = {}
    earned: list[evaluation.Earned] = []
    for candidate_id in candidate_ids:
        partition = read_partition(candidate_id, consistent=True)
        outcome = evaluation.apply(partition, run.now, run.writer, run.catalog)
        evaluation.assign_attributes(partition.profile, outcome.results, run.catalog)
        run.profiles[candidate_id] = partition.profile or run.profiles.get(candidate_id)
        outcomes[candidate_id] = outcome
        earned.extend(outcome.earned)
    run.writer.flush()
    refused = evaluation.congratulate(earned, run.profiles, outcomes, run.writer, run.catalog)
    run.writer.flush()
    return refused


def report_key(key: str) -> str:
    return f"{key}.report.json"


def whole_file(reason: str) -> ImportReport:
    return ImportReport(rows=0, imported=0, rejected=[Rejection(line=1, reason=reason)])
