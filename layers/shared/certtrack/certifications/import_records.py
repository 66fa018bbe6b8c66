"""The record of each CSV import: who started it, its file, its status and a summary of its report.

An import started from the operator console (``operations.imports``) is created here as
``awaiting_upload`` with the object key the browser must upload to,
``<kind>/<import id>/<file name>.csv``; the S3-triggered import (``certifications.imports``) moves
it to ``processing``, then ``done`` (counts, the first rejected lines, the report's key) or
``failed`` (a reason: the file as a whole was refused, or the import stopped with an error and
Lambda retries it). A file dropped into the bucket by other means gets a record too, on its
first import, keyed by a hash of its object key (``source`` ``bucket``, no operator), so the
console lists every import. Records live at ``IMPORT#<id> / IMPORT`` and on GSI1 ``IMPORTS`` by
creation time.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime
from typing import Literal

from pynamodb.attributes import NumberAttribute, UnicodeAttribute, UTCDateTimeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from certtrack import db, keys
from certtrack.certifications.import_rows import Rejection
from certtrack.db import LookupIndex, TableItem, condition_failed

Status = Literal["awaiting_upload", "processing", "done", "failed"]
Source = Literal["console", "bucket"]

# Rejected lines kept on the record (the report object holds them all).
REJECTED_KEPT = 100
_REASON_KEPT = 500
_IMPORT_ID = re.compile(r"[0-9a-f]{32}")


class ImportRecordItem(TableItem):
    """``IMPORT#<id> / IMPORT``; GSI1 ``IMPORTS`` / ``<created at>#<id>``."""

    sort_key = keys.IMPORT
    lookup_index = LookupIndex()

    import_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # exams | ce-credits
    filename = UnicodeAttribute()
    object_key = UnicodeAttribute()
    source = UnicodeAttribute()  # console | bucket
    status = UnicodeAttribute()
    operator_sub = UnicodeAttribute(null=True)  # who started it (console imports)
    operator_username = UnicodeAttribute(null=True)
    created_at = UTCDateTimeAttribute()
    updated_at = UTCDateTimeAttribute()
    rows = NumberAttribute(null=True)
    imported = NumberAttribute(null=True)
    rejected_count = NumberAttribute(null=True)
    rejected_json = UnicodeAttribute(null=True)  # the first REJECTED_KEPT rejections, JSON
    report_key = UnicodeAttribute(null=True)
    reason = UnicodeAttribute(null=True)  # why it failed

    @classmethod
    def key(cls, import_id: str) -> tuple[str, str]:
        return keys.import_pk(import_id), keys.IMPORT

    def rejected(self) -> list[Rejection]:
        return [Rejection.model_validate(entry) for entry in json.loads(self.rejected_json or "[]")]


