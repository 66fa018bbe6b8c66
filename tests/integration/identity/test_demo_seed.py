"""The identity demo seed: mapped demo login, both mapping paths ready, idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from certtrack.identity.models import CandidateItem

from local import demo_identity
from tests.conftest import call

pytestmark = pytest.mark.usefixtures("aws")


def test_seed_maps_demo_and_prepares_both_paths(now: Any, outbox: Any) -> None:
    result = demo_identity.seed(now, {"demo": "sub-demo", "operator": "sub-op"})
    assert demo_identity.seed(now, {"demo": "sub-demo"}) == result  # a second run changes nothing
    assert result["mapped"] == {"demo": "CSCO10000000"}
    status, me, _ = call("auth_mapping", "GET", "/me", sub="sub-demo", username="demo")
    assert status == 200 and me["candidate_id"] == "CSCO10000000" and me["first_name"] == "John"
    _, attributes, _ = call("auth_mapping", "GET", "/me/attributes", sub="sub-demo", username="demo")
    assert {a["key"]: a["value"] for a in attributes}["job_title"] == "Network Engineer"

    call("auth_mapping", "POST", "/mapping/email", sub="sub-new", body={"email": "alice@example.com"})
    call("auth_mapping", "POST", "/mapping/email", sub="sub-new", body={"email": "shared@example.com"})
    alice, shared = outbox()
    assert "mapping/confirm?token=" in alice["text"]
    assert "support case" in shared["subject"]
    jose = CandidateItem.get_candidate(result["score_report"]["candidate_id"])
    assert jose is not None and jose.last_name == "Núñez" and jose.login_sub is None
