"""Pure normalisation used to compare what a candidate types with what the records hold."""

from __future__ import annotations

import unicodedata


def fold_name(name: str) -> str:
    """Case-, accent- and whitespace-insensitive form of a name: ``" Núñez  de la O"`` → ``"nunezdelao"``.

    NFKD splits accented letters into base letter + combining mark; the marks are dropped, the rest
    is case-folded and every whitespace character removed.
    """
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(stripped.casefold().split())


def same_name(typed: str, recorded: str) -> bool:
    folded = fold_name(typed)
    return bool(folded) and folded == fold_name(recorded)


def normalize_email(email: str) -> str:
    """The form stored on records and used in the email index (matches ``keys.email_gsi``)."""
    return email.strip().lower()


def is_printable_text(value: str) -> bool:
    """No control or format characters (newlines, tabs, zero-width, bidi overrides …)."""
    return all(unicodedata.category(ch)[0] != "C" for ch in value)
