"""The base and the field types of the request and response models.

``Schema`` is the base of every model of ours: ``defer_build`` leaves pydantic's validator and
serializer of a model to its first use instead of its class statement, so a cold start does not
build the fifty-odd models of routes it may never serve (≈ 2 ms each).

``EmailAddress`` validates exactly like pydantic's ``EmailStr`` (same function, same normalised
result, same ``value_error``), but imports ``email-validator`` on the first address it checks
rather than when the model class is built: its regular expressions cost ≈ 35 ms of every cold
start, and most requests carry no address (``python -m bench.bench_cold_import``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit


class Schema(BaseModel):
    """Base of our request and response models (built on first use; see the module docstring)."""

    model_config = ConfigDict(defer_build=True)


def valid_email(value: str) -> str:
    """The normalised address (domain lower-cased, IDNA), or a ``value_error``."""
    from pydantic.networks import validate_email

    return validate_email(value)[1]


EmailAddress = Annotated[
    str,
    Field(max_length=MAX_EMAIL_LENGTH, json_schema_extra={"format": "email"}),
    AfterValidator(valid_email),
]
