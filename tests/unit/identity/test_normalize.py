"""Name folding for the score report, email normalisation, printable-text check."""

from __future__ import annotations

import pytest
from certtrack.identity.normalize import fold_name, is_printable_text, normalize_email, same_name


@pytest.mark.parametrize(
    ("typed", "recorded"),
    [
        ("nunez", "Núñez"),
        ("MÜLLER", "müller"),
        ("  van der  Berg ", "Van Der Berg"),
        ("vanderberg", "Van Der Berg"),
        ("Dvořák", "dvorak"),
        ("o\u0301scar", "Óscar"),  # decomposed input matches a composed record
        ("ﬁscher", "fischer"),  # NFKD also splits compatibility ligatures
    ],
)
def test_same_name_ignores_case_accents_and_spaces(typed: str, recorded: str) -> None:
    assert same_name(typed, recorded)


@pytest.mark.parametrize(("typed", "recorded"), [("Smith", "Smyth"), ("", ""), ("   ", " "), ("Nunez", "Nunes")])
def test_different_or_empty_names_do_not_match(typed: str, recorded: str) -> None:
    assert not same_name(typed, recorded)


def test_fold_name() -> None:
    assert fold_name(" Núñez de la\tPeña ") == "nunezdelapena"


def test_normalize_email() -> None:
    assert normalize_email("  Alice@Example.COM ") == "alice@example.com"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("Senior Engineer", True),
        ("Ingénieur réseau", True),
        ("a\nb", False),
        ("tab\there", False),
        ("rtl\u202eoverride", False),
        ("zw\u200bsp", False),
    ],
)
def test_is_printable_text(text: str, ok: bool) -> None:
    assert is_printable_text(text) is ok
