"""CSV imports of exam results and CE credits: parse, validate every row, upsert, re-evaluate.

The report is ``{"rows","imported","rejected":[{"line","reason"}]}``; ``line`` is the line in the
file where the row starts (the header is line 1). A file over ``MAX_FILE_BYTES`` (known from the S3
event or the GET's headers, before its body is read), a file that cannot be read as CSV text, or
one whose header is wrong, is rejected as a whole with one entry at line 1; a row that is not UTF-8
is rejected on its own line. Good rows are kept, rejected rows write nothing. Emails are checked
as the API checks them (``certtrack.fields.valid_email``), text as public text (``clean_text``).
Items are keyed by registration number / external id, so importing a file again changes nothing.
A registration number belongs to the first candidate an import gave it to (``REG#<n> / OWNER``,
read with BatchGetItem for the file's numbers): a row giving it to another candidate, in this file
or a later one, is rejected. Writes are batched (BatchWriteItem, 25 items a
call); every touched candidate is re-evaluated once at the end.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from certtrack import keys
from certtrack.certifications import evaluation
from certtrack.certifications.models import AgreementItem, CECreditItem, ExamItem, RegistrationOwnerItem
from certtrack.certifications.records import read_partition
from certtrack.fields import InvalidText, Schema, clean_text, valid_email
from certtrack.identity.models import CandidateItem
from certtrack.identity.normalize import normalize_email, same_name
from certtrack.program import rules
from certtrack.program.catalog import Catalog, load_catalog
from certtrack.settings import get_settings

EXAMS = "exams"
CE_CREDITS = "ce-credits"
KINDS = (EXAMS, CE_CREDITS)

EXAM_COLUMNS = (
    "candidate_id",
    "first_name",
    "last_name",
    "email",
    "exam_code",
    "exam_name",
    "registration_number",
    "grade",
    "exam_date",
)
EXAM_OPTIONAL = ("agreement",)
CE_COLUMNS = ("candidate_id", "activity_name", "points", "active_date", "provider_name", "external_id")

MAX_TEXT = 200
MAX_ID = 64
MAX_POINTS = Decimal(1000)
# 32 MiB ≈ 250,000 exam rows. The import holds the file and its parsed rows in memory: parsing a
# 50 MB file peaked at 714 MB here, too close to the function's 1,024 MB once the rows are written.
MAX_FILE_BYTES = 32 * 1024 * 1024
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Bytes that are not UTF-8, as decoding with ``surrogateescape`` leaves them (U+DC80 to U+DCFF).
_UNDECODED = re.compile("[\udc80-\udcff]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Rejection(Schema):
    line: int
    reason: str


class ImportReport(Schema):
    rows: int
    imported: int
    rejected: list[Rejection]


class RowError(ValueError):
    """A row's reason for rejection (the message is shown in the report)."""


def kind_of(key: str) -> str | None:
    """``exams`` or ``ce-credits`` from an object key's first folder."""
    folder = key.split("/", 1)[0]
    return folder if folder in KINDS else None


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Record:
    line: int
    values: dict[str, str]


def too_large(size: int) -> str:
    return (
        f"The file is {size:,} bytes; files over {MAX_FILE_BYTES:,} bytes ({MAX_FILE_BYTES // 2**20} MiB) "
        "are not imported. Split it into smaller files."
    )


def _decode(body: bytes) -> tuple[str, bool]:
    """The text and whether some of it is not UTF-8 (those bytes left as lone surrogates)."""
    if body.startswith(_UTF16_BOMS):
        raise RowError("The file is not a CSV text file in UTF-8 (it is UTF-16 text); save it as CSV UTF-8.")
    if b"\x00" in body:
        raise RowError("The file is not a CSV text file (it contains binary data).")
    try:
        return body.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return body.decode("utf-8-sig", errors="surrogateescape"), True


def _undecoded(cells: list[str], columns: list[str]) -> str | None:
    """Why a row is not UTF-8 text (the first bad byte and its column), or None."""
    for index, cell in enumerate(cells):
        found = _UNDECODED.search(cell)
        if found:
            column = columns[index] if index < len(columns) else f"field {index + 1}"
            byte = ord(found.group()) - 0xDC00
            return f"The row is not UTF-8 text (byte 0x{byte:02X} in {column}); save the file as CSV UTF-8."
    return None


