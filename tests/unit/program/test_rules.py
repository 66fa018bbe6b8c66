"""The rules engine on the sample program: earning, progress, recertification, expiry."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from certtrack.program.catalog import load_catalog
from certtrack.program.rules import Credit, Exam, Result, Standing, add_years, evaluate

from tests.unit.program.evidence import credit, failed, passed

CATALOG = load_catalog()
TODAY = date(2026, 11, 25)


def run(
    exams: Iterable[Exam] = (),
    credits: Iterable[Credit] = (),
    standings: Mapping[str, Standing] | None = None,
    today: date = TODAY,
) -> dict[str, Result]:
    return evaluate(CATALOG, exams, credits, standings or {}, today)


def node(result: Result, node_id: str) -> dict[str, object]:
    def walk(n: dict[str, object]) -> dict[str, object] | None:
        if n["id"] == node_id:
            return n
        for child in n["children"]:  # type: ignore[attr-defined]
            found = walk(child)
            if found:
                return found
        return None

    found = walk(result.progress.to_dict())
    assert found is not None, node_id
    return found


def test_nothing_is_in_progress_without_progress() -> None:
    ccna = run()["ccna"]
    assert (ccna.status, ccna.started, ccna.active_date, ccna.has_progress) == ("in_progress", None, None, False)
    assert ccna.progress.to_dict() == {
        "id": "1",
        "label": "Pass the CCNA exam",
        "earned": 0,
        "required": 1,
        "met": False,
        "children": [],
    }


def test_passing_the_exam_earns_ccna_for_three_years() -> None:
    ccna = run([passed("200-301", "2024-05-10")])["ccna"]
    assert ccna.status == "active"
    assert ccna.active_date == date(2024, 5, 10)
    assert ccna.expiration_date == date(2027, 5, 10)
    assert ccna.first_earned == date(2024, 5, 10)
    assert [e.text for e in ccna.events] == ["Certification earned"]


def test_a_failed_exam_earns_nothing() -> None:
    assert run([failed("200-301", "2025-01-01")])["ccna"].status == "in_progress"


def test_active_progress_is_the_recertification_tree_of_the_current_period() -> None:
    results = run([passed("200-301", "2024-05-10")], [credit(5, "2025-02-01"), credit(5, "2025-03-01")])
    ccna = results["ccna"]
    assert ccna.status == "active"
    assert node(ccna, "1") | {"children": None} == {
        "id": "1",
        "label": "Recertify CCNA",
        "earned": 0,
        "required": 1,
        "met": False,
        "children": None,
    }
    assert (node(ccna, "1.1")["earned"], node(ccna, "1.1")["required"]) == (0, 1)
    assert (node(ccna, "1.2")["earned"], node(ccna, "1.2")["required"]) == (10, 30)
    assert len(ccna.credit_keys) == 2


def test_credits_before_the_period_do_not_count() -> None:
    ccna = run([passed("200-301", "2024-05-10")], [credit(25, "2024-05-01")])["ccna"]
    assert node(ccna, "1.2")["earned"] == 0


def test_thirty_credits_before_expiry_renew_from_the_old_expiry() -> None:
    ccna = run([passed("200-301", "2022-01-10")], [credit(20, "2023-03-01"), credit(10, "2024-06-01")])["ccna"]
    assert ccna.status == "active"
    assert ccna.expiration_date == date(2028, 1, 10)
    assert ccna.active_date == date(2024, 6, 1)
    assert [e.text for e in ccna.events] == ["Certification earned", "Recertified by CE credits"]
    # the new period starts empty
    assert node(ccna, "1.2")["earned"] == 0


def test_a_qualifying_exam_recertifies() -> None:
    ccna = run([passed("200-301", "2022-01-10"), passed("350-701", "2024-12-01")])["ccna"]
    assert ccna.expiration_date == date(2028, 1, 10)
    assert ccna.events[-1].text == "Recertified by exam"


def test_expiry_then_initial_requirements_again() -> None:
    results = run([passed("200-301", "2020-01-10")], [credit(30, "2023-02-01")])
    ccna = results["ccna"]
    assert ccna.status == "expired"
    assert ccna.expiration_date == date(2023, 1, 10)
    assert [e.text for e in ccna.events] == ["Certification earned", "Expired"]
    assert ccna.progress.to_dict()["label"] == "Pass the CCNA exam"
    assert ccna.progress.met is False

    again = run([passed("200-301", "2020-01-10"), passed("200-301", "2025-03-03")])["ccna"]
    assert (again.status, again.active_date, again.expiration_date) == (
        "active",
        date(2025, 3, 3),
        date(2028, 3, 3),
    )
    assert again.first_earned == date(2020, 1, 10)


def test_valid_through_the_expiration_day_credits_on_it_renew_the_day_after_is_too_late() -> None:
    on_the_day = run([passed("200-301", "2020-01-10")], [credit(30, "2023-01-10")], today=date(2023, 6, 1))["ccna"]
    assert (on_the_day.status, on_the_day.expiration_date) == ("active", date(2026, 1, 10))
    assert on_the_day.events[-1].text == "Recertified by CE credits"
    day_after = run([passed("200-301", "2020-01-10")], [credit(30, "2023-01-11")], today=date(2023, 6, 1))["ccna"]
    assert (day_after.status, day_after.expiration_date) == ("expired", date(2023, 1, 10))
    assert [e.text for e in day_after.events] == ["Certification earned", "Expired"]
    on_expiry = run([passed("200-301", "2020-01-10")], today=date(2023, 1, 10))["ccna"]
    assert on_expiry.status == "active"
    assert run([passed("200-301", "2020-01-10")], today=date(2023, 1, 11))["ccna"].status == "expired"


def test_professional_needs_core_and_concentration_and_renews_ccna() -> None:
    results = run(
        [
            passed("200-301", "2021-01-10"),
            passed("350-401", "2023-05-01"),
            passed("300-410", "2023-06-01"),
        ],
        [credit(80, "2025-01-15")],
    )
    ccnp = results["ccnp-enterprise"]
    assert (ccnp.active_date, ccnp.expiration_date) == (date(2025, 1, 15), date(2029, 6, 1))
    assert [e.text for e in ccnp.events] == ["Certification earned", "Recertified by CE credits"]
    ccna = results["ccna"]
    # 350-401 qualifies for CCNA: renewed once (2024 → 2027); CCNP earned in the same period adds nothing;
    # from 2024-01-10 on the next renewal is open and the CE credits renew CCNA again (2027 → 2030)
    assert ccna.expiration_date == date(2030, 1, 10)
    assert [e.text for e in ccna.events] == [
        "Certification earned",
        "Recertified by exam",
        "Recertified by exam",
    ]


def test_recertifying_a_higher_level_renews_the_lower_one() -> None:
    results = run(
        [passed("200-301", "2023-01-10"), passed("350-401", "2020-05-01"), passed("300-410", "2020-06-01")],
        [credit(80, "2023-03-01")],
    )
    assert results["ccnp-enterprise"].expiration_date == date(2026, 6, 1)
    ccna = results["ccna"]
    assert ccna.expiration_date == date(2029, 1, 10)
    assert ccna.events[-1].text in {"Recertified by CE credits", "Recertified by CCNP Enterprise"}


def test_early_renewals_do_not_stack() -> None:
    evidence = ([passed("200-301", "2024-01-10")], [credit(30, "2024-03-01"), credit(30, "2024-04-01")])
    ccna = run(*evidence)["ccna"]
    assert ccna.expiration_date == date(2030, 1, 10)
    assert [e.text for e in ccna.events] == ["Certification earned", "Recertified by CE credits"]
    # the second 30 credits count toward the next period, which opens the day after the old expiry
    assert node(ccna, "1.2")["earned"] == 30
    later = run(*evidence, today=date(2027, 6, 1))["ccna"]
    assert later.expiration_date == date(2033, 1, 10)
    assert later.events[-1].date == date(2027, 1, 11)


def test_professional_in_progress_shows_started_and_partial_tree() -> None:
    ccnp = run([passed("350-401", "2025-09-01")])["ccnp-enterprise"]
    assert ccnp.status == "in_progress"
    assert ccnp.started == date(2025, 9, 1)
    assert (node(ccnp, "1")["earned"], node(ccnp, "1")["required"]) == (1, 2)
    assert node(ccnp, "1.1")["met"] is True
    assert node(ccnp, "1.2")["met"] is False


def test_exams_older_than_their_validity_do_not_combine() -> None:
    ccnp = run([passed("350-401", "2020-01-01"), passed("300-410", "2024-01-01")])["ccnp-enterprise"]
    assert ccnp.status == "in_progress"


def test_hold_leaf_needs_the_other_certification_active() -> None:
    without = run([passed("300-420", "2025-01-01")])["specialist-enterprise-design"]
    assert without.status == "in_progress"
    assert node(without, "1.1")["met"] is False
    with_ccna = run([passed("200-301", "2024-01-01"), passed("300-420", "2025-01-01")])
    assert with_ccna["specialist-enterprise-design"].status == "active"
    assert with_ccna["specialist-enterprise-design"].active_date == date(2025, 1, 1)


def test_hold_is_met_the_same_day_the_held_certification_is_earned() -> None:
    results = run([passed("200-301", "2025-01-01"), passed("300-420", "2025-01-01")])
    assert results["specialist-enterprise-design"].status == "active"


def test_expert_recertified_by_ce_keeps_first_earned() -> None:
    exams = [passed("350-401", "2014-03-01"), failed("CCIE-EI-LAB", "2014-06-01"), passed("CCIE-EI-LAB", "2014-09-01")]
    credits = [
        credit(120, "2016-09-01"),
        credit(120, "2019-09-01"),
        credit(120, "2022-09-01"),
        credit(40, "2025-09-01"),
    ]
    ccie = run(exams, credits, today=date(2026, 5, 1))["ccie-enterprise"]
    assert ccie.status == "active"
    assert ccie.first_earned == date(2014, 9, 1)
    assert ccie.expiration_date == date(2026, 9, 1)
    assert node(ccie, "1.1")["earned"] == 40
    lapsed = run(exams, credits)["ccie-enterprise"]
    assert (lapsed.status, lapsed.events[-1].text) == ("expired", "Expired")


def test_manual_grant_and_revocation_come_from_standings() -> None:
    granted = run(standings={"ccna": Standing("ccna", granted_on=date(2025, 1, 1))})["ccna"]
    assert (granted.status, granted.expiration_date) == ("active", date(2028, 1, 1))
    assert [e.text for e in granted.events] == ["Manually granted certification"]
    revoked = run([passed("200-301", "2025-01-01")], standings={"ccna": Standing("ccna", revoked=True)})["ccna"]
    assert revoked.status == "revoked"


def test_future_evidence_is_ignored() -> None:
    assert run([passed("200-301", "2027-01-01")])["ccna"].status == "in_progress"


def test_add_years_on_leap_day() -> None:
    assert add_years(date(2024, 2, 29), 3) == date(2027, 2, 28)
