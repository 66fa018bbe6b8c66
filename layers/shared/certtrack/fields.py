"""The base and the field types of the request and response models.

``Schema`` is the base of every model of ours: ``defer_build`` leaves pydantic's validator and
serializer of a model to its first use instead of its class statement, so a cold start does not
build the fifty-odd models of routes it may never serve (≈ 2 ms each).

``EmailAddress`` validates exactly like pydantic's ``EmailStr`` (same function, same normalised
result, same ``value_error``), but imports ``email-validator`` on the first address it checks
rather than when the model class is built: its regular expressions cost ≈ 35 ms of every cold
start, and most requests carry no address (``python -m bench.bench_cold_import``).

``PublicText`` is the one rule for text that third parties see or that is mailed (names, transcript
display name, description and remarks, job title, shipping fields, names arriving in imports):
``Annotated[str, PublicText(max_length=100)]``. See ``clean_text`` for what it refuses.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

MAX_EMAIL_LENGTH = 254  # RFC 5321 path limit

# The languages the portal speaks (a candidate's ``language`` setting; emails, pages, PDFs).
Language = Literal["en", "ja"]
LANGUAGES: tuple[Language, ...] = get_args(Language)


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


# ---------------------------------------------------------------- public text

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")


class InvalidText(ValueError):
    """Why a text was refused: a plain sentence that names the character, never the text itself."""


def _refusal(ch: str, multiline: bool) -> str | None:
    """The reason ``ch`` may not appear in public text, or None when it may."""
    if ch == "\n" and multiline:
        return None
    if ch in BIDI_CONTROLS:
        return "must not contain bidirectional text controls"
    if ch in ZERO_WIDTH:
        return "must not contain zero-width characters"
    if ch in _LINE_BREAKS:
        if multiline:
            return "must not contain control characters (a line break must be a plain newline)"
        return "must not contain line breaks or other control characters"
    category = unicodedata.category(ch)
    if category == "Cc":
        return "must not contain control characters"
    if category == "Cf":
        return "must not contain invisible formatting characters"
    if category[0] == "C":  # Cs lone surrogates, Co private use, Cn unassigned or noncharacters
        return "must not contain unassigned, private-use or surrogate code points"
    return None


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` NFC-normalised, its ends stripped; ``InvalidText`` if it has a character we refuse.

    Refused: C0 and C1 controls (and U+2028/U+2029) — a newline only where ``multiline`` (CR LF and
    lone CR become LF) —, bidi embeddings, overrides, isolates and marks, zero-width characters,
    every other format character (category Cf: soft hyphen, tag characters …), surrogates,
    private-use and unassigned code points. Whitespace at either end is stripped first, so a
    trailing newline of a pasted value is not an error.
    """
    text = unicodedata.normalize("NFC", value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    # Fast path: isprintable() is False for every category C and Z character but the space, so a
    # text it accepts has nothing we refuse (the loop below then only explains a refusal, or lets
    # the Zs spaces other than U+0020 through).
    if (text.replace("\n", "") if multiline else text).isprintable():
        return text
    for position, ch in enumerate(text, start=1):
        reason = _refusal(ch, multiline)
        if reason is not None:
            raise InvalidText(f"{reason} (U+{ord(ch):04X} at character {position})")
    return text


@dataclass(frozen=True, slots=True)
class PublicText:
    """A JSON string checked and normalised by ``clean_text``; lengths in characters after it.

    ``Annotated[str, PublicText(max_length=100, min_length=1)]``; ``multiline=True`` lets newlines
    in (remarks). Errors are pydantic errors of type ``invalid_characters``, ``string_too_short``
    or ``string_too_long`` with a plain message; the API answers them 422 naming the field.
    """

    max_length: int
    min_length: int = 0
    multiline: bool = False

    def validate(self, value: str) -> str:
        try:
            text = clean_text(value, multiline=self.multiline)
        except InvalidText as error:
            raise PydanticCustomError("invalid_characters", str(error)) from None
        if len(text) < self.min_length:
            if self.min_length == 1:
                raise PydanticCustomError("string_too_short", "must not be empty")
            raise PydanticCustomError(
                "string_too_short", "must have at least {min_length} characters", {"min_length": self.min_length}
            )
        if len(text) > self.max_length:
            raise PydanticCustomError(
                "string_too_long", "must have at most {max_length} characters", {"max_length": self.max_length}
            )
        return text

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        # No length on the raw string: it is counted after normalisation (the body limit bounds it).
        return core_schema.no_info_after_validator_function(self.validate, core_schema.str_schema(strict=True))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["maxLength"] = self.max_length
        if self.min_length:
            json_schema["minLength"] = self.min_length
        return json_schema


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# An optional field an HTML form sends as "" (or only spaces) when left empty: read as not given.
# ``Annotated[AnyLine | None, BlankIsNone] = None``.
BlankIsNone = BeforeValidator(_blank_is_none)
