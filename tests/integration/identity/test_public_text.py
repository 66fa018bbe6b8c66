"""Job title and the score-report last name follow the one public-text rule (certtrack.fields)."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from certtrack.identity.models import CandidateItem

from tests.conftest import call
from tests.factories import candidate
from tests.integration.partition import partition_items

pytestmark = pytest.mark.usefixtures("aws")

SUB = "sub-text"


@pytest.fixture
def me() -> CandidateItem:
    return candidate(email="me@example.com", login_sub=SUB)


def _put_title(value: str) -> tuple[int, Any, dict[str, Any]]:
    return call(
        "auth_mapping", "PUT", "/me/attributes", sub=SUB, body={"attributes": [{"key": "job_title", "value": value}]}
    )


@pytest.mark.parametrize(
    "value", ["Chief \u202eOFC", "Net\u2067work\u2069 Engineer", "Engi\u2060neer", "Engineer\ufeff", "Eng\u00adineer"]
)
def test_a_job_title_hiding_characters_is_422_and_changes_nothing(me: CandidateItem, value: str) -> None:
    assert _put_title("Architect")[0] == 200
    before = partition_items(me.candidate_id)
    status, body, _ = _put_title(value)
    assert (status, body["code"]) == (422, "invalid_characters")
    assert body["errors"] == [
        {"field": "attributes.0.value", "message": body["errors"][0]["message"], "type": "invalid_characters"}
    ]
    assert "U+" in body["errors"][0]["message"] and value not in str(body)
    assert partition_items(me.candidate_id) == before


def test_a_job_title_is_stored_nfc_and_its_length_counted_after(me: CandidateItem) -> None:
    status, body, _ = _put_title(unicodedata.normalize("NFD", "Ingénieur réseau"))
    assert status == 200 and {a["key"]: a["value"] for a in body}["job_title"] == "Ingénieur réseau"
    status, body, _ = _put_title("e\u0301" * 100)  # 200 code points, 100 characters
    assert status == 200 and {a["key"]: a["value"] for a in body}["job_title"] == "\u00e9" * 100
    assert _put_title("e\u0301" * 101)[1]["code"] == "attribute_too_long"


def test_a_score_report_last_name_with_a_bidi_override_is_422() -> None:
    payload = {"last_name": "Do\u202ee", "registration_number": "R1", "new_email": "a@example.com"}
    status, body, _ = call("auth_mapping", "POST", "/mapping/score-report", sub="s", body=payload)
    assert status == 422
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("last_name", "invalid_characters")]
