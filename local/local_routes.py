"""The local-only routes under ``/_local/`` (never in ``template.yaml``): login, outbox, imports,
schedule, payment.

They stand in for what the cloud does around the API: the hosted login page, the mailbox, an
upload to the imports bucket (and the S3 trigger it fires), the daily schedule, and the browser's
payment step with the provider's JS (against localstripe, ``local.payment_provider``).
"""

from __future__ import annotations

import json
import re
import sys
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from local import outbox
from local.apigateway import Problem, Request, Response, json_response
from local.artifact import ArtifactRuntime
from local.cognito import IdentityProvider, LoginFailed
from local.eventsources import EventSources
from local.lambdas import HandlerMissing, Runtime, s3_put_event, scheduled_event
from local.payment_provider import LocalStripe
from local.template import Function, Template

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

IMPORT_KINDS = ("exams", "ce-credits")
PAY_ROUTE = re.compile(r"/_local/payments/(?P<order_id>[0-9A-Za-z-]{1,64})/pay")
CARD = re.compile(r"[0-9]{12,19}")


class LocalRoutes:
    def __init__(
        self,
        template: Template,
        runtime: Runtime | ArtifactRuntime,
        identity: IdentityProvider,
        s3: S3Client,
        imports_bucket: str,
        sources: EventSources | None = None,
        payments: LocalStripe | None = None,
    ) -> None:
        self._template = template
        self._payments = payments
        self._sources = sources
        self._runtime = runtime
        self._identity = identity
        self._s3 = s3
        self._imports_bucket = imports_bucket
        self._routes: dict[str, dict[str, Callable[[Request], Response]]] = {
            "/_local/login": {"POST": self.login},
            "/_local/oauth2/token": {"POST": self.token},
            "/_local/oauth2/revoke": {"POST": self.revoke},
            "/_local/outbox": {"GET": self.outbox},
            "/_local/events/expiry-check": {"POST": self.expiry_check},
            **{f"/_local/imports/{kind}": {"POST": self.import_csv} for kind in IMPORT_KINDS},
        }

    def dispatch(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        methods = {"POST": self.pay} if PAY_ROUTE.fullmatch(path) else self._routes.get(path)
        if methods is None:
            raise Problem(404, "route_not_found", "No such route.")
        route = methods.get(request.method)
        if route is None:
            allow = ", ".join(sorted(methods))
            raise Problem(405, "method_not_allowed", f"Use {allow}.", [("Allow", allow)])
        return route(request)

    def login(self, request: Request) -> Response:
        """``{"username","password","groups"?}`` → ``{"id_token"}``; creates the user on first use."""
        body = _json_object(request)
        username, password, groups = body.get("username"), body.get("password"), body.get("groups", [])
        if not isinstance(username, str) or not username.strip() or not isinstance(password, str) or not password:
            raise Problem(422, "validation_error", "username and password are required strings.")
        if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
            raise Problem(422, "validation_error", "groups must be a list of group names.")
        try:
            session = self._identity.session(username.strip(), password, groups)
        except LoginFailed as error:
            raise Problem(error.status, error.code, error.detail) from error
        return json_response(200, {"id_token": session.id_token, "refresh_token": session.refresh_token})

    def token(self, request: Request) -> Response:
        """The hosted UI's token endpoint for ``grant_type=refresh_token`` (form-encoded, as Cognito's
        ``/oauth2/token``): ``{"id_token","token_type","expires_in"}``; 400 ``invalid_grant`` otherwise."""
        form = _form(request)
        if form.get("grant_type") != "refresh_token" or not form.get("refresh_token"):
            return json_response(400, {"error": "unsupported_grant_type"})
        try:
            id_token = self._identity.refresh(form["refresh_token"])
        except LoginFailed:
            return json_response(400, {"error": "invalid_grant"})
        return json_response(200, {"id_token": id_token, "token_type": "Bearer", "expires_in": 3600})

    def revoke(self, request: Request) -> Response:
        """The hosted UI's ``/oauth2/revoke``: the refresh token (``token``) stops working; always 200."""
        token = _form(request).get("token")
        if token:
            self._identity.revoke(token)
        return json_response(200, {})

    def outbox(self, _: Request) -> Response:
        """The mailbox, once the queued mail jobs are delivered (the poller would have, a moment later)."""
        if self._sources is not None:
            self._sources.drain()
        return json_response(200, {"messages": outbox.messages()})

    def import_csv(self, request: Request) -> Response:
        """Put the CSV into the imports bucket, run the S3 trigger on it, return its report.

        The bucket notifies the trigger's event source (``local.eventsources.s3_sources``): the
        import runs once, as that delivery, now rather than when the poller next looks.
        """
        kind = request.path.rstrip("/").rsplit("/", 1)[-1]
        now = datetime.now(UTC)
        key = f"{kind}/{now:%Y%m%dT%H%M%S%fZ}.csv"
        function = self._template.s3_trigger(self._imports_bucket, key)
        if function is None:
            raise Problem(501, "not_implemented", f"template.yaml has no S3 trigger for {key}.")
        put = self._s3.put_object(Bucket=self._imports_bucket, Key=key, Body=request.body, ContentType="text/csv")
        if self._sources is not None:
            self._sources.drain()
            return json_response(200, self._stored_report(key))
        event = s3_put_event(self._imports_bucket, key, len(request.body), put["ETag"], now)
        result = self._invoke(function, event)
        report = result if isinstance(result, dict) and "rows" in result else self._stored_report(key)
        return json_response(200, report)

    def pay(self, request: Request) -> Response:
        """``{"card"}`` → pay the order's payment with that test card; the provider's answer as it is.

        What the browser's payment step does with the order's ``client_secret``; the webhook then
        arrives as in production (about a second later).
        """
        match = PAY_ROUTE.fullmatch(request.path.rstrip("/"))
        assert match is not None
        card = _json_object(request).get("card")
        if not isinstance(card, str) or not CARD.fullmatch(card):
            raise Problem(422, "validation_error", "card must be a test card number (12 to 19 digits).")
        if self._payments is None:
            raise Problem(501, "not_implemented", "No local payment provider is running.")
        payment = self._payments.payment_of(match["order_id"])
        if payment is None:
            raise Problem(404, "payment_not_found", "No payment belongs to that order.")
        status, answer = self._payments.pay(str(payment["id"]), card)
        return json_response(status, answer)

    def expiry_check(self, request: Request) -> Response:
        """``{"time"?}`` (ISO 8601; default now) → the scheduled handler's summary with the day's totals.

        The handler fans the day out on the shard queue; the shard jobs (and their continuations)
        are delivered by the event sources before the answer, whose totals are the day's item's
        (``expiry_jobs.day_summary``): ``complete`` is false while a job waits (a delayed retry).
        """
        from certtrack.certifications import expiry_jobs

        body = _json_object(request) if request.body else {}
        when = _event_time(body.get("time"))
        function = self._template.scheduled_function()
        if function is None:
            raise Problem(501, "not_implemented", "template.yaml has no scheduled function.")
        summary = self._invoke(function, scheduled_event(function, when))
        if self._sources is not None:
            self._sources.drain(limit=10_000)
        if isinstance(summary, dict) and summary.get("shards_enqueued"):  # a day already done adds nothing
            summary |= expiry_jobs.day_summary(when.date())
        return json_response(200, summary)

    def _invoke(self, function: Function, event: dict[str, Any]) -> Any:
        try:
            return self._runtime.invoke(function, event)
        except HandlerMissing as error:
            raise Problem(501, "not_implemented", f"{function.logical_id} is not implemented yet.") from error
        except Exception as error:
            traceback.print_exc(file=sys.stderr)
            raise Problem(500, "internal_error", f"{function.logical_id} failed; see the dev server's log.") from error

    def _stored_report(self, key: str) -> Any:
        """The report the import wrote beside the file (``<key>.report.json``)."""
        try:
            stored = self._s3.get_object(Bucket=self._imports_bucket, Key=f"{key}.report.json")
        except self._s3.exceptions.NoSuchKey as error:
            raise Problem(500, "internal_error", "The import wrote no report.") from error
        return json.loads(stored["Body"].read())


def _form(request: Request) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (the OAuth 2.0 endpoints' format)."""
    return {name: values[-1] for name, values in parse_qs((request.body or b"").decode("utf-8", "replace")).items()}


def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise Problem(400, "malformed_json", "The request body is not valid JSON.") from error
    if not isinstance(body, dict):
        raise Problem(422, "validation_error", "The request body must be a JSON object.")
    return body


def _event_time(value: Any) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(str(value))
    except ValueError as error:
        raise Problem(422, "validation_error", "time must be an ISO 8601 timestamp.") from error
    return when if when.tzinfo else when.replace(tzinfo=UTC)