def _sortable(now: datetime) -> str:
    """The creation time to the microsecond (imports started in one second keep their order)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_import_id() -> str:
    import uuid

    return uuid.uuid4().hex


def object_key(kind: str, import_id: str, filename: str) -> str:
    """Where the browser uploads a console import: under the prefix the S3 trigger listens on."""
    return f"{kind}/{import_id}/{filename}"


def import_id_of(key: str) -> str | None:
    """The console import id an object key carries (``<kind>/<id>/<name>``), if any."""
    parts = key.split("/")
    if len(parts) == 3 and _IMPORT_ID.fullmatch(parts[1]):
        return parts[1]
    return None


def partition_of(key: str) -> str:
    """The import id of an object key: the console's, or the one a bucket drop's record gets."""
    return import_id_of(key) or _bucket_import_id(key)


def _bucket_import_id(key: str) -> str:
    # Not a console id (those are 32 hex digits): a redelivered event finds the same record.
    return "b" + hashlib.sha256(key.encode()).hexdigest()[:31]


def start(
    import_id: str,
    kind: str,
    filename: str,
    key: str,
    operator_sub: str,
    operator_username: str,
    now: datetime,
    audit: TableItem | None = None,
) -> ImportRecordItem:
    """The record of a console import, saved ``awaiting_upload`` (only if the id is new), in one
    transaction with ``audit`` (the operator's audit item, in the import's partition) when given."""
    item = ImportRecordItem(
        *ImportRecordItem.key(import_id),
        GSI1PK=keys.IMPORTS_GSI,
        GSI1SK=keys.import_gsi_sk(_sortable(now), import_id),
        import_id=import_id,
        kind=kind,
        filename=filename,
        object_key=key,
        source="console",
        status="awaiting_upload",
        operator_sub=operator_sub,
        operator_username=operator_username,
        created_at=now,
        updated_at=now,
    )
    if audit is None:
        item.save(condition=ImportRecordItem.PK.does_not_exist())
        return item
    with TransactWrite(connection=db.transactions_connection()) as transaction:
        transaction.save(item, condition=ImportRecordItem.PK.does_not_exist())
        transaction.save(audit, condition=TableItem.SK.does_not_exist())
    return item


def mark_processing(key: str, kind: str, now: datetime) -> str | None:
    """The import of ``key`` begins: its record (made now for a bucket drop) says ``processing``.

    Returns the record's id, or None when the key names a console import that does not exist
    (a hand-made key that looks like one): such a file is imported, but no record is invented.
    """
    import_id = import_id_of(key)
    if import_id is not None:
        item = ImportRecordItem(*ImportRecordItem.key(import_id))
        try:
            item.update(
                actions=[
                    ImportRecordItem.status.set("processing"),
                    ImportRecordItem.updated_at.set(now),
                    ImportRecordItem.reason.remove(),
                ],
                condition=ImportRecordItem.PK.exists() & (ImportRecordItem.object_key == key),
            )
        except PynamoDBException as error:
            if condition_failed(error):
                return None
            raise
        return import_id
    import_id = _bucket_import_id(key)
    item = ImportRecordItem(*ImportRecordItem.key(import_id))
    item.update(
        actions=[
            ImportRecordItem.import_id.set(import_id),
            ImportRecordItem.kind.set(kind),
            ImportRecordItem.filename.set(key.rsplit("/", 1)[-1]),
            ImportRecordItem.object_key.set(key),
            ImportRecordItem.source.set("bucket"),
            ImportRecordItem.status.set("processing"),
            ImportRecordItem.created_at.set(ImportRecordItem.created_at | now),
            ImportRecordItem.updated_at.set(now),
            ImportRecordItem.GSI1PK.set(keys.IMPORTS_GSI),
            ImportRecordItem.GSI1SK.set(ImportRecordItem.GSI1SK | keys.import_gsi_sk(_sortable(now), import_id)),
            ImportRecordItem.reason.remove(),
        ]
    )
    return import_id


def mark_done(
    import_id: str, rows: int, imported: int, rejected: list[Rejection], report_key: str, now: datetime
) -> None:
    kept = [{"line": r.line, "reason": r.reason[:_REASON_KEPT]} for r in rejected[:REJECTED_KEPT]]
    ImportRecordItem(*ImportRecordItem.key(import_id)).update(
        actions=[
            ImportRecordItem.status.set("done"),
            ImportRecordItem.rows.set(rows),
            ImportRecordItem.imported.set(imported),
            ImportRecordItem.rejected_count.set(len(rejected)),
            ImportRecordItem.rejected_json.set(json.dumps(kept)),
            ImportRecordItem.report_key.set(report_key),
            ImportRecordItem.updated_at.set(now),
        ],
        condition=ImportRecordItem.PK.exists(),
    )


def mark_failed(import_id: str, reason: str, now: datetime, report_key: str | None = None) -> None:
    actions: list[Action] = [
        ImportRecordItem.status.set("failed"),
        ImportRecordItem.reason.set(reason[:_REASON_KEPT]),
        ImportRecordItem.updated_at.set(now),
    ]
    if report_key is not None:
        actions.append(ImportRecordItem.report_key.set(report_key))
    ImportRecordItem(*ImportRecordItem.key(import_id)).update(actions=actions, condition=ImportRecordItem.PK.exists())
