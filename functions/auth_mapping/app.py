"""Login mapping and personal info; also serves /health and /openapi.json."""

from __future__ import annotations

import certtrack.coldstart

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.metrics import MetricUnit
from certtrack import clock, i18n, identity
from certtrack.api import current_login, make_app, make_handler, metrics
from certtrack.certifications import registrations
from certtrack.identity import mapping, personal
from certtrack.identity.schemas import (
    AttributeOut,
    AttributesIn,
    ConfirmOut,
    ConfirmRequest,
    EmailMappingRequest,
    IdentifierOut,
    ScoreReportRequest,
    SettingsIn,
    SettingsOut,
    StatusOut,
)
from certtrack.openapi import merged_openapi_json, responses
from privacy_routes import router as privacy_router

app = make_app("Login mapping and personal info")
app.include_router(privacy_router)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/openapi.json", include_in_schema=False)
def openapi() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=merged_openapi_json())


@app.get("/me")
def me() -> dict[str, Any]:
    """Who the caller is, and whether the login is mapped to a candidate record yet."""
    return identity.describe_login(current_login(app))


@app.post(
    "/mapping/email",
    status_code=202,
    description=(
        "Start mapping by the email on file. The answer is the same for every address, in content and "
        "time (no account enumeration): the request is queued, and one email then goes to the address: "
        "a confirmation link when exactly one unmapped candidate uses it, a support case number when "
        "several do, otherwise a notice."
    ),
    responses=responses(
        {
            409: "`already_mapped`: this login is mapped already.",
            422: "`validation_error`: not an email address.",
            429: "`too_many_requests`: more than 10 mapping emails per login in 15 minutes, or 3 a day to "
            "one address; see `Retry-After`.",
            503: "`queue_unavailable`: nothing was queued; retry.",
        },
        ok=(202, "Always this body, whatever the address."),
    ),
)
def map_by_email(body: EmailMappingRequest) -> StatusOut:
    mapping.request_by_email(current_login(app), body.email, clock.now(), _language())
    return StatusOut()


@app.post(
    "/mapping/score-report",
    status_code=202,
    description=(
        "Start mapping with the score report: when an exam with that registration number belongs to a "
        "candidate with that last name (case, accents and spaces ignored), a link goes to `new_email`; "
        "confirming it also makes `new_email` the candidate's email address."
    ),
    responses=responses(
        {
            404: "`no_match`: counts as a failure.",
            409: "`already_mapped`; `record_frozen`: locked while Customer Support reviews a disputed mapping.",
            422: "`validation_error`",
            429: "`too_many_requests`: 5 failures per login in 15 minutes, 5 a day per registration number, "
            "10 a day per last name, 20 an hour per source IP; 3 mapping emails a day to one address; "
            "see `Retry-After`.",
            503: "`email_unavailable`: nothing was stored; retry.",
        },
        ok=(202, "A confirmation link was sent to `new_email`."),
    ),
)
def map_by_score_report(body: ScoreReportRequest) -> StatusOut:
    mapping.request_by_score_report(
        current_login(app),
        body.last_name,
        body.registration_number,
        body.new_email,
        clock.now(),
        source_ip=app.current_event.request_context.identity.source_ip or "unknown",
        holders=registrations.candidates_with_registration,
        language=_language(),
    )
    return StatusOut()


def _language() -> i18n.Language:
    """The request's ``Accept-Language``: best of en/ja, English by default."""
    return i18n.negotiate(app.current_event.headers.get("accept-language"))


DisputeToken = Annotated[str, Query(min_length=1, max_length=128)]
_DISPUTE_RESPONSES = responses(
    {404: "An HTML page: the link is not valid (any more)."}, ok=(200, "An HTML page."), page=True
)


def _dispute_response(page: mapping.Page) -> Response[str]:
    return Response(
        status_code=page.status, content_type="text/html; charset=utf-8", body=page.html, headers=page.headers
    )


