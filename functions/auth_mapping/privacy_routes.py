"""The caller's privacy requests: download their data, erase their login.

``certtrack.privacy`` reads every item type of the program, so it is imported when one of these
routes runs: the function's other routes do not pay for it at cold start.
"""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from certtrack import clock, identity
from certtrack.api import SECURITY_HEADERS, current_login
from certtrack.openapi import responses
from certtrack.privacy.schemas import EraseOut, EraseRequest

router = Router()


@router.get(
    "/me/data-export",
    description=(
        "Everything the program holds about the caller, as a JSON file to save: one section per kind of "
        "record (profile, settings audit, exams, CE credits, certifications and history, agreements, logo "
        "acceptances, shipping address, kit claims, orders, kits, transactions, transcripts, reminders sent, "
        "badges and credentials, audit items), the login mapping, identifiers, verification codes and support "
        "cases. Audited (who and when, never the data)."
    ),
    responses=responses(ok=(200, "The JSON file (`Content-Disposition: attachment`)."), media_type="application/json"),
)
def get_data_export() -> Response[str]:
    from certtrack.privacy import export

    candidate_id = identity.current_candidate_id(router)
    now = clock.now()
    data = export.export_data(candidate_id, current_login(router), now)
    return Response(
        status_code=200,
        content_type="application/json",
        body=json.dumps(data, ensure_ascii=False, indent=2),
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="{export.filename(candidate_id, now)}"',
        },
    )


@router.post(
    "/me/erase",
    description=(
        'Erase the caller\'s login: with `{"confirm": "ERASE"}`, deletes the shipping address, transcripts '
        "(their public links stop working), logo acceptances and job title, disconnects the login from the "
        "candidate record and deletes the login. Kept: the record itself (id, name, email), exams, "
        "certifications and their verification, orders and transactions, audit items. Repeat the request "
        "after a failure: it finishes what is left."
    ),
    responses=responses(
        {
            409: "`concurrent_update`: the record changed meanwhile; try again.",
            422: "`confirmation_required`: `confirm` is not `ERASE`; nothing changed.",
            503: "`identity_unavailable`: the login could not be deleted yet; the request can be repeated.",
        },
        ok=(200, "The login is erased."),
    ),
)
def post_erase(body: EraseRequest) -> EraseOut:
    from certtrack.privacy import erase

    result = erase.erase_login(current_login(router), body.confirm, clock.now())
    return EraseOut(deleted=result.deleted)
