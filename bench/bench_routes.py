"""DynamoDB API calls one request makes, for every route of ``template.yaml`` (moto in-process).

``python -m bench.bench_routes`` prints the table; ``run()`` returns ``ddb_calls.<METHOD> <route>``
for ``make bench``. Calls are counted with botocore ``before-call.dynamodb`` events registered on
every client made during the run (PynamoDB's, boto3's and the idempotency layer's alike). The
data is the dev server's demo seed (John Doe mapped to a login, with certifications, exams and CE
credits), plus a shipping address, a transcript, an order, a paid order awaiting payment, an import,
a CE credit and the badges made through the handlers. Each route is called once, as its owner
(operators for ``/ops/*``, a login not mapped yet for ``/mapping/*``), with valid input; routes
that answer an error are still measured and flagged in the printout: a mapping confirmation or a
dispute without a mailed token, the support-case routes without a case (one read finds none), an
unsigned webhook, the erasure's wrong confirmation (the matrix's body), John Doe's mapping email
(he is mapped).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.support import environment, lambda_context
from local.dynamo_calls import DynamoCallCounter
from local.sandbox import aws_sandbox

ROOT = Path(__file__).resolve().parent.parent
SUB = "bench-routes-demo"
OPERATOR_SUB = "bench-routes-operator"
UNMAPPED_SUB = "bench-routes-newcomer"  # a login not mapped yet: the mapping routes are for it
PARAMETER = re.compile(r"\{([^}]+)\}")


def _environment() -> None:
    environment(
        TABLE_NAME="certtrack-bench-routes",
        BADGE_KEYS_SECRET_ARN="certtrack-bench-routes-badge-keys",  # made by local.sandbox
        LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_DISABLED="true",  # no EMF lines in the printout
    )


def _event(
    method: str, resource: str, path: str, sub: str | None, body: Any, headers: dict[str, str], query: dict[str, str]
) -> dict[str, Any]:
    from local.apigateway import cognito_claims, rest_event

    groups = ["operators"] if sub == OPERATOR_SUB else []
    return rest_event(
        method,
        resource,
        path,
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        query=query,
        body=None if body is None else json.dumps(body),
        claims=cognito_claims(sub, groups=groups) if sub else None,
        stage="bench",
        source_ip="198.51.100.7",
    )


class _Api:
    def __init__(self) -> None:
        from local.template import Template

        self.template = Template(ROOT / "template.yaml")
        self._handlers: dict[str, Callable[..., dict[str, Any]]] = {}

    def handler(self, logical_id: str) -> Callable[..., dict[str, Any]]:
        if logical_id not in self._handlers:
            function = self.template.functions[logical_id]
            module_name, attribute = function.handler.rsplit(".", 1)
            if str(function.code_dir) not in sys.path:
                sys.path.insert(0, str(function.code_dir))
            spec = importlib.util.spec_from_file_location(
                f"bench_routes_{logical_id}", function.code_dir / f"{module_name}.py"
            )
            assert spec and spec.loader
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self._handlers[logical_id] = getattr(module, attribute)
        return self._handlers[logical_id]

    def call(
        self,
        method: str,
        resource: str,
        path: str | None = None,
        *,
        sub: str | None = SUB,
        body: Any = None,
        headers: dict[str, str] | None = None,
        query: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        route = next(r for r in self.template.routes if r.method == method and r.path == resource)
        event = _event(
            method, resource, path or resource, None if route.public else sub, body, headers or {}, query or {}
        )
        response = self.handler(route.function)(event, lambda_context("bench-routes", 512))
        text = response.get("body") or ""
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = text
        return int(response["statusCode"]), parsed


def _seed(api: _Api) -> dict[str, str]:
    """The demo data, then a shipping address, a transcript and an order; returns the path parameters."""
    from local import demo_identity, seed
    from tests.e2e.hardening_support import (
        OPS_CANDIDATE_BODIES,
        order_request,
        shipping_address,
        transcript_request,
        valid_body,
    )

    seed.seed(datetime.now(UTC), {"demo": SUB})
    assert api.call("PUT", "/me/shipping-address", body=shipping_address())[0] == 200
    status, transcript = api.call("POST", "/me/transcripts", body=transcript_request())
    assert status == 201, transcript
    status, order = api.call(
        "POST", "/me/fulfillment/orders", body=order_request(), headers={"Idempotency-Key": "bench-seed"}
    )
    assert status == 201, order
    # A second CCNA certificate is a paid order, still awaiting its payment: the operator's cancel
    # ends it (the operators' writes later revoke the CCNA this order needs, so it is placed now).
    status, paid = api.call(
        "POST", "/me/fulfillment/orders", body=order_request(), headers={"Idempotency-Key": "bench-seed-paid"}
    )
    assert status == 201, paid
    status, started = api.call("POST", "/ops/imports", sub=OPERATOR_SUB, body=valid_body("POST /ops/imports"))
    assert status == 201, started
    credit = {**OPS_CANDIDATE_BODIES["POST ce-credits"], "external_id": "bench-routes-credit"}
    candidate_id = demo_identity.candidate_id(0)  # John Doe, mapped to SUB by the seed
    status, added = api.call(
        "POST",
        "/ops/candidates/{candidate_id}/ce-credits",
        f"/ops/candidates/{candidate_id}/ce-credits",
        sub=OPERATOR_SUB,
        body=credit,
    )
    assert status == 201, added
    # The first badge list issues the credentials; the public routes then read one and its status list.
    status, badges = api.call("GET", "/me/badges")
    assert status == 200 and badges["badges"], badges
    credential_id = badges["badges"][0]["credential_url"].rstrip("/").rsplit("/", 1)[-1]
    status, document = api.call("GET", "/public/credentials/{credential_id}", f"/public/credentials/{credential_id}")
    assert status == 200, document
    line = order["items"][0]
    return {
        "external_id": added["external_id"],
        "credential_id": credential_id,
        "list_id": document["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[-1],
        "order_id": paid["order_id"],
        "import_id": started["import_id"],
        "transcript_id": transcript["transcript_id"],
        "public_id": transcript["public_url"].rsplit("/", 1)[-1],
        "cert_id": "ccna",
        "logo_id": "ccna",
        "fulfillment_id": line["fulfillment_id"],
        "verification_code": line["verification_code"],
        "candidate_id": candidate_id,
    }


def _prepare(api: _Api, method: str, resource: str, ids: dict[str, str]) -> dict[str, Any]:
    """The request's path, body, headers and query (anything it needs made beforehand is made here)."""
    from tests.e2e.hardening_support import transcript_request, valid_body  # the matrix's bodies

    key = f"{method} {resource}"
    headers: dict[str, str] = {}
    query: dict[str, str] = {}
    body = valid_body(key)
    if key == "POST /me/fulfillment/orders":
        headers = {"Idempotency-Key": f"bench-{uuid.uuid4()}"}
    if key == "DELETE /me/transcripts/{transcript_id}":
        made = api.call("POST", "/me/transcripts", body=transcript_request())[1]
        ids = ids | {"transcript_id": made["transcript_id"]}
    if key == "GET /ops/candidates":  # a name search (one word: also tried as a registration number)
        query = {"q": "Doe"}
    if resource == "/reminders/unsubscribe":
        from certtrack.certifications.reminders import unsubscribe_signature

        query = {"c": ids["candidate_id"], "s": unsubscribe_signature(ids["candidate_id"])}
    return {
        "path": PARAMETER.sub(lambda m: ids.get(m.group(1), "unknown"), resource),
        "sub": OPERATOR_SUB
        if resource.startswith("/ops/")
        else UNMAPPED_SUB
        if resource.startswith("/mapping/")
        else SUB,
        "body": body,
        "headers": headers,
        "query": query,
    }


