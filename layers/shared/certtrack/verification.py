"""Verification codes: random, unambiguous, unique by a conditional write, found by GetItem.

A code is 10 characters of a 30-symbol alphabet without 0/O/1/I/L/U (≈ 49 bits). The
``VERIFY#<code>`` item points at what it verifies (a certificate period or a fulfillment kit).
"""

from __future__ import annotations

import secrets

from pynamodb.attributes import UnicodeAttribute
from pynamodb.exceptions import PutError

from certtrack import keys
from certtrack.db import TableItem, condition_failed

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


class VerificationItem(TableItem):
    """``VERIFY#<code> / VERIFY`` → ``kind`` (certificate|fulfillment), candidate, target item."""

    code = UnicodeAttribute()
    kind = UnicodeAttribute()
    candidate_id = UnicodeAttribute()
    target_sk = UnicodeAttribute()  # SK of the certified item in the candidate's partition
    cert_id = UnicodeAttribute(null=True)
    period = UnicodeAttribute(null=True)  # certificates: the active_date of the period it was issued for
    # certificates: the day a newer certificate replaced this one (a name correction reissued it)
    superseded_on = UnicodeAttribute(null=True)


def generate_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_item(
    kind: str, candidate_id: str, target_sk: str, cert_id: str | None = None, *, period: str | None = None
) -> VerificationItem:
    """An unsaved pointer item with a fresh code; save it with ``attribute_not_exists`` (see ``reserve``)."""
    code = generate_code()
    return VerificationItem(
        keys.verify_pk(code),
        keys.VERIFY,
        code=code,
        kind=kind,
        candidate_id=candidate_id,
        target_sk=target_sk,
        cert_id=cert_id,
        period=period,
    )


def reserve(
    kind: str,
    candidate_id: str,
    target_sk: str,
    cert_id: str | None = None,
    attempts: int = 5,
    *,
    period: str | None = None,
) -> str:
    """Store a new unique code (retrying on the astronomically rare collision); returns it."""
    for _ in range(attempts):
        item = new_item(kind, candidate_id, target_sk, cert_id, period=period)
        try:
            item.save(condition=VerificationItem.PK.does_not_exist())
        except PutError as error:
            if condition_failed(error):
                continue
            raise
        return item.code
    raise RuntimeError("could not allocate a unique verification code")


def lookup(code: str) -> VerificationItem | None:
    """One GetItem; codes are case-insensitive for people typing them."""
    normalized = code.strip().upper()
    if not normalized or any(ch not in ALPHABET for ch in normalized):
        return None
    try:
        return VerificationItem.get(keys.verify_pk(normalized), keys.VERIFY)
    except VerificationItem.DoesNotExist:
        return None
