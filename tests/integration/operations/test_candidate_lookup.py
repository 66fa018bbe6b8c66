"""The operators' candidate lookup through the real operations handler on moto: every search form
(candidate id, email, registration number, name prefixes and "Last, First" / "First Last"), bad
input, the refusals, and the candidate view's sections built from imported and ordered records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack.auth import Login
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry

from local.dynamo_calls import DynamoCallCounter
from tests.conftest import call
from tests.factories import candidate
from tests.factories.csv_rows import ce_row, exam_row
from tests.integration.certifications.conftest import import_credits, import_exams
from tests.integration.fulfillment.factories import shipping_address
from tests.unit.fulfillment.factories import order_body

pytestmark = pytest.mark.usefixtures("aws")

NOW = datetime.now(UTC)  # handlers read the real clock: records are dated relative to today
ALICE = Login(sub="sub-alice", username="alice", groups=frozenset({"operators"}))
EXAM_DAY = (NOW - timedelta(days=30)).date().isoformat()


def ops(method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "operations",
        method,
        path,
        sub=kwargs.pop("sub", "sub-alice"),
        username="alice",
        groups=kwargs.pop("groups", ["operators"]),
        **kwargs,
    )


def find(q: str | None, **kwargs: Any) -> tuple[int, Any]:
    status, body, _ = ops("GET", "/ops/candidates", query={} if q is None else {"q": q}, **kwargs)
    return status, body


def ids(body: dict[str, Any]) -> list[str]:
    return [item["candidate_id"] for item in body["items"]]


@pytest.fixture
def people() -> dict[str, dict[str, str]]:
    """Four imported candidates (so their profiles carry the name keys), one passing CCNA."""
    rows = {
        "ada": exam_row(
            candidate_id="CSCO20000001",
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            registration_number="REG-ADA-1",
            exam_date=EXAM_DAY,
        ),
        "adam": exam_row(
            candidate_id="CSCO20000002",
            first_name="Adam",
            last_name="Lovell",
            email="adam@example.com",
            registration_number="REG-ADAM-1",
            exam_date=EXAM_DAY,
            grade="Fail",
        ),
        "jose": exam_row(
            candidate_id="CSCO20000003",
            first_name="José",
            last_name="Núñez de la O",
            email="jose@example.com",
            registration_number="REG-JOSE-1",
            exam_date=EXAM_DAY,
            grade="Fail",
        ),
        "lola": exam_row(
            candidate_id="CSCO20000004",
            first_name="Lola",
            last_name="Ada",
            email="lola@example.com",
            registration_number="REG-LOLA-1",
            exam_date=EXAM_DAY,
            grade="Fail",
        ),
    }
    report = import_exams(list(rows.values()), NOW)
    assert report.imported == 4 and report.rejected == [], report
    return rows


@pytest.mark.parametrize(
    ("q", "expected", "matched_by"),
    [
        ("CSCO20000001", ["CSCO20000001"], "candidate_id"),
        ("csco20000001", ["CSCO20000001"], "candidate_id"),
        ("  ADA@Example.com ", ["CSCO20000001"], "email"),
        ("REG-ADAM-1", ["CSCO20000002"], "registration_number"),
        ("Lovel", ["CSCO20000001", "CSCO20000002"], "name"),  # last name prefix, then first name order
        ("lovelace", ["CSCO20000001"], "name"),
        ("LOVELL, ad", ["CSCO20000002"], "name"),  # "Last, First": the whole last name, a first prefix
        ("Lovelace, Ada", ["CSCO20000001"], "name"),
        ("Ada Lovelace", ["CSCO20000001"], "name"),  # "First Last"
        ("nunez", ["CSCO20000003"], "name"),  # accents and case folded
        ("José Núñez de la O", ["CSCO20000003"], "name"),  # a last name of several words
        ("Nunez de", ["CSCO20000003"], "name"),  # the whole text as a last-name prefix
    ],
)
def test_each_search_form_finds_its_candidate(
    people: dict[str, dict[str, str]], q: str, expected: list[str], matched_by: str
) -> None:
    status, body = find(q)
    assert status == 200, body
    assert ids(body) == expected
    assert {item["matched_by"] for item in body["items"]} == {matched_by}
    assert body["truncated"] is False


def test_a_match_names_the_candidate_and_says_whether_a_login_is_mapped(people: dict[str, dict[str, str]]) -> None:
    mapped = candidate(first_name="Mapped", last_name="Lovegood", email="luna@example.com", login_sub="sub-luna")
    status, body = find("luna@example.com")
    assert status == 200, body
    assert body["items"] == [
        {
            "candidate_id": mapped.candidate_id,
            "first_name": "Mapped",
            "last_name": "Lovegood",
            "email": "luna@example.com",
            "mapped": True,
            "matched_by": "email",
        }
    ]
    status, body = find("Ada@example.com")
    assert body["items"][0]["mapped"] is False


def test_a_first_name_is_not_a_last_name(people: dict[str, dict[str, str]]) -> None:
    """Lola Ada's last name is "Ada"; Ada Lovelace's first name alone does not find her."""
    status, body = find("Ada")
    assert status == 200, body
    assert ids(body) == ["CSCO20000004"]


def test_nothing_found_is_an_empty_list(people: dict[str, dict[str, str]]) -> None:
    for q in ("Zed", "nobody@example.com", "REG-NONE", "CSCO29999999", "Lovelace, Zoe"):
        status, body = find(q)
        assert (status, body) == (200, {"items": [], "truncated": False}), q


def test_a_profile_without_name_keys_is_found_by_id_and_email_but_not_by_name(
    people: dict[str, dict[str, str]],
) -> None:
    """Profiles written before GSI3 existed (the factory writes them that way) have no name keys."""
    old = candidate(first_name="Grace", last_name="Hopper", email="grace@example.com")
    assert find("Hopper")[1]["items"] == []
    assert ids(find(old.candidate_id)[1]) == [old.candidate_id]
    assert ids(find("grace@example.com")[1]) == [old.candidate_id]
    status, view, _ = ops("GET", f"/ops/candidates/{old.candidate_id}")
    assert status == 200 and view["profile"]["in_name_index"] is False


def test_a_name_search_answers_fifty_and_says_there_are_more() -> None:
    rows = [
        exam_row(
            candidate_id=f"CSCO3{n:07d}",
            first_name=f"First{n:02d}",
            last_name="Smith",
            email=f"smith{n}@example.com",
            exam_date=EXAM_DAY,
        )
        for n in range(53)
    ]
    assert import_exams(rows, NOW).imported == 53
    with DynamoCallCounter() as ddb:
        status, body = find("Smith")
    assert status == 200, body
    assert len(body["items"]) == 50 and body["truncated"] is True
    assert [item["first_name"] for item in body["items"]] == [f"First{n:02d}" for n in range(50)]
    # A single word may be a registration number too: one Query on GSI1 REG#, one on the name index.
    assert ddb.calls == {"Query": 2} and ddb.items["GSI3"] == 51, (ddb.calls, ddb.items)
    status, body = find("Smith, First52")
    assert [item["first_name"] for item in body["items"]] == ["First52"] and body["truncated"] is False


@pytest.mark.parametrize("q", [None, "", "   ", "a", " é ", ", A", "9"])
def test_an_empty_or_too_short_query_is_422_in_words(q: str | None) -> None:
    status, body = find(q)
    assert (status, body["code"]) == (422, "query_too_short"), body
    assert "at least two letters" in body["detail"]
    assert body["type"] and body["title"]


def test_a_query_longer_than_200_characters_is_422() -> None:
    status, body = find("x" * 201)
    assert status == 422, body


def test_candidates_are_refused_and_no_token_is_401(people: dict[str, dict[str, str]]) -> None:
    for path, query in (("/ops/candidates", {"q": "Lovelace"}), ("/ops/candidates/CSCO20000001", {})):
        status, body, _ = ops("GET", path, query=query, groups=[])
        assert (status, body["code"]) == (403, "operators_only"), path
        status, body, _ = ops("GET", path, query=query, sub=None)
        assert status == 401, path


# ---------------------------------------------------------------- the candidate view


@pytest.fixture
def ada(people: dict[str, dict[str, str]]) -> str:
    """Ada Lovelace with CCNA (imported exam), a CE credit, a kit ordered, a transcript and an
    operator's action on record."""
    cid = people["ada"]["candidate_id"]
    credit = ce_row(candidate_id=cid, points="5", active_date=(NOW - timedelta(days=10)).date().isoformat())
    assert import_credits([credit], NOW).imported == 1
    from certtrack.identity import mapping

    mapping.map_login("sub-ada", "ada-login", cid, NOW)
    shipping_address(cid)
    status, order, _ = call(
        "fulfillment",
        "POST",
        "/me/fulfillment/orders",
        sub="sub-ada",
        body=order_body("ccna-certificate"),
        headers={"Idempotency-Key": "lookup-1"},
    )
    assert status == 201, order
    status, transcript, _ = call(
        "transcripts",
        "POST",
        "/me/transcripts",
        sub="sub-ada",
        body={
            "display_name": "Ada's transcript",
            "display_options": {"show_address": False, "show_email": False},
            "expires_on": (NOW + timedelta(days=30)).date().isoformat(),
            "include": "active",
        },
    )
    assert status == 201, transcript
    audit_entry(cid, "kit_sent", "F-1", "shipped", ALICE, NOW, before="queued", after="sent").save(
        condition=OperatorAuditItem.PK.does_not_exist()
    )
    return cid


