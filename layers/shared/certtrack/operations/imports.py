"""CSV imports from the browser: an upload form signed for one key, the list of imports, one report.

``start`` saves the import's record (``certifications.import_records``: who, when, which file;
it is the audit of this write, as an import has no candidate) and returns a presigned POST whose
policy holds S3 to the key ``<kind>/<import id>/<file name>.csv`` (under the prefix the S3 trigger
listens on), ``text/csv`` and ``MAX_FILE_BYTES``, for ``PRESIGN_SECONDS``. The S3-triggered import
then moves the record on. Lists are one Query on GSI1 ``IMPORTS``, newest first.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import Field

from certtrack import documents, keys, paging
from certtrack.auth import Login
from certtrack.certifications import import_records
from certtrack.certifications.import_records import ImportRecordItem, Source, Status
from certtrack.certifications.import_rows import Rejection
from certtrack.certifications.imports import MAX_FILE_BYTES
from certtrack.errors import NotFound, Unprocessable
from certtrack.fields import Schema
from certtrack.identity.operator_audit import audit_entry
from certtrack.settings import get_settings

CONTENT_TYPE = "text/csv"
_NAME_KEPT = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class ImportRequest(Schema):
    kind: Literal["exams", "ce-credits"]
    filename: str = Field(min_length=1, max_length=255, description="The file's name; it must end in `.csv`.")


class Upload(Schema):
    url: str
    fields: dict[str, str] = Field(description="Send these form fields first, then the file as `file`.")
    max_bytes: int
    content_type: str
    expires_in: int = Field(description="Seconds the upload form is valid.")


class StartedImport(Schema):
    import_id: str
    key: str
    upload: Upload


class ImportSummary(Schema):
    import_id: str
    kind: str
    filename: str
    source: Source
    status: Status
    operator: str | None
    created_at: datetime
    updated_at: datetime
    rows: int | None
    imported: int | None
    rejected: int | None = Field(description="How many lines were rejected.")
    reason: str | None = Field(description="Why it failed (status `failed`).")


class ImportPage(Schema):
    items: list[ImportSummary]
    next: str | None


class ReportDownload(Schema):
    url: str
    expires_at: str


class ImportDetail(ImportSummary):
    rejected_lines: list[Rejection] = Field(
        description=f"The first {import_records.REJECTED_KEPT} rejected lines; the report holds all of them."
    )
    report: ReportDownload | None


def safe_filename(filename: str) -> str:
    """The name the file is stored under: letters, digits, ``.``, ``_``, ``-``, ending in ``.csv``.

    422 ``not_csv`` unless the name ends in ``.csv`` (any case); the suffix is stored lower-case,
    as the S3 trigger's filter is.
    """
    name = unicodedata.normalize("NFKD", filename.strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    if not name.lower().endswith(".csv") or len(name) <= len(".csv"):
        raise Unprocessable("Choose a CSV file: its name must end in .csv.", code="not_csv")
    stem = _UNSAFE.sub("_", name.encode("ascii", "ignore").decode()[: -len(".csv")]).strip("._") or "import"
    return f"{stem[: _NAME_KEPT - len('.csv')]}.csv"


def start(request: ImportRequest, login: Login, now: datetime) -> StartedImport:
    """Record the import (``awaiting_upload``) and sign the upload form for its one key."""
    filename = safe_filename(request.filename)
    import_id = import_records.new_import_id()
    key = import_records.object_key(request.kind, import_id, filename)
    settings = get_settings()
    url, fields = documents.presigned_post(settings.imports_bucket, key, CONTENT_TYPE, MAX_FILE_BYTES)
    audit = audit_entry(
        None,
        "import_started",
        import_id,
        f"{request.kind} file {filename} uploaded from the console",
        login,
        now,
        after="awaiting_upload",
        subject_pk=keys.import_pk(import_id),
    )
    import_records.start(import_id, request.kind, filename, key, login.sub, login.username, now, audit=audit)
    return StartedImport(
        import_id=import_id,
        key=key,
        upload=Upload(
            url=url,
            fields=fields,
            max_bytes=MAX_FILE_BYTES,
            content_type=CONTENT_TYPE,
            expires_in=settings.presign_seconds,
        ),
    )


def _summary(item: ImportRecordItem) -> dict[str, object]:
    return {
        "import_id": item.import_id,
        "kind": item.kind,
        "filename": item.filename,
        "source": item.source,
        "status": item.status,
        "operator": item.operator_username,
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "rows": None if item.rows is None else int(item.rows),
        "imported": None if item.imported is None else int(item.imported),
        "rejected": None if item.rejected_count is None else int(item.rejected_count),
        "reason": item.reason,
    }


def list_imports(limit: int, cursor: str | None) -> ImportPage:
    """Imports newest first: one Query on GSI1 ``IMPORTS``, read backwards."""
    start_key = paging.decode_key(
        cursor,
        lambda raw: set(raw) == {"PK", "SK", "GSI1PK", "GSI1SK"} and raw["GSI1PK"] == {"S": keys.IMPORTS_GSI},
    )
    results = ImportRecordItem.lookup_index.query(
        keys.IMPORTS_GSI, scan_index_forward=False, limit=limit, last_evaluated_key=start_key
    )
    items = [ImportSummary.model_validate(_summary(item)) for item in results if isinstance(item, ImportRecordItem)]
    return ImportPage(items=items, next=paging.encode_key(results.last_evaluated_key))


def get_import(import_id: str, now: datetime) -> ImportDetail:
    """One import with its first rejected lines and a short-lived link to its whole report (404 unknown)."""
    try:
        item = ImportRecordItem.get(*ImportRecordItem.key(import_id), consistent_read=True)
    except ImportRecordItem.DoesNotExist as error:
        raise NotFound("No import has that id.", code="import_not_found") from error
    report = None
    if item.report_key:
        url, expires_at = documents.presigned_get(
            get_settings().imports_bucket,
            item.report_key,
            f"{item.filename.removesuffix('.csv')}.report.json",
            "application/json",
            now,
        )
        report = ReportDownload(url=url, expires_at=expires_at)
    return ImportDetail.model_validate(_summary(item) | {"rejected_lines": item.rejected(), "report": report})
