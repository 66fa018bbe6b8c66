"""CSV imports from the operator console: a signed upload form, the list of imports, one report."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from certtrack import clock
from certtrack.api import current_operator
from certtrack.openapi import responses
from certtrack.operations import imports

router = Router()

Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=2048)]
ImportId = Annotated[str, Path(max_length=64)]


@router.post(
    "/ops/imports",
    responses=responses(
        {422: "`not_csv`: the file name does not end in .csv; `validation_error`: an unknown `kind`"},
        ok=(201, "The import, `awaiting_upload`, and the form to upload its file with"),
    ),
)
def post_import(request: imports.ImportRequest) -> Response[imports.StartedImport]:
    """Operators only: a presigned POST to the imports bucket for one CSV file (`text/csv`, at most
    `upload.max_bytes`, valid `upload.expires_in` seconds); the S3-triggered import then runs it."""
    login = current_operator(router)
    started = imports.start(request, login, clock.now())
    return Response(status_code=201, content_type="application/json", body=started)


@router.get("/ops/imports")
def get_imports(limit: Limit = 50, next: Cursor = None) -> imports.ImportPage:
    """Operators only: every import (from the console or dropped into the bucket), newest first."""
    current_operator(router)
    return imports.list_imports(limit, next)


@router.get("/ops/imports/<import_id>", responses=responses({404: "`import_not_found`: no import has that id"}))
def get_import(import_id: ImportId) -> imports.ImportDetail:
    """Operators only: one import's status, counts, first rejected lines and a link to its report."""
    current_operator(router)
    return imports.get_import(import_id, clock.now())