def test_the_candidate_view_shows_every_section(ada: str) -> None:
    status, view, _ = ops("GET", f"/ops/candidates/{ada}")
    assert status == 200, view
    profile = view["profile"]
    assert profile | {"mapped_at": None, "created_at": None} == {
        "candidate_id": ada,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "mapped": True,
        "login_id": "ada-login",
        "mapped_at": None,
        "created_at": None,
        "frozen": False,
        "frozen_at": None,
        "frozen_case_id": None,
        "email_suppressed": False,
        "reminders_unsubscribed": False,
        "vendor_testing_id": None,
        "in_name_index": True,
    }
    [group] = view["certifications"]
    [ccna] = group["certifications"]
    assert (ccna["id"], ccna["status"], ccna["active_date"]) == ("ccna", "active", EXAM_DAY)
    assert [(e["registration_number"], e["grade"], e["date"]) for e in view["exams"]] == [
        ("REG-ADA-1", "Pass", EXAM_DAY)
    ]
    assert [(c["points"], c["external_id"]) for c in view["ce_credits"]] == [(5, view["ce_credits"][0]["external_id"])]
    assert any(h["certification_id"] == "ccna" for h in view["history"]), view["history"]
    [kit] = view["kits"]
    assert (kit["certification_id"], kit["status"]) == ("ccna", "queued")
    [txn] = view["transactions"]
    assert (txn["order_id"], txn["amount_cents"]) == (kit["order_id"], 0)
    [transcript] = view["transcripts"]
    assert transcript["display_name"] == "Ada's transcript"
    assert [(a["action"], a["target"], a["operator"], a["reason"]) for a in view["audit"]] == [
        ("kit_sent", "F-1", "alice", "shipped")
    ]
    assert view["open_cases"] == []


