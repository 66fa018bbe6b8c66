"""CSV imports from the operator console, through the real operations and imports handlers on moto.

The upload form is posted to moto's S3 with ``requests`` as a browser posts it, and S3's checks of
the signed policy apply (``local.s3_post``): a CSV within the limits is stored, a body over the
limit, another key or another content type is refused. The S3 event of the upload then runs the
import, which moves the import's record to ``done`` (counts, rejected lines, its report) or
``failed``; bad requests are 422 and write nothing; candidates get 403, no token 401.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
import requests
from certtrack.certifications.import_records import ImportRecordItem
from certtrack.certifications.imports import MAX_FILE_BYTES
from certtrack.settings import get_settings

from local.lambdas import s3_put_event
from tests.conftest import LambdaContext, call, deliver_queued, load_function
from tests.factories.csv_rows import EXAM_HEADER, csv_bytes, exam_row

pytestmark = pytest.mark.usefixtures("aws")

OPERATOR = {"sub": "sub-alice", "username": "alice", "groups": ["operators"]}


def ops(method: str, path: str, **kwargs: Any) -> tuple[int, Any, dict[str, Any]]:
    return call("operations", method, path, **(OPERATOR | kwargs))


def start(kind: str = "exams", filename: str = "November results.csv") -> dict[str, Any]:
    status, body, _ = ops("POST", "/ops/imports", body={"kind": kind, "filename": filename})
    assert status == 201, body
    return dict(body)


def upload(started: dict[str, Any], content: bytes, **field_changes: str) -> requests.Response:
    """The browser's multipart form POST: the signed fields, then the file as the last field."""
    fields = started["upload"]["fields"] | field_changes
    return requests.post(
        started["upload"]["url"], data=fields, files={"file": ("upload.csv", content, "text/csv")}, timeout=30
    )


def run_trigger(key: str, now: datetime) -> dict[str, Any]:
    """What S3's notification of the new object makes Lambda run: the imports handler, then the
    workers of the chunk jobs it queued; the report written beside the file."""
    bucket = get_settings().imports_bucket
    head = boto3.client("s3").head_object(Bucket=bucket, Key=key)
    event = s3_put_event(bucket, key, head["ContentLength"], head["ETag"], now)
    load_function("certifications", "imports").handler(event, LambdaContext())
    deliver_queued()
    stored = boto3.client("s3").get_object(Bucket=bucket, Key=f"{key}.report.json")
    return dict(json.loads(stored["Body"].read()))


def stored_keys() -> list[str]:
    listing = boto3.client("s3").list_objects_v2(Bucket=get_settings().imports_bucket)
    return sorted(obj["Key"] for obj in listing.get("Contents", []))


def good_and_bad() -> bytes:
    return csv_bytes([exam_row(), exam_row(grade="Maybe")], EXAM_HEADER)


def test_start_records_the_import_and_signs_a_form_for_its_one_key() -> None:
    before = datetime.now(UTC)
    started = start(filename="C:\\exports\\Nov results (final).CSV")
    import_id, key = started["import_id"], started["key"]
    assert key == f"exams/{import_id}/Nov_results_final.csv"
    form = started["upload"]
    assert form["fields"]["key"] == key and form["fields"]["Content-Type"] == "text/csv"
    assert form["max_bytes"] == MAX_FILE_BYTES and form["expires_in"] == get_settings().presign_seconds
    policy = json.loads(base64.b64decode(form["fields"]["policy"]))
    assert {"key": key} in policy["conditions"]
    assert {"bucket": get_settings().imports_bucket} in policy["conditions"]
    assert {"Content-Type": "text/csv"} in policy["conditions"]
    assert ["content-length-range", 1, MAX_FILE_BYTES] in policy["conditions"]
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=295) <= expires <= datetime.now(UTC) + timedelta(seconds=301)

    status, detail, _ = ops("GET", f"/ops/imports/{import_id}", path_parameters={"import_id": import_id})
    assert status == 200, detail
    assert detail | {"created_at": None, "updated_at": None} == {
        "import_id": import_id,
        "kind": "exams",
        "filename": "Nov_results_final.csv",
        "source": "console",
        "status": "awaiting_upload",
        "operator": "alice",
        "created_at": None,
        "updated_at": None,
        "rows": None,
        "imported": None,
        "rejected": None,
        "reason": None,
        "rejected_lines": [],
        "report": None,
    }
    stored = ImportRecordItem.get(*ImportRecordItem.key(import_id))
    assert stored.operator_sub == "sub-alice" and stored.object_key == key

    # The operators' audit list has it, written with the record: who, when, which file.
    status, trail, _ = ops("GET", "/ops/audit", query={"action": "import_started"})
    assert status == 200, trail
    [entry] = trail["items"]
    assert entry | {"at": None} == {
        "candidate_id": None,
        "action": "import_started",
        "target": import_id,
        "reason": "exams file Nov_results_final.csv uploaded from the console",
        "before": None,
        "after": "awaiting_upload",
        "operator": "alice",
        "at": None,
    }


def test_an_uploaded_csv_is_imported_and_its_report_read(now: datetime) -> None:
    started = start()
    response = upload(started, good_and_bad())
    assert response.status_code == 204, response.text
    assert started["key"] in stored_keys()

    report = run_trigger(started["key"], now)
    assert report["rows"] == 2 and report["imported"] == 1

    import_id = started["import_id"]
    status, detail, _ = ops("GET", f"/ops/imports/{import_id}", path_parameters={"import_id": import_id})
    assert status == 200, detail
    assert (detail["status"], detail["rows"], detail["imported"], detail["rejected"]) == ("done", 2, 1, 1)
    assert [line["line"] for line in detail["rejected_lines"]] == [3]
    assert "grade" in detail["rejected_lines"][0]["reason"].lower()
    full = requests.get(detail["report"]["url"], timeout=30)
    assert full.status_code == 200
    assert full.json() == report
    assert "attachment" in full.headers.get("Content-Disposition", "")

    status, page, _ = ops("GET", "/ops/imports")
    assert status == 200, page
    assert [(item["import_id"], item["status"], item["imported"]) for item in page["items"]] == [(import_id, "done", 1)]


