"""Stored items as the rules engine's evidence (no AWS: the items are built, never saved)."""

from __future__ import annotations

from datetime import date

from certtrack import keys
from certtrack.certifications import evidence
from certtrack.certifications.models import CECreditItem, CertificationItem, ExamItem
from certtrack.program import rules
from certtrack.program.catalog import load_catalog

from tests.factories import day

CATALOG = load_catalog()
PK = keys.candidate_pk("CSCO10000000")


def exam(registration: str, grade: str, day: str, code: str = "200-301") -> ExamItem:
    return ExamItem(
        PK,
        keys.exam_sk(registration),
        candidate_id="CSCO10000000",
        exam_code=code,
        exam_name="x",
        registration_number=registration,
        grade=grade,
        exam_date=date.fromisoformat(day),
    )


def credit(external_id: str, points: float, active: str, inactive: str) -> CECreditItem:
    return CECreditItem(
        PK,
        keys.ce_sk(external_id),
        candidate_id="CSCO10000000",
        external_id=external_id,
        activity_name="a",
        provider_name="p",
        points=points,
        active_date=date.fromisoformat(active),
        inactive_date=date.fromisoformat(inactive),
    )


def certification(
    cert_id: str, status: str, granted_on: str | None = None, granted_until: str | None = None
) -> CertificationItem:
    return CertificationItem(
        PK,
        keys.cert_sk(cert_id),
        candidate_id="CSCO10000000",
        cert_id=cert_id,
        status=status,
        granted_on=day(granted_on),
        granted_until=day(granted_until),
    )


def test_items_become_the_engines_evidence() -> None:
    assert evidence.exam_evidence([exam("R1", "Pass", "2024-05-10"), exam("R2", "Fail", "2024-04-01")]) == [
        rules.Exam(code="200-301", date=date(2024, 5, 10), passed=True, key="R1"),
        rules.Exam(code="200-301", date=date(2024, 4, 1), passed=False, key="R2"),
    ]
    assert evidence.credit_evidence([credit("E1", 7.5, "2025-02-01", "2028-02-01")]) == [
        rules.Credit(points=7.5, active_date=date(2025, 2, 1), inactive_date=date(2028, 2, 1), key="E1")
    ]


def test_stored_records_add_only_revocations_and_grants() -> None:
    stored = {
        "ccna": certification("ccna", "revoked"),
        "ccnp-enterprise": certification(
            "ccnp-enterprise", "active", granted_on="2025-01-01", granted_until="2028-01-01"
        ),
        "ccie-enterprise-infrastructure": certification("ccie-enterprise-infrastructure", "active"),
    }
    assert evidence.standings(stored) == {
        "ccna": rules.Standing(cert_id="ccna", revoked=True, granted_on=None, granted_until=None),
        "ccnp-enterprise": rules.Standing(
            cert_id="ccnp-enterprise", revoked=False, granted_on=date(2025, 1, 1), granted_until=date(2028, 1, 1)
        ),
        "ccie-enterprise-infrastructure": rules.Standing(
            cert_id="ccie-enterprise-infrastructure", revoked=False, granted_on=None, granted_until=None
        ),
    }


def test_evaluate_runs_the_engine_on_the_items() -> None:
    results = evidence.evaluate(CATALOG, [exam("R1", "Pass", "2024-05-10")], [], {}, date(2026, 11, 25))
    ccna = results["ccna"]
    assert (ccna.status, ccna.active_date, ccna.expiration_date) == ("active", date(2024, 5, 10), date(2027, 5, 10))
    revoked = evidence.evaluate(
        CATALOG, [exam("R1", "Pass", "2024-05-10")], [], {"ccna": certification("ccna", "revoked")}, date(2026, 11, 25)
    )
    assert revoked["ccna"].status == rules.REVOKED


def test_a_pass_counts_for_the_exam_validity_and_a_failed_exam_never_expires() -> None:
    assert CATALOG.exam_validity_years == 3
    assert evidence.exam_expires(exam("R1", "Pass", "2024-02-29"), CATALOG) == date(2027, 2, 28)
    assert evidence.exam_expires(exam("R1", "Pass", "2024-05-10"), CATALOG) == date(2027, 5, 10)
    assert evidence.exam_expires(exam("R2", "Fail", "2024-05-10"), CATALOG) is None
