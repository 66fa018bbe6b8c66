"""Cutting a file into chunks of whole rows (``import_chunks.plan``, pure): each chunk read behind the
header gives the rows, reasons and lines a whole-file read gives; whole-file refusals stay whole."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from certtrack.certifications import import_chunks
from certtrack.certifications.import_rows import EXAMS, Record, RowError, read_records

from tests.factories.csv_rows import EXAM_HEADER, csv_bytes, exam_row


def _blocks(body: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _chunked(body: bytes, block: int) -> tuple[import_chunks.Plan, list[Record]]:
    """The plan, and the rows of every chunk read as the worker reads them."""
    found = import_chunks.plan(EXAMS, _blocks(body, block))
    rows: list[Record] = []
    for chunk in found.chunks:
        text = found.header.encode() + body[chunk.start : chunk.end]
        rows.extend(read_records(EXAMS, text, line_offset=chunk.first_line - found.header_lines - 1))
    return found, rows


def _file() -> bytes:
    rows = [exam_row(registration_number=f"R{n}") for n in range(10)]
    rows[3]["exam_name"] = "Two\nlines"  # a quoted field over two lines
    rows[6]["exam_name"] = 'Says "hi"\r\nand more'
    body = csv_bytes(rows, EXAM_HEADER)
    body = body.replace(b"R5,", b"R5,M\xfcller,")  # not UTF-8, and a field too many, half-way
    eighth = body.index(b"CSCO10000000,", body.index(b",R7,"))  # the row of R8
    return b"\xef\xbb\xbf" + body[:eighth] + b"\n\n" + body[eighth:]  # a BOM, blank lines


@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("rows_per_chunk", [1, 3, 1000])
def test_chunks_read_behind_the_header_give_the_whole_files_rows_and_lines(
    block: int, rows_per_chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(import_chunks, "CHUNK_ROWS", rows_per_chunk)
    body = _file()
    found, rows = _chunked(body, block)
    assert rows == read_records(EXAMS, body)
    assert found.rows == len(rows) == 10
    assert len(found.chunks) == -(-10 // rows_per_chunk)
    assert found.header_lines == 1 and found.header.startswith("candidate_id,")
    # the ranges follow each other and end at the file's end
    assert found.chunks[0].start == len(found.header.encode()) + 3
    assert all(a.end == b.start for a, b in zip(found.chunks, found.chunks[1:], strict=False))
    assert found.chunks[-1].end == len(body)


def test_carriage_returns_alone_and_split_between_blocks_end_lines_as_the_csv_reader_says() -> None:
    body = csv_bytes([exam_row(registration_number=f"R{n}") for n in range(4)], EXAM_HEADER)
    for ending in (b"\r\n", b"\r"):
        crlf = body.replace(b"\n", ending)
        for block in (1, 2, 3, 5):
            _, rows = _chunked(crlf, block)
            assert rows == read_records(EXAMS, crlf), (ending, block)
            assert [r.line for r in rows] == [2, 3, 4, 5]


def test_a_byte_budget_also_closes_a_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_chunks, "CHUNK_BYTES", 300)
    body = csv_bytes([exam_row(registration_number=f"R{n}") for n in range(12)], EXAM_HEADER)
    found, rows = _chunked(body, 4096)
    assert len(found.chunks) > 1
    assert all(chunk.end - chunk.start < 300 + 200 for chunk in found.chunks)
    assert rows == read_records(EXAMS, body)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "The file is empty: expected a header line with candidate_id"),
        (b"\n\n", "The file is empty"),
        ("candidate_id\n".encode("utf-16"), "The file is not a CSV text file in UTF-8 (it is UTF-16 text)"),
        (b"candidate_id,first_name\n", "Wrong header (missing columns: last_name"),
        (b"candidat\xe9_id\n", "The file is not a CSV text file in UTF-8 (its header line is not UTF-8 text)."),
    ],
)
def test_whole_file_refusals(body: bytes, reason: str) -> None:
    with pytest.raises(RowError) as refused:
        import_chunks.plan(EXAMS, _blocks(body, 4))
    assert str(refused.value).startswith(reason)


def test_binary_data_or_malformed_csv_anywhere_refuses_the_whole_file_before_any_chunk() -> None:
    rows = [exam_row(registration_number=f"R{n}") for n in range(2000)]
    body = csv_bytes(rows, EXAM_HEADER)
    late = body.rindex(b"R1999")
    with pytest.raises(RowError, match="contains binary data"):
        import_chunks.plan(EXAMS, _blocks(body[:late] + b"\x00" + body[late:], 1 << 16))
    broken = body[:late] + b'"R1999"x' + body[late + 5 :]
    with pytest.raises(RowError) as refused:
        import_chunks.plan(EXAMS, _blocks(broken, 1 << 16))
    with pytest.raises(RowError) as whole:
        read_records(EXAMS, broken)
    assert str(refused.value) == str(whole.value)  # the same line as a whole-file read
    assert "line 2001" in str(refused.value)


def test_a_line_without_end_or_a_huge_header_is_refused_without_holding_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(import_chunks, "MAX_LINE_BYTES", 1000)
    with pytest.raises(RowError, match="a line longer than 1,000 bytes"):
        import_chunks.plan(EXAMS, _blocks(b"x" * 5000, 100))
    monkeypatch.undo()
    padded = (",".join(f"{column}{' ' * 500}" for column in EXAM_HEADER) + "\n").encode()
    with pytest.raises(RowError, match=r"Wrong header \(longer than 4,096 bytes\)"):
        import_chunks.plan(EXAMS, _blocks(padded, 100))


def test_jobs_travel_as_json() -> None:
    job = import_chunks.parse_job(
        '{"type":"reevaluate","candidate_ids":["CSCO10000000"],"requested_at":"2026-11-25T12:00:00Z"}'
    )
    assert isinstance(job, import_chunks.ReevaluateJob) and job.candidate_ids == ["CSCO10000000"]
    with pytest.raises(ValueError):
        import_chunks.parse_job('{"type":"other"}')
