"""Field types the request models share.

``EmailAddress`` validates exactly like pydantic's ``EmailStr`` (same function, same normalised
result, same ``value_error``), but imports ``email-validator`` on the first address it checks
rather than when the model class is built: its regular expressions cost ≈ 35 ms of every cold
start, and most requests carry no address (``python -m bench.bench_cold_import``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit


def valid_email(value: str) -> str:
    """The normalised address (domain lower-cased, IDNA), or a ``value_error``."""
    from pydantic.networks import validate_email

    return validate_email(value)[1]


EmailAddress = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH, json_schema_extra={"format": "email"}),
    AfterValidator(valid_email),
]
