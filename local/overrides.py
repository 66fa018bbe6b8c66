"""Everything the local runtime does differently from the stack ``sam deploy`` creates, and why.

The local runtime reads the rest from ``template.yaml`` with the parameters' defaults: routes,
handlers, each function's environment, resource names, the user pool's policy. What is listed
here is the whole difference; ``--deployed-defaults`` (``python -m local.devserver``) drops the
parameter overrides too, so a test can run exactly the deployed configuration.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Override:
    value: str
    reason: str


PARAMETERS: dict[str, Override] = {
    "Stage": Override("local", "resource names say `local`; the template's Rules keep that stage out of AWS"),
}
# Kept with --deployed-defaults: resource names only, no behaviour.
NAMING_PARAMETERS = ("Stage",)


def parameters(*, deployed_defaults: bool = False) -> dict[str, str]:
    """Template parameters the dev server sets instead of the defaults."""
    return {
        name: override.value
        for name, override in PARAMETERS.items()
        if not deployed_defaults or name in NAMING_PARAMETERS
    }


def aws_access(endpoint: str, region: str) -> dict[str, str]:
    """How every function (and the dev server itself) reaches AWS: moto's server, dummy credentials.

    Lambda gives a function its role's credentials and the regional endpoints; locally there is
    no account, so botocore's ``AWS_ENDPOINT_URL`` points every client (boto3, PynamoDB,
    Powertools parameters) at moto without a code path of its own.
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }


def payment_access(api_base: str) -> dict[str, str]:
    """How every function reaches the payment provider: localstripe (``local.payment_provider``).

    In AWS the ``stripe`` package calls Stripe's own API; locally there is no account, so
    ``PAYMENT_API_BASE`` points the same client at localstripe, the way ``AWS_ENDPOINT_URL``
    points boto3 at moto.
    """
    return {"PAYMENT_API_BASE": api_base}


def function_variables(log_level: str | None) -> dict[str, str]:
    """Variables set on every function on top of the template's."""
    return {
        # There is no X-Ray daemon to send segments to.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # Metrics are EMF log lines for CloudWatch: locally they only clutter the console.
        "POWERTOOLS_METRICS_DISABLED": "true",
        # The template's INFO logs every request; the console shows warnings unless LOG_LEVEL says.
        "LOG_LEVEL": log_level or "WARNING",
    }


def resource_values(base_url: str) -> dict[str, str]:
    """Values the template computes from resources that do not exist locally, by logical id.

    ``PublicBaseUrlParameter`` holds the distribution's domain in AWS; locally the dev server's own
    origin plays the CDN (it serves /app/ and the API on one origin).
    """
    return {"PublicBaseUrlParameter": base_url}


def secret_value(logical_id: str, payment_keys: dict[str, str], generate: Mapping[str, Any] | None = None) -> str:
    """A secret's local value. A generated one (Secrets Manager makes one in AWS); state lives in
    moto's memory, so a new one at every start is fine. With the secret's ``GenerateSecretString``
    naming a ``SecretStringTemplate`` and a ``GenerateStringKey`` (the badge key set), the value is
    that JSON object with the generated text under the key, as CloudFormation makes it. The payment
    provider's keys (``PaymentSecret``, which the operator fills in AWS) are localstripe's:
    ``payment_keys``."""
    if logical_id == "PaymentSecret":
        return json.dumps(payment_keys)
    generated = secrets.token_urlsafe(48)
    if generate and "SecretStringTemplate" in generate and "GenerateStringKey" in generate:
        shape = json.loads(str(generate["SecretStringTemplate"]))
        return json.dumps(shape | {str(generate["GenerateStringKey"]): generated})
    return generated


# The payment provider's sources in the web client's policy (template.yaml SecurityHeadersPolicy).
_PAYMENT_SOURCE = re.compile(r"^https://([a-z0-9*-]+\.)*stripe\.com$")


def web_client_policy(
    policy: str, payment_origin: str | None, api_url: str | None = None, storage_origin: str | None = None
) -> str:
    """The web client's Content-Security-Policy as the dev server sends it, from the template's.

    The provider is localstripe (``local.payment_provider``) on a plain-http port of 127.0.0.1:
    its origin takes the place of Stripe's sources in each directive that names them (script,
    frames, API), and nothing else is added. A web client served on a second origin
    (``--web-port``) calls the API at ``api_url``, which joins ``connect-src``. The console's CSV
    upload posts to S3 (a bucket's https endpoint in AWS, which ``https:`` allows); locally S3 is
    moto on plain http, ``storage_origin``, which joins ``connect-src`` too.
    """
    directives = []
    for directive in policy.split(";"):
        name, *sources = directive.split()
        if not name:
            continue
        kept = [source for source in sources if not _PAYMENT_SOURCE.match(source)]
        if payment_origin and len(kept) < len(sources):
            kept.append(payment_origin)
        if name == "connect-src":
            kept.extend(origin for origin in (api_url, storage_origin) if origin)
        directives.append(" ".join([name, *kept]) if kept else f"{name} 'none'")
    return "; ".join(directives)
