"""What a person reads when a field is refused: one plain sentence per field, no field paths, no
validation-library wording, never the value sent back.

``api`` turns the resolver's validation errors into sentences here (``plain``); the domain's own
checks write theirs where the rule is. ``summary(fields)`` names the fields by their labels for
a 422's ``detail``. The web client
places each ``message`` next to its field (``field`` stays the machine path).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, get_args

from pydantic_core.core_schema import ErrorType

_LIBRARY_PREFIXES = ("Value error, ", "Assertion failed, ")


def _many(n: Any, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _choices(ctx: Mapping[str, Any]) -> str:
    expected = str(ctx.get("expected", "")).replace("'", "")
    return f"Choose one of: {expected}." if expected else "Choose one of the listed values."


def _required_or_at_least(ctx: Mapping[str, Any]) -> str:
    n = ctx.get("min_length")
    return "This is required." if n in (None, 1) else f"Enter at least {n} characters."


EMAIL = "Enter an email address like name@example.com."
# email-validator's refusals (pydantic's ``validate_email``): "value is not a valid email address: …".
_EMAIL_REFUSAL = "value is not a valid email address"
_DATE = "Enter a date as YYYY-MM-DD, for example 2026-12-01."
_DATETIME = "Enter a date and time, for example 2026-12-01T09:30:00Z."

# pydantic's error type → the sentence (a string, or made from the error's ``ctx``: its limits).
_MESSAGES: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    "missing": "This is required.",
    "string_too_short": _required_or_at_least,
    "string_too_long": lambda c: _many(c.get("max_length"), "Use one character.", "Use at most {n} characters."),
    "too_long": lambda c: _many(c.get("max_length"), "Give at most one.", "Give at most {n}."),
    "too_short": lambda c: _many(c.get("min_length"), "Give at least one.", "Give at least {n}."),
    "string_type": "Enter text here.",
    "string_unicode": "Enter text here.",
    "string_pattern_mismatch": "Use only the characters this field takes (letters, digits and the usual punctuation).",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "int_from_float": "Enter a whole number.",
    "float_parsing": "Enter a number.",
    "float_type": "Enter a number.",
    "decimal_parsing": "Enter a number.",
    "greater_than_equal": lambda c: f"Enter {c.get('ge')} or more.",
    "greater_than": lambda c: f"Enter more than {c.get('gt')}.",
    "less_than_equal": lambda c: f"Enter {c.get('le')} or less.",
    "less_than": lambda c: f"Enter less than {c.get('lt')}.",
    "bool_parsing": "Choose yes or no.",
    "bool_type": "Choose yes or no.",
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "literal_error": _choices,
    "enum": _choices,
    "extra_forbidden": "This field is not taken here: leave it out.",
    "list_type": "Give a list here.",
    "tuple_type": "Give a list here.",
    "set_type": "Give a list here.",
    "dict_type": "Give an object with its fields here.",
    "model_type": "Give an object with its fields here.",
    "model_attributes_type": "Give an object with its fields here.",
    "url_parsing": "Enter a web address starting with https://.",
    "url_scheme": "Enter a web address starting with https://.",
    "url_type": "Enter a web address starting with https://.",
    "uuid_parsing": "Enter the id exactly as it was given.",
    "uuid_type": "Enter the id exactly as it was given.",
}
_NOT_ACCEPTED = "This value is not accepted here."
# Every error type pydantic itself reports (anything else is one of our validators').
_PYDANTIC_TYPES = frozenset(get_args(ErrorType))


def plain(error_type: str, ctx: Mapping[str, Any] | None, raw: str) -> str:
    """The sentence for one field pydantic refused, from its error ``type`` and ``ctx`` (the limits);
    ``raw`` (pydantic's ``msg``) is used only when it is ours: a model validator's ``value_error``
    or an error type of our own (``fields.PublicText``'s ``invalid_characters``)."""
    message = _MESSAGES.get(error_type)
    if message is not None:
        return message if isinstance(message, str) else message(ctx or {})
    if error_type in ("value_error", "assertion_error"):
        # A validator's own sentence (the model's rule), without pydantic's prefix.
        for prefix in _LIBRARY_PREFIXES:
            raw = raw.removeprefix(prefix)
        if raw.startswith(_EMAIL_REFUSAL):
            return EMAIL
        return _sentence(raw)
    if raw and error_type not in _PYDANTIC_TYPES:
        return _sentence(raw)  # our own validator's error type (e.g. ``invalid_characters``): its sentence
    return _NOT_ACCEPTED  # any other of pydantic's types: its wording is the library's


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return _NOT_ACCEPTED
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."


def label(field: str) -> str:
    """A field's name as a person reads it: ``postal_code`` → "Postal code", ``attributes.0.value``
    → "Value", ``localized.city`` → "City"."""
    parts = [part for part in field.split(".") if part and not part.isdigit() and part != "?"]
    if not parts or parts[-1] == "body":
        return "The request"
    words = parts[-1].replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:]


def summary(fields: Iterable[str]) -> str:
    """The ``detail`` of a 422 naming its fields by label: "Check First name and Postal code."."""
    names = list(dict.fromkeys(label(field) for field in fields))
    if not names:
        return "Some fields need attention."
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"
    return f"Check {listed}: each says what it needs."
