"""The ``next`` cursors of every list: one codec, one error for a cursor that is not ours.

A cursor is base64url (unpadded) of compact JSON. Two kinds ride on it:

- offset cursors, for lists sorted in memory (:func:`page`): the position of the next item;
- key cursors, for lists a Query pages (:func:`encode_key`, :func:`decode_key`): DynamoDB's
  LastEvaluatedKey, accepted back only if it points inside the list it came from, so a client
  cannot steer a Query into another list (or another candidate's items).

Clients treat cursors as opaque (``DESIGN.md``); each list keeps the payload it always had
(``{"o": n}``, ``{"offset": n}`` for transcripts, a bare ``n`` for logos) so cursors handed out
before a deploy still work after it.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any

from certtrack.errors import BadRequest


def invalid_cursor() -> BadRequest:
    """The one answer to a forged, truncated or foreign cursor: 400 ``invalid_cursor``."""
    return BadRequest("The `next` cursor is not valid for this list.", code="invalid_cursor")


def encode(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, valid: Callable[[Any], bool]) -> Any:
    """The JSON value a cursor carries, if ``valid`` accepts it (400 ``invalid_cursor`` otherwise)."""
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        ok = bool(valid(value))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        ok = False
    if not ok:
        raise invalid_cursor()
    return value


# ---------------------------------------------------------------- offsets


def _is_offset(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def encode_offset(offset: int, field: str | None = "o") -> str:
    return encode(offset if field is None else {field: offset})


def decode_offset(cursor: str | None, field: str | None = "o") -> int:
    """The offset a cursor points at (0 without one); ``field`` None: the cursor is the bare number."""
    if not cursor:
        return 0
    if field is None:
        return int(decode(cursor, _is_offset))
    value = decode(cursor, lambda raw: isinstance(raw, dict) and _is_offset(raw.get(field)))
    return int(value[field])


def page[T](items: Sequence[T], limit: int, cursor: str | None, field: str | None = "o") -> tuple[list[T], str | None]:
    """One page of an in-memory list and the cursor of the next (None on the last page)."""
    start = decode_offset(cursor, field)
    end = start + limit
    return list(items[start:end]), (encode_offset(end, field) if end < len(items) else None)


# ---------------------------------------------------------------- DynamoDB keys


def encode_key(last_key: dict[str, Any] | None) -> str | None:
    """The cursor of a Query's LastEvaluatedKey (None when the Query was read to the end)."""
    return encode(last_key) if last_key else None


def decode_key(cursor: str | None, valid: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """A cursor back to the LastEvaluatedKey it encodes, if ``valid`` accepts it (400 otherwise)."""
    if not cursor:
        return None
    return dict(decode(cursor, lambda raw: isinstance(raw, dict) and valid(raw)))


def in_partition(pk: str, sk_prefix: str) -> Callable[[dict[str, Any]], bool]:
    """A key check: the table key of an item of partition ``pk`` whose SK starts with ``sk_prefix``."""
    return lambda raw: (
        set(raw) == {"PK", "SK"}
        and raw["PK"] == {"S": pk}
        and isinstance(raw["SK"], dict)
        and str(raw["SK"].get("S", "")).startswith(sk_prefix)
    )
