"""Import files, row by row: decode, read the CSV, validate each row against the catalog (pure).

No AWS and no settings: the caller passes the catalog, today and the candidate-id prefix, and
for the rules that need stored records (a candidate's name, a registration number's owner, whether
a candidate exists) what it read. :mod:`certtrack.certifications.imports` reads and writes.

A file that cannot be read as CSV text, or whose header is wrong, raises :class:`RowError` (the
import rejects it as a whole, at line 1); every other problem is a :class:`Rejection` of one row,
at the line in the file where the row starts (the header is line 1). A row that is not UTF-8 is
rejected on its own line. Emails are checked as the API checks them
(``certtrack.fields.valid_email``), text as public text (``clean_text``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Container, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from certtrack.fields import InvalidText, Schema, clean_text, valid_email
from certtrack.identity.normalize import normalize_email, same_name
from certtrack.program.catalog import Catalog

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
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Bytes that are not UTF-8, as decoding with ``surrogateescape`` leaves them (U+DC80 to U+DCFF).
_UNDECODED = re.compile("[\udc80-\udcff]")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class Rejection(Schema):
    line: int
    reason: str


class RowError(ValueError):
    """A row's reason for rejection (the message is shown in the report)."""


# ---------------------------------------------------------------- parsing


@dataclass(frozen=True)
class Record:
    line: int
    values: dict[str, str]


def decode(body: bytes) -> tuple[str, bool]:
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


def check_header(
    header: list[str] | None, required: tuple[str, ...], optional: tuple[str, ...], undecoded: bool
) -> list[str]:
    """The header's column names (trimmed, lower case); RowError when the file cannot be imported by it."""
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
    return columns


def invalid_csv(error: csv.Error, line: int) -> RowError:
    return RowError(f"The file is not valid CSV (line {line}: {error}).")


def records(
    text: str,
    required: tuple[str, ...],
    optional: tuple[str, ...],
    undecoded: bool = False,
    line_offset: int = 0,
) -> Iterator[Record]:
    """Rows as column → value, with the line each row starts on; RowError for a bad header.

    With ``undecoded`` (some bytes were not UTF-8), a row holding such bytes is an error row.
    ``line_offset`` is added to every row's line: a chunk of a file (``import_chunks``) is read
    behind the file's header and numbered as the lines of the file.
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = check_header(next(reader, None), required, optional, undecoded)
        previous_end = reader.line_num
        for cells in reader:
            start, previous_end = previous_end + 1 + line_offset, reader.line_num
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
        raise invalid_csv(error, reader.line_num + line_offset) from error


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


def _candidate_id(values: dict[str, str], prefix: str) -> str:
    value = values.get("candidate_id", "")
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


def parse_exam(record: Record, catalog: Catalog, today: date, prefix: str) -> ExamRow:
    v = record.values
    candidate_id = _candidate_id(v, prefix)
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


def parse_credit(record: Record, today: date, prefix: str) -> CERow:
    v = record.values
    return CERow(
        record.line,
        _candidate_id(v, prefix),
        _text(v, "activity_name"),
        _points(v),
        _day(v, "active_date", today),
        _text(v, "provider_name"),
        _identifier(v, "external_id"),
    )


# ---------------------------------------------------------------- files


@dataclass
class Parsed[Row]:
    """A file's rows: how many (blank lines not counted), the valid ones, and the rejected."""

    rows: int = 0
    valid: list[Row] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected.append(Rejection(line=line, reason=reason))


def columns_of(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The required and the optional columns of an ``exams`` or ``ce-credits`` file."""
    return (EXAM_COLUMNS, EXAM_OPTIONAL) if kind == EXAMS else (CE_COLUMNS, ())


def read_records(kind: str, body: bytes, line_offset: int = 0) -> list[Record]:
    """The rows of an ``exams`` or ``ce-credits`` file; RowError if the file cannot be imported at all."""
    text, undecoded = decode(body)
    return list(records(text, *columns_of(kind), undecoded, line_offset))


def _parse[Row](found: list[Record], parse: Callable[[Record], Row]) -> Parsed[Row]:
    parsed: Parsed[Row] = Parsed(rows=len(found))
    for record in found:
        if "__error__" in record.values:
            parsed.reject(record.line, record.values["__error__"])
            continue
        try:
            parsed.valid.append(parse(record))
        except RowError as error:
            parsed.reject(record.line, str(error))
    return parsed


def parse_exams(found: list[Record], catalog: Catalog, today: date, prefix: str) -> Parsed[ExamRow]:
    """An exams file's rows, each checked on its own."""
    return _parse(found, lambda record: parse_exam(record, catalog, today, prefix))


def parse_credits(found: list[Record], today: date, prefix: str) -> Parsed[CERow]:
    """A ce-credits file's rows, each checked on its own."""
    return _parse(found, lambda record: parse_credit(record, today, prefix))


# ---------------------------------------------------------------- rows against the records


def accept_exams(
    parsed: Parsed[ExamRow], names: Mapping[str, tuple[str, str]], owners: Mapping[str, str]
) -> list[ExamRow]:
    """The rows to import, given the stored names (candidate id → first, last) and the stored owners
    of the file's registration numbers; the others are rejected into ``parsed``.

    A row must carry its candidate's name (the record's, or the file's first row for a new
    candidate; compared case/accent/space-insensitively), and a registration number belongs to
    the candidate that first had it: an earlier import's, or the file's first accepted row.
    """
    known = dict(names)
    claimed = dict(owners)
    accepted: list[ExamRow] = []
    for row in parsed.valid:
        name = known.get(row.candidate_id)
        if name and not (same_name(row.first_name, name[0]) and same_name(row.last_name, name[1])):
            parsed.reject(row.line, f"The name does not match candidate {row.candidate_id}'s record.")
            continue
        if claimed.setdefault(row.registration_number, row.candidate_id) != row.candidate_id:
            parsed.reject(row.line, f"registration_number {row.registration_number} belongs to another candidate.")
            continue
        known.setdefault(row.candidate_id, (row.first_name, row.last_name))
        accepted.append(row)
    return accepted


def accept_credits(parsed: Parsed[CERow], candidates: Container[str]) -> list[CERow]:
    """The rows to import, given the candidates that exist; the others are rejected into ``parsed``.

    A credit needs an existing candidate, and an external id belongs to the file's first row for it.
    """
    owners: dict[str, str] = {}
    accepted: list[CERow] = []
    for row in parsed.valid:
        if row.candidate_id not in candidates:
            parsed.reject(row.line, f"Unknown candidate {row.candidate_id}.")
            continue
        if owners.setdefault(row.external_id, row.candidate_id) != row.candidate_id:
            parsed.reject(row.line, f"external_id {row.external_id} belongs to another candidate.")
            continue
        accepted.append(row)
    return accepted
