"""Our credentials and status lists verified by code nobody here wrote: Digital Bazaar's
``@digitalbazaar/vc`` with the eddsa-rdfc-2022 cryptosuite and the Bitstring Status List checker,
run with node (``reference_verify.mjs``, a local document loader; ``npm ci`` installs them)."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from certtrack.badges import statuslist
from certtrack.certifications.models import CertificationItem

from tests.conftest import ROOT
from tests.factories import candidate, certification, days
from tests.integration.badges.test_badges_routes import SUB, badges, did_document, public, status_list

pytestmark = pytest.mark.usefixtures("aws")

SCRIPT = Path(__file__).with_name("reference_verify.mjs")


def reference_verify(credentials: list[dict[str, Any]], documents: dict[str, Any]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is required (apt-get install nodejs)"
    assert (ROOT / "node_modules" / "@digitalbazaar" / "vc").is_dir(), "run `npm ci` (make webcheck does)"
    done = subprocess.run(
        [node, str(SCRIPT)],
        input=json.dumps({"credentials": credentials, "documents": documents}),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def documents_for(credential: dict[str, Any]) -> dict[str, Any]:
    did = did_document()
    out: dict[str, Any] = {did["id"]: did}
    for entry in credential["credentialStatus"]:
        url = entry["statusListCredential"]
        out[url] = status_list(url.rsplit("/", 1)[-1])[1]
    return out


def test_the_reference_implementation_verifies_our_badge_and_reads_its_status() -> None:
    holder = candidate(email="ref@example.com", login_sub=SUB).candidate_id
    record = certification(holder, "ccna", active_date=days(-100), expiration_date=days(995))
    good = public(badges()[1]["badges"][0]["credential_url"])[1]
    documents = documents_for(good)

    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["achievement"]["name"] = "CCIE Enterprise Infrastructure"
    foreign = copy.deepcopy(good)
    foreign["proof"]["verificationMethod"] = good["proof"]["verificationMethod"].replace("#key-1", "#key-9")

    ok, bad, unknown_key = reference_verify([good, tampered, foreign], documents)

    assert ok["verified"] is True, ok["error"]
    assert ok["statuses"] == [{"purpose": "revocation", "status": False}, {"purpose": "suspension", "status": False}]
    assert (bad["verified"], bad["error"]) == (False, "Invalid signature.")
    assert unknown_key["verified"] is False and "key-9" in (unknown_key["error"] or "")

    record.update(actions=[CertificationItem.status.set("revoked")])
    badges()  # the standing is applied to the status bits
    [revoked] = reference_verify([good], documents_for(good))
    assert revoked["statuses"][0] == {"purpose": "revocation", "status": True}

    # Clearing the bit in the signed list (a forged "not revoked") breaks the list's signature.
    forged = documents_for(good)
    forged[good["credentialStatus"][0]["statusListCredential"]]["credentialSubject"]["encodedList"] = statuslist.encode(
        []
    )
    [flipped] = reference_verify([good], forged)
    assert flipped["verified"] is False
    assert '"BitstringStatusListCredential" not verified' in (flipped["statusError"] or ""), flipped
