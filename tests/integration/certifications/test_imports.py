"""CSV imports: validation per line, idempotent upserts, candidates, agreements, evaluation, email."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from certtrack import keys
from certtrack.certifications.models import AgreementItem, CECreditItem, CertificationItem, ExamItem, HistoryItem
from certtrack.certifications.records import read_partition
from certtrack.identity.models import CandidateItem

from local.dynamo_calls import count_dynamodb_calls
from tests.factories import candidate
from tests.factories.csv_rows import EXAM_HEADER, ce_row, csv_bytes, exam_row
from tests.integration.certifications.conftest import import_credits, import_exams

pytestmark = pytest.mark.usefixtures("aws")


def _cert(candidate_id: str, cert_id: str) -> CertificationItem:
    return CertificationItem.get(keys.candidate_pk(candidate_id), keys.cert_sk(cert_id))


def test_exam_import_creates_candidate_exam_agreement_and_earns_ccna(now: datetime, outbox) -> None:  # type: ignore[no-untyped-def]
    report = import_exams(
        [
            exam_row(registration_number="REG-1", grade="Fail", exam_date="2024-04-01"),
            exam_row(registration_number="REG-2", exam_date="2024-05-10", agreement="cca-v9"),
        ],
        now,
    )
    assert report.model_dump() == {"rows": 2, "imported": 2, "rejected": []}

    profile = CandidateItem.get_candidate("CSCO10000000")
    assert profile is not None
    assert (profile.first_name, profile.last_name, profile.email) == ("John", "Doe", "john.doe@example.com")
    assert profile.GSI1PK == "EMAIL#john.doe@example.com"

    exam = ExamItem.get(keys.candidate_pk("CSCO10000000"), keys.exam_sk("REG-2"))
    assert (exam.GSI1PK, exam.import_source, exam.grade) == ("REG#REG-2", "test.csv", "Pass")
    agreement = AgreementItem.get(keys.candidate_pk("CSCO10000000"), keys.agreement_sk("cca-v9"))
    assert (agreement.name, agreement.active_date) == ("Certification and Confidentiality Agreement (V9)", "2024-05-10")
    assert agreement.expires is None  # PynamoDB types a nullable attribute as its value type alone

    ccna = _cert("CSCO10000000", "ccna")
    assert (ccna.status, ccna.active_date, ccna.expiration_date) == ("active", date(2024, 5, 10), date(2027, 5, 10))
    assert ccna.GSI2SK is not None and ccna.GSI2SK.startswith("2027-02-09#CERT:r90#")

    events = {(h.date, h.event) for h in read_partition("CSCO10000000").history}
    assert events == {(date(2024, 5, 10), "Passed exam 200-301"), (date(2024, 5, 10), "Certification earned")}

    [mail] = outbox()
    assert mail["to"] == "john.doe@example.com"
    assert "CCNA" in mail["subject"]
    for part in (mail["text"], mail["html"]):
        assert "CCNA Certificate" in part  # the free initial kit
        assert "https://certs.example.com/app/#/fulfillment" in part


def test_reimporting_the_same_file_changes_nothing(now: datetime, outbox) -> None:  # type: ignore[no-untyped-def]
    rows = [exam_row(registration_number="REG-A"), exam_row(registration_number="REG-B", exam_code="350-401")]
    import_exams(rows, now)
    before = read_partition("CSCO10000000")
    report = import_exams(rows, now)
    after = read_partition("CSCO10000000")
    assert report.imported == 2
    assert len(after.exams) == len(before.exams) == 2
    assert sorted(h.SK for h in after.history) == sorted(h.SK for h in before.history)
    assert {c: i.status for c, i in after.certifications.items()} == {
        c: i.status for c, i in before.certifications.items()
    }
    assert len(outbox()) == 2  # CCNA and the specialist, once each


def test_rejects_are_reported_per_line_and_good_rows_kept(now: datetime) -> None:
    """The checks of each row are unit tests (tests/unit/certifications/test_import_rows.py); here,
    the report of a whole import, with a name checked against the stored record, and its writes."""
    candidate(candidate_id="CSCO10000009", first_name="Bob", last_name="Müller", email="bob@example.com")
    rows = [
        exam_row(registration_number="OK-1"),  # line 2
        exam_row(exam_date="2024-02-30"),  # 3: bad date
        exam_row(candidate_id="CSCO10000009", first_name="Robert", last_name="Muller"),  # 4: name differs
        exam_row(candidate_id="CSCO10000009", first_name="BOB", last_name="muller", registration_number="OK-2"),  # 5
        exam_row(first_name="Jon"),  # 6: differs from line 2's John Doe (new candidate in this file)
    ]
    report = import_exams(rows, now)
    assert report.rows == 5
    assert report.imported == 2
    lines = {r.line: r.reason for r in report.rejected}
    assert sorted(lines) == [3, 4, 6]
    assert "not a date" in lines[3]
    assert lines[4] == "The name does not match candidate CSCO10000009's record."
    assert lines[6] == "The name does not match candidate CSCO10000000's record."
    assert {e.registration_number for e in read_partition("CSCO10000000").exams} == {"OK-1"}
    assert {e.registration_number for e in read_partition("CSCO10000009").exams} == {"OK-2"}


def test_wrong_header_rejects_the_file_and_writes_nothing(now: datetime) -> None:
    body = csv_bytes([exam_row()], header=tuple(c for c in EXAM_HEADER if c != "exam_date"))
    from certtrack.certifications.imports import run_import

    report = run_import("exams", "exams/bad.csv", body, now)
    assert report.rows == 0 and report.imported == 0
    [rejection] = report.rejected
    assert rejection.line == 1 and "missing columns: exam_date" in rejection.reason
    assert CandidateItem.get_candidate("CSCO10000000") is None


def test_ce_import_rejects_bad_points_and_unknown_candidates(now: datetime) -> None:
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe")
    report = import_credits(
        [
            ce_row(points="7.5"),
            ce_row(points="abc"),
            ce_row(points="-1"),
            ce_row(candidate_id="CSCO19999999"),
            ce_row(active_date="01/02/2025"),
        ],
        now,
    )
    assert report.imported == 1
    assert [r.line for r in report.rejected] == [3, 4, 5, 6]
    assert "not a number" in report.rejected[0].reason
    assert "Unknown candidate" in report.rejected[2].reason
    [credit] = read_partition("CSCO10000000").credits
    assert (float(credit.points), credit.inactive_date, credit.import_source, credit.status) == (
        7.5,
        date(2028, 2, 1),
        "test.csv",
        "active",
    )


def test_ce_credits_recertify_and_are_idempotent_by_external_id(now: datetime) -> None:
    import_exams([exam_row(exam_date="2024-01-10")], now)
    rows = [ce_row(points="20", active_date="2025-01-01", external_id="E-1"), ce_row(points="10", external_id="E-2")]
    import_credits(rows, now)
    import_credits(rows, now)
    partition = read_partition("CSCO10000000")
    assert len(partition.credits) == 2
    ccna = partition.certifications["ccna"]
    assert (ccna.status, ccna.expiration_date, ccna.active_date) == ("active", date(2030, 1, 10), date(2025, 2, 1))
    events = [h.event for h in sorted(partition.history, key=lambda h: h.SK) if h.cert_id == "ccna"]
    assert events == ["Certification earned", "Recertified by CE credits"]


def test_expert_number_is_assigned_once_on_earning(now: datetime) -> None:
    rows = [
        exam_row(exam_code="350-401", exam_date="2025-01-01"),
        exam_row(exam_code="CCIE-EI-LAB", exam_date="2025-06-01"),
    ]
    import_exams(rows, now)
    profile = CandidateItem.get_candidate("CSCO10000000")
    assert profile is not None and profile.attributes is not None
    number = profile.attributes.as_dict()["ccie_number"]
    assert number == "70001"
    import_exams([exam_row(exam_code="CCIE-EI-LAB", exam_date="2025-07-01")], now)
    again = CandidateItem.get_candidate("CSCO10000000")
    assert again is not None and again.attributes is not None
    assert again.attributes.as_dict()["ccie_number"] == "70001"
    # a second expert gets the next number
    import_exams(
        [
            exam_row(candidate_id="CSCO10000002", first_name="Eve", registration_number="E1", exam_code="350-401"),
            exam_row(candidate_id="CSCO10000002", first_name="Eve", registration_number="E2", exam_code="CCIE-EI-LAB"),
        ],
        now,
    )
    eve = CandidateItem.get_candidate("CSCO10000002")
    assert eve is not None and eve.attributes is not None
    assert eve.attributes.as_dict()["ccie_number"] == "70002"


def test_mapped_candidate_keeps_their_email(now: datetime) -> None:
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe", email="new@example.com", login_sub="s1")
    import_exams([exam_row(email="old@example.com")], now)
    profile = CandidateItem.get_candidate("CSCO10000000")
    assert profile is not None and profile.email == "new@example.com"


def test_unmapped_candidate_takes_the_latest_exam_email(now: datetime) -> None:
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe", email="old@example.com")
    import_exams([exam_row(email="newer@example.com")], now)
    profile = CandidateItem.get_candidate("CSCO10000000")
    assert profile is not None
    assert (profile.email, profile.GSI1PK) == ("newer@example.com", keys.email_gsi("newer@example.com"))


def test_writes_are_batched(now: datetime) -> None:
    rows = [
        exam_row(candidate_id=f"CSCO1000{n:04d}", first_name=f"N{n}", exam_code="350-701", exam_date="2025-01-01")
        for n in range(60)
    ]
    with count_dynamodb_calls() as calls:
        report = import_exams(rows, now)
    assert report.imported == 60
    assert calls["PutItem"] == 0 and calls["UpdateItem"] == 0
    # 60 exams + 60 registration owners + 60 candidates, then 60 certifications and their events:
    # a handful of BatchWriteItem calls (25 items each), not one per row
    assert calls["BatchWriteItem"] <= 12
    assert calls["Query"] == 60  # each touched candidate read once


def test_history_items_follow_the_evidence(now: datetime) -> None:
    import_exams([exam_row(registration_number="R1", exam_date="2024-05-10")], now)
    import_exams([exam_row(registration_number="R1", exam_date="2024-05-10", grade="Fail")], now)
    partition = read_partition("CSCO10000000")
    assert partition.certifications["ccna"].status == "in_progress"
    assert [h for h in partition.history if isinstance(h, HistoryItem)] == []


def test_s3_handler_writes_the_report_beside_the_file(now: datetime) -> None:
    import json

    import boto3
    from certtrack.settings import get_settings

    from tests.conftest import LambdaContext, deliver_queued, load_function

    bucket = get_settings().imports_bucket
    key = "ce-credits/creq 2020.csv"
    candidate(candidate_id="CSCO10000000", first_name="John", last_name="Doe")
    s3 = boto3.client("s3")
    s3.put_object(Bucket=bucket, Key=key, Body=csv_bytes([ce_row(), ce_row(points="x")]))
    event = {"Records": [{"s3": {"bucket": {"name": bucket}, "object": {"key": "ce-credits/creq+2020.csv"}}}]}
    queued = load_function("certifications", "imports").handler(event, LambdaContext())
    assert (queued["chunks"], queued["rows"]) == (1, 2)
    assert deliver_queued() == 1  # the one chunk's job, imported by the worker
    stored = json.loads(s3.get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())
    assert stored == {"rows": 2, "imported": 1, "rejected": [{"line": 3, "reason": "points 'x' is not a number."}]}
    [credit] = [c for c in read_partition("CSCO10000000").credits if isinstance(c, CECreditItem)]
    assert credit.import_source == "creq 2020.csv"


# -- a registration number belongs to one candidate, across files ------------------------------

ANN = {"candidate_id": "CSCO10000000", "first_name": "John", "last_name": "Doe"}
BEA = {"candidate_id": "CSCO10000001", "first_name": "Jane", "last_name": "Roe", "email": "jane@example.com"}
TAKEN = "registration_number {} belongs to another candidate."


def _exams(candidate_id: str) -> dict[str, ExamItem]:
    return {e.registration_number: e for e in read_partition(candidate_id).exams if isinstance(e, ExamItem)}


def _owner(registration_number: str) -> str:
    from certtrack.certifications.models import RegistrationOwnerItem

    return RegistrationOwnerItem.get(*RegistrationOwnerItem.key(registration_number)).candidate_id


def test_a_registration_number_from_an_earlier_file_is_not_given_to_another_candidate(now: datetime) -> None:
    import json

    import boto3
    from certtrack.certifications.registrations import candidates_with_registration
    from certtrack.settings import get_settings

    from tests.integration.certifications.conftest import import_object

    first = import_exams([exam_row(**ANN, registration_number="REG-X", exam_date="2024-05-10")], now, "exams/one.csv")
    assert first.model_dump() == {"rows": 1, "imported": 1, "rejected": []}
    before = _exams(ANN["candidate_id"])["REG-X"]

    bucket, key = get_settings().imports_bucket, "exams/two.csv"
    rows = [
        exam_row(**BEA, registration_number="REG-B1"),  # line 2
        exam_row(**BEA, registration_number="REG-X", grade="Fail", exam_date="2025-01-02"),  # line 3
    ]
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=csv_bytes(rows, EXAM_HEADER))
    second = import_object(bucket, key, now)

    expected = {"rows": 2, "imported": 1, "rejected": [{"line": 3, "reason": TAKEN.format("REG-X")}]}
    assert second.model_dump() == expected
    stored = json.loads(boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")["Body"].read())
    assert stored == expected
    assert set(_exams(BEA["candidate_id"])) == {"REG-B1"}  # nothing written for the rejected row
    after = _exams(ANN["candidate_id"])["REG-X"]
    assert after.attribute_values == before.attribute_values  # John's exam untouched
    assert (after.grade, after.import_source) == ("Pass", "one.csv")
    assert _owner("REG-X") == ANN["candidate_id"]
    assert [c.candidate_id for c in candidates_with_registration("REG-X")] == [ANN["candidate_id"]]


def test_reimporting_a_file_keeps_its_registration_numbers(now: datetime) -> None:
    rows = [exam_row(**ANN, registration_number="REG-X"), exam_row(**ANN, registration_number="REG-X2")]
    import_exams(rows, now, "exams/one.csv")
    with count_dynamodb_calls() as calls:
        again = import_exams(rows, now, "exams/one.csv")
    assert again.model_dump() == {"rows": 2, "imported": 2, "rejected": []}
    assert set(_exams(ANN["candidate_id"])) == {"REG-X", "REG-X2"}
    assert _owner("REG-X") == _owner("REG-X2") == ANN["candidate_id"]
    # the owners are read in one batch with the profiles' batch; no call per row
    assert calls["BatchGetItem"] == 2 and calls["GetItem"] == 0 and calls["Query"] == 1


def test_the_first_candidate_given_a_new_registration_number_owns_it(now: datetime) -> None:
    first = import_exams([exam_row(**BEA, registration_number="REG-Y")], now, "exams/one.csv")
    assert first.model_dump() == {"rows": 1, "imported": 1, "rejected": []}
    later = import_exams(
        [exam_row(**ANN, registration_number="REG-A1"), exam_row(**ANN, registration_number="REG-Y")],
        now,
        "exams/two.csv",
    )
    assert later.model_dump() == {"rows": 2, "imported": 1, "rejected": [{"line": 3, "reason": TAKEN.format("REG-Y")}]}
    assert set(_exams(ANN["candidate_id"])) == {"REG-A1"}
    assert set(_exams(BEA["candidate_id"])) == {"REG-Y"}
    assert _owner("REG-Y") == BEA["candidate_id"]


def test_a_rejected_row_does_not_claim_its_registration_number(now: datetime) -> None:
    candidate(**{k: v for k, v in BEA.items() if k != "email"})
    rejected = import_exams([exam_row(**{**BEA, "first_name": "Joan"}, registration_number="REG-Z")], now)
    assert [r.reason for r in rejected.rejected] == ["The name does not match candidate CSCO10000001's record."]
    accepted = import_exams([exam_row(**ANN, registration_number="REG-Z")], now)
    assert accepted.model_dump() == {"rows": 1, "imported": 1, "rejected": []}
    assert _owner("REG-Z") == ANN["candidate_id"]


def test_registration_owners_are_read_in_batches_of_100(now: datetime) -> None:
    rows = [exam_row(**ANN, registration_number=f"REG-N{n:03d}", exam_code="350-701") for n in range(150)]
    with count_dynamodb_calls() as calls:
        report = import_exams(rows, now)
    assert report.imported == 150
    assert calls["BatchGetItem"] == 1 + 2  # profiles, then 150 owner keys in 2 calls
    assert calls["GetItem"] == 0 and calls["Query"] == 1
    with count_dynamodb_calls() as calls:
        report = import_exams([*rows, exam_row(**BEA, registration_number="REG-N149")], now)
    assert report.imported == 150 and [r.line for r in report.rejected] == [152]