def _records(
    text: str, required: tuple[str, ...], optional: tuple[str, ...], undecoded: bool = False
) -> Iterator[Record]:
    """Rows as column → value, with the line each row starts on; RowError for a bad header.

    With ``undecoded`` (some bytes were not UTF-8), a row holding such bytes is an error row.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise RowError("The file is empty: expected a header line with " + ", ".join(required) + ".")
        if undecoded and _undecoded(header, []):
            raise RowError("The file is not a CSV text file in UTF-8 (its header line is not UTF-8 text).")
        columns = [cell.strip().lower() for cell in header]
        missing = [c for c in required if c not in columns]
        unknown = [c for c in columns if c not in required and c not in optional]
        duplicated = sorted({c for c in columns if columns.count(c) > 1})
        problems = []
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
        if unknown:
            problems.append("unknown columns: " + ", ".join(unknown))
        if duplicated:
            problems.append("duplicated columns: " + ", ".join(duplicated))
        if problems:
            raise RowError("Wrong header (" + "; ".join(problems) + ").")
        previous_end = reader.line_num
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells or all(not cell.strip() for cell in cells):
                continue
            reason = _undecoded(cells, columns) if undecoded else None
            if reason:
                yield Record(start, {"__error__": reason})
                continue
            if len(cells) != len(columns):
                yield Record(start, {"__error__": f"Expected {len(columns)} fields, found {len(cells)}."})
                continue
            yield Record(start, {name: cell.strip() for name, cell in zip(columns, cells, strict=True)})
    except csv.Error as error:
        raise RowError(f"The file is not valid CSV (line {reader.line_num}: {error}).") from error


# ---------------------------------------------------------------- field checks


def _text(values: dict[str, str], name: str, limit: int = MAX_TEXT) -> str:
    """Public text (``certtrack.fields.clean_text``: NFC, no control, bidi or zero-width characters)."""
    try:
        value = clean_text(values.get(name, ""))
    except InvalidText as error:
        raise RowError(f"{name} {error}.") from None
    if not value:
        raise RowError(f"{name} is required.")
    if len(value) > limit:
        raise RowError(f"{name} is longer than {limit} characters.")
    return value


@lru_cache(maxsize=65536)
def _checked_email(value: str) -> tuple[str | None, str]:
    """(stored form, "") or (None, reason). Cached: email-validator takes ≈ 0.5 ms an address here,
    and a file names each candidate's address on every one of their rows."""
    try:
        return normalize_email(valid_email(value)), ""
    except ValueError as error:  # pydantic's PydanticCustomError
        return None, str(error).removeprefix("value is not a valid email address: ").rstrip(".")


def _email(values: dict[str, str]) -> str:
    """Checked as the API checks an address (email-validator), then in its stored form."""
    value = _text(values, "email", 254)
    email, reason = _checked_email(value)
    if email is None:
        raise RowError(f"email {value!r} is not a valid email address ({reason}).")
    return email


def _identifier(values: dict[str, str], name: str) -> str:
    value = _text(values, name, MAX_ID)
    if not _ID.match(value):
        raise RowError(f"{name} may contain only letters, digits, '.', '_' and '-'.")
    return value


def _day(values: dict[str, str], name: str, today: date) -> date:
    value = values.get(name, "")
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError as error:
        raise RowError(f"{name} {value!r} is not a date (YYYY-MM-DD).") from error
    if day > today:
        raise RowError(f"{name} {value} is in the future.")
    return day


def _candidate_id(values: dict[str, str]) -> str:
    value = values.get("candidate_id", "")
    prefix = get_settings().candidate_prefix
    if not re.fullmatch(re.escape(prefix) + r"\d{8}", value):
        raise RowError(f"candidate_id {value!r} is not a candidate id ({prefix} and 8 digits).")
    return value