def test_the_candidate_view_lists_the_open_duplicate_email_case(people: dict[str, dict[str, str]]) -> None:
    """A login asks to map by an address two records share: the case opened by the mapping flow is
    listed on both records' views."""
    from tests.conftest import deliver_queued

    first = candidate(first_name="Twin", last_name="One", email="twins@example.com")
    second = candidate(first_name="Twin", last_name="Two", email="twins@example.com")
    status, _, _ = call(
        "auth_mapping", "POST", "/mapping/email", sub="sub-twin", username="twin", body={"email": "twins@example.com"}
    )
    assert status == 202
    assert deliver_queued() == 1
    views = [ops("GET", f"/ops/candidates/{c.candidate_id}")[1] for c in (first, second)]
    cases = [view["open_cases"] for view in views]
    assert cases[0] == cases[1] and len(cases[0]) == 1
    [case] = cases[0]
    assert case["case_id"].startswith("SC-") and case["reason"] == "duplicate_email" and case["status"] == "open"
    assert case["candidate_ids"] == sorted([first.candidate_id, second.candidate_id])
    assert ops("GET", "/ops/candidates/CSCO20000001")[1]["open_cases"] == []


def test_a_resolved_case_is_not_listed_as_open(people: dict[str, dict[str, str]]) -> None:
    from certtrack import keys
    from certtrack.identity.case_index import pointers
    from certtrack.identity.models import SupportCaseItem

    cid = people["ada"]["candidate_id"]
    case = SupportCaseItem(
        keys.case_pk("SC-RESOLVED1"),
        keys.CASE,
        case_id="SC-RESOLVED1",
        reason="duplicate_email",
        status="resolved",
        candidate_ids={cid},
        login_sub="sub-x",
        created_at=NOW,
        last_requested_at=NOW,
    )
    for item in (case, *pointers(case)):
        item.save()
    assert ops("GET", f"/ops/candidates/{cid}")[1]["open_cases"] == []


def test_the_frozen_flags_of_a_disputed_record_are_shown(people: dict[str, dict[str, str]]) -> None:
    from certtrack.identity.models import CandidateItem

    cid = people["jose"]["candidate_id"]
    CandidateItem(*CandidateItem.key(cid)).update(
        actions=[CandidateItem.frozen_at.set(NOW), CandidateItem.frozen_case_id.set("SC-FROZEN01")]
    )
    profile = ops("GET", f"/ops/candidates/{cid}")[1]["profile"]
    assert profile["frozen"] is True and profile["frozen_case_id"] == "SC-FROZEN01"
    assert datetime.fromisoformat(profile["frozen_at"]) == NOW


def test_an_unknown_candidate_is_404_and_nothing_is_written(people: dict[str, dict[str, str]]) -> None:
    with DynamoCallCounter() as ddb:
        status, body, _ = ops("GET", "/ops/candidates/CSCO29999999")
    assert (status, body["code"]) == (404, "candidate_not_found")
    assert ddb.total == 1  # the one GetItem of the profile


def test_the_api_has_no_route_that_changes_a_candidate_through_the_lookup(people: dict[str, dict[str, str]]) -> None:
    for method in ("PUT", "PATCH", "DELETE"):
        status, _, _ = ops(method, "/ops/candidates/CSCO20000001")
        assert status in (404, 405), method
