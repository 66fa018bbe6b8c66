"""What no credential carries is refused before any canonicalisation: non-finite numbers, control characters."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.badges import verifier


@pytest.mark.parametrize(
    "document",
    [
        {"a": float("inf")},
        {"a": [1.0, float("nan")]},
        {"name": "a\x00b"},
        {"a\x1fb": "key with a control character"},
        {"nested": {"deeper": ["\x7f"]}},
    ],
)
def test_what_no_credential_carries_is_too_complex(document: dict[str, Any]) -> None:
    with pytest.raises(verifier.TooComplex):
        verifier.bound(document)


def test_tabs_and_line_breaks_in_a_narrative_are_fine() -> None:
    verifier.bound({"criteria": {"narrative": "Pass:\n\t- exam 200-301\r\n- or 30 CE credits"}, "n": 1.5})
