"""The records routes over the real handler: payloads, paging, sorting, search, isolation, call counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from local.dynamo_calls import count_dynamodb_calls
from tests.conftest import call
from tests.factories import candidate
from tests.factories.csv_rows import ce_row, exam_row
from tests.integration.certifications.conftest import import_credits, import_exams

pytestmark = pytest.mark.usefixtures("aws")

SUB = "sub-john"


@pytest.fixture
def john(now: datetime) -> str:
    """John Doe, mapped, with CCNA (2024-05-10, 10 of 30 CE), a failed exam and the agreement."""
    candidate(
        candidate_id="CSCO10000000", first_name="John", last_name="Doe", email="john.doe@example.com", login_sub=SUB
    )
    import_exams(
        [
            exam_row(registration_number="REG-F", grade="Fail", exam_date="2024-04-01", agreement="cca-v9"),
            exam_row(registration_number="REG-P", exam_date="2024-05-10"),
            exam_row(registration_number="REG-E", exam_code="350-401", exam_date="2020-01-01", exam_name="ENCOR"),
        ],
        now,
    )
    import_credits(
        [
            ce_row(points="5", active_date="2025-02-01", external_id="CE-1", activity_name="Cisco CE Credits"),
            ce_row(points="5", active_date="2025-03-01", external_id="CE-2", provider_name="Learning Partner X"),
            ce_row(points="4", active_date="2024-01-01", external_id="CE-OLD", activity_name="Before CCNA"),
        ],
        now,
    )
    return "CSCO10000000"


def get(path: str, **kwargs: Any) -> tuple[int, Any]:
    status, body, _ = call("certifications", "GET", path, sub=kwargs.pop("sub", SUB), **kwargs)
    return status, body


def detail(cert_id: str, sub: str = SUB) -> tuple[int, Any]:
    return get(
        f"/me/certifications/{cert_id}",
        sub=sub,
        resource="/me/certifications/{cert_id}",
        path_parameters={"cert_id": cert_id},
    )


def test_certifications_grouped_by_category(john: str) -> None:
    status, body = get("/me/certifications")
    assert status == 200
    assert body["next"] is None
    by_category = {g["category"]: g["certifications"] for g in body["groups"]}
    [ccna] = by_category["General Certifications - Associate"]
    assert ccna == {
        "id": "ccna",
        "name": "CCNA",
        "abbreviation": "CCNA",
        "status": "active",
        "started": None,
        "active_date": "2024-05-10",
        "expiration_date": "2027-05-10",
        "downloads": {"logo": True, "pdf_certificate": True},
    }
    # the core exam alone (2020, expired with its validity) left the specialist expired
    [specialist] = by_category["Specialist Certifications"]
    assert specialist["status"] == "expired"
    assert specialist["downloads"] == {"logo": False, "pdf_certificate": False}


def test_certification_detail_progress_credits_history(john: str) -> None:
    status, body = detail("ccna")
    assert status == 200
    assert body["status"] == "active"
    progress = body["progress"]
    assert (progress["id"], progress["earned"], progress["required"], progress["met"]) == ("1", 0, 1, False)
    children = {c["id"]: (c["earned"], c["required"], c["met"]) for c in progress["children"]}
    assert children == {"1.1": (0, 1, False), "1.2": (10, 30, False)}
    assert body["ce_credits"] == [
        {"active_date": "2025-02-01", "inactive_date": "2028-02-01", "points": 5, "status": "active"},
        {"active_date": "2025-03-01", "inactive_date": "2028-03-01", "points": 5, "status": "active"},
    ]
    # newest first: the certification's events and passes of exams that count toward it
    assert body["history"] == [
        {"date": "2024-05-10", "event": "Passed exam 200-301"},
        {"date": "2024-05-10", "event": "Certification earned"},
        {"date": "2020-01-01", "event": "Passed exam 350-401"},
    ]


def test_detail_of_a_certification_not_started_and_unknown(john: str) -> None:
    status, body = detail("ccde")
    assert status == 200
    assert (body["status"], body["started"], body["progress"]["earned"], body["progress"]["required"]) == (
        "in_progress",
        None,
        0,
        2,
    )
    status, body = detail("no-such-cert")
    assert (status, body["code"]) == (404, "not_found")


def test_exams_sorted_and_paged(john: str) -> None:
    status, body = get("/me/exams", query={"sort": "date", "order": "asc"})
    assert status == 200
    assert [e["registration_number"] for e in body["items"]] == ["REG-E", "REG-F", "REG-P"]
    fail = body["items"][1]
    assert fail == {
        "code": "200-301",
        "exam": "Implementing and Administering Networking Solutions (CCNA)",
        "registration_number": "REG-F",
        "grade": "Fail",
        "date": "2024-04-01",
        "expires": None,
    }
    assert body["items"][2]["expires"] == "2027-05-10"
    _, by_grade = get("/me/exams", query={"sort": "grade", "order": "desc"})
    assert [e["grade"] for e in by_grade["items"]] == ["Pass", "Pass", "Fail"]
    _, by_code = get("/me/exams", query={"sort": "code", "order": "asc"})
    assert [e["code"] for e in by_code["items"]] == ["200-301", "200-301", "350-401"]

    _, first = get("/me/exams", query={"limit": "2"})
    assert len(first["items"]) == 2 and first["next"]
    _, second = get("/me/exams", query={"limit": "2", "next": first["next"]})
    assert [e["registration_number"] for e in first["items"] + second["items"]] == ["REG-P", "REG-F", "REG-E"]
    assert second["next"] is None


def test_bad_query_parameters(john: str) -> None:
    assert get("/me/exams", query={"sort": "weight"})[0] == 422
    assert get("/me/exams", query={"limit": "0"})[0] == 422
    status, body = get("/me/exams", query={"next": "not-a-cursor"})
    assert (status, body["code"]) == (400, "invalid_cursor")


def test_ce_activities_search(john: str) -> None:
    status, body = get("/me/ce-activities")
    assert status == 200
    assert [a["external_id"] for a in body["items"]] == ["CE-2", "CE-1", "CE-OLD"]
    first = body["items"][1]
    assert first == {
        "name": "Cisco CE Credits",
        "active_date": "2025-02-01",
        "expires": "2028-02-01",
        "review": None,
        "points": 5,
        "updated": "2026-11-25",
        "provider_name": "CDL 01 July CCNP",
        "source": "CertTrack",
        "import_source": "test.csv",
        "external_id": "CE-1",
    }
    _, by_provider = get("/me/ce-activities", query={"q": "learning PARTNER"})
    assert [a["external_id"] for a in by_provider["items"]] == ["CE-2"]
    _, by_name = get("/me/ce-activities", query={"q": "before"})
    assert [a["external_id"] for a in by_name["items"]] == ["CE-OLD"]


def test_agreements(john: str) -> None:
    status, body = get("/me/agreements")
    assert status == 200
    assert body == {
        "items": [
            {"name": "Certification and Confidentiality Agreement (V9)", "active_date": "2024-04-01", "expires": None}
        ],
        "next": None,
    }


def test_other_candidates_records_are_invisible(john: str, now: datetime) -> None:
    candidate(candidate_id="CSCO10000001", first_name="Ada", last_name="Lovelace", login_sub="sub-ada")
    _, body = get("/me/exams", sub="sub-ada")
    assert body == {"items": [], "next": None}
    _, certs = get("/me/certifications", sub="sub-ada")
    assert certs == {"groups": [], "next": None}
    status, _ = get("/me/certifications", sub="sub-unmapped")
    assert status == 403


@pytest.mark.parametrize(
    ("path", "extra"),
    [
        ("/me/certifications", {}),
        (
            "/me/certifications/ccna",
            {"resource": "/me/certifications/{cert_id}", "path_parameters": {"cert_id": "ccna"}},
        ),
        ("/me/ce-activities", {"query": {"q": "cisco"}}),
        ("/me/exams", {"query": {"sort": "grade"}}),
        ("/me/agreements", {}),
    ],
)
def test_each_route_makes_at_most_two_dynamodb_calls(john: str, path: str, extra: dict[str, Any]) -> None:
    with count_dynamodb_calls() as calls:
        status, _ = get(path, **extra)
    assert status == 200
    assert sum(calls.values()) <= 2, calls
    assert calls["GetItem"] == 1 and calls["Query"] == 1