def _points(values: dict[str, str]) -> Decimal:
    raw = values.get("points", "")
    try:
        points = Decimal(raw)
    except InvalidOperation as error:
        raise RowError(f"points {raw!r} is not a number.") from error
    if not points.is_finite():
        raise RowError(f"points {raw!r} is not a number.")
    if points <= 0:
        raise RowError(f"points must be greater than 0 (got {raw}).")
    if points > MAX_POINTS:
        raise RowError(f"points must be at most {MAX_POINTS} (got {raw}).")
    if points != points.quantize(Decimal("0.01")):
        raise RowError("points may have at most 2 decimals.")
    return points


# ---------------------------------------------------------------- rows


@dataclass(frozen=True)
class ExamRow:
    line: int
    candidate_id: str
    first_name: str
    last_name: str
    email: str
    exam_code: str
    exam_name: str
    registration_number: str
    grade: str
    exam_date: date
    agreement_id: str | None


@dataclass(frozen=True)
class CERow:
    line: int
    candidate_id: str
    activity_name: str
    points: Decimal
    active_date: date
    provider_name: str
    external_id: str


def parse_exam(record: Record, catalog: Catalog, today: date) -> ExamRow:
    v = record.values
    candidate_id = _candidate_id(v)
    first_name, last_name = _text(v, "first_name", 100), _text(v, "last_name", 100)
    email = _email(v)
    code = v.get("exam_code", "")
    if code not in catalog.exams:
        raise RowError(f"Unknown exam code {code!r}.")
    name = _text(v, "exam_name") if v.get("exam_name") else catalog.exams[code]
    registration = _identifier(v, "registration_number")
    grade = v.get("grade", "").capitalize()
    if grade not in ("Pass", "Fail"):
        raise RowError(f"grade {v.get('grade', '')!r} must be Pass or Fail.")
    exam_date = _day(v, "exam_date", today)
    agreement_id = None
    if v.get("agreement"):
        agreement_id = _agreement_id(catalog, v["agreement"])
    return ExamRow(
        record.line,
        candidate_id,
        first_name,
        last_name,
        email,
        code,
        name,
        registration,
        grade,
        exam_date,
        agreement_id,
    )


def _agreement_id(catalog: Catalog, value: str) -> str:
    name = catalog.agreement_name(value)
    if name is None:
        raise RowError(f"Unknown agreement {value!r}.")
    return next(agreement_id for agreement_id, n in catalog.agreements.items() if n == name)