@app.get(
    "/public/mapping/dispute",
    description=(
        'The "this was not me" link mailed to a record\'s previous address after a score-report mapping: '
        "a page with a button (a GET changes nothing: mail scanners fetch links)."
    ),
    responses=_DISPUTE_RESPONSES,
)
def get_dispute(token: DisputeToken) -> Response[str]:
    view = mapping.view_dispute(token, clock.now())
    return _dispute_response(mapping.dispute_page(view, token, _language()))


@app.post(
    "/public/mapping/dispute",
    description=(
        "Lock the record: the login is disconnected, the previous address restored, a support case opened; "
        "no mapping until an operator acts. Using the link again shows the same case."
    ),
    responses=_DISPUTE_RESPONSES,
)
def post_dispute(token: DisputeToken) -> Response[str]:
    view = mapping.dispute(token, clock.now())
    return _dispute_response(mapping.dispute_page(view, token, _language()))


@app.post(
    "/mapping/confirm",
    description="Confirm a mapping link: single use, valid 2 hours, only for the login that asked for it.",
    responses=responses(
        {
            400: "`token_invalid`: unknown, malformed, or issued to another login.",
            409: "`already_mapped`: this login or the candidate is mapped already.",
            410: "`token_expired` or `token_used`.",
        },
        ok=(200, "The login is now mapped."),
    ),
)
def confirm_mapping(body: ConfirmRequest) -> ConfirmOut:
    result = mapping.confirm(current_login(app), body.token, clock.now())
    metrics.add_metric(name="LoginsMapped", unit=MetricUnit.Count, value=1)
    return ConfirmOut(candidate_id=result.candidate_id)


def _settings_out(view: personal.SettingsView) -> SettingsOut:
    return SettingsOut.model_validate({**view.values, "updated": view.updated})


@app.get(
    "/me/settings",
    description="The five settings (null when never answered), the language (null until chosen) and when each "
    "last changed.",
)
def get_settings() -> SettingsOut:
    return _settings_out(personal.get_settings_view(identity.current_candidate_id(app)))


@app.put(
    "/me/settings",
    description="Answer all five settings (and optionally `language`); each changed field is timestamped, "
    "each changed flag kept in an audit trail.",
    responses=responses({422: "`validation_error` listing the missing fields."}, ok=(200, "The saved settings.")),
)
def put_settings(body: SettingsIn) -> SettingsOut:
    values = body.model_dump(exclude_unset=True)  # an absent `language` stays as it is
    view = personal.put_settings(identity.current_candidate_id(app), values, current_login(app), clock.now())
    return _settings_out(view)


@app.get(
    "/me/attributes",
    description="Program-defined attributes (expert numbers, job title, academy id); only `job_title` is editable.",
)
def get_attributes() -> list[AttributeOut]:
    return [AttributeOut(**vars(a)) for a in personal.get_attributes(identity.current_candidate_id(app))]


@app.put(
    "/me/attributes",
    description=(
        'Change editable attributes: `{"attributes":[{"key":"job_title","value":"Network Engineer"}]}` '
        "(null or empty clears). Answers the full list, as GET does."
    ),
    responses=responses(
        {
            422: "`read_only_attribute`, `unknown_attribute`, `duplicate_attribute`, `attribute_too_long`, "
            "`invalid_characters` or `validation_error`; `errors[].field` names the entry."
        },
        ok=(200, "The attributes after the change."),
    ),
)
def put_attributes(body: AttributesIn) -> list[AttributeOut]:
    changes = [(change.key, change.value) for change in body.attributes]
    return [AttributeOut(**vars(a)) for a in personal.put_attributes(identity.current_candidate_id(app), changes)]


@app.get("/me/identifiers", description="Login id, system (candidate) id, badging email and testing vendor id.")
def get_identifiers() -> list[IdentifierOut]:
    candidate_id = identity.current_candidate_id(app)
    return [IdentifierOut(**vars(i)) for i in personal.get_identifiers(candidate_id, current_login(app))]


lambda_handler = make_handler(app)

certtrack.coldstart.ready()  # loaded: collect garbage again
