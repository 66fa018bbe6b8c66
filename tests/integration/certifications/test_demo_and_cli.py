"""The demo seed (through the import path) and the operator CLI that posts a CSV to the dev server."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from certtrack.certifications.models import RegistrationOwnerItem
from certtrack.certifications.records import certification_detail, read_partition
from certtrack.identity.models import CandidateItem

from tests.conftest import ROOT


@pytest.mark.usefixtures("aws")
def test_demo_seed_imports_john_and_the_score_report_candidates(now: datetime, outbox) -> None:  # type: ignore[no-untyped-def]
    from local.demo_certifications import seed

    first = seed(now)
    assert first["imports"]["exams"]["rejected"] == [] and first["imports"]["ce-credits"]["rejected"] == []
    again = seed(now)
    assert again["imports"] == first["imports"]
    john = read_partition("CSCO10000000")
    ccie = john.certifications["ccie-enterprise"]
    assert ccie.status == "active" and ccie.first_earned is not None
    assert (now.date() - ccie.first_earned).days >= 3650
    assert john.profile is not None and john.profile.attributes is not None
    assert john.profile.attributes.as_dict()["ccie_number"]
    assert {e.grade for e in john.exams} == {"Pass", "Fail"}
    [agreement] = john.agreements
    assert agreement.name == "Certification and Confidentiality Agreement (V9)"
    ccna = certification_detail("CSCO10000000", "ccna", now)
    assert ccna.status == "active"
    [_, ce] = ccna.progress.children
    assert (ce.id, ce.earned, ce.required) == ("1.2", 10, 30)
    bob = CandidateItem.get_candidate("CSCO10000005")
    assert bob is not None and bob.last_name == "Müller" and bob.login_sub is None
    assert [e.registration_number for e in read_partition("CSCO10000005").exams] == ["REG-BOB-0001"]
    # the demo exams go through the import, so each registration number has its owner item
    for candidate_id in ("CSCO10000000", "CSCO10000004", "CSCO10000005"):
        for exam in read_partition(candidate_id).exams:
            owner = RegistrationOwnerItem.get(*RegistrationOwnerItem.key(exam.registration_number))
            assert owner.candidate_id == candidate_id
    assert sorted(m["to"] for m in outbox()) == ["bob@example.com", "john.doe@example.com", "jose.old@example.com"]


class _FakeDevServer(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, body))
        report = {"rows": 2, "imported": 1, "rejected": [{"line": 3, "reason": "bad"}]}
        data = json.dumps(report).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_: Any) -> None:
        pass


def test_cli_posts_the_file_and_exits_1_on_rejects(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    monkeypatch.syspath_prepend(str(ROOT / "scripts"))  # as `python scripts/import_csv.py` has it

    spec = importlib.util.spec_from_file_location("import_csv", ROOT / "scripts" / "import_csv.py")
    assert spec and spec.loader
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)

    server = HTTPServer(("127.0.0.1", 0), _FakeDevServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        csv_file = tmp_path / "ce.csv"
        csv_file.write_bytes(b"candidate_id,activity_name\n")
        url = f"http://127.0.0.1:{server.server_address[1]}"
        assert cli.main(["ce-credits", str(csv_file), "--url", url]) == 1
        assert _FakeDevServer.received == [("/_local/imports/ce-credits", b"candidate_id,activity_name\n")]
        assert json.loads(capsys.readouterr().out)["imported"] == 1
        assert cli.main(["exams", str(tmp_path / "missing.csv"), "--url", url]) == 2
    finally:
        server.shutdown()