def parse_credit(record: Record, today: date) -> CERow:
    v = record.values
    return CERow(
        record.line,
        _candidate_id(v),
        _text(v, "activity_name"),
        _points(v),
        _day(v, "active_date", today),
        _text(v, "provider_name"),
        _identifier(v, "external_id"),
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
    """Import one CSV file (``kind`` is ``exams`` or ``ce-credits``); returns the report."""
    run = _Run(kind, source.rsplit("/", 1)[-1][:MAX_TEXT], now, load_catalog())
    required, optional = (EXAM_COLUMNS, EXAM_OPTIONAL) if kind == EXAMS else (CE_COLUMNS, ())
    try:
        text, undecoded = _decode(body)
        records = list(_records(text, required, optional, undecoded))
    except RowError as error:
        run.reject(1, str(error))
        return run.report()
    run.rows = len(records)
    good: list[Record] = []
    for record in records:
        if "__error__" in record.values:
            run.reject(record.line, record.values["__error__"])
        else:
            good.append(record)
    if kind == EXAMS:
        _import_exams(run, good)
    else:
        _import_credits(run, good)
    run.writer.flush()
    _reevaluate(run)
    return run.report()


def _import_exams(run: _Run, records: list[Record]) -> None:
    today = run.now.date()
    rows: list[ExamRow] = []
    for record in records:
        try:
            rows.append(parse_exam(record, run.catalog, today))
        except RowError as error:
            run.reject(record.line, str(error))
    _load_profiles(run, {r.candidate_id for r in rows})
    stored = _load_owners({r.registration_number for r in rows})
    names: dict[str, tuple[str, str]] = {}
    owners = dict(stored)  # and then the first accepted row of the file for a new number
    accepted: list[ExamRow] = []
    for row in rows:
        profile = run.profiles.get(row.candidate_id)
        known = (profile.first_name, profile.last_name) if profile else names.get(row.candidate_id)
        if known and not (same_name(row.first_name, known[0]) and same_name(row.last_name, known[1])):
            run.reject(row.line, f"The name does not match candidate {row.candidate_id}'s record.")
            continue
        owner = owners.setdefault(row.registration_number, row.candidate_id)
        if owner != row.candidate_id:
            run.reject(row.line, f"registration_number {row.registration_number} belongs to another candidate.")
            continue
        names.setdefault(row.candidate_id, (row.first_name, row.last_name))
        accepted.append(row)
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
        exam_date=row.exam_date.isoformat(),
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


def _import_credits(run: _Run, records: list[Record]) -> None:
    today = run.now.date()
    rows: list[CERow] = []
    for record in records:
        try:
            rows.append(parse_credit(record, today))
        except RowError as error:
            run.reject(record.line, str(error))
    _load_profiles(run, {r.candidate_id for r in rows})
    owners: dict[str, str] = {}
    for row in rows:
        if run.profiles.get(row.candidate_id) is None:
            run.reject(row.line, f"Unknown candidate {row.candidate_id}.")
            continue
        if owners.setdefault(row.external_id, row.candidate_id) != row.candidate_id:
            run.reject(row.line, f"external_id {row.external_id} belongs to another candidate.")
            continue
        run.writer.put(_credit_item(row, run))
        run.touched.add(row.candidate_id)
        run.imported += 1


def _credit_item(row: CERow, run: _Run) -> CECreditItem:
    inactive = rules.add_years(row.active_date, run.catalog.ce_validity_years)
    item = CECreditItem(
        keys.candidate_pk(row.candidate_id),
        keys.ce_sk(row.external_id),
        candidate_id=row.candidate_id,
        external_id=row.external_id,
        activity_name=row.activity_name,
        provider_name=row.provider_name,
        points=float(row.points),
        active_date=row.active_date.isoformat(),
        inactive_date=inactive.isoformat(),
        status="active" if inactive > run.now.date() else "inactive",
        import_source=run.source,
        updated_at=run.now,
    )
    if item.status == "active":
        # the expiry check marks it inactive on that day (GSI2, like certifications)
        pk, sk = item.PK, item.SK
        item.GSI2PK = keys.due_shard(pk, sk, get_settings().due_shards)
        item.GSI2SK = keys.due_sk(inactive.isoformat(), "CE:inactive", pk, sk)
    return item


def _reevaluate(run: _Run) -> None:
    """Each touched candidate once: one Query, the engine, batched writes, then the emails."""
    outcomes: dict[str, evaluation.Outcome] = {}
    earned: list[evaluation.Earned] = []
    for candidate_id in sorted(run.touched):
        partition = read_partition(candidate_id, consistent=True)
        outcome = evaluation.apply(partition, run.now, run.writer, run.catalog)
        evaluation.assign_attributes(partition.profile, outcome.results, run.catalog)
        run.profiles[candidate_id] = partition.profile or run.profiles.get(candidate_id)
        outcomes[candidate_id] = outcome
        earned.extend(outcome.earned)
    run.writer.flush()
    evaluation.congratulate(earned, run.profiles, outcomes, run.writer, run.catalog)
    run.writer.flush()


def report_key(key: str) -> str:
    return f"{key}.report.json"


def _whole_file(reason: str) -> ImportReport:
    return ImportReport(rows=0, imported=0, rejected=[Rejection(line=1, reason=reason)])


def import_object(bucket: str, key: str, now: datetime, size: int | None = None) -> ImportReport:
    """Read ``key`` from the imports bucket, import it, write ``<key>.report.json`` beside it.

    ``size`` is the object's size from the S3 event: a file over ``MAX_FILE_BYTES`` is not read at
    all. Without it (or if the object grew since), the GET's Content-Length stops it before its body.
    """
    from certtrack import documents

    kind = kind_of(key)
    if kind is None:
        report = _whole_file("Files go under exams/ or ce-credits/; this one was not imported.")
    elif size is not None and size > MAX_FILE_BYTES:
        report = _whole_file(too_large(size))
    else:
        try:
            body = documents.get_bytes(bucket, key, max_bytes=MAX_FILE_BYTES)
        except documents.TooLarge as error:
            report = _whole_file(too_large(error.size))
        else:
            report = run_import(kind, key, body, now)
    documents.put(bucket, report_key(key), report.model_dump_json().encode(), "application/json")
    return report
