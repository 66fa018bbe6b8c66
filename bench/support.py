"""What every bench script sets up: the environment and a Lambda context.

Call :func:`environment` before anything imports ``certtrack`` (settings are read at import), then
run on moto with the sandbox the integration tests use and count with their counter:

    environment("functions/transcripts")           # sys.path: layers/shared, the repo, the code dir
    from local.dynamo_calls import DynamoCallCounter
    from local.sandbox import aws_sandbox

    with aws_sandbox() as settings, DynamoCallCounter() as ddb:
        ...                                        # ddb.calls, ddb.items, ddb.reads, ddb.writes
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "TABLE_NAME": "certtrack-bench",
    "DOCUMENTS_BUCKET": "certtrack-bench-documents",
    "IMPORTS_BUCKET": "certtrack-bench-imports",
    "SENDER_EMAIL": "no-reply@certs.example.com",
    "PUBLIC_BASE_URL": "https://certs.example.com",
    "STAGE": "bench",
    "CANDIDATE_PREFIX": "CSCO",
    "SIGNING_SECRET_ARN": "certtrack-bench-signing",
    "PAYMENT_PROVIDER": "stripe",
    "PAYMENT_SECRET_ARN": "certtrack-bench-payments",  # made by local.sandbox (localstripe's dummy keys)
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_NAMESPACE": "CertTrack",
    "POWERTOOLS_SERVICE_NAME": "bench",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


def environment(*code_dirs: str, **overrides: str) -> None:
    """Dummy AWS credentials and the settings' variables, unless already set; no endpoint override.

    ``sys.path`` gets the layer, the repository and each of ``code_dirs`` (relative to the
    repository, e.g. ``"functions/certifications"``: Lambda puts a function's code directory first).
    ``overrides`` replace entries of :data:`DEFAULTS` (a variable set outside still wins).
    """
    for name, value in {**DEFAULTS, **overrides}.items():
        os.environ.setdefault(name, value)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    for path in (ROOT / "layers" / "shared", ROOT, *(ROOT / d for d in code_dirs)):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def lambda_context(function_name: str = "bench", memory_mb: int = 256, timeout_s: int = 30) -> Any:
    """The dev server's Lambda context (``local.lambdas.LambdaContext``) for a direct handler call."""
    from local.lambdas import LambdaContext
    from local.template import ACCOUNT_ID, REGION

    return LambdaContext(
        function_name=function_name,
        memory_limit_in_mb=memory_mb,
        invoked_function_arn=f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}",
        aws_request_id=function_name,
        timeout_s=timeout_s,
    )


def ccna_holder(candidate_id: str, first_name: str, last_name: str, now: Any, email: str | None = None) -> None:
    """Save a candidate who holds an active CCNA (earned a year before ``now``, two years left), in
    the sandbox the caller opened: the record the certificate and badge benches work on."""
    from certtrack import keys
    from certtrack.certifications.models import CertificationItem
    from certtrack.identity.models import CandidateItem

    CandidateItem(
        *CandidateItem.key(candidate_id),
        candidate_id=candidate_id,
        first_name=first_name,
        last_name=last_name,
        email=email,
        created_at=now,
    ).save()
    CertificationItem(
        keys.candidate_pk(candidate_id),
        keys.cert_sk("ccna"),
        candidate_id=candidate_id,
        cert_id="ccna",
        status="active",
        active_date=now.date().replace(year=now.year - 1),
        expiration_date=now.date().replace(year=now.year + 2),
    ).save()
