"""The one cursor codec of every list: offsets, DynamoDB keys, and the one error for a bad cursor."""

from __future__ import annotations

import base64
import json

import pytest
from certtrack import paging
from certtrack.errors import BadRequest


def _payload(cursor: str) -> object:
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def _refused(call: object) -> BadRequest:
    with pytest.raises(BadRequest) as info:
        call()  # type: ignore[operator]
    return info.value


def test_offset_pages_walk_the_whole_list_and_stop() -> None:
    items = list(range(7))
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(4):
        shown, cursor = paging.page(items, 3, cursor)
        seen += shown
        if cursor is None:
            break
    assert seen == items and cursor is None
    assert paging.page(items, 7, None) == (items, None)
    assert paging.page(items, 3, paging.encode_offset(20)) == ([], None)


@pytest.mark.parametrize(
    ("field", "payload"),
    [("o", {"o": 3}), ("offset", {"offset": 3}), (None, 3)],
    ids=["records", "transcripts", "logos"],
)
def test_each_list_keeps_its_cursor_payload(field: str | None, payload: object) -> None:
    _, cursor = paging.page(list(range(5)), 3, None, field)
    assert cursor is not None and "=" not in cursor and _payload(cursor) == payload
    assert paging.decode_offset(cursor, field) == 3
    assert paging.decode_offset(None, field) == 0


def test_cursors_from_before_the_shared_codec_still_decode() -> None:
    # The old encoders wrote json.dumps' default separators (records, transcripts) and str(n) (logos).
    def old(text: str) -> str:
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    assert paging.decode_offset(old('{"o": 12}')) == 12
    assert paging.decode_offset(old('{"offset": 12}'), "offset") == 12
    assert paging.decode_offset(old("12"), None) == 12


@pytest.mark.parametrize(
    ("cursor", "field"),
    [
        ("not-a-cursor", "o"),
        ("!!!", "o"),
        (paging.encode({"o": -1}), "o"),
        (paging.encode({"o": True}), "o"),
        (paging.encode({"o": "3"}), "o"),
        (paging.encode({"offset": 3}), "o"),
        (paging.encode([3]), "offset"),
        (paging.encode(-2), None),
        (paging.encode({"o": 3}), None),
        ("é", None),
    ],
)
def test_a_bad_offset_cursor_is_one_400(cursor: str, field: str | None) -> None:
    error = _refused(lambda: paging.decode_offset(cursor, field))
    assert (error.status, error.code, error.detail) == (
        400,
        "invalid_cursor",
        "The `next` cursor is not valid for this list.",
    )


def test_key_cursor_round_trip_and_refuses_other_partitions() -> None:
    key = {"PK": {"S": "CAND#CSCO1"}, "SK": {"S": "FULFILL#x"}}
    mine = paging.in_partition("CAND#CSCO1", "FULFILL#")
    cursor = paging.encode_key(key)
    assert cursor is not None and "=" not in cursor and _payload(cursor) == key
    assert paging.decode_key(cursor, mine) == key
    assert paging.encode_key(None) is None and paging.encode_key({}) is None
    assert paging.decode_key(None, mine) is None
    foreign = [
        paging.encode({"PK": {"S": "CAND#CSCO2"}, "SK": {"S": "FULFILL#x"}}),
        paging.encode({"PK": {"S": "CAND#CSCO1"}, "SK": {"S": "PROFILE"}}),
        paging.encode({"PK": {"S": "CAND#CSCO1"}, "SK": {"S": "FULFILL#x"}, "GSI1PK": {"S": "x"}}),
        paging.encode({"PK": {"S": "CAND#CSCO1"}, "SK": "FULFILL#x"}),
        paging.encode(["PK", "SK"]),
        "!!!",
        "e30",
    ]
    for bad in foreign:
        assert _refused(lambda bad=bad: paging.decode_key(bad, mine)).code == "invalid_cursor"
