"""What a reminder says is still needed, the signed unsubscribe link, SES event parsing (no AWS)."""

from __future__ import annotations

from datetime import date

import pytest
from certtrack.certifications import reminders
from certtrack.identity.suppression import addresses_to_suppress
from certtrack.program import rules
from certtrack.program.catalog import load_catalog


def _progress(cert_id: str, credits: list[float], exams: list[str], today: date = date(2026, 11, 25)) -> rules.Progress:
    """The recertification tree of a certification granted three years before today's period end."""
    catalog = load_catalog()
    granted = date(2024, 2, 20)
    result = rules.evaluate(
        catalog,
        [rules.Exam(code, date(2026, 6, 1), True, f"R{n}") for n, code in enumerate(exams)],
        [rules.Credit(p, date(2026, 6, 1), date(2029, 6, 1), f"C{n}") for n, p in enumerate(credits)],
        {cert_id: rules.Standing(cert_id, granted_on=granted)},
        today,
    )[cert_id]
    assert result.status == rules.ACTIVE
    return result.progress


def test_ccna_with_ten_credits() -> None:
    progress = _progress("ccna", [10], [])
    assert reminders.still_needed(progress) == "pass one qualifying exam or earn 20 more CE credits"
    assert reminders.unmet_requirements(progress) == [
        {"label": "Pass 1 qualifying exam", "remaining": 1},
        {"label": "Earn 30 CE credits", "remaining": 20},
    ]


def test_ccna_with_nothing_yet() -> None:
    assert reminders.still_needed(_progress("ccna", [], [])) == "pass one qualifying exam or earn 30 CE credits"


def test_professional_nested_tree() -> None:
    text = reminders.still_needed(_progress("ccnp-enterprise", [15.5], []))
    assert text == (
        "earn 64.5 more CE credits, earn 24.5 more CE credits and pass one professional exam,"
        " or pass one expert written exam"
    )


def test_nothing_needed_once_met() -> None:
    progress = rules.Progress("1", "Recertify", 1, 1, True, "any")
    assert reminders.still_needed(progress) == "" and reminders.unmet_requirements(progress) == []


def test_all_of_and_several_of() -> None:
    ce = rules.Progress("1.1", "Earn 40 CE credits", 0, 40, False, "ce")
    exam = rules.Progress("1.2", "Pass 2 exams", 1, 2, False, "exams")
    hold = rules.Progress("1.3", "Hold CCNA", 0, 1, False, "hold")
    assert reminders.still_needed(rules.Progress("1", "All", 0, 2, False, "all", (ce, exam))) == (
        "earn 40 CE credits and pass one more exam"
    )
    two_of_three = rules.Progress("1", "Two of", 0, 2, False, "any", (ce, exam, hold))
    assert reminders.still_needed(two_of_three) == (
        "complete two more of: earn 40 CE credits; pass one more exam; hold CCNA"
    )


def test_unsubscribe_signature_is_per_candidate_and_verifiable(aws: None) -> None:  # the key is in Secrets Manager
    one, two = reminders.unsubscribe_signature("CSCO00000001"), reminders.unsubscribe_signature("CSCO00000002")
    assert one != two and len(one) == 43
    assert reminders.verify_signature("CSCO00000001", one)
    assert not reminders.verify_signature("CSCO00000002", one)
    assert reminders.unsubscribe_url("CSCO00000001").endswith(f"/reminders/unsubscribe?c=CSCO00000001&s={one}")
    headers = reminders.unsubscribe_headers("CSCO00000001")
    assert headers["List-Unsubscribe"] == f"<{reminders.unsubscribe_url('CSCO00000001')}>"


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            {
                "eventType": "Bounce",
                "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "A <A@x.com>"}]},
            },
            ("bounce", ["a@x.com"]),
        ),
        ({"eventType": "Bounce", "bounce": {"bounceType": "Transient", "bouncedRecipients": []}}, (None, [])),
        (
            {"notificationType": "Complaint", "complaint": {"complainedRecipients": [{"emailAddress": "b@y.org"}]}},
            ("complaint", ["b@y.org"]),
        ),
        ({"eventType": "Delivery"}, (None, [])),
    ],
)
def test_ses_events(message: dict[str, object], expected: tuple[str | None, list[str]]) -> None:
    assert addresses_to_suppress(message) == expected