def test_the_form_refuses_a_body_over_the_limit_another_key_and_another_type(monkeypatch: pytest.MonkeyPatch) -> None:
    from certtrack.operations import imports as console_imports

    limit = 64 * 1024  # the form signs the import's limit (1 GiB): a smaller one, for a test's upload
    monkeypatch.setattr(console_imports, "MAX_FILE_BYTES", limit)
    started = start()
    too_large = upload(started, b"x" * (limit + 1))
    assert too_large.status_code == 400 and "EntityTooLarge" in too_large.text
    other_key = upload(started, good_and_bad(), key=f"exams/{'0' * 32}/other.csv")
    assert other_key.status_code == 403 and "Policy Condition failed" in other_key.text
    other_type = upload(started, good_and_bad(), **{"Content-Type": "application/x-msdownload"})
    assert other_type.status_code == 403 and "Policy Condition failed" in other_type.text
    empty = upload(started, b"")
    assert empty.status_code == 400 and "EntityTooSmall" in empty.text
    assert stored_keys() == []
    forged = upload(
        started,
        good_and_bad(),
        policy=base64.b64encode(b'{"expiration":"2999-01-01T00:00:00Z","conditions":[]}').decode(),
    )
    assert forged.status_code == 403 and "SignatureDoesNotMatch" in forged.text
    assert stored_keys() == []
    _, detail, _ = ops(
        "GET", f"/ops/imports/{started['import_id']}", path_parameters={"import_id": started["import_id"]}
    )
    assert detail["status"] == "awaiting_upload"


def test_a_file_refused_as_a_whole_fails_with_its_reason(now: datetime) -> None:
    started = start(kind="ce-credits", filename="credits.csv")
    assert upload(started, b"not,the,right,header\n1,2,3,4\n").status_code == 204
    run_trigger(started["key"], now)
    import_id = started["import_id"]
    _, detail, _ = ops("GET", f"/ops/imports/{import_id}", path_parameters={"import_id": import_id})
    assert detail["status"] == "failed"
    assert detail["reason"] and "column" in detail["reason"].lower()
    assert detail["report"] is not None


def test_a_file_dropped_into_the_bucket_is_imported_and_listed(now: datetime) -> None:
    bucket, key = get_settings().imports_bucket, "exams/2026/drop.csv"
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=good_and_bad(), ContentType="text/csv")
    assert run_trigger(key, now)["imported"] == 1
    assert run_trigger(key, now)["imported"] == 1  # the event again: the same record
    _, page, _ = ops("GET", "/ops/imports")
    assert [(i["filename"], i["source"], i["status"], i["operator"]) for i in page["items"]] == [
        ("drop.csv", "bucket", "done", None)
    ]


def test_a_key_that_only_looks_like_a_console_import_invents_no_record(now: datetime) -> None:
    bucket, key = get_settings().imports_bucket, f"exams/{'a' * 32}/x.csv"
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=good_and_bad(), ContentType="text/csv")
    assert run_trigger(key, now)["imported"] == 1
    assert ops("GET", "/ops/imports")[1]["items"] == []


def test_the_list_is_newest_first_and_paged() -> None:
    ids = [start(filename=f"f{i}.csv")["import_id"] for i in range(3)]
    status, first, _ = ops("GET", "/ops/imports", query={"limit": "2"})
    assert status == 200, first
    assert [i["import_id"] for i in first["items"]] == [ids[2], ids[1]]
    _, second, _ = ops("GET", "/ops/imports", query={"limit": "2", "next": first["next"]})
    assert [i["import_id"] for i in second["items"]] == [ids[0]]
    status, bad, _ = ops("GET", "/ops/imports", query={"next": "bm90LWEtY3Vyc29y"})
    assert status == 400 and bad["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "exams", "filename": "results.xlsx"}, "not_csv"),
        ({"kind": "exams", "filename": ".csv"}, "not_csv"),
        ({"kind": "grades", "filename": "results.csv"}, "validation_error"),
        ({"kind": "exams"}, "validation_error"),
    ],
)
def test_bad_requests_are_422_and_write_nothing(body: dict[str, str], code: str) -> None:
    status, problem, headers = ops("POST", "/ops/imports", body=body)
    assert status == 422 and problem["code"] == code, problem
    assert headers["content-type"].startswith("application/problem+json")
    assert ops("GET", "/ops/imports")[1]["items"] == []
    assert ops("GET", "/ops/audit")[1]["items"] == []
    assert stored_keys() == []


def test_unknown_import_is_404() -> None:
    status, problem, _ = ops("GET", "/ops/imports/nope", path_parameters={"import_id": "nope"})
    assert status == 404 and problem["code"] == "import_not_found"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [("POST", "/ops/imports", {"kind": "exams", "filename": "a.csv"}), ("GET", "/ops/imports", None)],
)
def test_candidates_get_403_and_no_token_401(method: str, path: str, body: Any) -> None:
    status, problem, _ = call("operations", method, path, body=body, sub="sub-cand", username="cand", groups=[])
    assert status == 403 and problem["code"] == "operators_only"
    status, _, _ = call("operations", method, path, body=body)
    assert status == 401
    assert ops("GET", "/ops/imports")[1]["items"] == []