def measure() -> list[tuple[str, int, int]]:
    """(route, DynamoDB calls, status) for every route of the template."""
    from local.payment_provider import LocalStripe

    _environment()
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    rows = []
    payments = LocalStripe()  # paid orders create their PaymentIntent there, as in the dev server
    os.environ["PAYMENT_API_BASE"] = payments.url
    with aws_sandbox(), DynamoCallCounter() as ddb, _stopping(payments):
        api = _Api()
        ids = _seed(api)
        for route in sorted(api.template.routes, key=lambda r: (r.path, r.method)):
            request = _prepare(api, route.method, route.path, ids)
            ddb.clear()
            status, _ = api.call(route.method, route.path, **request)
            rows.append((f"{route.method} {route.path}", ddb.total, status))
    return rows


@contextmanager
def _stopping(payments: Any) -> Iterator[None]:
    try:
        yield
    finally:
        payments.stop()
        os.environ.pop("PAYMENT_API_BASE", None)


def run() -> dict[str, float]:
    return {f"ddb_calls.{route}": calls for route, calls, _ in measure()}


if __name__ == "__main__":
    results = measure()
    width = max(len(route) for route, _, _ in results)
    print(f"{'route':<{width}}  ddb calls  status")
    for route, calls, status in results:
        print(f"{route:<{width}}  {calls:>9}  {status}")
