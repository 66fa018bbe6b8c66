"""Import rows without AWS: the file's header and encoding, each row's checks, and the rules that
need stored records (names, registration owners, candidates), given what the import read."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from certtrack.certifications.import_rows import (
    CE_CREDITS,
    EXAMS,
    CERow,
    ExamRow,
    Parsed,
    RowError,
    accept_credits,
    accept_exams,
    parse_credits,
    parse_exams,
    read_records,
)
from certtrack.fields import EmailAddress
from certtrack.program.catalog import load_catalog
from pydantic import TypeAdapter, ValidationError

from tests.factories.csv_rows import EXAM_HEADER, ce_row, csv_bytes, exam_row

CATALOG = load_catalog()
TODAY = date(2026, 11, 25)
PREFIX = "CSCO"
CE_HEADER = b"candidate_id,activity_name,points,active_date,provider_name,external_id\n"


def exams(body: bytes) -> Parsed[ExamRow]:
    return parse_exams(read_records(EXAMS, body), CATALOG, TODAY, PREFIX)


def credits(body: bytes) -> Parsed[CERow]:
    return parse_credits(read_records(CE_CREDITS, body), TODAY, PREFIX)


def reasons(parsed: Parsed[ExamRow] | Parsed[CERow]) -> dict[int, str]:
    return {r.line: r.reason for r in parsed.rejected}


# -- the file --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (tuple(c for c in EXAM_HEADER if c != "exam_date"), "missing columns: exam_date"),
        ((*EXAM_HEADER, "score"), "unknown columns: score"),
        ((*EXAM_HEADER, "Grade "), "duplicated columns: grade"),
    ],
)
def test_a_wrong_header_rejects_the_file(header: tuple[str, ...], problem: str) -> None:
    with pytest.raises(RowError, match=f"^Wrong header \\({problem}\\)\\.$"):
        read_records(EXAMS, csv_bytes([exam_row()], header=header))


def test_header_names_are_trimmed_case_insensitive_and_in_any_order() -> None:
    row = exam_row()
    columns = list(reversed(EXAM_HEADER))
    lines = [",".join(f" {c.upper()} " if c == "grade" else c for c in columns), ",".join(row[c] for c in columns)]
    parsed = exams("\n".join(lines).encode())
    assert parsed.rejected == [] and [(r.grade, r.exam_code) for r in parsed.valid] == [("Pass", "200-301")]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "The file is not a CSV text file (it contains binary data)."),
        ("candidate_id,activity_name\n".encode("utf-16"), "it is UTF-16 text"),
        (b"candidate_id,activity_nam\xe9\nCSCO10000000,x\n", "its header line is not UTF-8 text"),
        (b"", "The file is empty: expected a header line with candidate_id, activity_name"),
        (b'candidate_id,"activity_name\n', "The file is not valid CSV (line 1: unexpected end of data)."),
    ],
)
def test_a_file_that_is_not_csv_text_is_rejected_as_a_whole(body: bytes, reason: str) -> None:
    with pytest.raises(RowError) as info:
        read_records(CE_CREDITS, body)
    assert reason in str(info.value)


def test_a_utf8_bom_is_fine() -> None:
    parsed = credits(b"\xef\xbb\xbf" + csv_bytes([ce_row()]))
    assert (parsed.rows, len(parsed.valid), parsed.rejected) == (1, 1, [])


def test_lines_are_physical_lines_and_blank_lines_are_not_rows() -> None:
    body = (
        CE_HEADER
        + b'CSCO10000000,"Two\nline name",5,2025-01-01,P,E-1\n'
        + b"\n"
        + b"CSCO10000000,Bad,-3,2025-01-01,P,E-2\n"
        + b'CSCO10000000,"Good, quoted",3,2025-01-01,P,E-3\n'
        + b"CSCO10000000,Short,3\n"
    )
    parsed = credits(body)
    assert parsed.rows == 4
    assert [r.external_id for r in parsed.valid] == ["E-3"] and parsed.valid[0].line == 6
    found = reasons(parsed)
    assert sorted(found) == [2, 5, 7]
    assert "control characters" in found[2]
    assert found[5] == "points must be greater than 0 (got -3)."
    assert found[7] == "Expected 6 fields, found 3."


def test_rows_that_are_not_utf8_are_rejected_on_their_own_line() -> None:
    header = ",".join(EXAM_HEADER).encode()
    good = csv_bytes([exam_row(registration_number="OK-1")], EXAM_HEADER).split(b"\n")[1]
    good2 = csv_bytes([exam_row(registration_number="OK-2")], EXAM_HEADER).split(b"\n")[1]
    latin1 = csv_bytes([exam_row(last_name="Müller", candidate_id="CSCO10000001")], EXAM_HEADER)
    latin1_row = latin1.decode().split("\n")[1].encode("latin-1")  # "M\xfcller"
    multi = b'CSCO10000002,Ann,Lee,ann@example.com,200-301,"two\nlines \xe9",R-9,Pass,2024-05-10,'
    parsed = exams(b"\n".join([header, good, latin1_row, multi, good2, b""]))
    assert parsed.rows == 4
    assert [r.registration_number for r in parsed.valid] == ["OK-1", "OK-2"]
    assert [r.line for r in parsed.valid] == [2, 6]  # the multi-line row took lines 4 and 5
    assert reasons(parsed) == {
        3: "The row is not UTF-8 text (byte 0xFC in last_name); save the file as CSV UTF-8.",
        4: "The row is not UTF-8 text (byte 0xE9 in exam_name); save the file as CSV UTF-8.",
    }


def test_a_line_after_a_multi_line_row_keeps_its_number() -> None:
    body = (
        CE_HEADER
        + b'CSCO10000000,"Good, quoted",3,2025-01-01,P,E-1\n'
        + b'CSCO10000000,"Bad \xff",3,2025-01-01,"P\nQ",E-2\n'
        + b"CSCO10000000,Caf\xe9,3,2025-01-01,P,E-3\n"
        + b"CSCO10000000,Fine,3,2025-01-01,P,E-4\n"
    )
    parsed = credits(body)
    assert parsed.rows == 4
    assert [(r.line, r.external_id) for r in parsed.valid] == [(2, "E-1"), (6, "E-4")]
    assert sorted(reasons(parsed)) == [3, 5]


# -- each row on its own ---------------------------------------------------------------------------


def test_each_exam_row_is_checked_and_the_good_ones_kept() -> None:
    rows = [
        exam_row(registration_number="OK-1", agreement="cca-v9"),  # line 2
        exam_row(exam_date="2024-02-30"),  # 3
        exam_row(exam_code="999-999"),  # 4
        exam_row(grade="Maybe"),  # 5
        exam_row(candidate_id="X123"),  # 6
        exam_row(exam_date="2099-01-01"),  # 7
        exam_row(agreement="some other agreement"),  # 8
        exam_row(email="not-an-email"),  # 9
        exam_row(registration_number="REG 1"),  # 10
        exam_row(first_name=""),  # 11
        exam_row(last_name="x" * 101),  # 12
        exam_row(registration_number="OK-2", grade="fail", exam_name="", agreement=CATALOG.agreements["cca-v9"]),
    ]
    parsed = exams(csv_bytes(rows, EXAM_HEADER))
    assert parsed.rows == 12
    assert reasons(parsed) == {
        3: "exam_date '2024-02-30' is not a date (YYYY-MM-DD).",
        4: "Unknown exam code '999-999'.",
        5: "grade 'Maybe' must be Pass or Fail.",
        6: "candidate_id 'X123' is not a candidate id (CSCO and 8 digits).",
        7: "exam_date 2099-01-01 is in the future.",
        8: "Unknown agreement 'some other agreement'.",
        9: "email 'not-an-email' is not a valid email address (An email address must have an @-sign).",
        10: "registration_number may contain only letters, digits, '.', '_' and '-'.",
        11: "first_name is required.",
        12: "last_name is longer than 100 characters.",
    }
    first, last = parsed.valid
    assert first == ExamRow(
        line=2,
        candidate_id="CSCO10000000",
        first_name="John",
        last_name="Doe",
        email="john.doe@example.com",
        exam_code="200-301",
        exam_name="Implementing and Administering Networking Solutions (CCNA)",
        registration_number="OK-1",
        grade="Pass",
        exam_date=date(2024, 5, 10),
        agreement_id="cca-v9",
    )
    # an agreement by its name; grade in any case; an empty exam_name takes the catalog's
    assert (last.line, last.grade, last.agreement_id) == (13, "Fail", "cca-v9")
    assert last.exam_name == CATALOG.exams["200-301"]


def test_the_candidate_id_takes_the_prefix_it_is_given() -> None:
    found = read_records(EXAMS, csv_bytes([exam_row(candidate_id="ACME12345678")], EXAM_HEADER))
    assert [r.candidate_id for r in parse_exams(found, CATALOG, TODAY, "ACME").valid] == ["ACME12345678"]
    [rejection] = parse_exams(found, CATALOG, TODAY, PREFIX).rejected
    assert "(CSCO and 8 digits)" in rejection.reason


@pytest.mark.parametrize(
    ("points", "reason"),
    [
        ("abc", "points 'abc' is not a number."),
        ("NaN", "points 'NaN' is not a number."),
        ("0", "points must be greater than 0 (got 0)."),
        ("1000.01", "points must be at most 1000 (got 1000.01)."),
        ("1.005", "points may have at most 2 decimals."),
    ],
)
def test_points_are_positive_at_most_1000_with_two_decimals(points: str, reason: str) -> None:
    parsed = credits(csv_bytes([ce_row(points=points)]))
    assert reasons(parsed) == {2: reason}


def test_a_good_ce_row() -> None:
    parsed = credits(csv_bytes([ce_row(points="7.5", active_date="2025-02-01", external_id="E-9")]))
    [row] = parsed.valid
    assert (row.points, row.active_date, row.external_id) == (Decimal("7.5"), date(2025, 2, 1), "E-9")
    assert reasons(credits(csv_bytes([ce_row(active_date="01/02/2025")]))) == {
        2: "active_date '01/02/2025' is not a date (YYYY-MM-DD)."
    }


def test_names_are_public_text() -> None:
    rows = [
        exam_row(first_name=unicodedata.normalize("NFD", "José"), last_name="Núñez"),
        exam_row(candidate_id="CSCO10000001", first_name="Eve", last_name="Ro\u202eeb"),
        exam_row(candidate_id="CSCO10000002", first_name="Zed\u200b", last_name="Roe"),
        exam_row(candidate_id="CSCO10000003", first_name="Ann", last_name="Lee", exam_name="CCNA\u2066 exam"),
    ]
    parsed = exams(csv_bytes(rows, EXAM_HEADER))
    assert [(line, reason.split(" (U+")[0]) for line, reason in sorted(reasons(parsed).items())] == [
        (3, "last_name must not contain bidirectional text controls"),
        (4, "first_name must not contain zero-width characters"),
        (5, "exam_name must not contain bidirectional text controls"),
    ]
    [row] = parsed.valid
    assert row.first_name == "José" and unicodedata.is_normalized("NFC", row.first_name)


# -- email: the same validation as the API --------------------------------------------------------

_API_EMAIL = TypeAdapter(EmailAddress)

ADDRESSES = [
    "john.doe@example.com",
    "John.Doe@Example.COM",
    "o'brien+certs@sub.example.co.uk",
    "jose@exämple.com",  # an internationalised domain
    "john@example..com",  # the old regex let these through
    "john..doe@example.com",
    ".john@example.com",
    "john@-example.com",
    "john@example.com.",
    "john@example.test",  # a special-use domain
    "john@localhost.localdomain",
    "jo hn@example.com",
    "john@example",
    "@example.com",
]


def _api_accepts(address: str) -> bool:
    try:
        _API_EMAIL.validate_python(address)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("address", ADDRESSES)
def test_a_row_takes_exactly_the_addresses_the_api_accepts(address: str) -> None:
    parsed = exams(csv_bytes([exam_row(email=address)], EXAM_HEADER))
    if _api_accepts(address):
        [row] = parsed.valid
        assert row.email == _API_EMAIL.validate_python(address).lower()  # what the API stores
    else:
        [rejection] = parsed.rejected
        assert rejection.line == 2 and rejection.reason.startswith(f"email {address!r} is not a valid email address (")


def test_the_old_regex_would_have_taken_addresses_the_api_refuses() -> None:
    loose = [a for a in ADDRESSES if "@" in a and "." in a.split("@", 1)[1] and " " not in a and not a.startswith("@")]
    assert [a for a in loose if not _api_accepts(a)], "the list must keep cases that tell the two apart"


# -- rows against the stored records ---------------------------------------------------------------

ANN = {"candidate_id": "CSCO10000000", "first_name": "John", "last_name": "Doe"}
BEA = {"candidate_id": "CSCO10000001", "first_name": "Jane", "last_name": "Roe", "email": "jane@example.com"}
TAKEN = "registration_number {} belongs to another candidate."


def test_a_row_must_carry_its_candidates_name() -> None:
    parsed = exams(
        csv_bytes(
            [
                exam_row(**ANN),  # 2: a new candidate; the file's first row names them
                exam_row(candidate_id="CSCO10000009", first_name="Robert", last_name="Muller"),  # 3
                exam_row(candidate_id="CSCO10000009", first_name="BOB", last_name="muller"),  # 4: same, folded
                exam_row(**{**ANN, "first_name": "Jon"}),  # 5: differs from line 2
                exam_row(**{**ANN, "last_name": " doe "}),  # 6
            ],
            EXAM_HEADER,
        )
    )
    accepted = accept_exams(parsed, {"CSCO10000009": ("Bob", "Müller")}, {})
    assert [r.line for r in accepted] == [2, 4, 6]
    assert reasons(parsed) == {
        3: "The name does not match candidate CSCO10000009's record.",
        5: "The name does not match candidate CSCO10000000's record.",
    }


def test_a_registration_number_belongs_to_the_candidate_that_first_had_it() -> None:
    parsed = exams(
        csv_bytes(
            [
                exam_row(**ANN, registration_number="NEW-1"),  # 2: the file gives it to John
                exam_row(**BEA, registration_number="NEW-1"),  # 3
                exam_row(**BEA, registration_number="OLD-1"),  # 4: an earlier file gave it to John
                exam_row(**ANN, registration_number="OLD-1"),  # 5: John again: an upsert
                exam_row(**{**BEA, "first_name": "Joan"}, registration_number="NEW-2"),  # 6: wrong name
                exam_row(**ANN, registration_number="NEW-2"),  # 7: line 6 claimed nothing
            ],
            EXAM_HEADER,
        )
    )
    accepted = accept_exams(parsed, {BEA["candidate_id"]: ("Jane", "Roe")}, {"OLD-1": ANN["candidate_id"]})
    assert [(r.line, r.registration_number) for r in accepted] == [(2, "NEW-1"), (5, "OLD-1"), (7, "NEW-2")]
    assert reasons(parsed) == {
        3: TAKEN.format("NEW-1"),
        4: TAKEN.format("OLD-1"),
        6: "The name does not match candidate CSCO10000001's record.",
    }


def test_a_credit_needs_a_known_candidate_and_its_external_id_one_candidate() -> None:
    parsed = credits(
        csv_bytes(
            [
                ce_row(external_id="E-1"),  # 2
                ce_row(candidate_id="CSCO19999999"),  # 3
                ce_row(candidate_id="CSCO10000001", external_id="E-1"),  # 4
                ce_row(external_id="E-1", points="2"),  # 5: the same candidate: kept (the last one wins)
            ]
        )
    )
    accepted = accept_credits(parsed, {"CSCO10000000", "CSCO10000001"})
    assert [r.line for r in accepted] == [2, 5]
    assert reasons(parsed) == {3: "Unknown candidate CSCO19999999.", 4: "external_id E-1 belongs to another candidate."}
