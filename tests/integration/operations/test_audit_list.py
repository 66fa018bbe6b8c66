"""The operators' audit list through the real operations handler on moto: a month's actions newest
first, filtered by action, operator and candidate, paged with cursors that stay in their month;
candidates get 403 and a request without a token 401."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from certtrack.auth import Login
from certtrack.identity.operator_audit import OperatorAuditItem, audit_entry

from tests.conftest import call

pytestmark = pytest.mark.usefixtures("aws")

ALICE = Login(sub="sub-alice", username="alice", groups=frozenset({"operators"}))
BOB = Login(sub="sub-bob", username="bob", groups=frozenset({"operators"}))
START = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)


def audit(query: dict[str, str] | None = None, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "operations",
        "GET",
        "/ops/audit",
        query=query or {},
        sub=kwargs.pop("sub", "sub-alice"),
        username="alice",
        groups=kwargs.pop("groups", ["operators"]),
        **kwargs,
    )


@pytest.fixture
def trail() -> list[OperatorAuditItem]:
    """Six actions in November (alternating operators and candidates) and one in December."""
    items = [
        audit_entry(
            f"C{i % 2}",
            "grant" if i % 3 == 0 else "kit_sent",
            f"target-{i}",
            f"reason {i}",
            ALICE if i % 2 == 0 else BOB,
            START + timedelta(hours=i),
            before="queued",
            after="sent",
        )
        for i in range(6)
    ]
    items.append(audit_entry("C0", "grant", "late", "December", ALICE, datetime(2026, 12, 1, tzinfo=UTC)))
    for item in items:
        item.save(condition=OperatorAuditItem.PK.does_not_exist())
    return items


def test_a_month_lists_newest_first_with_who_what_and_why(trail: list[OperatorAuditItem]) -> None:
    status, body, _ = audit({"month": "2026-11"})
    assert status == 200, body
    assert [entry["target"] for entry in body["items"]] == [f"target-{i}" for i in reversed(range(6))]
    first = body["items"][0]
    assert first | {"at": None} == {
        "candidate_id": "C1",
        "action": "kit_sent",
        "target": "target-5",
        "reason": "reason 5",
        "before": "queued",
        "after": "sent",
        "operator": "bob",
        "at": None,
    }
    assert datetime.fromisoformat(first["at"]) == START + timedelta(hours=5)
    assert body["next"] is None


@pytest.mark.parametrize(
    ("query", "targets"),
    [
        ({"action": "grant"}, ["target-3", "target-0"]),
        ({"operator": "alice"}, ["target-4", "target-2", "target-0"]),
        ({"candidate_id": "C1", "action": "kit_sent"}, ["target-5", "target-1"]),
        ({"operator": "nobody"}, []),
    ],
)
def test_filters_narrow_the_month(trail: list[OperatorAuditItem], query: dict[str, str], targets: list[str]) -> None:
    status, body, _ = audit({"month": "2026-11", **query})
    assert status == 200, body
    assert [entry["target"] for entry in body["items"]] == targets


def test_pages_follow_and_a_cursor_cannot_move_to_another_month(trail: list[OperatorAuditItem]) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        status, body, _ = audit({"month": "2026-11", "limit": "4", **({"next": cursor} if cursor else {})})
        assert status == 200, body
        seen += [entry["target"] for entry in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
        status, other, _ = audit({"month": "2026-12", "next": cursor})
        assert (status, other["code"]) == (400, "invalid_cursor")
    assert seen == [f"target-{i}" for i in reversed(range(6))]


def test_the_default_month_is_the_current_one(trail: list[OperatorAuditItem]) -> None:
    from certtrack import clock

    with clock.frozen(datetime(2026, 12, 15, tzinfo=UTC)):
        status, body, _ = audit()
    assert status == 200, body
    assert [entry["target"] for entry in body["items"]] == ["late"]


@pytest.mark.parametrize("month", ["2026-13", "november", "2026-1x"])
def test_a_month_that_is_not_a_month_is_422_naming_the_format(month: str) -> None:
    status, body, _ = audit({"month": month})
    assert (status, body["code"]) == (422, "invalid_month")
    assert "YYYY-MM" in body["detail"]


def test_candidates_are_refused_and_no_token_is_401(trail: list[OperatorAuditItem]) -> None:
    status, body, _ = audit(groups=[])
    assert (status, body["code"]) == (403, "operators_only")
    status, body, _ = audit(sub=None)
    assert status == 401


def test_the_api_has_no_route_that_changes_an_audit_item(trail: list[OperatorAuditItem]) -> None:
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        status, _, _ = call("operations", method, "/ops/audit", sub="sub-alice", groups=["operators"])
        assert status in (404, 405), method
