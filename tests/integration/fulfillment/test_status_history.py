"""Kit history, operator status changes (queued → sent → complete) and GET /me/transactions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from certtrack import keys
from certtrack.dates import iso_instant
from certtrack.identity.operator_audit import OperatorAuditItem

from tests.conftest import call
from tests.integration.fulfillment.conftest import Holder, Payer, make_holder
from tests.unit.fulfillment.factories import order_body


def place(holder: Holder, *skus: str, key: str, payer: Payer | None = None, **kwargs: Any) -> dict[str, Any]:
    """An order, paid with a test card (and its webhook applied) when it has a price."""
    status, body, _ = holder.order(order_body(*skus, **kwargs), key=key)
    assert status == 201, body
    if body["status"] == "awaiting_payment":
        assert payer is not None, "a priced order needs a payer"
        assert payer.settle(body) == "paid"
    return dict(body)


def ops(
    fulfillment_id: str,
    status: str,
    tracking: Mapping[str, str | None] | None = None,
    *,
    groups: list[str] | None = None,
) -> tuple[int, Any, Any]:
    return call(
        "fulfillment",
        "PUT",
        f"/ops/fulfillment/{fulfillment_id}",
        sub="sub-operator",
        groups=["operators"] if groups is None else groups,
        body={"status": status, **(tracking or {})},
        resource="/ops/fulfillment/{fulfillment_id}",
        path_parameters={"fulfillment_id": fulfillment_id},
    )


def place_three_kits(holder: Holder, payer: Payer) -> dict[str, Any]:
    """One paid order of three kits (a plaque, a letter and a certificate)."""
    return place(
        holder,
        "ccie-enterprise-plaque",
        "ccie-enterprise-letter",
        "ccna-certificate",
        key="three",
        payment_method="credit_card",
        payer=payer,
    )


def paged_ids(get: Callable[[dict[str, str]], tuple[int, Any, Any]], limit: int = 2) -> list[str]:
    """Every fulfillment id of a list read ``limit`` at a time through its ``next`` cursors."""
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        status, body, _ = get({"limit": str(limit), **({"next": cursor} if cursor else {})})
        assert status == 200 and len(body["items"]) <= limit
        seen += [item["fulfillment_id"] for item in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return seen
    raise AssertionError("the list did not end")


@pytest.fixture
def kit(holder: Holder) -> dict[str, Any]:
    return dict(place(holder, "ccie-enterprise-certificate", key="kit")["items"][0])


def test_history_lists_kits_newest_first_with_codes(holder: Holder, payer: Payer) -> None:
    first = place(holder, "ccna-certificate", key="one")
    second = place(
        holder, "ccie-enterprise-plaque", "ccie-enterprise-letter", key="two", payment_method="credit_card", payer=payer
    )
    status, body, _ = holder.call("GET", "/me/fulfillment/history")
    assert status == 200 and body["next"] is None
    ids = [entry["fulfillment_id"] for entry in body["items"]]
    assert set(ids) == {k["fulfillment_id"] for k in first["items"] + second["items"]}
    entry = next(e for e in body["items"] if e["fulfillment_id"] == first["items"][0]["fulfillment_id"])
    assert entry == {
        "fulfillment_id": first["items"][0]["fulfillment_id"],
        "order_id": first["order_id"],
        "name": "CCNA Certificate",
        "kind": "certificate",
        "certification_id": "ccna",
        "verification_code": first["items"][0]["verification_code"],
        "queued": entry["queued"],
        "sent": None,
        "complete": None,
        "status": "queued",
        "carrier": None,
        "tracking_number": None,
        "tracking_url": None,
    }
    assert entry["queued"].endswith("Z")
    assert ids == sorted(ids, reverse=True)


def test_history_pages_with_limit_and_next(holder: Holder, payer: Payer) -> None:
    place_three_kits(holder, payer)
    seen = paged_ids(lambda query: holder.call("GET", "/me/fulfillment/history", query=query))
    assert len(seen) == len(set(seen)) == 3
    status, _, _ = holder.call("GET", "/me/fulfillment/history", query={"limit": "0"})
    assert status == 422


def test_history_is_per_candidate_and_cursors_cannot_cross(holder: Holder) -> None:
    place(holder, "ccna-certificate", "ccie-enterprise-certificate", key="mine")
    other = make_holder("sub-someone", "ccna")
    _, mine, _ = holder.call("GET", "/me/fulfillment/history", query={"limit": "1"})
    status, body, _ = other.call("GET", "/me/fulfillment/history")
    assert (status, body["items"]) == (200, [])
    status, body, _ = other.call("GET", "/me/fulfillment/history", query={"next": mine["next"]})
    assert (status, body["code"]) == (400, "invalid_cursor")


def test_operator_moves_kit_to_sent_then_complete_with_shipping_email(
    holder: Holder, kit: dict[str, Any], outbox: Any
) -> None:
    status, body, _ = ops(kit["fulfillment_id"], "sent")
    assert status == 200
    assert (body["status"], body["complete"]) == ("sent", None)
    assert body["sent"].endswith("Z") and body["queued"] <= body["sent"]
    shipped = outbox()[-1]
    assert shipped["to"] == "jose.mueller@example.com"
    assert "CCIE Enterprise Infrastructure Certificate" in shipped["subject"]
    assert kit["verification_code"] in shipped["text"] and kit["verification_code"] in shipped["html"]
    status, body, _ = ops(kit["fulfillment_id"], "complete")
    assert (status, body["status"]) == (200, "complete") and body["complete"] is not None
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    assert history["items"][0]["status"] == "complete" and history["items"][0]["sent"] == body["sent"]
    assert len(outbox()) == 2  # confirmation + shipped; complete sends nothing


# --- tracking: a kit bought with tracked shipping is sent with its carrier and number ------------


@pytest.fixture
def tracked_kit(holder: Holder, payer: Payer) -> dict[str, Any]:
    order = place(
        holder, "ccie-enterprise-plaque", key="tracked", tracking=True, payment_method="credit_card", payer=payer
    )
    return dict(order["items"][0])


def audit_items(holder: Holder) -> list[OperatorAuditItem]:
    return list(
        OperatorAuditItem.query(
            keys.candidate_pk(holder.candidate_id), OperatorAuditItem.SK.startswith(keys.OPERATOR_AUDIT_PREFIX)
        )
    )


@pytest.mark.parametrize(
    ("tracking", "field"),
    [
        ({}, "carrier"),
        ({"carrier": "UPS"}, "tracking_number"),
        ({"tracking_number": "1Z999AA10123456784"}, "carrier"),
        ({"carrier": "UPS", "tracking_number": None}, "tracking_number"),  # JSON null: not given
        ({"carrier": None, "tracking_number": None}, "carrier"),
    ],
)
def test_a_tracked_kit_is_not_sent_without_carrier_and_number(
    holder: Holder, tracked_kit: dict[str, Any], outbox: Any, tracking: dict[str, str | None], field: str
) -> None:
    mails = len(outbox())
    status, problem, _ = ops(tracked_kit["fulfillment_id"], "sent", tracking)
    assert (status, problem["code"]) == (422, "tracking_required")
    assert [e["field"] for e in problem["errors"]] == [field]
    assert "tracked shipping" in problem["detail"] and "(" not in problem["detail"]
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    assert (history["items"][0]["status"], history["items"][0]["tracking_number"]) == ("queued", None)
    assert audit_items(holder) == [] and len(outbox()) == mails


def test_a_tracked_kit_is_sent_with_its_tracking_number_shown_linked_and_audited(
    holder: Holder, tracked_kit: dict[str, Any], outbox: Any
) -> None:
    status, body, _ = ops(
        tracked_kit["fulfillment_id"], "sent", {"carrier": "UPS", "tracking_number": "1z 999 aa1 0123456784"}
    )
    url = "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    assert status == 200, body
    assert (body["status"], body["carrier"], body["tracking_number"], body["tracking_url"]) == (
        "sent",
        "UPS",
        "1Z999AA10123456784",
        url,
    )
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    row = history["items"][0]
    assert (row["carrier"], row["tracking_number"], row["tracking_url"]) == ("UPS", "1Z999AA10123456784", url)
    shipped = outbox()[-1]
    assert "1Z999AA10123456784" in shipped["text"] and url in shipped["text"]
    assert f'<a href="{url}">1Z999AA10123456784</a>' in shipped["html"]
    [audit] = audit_items(holder)
    assert (audit.action, audit.target, audit.before, audit.after) == (
        "kit_sent",
        tracked_kit["fulfillment_id"],
        "queued",
        "sent: UPS 1Z999AA10123456784",
    )
    assert (audit.login_sub, audit.reason) == ("sub-operator", "handed to the carrier")
    assert iso_instant(audit.at) == body["sent"]


def test_another_carrier_has_no_tracking_link(holder: Holder, tracked_kit: dict[str, Any], outbox: Any) -> None:
    status, body, _ = ops(
        tracked_kit["fulfillment_id"], "sent", {"carrier": "other", "tracking_number": "RR123456789CH"}
    )
    assert status == 200 and (body["tracking_number"], body["tracking_url"]) == ("RR123456789CH", None)
    shipped = outbox()[-1]
    assert "RR123456789CH" in shipped["text"] and "another carrier" in shipped["text"]
    assert "<strong>RR123456789CH</strong>" in shipped["html"] and "Follow your parcel" not in shipped["html"]


@pytest.mark.parametrize(
    ("tracking", "code"),
    [
        ({"carrier": "UPS", "tracking_number": "12345"}, "invalid_tracking_number"),
        ({"carrier": "Royal Mail", "tracking_number": "1Z999AA10123456784"}, "validation_error"),
        ({"carrier": "UPS", "tracking_number": "1Z" + "9" * 60}, "validation_error"),
    ],
)
def test_bad_carrier_or_tracking_number_is_422_and_changes_nothing(
    holder: Holder, tracked_kit: dict[str, Any], tracking: dict[str, str], code: str
) -> None:
    status, problem, _ = ops(tracked_kit["fulfillment_id"], "sent", tracking)
    assert (status, problem["code"]) == (422, code)
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    assert history["items"][0]["status"] == "queued" and audit_items(holder) == []


def test_completing_a_kit_is_audited_and_takes_no_tracking(holder: Holder, kit: dict[str, Any]) -> None:
    assert ops(kit["fulfillment_id"], "sent")[0] == 200
    status, problem, _ = ops(kit["fulfillment_id"], "complete", {"carrier": "DHL", "tracking_number": "1234567890"})
    assert (status, problem["code"]) == (422, "tracking_not_applicable")
    assert ops(kit["fulfillment_id"], "complete")[0] == 200
    audits = sorted(audit_items(holder), key=lambda a: a.action)
    assert [(a.action, a.before, a.after) for a in audits] == [
        ("kit_complete", "sent", "complete"),
        ("kit_sent", "queued", "sent"),
    ]


@pytest.mark.parametrize(("steps", "bad"), [((), "complete"), (("sent",), "sent"), (("sent", "complete"), "sent")])
def test_bad_transitions_are_409(kit: dict[str, Any], steps: tuple[str, ...], bad: str) -> None:
    for step in steps:
        assert ops(kit["fulfillment_id"], step)[0] == 200
    status, body, _ = ops(kit["fulfillment_id"], bad)
    assert (status, body["code"]) == (409, "invalid_transition")


def test_unknown_status_value_is_422(kit: dict[str, Any]) -> None:
    status, body, _ = ops(kit["fulfillment_id"], "queued")
    assert (status, body["code"]) == (422, "validation_error")


def test_non_operator_cannot_change_status(holder: Holder, kit: dict[str, Any]) -> None:
    status, body, _ = ops(kit["fulfillment_id"], "sent", groups=[])
    assert (status, body["code"]) == (403, "operators_only")
    status, body, _ = call(
        "fulfillment",
        "PUT",
        f"/ops/fulfillment/{kit['fulfillment_id']}",
        sub=holder.sub,
        body={"status": "sent"},
        resource="/ops/fulfillment/{fulfillment_id}",
        path_parameters={"fulfillment_id": kit["fulfillment_id"]},
    )
    assert (status, body["code"]) == (403, "operators_only")
    _, history, _ = holder.call("GET", "/me/fulfillment/history")
    assert history["items"][0]["status"] == "queued"


def test_unknown_fulfillment_is_404(aws: None) -> None:
    status, body, _ = ops("20260101000000-deadbeef", "sent")
    assert (status, body["code"]) == (404, "fulfillment_not_found")


def test_transactions_list_orders_newest_first(holder: Holder, payer: Payer) -> None:
    free = place(holder, "ccna-certificate", key="free")
    paid = place(holder, "ccie-enterprise-plaque", key="paid", tracking=True, payment_method="debit_card", payer=payer)
    status, body, _ = call("certifications", "GET", "/me/transactions", sub=holder.sub)
    assert status == 200 and body["next"] is None
    by_order = {t["order_id"]: t for t in body["items"]}
    assert by_order[paid["order_id"]] == {
        "date": by_order[paid["order_id"]]["date"],
        "description": "Certification kits: CCIE Enterprise Infrastructure Plaque + tracked shipping",
        "amount_cents": 15900,
        "currency": "USD",
        "payment_method": "debit_card",
        "status": "paid",
        "status_text": "Paid",
        "order_id": paid["order_id"],
    }
    free_txn = by_order[free["order_id"]]
    assert (free_txn["amount_cents"], free_txn["status"], free_txn["status_text"]) == (0, "no_charge", "No charge")
    assert by_order[free["order_id"]]["payment_method"] is None
    dates = [t["date"] for t in body["items"]]
    assert dates == sorted(dates, reverse=True)
    status, page, _ = call("certifications", "GET", "/me/transactions", sub=holder.sub, query={"limit": "1"})
    assert status == 200 and len(page["items"]) == 1 and page["next"]


def test_transactions_need_a_mapped_login(aws: None) -> None:
    status, body, _ = call("certifications", "GET", "/me/transactions", sub="sub-unmapped")
    assert (status, body["code"]) == (403, "account_not_mapped")


# --- the operators' list: GET /ops/fulfillment --------------------------------------------------


def kits(query: dict[str, str] | None = None, *, groups: list[str] | None = None) -> tuple[int, Any, Any]:
    return call(
        "fulfillment",
        "GET",
        "/ops/fulfillment",
        sub="sub-operator",
        groups=["operators"] if groups is None else groups,
        query=query or {},
    )


def test_queued_kits_are_listed_oldest_first_with_where_they_go(holder: Holder, payer: Payer) -> None:
    first = place(holder, "ccna-certificate", key="one")
    other = make_holder("sub-other", "ccna")
    second = place(other, "ccna-certificate", key="two", tracking=True, payment_method="credit_card", payer=payer)

    status, body, _ = kits()

    assert status == 200 and body["next"] is None
    assert [k["fulfillment_id"] for k in body["items"]] == [
        first["items"][0]["fulfillment_id"],
        second["items"][0]["fulfillment_id"],
    ]
    kit = body["items"][1]
    assert kit["status"] == "queued" and kit["candidate_id"] == other.candidate_id
    assert kit["sku"] == "ccna-certificate" and kit["tracking"] is True
    assert kit["ship_to"]["address1"] and kit["ship_to"]["country"]
    assert kit["verification_code"] == second["items"][0]["verification_code"]


def test_a_kit_moves_from_list_to_list_with_its_status(holder: Holder, kit: dict[str, Any]) -> None:
    assert ops(kit["fulfillment_id"], "sent")[0] == 200

    assert kits()[1]["items"] == []
    sent = kits({"status": "sent"})[1]["items"]
    assert [(k["fulfillment_id"], k["status"]) for k in sent] == [(kit["fulfillment_id"], "sent")]
    assert sent[0]["sent"] is not None

    assert ops(kit["fulfillment_id"], "complete")[0] == 200
    assert kits({"status": "sent"})[1]["items"] == []
    assert [k["fulfillment_id"] for k in kits({"status": "complete"})[1]["items"]] == [kit["fulfillment_id"]]


def test_the_list_pages_with_limit_and_next(holder: Holder, payer: Payer) -> None:
    order = place_three_kits(holder, payer)
    seen = paged_ids(kits)
    assert sorted(seen) == sorted(k["fulfillment_id"] for k in order["items"])
    assert len(seen) == len(set(seen)) == 3


def test_a_cursor_of_another_list_is_refused(holder: Holder, payer: Payer) -> None:
    place(
        holder,
        "ccie-enterprise-plaque",
        "ccie-enterprise-letter",
        key="four",
        payment_method="credit_card",
        payer=payer,
    )
    status, body, _ = kits({"limit": "1"})
    assert status == 200 and body["next"]
    status, problem, _ = kits({"status": "sent", "next": body["next"]})
    assert status == 400 and problem["code"] == "invalid_cursor"
    status, problem, _ = kits({"next": "not-a-cursor"})
    assert status == 400 and problem["code"] == "invalid_cursor"


def test_only_operators_see_the_list(holder: Holder, kit: dict[str, Any]) -> None:
    status, problem, _ = kits(groups=[])
    assert status == 403 and problem["code"] == "operators_only"
    status, problem, _ = holder.call("GET", "/ops/fulfillment")
    assert status == 403


def test_an_unknown_status_is_a_validation_error(holder: Holder) -> None:
    status, problem, _ = kits({"status": "lost"})
    assert status == 422 and problem["code"] == "validation_error"
